// `conformance`: the CLI entry point. It parses our flags, passes the rest to
// GoogleTest (so --gtest_filter works), runs the preflight (discovery), and
// appends the listener that feeds the result record to the reports.
#include "baseline.h"
#include "bench_command.h"
#include "catalogue.h"
#include "check.h"
#include "check_listener.h"
#include "config.h"
#include "console_report.h"
#include "discovery.h"
#include "html_report.h"
#include "json_report.h"
#include "junit_report.h"
#include "manual_driver.h"
#include "redaction.h"
#include "resource_discovery.h"
#include "server.h" // the bundled reference server, started when no --base-url is given
#include "target.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <gtest/gtest.h>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

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

// Every check GoogleTest knows (variants included) with the
// requirement IDs it cites, and which catalogue rows are covered, excluded or still open.
void print_list(bool as_json) {
  const Catalogue& catalogue = Catalogue::instance();
  nlohmann::json checks = nlohmann::json::array();
  std::set<std::string> cited;
  const testing::UnitTest& unit = *testing::UnitTest::GetInstance();
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) {
      const testing::TestInfo& info = *suite.GetTestInfo(t);
      const CheckInfo* check = find_check(info.test_suite_name(), info.name());
      std::vector<std::string> ids = check ? check->requirements : std::vector<std::string>{};
      cited.insert(ids.begin(), ids.end());
      checks.push_back({{"suite", std::string(report_suite_name(info.test_suite_name()))},
                        {"name", info.name()},
                        {"requirements", ids}});
    }
  }
  nlohmann::json covered = nlohmann::json::array(), open = nlohmann::json::array();
  nlohmann::json excluded = nlohmann::json::array();
  for (const auto& r : catalogue.requirements()) {
    if (cited.count(r.id))
      covered.push_back(r.id);
    else if (auto reason = catalogue.exclusion(r.id))
      excluded.push_back({{"id", r.id}, {"reason", *reason}});
    else
      open.push_back(r.id);
  }
  if (as_json) {
    nlohmann::json out = {{"checks", checks},
                          {"requirements",
                           {{"total", catalogue.requirements().size()},
                            {"covered", covered},
                            {"excluded", excluded},
                            {"not_covered", open}}}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  for (const auto& c : checks) {
    std::cout << c["suite"].get<std::string>() << "." << c["name"].get<std::string>() << "  [";
    const auto& ids = c["requirements"];
    for (size_t i = 0; i < ids.size(); ++i)
      std::cout << (i ? "," : "") << ids[i].get<std::string>();
    std::cout << "]\n";
  }
  if (!excluded.empty()) std::cout << "\nExcluded (not black-box testable here):\n";
  for (const auto& e : excluded)
    std::cout << "  " << e["id"].get<std::string>() << ": " << e["reason"].get<std::string>()
              << "\n";
  std::cout << "\n"
            << checks.size() << " checks; of " << catalogue.requirements().size()
            << " requirements " << covered.size() << " covered, " << excluded.size()
            << " excluded, " << open.size() << " not covered yet.\n";
}

// NAME=VALUE pairs of a repeatable flag; false (after saying why) when one is malformed.
bool parse_pairs(const std::string& flag, const std::vector<std::string>& values,
                 std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& value : values) {
    size_t eq = value.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
      std::cerr << "conformance: " << flag << " needs NAME=VALUE, got '" << value << "'\n";
      return false;
    }
    out.emplace_back(value.substr(0, eq), value.substr(eq + 1));
  }
  return true;
}

std::atomic<int> interrupting_signal{0};

extern "C" void record_interruption(int signo) {
  interrupting_signal = signo; // all a signal handler may safely do
}

