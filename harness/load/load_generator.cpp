#include "load/load_generator.h"

#include "http/curl_transfer.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <sys/epoll.h>
#include <unistd.h>

namespace conformance {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// One place in the pool of in-flight flows. Its easy handle lives as long as the run, so the
// connection it opened stays in the multi handle's cache and is reused by the next request.
struct Slot {
  CURL* easy = nullptr;
  CurlTransfer transfer;
  std::unique_ptr<LoadFlow> flow;
  FlowRequest current;
  Clock::time_point sent;
  Clock::time_point flow_started;
  long requests_in_flow = 0;
  bool in_flight = false;
};

class Engine {
public:
  Engine(const LoadPlan& plan, const FlowFactory& make_flow)
      : plan_(plan), make_flow_(make_flow), slots_(std::max(1, plan.concurrency)) {
    curl_global_init_once();
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    // Keep every slot's connection in the cache; the default would close some between uses.
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(slots_.size()));
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) throw std::runtime_error("epoll_create1 failed");
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    // libcurl looks the proxy variables up for every transfer; when none is set (the usual case)
    // an empty proxy says so once. When one is set, libcurl keeps honouring them as usual.
    bool proxy_configured = false;
    for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      if (const char* value = std::getenv(name); value && *value) proxy_configured = true;
    for (Slot& slot : slots_) {
      slot.easy = curl_easy_init();
      if (!slot.easy) throw std::runtime_error("curl_easy_init failed");
      curl_easy_setopt(slot.easy, CURLOPT_PRIVATE, &slot);
      curl_easy_setopt(slot.easy, CURLOPT_COOKIEFILE, ""); // cookie engine on, no file
      if (!proxy_configured) curl_easy_setopt(slot.easy, CURLOPT_PROXY, "");
      // Flows read only these; curl itself handles cookies from Set-Cookie.
      slot.transfer.keep_only_headers({"location", "content-type"});
    }
  }

  ~Engine() {
    for (Slot& slot : slots_) {
      if (slot.in_flight) curl_multi_remove_handle(multi_, slot.easy);
      curl_easy_cleanup(slot.easy);
    }
    curl_multi_cleanup(multi_);
    ::close(epoll_);
  }

  // The event loop on libcurl's socket interface: epoll reports which connections are ready and
  // only those are driven, so the cost of a wake-up does not grow with the concurrency.
  LoadResult run() {
    start_ = Clock::now();
    if (plan_.duration) deadline_ = start_ + *plan_.duration;
    for (Slot& slot : slots_)
      start_flow(slot);
    auto next_progress = start_ + std::chrono::seconds(1);
    std::vector<epoll_event> events(slots_.size() + 1);
    while (in_flight_ > 0) {
      // Wake at least every 50 ms for the deadline, the stop flag and progress lines.
      int wait_ms = timer_ms_ < 0 ? 50 : static_cast<int>(std::min(timer_ms_, 50L));
      int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), wait_ms);
      int running = 0;
      if (ready <= 0) {
        timer_ms_ = -1;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      for (int i = 0; i < ready; ++i) {
        int flags = 0;
        if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
        curl_multi_socket_action(multi_, events[i].data.fd, flags, &running);
      }
      if (timer_ms_ == 0) { // libcurl asked to be called at once (e.g. a handle was added)
        timer_ms_ = -1;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      drain_finished();
      auto now = Clock::now();
      if (out_of_time(now)) break; // in-flight requests are abandoned, not counted
      if (plan_.on_progress && now >= next_progress) {
        plan_.on_progress(progress(now));
        next_progress += std::chrono::seconds(1);
      }
    }
    auto end = Clock::now();
    if (plan_.duration) end = std::min(end, deadline_);
    result_.elapsed_s = ms_between(start_, end) / 1000.0;
    return std::move(result_);
  }

