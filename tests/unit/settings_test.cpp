// The settings pipeline: the config file, the flags merged over it, and the typed settings.
#include "command_line.h"
#include "config_file.h"
#include "settings.h"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace conformance;
using nlohmann::json;

namespace {

Settings from_text(const std::string& text) {
  return settings_from_document(parse_config_text(text));
}

std::string error_of(const std::string& text) {
  try {
    from_text(text);
  } catch (const SettingsError& e) {
    return e.what();
  }
  return "no error";
}

// Parses `args` (after the program name) as `program` would, with `config` as its --config file.
struct Parsed {
  json merged;
  Settings settings;
};
Parsed parse(Program program, const json& config, std::vector<std::string> args) {
  // Unique per call: ctest runs this binary's tests in parallel processes.
  static int calls = 0;
  std::string path = testing::TempDir() + "settings-test-" + std::to_string(::getpid()) + "-" +
                     std::to_string(++calls) + ".json";
  std::ofstream(path) << config.dump();
  CLI::App app;
  SettingsFlags flags(app, program);
  args.insert(args.begin(), {"--config", path});
  std::reverse(args.begin(), args.end()); // CLI11 takes the arguments in reverse order
  app.parse(args);
  return {flags.merged_document(), flags.resolve()};
}

} // namespace

TEST(ConfigFile, EnvironmentReferencesAreExpanded) {
  ::setenv("CONFORMANCE_TEST_SECRET", "s3cret-value", 1);
  EXPECT_EQ(expand_environment("${env:CONFORMANCE_TEST_SECRET}"), "s3cret-value");
  EXPECT_EQ(expand_environment("a-${env:CONFORMANCE_TEST_SECRET}-b"), "a-s3cret-value-b");
  EXPECT_EQ(expand_environment("no reference"), "no reference");
  ::unsetenv("CONFORMANCE_TEST_UNSET");
  EXPECT_THROW(expand_environment("${env:CONFORMANCE_TEST_UNSET}"), SettingsError);
  EXPECT_THROW(expand_environment("${env:UNTERMINATED"), SettingsError);
  // Nested strings are expanded too, and nesting deeper than any setting is refused.
  EXPECT_EQ(parse_config_text(R"({"driver": {"command": ["${env:CONFORMANCE_TEST_SECRET}"]}})")
                .at("driver")
                .at("command")
                .at(0),
            "s3cret-value");
  EXPECT_THROW(parse_config_text(R"({"a":[[[[[[[[[["x"]]]]]]]]]]})"), SettingsError);
}

TEST(Settings, FullExampleReadsIntoTypedSettings) {
  ::setenv("CONFORMANCE_TEST_SECRET", "s3cret-value", 1);
  Settings s = from_text(R"({
    "mcp_url": "https://mcp.example.com/mcp", "profile": "mcp-2025-11-25", "strict": true,
    "timeout_seconds": 2.5, "max_body_bytes": 4096,
    "clients": {"registration": "static",
                "public": {"client_id": "pub", "redirect_uri": "http://127.0.0.1/callback"},
                "confidential": {"client_id": "conf", "client_secret": "${env:CONFORMANCE_TEST_SECRET}",
                                 "auth_method": "client_secret_post"},
                "second": {"client_id": "pub2"}},
    "driver": {"kind": "form", "form": {"fields": {"username": "alice", "password": "${env:CONFORMANCE_TEST_SECRET}"}}},
    "introspection": {"bearer": "${env:CONFORMANCE_TEST_SECRET}"},
    "resources": {"second": "https://other.example/api"},
    "operations": {"tool_scopes": {"admin_report": "mcp:admin"},
                   "scope_implies": {"mcp:admin": ["mcp:tools", "mcp:read"]}},
    "bundled_server": {"port": 0, "threads": 2}
  })");
  const RunOptions& run = s.run;
  EXPECT_EQ(run.mcp_url, "https://mcp.example.com/mcp");
  EXPECT_EQ(run.profile, Profile::Mcp20251125);
  EXPECT_TRUE(run.strict);
  EXPECT_EQ(run.http.timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(run.http.max_body_bytes, 4096u);
  EXPECT_EQ(run.registration, RegistrationMode::Static);
  ASSERT_EQ(run.static_clients.size(), 3u);
  EXPECT_EQ(run.static_clients.at(ClientRole::Post).client_secret, "s3cret-value");
  EXPECT_EQ(run.static_clients.at(ClientRole::Second).auth, ClientAuth::None);
  EXPECT_EQ(run.static_clients.at(ClientRole::Second).redirect_uri, run.redirect_uri);
  EXPECT_EQ(run.driver.kind, DriverKind::Form);
  EXPECT_EQ(run.driver.form_fields.at("password"), "s3cret-value");
  EXPECT_EQ(run.facts.introspection_token, "s3cret-value");
  EXPECT_EQ(run.facts.second_resource, "https://other.example/api");
  EXPECT_EQ(run.facts.tool_scopes.at("admin_report"), "mcp:admin");
  ASSERT_EQ(run.facts.scope_implies.size(), 2u);
  EXPECT_EQ(run.facts.scope_implies[1].second, "mcp:read");
  EXPECT_EQ(s.bundled.threads, 2);

  // --print-settings shows every secret hidden, and reads back into the same settings.
  json shown = settings_document(s);
  EXPECT_EQ(shown.dump().find("s3cret-value"), std::string::npos) << shown.dump();
  EXPECT_EQ(shown["clients"]["confidential"]["client_secret"], "(redacted)");
}

