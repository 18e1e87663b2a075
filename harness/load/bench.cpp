#include "load/bench.h"

#include "core/base64url.h"
#include "core/pkce.h"
#include "drivers/authorization_driver.h"
#include "oauth/discovery.h"

#include <algorithm>
#include <deque>

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
  CodeFlow(const BenchContext& ctx, std::vector<CollectedCode>* collect)
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
        collect_->push_back(std::move(code_));
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
  std::vector<CollectedCode>* collect_;
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
  plan.duration = options.duration;
  plan.flows = options.flows;
  plan.http = options.http;
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

// Token mode: codes expire, so they are collected in batches and each batch is exchanged at
// once; only the exchanges are timed.
LoadResult run_token_mode(const BenchOptions& options, const BenchContext& ctx,
                          std::map<std::string, long>& collection_errors) {
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

    std::vector<CollectedCode> codes;
    codes.reserve(static_cast<size_t>(wanted));
    LoadPlan collect = plan_of(options);
    collect.duration.reset();
    collect.flows = wanted;
    LoadResult collected =
        run_load(collect, [&] { return std::make_unique<CodeFlow>(ctx, &codes); });
    for (const auto& [kind, n] : collected.errors)
      collection_errors[kind] += n;
    if (codes.empty()) break; // nothing to exchange: the errors say why

    std::deque<CollectedCode> queue(std::make_move_iterator(codes.begin()),
                                    std::make_move_iterator(codes.end()));
    LoadPlan exchange = plan_of(options);
    exchange.duration = time_left();
    exchange.flows = static_cast<long>(queue.size());
    exchange.on_progress = progress_printer(options, "exchanging: ", timed.elapsed_s);
    timed.merge(run_load(exchange, [&]() -> std::unique_ptr<LoadFlow> {
      if (queue.empty()) return nullptr;
      auto flow = std::make_unique<ExchangeFlow>(ctx, std::move(queue.front()));
      queue.pop_front();
      return flow;
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

double BenchReport::requests_per_second() const {
  return load.elapsed_s > 0 ? static_cast<double>(load.requests) / load.elapsed_s : 0;
}

double BenchReport::flows_per_second() const {
  return load.elapsed_s > 0 ? static_cast<double>(load.flows) / load.elapsed_s : 0;
}

BenchReport run_bench(const BenchOptions& options) {
  if (options.concurrency < 1) throw BenchError("--concurrency must be at least 1");
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
  if (options.duration) report.duration_s = static_cast<double>(options.duration->count()) / 1000;
  report.flows_requested = options.flows;

  if (options.mode == BenchMode::Metadata) {
    LoadPlan plan = plan_of(options);
    plan.on_progress = progress_printer(options, "", 0);
    report.load =
        run_load(plan, [&] { return std::make_unique<MetadataFlow>(report.metadata_url); });
    report.load.latency_ms.erase("flow"); // a one-request flow: the same as its step
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

  if (options.mode == BenchMode::Flow) {
    LoadPlan plan = plan_of(options);
    plan.on_progress = progress_printer(options, "", 0);
    report.load = run_load(plan, [&] { return std::make_unique<CodeFlow>(ctx, nullptr); });
  } else {
    report.load = run_token_mode(options, ctx, report.collection_errors);
    report.load.latency_ms.erase("flow");
  }
  report.interrupted = options.stop && options.stop->load();
  return report;
}

nlohmann::json to_json(const BenchReport& report) {
  nlohmann::json latency = nlohmann::json::object();
  for (const auto& [step, samples] : report.load.latency_ms) {
    LatencySummary s = summarize(samples);
    latency[step] = {
        {"count", s.count}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}};
  }
  nlohmann::json out = {
      {"mode", bench_mode_name(report.mode)},
      {"base_url", report.base_url},
      {"metadata_url", report.metadata_url},
      {"concurrency", report.concurrency},
      {"duration_s", report.duration_s ? nlohmann::json(*report.duration_s) : nullptr},
      {"flows_requested",
       report.flows_requested ? nlohmann::json(*report.flows_requested) : nullptr},
      {"interrupted", report.interrupted},
      {"elapsed_s", report.load.elapsed_s},
      {"requests", report.load.requests},
      {"flows", report.load.flows},
      {"failed_flows", report.load.failed_flows},
      {"requests_per_second", report.requests_per_second()},
      {"flows_per_second", report.flows_per_second()},
      {"latency_ms", latency},
      {"errors", report.load.errors},
  };
  if (!report.client_id.empty()) out["client_id"] = report.client_id;
  if (report.mode == BenchMode::Token) out["collection_errors"] = report.collection_errors;
  return out;
}

void print_bench_report(std::FILE* out, const BenchReport& r) {
  std::fprintf(out, "\n%s mode against %s, concurrency %d%s\n",
               std::string(bench_mode_name(r.mode)).c_str(), r.base_url.c_str(), r.concurrency,
               r.interrupted ? " (interrupted)" : "");
  std::fprintf(out, "Requests: %ld in %.2f s: %.1f requests/s%s\n", r.load.requests,
               r.load.elapsed_s, r.requests_per_second(),
               r.mode == BenchMode::Token ? " (token exchanges only)" : "");
  std::fprintf(out, "Flows:    %ld complete: %.1f flows/s; %ld failed\n", r.load.flows,
               r.flows_per_second(), r.load.failed_flows);
  std::fprintf(out, "Latency (ms)     %9s %9s %9s %9s %9s\n", "count", "p50", "p90", "p99", "max");
  for (const auto& [step, samples] : r.load.latency_ms) {
    LatencySummary s = summarize(samples);
    std::fprintf(out, "  %-14s %9zu %9.3f %9.3f %9.3f %9.3f\n", step.c_str(), s.count, s.p50, s.p90,
                 s.p99, s.max);
  }
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
