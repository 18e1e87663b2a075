// The engine of `conformance bench`: keeps N flows in flight on one or more event loops (one
// thread, one epoll set and one libcurl multi handle each), each slot a connection of its own
// (a libcurl easy handle with, within a flow, its cookies, or the generator's own HTTP/1.1
// connection), and measures every request by the step it belongs to.
// Closed loop by default (a slot starts its next flow when one ends); with a rate, open loop:
// flows are due on a fixed schedule and latency counts from when each was due, so a stall of the
// server shows in the percentiles instead of pausing the measurement (coordinated omission).
// What a flow does is up to the LoadFlow it runs.
#pragma once

#include "http/http_client.h"
#include "load/latency_histogram.h"

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
// Called from the event loop threads, one call at a time.
using FlowFactory = std::function<std::unique_ptr<LoadFlow>()>;

struct LoadProgress {
  double elapsed_s = 0;
  long requests = 0;
  long flows = 0; // completed successfully
  long failed_flows = 0;
};

// Which client sends a load request. The generator's own HTTP/1.1 client (load/http1_connection.h)
// spends about half of libcurl's CPU per request, so a bench measures the server rather than the
// generator; it sends only plain-http requests of flows without cookies, with no proxy,
// --resolve or redirect guard in play. Everything else, and everything with `Libcurl`, goes
// through libcurl.
enum class LoadClient { Builtin, Libcurl };

struct LoadPlan {
  int concurrency = 1; // flows in flight at most, over all threads
  int threads = 1;     // event loops, each with its share of the slots (at most concurrency)
  // Open loop: flows started per second over all threads, on a fixed schedule. Unset: closed.
  std::optional<double> rate;
  // Stop starting flows after this long (in-flight ones are abandoned, not counted) ...
  std::optional<std::chrono::milliseconds> duration;
  // ... or after this many flows have been started (all of them are finished).
  std::optional<long> flows;
  HttpOptions http;
  LoadClient client = LoadClient::Builtin;
  // Whether each flow is a user agent of its own with a cookie jar (flows that log in): such
  // flows always go through libcurl's cookie engine.
  bool cookies = true;
  // Called about once a second while the load runs.
  std::function<void(const LoadProgress&)> on_progress;
  // Set from elsewhere (a signal) to end the run early, as a deadline would.
  const std::atomic<bool>* stop = nullptr;
};

struct LoadResult {
  double elapsed_s = 0;
  long requests = 0;
  long builtin_requests = 0; // of `requests`, those the generator's own client sent
  long flows = 0;
  long failed_flows = 0;
  // Per step, plus "flow" for whole flows. Open loop: each flow's first request and the flow
  // itself count from when the flow was due.
  std::map<std::string, LatencyHistogram> latency;
  std::map<std::string, long> errors; // failed flows by kind
  double generator_cpu_s = 0;         // CPU time of the event loop threads
  // Open loop: flows that were due but found every slot busy, so they started late.
  long started_late = 0;

  void merge(const LoadResult& other); // adds counts, times, CPU and histograms
};

LoadResult run_load(const LoadPlan& plan, const FlowFactory& make_flow);

} // namespace conformance