TEST(Settings, MistakesAreErrorsNamingThePlaceAndTheFlag) {
  EXPECT_NE(error_of("{not json").find("JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"base_ur1": "x"})").find("base_ur1"), std::string::npos);
  EXPECT_NE(error_of(R"({"clients": {"public": {"client_id": "p", "client_secret": "x"}}})")
                .find("clients.public"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"clients": {"confidential": {"client_id": "c"}}})").find("secret"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"driver": {"kind": "command"}})").find("driver.command"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"driver": {"kind": "form"}})").find("--form-field"), std::string::npos);
  EXPECT_NE(error_of(R"({"driver": {"kind": "browser"}})").find("--form-field"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"driver": {"kind": "chrome"}})").find("driver.kind (--driver)"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"driver": {"kind": "browser", "form": {"fields": {"u": "a"}},
                                    "browser": {"executable": "/nonexistent/chromium"}}})")
                .find("/nonexistent/chromium' is not an executable file"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"driver": {"browser": {"headless": "yes"}}})").find("true or false"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"clients": {"registration": "magic"}})").find("registration"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"profile": "oauth3"})").find("mcp-2025-11-25"), std::string::npos);
  EXPECT_NE(error_of(R"({"timeout_seconds": -1})").find("timeout_seconds (--timeout)"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"bundled_server": {"port": 70000}})").find("--server-port"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"allow_hosts": ["http://10.0.0.5/"]})").find("allow_hosts (--allow-host)"),
            std::string::npos);
  EXPECT_EQ(from_text(R"({"allow_hosts": ["idp.internal", "10.0.0.5", "[fd00::1]"]})")
                .run.http.allowed_hosts,
            (std::vector<std::string>{"idp.internal", "10.0.0.5", "[fd00::1]"}));
}

// One rule for both programs: a flag given on the command line wins over the file, a NAME=VALUE
// flag replaces only that NAME, and what the flags do not name comes from the file.
TEST(Settings, FlagsWinOverTheConfigFileTheSameWayForBothPrograms) {
  json config = {
      {"timeout_seconds", 30},
      {"scope", "from-file"},
      {"base_url", "http://127.0.0.1:1"},
      {"driver",
       {{"kind", "form"}, {"form", {{"fields", {{"username", "alice"}, {"password", "file"}}}}}}}};
  std::vector<std::string> args{"--timeout",     "3",       "--form-field",
                                "password=flag", "--scope", "from-flag"};
  for (Program program : {Program::Run, Program::Bench}) {
    Parsed p = parse(program, config, args);
    EXPECT_EQ(p.settings.run.http.timeout, std::chrono::seconds(3));
    EXPECT_EQ(p.settings.run.flow_scope, "from-flag");
    EXPECT_EQ(p.settings.run.base_url, "http://127.0.0.1:1"); // not given: the file's
    EXPECT_EQ(p.settings.run.driver.form_fields.at("username"), "alice");
    EXPECT_EQ(p.settings.run.driver.form_fields.at("password"), "flag");
  }
  EXPECT_EQ(parse(Program::Run, config, args).merged, parse(Program::Bench, config, args).merged);
}

// A file that lacks a piece the flags give is not an error on its own.
TEST(Settings, TheFileAloneNeedNotBeComplete) {
  json config = {{"driver", {{"kind", "form"}}}};
  Parsed p = parse(Program::Run, config, {"--form-field", "username=alice"});
  EXPECT_EQ(p.settings.run.driver.kind, DriverKind::Form);
  EXPECT_THROW(parse(Program::Run, config, {}), SettingsError);
}
