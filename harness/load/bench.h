// `conformance bench`: how fast a server issues tokens. Three modes on the load generator:
// `flow` runs complete authorization-code + PKCE flows (authorization through the driver, then
// the token exchange); `token` collects codes first and times only the exchanges; `metadata`
// fetches the metadata document, the server's (and the generator's) plain HTTP ceiling.
#pragma once

#include "drivers/driver_factory.h"
#include "load/load_generator.h"
#include "oauth/oauth_client.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <vector>

namespace conformance {

enum class BenchMode { Flow, Token, Metadata };
std::string_view bench_mode_name(BenchMode mode);
std::string_view load_client_name(LoadClient client); // "builtin", "libcurl"

// The bench cannot start: nothing answers, no metadata, no client, an unusable driver.
class BenchError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// One generator's part of a run spread over several (`--shard I/N`): it takes the Ith share
// of the concurrency, the rate and the flow count, and labels its output, so that
// `conformance bench merge` can add the shards back together.
struct Shard {
  int index = 1; // 1-based
  int count = 1;
};

struct BenchOptions {
  std::string base_url;
  BenchMode mode = BenchMode::Flow;
  int concurrency = 8;
  int threads = 1; // event loops; the bench command defaults it to the cores, capped by concurrency
  std::optional<double> rate; // open loop: flows per second (a request per flow outside flow mode)
  Shard shard;
  // All shards begin the timed part together: the bench sets up, then waits until this time.
  std::optional<std::chrono::system_clock::time_point> start_at;
  // Whose CPU time to report per flow: a process on this machine, or (with no PID) the bundled
  // reference server's threads in this process when `measure_bundled_server` is set.
  std::optional<pid_t> server_pid;
  bool measure_bundled_server = false;
  std::optional<std::chrono::milliseconds> duration; // one of the two is set
  std::optional<long> flows;
  HttpOptions http;
  LoadClient http_client = LoadClient::Builtin; // for the requests it can send (load_generator.h)
  DriverSettings driver;            // redirect or form: drivers whose steps are HTTP requests
  std::optional<TestClient> client; // a static public client; otherwise one is registered
  std::optional<std::string> initial_access_token; // for a protected registration endpoint
  std::string redirect_uri = "http://127.0.0.1/callback";
  std::optional<std::string> scope;
  std::vector<std::string> resources; // sent as `resource` on both requests (RFC 8707)
  std::function<void(const std::string&)> on_progress; // one line about once a second
  const std::atomic<bool>* stop = nullptr;             // set to end early (SIGINT)
};

// CPU time the server used during the timed part.
struct ServerCpu {
  std::string source; // "pid 1234", "the bundled reference server's threads", ...
  double cpu_s = 0;
};

struct BenchReport {
  BenchMode mode = BenchMode::Flow;
  std::string base_url;
  std::string metadata_url;
  std::string client_id; // flow and token modes
  int concurrency = 0;
  int threads = 1;
  std::optional<double> rate; // open loop
  LoadClient http_client = LoadClient::Builtin; // asked for; load.builtin_requests says what ran
  Shard shard;
  int merged_from = 1; // how many generators' reports this one adds up (bench merge)
  std::optional<double> duration_s;
  std::optional<long> flows_requested;
  bool interrupted = false;
  // Wall-clock bounds of the timed part (merge checks that shards overlapped).
  std::chrono::system_clock::time_point started_at, finished_at;
  LoadResult load;            // the timed part
  std::map<std::string, long> // token mode: codes that could not be collected, by kind
      collection_errors;
  std::optional<ServerCpu> server_cpu;

  double requests_per_second() const;
  double flows_per_second() const;
};

// Discovers the server, gets a client and runs the load; throws BenchError when it cannot.
BenchReport run_bench(const BenchOptions& options);

// The JSON figures, histograms included, so that bench_merge.h can read them back.
nlohmann::json to_json(const BenchReport& report);
void print_bench_report(std::FILE* out, const BenchReport& report);

// "2026-12-04T07:00:00.250Z" and back (UTC only); nullopt for anything else.
std::string utc_timestamp(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(const std::string& text);

} // namespace conformance
