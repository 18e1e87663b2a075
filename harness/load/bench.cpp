#include "load/bench.h"

#include "core/base64url.h"
#include "core/pkce.h"
#include "drivers/authorization_driver.h"
#include "load/cpu_time.h"
#include "oauth/discovery.h"

#include <algorithm>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>

namespace conformance {
namespace {

// What every flow of one bench shares.
struct BenchContext {
  const BenchOptions& options;
  const AuthorizationDriver& driver;
  TestClient client;
  std::string authorization_endpoint;
  std::string token_endpoint;
};

struct CollectedCode {
  std::string code;
  std::string verifier;
};

// Where token mode's collecting flows leave their codes, from every event loop thread.
struct CodeSink {
  std::mutex mutex;
  std::vector<CollectedCode> codes;
  void add(CollectedCode code) {
    std::lock_guard lock(mutex);
    codes.push_back(std::move(code));
  }
};

// An error code as a failure kind names it: one that looks like an OAuth error code (lower-case
// words joined by '_'), or a placeholder, so a server that puts a code, a token or other
// per-flow text in `error` neither leaks it into the output nor splits the kinds without end.
std::string error_code_for_kind(const std::string& code) {
  bool plain = !code.empty() && code.size() <= 40 &&
               std::all_of(code.begin(), code.end(),
                           [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
  return plain ? code : "(a non-standard error code)";
}

// The failure kind of a token response, or nullopt for a usable one (200, JSON, access_token).
std::optional<std::string> token_failure(const HttpResponse& r) {
  if (!r.answered()) return "token: no response (" + r.transport_error + ")";
  auto body = r.json();
  if (r.status == 200) {
    if (body && body->is_object() && body->contains("access_token") &&
        (*body)["access_token"].is_string())
      return std::nullopt;
    return "token: HTTP 200 without an access_token";
  }
  std::string kind = "token: HTTP " + std::to_string(r.status);
  if (body && body->is_object() && body->contains("error") && (*body)["error"].is_string())
    kind += " " + error_code_for_kind((*body)["error"].get<std::string>());
  return kind;
}

// The failure kind of an authorization walk that brought no code.
std::string authorization_failure(const AuthorizationResult& a) {
  using Ending = AuthorizationResult::Ending;
  switch (a.ending) {
  case Ending::RedirectedToClient:
    if (auto e = a.error())
      return "authorization: redirected with error=" + error_code_for_kind(*e);
    return "authorization: redirected without a code";
  case Ending::ClientOriginOtherPath:
    return "authorization: redirected to another path of the client";
  case Ending::StoppedAtServer:
    return "authorization: stayed at the server (" + a.last_response.summary() + ")";
  case Ending::NoResponse:
    return "authorization: no response (" + a.last_response.transport_error + ")";
  case Ending::TooManySteps:
    return "authorization: too many steps";
  case Ending::UnfollowableRedirect:
    return "authorization: redirected somewhere the driver does not follow";
  case Ending::DriverFailed:
    return "authorization: the driver failed";
  }
  return "authorization: ?";
}

HttpRequest token_exchange(const BenchContext& ctx, const CollectedCode& code) {
  oauth::Params form = code_grant(code.code, ctx.client.redirect_uri, code.verifier);
  for (const auto& resource : ctx.options.resources)
    form.emplace_back("resource", resource);
  HeaderList headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                        {"Accept", "application/json"}};
  add_client_authentication(ctx.client, form, headers);
  return {"POST", ctx.token_endpoint, std::move(headers), oauth::form_encode(form)};
}

// Authorization through the driver, then (unless only collecting) the token exchange.
class CodeFlow : public LoadFlow {
public:
  CodeFlow(const BenchContext& ctx, CodeSink* collect)
      : ctx_(ctx), collect_(collect) {
    AuthorizationRequest request = authorization_request(ctx.client, {});
    code_.verifier = oauth::make_code_verifier();
    request.code_challenge = oauth::s256_challenge(code_.verifier);
    request.scope = ctx.options.scope;
    for (const auto& resource : ctx.options.resources)
      request.extra.emplace_back("resource", resource);
    walk_ = ctx.driver.start_walk(authorization_url(ctx.authorization_endpoint, request),
                                  ctx.client.redirect_uri, ConsentDecision::Approve, false);
  }

  std::optional<FlowRequest> next() override {
    if (phase_ == Phase::Authorizing) {
      if (!walk_->finished()) return FlowRequest{"authorization", walk_->request()};
      auto code = walk_->result().code();
      if (!code) {
        failure_ = authorization_failure(walk_->result());
        return std::nullopt;
      }
      code_.code = *code;
      if (collect_) {
        collect_->add(std::move(code_));
        return std::nullopt;
      }
      phase_ = Phase::Exchanging;
      return FlowRequest{"token", token_exchange(ctx_, code_)};
    }
    return std::nullopt; // the exchange was answered
  }

  void on_response(const HttpResponse& response) override {
    if (phase_ == Phase::Authorizing)
      walk_->on_response(response);
    else
      failure_ = token_failure(response);
  }

  std::optional<std::string> failure() const override { return failure_; }

private:
  enum class Phase { Authorizing, Exchanging };
  const BenchContext& ctx_;
  CodeSink* collect_;
  std::unique_ptr<AuthorizationWalk> walk_;
  CollectedCode code_;
  Phase phase_ = Phase::Authorizing;
  std::optional<std::string> failure_;
};

// One token exchange of a code collected beforehand.
class ExchangeFlow : public LoadFlow {
public:
  ExchangeFlow(const BenchContext& ctx, CollectedCode code) : ctx_(ctx), code_(std::move(code)) {}
  std::optional<FlowRequest> next() override {
    if (sent_) return std::nullopt;
    sent_ = true;
    return FlowRequest{"token", token_exchange(ctx_, code_)};
  }
  void on_response(const HttpResponse& response) override { failure_ = token_failure(response); }
  std::optional<std::string> failure() const override { return failure_; }

private:
  const BenchContext& ctx_;
  CollectedCode code_;
  bool sent_ = false;
  std::optional<std::string> failure_;
};

class MetadataFlow : public LoadFlow {
public:
  explicit MetadataFlow(const std::string& url) : url_(url) {}
  std::optional<FlowRequest> next() override {
    if (sent_) return std::nullopt;
    sent_ = true;
    return FlowRequest{"metadata", {"GET", url_, {{"Accept", "application/json"}}, ""}};
  }
  void on_response(const HttpResponse& r) override {
    if (!r.answered())
      failure_ = "metadata: no response (" + r.transport_error + ")";
    else if (r.status != 200)
      failure_ = "metadata: HTTP " + std::to_string(r.status);
  }
  std::optional<std::string> failure() const override { return failure_; }

private:
  const std::string& url_;
  bool sent_ = false;
  std::optional<std::string> failure_;
};

std::function<void(const LoadProgress&)> progress_printer(const BenchOptions& options,
                                                          std::string phase, double offset_s) {
  if (!options.on_progress) return nullptr;
  return [&options, phase = std::move(phase), offset_s](const LoadProgress& p) {
    char line[200];
    std::snprintf(line, sizeof line, "%6.1f s  %s%ld requests (%.0f/s), %ld flows, %ld failed",
                  offset_s + p.elapsed_s, phase.c_str(), p.requests,
                  p.elapsed_s > 0 ? static_cast<double>(p.requests) / p.elapsed_s : 0.0, p.flows,
                  p.failed_flows);
    options.on_progress(line);
  };
}

LoadPlan plan_of(const BenchOptions& options) {
  LoadPlan plan;
  plan.concurrency = options.concurrency;
  plan.threads = options.threads;
  plan.rate = options.rate;
  plan.duration = options.duration;
  plan.flows = options.flows;
  plan.http = options.http;
  plan.client = options.http_client;
  plan.stop = options.stop;
  return plan;
}

// A string member of the metadata, or "" when it is absent or not a string (a broken server's
// document must not throw here).
std::string string_member(const nlohmann::json& metadata, const char* name) {
  auto it = metadata.find(name);
  return it != metadata.end() && it->is_string() ? it->get<std::string>() : std::string();
}

TestClient obtain_client(const BenchOptions& options, HttpClient& http,
                         const nlohmann::json& metadata) {
  if (options.client) return *options.client;
  std::string endpoint = string_member(metadata, "registration_endpoint");
  if (endpoint.empty())
    throw BenchError("the server advertises no registration_endpoint; give a static public "
                     "client in the --config file");
  Registration r =
      register_client(http, endpoint, client_metadata(options.redirect_uri, ClientAuth::None),
                      ClientAuth::None, options.initial_access_token);
  if (!r.client) throw BenchError("client registration failed: " + r.problem);
  return *r.client;
}

// What the timed part costs the server in CPU, summed over the timed phases.
class ServerCpuMeter {
public:
  explicit ServerCpuMeter(const BenchOptions& options) : options_(options) {
    if (options.server_pid)
      cpu_ = ServerCpu{"pid " + std::to_string(*options.server_pid), 0};
    else if (options.measure_bundled_server)
      cpu_ = ServerCpu{"the bundled reference server's threads", 0};
  }

  // Runs one timed phase and adds the server's CPU time during it.
  template <typename Phase> LoadResult measure(Phase run_phase) {
    if (!cpu_) return run_phase();
    std::optional<double> before = server_cpu_now();
    double caller_before = own_thread_cpu_s();
    LoadResult result = run_phase();
    std::optional<double> after = server_cpu_now();
    if (!before || !after) {
      lost_ = true; // the process went away: no figure rather than a wrong one
      return result;
    }
    double used = *after - *before;
    // In this process, everything but the bench's own threads is the bundled server.
    if (!options_.server_pid) used -= result.generator_cpu_s + (own_thread_cpu_s() - caller_before);
    cpu_->cpu_s += std::max(0.0, used);
    return result;
  }

  std::optional<ServerCpu> figure() const { return lost_ ? std::nullopt : cpu_; }

private:
  std::optional<double> server_cpu_now() const {
    return options_.server_pid ? process_cpu_s(*options_.server_pid)
                               : std::optional<double>(own_process_cpu_s());
  }
  const BenchOptions& options_;
  std::optional<ServerCpu> cpu_;
  bool lost_ = false;
};

// This shard's part of the concurrency, rate and flow count (the first shards take the rest of
// an uneven split, so the parts add up to the whole).
BenchOptions sharded(const BenchOptions& options) {
  const Shard& s = options.shard;
  if (s.count < 1 || s.index < 1 || s.index > s.count)
    throw BenchError("--shard takes I/N with 1 <= I <= N");
  BenchOptions mine = options;
  if (s.count == 1) return mine;
  auto share = [&](long total) { return total / s.count + (s.index - 1 < total % s.count ? 1 : 0); };
  mine.concurrency = static_cast<int>(share(options.concurrency));
  if (mine.concurrency < 1)
    throw BenchError("--concurrency " + std::to_string(options.concurrency) +
                     " leaves shard " + std::to_string(s.index) + "/" + std::to_string(s.count) +
                     " no slot: give each shard at least one");
  mine.threads = std::min(mine.threads, mine.concurrency);
  if (options.rate) mine.rate = *options.rate / s.count;
  if (options.flows) {
    mine.flows = share(*options.flows);
    if (*mine.flows < 1) throw BenchError("--flows leaves a shard nothing to run");
  }
  return mine;
}

// Waits for --start-at, so that every shard's timed part begins together; set-up (discovery,
// registration) is done by then.
void wait_for_start(const BenchOptions& options) {
  if (!options.start_at) return;
  using namespace std::chrono;
  while (system_clock::now() < *options.start_at) {
    if (options.stop && options.stop->load()) return;
    std::this_thread::sleep_for(std::min<system_clock::duration>(
        milliseconds(50), *options.start_at - system_clock::now()));
  }
}

// Token mode: codes expire, so they are collected in batches and each batch is exchanged at
// once; only the exchanges are timed.
LoadResult run_token_mode(const BenchOptions& options, const BenchContext& ctx,
                          std::map<std::string, long>& collection_errors, ServerCpuMeter& meter) {
  LoadResult timed;
  const long batch_size = std::max<long>(1000, 64L * options.concurrency);
  auto time_left = [&]() -> std::optional<std::chrono::milliseconds> {
    if (!options.duration) return std::nullopt;
    auto spent = std::chrono::milliseconds(static_cast<long long>(timed.elapsed_s * 1000));
    return *options.duration - spent;
  };
  while (!(options.stop && options.stop->load())) {
    long wanted = batch_size;
    if (options.flows)
      wanted = std::min(wanted, *options.flows - (timed.flows + timed.failed_flows));
    if (options.duration && time_left()->count() <= 0) break;
    if (wanted <= 0) break;

    CodeSink sink;
    sink.codes.reserve(static_cast<size_t>(wanted));
    LoadPlan collect = plan_of(options);
    collect.duration.reset();
    collect.rate.reset(); // untimed: as fast as it goes
    collect.flows = wanted;
    LoadResult collected =
        run_load(collect, [&] { return std::make_unique<CodeFlow>(ctx, &sink); });
    for (const auto& [kind, n] : collected.errors)
      collection_errors[kind] += n;
    std::vector<CollectedCode>& codes = sink.codes;
    if (codes.empty()) break; // nothing to exchange: the errors say why

    std::deque<CollectedCode> queue(std::make_move_iterator(codes.begin()),
                                    std::make_move_iterator(codes.end()));
    LoadPlan exchange = plan_of(options);
    exchange.cookies = false; // an exchange is one request that carries all it needs
    exchange.duration = time_left();
    exchange.flows = static_cast<long>(queue.size());
    exchange.on_progress = progress_printer(options, "exchanging: ", timed.elapsed_s);
    timed.merge(meter.measure([&] {
      return run_load(exchange, [&]() -> std::unique_ptr<LoadFlow> {
        if (queue.empty()) return nullptr;
        auto flow = std::make_unique<ExchangeFlow>(ctx, std::move(queue.front()));
        queue.pop_front();
        return flow;
      });
    }));
  }
  return timed;
}

} // namespace

std::string_view bench_mode_name(BenchMode mode) {
  switch (mode) {
  case BenchMode::Flow:
    return "flow";
  case BenchMode::Token:
    return "token";
  case BenchMode::Metadata:
    return "metadata";
  }
  return "?";
}

std::string_view load_client_name(LoadClient client) {
  return client == LoadClient::Builtin ? "builtin" : "libcurl";
}

double BenchReport::requests_per_second() const {
  return load.elapsed_s > 0 ? static_cast<double>(load.requests) / load.elapsed_s : 0;
}

double BenchReport::flows_per_second() const {
  return load.elapsed_s > 0 ? static_cast<double>(load.flows) / load.elapsed_s : 0;
}

BenchReport run_bench(const BenchOptions& requested) {
  if (requested.concurrency < 1) throw BenchError("--concurrency must be at least 1");
  if (requested.rate && !(*requested.rate > 0)) throw BenchError("--rate must be positive");
  const BenchOptions options = sharded(requested);
  if (options.duration.has_value() == options.flows.has_value())
    throw BenchError("give either --duration or --flows");
  HttpClient http(options.http);
  Discovery discovery = discover(http, options.base_url, true);
  if (!discovery.found()) throw BenchError("cannot run: " + discovery.failure);

  BenchReport report;
  report.mode = options.mode;
  report.base_url = options.base_url;
  report.metadata_url = discovery.metadata_url;
  report.concurrency = options.concurrency;
  report.threads = std::clamp(options.threads, 1, options.concurrency);
  report.rate = options.rate;
  report.http_client = options.http_client;
  report.shard = options.shard;
  if (options.duration) report.duration_s = static_cast<double>(options.duration->count()) / 1000;
  report.flows_requested = options.flows;

  ServerCpuMeter meter(options);
  if (options.mode == BenchMode::Metadata) {
    LoadPlan plan = plan_of(options);
    plan.cookies = false;
    plan.on_progress = progress_printer(options, "", 0);
    wait_for_start(options);
    report.started_at = std::chrono::system_clock::now();
    report.load = meter.measure([&] {
      return run_load(plan, [&] { return std::make_unique<MetadataFlow>(report.metadata_url); });
    });
    report.finished_at = std::chrono::system_clock::now();
    report.load.latency.erase("flow"); // a one-request flow: the same as its step
    report.server_cpu = meter.figure();
    report.interrupted = options.stop && options.stop->load();
    return report;
  }

  // Only these two log in as a sequence of requests the generator can send itself.
  if (options.driver.kind != DriverKind::Redirect && options.driver.kind != DriverKind::Form)
    throw BenchError("the bench drives authorizations itself, so it takes the redirect or form "
                     "driver, not the " +
                     std::string(driver_kind_name(options.driver.kind)) + " driver");
  std::unique_ptr<AuthorizationDriver> driver = make_driver(options.driver, http);
  const nlohmann::json& metadata = discovery.metadata;
  BenchContext ctx{options, *driver, obtain_client(options, http, metadata),
                   string_member(metadata, "authorization_endpoint"),
                   string_member(metadata, "token_endpoint")};
  if (ctx.authorization_endpoint.empty() || ctx.token_endpoint.empty())
    throw BenchError("the metadata names no authorization_endpoint or token_endpoint");
  report.client_id = ctx.client.client_id;

  wait_for_start(options);
  report.started_at = std::chrono::system_clock::now();
  if (options.mode == BenchMode::Flow) {
    LoadPlan plan = plan_of(options);
    plan.on_progress = progress_printer(options, "", 0);
    report.load = meter.measure(
        [&] { return run_load(plan, [&] { return std::make_unique<CodeFlow>(ctx, nullptr); }); });
  } else {
    report.load = run_token_mode(options, ctx, report.collection_errors, meter);
    report.load.latency.erase("flow");
  }
  report.finished_at = std::chrono::system_clock::now();
  report.server_cpu = meter.figure();
  report.interrupted = options.stop && options.stop->load();
  return report;
}

std::string utc_timestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[80];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(const std::string& text) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6)
    return std::nullopt;
  std::string rest = text.substr(static_cast<size_t>(consumed));
  long ms = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t digits = 1;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits])))
      ++digits;
    std::string fraction = rest.substr(1, digits - 1);
    if (fraction.empty()) return std::nullopt;
    fraction.resize(3, '0');
    ms = std::stol(fraction.substr(0, 3));
    rest = rest.substr(digits);
  }
  // system_clock counts nanoseconds in 64 bits: it ends in 2262.
  if (rest != "Z" || year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60)
    return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t seconds = timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(ms);
}

