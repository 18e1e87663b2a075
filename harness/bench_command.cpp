// `conformance bench ...`: the command line of the token-throughput benchmark. It reads the
// flags (and the same --config file as a conformance run), starts the bundled reference server
// when no --base-url is given, runs the bench, and prints and writes its figures.
#include "bench_command.h"

#include "bench.h"
#include "config.h"
#include "redaction.h"
#include "resource_discovery.h"
#include "server.h" // the bundled reference server, when no --base-url is given

#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>
#include <iostream>

namespace conformance {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFlowsFailed = 1;
constexpr int kExitCannotRun = 2;

std::atomic<bool> stop_requested{false};
std::atomic<int> stop_signal{0};

extern "C" void request_stop(int signo) {
  stop_signal = signo; // all a signal handler may safely do
  stop_requested = true;
}

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

} // namespace

int bench_main(int argc, char** argv) {
  CLI::App app{"conformance bench: token throughput of an authorization server. Runs complete "
               "authorization-code + PKCE flows (or only token exchanges, or metadata fetches) "
               "with N in flight and reports requests/s, flows/s and latency percentiles.\n"
               "With no --base-url it benchmarks the bundled reference server."};
  std::string base_url, config_path, mode = "flow", duration_text, json_path, driver;
  std::string scope;
  int concurrency = 8;
  long flows = 0;
  double timeout_seconds = 10;
  size_t max_body = 1024 * 1024;
  int server_threads = 8;
  std::vector<std::string> form_fields;
  app.add_option("--base-url", base_url, "Base URL (issuer) of the authorization server");
  app.add_option("--config", config_path,
                 "The conformance configuration file: base URL, static public client, driver, "
                 "scope, MCP URL (sent as the resource)");
  app.add_option("--mode", mode,
                 "flow: complete flows; token: collect codes first, time only the exchanges; "
                 "metadata: GET the metadata document")
      ->capture_default_str()
      ->check(CLI::IsMember({"flow", "token", "metadata"}));
  app.add_option("--concurrency", concurrency, "Flows in flight at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  auto* duration_opt =
      app.add_option("--duration", duration_text, "How long to run, e.g. 30 or 30s or 2m");
  auto* flows_opt =
      app.add_option("--flows", flows, "How many flows to run")->check(CLI::PositiveNumber);
  duration_opt->excludes(flows_opt);
  app.add_option("--json", json_path, "Write the figures as JSON to this path");
  app.add_option("--timeout", timeout_seconds, "Per-request timeout in seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-body", max_body, "Response body cap in bytes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--driver", driver, "redirect (default) or form")
      ->check(CLI::IsMember({"redirect", "form"}));
  app.add_option("--form-field", form_fields, "NAME=VALUE for the form driver (repeatable)");
  app.add_option("--scope", scope, "Scope the flows ask for");
  app.add_option("--server-threads", server_threads,
                 "Worker threads of the bundled reference server (without --base-url)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitCannotRun;
  }

  BenchOptions options;
  if (!duration_text.empty()) {
    options.duration = parse_duration(duration_text);
    if (!options.duration) {
      std::cerr << "conformance bench: --duration needs a positive number of seconds (30, 30s, "
                   "2m), got '"
                << duration_text << "'\n";
      return kExitCannotRun;
    }
  } else if (flows > 0) {
    options.flows = flows;
  } else {
    options.duration = std::chrono::seconds(10);
  }

  ConfigFile config;
  if (!config_path.empty()) {
    try {
      config = load_config(config_path);
    } catch (const ConfigError& e) {
      std::cerr << "conformance bench: " << e.what() << "\n";
      return kExitCannotRun;
    }
  }
  if (base_url.empty() && config.base_url) base_url = *config.base_url;
  if (driver.empty()) driver = config.driver.value_or("redirect");
  if (scope.empty() && config.scope) scope = *config.scope;
  if (app.count("--timeout") == 0 && config.timeout_seconds)
    timeout_seconds = *config.timeout_seconds;
  options.form_fields = config.form_fields;
  for (const auto& field : form_fields) {
    size_t eq = field.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "conformance bench: --form-field needs NAME=VALUE, got '" << field << "'\n";
      return kExitCannotRun;
    }
    options.form_fields[field.substr(0, eq)] = field.substr(eq + 1);
  }
  if (config.registration == "static" && !config.clients.count("public")) {
    std::cerr << "conformance bench: registration is static but the --config file names no "
                 "public client\n";
    return kExitCannotRun;
  }
  if (auto it = config.clients.find("public"); it != config.clients.end()) {
    const StaticClient& c = it->second;
    options.client = TestClient{
        c.client_id, c.client_secret, c.auth, c.redirect_uri.value_or(options.redirect_uri), {}};
    if (!c.client_secret.empty()) redactor().add_secret(c.client_secret);
  }
  if (config.mcp_url) {
    options.resources.push_back(canonical_resource_uri(*config.mcp_url));
    // Only an MCP URL: its authorization server is found the way MCP clients find it.
    if (base_url.empty()) {
      HttpClient http;
      ResourceDiscovery resource = discover_resource(
          http, *config.mcp_url, mcp_protocol_version_for(config.profile.value_or("")));
      if (!resource.authorization_server) {
        std::cerr << "conformance bench: cannot run: " << resource.failure
                  << " (give --base-url to name the authorization server)\n";
        return kExitCannotRun;
      }
      base_url = *resource.authorization_server;
    }
  }

  std::unique_ptr<refserver::ReferenceServer> bundled;
  if (base_url.empty()) {
    refserver::ServerOptions server_options;
    server_options.threads = server_threads;
    bundled = std::make_unique<refserver::ReferenceServer>(server_options);
    bundled->start();
    base_url = bundled->base_url();
    std::cerr << "No --base-url given: benchmarking the bundled reference server at " << base_url
              << " (" << server_threads << " threads, in this process)\n";
  }

  options.base_url = base_url;
  options.mode = mode == "token"      ? BenchMode::Token
                 : mode == "metadata" ? BenchMode::Metadata
                                      : BenchMode::Flow;
  options.concurrency = concurrency;
  options.http.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
  options.http.max_body_bytes = max_body;
  options.driver = driver;
  if (!scope.empty()) options.scope = scope;
  options.on_progress = [](const std::string& line) { std::cerr << line << std::endl; };
  options.stop = &stop_requested;

  // SIGINT or SIGTERM ends the load early; the figures so far are still printed and written,
  // and the exit status is 128 + the signal.
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  std::cerr << "conformance bench: " << mode << " mode against " << base_url << ", concurrency "
            << concurrency << ", "
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
  if (!json_path.empty() && !write_json(json_path, to_json(report))) {
    std::cerr << "conformance bench: cannot write " << json_path << "\n";
    return kExitCannotRun;
  }
  if (bundled) bundled->stop();
  if (int signo = stop_signal.load()) return 128 + signo; // as an interrupted conformance run
  return report.load.failed_flows > 0 ? kExitFlowsFailed : kExitOk;
}

} // namespace conformance
