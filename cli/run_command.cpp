// `conformance`: a conformance run. It reads the settings (command_line.h), passes the flags it
// does not know to GoogleTest (so --gtest_filter works), finds the server (startup.h), runs the
// checks with the listener that feeds the result record, and finishes with the reports.
#include "run_command.h"

#include "check_list.h"
#include "checks/catalogue.h"
#include "checks/check.h"
#include "checks/check_listener.h"
#include "checks/run_wide_check.h"
#include "command_line.h"
#include "conformance_version.h"
#include "drivers/subprocess.h"
#include "exit_codes.h"
#include "interruption.h"
#include "oauth/discovery.h"
#include "oauth/profile.h"
#include "run_reports.h"
#include "startup.h"
#include "under_test/target.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <gtest/gtest.h>
#include <iostream>
#include <thread>

namespace conformance {
namespace {

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// The run's flags that are not settings: what to write, and how to report.
struct ReportFlags {
  std::string json, junit, html, summary_md, baseline, write_baseline;
  bool allow_stale = false, quiet = false, list = false;
};

void declare_report_flags(CLI::App& app, ReportFlags& flags) {
  // The path is optional only so that `--list --json` reads naturally.
  app.add_option("--json", flags.json, "Write the JSON result record to this path")->expected(0, 1);
  app.add_option("--junit", flags.junit,
                 "Write JUnit XML (a testsuite per area, a testcase per check) to this path");
  app.add_option("--html", flags.html, "Write one self-contained HTML report to this path");
  app.add_option("--summary-md", flags.summary_md,
                 "Write a short Markdown summary (counts, a table of failures) to this path, "
                 "e.g. for a CI job summary");
  app.add_flag("--quiet", flags.quiet,
               "Print only the summary and the failures, not a line per check");
  app.add_option("--baseline", flags.baseline,
                 "Known failures (JSON): they do not fail the run; new failures and stale "
                 "entries do");
  app.add_flag("--allow-stale", flags.allow_stale,
               "A baseline entry that now passes is reported but does not fail the run");
  app.add_option("--write-baseline", flags.write_baseline,
                 "Write a baseline accepting this run's failures to this path");
  app.add_flag("--list", flags.list,
               "List the checks and the requirement IDs they cite (with --json: as JSON)");
}

// GoogleTest gets the program name and whatever we did not consume; false for anything else.
bool init_googletest(char* program, std::vector<std::string>& extras) {
  for (const auto& extra : extras)
    if (extra.rfind("--gtest_", 0) != 0) {
      std::cerr << "conformance: unknown argument '" << extra << "' (see --help)\n";
      return false;
    }
  std::vector<char*> argv{program};
  for (auto& extra : extras)
    argv.push_back(extra.data());
  int argc = static_cast<int>(argv.size());
  argv.push_back(nullptr); // GoogleTest shifts argv in place up to argv[argc]
  testing::InitGoogleTest(&argc, argv.data());
  return true;
}

// The origins of the servers under test: they alone get the operator's extra headers and count
// towards "the server stopped answering" (a login page elsewhere, or a client's redirect URI,
// does not).
std::vector<std::string> server_origins(const RunOptions& run, const Discovery& discovery,
                                        const std::optional<ResourceDiscovery>& resource) {
  std::vector<std::string> urls{run.base_url, discovery.metadata_url};
  if (run.mcp_url) urls.push_back(*run.mcp_url);
  for (const auto& [name, value] : discovery.metadata.items())
    if (value.is_string() && (name == "issuer" || name.ends_with("_endpoint")))
      urls.push_back(value.get<std::string>());
  if (resource && resource->found())
    if (auto servers = resource->metadata.find("authorization_servers");
        servers != resource->metadata.end() && servers->is_array())
      for (const auto& s : *servers)
        if (s.is_string()) urls.push_back(s.get<std::string>());
  std::vector<std::string> out;
  for (const std::string& url : urls)
    if (auto origin = oauth::origin_of(url)) out.push_back(*origin);
  return out;
}

RunRecord new_record(const RunOptions& run, const Discovery& discovery,
                     const std::optional<ResourceDiscovery>& resource) {
  RunRecord record;
  record.tool_version = CONFORMANCE_VERSION;
  record.catalogue_version = Catalogue::instance().version();
  record.base_url = run.base_url;
  record.metadata_url = discovery.metadata_url;
  if (run.mcp_url) record.mcp_url = canonical_resource_uri(*run.mcp_url);
  if (resource && resource->found()) record.resource_metadata_url = resource->used_attempt()->url;
  record.profile = std::string(profile_name(run.profile));
  record.strict = run.strict;
  record.tls_unverified = run.http.tls.insecure;
  record.started_at = now_utc();
  for (const CheckInfo& check : registered_checks())
    for (const std::string& id : check.requirements)
      if (const Requirement* r = Catalogue::instance().find(id))
        record.requirements[id] = {r->area_name, std::string(level_name(r->level_for(run.profile))),
                                   r->source, r->summary};
  return record;
}

// Runs every selected check into `record` (which GoogleTest's listener keeps a reference to, so it
// must outlive the run). On SIGINT or SIGTERM a watchdog writes every report from what has
// finished so far (the running check marked unfinished) and exits 128 + signal, without waiting
// for a check that may sit in a long timeout.
int run_checks(RunRecord& record, const Finishing& finishing) {
  ConsoleReport& console = *finishing.console;
  auto& listeners = testing::UnitTest::GetInstance()->listeners();
  delete listeners.Release(listeners.default_result_printer()); // the console report replaces it
  auto* listener = new CheckListener(record, {&console});
  listeners.Append(listener); // GoogleTest owns it from here

  install_interruption_handlers();
  std::atomic<bool> run_over{false};
  std::thread watchdog([&] {
    while (!run_over) {
      if (int signo = interrupting_signal()) {
        RunRecord partial = listener->snapshot(true);
        partial.interrupted_by = signo;
        partial.finished_at = now_utc();
        std::fprintf(stderr, "\nconformance: interrupted (signal %d); writing the reports\n",
                     signo);
        finish_run(partial, finishing);
        std::fflush(nullptr);
        kill_child_groups(); // the browser driver's Chromium: no destructor runs after _Exit
        std::_Exit(128 + signo);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  // Our verdicts, not GoogleTest's status, decide the exit code (warnings are not failures).
  [[maybe_unused]] int gtest_status = RUN_ALL_TESTS();
  run_over = true;
  watchdog.join();
  RunRecord finished = listener->snapshot();
  finished.finished_at = now_utc();
  return finish_run(finished, finishing);
}

} // namespace

// The program's version, then the catalogue it judges by: two runs are comparable when both
// lines agree.
std::string version_text() {
  const Catalogue& catalogue = Catalogue::instance();
  return "conformance " CONFORMANCE_VERSION "\ncatalogue " + catalogue.version() + " (" +
         std::to_string(catalogue.requirements().size()) + " requirements, profiles " +
         profile_names() + ")";
}

int run_main(int argc, char** argv) {
  CLI::App app{
      "conformance: black-box conformance tests for OAuth 2.1 and MCP authorization servers.\n"
      "With no --base-url or --mcp-url it tests the bundled reference server on an ephemeral "
      "loopback port.\n"
      "Unrecognised --gtest_* flags are passed to GoogleTest (e.g. --gtest_filter=Pkce.*).\n"
      "`conformance bench --help`: the token-throughput benchmark.\n"
      "`conformance diff --help`: what changed between two runs' JSON records."};
  app.allow_extras();
  SettingsFlags settings_flags(app, Program::Run);
  ReportFlags reports;
  declare_report_flags(app, reports);
  app.set_version_flag("--version", version_text());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitCannotRun;
  }
  std::vector<std::string> extras = app.remaining();
  if (!init_googletest(argv[0], extras)) return kExitCannotRun;
  register_run_wide_checks(); // after every static check, so they run last
  if (reports.list) {
    print_check_list(app.count("--json") > 0);
    return kExitOk;
  }
  if (app.count("--json") > 0 && reports.json.empty()) {
    std::cerr << "conformance: --json needs a PATH (only --list --json prints to stdout)\n";
    return kExitCannotRun;
  }

  std::unique_ptr<BundledServer> bundled;
  std::unique_ptr<ClientDocumentServer> documents;
  std::optional<Target> target_storage;
  std::optional<Baseline> baseline;
  RunRecord record;
  try {
    Settings settings = settings_flags.resolve();
    if (settings_flags.print_requested()) {
      print_settings(settings);
      return kExitOk;
    }
    if (!reports.baseline.empty()) baseline = load_baseline(reports.baseline);
    bundled = start_bundled_server_if_needed(settings);
    if (bundled)
      std::cout << "No --base-url or --mcp-url given: testing the bundled reference server at "
                << *settings.run.mcp_url << "\n\n";
    documents = start_document_server_if_configured(settings);
    if (documents)
      std::cout << "Client ID metadata documents served at " << documents->base_url()
                << " (listening on port " << documents->port() << ")\n";
    // The servers the operator named may be anywhere; a server's redirect to another internal
    // address is followed only to where those are (HttpOptions::guard_addresses).
    settings.run.http.guard_addresses = true;
    for (const std::string& url : {settings.run.base_url, settings.run.mcp_url.value_or("")})
      if (auto parts = oauth::parse_url(url)) settings.run.http.allowed_hosts.push_back(parts->host);
    // Preflight: only "nothing answers" or "no metadata anywhere" ends the run.
    HttpClient preflight(settings.run.http);
    std::optional<ResourceDiscovery> resource =
        locate_authorization_server(settings.run, preflight);
    Discovery discovery =
        discover_for_profile(preflight, settings.run.base_url, settings.run.profile);
    if (!discovery.usable()) throw StartupError(discovery.failure);
    record = new_record(settings.run, discovery, resource);
    settings.run.http.server_origins = server_origins(settings.run, discovery, resource);
    // A request without an answer, then a probe GET without one: the server stopped, and the
    // rest of the run ends at once instead of waiting out a timeout per request.
    settings.run.http.give_up_after_failures = 1;
    target_storage.emplace(settings.run, std::move(discovery), std::move(resource));
  } catch (const SettingsError& e) {
    std::cerr << "conformance: " << e.what() << "\n";
    return kExitCannotRun;
  } catch (const BaselineError& e) {
    std::cerr << "conformance: " << e.what() << "\n";
    return kExitCannotRun;
  } catch (const StartupError& e) {
    std::cerr << "conformance: cannot run: " << e.what() << "\n";
    return kExitCannotRun;
  }
  Target& target = *target_storage;
  set_target(&target);
  set_client_documents(documents.get());
  record.issuer = target.issuer();
  set_judging_policy({target.options().profile, target.options().strict});

  if (!record.mcp_url.empty())
    std::cout << "MCP server " << record.mcp_url << " (protected resource metadata: "
              << (record.resource_metadata_url.empty() ? "none found"
                                                       : record.resource_metadata_url)
              << ")\n";
  // Flushed: a pipe reader (a CI log, a test) sees the start before the first check ends.
  std::cout << "Testing " << record.base_url << " (metadata: "
            << (target.discovery().default_endpoints
                    ? "none, so the MCP 2025-03-26 default endpoints"
                    : record.metadata_url)
            << ", profile " << record.profile << ")" << std::endl;
  if (record.tls_unverified)
    std::cout << "TLS certificates are NOT verified (--insecure): nothing about TLS is judged"
              << std::endl;

  ConsoleReport console(stdout, reports.quiet);
  Finishing finishing{{reports.json, reports.junit, reports.html, reports.summary_md,
                       reports.write_baseline},
                      baseline,
                      &console,
                      reports.allow_stale};
  int exit_code = run_checks(record, finishing);
  set_target(nullptr);
  set_client_documents(nullptr);
  return exit_code;
}

} // namespace conformance
