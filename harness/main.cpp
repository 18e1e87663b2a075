// `conformance`: the CLI entry point. It parses our flags, passes the rest to
// GoogleTest (so --gtest_filter works), runs the preflight (discovery), and
// appends the listener that feeds the result record to the reports.
#include "catalogue.h"
#include "check.h"
#include "check_listener.h"
#include "console_report.h"
#include "discovery.h"
#include "json_report.h"
#include "target.h"

#include "server.h" // the bundled reference server, started when no --base-url is given

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <set>

#ifndef CONFORMANCE_VERSION
#define CONFORMANCE_VERSION "0.0.0"
#endif

namespace {

using namespace conformance;

constexpr int kExitOk = 0;
constexpr int kExitFailures = 1;
constexpr int kExitCannotRun = 2;

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

void print_list(bool as_json) {
  const auto& checks = registered_checks();
  if (!as_json) {
    for (const auto& c : checks) {
      std::cout << c.suite << "." << c.name << "  [";
      for (size_t i = 0; i < c.requirements.size(); ++i) std::cout << (i ? "," : "") << c.requirements[i];
      std::cout << "]\n";
    }
    std::set<std::string> cited;
    for (const auto& c : checks) cited.insert(c.requirements.begin(), c.requirements.end());
    std::cout << "\n" << checks.size() << " checks cite " << cited.size() << " of "
              << Catalogue::instance().requirements().size() << " requirements.\n";
    return;
  }
  nlohmann::json out = {{"checks", nlohmann::json::array()}};
  std::set<std::string> cited;
  for (const auto& c : checks) {
    out["checks"].push_back({{"suite", c.suite}, {"name", c.name}, {"requirements", c.requirements}});
    cited.insert(c.requirements.begin(), c.requirements.end());
  }
  nlohmann::json covered = nlohmann::json::array(), uncovered = nlohmann::json::array();
  for (const auto& r : Catalogue::instance().requirements())
    (cited.count(r.id) ? covered : uncovered).push_back(r.id);
  out["requirements"] = {{"total", Catalogue::instance().requirements().size()},
                         {"covered", covered},
                         {"not_covered", uncovered}};
  std::cout << out.dump(2) << "\n";
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"conformance: black-box conformance tests for OAuth 2.1 and MCP authorization servers.\n"
               "With no --base-url it tests the bundled reference server on an ephemeral loopback port.\n"
               "Unrecognised --gtest_* flags are passed to GoogleTest (e.g. --gtest_filter=Pkce.*)."};
  app.allow_extras();
  std::string base_url;
  double timeout_seconds = 10;
  size_t max_body = 1024 * 1024;
  bool strict = false;
  std::string profile = Catalogue::instance().default_profile();
  std::string json_path;
  bool list = false;
  app.add_option("--base-url", base_url, "Base URL (issuer) of the authorization server under test");
  app.add_option("--timeout", timeout_seconds, "Per-request timeout in seconds")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--max-body", max_body, "Response body cap in bytes")->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--strict", strict, "Treat SHOULD violations (warn) as failures");
  app.add_option("--profile", profile, "Spec profile deciding version-dependent levels")
      ->capture_default_str()
      ->check(CLI::IsMember(Catalogue::instance().profiles()));
  // The path is optional only so that `--list --json` reads naturally.
  app.add_option("--json", json_path, "Write the JSON result record to this path")->expected(0, 1);
  app.add_flag("--list", list, "List the checks and the requirement IDs they cite (with --json: as JSON)");
  app.set_version_flag("--version", CONFORMANCE_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitCannotRun;
  }

  // GoogleTest gets the program name and whatever we did not consume.
  std::vector<std::string> extras = app.remaining();
  for (const auto& extra : extras) {
    if (extra.rfind("--gtest_", 0) != 0) {
      std::cerr << "conformance: unknown argument '" << extra << "' (see --help)\n";
      return kExitCannotRun;
    }
  }
  std::vector<char*> gtest_argv{argv[0]};
  for (auto& extra : extras) gtest_argv.push_back(extra.data());
  int gtest_argc = static_cast<int>(gtest_argv.size());
  gtest_argv.push_back(nullptr); // GoogleTest shifts argv in place up to argv[argc]
  testing::InitGoogleTest(&gtest_argc, gtest_argv.data());

  if (list) {
    print_list(app.count("--json") > 0);
    return kExitOk;
  }
  if (app.count("--json") > 0 && json_path.empty()) {
    std::cerr << "conformance: --json needs a PATH (only --list --json prints to stdout)\n";
    return kExitCannotRun;
  }

  std::unique_ptr<refserver::ReferenceServer> bundled;
  if (base_url.empty()) {
    bundled = std::make_unique<refserver::ReferenceServer>(refserver::ServerOptions{});
    bundled->start();
    base_url = bundled->base_url();
    std::cout << "No --base-url given: testing the bundled reference server at " << base_url << "\n\n";
  }

  RunOptions options;
  options.base_url = base_url;
  options.http.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  options.http.max_body_bytes = max_body;
  options.profile = profile;
  options.strict = strict;

  // Preflight: only "nothing answers" or "no metadata anywhere" ends the run.
  Discovery discovery;
  {
    HttpClient preflight(options.http);
    discovery = discover(preflight, base_url, true);
  }
  if (!discovery.found()) {
    std::cerr << "conformance: cannot run: " << discovery.failure << "\n";
    return kExitCannotRun;
  }

  RunRecord record;
  record.tool_version = CONFORMANCE_VERSION;
  record.base_url = base_url;
  record.metadata_url = discovery.metadata_url;
  record.profile = profile;
  record.strict = strict;
  record.started_at = now_utc();

  Target target(options, std::move(discovery));
  set_target(&target);
  record.issuer = target.issuer();
  set_judging_policy({profile, strict});

  ConsoleReport console;
  auto& listeners = testing::UnitTest::GetInstance()->listeners();
  delete listeners.Release(listeners.default_result_printer()); // the console report replaces it
  listeners.Append(new CheckListener(record, {&console}));

  std::cout << "Testing " << base_url << " (metadata: " << record.metadata_url << ", profile " << profile
            << ")\n";
  // Our verdicts, not GoogleTest's status, decide the exit code (warnings are not failures).
  [[maybe_unused]] int gtest_status = RUN_ALL_TESTS();
  record.finished_at = now_utc();
  console.on_run_finished(record);
  set_target(nullptr);

  int exit_code = kExitOk;
  for (const auto& c : record.checks)
    if (c.outcome == Outcome::Fail || c.outcome == Outcome::Error) exit_code = kExitFailures;
  if (!json_path.empty()) {
    try {
      write_json_report(record, json_path);
    } catch (const std::exception& e) {
      std::cerr << "conformance: " << e.what() << "\n";
      exit_code = kExitCannotRun;
    }
  }
  if (bundled) bundled->stop();
  return exit_code;
}