namespace {

double per(double total, long n) { return n > 0 ? total / static_cast<double>(n) : 0; }

std::string loop_description(const BenchReport& r) {
  if (!r.rate) return "closed loop";
  char text[160];
  std::snprintf(text, sizeof text,
                "open loop at %.6g %s/s (latency counted from when each was due)", *r.rate,
                r.mode == BenchMode::Flow ? "flows" : "requests");
  return text;
}

} // namespace

nlohmann::json to_json(const BenchReport& report) {
  nlohmann::json latency = nlohmann::json::object();
  nlohmann::json histograms = nlohmann::json::object();
  for (const auto& [step, h] : report.load.latency) {
    latency[step] = {{"count", h.count()},
                     {"mean", h.mean_ms()},
                     {"p50", h.percentile_ms(0.50)},
                     {"p90", h.percentile_ms(0.90)},
                     {"p99", h.percentile_ms(0.99)},
                     {"p999", h.percentile_ms(0.999)},
                     {"max", h.max_ms()}};
    histograms[step] = h.to_json();
  }
  const LoadResult& load = report.load;
  nlohmann::json out = {
      {"mode", bench_mode_name(report.mode)},
      {"base_url", report.base_url},
      {"metadata_url", report.metadata_url},
      {"concurrency", report.concurrency},
      {"threads", report.threads},
      {"loop", report.rate ? "open" : "closed"},
      {"rate_per_s", report.rate ? nlohmann::json(*report.rate) : nullptr},
      {"shard", {{"index", report.shard.index}, {"count", report.shard.count}}},
      {"merged_from", report.merged_from},
      {"duration_s", report.duration_s ? nlohmann::json(*report.duration_s) : nullptr},
      {"flows_requested",
       report.flows_requested ? nlohmann::json(*report.flows_requested) : nullptr},
      {"interrupted", report.interrupted},
      {"started_at", utc_timestamp(report.started_at)},
      {"finished_at", utc_timestamp(report.finished_at)},
      {"elapsed_s", load.elapsed_s},
      {"requests", load.requests},
      {"http_client", load_client_name(report.http_client)},
      {"builtin_client_requests", load.builtin_requests},
      {"flows", load.flows},
      {"failed_flows", load.failed_flows},
      {"started_late", load.started_late},
      {"requests_per_second", report.requests_per_second()},
      {"flows_per_second", report.flows_per_second()},
      {"latency_relative_error", LatencyHistogram::kRelativeError},
      {"latency_ms", latency},
      {"latency_histograms", histograms},
      {"generator_cpu",
       {{"cpu_s", load.generator_cpu_s},
        {"us_per_request", per(load.generator_cpu_s * 1e6, load.requests)}}},
      {"server_cpu", nullptr},
      {"errors", load.errors},
  };
  if (report.server_cpu)
    out["server_cpu"] = {{"source", report.server_cpu->source},
                         {"cpu_s", report.server_cpu->cpu_s},
                         {"ms_per_flow", per(report.server_cpu->cpu_s * 1e3, load.flows)},
                         {"us_per_request", per(report.server_cpu->cpu_s * 1e6, load.requests)}};
  if (!report.client_id.empty()) out["client_id"] = report.client_id;
  if (report.mode == BenchMode::Token) out["collection_errors"] = report.collection_errors;
  return out;
}

