// `conformance bench ...`: the token-throughput benchmark's command line. Its settings come through
// the same pipeline as a conformance run's (command_line.h); this file adds the bench's own
// flags, runs the bench, and prints and writes its figures.
#include "bench_command.h"

#include "command_line.h"
#include "exit_codes.h"
#include "http/redaction.h"
#include "interruption.h"
#include "load/bench.h"
#include "startup.h"

#include <fstream>
#include <iostream>

namespace conformance {
namespace {

// "30", "30s", "1.5s" or "2m" as milliseconds; nullopt when it is none of those.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double unit = 1000;
  std::string number = text;
  if (number.back() == 's') {
    number.pop_back();
  } else if (number.back() == 'm') {
    number.pop_back();
    unit = 60'000;
  }
  try {
    size_t used = 0;
    double value = std::stod(number, &used);
    if (used != number.size() || !(value > 0)) return std::nullopt;
    return std::chrono::milliseconds(static_cast<long long>(value * unit));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool write_json(const std::string& path, const nlohmann::json& doc) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << doc.dump(2) << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// The bench's own flags, beside the shared settings.
struct BenchFlags {
  std::string mode = "flow";
  int concurrency = 8;
  std::string duration;
  long flows = 0;
  std::string json_path;
};

// The bench's options from the shared settings and its own flags.
BenchOptions bench_options(const Settings& settings, const BenchFlags& flags) {
  const RunOptions& run = settings.run;
  BenchOptions options;
  if (!flags.duration.empty()) {
    options.duration = parse_duration(flags.duration);
    if (!options.duration)
      throw SettingsError("--duration needs a positive number of seconds (30, 30s, 2m), got '" +
                          flags.duration + "'");
  } else if (flags.flows > 0) {
    options.flows = flags.flows;
  } else {
    options.duration = std::chrono::seconds(10);
  }
  options.base_url = run.base_url;
  options.mode = flags.mode == "token"      ? BenchMode::Token
                 : flags.mode == "metadata" ? BenchMode::Metadata
                                            : BenchMode::Flow;
  options.concurrency = flags.concurrency;
  options.http = run.http;
  options.driver = run.driver;
  options.redirect_uri = run.redirect_uri;
  options.scope = run.flow_scope;
  if (run.registration == RegistrationMode::Static && !run.static_clients.count(ClientRole::Public))
    throw SettingsError("registration is static but the --config file names no public client");
  if (auto it = run.static_clients.find(ClientRole::Public); it != run.static_clients.end())
    options.client = it->second;
  options.initial_access_token = run.initial_access_token;
  if (run.mcp_url && !run.omit_resource)
    options.resources.push_back(canonical_resource_uri(*run.mcp_url));
  options.on_progress = [](const std::string& line) { std::cerr << line << std::endl; };
  options.stop = &interruption_requested();
  return options;
}

} // namespace

int bench_main(int argc, char** argv) {
  CLI::App app{"conformance bench: token throughput of an authorization server. Runs complete "
               "authorization-code + PKCE flows (or only token exchanges, or metadata fetches) "
               "with N in flight and reports requests/s, flows/s and latency percentiles.\n"
               "With no --base-url or --mcp-url it benchmarks the bundled reference server."};
  SettingsFlags settings_flags(app, Program::Bench);
  BenchFlags flags;
  app.add_option("--mode", flags.mode,
                 "flow: complete flows; token: collect codes first, time only the exchanges; "
                 "metadata: GET the metadata document")
      ->capture_default_str()
      ->check(CLI::IsMember({"flow", "token", "metadata"}));
  app.add_option("--concurrency", flags.concurrency, "Flows in flight at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  auto* duration_opt =
      app.add_option("--duration", flags.duration, "How long to run, e.g. 30 or 30s or 2m");
  auto* flows_opt =
      app.add_option("--flows", flags.flows, "How many flows to run")->check(CLI::PositiveNumber);
  duration_opt->excludes(flows_opt);
  app.add_option("--json", flags.json_path, "Write the figures as JSON to this path");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitCannotRun;
  }

  BenchOptions options;
  std::unique_ptr<BundledServer> bundled;
  try {
    Settings settings = settings_flags.resolve();
    if (settings_flags.print_requested()) {
      print_settings(settings);
      return kExitOk;
    }
    bundled = start_bundled_server_if_needed(settings);
    if (bundled)
      std::cerr << "No --base-url or --mcp-url given: benchmarking the bundled reference server at "
                << bundled->base_url() << " (" << settings.bundled.threads
                << " threads, in this process)\n";
    HttpClient http(settings.run.http);
    locate_authorization_server(settings.run, http);
    options = bench_options(settings, flags);
  } catch (const SettingsError& e) {
    std::cerr << "conformance bench: " << e.what() << "\n";
    return kExitCannotRun;
  } catch (const StartupError& e) {
    std::cerr << "conformance bench: cannot run: " << e.what() << "\n";
    return kExitCannotRun;
  }

  // SIGINT or SIGTERM ends the load early; the figures so far are still printed and written.
  install_interruption_handlers();
  if (options.http.tls.insecure)
    std::cerr << "conformance bench: TLS certificates are NOT verified (--insecure)\n";
  std::cerr << "conformance bench: " << flags.mode << " mode against " << options.base_url
            << ", concurrency " << options.concurrency << ", "
            << (options.duration ? std::to_string(options.duration->count()) + " ms"
                                 : std::to_string(*options.flows) + " flows")
            << std::endl;
  BenchReport report;
  try {
    report = run_bench(options);
  } catch (const std::exception& e) { // BenchError, or libcurl refusing to start
    std::cerr << "conformance bench: " << redactor().redact_text(e.what()) << "\n";
    return kExitCannotRun;
  }
  print_bench_report(stdout, report);
  std::fflush(stdout);
  if (!flags.json_path.empty() && !write_json(flags.json_path, to_json(report))) {
    std::cerr << "conformance bench: cannot write " << flags.json_path << "\n";
    return kExitCannotRun;
  }
  if (int signo = interrupting_signal()) return 128 + signo; // as an interrupted conformance run
  return report.load.failed_flows > 0 ? kExitFailures : kExitOk;
}

} // namespace conformance
