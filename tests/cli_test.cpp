// The `conformance` binary's contract: the catalogue it cites, its listing, and
// exit code 2 with a one-line reason when it cannot run.
#include "drivers/subprocess.h"
#include "report_tools.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

namespace {

using conformance::BackgroundProcess;
using conformance::ProcessResult;
using conformance::run_process;

using nlohmann::json;
using namespace std::chrono_literals;

TEST(CliContract, EveryCitedRequirementIsInTheCatalogue) {
  std::ifstream in(REQUIREMENTS_JSON);
  json catalogue = json::parse(in);
  std::set<std::string> ids;
  for (const auto& r : catalogue.at("requirements"))
    ids.insert(r.at("id").get<std::string>());
  ASSERT_EQ(ids.size(), 150u);

  ProcessResult listed = run_process({CONFORMANCE_BIN, "--list", "--json"}, 30s);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json list = json::parse(listed.out);
  ASSERT_FALSE(list.at("checks").empty());
  std::set<std::string> names;
  for (const auto& check : list.at("checks")) {
    std::string name =
        check.at("suite").get<std::string>() + "." + check.at("name").get<std::string>();
    EXPECT_TRUE(names.insert(name).second) << "duplicate check " << name;
    EXPECT_EQ(name.find('_'), std::string::npos)
        << "GoogleTest names must not contain '_': " << name;
    EXPECT_FALSE(check.at("requirements").empty()) << name << " cites no requirement";
    for (const auto& id : check.at("requirements"))
      EXPECT_TRUE(ids.count(id.get<std::string>())) << name << " cites unknown requirement " << id;
  }
  // An excluded row is one no check judges; each says why.
  std::ifstream excluded_in(EXCLUDED_JSON);
  json excluded = json::parse(excluded_in);
  std::set<std::string> covered =
      list.at("requirements").at("covered").get<std::set<std::string>>();
  for (const auto& row : excluded.at("excluded")) {
    std::string id = row.at("id").get<std::string>();
    EXPECT_TRUE(ids.count(id)) << "excluded.json names unknown requirement " << id;
    EXPECT_FALSE(covered.count(id)) << id << " is excluded but a check cites it";
    EXPECT_FALSE(row.at("reason").get<std::string>().empty()) << id;
  }
}

TEST(CliContract, UnreachableServerExitsTwoWithOneLine) {
  auto started = std::chrono::steady_clock::now();
  ProcessResult r =
      run_process({CONFORMANCE_BIN, "--base-url", "http://127.0.0.1:1", "--timeout", "3"}, 30s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line, got: " << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

TEST(CliContract, UnreachableMcpServerExitsTwoWithOneLine) {
  ProcessResult r =
      run_process({CONFORMANCE_BIN, "--mcp-url", "http://127.0.0.1:1/mcp", "--timeout", "3"}, 30s);
  EXPECT_EQ(r.exit_code, 2);
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line, got: " << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1/mcp"), std::string::npos) << r.err;
}

TEST(CliContract, BadArgumentsExitTwo) {
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--tool-scope", "no-equals-sign"}, 10s).exit_code, 2);
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--scope-implies", "=narrow"}, 10s).exit_code, 2);
  EXPECT_EQ(
      run_process({CONFORMANCE_BIN, "--introspection-client-secret", "s3cret"}, 10s).exit_code, 2);
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--profile", "nonsense"}, 10s).exit_code, 2);
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--no-such-flag"}, 10s).exit_code, 2);
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--timeout", "-1"}, 10s).exit_code, 2);
}

TEST(CliContract, GtestFilterSelectsChecks) {
  // No --base-url: the bundled reference server is started in-process.
  std::string report = testing::TempDir() + "cli-filter.json";
  ProcessResult r = run_process({CONFORMANCE_BIN, "--gtest_filter=Pkce.*", "--json", report}, 120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(report);
  json record = json::parse(in);
  ASSERT_FALSE(record.at("checks").empty());
  for (const auto& c : record.at("checks"))
    EXPECT_EQ(c.at("suite"), "Pkce");
  for (const char* key : {"tool", "target", "profile", "summary", "checks"})
    EXPECT_TRUE(record.contains(key)) << key;
  EXPECT_EQ(record.at("tool").at("name"), "conformance");
  // The bundled server is tested from its MCP endpoint.
  EXPECT_TRUE(record.at("target").at("mcp_url").is_string());
  EXPECT_TRUE(record.at("target").at("resource_metadata_url").is_string());
}

// A server reached only through the operator's login program (the command driver), with clients
// the operator registered beforehand (static registration), all from a --config file.
TEST(CliContract, ConfigFileWithStaticClientsAndCommandDriverCompletesFlows) {
  BackgroundProcess server({REFERENCE_SERVER_BIN, "--port", "0", "--login-form"});
  std::string url = server.first_line(10s);
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  httplib::Client http(url);
  auto register_client = [&](const json& metadata) {
    auto r = http.Post("/register", metadata.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 201);
    return r ? json::parse(r->body) : json();
  };
  json native = {{"redirect_uris", {"http://127.0.0.1/callback"}},
                 {"token_endpoint_auth_method", "none"},
                 {"application_type", "native"}};
  json pub = register_client(native);
  json second = register_client(native);
  json confidential = native;
  confidential["token_endpoint_auth_method"] = "client_secret_basic";
  json conf = register_client(confidential);

  ::setenv("CONFORMANCE_CLI_TEST_SECRET", conf.value("client_secret", "").c_str(), 1);
  json config = {
      {"base_url", url},
      {"clients",
       {{"registration", "static"},
        {"public", {{"client_id", pub["client_id"]}}},
        {"second", {{"client_id", second["client_id"]}}},
        {"confidential",
         {{"client_id", conf["client_id"]},
          {"client_secret", "${env:CONFORMANCE_CLI_TEST_SECRET}"},
          {"auth_method", "client_secret_basic"}}}}},
      {"driver",
       {{"kind", "command"},
        {"command", {"sh", std::string(FIXTURES_DIR) + "/drivers/reference_server_login.sh"}}}}};
  std::string config_path = testing::TempDir() + "cli-config.json";
  std::ofstream(config_path) << config.dump(2);
  std::string report = testing::TempDir() + "cli-config-report.json";
  ProcessResult r = run_process({CONFORMANCE_BIN, "--config", config_path, "--json", report,
                                 "--gtest_filter=Pkce.*:Refresh.*:Token.SecretInBasic*"},
                                180s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(report);
  json record = json::parse(in);
  int passes = 0;
  for (const auto& c : record.at("checks")) {
    EXPECT_NE(c.at("outcome"), "error") << c.dump();
    passes += c.at("outcome") == "pass";
  }
  EXPECT_GE(passes, 10);
  // The operator's clients were used, and their secret never reached the report.
  std::string text = record.dump();
  EXPECT_NE(text.find(pub["client_id"].get<std::string>()), std::string::npos);
  EXPECT_EQ(text.find(conf.value("client_secret", "<none>")), std::string::npos);
  EXPECT_EQ(text.find("/register"), std::string::npos) << "static registration must not use DCR";
}

// The form driver configured from the file, the password coming from the environment.
TEST(CliContract, ConfigFileWithFormDriverSignsIn) {
  BackgroundProcess server({REFERENCE_SERVER_BIN, "--port", "0", "--login-form"});
  std::string url = server.first_line(10s);
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  ::setenv("CONFORMANCE_CLI_TEST_PASSWORD", "wonderland", 1);
  json config = {
      {"mcp_url", url + "/mcp"},
      {"driver",
       {{"kind", "form"},
        {"form",
         {{"fields",
           {{"username", "alice"}, {"password", "${env:CONFORMANCE_CLI_TEST_PASSWORD}"}}}}}}}};
  std::string config_path = testing::TempDir() + "cli-form-config.json";
  std::ofstream(config_path) << config.dump(2);
  std::string report = testing::TempDir() + "cli-form-report.json";
  ProcessResult r = run_process({CONFORMANCE_BIN, "--config", config_path, "--json", report,
                                 "--gtest_filter=Pkce.*:Authorization.DenialGivesAccessDenied"},
                                120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(report);
  json record = json::parse(in);
  for (const auto& c : record.at("checks"))
    EXPECT_TRUE(c.at("outcome") == "pass" || c.at("outcome") == "info") << c.dump();
  EXPECT_EQ(record.dump().find("wonderland"), std::string::npos) << "the password leaked";
}

TEST(CliContract, BadConfigFileExitsTwoNamingTheProblem) {
  std::string path = testing::TempDir() + "cli-bad-config.json";
  std::ofstream(path) << R"({"clients": {"public": {"client_id": "p", "client_secret": "s"}}})";
  ProcessResult r = run_process({CONFORMANCE_BIN, "--config", path}, 10s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("clients.public"), std::string::npos) << r.err;
  ProcessResult missing = run_process({CONFORMANCE_BIN, "--config", path + ".none"}, 10s);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos) << missing.err;
}

// `conformance` and `conformance bench` read their settings through one pipeline: the same file
// and the same flags give the same settings, a flag winning over the file for both.
TEST(CliContract, BothProgramsMergeFlagsOverTheConfigFileAlike) {
  std::string path = testing::TempDir() + "cli-shared-config.json";
  std::ofstream(path) << json{{"base_url", "http://127.0.0.1:9"},
                              {"timeout_seconds", 30},
                              {"scope", "file-scope"},
                              {"driver", {{"form", {{"fields", {{"username", "alice"}}}}}}}}
                             .dump();
  std::vector<std::string> flags{"--config",        path,   "--timeout",    "3",
                                 "--driver",        "form", "--form-field", "password=secret-pw",
                                 "--print-settings"};
  std::vector<std::string> run_cmd{CONFORMANCE_BIN};
  run_cmd.insert(run_cmd.end(), flags.begin(), flags.end());
  std::vector<std::string> bench_cmd{CONFORMANCE_BIN, "bench"};
  bench_cmd.insert(bench_cmd.end(), flags.begin(), flags.end());
  ProcessResult run = run_process(run_cmd, 10s);
  ProcessResult bench = run_process(bench_cmd, 10s);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  json run_settings = json::parse(run.out), bench_settings = json::parse(bench.out);
  EXPECT_EQ(run_settings, bench_settings);
  EXPECT_EQ(run_settings.at("timeout_seconds"), 3.0); // the flag won
  EXPECT_EQ(run_settings.at("scope"), "file-scope");  // the file, where no flag was given
  EXPECT_EQ(run_settings.at("base_url"), "http://127.0.0.1:9");
  EXPECT_EQ(run_settings.at("driver").at("kind"), "form");
  EXPECT_EQ(run_settings.at("driver").at("form").at("fields").size(), 2u);
  EXPECT_EQ(run.out.find("secret-pw"), std::string::npos) << "a login field value was printed";
}

// The bundled server cannot start (its port is taken): one line saying why, exit 2, for both.
TEST(CliContract, BundledServerThatCannotBindExitsTwo) {
  httplib::Server squatter;
  int port = squatter.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  for (std::vector<std::string> cmd : {std::vector<std::string>{CONFORMANCE_BIN},
                                       std::vector<std::string>{CONFORMANCE_BIN, "bench"}}) {
    cmd.insert(cmd.end(), {"--server-port", std::to_string(port)});
    ProcessResult r = run_process(cmd, 20s);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("cannot start the bundled reference server"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(std::to_string(port)), std::string::npos) << r.err;
  }
}

} // namespace

namespace {

// A baseline accepts known failures, fails on new ones, and flags entries that now pass.
TEST(CliContract, BaselineAcceptsKnownFailuresAndFlagsStaleOnes) {
  BackgroundProcess faulty({REFERENCE_SERVER_BIN, "--port", "0", "--fault", "codes-reusable"});
  std::string url = faulty.first_line(10s);
  ASSERT_FALSE(url.empty());
  const std::string filter = "--gtest_filter=AuthorizationCode.*:Pkce.*";
  std::string baseline = testing::TempDir() + "cli-baseline.json";
  ProcessResult first = run_process(
      {CONFORMANCE_BIN, "--base-url", url, "--quiet", "--write-baseline", baseline, filter}, 120s);
  EXPECT_EQ(first.exit_code, 1) << first.out;
  std::ifstream in(baseline);
  json written = json::parse(in);
  ASSERT_EQ(written.at("known_failures").size(), 1u) << written.dump();
  EXPECT_EQ(written.at("known_failures")[0].at("requirement"), "CODE-01");

  ProcessResult known =
      run_process({CONFORMANCE_BIN, "--base-url", url, "--baseline", baseline, filter}, 120s);
  EXPECT_EQ(known.exit_code, 0) << known.out;
  EXPECT_NE(known.out.find("(known: in the baseline)"), std::string::npos) << known.out;

  // Against the clean bundled server the entry is stale.
  ProcessResult stale = run_process({CONFORMANCE_BIN, "--baseline", baseline, filter}, 120s);
  EXPECT_EQ(stale.exit_code, 1) << stale.out;
  EXPECT_NE(stale.out.find("Stale baseline entries"), std::string::npos) << stale.out;
  ProcessResult allowed =
      run_process({CONFORMANCE_BIN, "--baseline", baseline, "--allow-stale", filter}, 120s);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out;
}

// SIGINT and SIGTERM mid-check: every requested report is still written, the running check is
// marked unfinished, the checks that never started are listed as not run, and the exit status
// is 128 + the signal.
TEST(CliContract, InterruptedRunWritesItsReports) {
  for (int signo : {SIGINT, SIGTERM}) {
    std::string stem = testing::TempDir() + "cli-interrupted-" + std::to_string(signo);
    for (const char* ext : {".json", ".xml", ".html"})
      std::filesystem::remove(stem + ext);
    // CODE-04 waits out a 60 s code lifetime: the run is certainly inside it after a second.
    // Token.* comes after AuthorizationCode in the run order, so those checks never start.
    BackgroundProcess run({CONFORMANCE_BIN, "--code-lifetime", "60", "--json", stem + ".json",
                           "--junit", stem + ".xml", "--html", stem + ".html",
                           "--gtest_filter=AuthorizationCode.ExpiredCodeIsRefused:Token.*"});
    ASSERT_FALSE(run.first_line(20s).empty());
    std::this_thread::sleep_for(1500ms);
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(run.signal_and_wait(signo, 20s), 128 + signo);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    ASSERT_TRUE(std::filesystem::exists(stem + ".json"));
    std::ifstream in(stem + ".json");
    json record = json::parse(in);
    EXPECT_EQ(record.at("interrupted_by_signal"), signo);
    int unfinished = 0, not_run = 0;
    for (const auto& c : record.at("checks")) {
      if (c.value("unfinished", false)) {
        ++unfinished;
        EXPECT_EQ(c.at("name"), "ExpiredCodeIsRefused");
      }
      if (c.at("suite") == "Token") {
        ++not_run;
        EXPECT_EQ(c.at("outcome"), "skip");
        EXPECT_NE(c.at("message").get<std::string>().find("not run"), std::string::npos);
      }
    }
    EXPECT_EQ(unfinished, 1) << record.at("checks").dump();
    EXPECT_GE(not_run, 10) << record.at("checks").dump();
    ProcessResult lint = conformance::testing_tools::validate_junit(stem + ".xml");
    EXPECT_EQ(lint.exit_code, 0) << lint.err;
    std::ifstream html_in(stem + ".html");
    std::string html((std::istreambuf_iterator<char>(html_in)), std::istreambuf_iterator<char>());
    EXPECT_NE(html.find("AuthorizationCode.ExpiredCodeIsRefused"), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
  }
}

// A server killed, or frozen with SIGSTOP, in the middle of a run: every later check ends at
// once in error naming the stop, the run ends within about twice the request timeout of that
// moment, and every report is written.
TEST(CliContract, ServerThatStopsMidRunEndsTheRunQuickly) {
  for (int signo : {SIGKILL, SIGSTOP}) {
    BackgroundProcess server({REFERENCE_SERVER_BIN, "--port", "0"});
    std::string url = server.first_line(10s);
    ASSERT_FALSE(url.empty());
    std::string stem = testing::TempDir() + "cli-stopped-" + std::to_string(signo);
    // --pace stretches the run to several seconds, so the stop lands in its middle.
    BackgroundProcess run({CONFORMANCE_BIN, "--mcp-url", url + "/mcp", "--timeout", "2", "--pace",
                           "15", "--quiet", "--json", stem + ".json", "--junit", stem + ".xml",
                           "--html", stem + ".html"});
    std::this_thread::sleep_for(2500ms);
    server.send_signal(signo);
    auto stopped = std::chrono::steady_clock::now();
    int exit_code = run.wait_for_exit(120s);
    auto took = std::chrono::steady_clock::now() - stopped;
    EXPECT_EQ(exit_code, 1) << "signal " << signo;
    EXPECT_LT(took, 7s) << "signal " << signo << ": 2 x the 2 s timeout, and some slack";
    for (const char* ext : {".json", ".xml", ".html"})
      EXPECT_TRUE(std::filesystem::exists(stem + ext)) << stem << ext;
    std::ifstream in(stem + ".json");
    json record = json::parse(in);
    int named = 0;
    for (const auto& c : record.at("checks"))
      if (c.at("message").get<std::string>().find("the server stopped answering at") !=
          std::string::npos)
        ++named;
    EXPECT_GE(named, 10) << "signal " << signo;
  }
}

// A server that advertises CIMD, run without --cimd-listen: each CIMD check skips with one line
// saying how to enable it. With a listener, the console names it, and it is gone after the run.
TEST(CliContract, ClientMetadataChecksSayHowToEnableThemAndTheListenerStopsWithTheRun) {
  BackgroundProcess server({REFERENCE_SERVER_BIN, "--port", "0", "--cimd-allow-http-loopback"});
  const std::string url = server.first_line(10s);
  ProcessResult without =
      run_process({CONFORMANCE_BIN, "--base-url", url, "--gtest_filter=ClientMetadata.*"}, 60s);
  ASSERT_EQ(without.exit_code, 0) << without.out << without.err;
  int skips = 0;
  std::istringstream lines(without.out);
  for (std::string line, reason; std::getline(lines, line);)
    if (line.rfind("SKIP  ClientMetadata.", 0) == 0 && std::getline(lines, reason)) {
      ++skips;
      EXPECT_NE(reason.find("--cimd-listen HOST:PORT"), std::string::npos) << reason;
      EXPECT_NE(reason.find("--cimd-base-url"), std::string::npos) << reason;
    }
  EXPECT_EQ(skips, 9) << without.out;

  ProcessResult with = run_process({CONFORMANCE_BIN, "--base-url", url, "--cimd-listen",
                                    "127.0.0.1:0", "--gtest_filter=ClientMetadata.ValidDocument*"},
                                   60s);
  ASSERT_EQ(with.exit_code, 0) << with.out << with.err;
  const std::string marker = "Client ID metadata documents served at http://127.0.0.1:";
  auto at = with.out.find(marker);
  ASSERT_NE(at, std::string::npos) << with.out;
  int port = std::stoi(with.out.substr(at + marker.size()));
  EXPECT_NE(with.out.find("PASS  ClientMetadata.ValidDocumentIsFetchedAndUsed"), std::string::npos)
      << with.out;
  httplib::Client gone("127.0.0.1", port);
  gone.set_connection_timeout(2s);
  EXPECT_FALSE(gone.Get("/")) << "the document server outlived the run";
}

// `conformance diff OLD NEW`: two records written here (a real run twice would take minutes),
// compared by the built program: the exit code gates on the new failure, and the console, the
// JSON and the Markdown name the same changes.
json diff_record(const std::vector<std::pair<std::string, std::string>>& outcomes) {
  json checks = json::array();
  for (const auto& [name, outcome] : outcomes)
    checks.push_back({{"suite", "Pkce"},
                      {"name", name},
                      {"requirements", {"PKCE-0" + std::to_string(checks.size() + 1)}},
                      {"level", "MUST"},
                      {"outcome", outcome},
                      {"message", outcome == "fail" ? name + " broke" : ""},
                      {"findings", json::array()}});
  return {{"tool", {{"name", "conformance"}, {"version", "test"}}},
          {"target", {{"base_url", "http://127.0.0.1:8080"}}},
          {"profile", "mcp"},
          {"strict", false},
          {"started_at", "2026-01-01T00:00:00Z"},
          {"checks", checks},
          {"requirements", json::object()}};
}

std::string write_diff_input(const std::string& name, const json& doc) {
  std::string path = testing::TempDir() + name;
  std::ofstream(path) << doc.dump();
  return path;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(CliDiff, NewFailureExitsOneAndEveryReportNamesTheSameChanges) {
  std::string old_path = write_diff_input(
      "diff-old.json", diff_record({{"Stays", "pass"}, {"Breaks", "pass"}, {"Mends", "fail"}}));
  std::string new_path = write_diff_input(
      "diff-new.json", diff_record({{"Stays", "pass"}, {"Breaks", "fail"}, {"Mends", "pass"}}));
  std::string out_json = testing::TempDir() + "diff-out.json";
  std::string out_md = testing::TempDir() + "diff-out.md";
  std::filesystem::remove(out_json);
  std::filesystem::remove(out_md);
  ProcessResult r = run_process(
      {CONFORMANCE_BIN, "diff", old_path, new_path, "--json", out_json, "--summary-md", out_md},
      30s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("New failures (1):\n  Pkce.Breaks  pass → fail  [PKCE-02]  Breaks broke\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Fixed (1):\n  Pkce.Mends  fail → pass  [PKCE-03]\n"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("Pkce.Stays"), std::string::npos) << r.out;

  json doc = json::parse(slurp(out_json));
  EXPECT_EQ(doc.at("new_failures"), true);
  ASSERT_EQ(doc.at("checks").size(), 2u) << doc.dump();
  EXPECT_EQ(doc.at("checks").at(0).at("check"), "Pkce.Breaks");
  EXPECT_EQ(doc.at("checks").at(0).at("change"), "new_failure");
  EXPECT_EQ(doc.at("checks").at(1).at("check"), "Pkce.Mends");
  EXPECT_EQ(doc.at("checks").at(1).at("change"), "fixed");
  EXPECT_EQ(doc.at("counts").at("unchanged"), 1);

  std::string md = slurp(out_md);
  EXPECT_NE(md.find("### New failures (1)"), std::string::npos) << md;
  EXPECT_NE(md.find("| Pkce.Breaks | pass → **fail** | PKCE-02 | MUST | Breaks broke |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| Pkce.Mends | fail → **pass** | PKCE-03 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("Pkce.Stays"), std::string::npos) << md;
  EXPECT_FALSE(std::filesystem::exists(out_json + ".tmp"));
  EXPECT_FALSE(std::filesystem::exists(out_md + ".tmp"));
}

TEST(CliDiff, NoNewFailureExitsZero) {
  std::string old_path =
      write_diff_input("diff-ok-old.json", diff_record({{"Stays", "pass"}, {"Mends", "fail"}}));
  std::string new_path =
      write_diff_input("diff-ok-new.json", diff_record({{"Stays", "pass"}, {"Mends", "pass"}}));
  ProcessResult r = run_process({CONFORMANCE_BIN, "diff", old_path, new_path}, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("OK: 0 new failures, 1 fixed, 1 unchanged"), std::string::npos) << r.out;
}

TEST(CliDiff, UnreadableOrMalformedInputExitsTwoWithOneLine) {
  std::string good = write_diff_input("diff-good.json", diff_record({{"Stays", "pass"}}));
  std::string missing = testing::TempDir() + "diff-no-such-file.json";
  std::filesystem::remove(missing);
  std::string not_json = testing::TempDir() + "diff-not-json.json";
  std::ofstream(not_json) << "{ not json";
  std::string not_record = write_diff_input("diff-not-record.json", json{{"checks", 3}});
  const std::pair<std::string, std::string> cases[] = {
      {missing, "no such file"},
      {not_json, "not JSON"},
      {not_record, "not a result record: \"checks\" is not an array"}};
  for (const auto& [path, reason] : cases) {
    ProcessResult r = run_process({CONFORMANCE_BIN, "diff", good, path}, 30s);
    EXPECT_EQ(r.exit_code, 2) << path << ": " << r.out << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line, got: " << r.err;
    EXPECT_EQ(r.err.rfind("conformance diff: " + path + ": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
  }
  ProcessResult help = run_process({CONFORMANCE_BIN, "diff", "--help"}, 30s);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("compares two JSON result records"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--summary-md"), std::string::npos) << help.out;
}

} // namespace
