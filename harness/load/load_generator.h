// The engine of `conformance bench`: keeps N flows in flight on one libcurl multi handle, each
// slot an easy handle that keeps its connection (and, within a flow, its cookies), and measures
// every request by the step it belongs to. What a flow does is up to the LoadFlow it runs.
#pragma once

#include "http/http_client.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

struct FlowRequest {
  std::string step; // "authorization", "token", "metadata": latencies are kept per step
  HttpRequest request;
};

// One unit of work: a complete flow, or a single request. The engine sends what next() asks
// for and hands back each answer, until next() says the flow is over (its first call must ask
// for a request).
class LoadFlow {
public:
  virtual ~LoadFlow() = default;
  virtual std::optional<FlowRequest> next() = 0;
  virtual void on_response(const HttpResponse& response) = 0;
  // Once next() has returned nullopt: why the flow failed (a short kind, counted as such, so it
  // must not carry values that differ per flow), or nullopt when it succeeded.
  virtual std::optional<std::string> failure() const = 0;
};

// Makes the next flow to run, or null when there is no more work (a slot then stays idle).
using FlowFactory = std::function<std::unique_ptr<LoadFlow>()>;

struct LoadProgress {
  double elapsed_s = 0;
  long requests = 0;
  long flows = 0; // completed successfully
  long failed_flows = 0;
};

struct LoadPlan {
  int concurrency = 1;
  // Stop starting flows after this long (in-flight ones are abandoned, not counted) ...
  std::optional<std::chrono::milliseconds> duration;
  // ... or after this many flows have been started (all of them are finished).
  std::optional<long> flows;
  HttpOptions http;
  // Called about once a second while the load runs.
  std::function<void(const LoadProgress&)> on_progress;
  // Set from elsewhere (a signal) to end the run early, as a deadline would.
  const std::atomic<bool>* stop = nullptr;
};

struct LoadResult {
  double elapsed_s = 0;
  long requests = 0;
  long flows = 0;
  long failed_flows = 0;
  std::map<std::string, std::vector<double>> latency_ms; // per step, plus "flow" for whole flows
  std::map<std::string, long> errors;                    // failed flows by kind

  void merge(const LoadResult& other); // adds counts, times and samples
};

LoadResult run_load(const LoadPlan& plan, const FlowFactory& make_flow);

struct LatencySummary {
  size_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};
// Nearest-rank percentiles of the samples.
LatencySummary summarize(std::vector<double> samples_ms);

} // namespace conformance