private:
  bool stopped() const { return plan_.stop && plan_.stop->load(); }
  bool out_of_time(Clock::time_point now) const {
    return stopped() || (plan_.duration && now >= deadline_);
  }

  LoadProgress progress(Clock::time_point now) const {
    return {ms_between(start_, now) / 1000.0, result_.requests, result_.flows,
            result_.failed_flows};
  }

  bool may_start_flow() const {
    if (out_of_time(Clock::now())) return false;
    return !plan_.flows || started_ < *plan_.flows;
  }

  void start_flow(Slot& slot) {
    slot.flow.reset();
    if (!may_start_flow()) return;
    slot.flow = make_flow_();
    if (!slot.flow) return; // no more work: the slot stays idle
    ++started_;
    slot.requests_in_flow = 0;
    slot.flow_started = Clock::now();
    curl_easy_setopt(slot.easy, CURLOPT_COOKIELIST, "ALL"); // a fresh user agent per flow
    send_next(slot);
  }

  void send_next(Slot& slot) {
    std::optional<FlowRequest> next = slot.flow->next();
    if (!next) return end_flow(slot);
    ++slot.requests_in_flow;
    slot.current = std::move(*next);
    // Every load request goes to the server under test (flows read the redirect's Location and
    // never call the redirect URI), so each carries the gateway's headers.
    auto& headers = slot.current.request.headers;
    headers.insert(headers.end(), plan_.http.extra_headers.begin(), plan_.http.extra_headers.end());
    slot.transfer.prepare(slot.easy, slot.current.request, plan_.http);
    slot.sent = Clock::now();
    if (curl_multi_add_handle(multi_, slot.easy) != CURLM_OK) {
      ++result_.failed_flows;
      ++result_.errors["harness: curl_multi_add_handle failed"];
      slot.flow.reset();
      return;
    }
    slot.in_flight = true;
    ++in_flight_;
  }

  void drain_finished() {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Slot* slot = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot);
      complete(*slot, msg->data.result);
    }
  }

  // libcurl says which events it wants on a socket; epoll is told the same.
  static int on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) {
    auto* engine = static_cast<Engine*>(self);
    if (what == CURL_POLL_REMOVE) {
      epoll_ctl(engine->epoll_, EPOLL_CTL_DEL, fd, nullptr);
      return 0;
    }
    epoll_event ev{};
    ev.data.fd = fd;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
    if (epoll_ctl(engine->epoll_, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
      epoll_ctl(engine->epoll_, EPOLL_CTL_ADD, fd, &ev);
    return 0;
  }

  static int on_timer(CURLM*, long timeout_ms, void* self) {
    static_cast<Engine*>(self)->timer_ms_ = timeout_ms; // -1: no timer
    return 0;
  }

  void complete(Slot& slot, CURLcode code) {
    curl_multi_remove_handle(multi_, slot.easy);
    slot.in_flight = false;
    --in_flight_;
    auto now = Clock::now();
    HttpResponse response = slot.transfer.finish(slot.easy, code, ms_between(slot.sent, now));
    ++result_.requests;
    result_.latency_ms[slot.current.step].push_back(response.duration_ms);
    slot.flow->on_response(response);
    send_next(slot);
  }

  void end_flow(Slot& slot) {
    if (auto failure = slot.flow->failure()) {
      ++result_.failed_flows;
      ++result_.errors[*failure];
    } else {
      ++result_.flows;
      result_.latency_ms["flow"].push_back(ms_between(slot.flow_started, Clock::now()));
    }
    // A flow that sent nothing would make the slot spin; it stays idle instead.
    if (slot.requests_in_flow == 0) {
      slot.flow.reset();
      return;
    }
    start_flow(slot);
  }

  const LoadPlan& plan_;
  const FlowFactory& make_flow_;
  std::vector<Slot> slots_;
  CURLM* multi_ = nullptr;
  int epoll_ = -1;
  long timer_ms_ = -1; // what libcurl's timer callback last asked for
  int in_flight_ = 0;
  long started_ = 0;
  Clock::time_point start_, deadline_;
  LoadResult result_;
};

} // namespace

void LoadResult::merge(const LoadResult& other) {
  elapsed_s += other.elapsed_s;
  requests += other.requests;
  flows += other.flows;
  failed_flows += other.failed_flows;
  for (const auto& [step, samples] : other.latency_ms) {
    auto& mine = latency_ms[step];
    mine.insert(mine.end(), samples.begin(), samples.end());
  }
  for (const auto& [kind, n] : other.errors)
    errors[kind] += n;
}

LoadResult run_load(const LoadPlan& plan, const FlowFactory& make_flow) {
  Engine engine(plan, make_flow);
  return engine.run();
}

LatencySummary summarize(std::vector<double> samples) {
  LatencySummary s;
  s.count = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  auto rank = [&](double p) {
    // Nearest rank: the smallest sample with at least p of the samples at or below it.
    size_t k = static_cast<size_t>(std::ceil(p * static_cast<double>(samples.size())));
    return samples[std::clamp<size_t>(k, 1, samples.size()) - 1];
  };
  s.p50 = rank(0.50);
  s.p90 = rank(0.90);
  s.p99 = rank(0.99);
  s.max = samples.back();
  return s;
}

} // namespace conformance