void print_bench_report(std::FILE* out, const BenchReport& r) {
  std::string shard = r.shard.count > 1 ? ", shard " + std::to_string(r.shard.index) + "/" +
                                              std::to_string(r.shard.count)
                                        : "";
  std::string merged =
      r.merged_from > 1 ? ", merged from " + std::to_string(r.merged_from) + " generators" : "";
  std::fprintf(out, "\n%s mode against %s, concurrency %d on %d thread%s, %s%s%s%s\n",
               std::string(bench_mode_name(r.mode)).c_str(), r.base_url.c_str(), r.concurrency,
               r.threads, r.threads == 1 ? "" : "s", loop_description(r).c_str(), shard.c_str(),
               merged.c_str(), r.interrupted ? " (interrupted)" : "");
  std::fprintf(out, "Requests: %ld in %.2f s: %.1f requests/s%s\n", r.load.requests,
               r.load.elapsed_s, r.requests_per_second(),
               r.mode == BenchMode::Token ? " (token exchanges only)" : "");
  std::fprintf(out, "Flows:    %ld complete: %.1f flows/s; %ld failed\n", r.load.flows,
               r.flows_per_second(), r.load.failed_flows);
  if (r.rate && r.load.started_late > 0)
    std::fprintf(out, "Behind schedule: %ld flows found every slot busy and started late (raise "
                      "--concurrency, or the server cannot keep this rate)\n",
                 r.load.started_late);
  std::fprintf(out, "Latency (ms, within %.1f %%) %9s %9s %9s %9s %9s %9s\n",
               LatencyHistogram::kRelativeError * 100, "count", "p50", "p90", "p99", "p99.9",
               "max");
  for (const auto& [step, h] : r.load.latency)
    std::fprintf(out, "  %-24s %9llu %9.3f %9.3f %9.3f %9.3f %9.3f\n", step.c_str(),
                 static_cast<unsigned long long>(h.count()), h.percentile_ms(0.50),
                 h.percentile_ms(0.90), h.percentile_ms(0.99), h.percentile_ms(0.999), h.max_ms());
  if (r.load.builtin_requests == r.load.requests && r.load.requests > 0)
    std::fprintf(out, "HTTP client: the generator's own HTTP/1.1 client\n");
  else if (r.load.builtin_requests > 0)
    std::fprintf(out, "HTTP client: the generator's own for %ld requests, libcurl for %ld\n",
                 r.load.builtin_requests, r.load.requests - r.load.builtin_requests);
  else if (r.http_client == LoadClient::Libcurl)
    std::fprintf(out, "HTTP client: libcurl (--http-client libcurl)\n");
  else
    std::fprintf(out, "HTTP client: libcurl (these requests need cookies, TLS, a proxy, --resolve "
                      "or the redirect guard)\n");
  std::fprintf(out, "CPU: generator %.1f us/request (%.2f s)", per(r.load.generator_cpu_s * 1e6,
                                                                    r.load.requests),
               r.load.generator_cpu_s);
  if (r.server_cpu)
    std::fprintf(out, "; server %.3f ms/flow, %.1f us/request (%.2f s, %s)",
                 per(r.server_cpu->cpu_s * 1e3, r.load.flows),
                 per(r.server_cpu->cpu_s * 1e6, r.load.requests), r.server_cpu->cpu_s,
                 r.server_cpu->source.c_str());
  std::fprintf(out, "\n");
  auto list = [&](const char* title, const std::map<std::string, long>& errors) {
    if (errors.empty()) return;
    std::fprintf(out, "%s\n", title);
    for (const auto& [kind, n] : errors)
      std::fprintf(out, "  %8ld  %s\n", n, kind.c_str());
  };
  if (r.load.errors.empty() && r.collection_errors.empty()) std::fprintf(out, "Errors: none\n");
  list("Errors by kind:", r.load.errors);
  list("Errors while collecting codes (untimed):", r.collection_errors);
}

} // namespace conformance
