// The command driver's `stayed STATUS URL` ending, end to end: the example login script
// (fixtures/drivers/reference_server_login.sh) reports the reference server's own error pages, and
// the redirect URI checks then reach the same verdicts as with the form driver on the same server.
#include "drivers/subprocess.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using conformance::BackgroundProcess;
using conformance::ProcessResult;
using conformance::run_process;

using nlohmann::json;
using namespace std::chrono_literals;

// The checks judged by where the user agent is sent: most of them end on the server's error page.
// GoogleTest names the parameterised ones after their instantiation
// ("Variants/LoopbackRedirect..."), which the plain suite patterns do not match, hence the "*/"
// patterns.
constexpr const char* kFilter =
    "--gtest_filter=RedirectUri*:LoopbackRedirect*:RedirectUriNearMiss*:"
    "*/LoopbackRedirect*:*/RedirectUriNearMiss*";

struct Run {
  std::map<std::string, std::string> outcomes; // "Suite.Name" -> outcome
  int stayed = 0;          // checks whose findings tell of a page the server kept
  int stayed_evidence = 0; // ... and whose evidence holds that page: a 4xx from /authorize
  std::string text;
};

// True when `check`'s evidence holds an exchange with the authorization endpoint answered by 4xx.
bool has_error_page(const json& check) {
  for (const auto& exchange : check.value("evidence", json::array())) {
    int status = exchange.value("response", json::object()).value("status", 0);
    std::string url = exchange.value("request", json::object()).value("url", "");
    if (status / 100 == 4 && url.find("/authorize") != std::string::npos) return true;
  }
  return false;
}

// Runs the filtered checks against `url` with `driver_args` and reads the JSON record.
Run run_checks(const std::string& url, std::vector<std::string> driver_args,
               const std::string& tag) {
  std::string report = testing::TempDir() + "command-e2e-" + tag + ".json";
  std::remove(report.c_str());
  std::vector<std::string> argv = {CONFORMANCE_BIN, "--mcp-url", url + "/mcp",
                                   kFilter,         "--json",    report};
  argv.insert(argv.end(), driver_args.begin(), driver_args.end());
  ProcessResult r = run_process(argv, 300s);
  Run run;
  // 0 when every check held, 1 when some failed; anything else means the run itself broke.
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << tag << ": " << r.out << r.err;
  std::ifstream in(report);
  if (!in) {
    ADD_FAILURE() << tag << ": no report; " << r.err;
    return run;
  }
  json record = json::parse(in);
  run.text = record.dump();
  for (const auto& c : record.at("checks")) {
    std::string name = c.at("suite").get<std::string>() + "." + c.at("name").get<std::string>();
    run.outcomes[name] = c.at("outcome").get<std::string>();
    if (c.dump().find("stayed at the server") != std::string::npos) {
      ++run.stayed;
      run.stayed_evidence += has_error_page(c);
    }
  }
  return run;
}

// The same server judged through the form driver and through the command driver.
void expect_same_verdicts(const std::vector<std::string>& server_args, const std::string& tag,
                          bool expect_failures) {
  std::vector<std::string> argv = {REFERENCE_SERVER_BIN, "--port", "0", "--login-form"};
  argv.insert(argv.end(), server_args.begin(), server_args.end());
  BackgroundProcess server(argv);
  std::string url = server.first_line(10s);
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;

  Run form = run_checks(
      url,
      {"--driver", "form", "--form-field", "username=alice", "--form-field", "password=wonderland"},
      tag + "-form");
  json config = {
      {"driver",
       {{"kind", "command"},
        {"command", {"sh", std::string(FIXTURES_DIR) + "/drivers/reference_server_login.sh"}}}}};
  std::string config_path = testing::TempDir() + "command-e2e-" + tag + "-config.json";
  std::ofstream(config_path) << config.dump(2);
  Run command = run_checks(url, {"--config", config_path}, tag + "-command");

  // 12 RedirectUri checks, 9 near misses and 7 loopback cases.
  ASSERT_GE(form.outcomes.size(), 28u) << form.text;
  EXPECT_EQ(form.outcomes.size(), command.outcomes.size());
  for (const auto& [name, outcome] : form.outcomes) {
    // No check here needs to see the login pages (sees_pages() is false for the command driver),
    // so none may skip for that reason: every verdict must match the form driver's.
    EXPECT_NE(outcome, "error") << tag << " form: " << name;
    auto other = command.outcomes.find(name);
    ASSERT_NE(other, command.outcomes.end()) << tag << ": command run lacks " << name;
    EXPECT_EQ(other->second, outcome) << tag << ": " << name << " differs between the drivers";
    EXPECT_NE(other->second, "error") << tag << " command: " << name;
  }
  int failures = 0;
  for (const auto& [name, outcome] : command.outcomes)
    failures += outcome == "fail";
  if (expect_failures)
    EXPECT_GT(failures, 0) << tag << ": the fault went unnoticed";
  else
    EXPECT_EQ(failures, 0) << tag << ": the clean server failed";
  // expect_no_redirect_to_client passes any ending without a Location to the client, a failed
  // driver included, so an equal verdict alone would not show that the script got through.
  EXPECT_EQ(command.text.find("the driver failed"), std::string::npos)
      << tag << ": " << command.text.substr(0, 4000);
  // The error pages were reported, not stepped around: the `stayed` ending was judged, and the
  // script's exchange log put each of those pages in its check's evidence.
  EXPECT_GT(command.stayed, 0) << command.text.substr(0, 4000);
  EXPECT_EQ(command.stayed_evidence, command.stayed) << command.text.substr(0, 4000);
}

TEST(CommandDriverEndToEnd, StayedAtServerMatchesTheFormDriverOnTheCleanServer) {
  expect_same_verdicts({}, "clean", false);
}

// The fault sends the user agent to any redirect_uri of a known client: the refusals the clean
// server gives with its error page become redirects, and both drivers must fail the same checks.
TEST(CommandDriverEndToEnd, StayedAtServerMatchesTheFormDriverWhenRedirectsAreUnvalidated) {
  expect_same_verdicts({"--fault", "redirect-uri-unvalidated"}, "unvalidated", true);
}

} // namespace
