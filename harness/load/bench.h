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
#include <vector>

namespace conformance {

enum class BenchMode { Flow, Token, Metadata };
std::string_view bench_mode_name(BenchMode mode);

// The bench cannot start: nothing answers, no metadata, no client, an unusable driver.
class BenchError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct BenchOptions {
  std::string base_url;
  BenchMode mode = BenchMode::Flow;
  int concurrency = 8;
  std::optional<std::chrono::milliseconds> duration; // one of the two is set
  std::optional<long> flows;
  HttpOptions http;
  DriverSettings driver;            // redirect or form: drivers whose steps are HTTP requests
  std::optional<TestClient> client; // a static public client; otherwise one is registered
  std::optional<std::string> initial_access_token; // for a protected registration endpoint
  std::string redirect_uri = "http://127.0.0.1/callback";
  std::optional<std::string> scope;
  std::vector<std::string> resources; // sent as `resource` on both requests (RFC 8707)
  std::function<void(const std::string&)> on_progress; // one line about once a second
  const std::atomic<bool>* stop = nullptr;             // set to end early (SIGINT)
};

struct BenchReport {
  BenchMode mode = BenchMode::Flow;
  std::string base_url;
  std::string metadata_url;
  std::string client_id; // flow and token modes
  int concurrency = 0;
  std::optional<double> duration_s;
  std::optional<long> flows_requested;
  bool interrupted = false;
  LoadResult load;            // the timed part
  std::map<std::string, long> // token mode: codes that could not be collected, by kind
      collection_errors;

  double requests_per_second() const;
  double flows_per_second() const;
};

// Discovers the server, gets a client and runs the load; throws BenchError when it cannot.
BenchReport run_bench(const BenchOptions& options);

nlohmann::json to_json(const BenchReport& report);
void print_bench_report(std::FILE* out, const BenchReport& report);

} // namespace conformance
