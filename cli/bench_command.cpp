// `conformance bench ...`: the token-throughput benchmark's command line. Its settings come through
// the same pipeline as a conformance run's (command_line.h); this file adds the bench's own
// flags, runs the bench, and prints and writes its figures.
#include "bench_command.h"

#include "command_line.h"
#include "exit_codes.h"
#include "http/redaction.h"
#include "interruption.h"
#include "load/bench.h"
#include "core/bounded_json.h"
#include "load/bench_merge.h"
#include "load/cpu_time.h"
#include "startup.h"

#include <filesystem>

#include <fstream>
#include <iostream>
#include <thread>

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
  int threads = 0; // 0: the machine's cores, capped by the concurrency
  double rate = 0; // 0: closed loop
  std::string duration;
  long flows = 0;
  std::string json_path;
  std::string shard; // "I/N"
  std::string start_at;
  long server_pid = 0;
  std::string http_client = "builtin";
};

// "2/3" as a shard; nullopt for anything else.
std::optional<Shard> parse_shard(const std::string& text) {
  int index = 0, count = 0, used = 0;
  if (std::sscanf(text.c_str(), "%d/%d%n", &index, &count, &used) != 2 ||
      used != static_cast<int>(text.size()) || count < 1 || index < 1 || index > count)
    return std::nullopt;
  return Shard{index, count};
}

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
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.threads = std::min(flags.threads > 0 ? flags.threads : cores, flags.concurrency);
  if (flags.rate > 0) options.rate = flags.rate;
  options.http_client = flags.http_client == "libcurl" ? LoadClient::Libcurl : LoadClient::Builtin;
  if (!flags.shard.empty()) {
    auto shard = parse_shard(flags.shard);
    if (!shard) throw SettingsError("--shard takes I/N with 1 <= I <= N, got '" + flags.shard + "'");
    options.shard = *shard;
  }
  if (!flags.start_at.empty()) {
    options.start_at = parse_utc_timestamp(flags.start_at);
    if (!options.start_at)
      throw SettingsError("--start-at takes a UTC time such as 2026-12-04T07:00:00Z, got '" +
                          flags.start_at + "'");
    if (*options.start_at > std::chrono::system_clock::now() + std::chrono::hours(24))
      throw SettingsError("--start-at " + flags.start_at + " is more than a day away");
  }
  if (flags.server_pid > 0) {
    options.server_pid = static_cast<pid_t>(flags.server_pid);
    if (!process_cpu_s(*options.server_pid))
      throw SettingsError("--server-pid " + std::to_string(flags.server_pid) +
                          ": no such process on this machine (or /proc/PID/stat is unreadable)");
  }
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

namespace {

constexpr std::uintmax_t kMaxReportBytes = 64u << 20;

// `conformance bench merge A.json B.json ... [--json OUT]`.
int bench_merge_main(int argc, char** argv) {
  CLI::App app{"conformance bench merge: adds up the JSON reports of generators that loaded one "
               "server together (--shard I/N, --start-at): counts and errors summed, latency "
               "histograms merged exactly, throughput over the time they ran."};
  std::vector<std::string> inputs;
  std::string json_path;
  app.add_option("reports", inputs, "Bench JSON reports (--json) to merge")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--json", json_path, "Write the merged figures as JSON to this path");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitCannotRun;
  }
  std::vector<BenchReport> reports;
  for (const std::string& path : inputs) {
    try {
      // A report is a few hundred KiB at most (histograms have under 7,500 buckets per step).
      std::error_code size_error;
      if (std::filesystem::file_size(path, size_error) > kMaxReportBytes || size_error)
        throw BenchError("not a bench report (unreadable, or over 64 MiB)");
      std::ifstream in(path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      nlohmann::json doc = oauth::parse_bounded_json(bytes);
      if (doc.is_discarded()) throw BenchError("not JSON");
      reports.push_back(bench_report_from_json(doc));
    } catch (const BenchError& e) {
      std::cerr << "conformance bench merge: " << path << ": " << e.what() << "\n";
      return kExitCannotRun;
    }
  }
  BenchReport merged;
  try {
    merged = merge_bench_reports(reports);
  } catch (const BenchError& e) {
    std::cerr << "conformance bench merge: " << e.what() << "\n";
    return kExitCannotRun;
  }
  print_bench_report(stdout, merged);
  std::fflush(stdout);
  if (!json_path.empty() && !write_json(json_path, to_json(merged))) {
    std::cerr << "conformance bench merge: cannot write " << json_path << "\n";
    return kExitCannotRun;
  }
  return merged.load.failed_flows > 0 ? kExitFailures : kExitOk;
}

} // namespace

int bench_main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "merge") return bench_merge_main(argc - 1, argv + 1);
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
  app.add_option("--threads", flags.threads,
                 "Event loops generating the load (default: the machine's cores, at most the "
                 "concurrency)")
      ->check(CLI::Range(1, 256));
  app.add_option("--rate", flags.rate,
                 "Open loop: start this many flows per second (requests, outside flow mode) on a "
                 "fixed schedule, and count latency from when each was due; default: closed loop")
      ->check(CLI::PositiveNumber);
  app.add_option("--shard", flags.shard,
                 "I/N: this generator is shard I of N and takes its share of --concurrency, "
                 "--rate and --flows (merge the reports with `conformance bench merge`)");
  app.add_option("--start-at", flags.start_at,
                 "UTC time (2026-12-04T07:00:00Z) at which the timed part starts, after set-up, "
                 "so that shards run together");
  app.add_option("--server-pid", flags.server_pid,
                 "Report the CPU time this process (the server, on this machine) uses per flow "
                 "and per request")
      ->check(CLI::PositiveNumber);
  app.add_option("--http-client", flags.http_client,
                 "builtin: the generator's own HTTP/1.1 client for plain-http requests that need "
                 "no cookies (metadata mode, token exchanges), libcurl for the rest; libcurl: "
                 "libcurl for every request")
      ->capture_default_str()
      ->check(CLI::IsMember({"builtin", "libcurl"}));
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
    // The bundled server shares this process: its threads are measured.
    options.measure_bundled_server = bundled != nullptr && !options.server_pid;
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
            << ", concurrency " << options.concurrency << " on " << options.threads
            << " thread(s), "
            << (options.rate ? "open loop at " + std::to_string(*options.rate) + "/s"
                             : std::string("closed loop"))
            << ", "
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