void install_interruption_handlers() {
  struct sigaction action {};
  action.sa_handler = record_interruption;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

struct ReportOutputs {
  std::string json, junit, html, write_baseline;
};

// Everything the end of a run needs, whether it ran through or was interrupted.
struct Finishing {
  ReportOutputs outputs;
  std::optional<Baseline> baseline;
  ConsoleReport* console = nullptr;
  bool allow_stale = false;
};

// Applies the baseline, prints the summary, writes every requested report and returns the exit
// code: 1 for a failure the baseline does not accept (or a stale entry without --allow-stale),
// 2 when a report cannot be written.
int finish_run(RunRecord& record, const Finishing& f) {
  std::optional<BaselineOutcome> judged;
  if (f.baseline) {
    judged = apply_baseline(*f.baseline, record);
    for (const BaselineEntry& e : judged->stale)
      record.stale_baseline.push_back((e.check.empty() ? e.requirement : e.check) +
                                      (e.note.empty() ? "" : ": " + e.note));
  }
  f.console->on_run_finished(record);
  int exit_code = kExitOk;
  for (const auto& c : record.checks)
    if ((c.outcome == Outcome::Fail || c.outcome == Outcome::Error) && !c.known_failure)
      exit_code = kExitFailures;
  if (judged && !judged->stale.empty() && !f.allow_stale) exit_code = kExitFailures;
  if (record.interrupted_by != 0) exit_code = 128 + record.interrupted_by;

  auto write = [&](const std::string& path, auto writer) {
    if (path.empty()) return;
    try {
      writer(record, path);
    } catch (const std::exception& e) {
      std::cerr << "conformance: " << e.what() << "\n";
      if (record.interrupted_by == 0) exit_code = kExitCannotRun;
    }
  };
  write(f.outputs.json, write_json_report);
  write(f.outputs.junit, write_junit_report);
  write(f.outputs.html, write_html_report);
  write(f.outputs.write_baseline, write_baseline);
  return exit_code;
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "bench") return bench_main(argc - 1, argv + 1);
  CLI::App app{
      "conformance: black-box conformance tests for OAuth 2.1 and MCP authorization servers.\n"
      "With no --base-url it tests the bundled reference server on an ephemeral loopback port.\n"
      "Unrecognised --gtest_* flags are passed to GoogleTest (e.g. --gtest_filter=Pkce.*).\n"
      "`conformance bench --help`: the token-throughput benchmark."};
  app.allow_extras();
  std::string base_url;
  double timeout_seconds = 10;
  size_t max_body = 1024 * 1024;
  bool strict = false;
  std::string profile = Catalogue::instance().default_profile();
  std::string json_path, junit_path, html_path;
  std::string baseline_path, write_baseline_path;
  bool allow_stale = false;
  bool quiet = false;
  bool list = false;
  int code_lifetime = 0;
  std::string driver = "redirect";
  std::vector<std::string> form_fields;
  std::string mcp_url;
  std::string flow_scope;
  bool omit_resource = false;
  std::string second_resource;
  std::vector<std::string> tool_scopes;
  std::vector<std::string> scope_implies;
  std::string introspection_url, revocation_url;
  std::string introspection_client_id, introspection_client_secret, introspection_token;
  app.add_option("--base-url", base_url,
                 "Base URL (issuer) of the authorization server under test; with --mcp-url it "
                 "is found from the protected resource metadata");
  app.add_option("--mcp-url", mcp_url,
                 "MCP server endpoint: start from it (401, protected resource metadata, "
                 "authorization server) and judge it as a protected resource");
  app.add_option("--scope", flow_scope,
                 "Scope that ordinary authorization requests ask for (for servers without a "
                 "default scope)");
  app.add_flag("--omit-resource", omit_resource,
               "Leave the resource parameter out of ordinary flows (for servers that refuse it; "
               "RES-01 still tries it)");
  app.add_option("--second-resource", second_resource,
                 "Another resource the authorization server mints tokens for (audience tests)");
  app.add_option("--tool-scope", tool_scopes,
                 "TOOL=SCOPE: an MCP tool that needs SCOPE beyond the usual grant (repeatable; "
                 "enables PRS-17)");
  app.add_option("--scope-implies", scope_implies,
                 "BROAD=NARROW: a scope that includes another (repeatable; enables PRS-19)");
  app.add_option("--introspection-url", introspection_url,
                 "Introspection endpoint, when the metadata does not advertise one");
  app.add_option("--revocation-url", revocation_url,
                 "Revocation endpoint, when the metadata does not advertise one");
  app.add_option("--introspection-client-id", introspection_client_id,
                 "Client that may call the introspection endpoint (HTTP Basic)");
  app.add_option("--introspection-client-secret", introspection_client_secret,
                 "Its secret (or set CONFORMANCE_INTROSPECTION_CLIENT_SECRET)")
      ->envname("CONFORMANCE_INTROSPECTION_CLIENT_SECRET");
  app.add_option("--introspection-token", introspection_token,
                 "Bearer token for the introspection endpoint (or set "
                 "CONFORMANCE_INTROSPECTION_TOKEN)")
      ->envname("CONFORMANCE_INTROSPECTION_TOKEN");
  app.add_option("--timeout", timeout_seconds, "Per-request timeout in seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-body", max_body, "Response body cap in bytes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--strict", strict, "Treat SHOULD violations (warn) as failures");
  app.add_option("--profile", profile, "Spec profile deciding version-dependent levels")
      ->capture_default_str()
      ->check(CLI::IsMember(Catalogue::instance().profiles()));
  // The path is optional only so that `--list --json` reads naturally.
  app.add_option("--json", json_path, "Write the JSON result record to this path")->expected(0, 1);
  app.add_option("--junit", junit_path,
                 "Write JUnit XML (a testsuite per area, a testcase per check) to this path");
  app.add_option("--html", html_path, "Write one self-contained HTML report to this path");
  app.add_option(
         "--code-lifetime", code_lifetime,
         "The server's authorization code lifetime in seconds; enables the expiry check (CODE-04)")
      ->check(CLI::PositiveNumber);
  app.add_option("--driver", driver,
                 "How to get through the authorization endpoint: redirect (auto-consent), "
                 "form (sign in and consent by submitting the pages' forms), command (your "
                 "program, named in the --config file's driver.command) or manual (you, in a "
                 "browser)")
      ->capture_default_str()
      ->check(CLI::IsMember({"redirect", "form", "command", "manual"}));
  app.add_option("--form-field", form_fields,
                 "NAME=VALUE for the form driver, by input name (repeatable), e.g. --form-field "
                 "username=alice");
  std::string config_path;
  app.add_option("--config", config_path,
                 "JSON configuration file (clients, driver, operator facts); flags override it");
  app.add_flag("--quiet", quiet, "Print only the summary and the failures, not a line per check");
  app.add_option("--baseline", baseline_path,
                 "Known failures (JSON): they do not fail the run; new failures and stale "
                 "entries do");
  app.add_flag("--allow-stale", allow_stale,
               "A baseline entry that now passes is reported but does not fail the run");
  app.add_option("--write-baseline", write_baseline_path,
                 "Write a baseline accepting this run's failures to this path");
  app.add_flag("--list", list,
               "List the checks and the requirement IDs they cite (with --json: as JSON)");
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
  for (auto& extra : extras)
    gtest_argv.push_back(extra.data());
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

  ConfigFile config;
  if (!config_path.empty()) {
    try {
      config = load_config(config_path);
    } catch (const ConfigError& e) {
      std::cerr << "conformance: " << e.what() << "\n";
      return kExitCannotRun;
    }
    // A value from the file is used only where the command line did not set it.
    auto take = [&](const char* flag, auto& variable, const auto& value) {
      if (app.count(flag) == 0 && value) variable = *value;
    };
    take("--base-url", base_url, config.base_url);
    take("--mcp-url", mcp_url, config.mcp_url);
    take("--profile", profile, config.profile);
    take("--strict", strict, config.strict);
    take("--timeout", timeout_seconds, config.timeout_seconds);
    take("--code-lifetime", code_lifetime, config.code_lifetime_seconds);
    take("--driver", driver, config.driver);
    take("--second-resource", second_resource, config.second_resource);
    take("--scope", flow_scope, config.scope);
    take("--introspection-url", introspection_url, config.introspection_url);
    take("--revocation-url", revocation_url, config.revocation_url);
    take("--introspection-client-id", introspection_client_id, config.introspection_client_id);
    take("--introspection-client-secret", introspection_client_secret,
         config.introspection_client_secret);
    take("--introspection-token", introspection_token, config.introspection_bearer);
    if (app.count("--omit-resource") == 0) omit_resource = config.omit_resource;
    if (app.count("--form-field") == 0)
      for (const auto& [name, value] : config.form_fields)
        form_fields.push_back(name + "=" + value);
    const auto& profiles = Catalogue::instance().profiles();
    if (std::find(profiles.begin(), profiles.end(), profile) == profiles.end()) {
      std::cerr << "conformance: " << config_path << ": unknown profile '" << profile << "'\n";
      return kExitCannotRun;
    }
  }

  std::vector<std::pair<std::string, std::string>> tool_scope_pairs, implies_pairs;
  if (app.count("--tool-scope") == 0) tool_scope_pairs = config.tool_scopes;
  if (app.count("--scope-implies") == 0) implies_pairs = config.scope_implies;
  if (!parse_pairs("--tool-scope", tool_scopes, tool_scope_pairs) ||
      !parse_pairs("--scope-implies", scope_implies, implies_pairs))
    return kExitCannotRun;

  std::unique_ptr<refserver::ReferenceServer> bundled;
  if (base_url.empty() && mcp_url.empty()) {
    bundled = std::make_unique<refserver::ReferenceServer>(refserver::ServerOptions{});
    bundled->start();
    // The bundled server's facts are known: its MCP endpoint, the tool that needs the admin
    // scope, and that the admin scope includes the tools scope.
    mcp_url = bundled->base_url() + "/mcp";
    tool_scope_pairs.emplace_back("admin_report", "mcp:admin");
    implies_pairs.emplace_back("mcp:admin", "mcp:tools");
    std::cout << "No --base-url or --mcp-url given: testing the bundled reference server at "
              << mcp_url << "\n\n";
  }

  RunOptions options;
  options.base_url = base_url;
  options.http.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  options.http.max_body_bytes = max_body;
  options.profile = profile;
  options.strict = strict;
  if (code_lifetime > 0) options.code_lifetime = std::chrono::seconds(code_lifetime);
  options.driver = driver;
  for (const auto& field : form_fields) {
    size_t eq = field.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "conformance: --form-field needs NAME=VALUE, got '" << field << "'\n";
      return kExitCannotRun;
    }
    options.form_fields[field.substr(0, eq)] = field.substr(eq + 1);
  }
  options.command = config.command;
  if (config.command_timeout_seconds)
    options.driver_timeout = std::chrono::seconds(*config.command_timeout_seconds);
  if (driver == "manual") {
    // The browser must come back to a port the harness listens on; loopback redirect URIs may
    // carry any port (RFC 8252 §7.3), so the harness's own clients register one that is free.
    int port = free_loopback_port();
    if (port == 0) {
      std::cerr << "conformance: cannot find a free loopback port for the manual driver\n";
      return kExitCannotRun;
    }
    options.redirect_uri = "http://127.0.0.1:" + std::to_string(port) + "/callback";
  }
  if (driver == "command" && options.command.empty()) {
    std::cerr << "conformance: --driver command needs driver.command in a --config file\n";
    return kExitCannotRun;
  }
  options.registration = config.registration.value_or("dynamic");
  for (const auto& [role, c] : config.clients) {
    TestClient client{
        c.client_id, c.client_secret, c.auth, c.redirect_uri.value_or(options.redirect_uri), {}};
    if (!c.client_secret.empty()) redactor().add_secret(c.client_secret);
    // The harness's roles: a confidential client serves the role of its method.
    std::string as = role != "confidential"              ? role
                     : c.auth == ClientAuth::SecretBasic ? "basic"
                                                         : "post";
    options.static_clients[as] = client;
  }
  if (driver == "form" && options.form_fields.empty()) {
    std::cerr << "conformance: --driver form needs at least one --form-field NAME=VALUE\n";
    return kExitCannotRun;
  }
  auto optional_of = [](const std::string& v) {
    return v.empty() ? std::nullopt : std::optional<std::string>(v);
  };
  options.mcp_url = optional_of(mcp_url);
  options.flow_scope = optional_of(flow_scope);
  options.omit_resource = omit_resource;
  options.mcp_protocol_version = mcp_protocol_version_for(profile);
  options.second_resource = optional_of(second_resource);
  for (const auto& [tool, scope] : tool_scope_pairs)
    options.tool_scopes[tool] = scope;
  options.scope_implies = implies_pairs;
  options.introspection_endpoint = optional_of(introspection_url);
  options.revocation_endpoint = optional_of(revocation_url);
  options.introspection_client_id = optional_of(introspection_client_id);
  options.introspection_client_secret = optional_of(introspection_client_secret);
  options.introspection_token = optional_of(introspection_token);
  if (options.introspection_client_secret && !options.introspection_client_id) {
    std::cerr << "conformance: --introspection-client-secret needs --introspection-client-id\n";
    return kExitCannotRun;
  }

  // Preflight: only "nothing answers" or "no metadata anywhere" ends the run. In MCP mode the
  // authorization server is found the way MCP clients find it, unless --base-url names it.
  Discovery discovery;
  std::optional<ResourceDiscovery> resource;
  {
    HttpClient preflight(options.http);
    if (options.mcp_url) {
      resource = discover_resource(preflight, *options.mcp_url, options.mcp_protocol_version);
      if (base_url.empty()) {
        if (!resource->authorization_server) {
          std::cerr << "conformance: cannot run: " << resource->failure
                    << " (give --base-url to name the authorization server)\n";
          return kExitCannotRun;
        }
        base_url = *resource->authorization_server;
      }
    }
    options.base_url = base_url;
    discovery = discover(preflight, base_url, true);
  }
  if (!discovery.found()) {
    std::cerr << "conformance: cannot run: " << discovery.failure << "\n";
    return kExitCannotRun;
  }

  std::optional<Baseline> baseline;
  if (!baseline_path.empty()) {
    try {
      baseline = load_baseline(baseline_path);
    } catch (const BaselineError& e) {
      std::cerr << "conformance: " << e.what() << "\n";
      return kExitCannotRun;
    }
  }
  ReportOutputs outputs{json_path, junit_path, html_path, write_baseline_path};

  RunRecord record;
  record.tool_version = CONFORMANCE_VERSION;
  record.base_url = base_url;
  record.metadata_url = discovery.metadata_url;
  if (options.mcp_url) record.mcp_url = canonical_resource_uri(*options.mcp_url);
  if (resource && resource->found()) record.resource_metadata_url = resource->used_attempt()->url;
  record.profile = profile;
  record.strict = strict;
  record.started_at = now_utc();
  for (const CheckInfo& check : registered_checks())
    for (const std::string& id : check.requirements)
      if (const Requirement* r = Catalogue::instance().find(id))
        record.requirements[id] = {r->area_name, std::string(level_name(r->level_for(profile))),
                                   r->source, r->summary};

  Target target(options, std::move(discovery), std::move(resource));
  set_target(&target);
  record.issuer = target.issuer();
  set_judging_policy({profile, strict});

  ConsoleReport console(stdout, quiet);
  auto& listeners = testing::UnitTest::GetInstance()->listeners();
  delete listeners.Release(listeners.default_result_printer()); // the console report replaces it
  auto* listener = new CheckListener(record, {&console});
  listeners.Append(listener); // GoogleTest owns it from here

  if (!record.mcp_url.empty())
    std::cout << "MCP server " << record.mcp_url << " (protected resource metadata: "
              << (record.resource_metadata_url.empty() ? "none found"
                                                       : record.resource_metadata_url)
              << ")\n";
  // Flushed: a pipe reader (a CI log, a test) sees the start before the first check ends.
  std::cout << "Testing " << base_url << " (metadata: " << record.metadata_url << ", profile "
            << profile << ")" << std::endl;

  Finishing finishing{outputs, baseline, &console, allow_stale};
  // SIGINT or SIGTERM: the handler only records the signal; this thread then writes every
  // report from what has finished so far (the running check marked unfinished) and exits
  // 128 + signal, without waiting for a check that may sit in a long timeout.
  install_interruption_handlers();
  std::atomic<bool> run_over{false};
  std::thread watchdog([&] {
    while (!run_over) {
      if (int signo = interrupting_signal.load()) {
        RunRecord partial = listener->snapshot(true);
        partial.interrupted_by = signo;
        partial.finished_at = now_utc();
        std::fprintf(stderr, "\nconformance: interrupted (signal %d); writing the reports\n",
                     signo);
        finish_run(partial, finishing);
        std::fflush(nullptr);
        std::_Exit(128 + signo);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  // Our verdicts, not GoogleTest's status, decide the exit code (warnings are not failures).
  [[maybe_unused]] int gtest_status = RUN_ALL_TESTS();
  run_over = true;
  watchdog.join();
  set_target(nullptr);
  RunRecord finished = listener->snapshot();
  finished.finished_at = now_utc();
  int exit_code = finish_run(finished, finishing);
  if (bundled) bundled->stop();
  return exit_code;
}
