#include "load/load_generator.h"

#include "http/curl_transfer.h"
#include "load/cpu_time.h"
#include "load/http1_connection.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <condition_variable>
#include <cstdint>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <sys/epoll.h>
#include <thread>
#include <unistd.h>

namespace conformance {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The response headers flows read (curl itself handles cookies from Set-Cookie).
const std::vector<std::string> kFlowHeaders = {"location", "content-type"};

// One place in the pool of in-flight flows. Its easy handle lives as long as the run, so the
// connection it opened stays in the multi handle's cache and is reused by the next request;
// so does its own HTTP/1.1 connection, made when the first request that can use it comes.
struct Slot {
  std::uint32_t index = 0;
  CURL* easy = nullptr;
  CurlTransfer transfer;
  std::unique_ptr<Http1Connection> http1;
  bool via_http1 = false; // the request in flight went out on `http1`
  std::unique_ptr<LoadFlow> flow;
  FlowRequest current;
  Clock::time_point sent;
  Clock::time_point flow_started;
  long requests_in_flow = 0;
  bool in_flight = false;
};

// What the event loops of one run share: the plan, the factory (called under a lock), the
// count of flows started against plan.flows, live counters for progress, and the clock.
struct SharedRun {
  const LoadPlan& plan;
  const FlowFactory& make_flow;
  std::mutex factory_mutex;
  std::atomic<long> started{0};
  std::atomic<long> requests{0}, flows{0}, failed_flows{0};
  Clock::time_point start, deadline;

  bool stopped() const { return plan.stop && plan.stop->load(); }
  bool out_of_time(Clock::time_point now) const {
    return stopped() || (plan.duration && now >= deadline);
  }
  // Claims the right to start one more flow, or says the plan's count is reached.
  bool claim_flow() {
    if (!plan.flows) return true;
    return started.fetch_add(1) < *plan.flows;
  }
  std::unique_ptr<LoadFlow> make() {
    std::lock_guard lock(factory_mutex);
    return make_flow();
  }
};

// One event loop: its slots, its multi handle, its epoll set.
class Engine {
public:
  // `schedule_offset` and `schedule_interval`: open loop, this loop's flows are due at
  // start + offset + k * interval.
  Engine(SharedRun& shared, int slots, std::optional<Clock::duration> schedule_interval,
         Clock::duration schedule_offset)
      : shared_(shared), plan_(shared.plan), slots_(std::max(1, slots)),
        interval_(schedule_interval), offset_(schedule_offset) {
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
    // What the own client cannot do: cookies, a proxy, --resolve, the redirect guard.
    builtin_ = plan_.client == LoadClient::Builtin && !plan_.cookies && !proxy_configured &&
               plan_.http.resolve.empty() && !plan_.http.guard_addresses;
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      slot.index = static_cast<std::uint32_t>(i);
      slot.easy = curl_easy_init();
      if (!slot.easy) throw std::runtime_error("curl_easy_init failed");
      curl_easy_setopt(slot.easy, CURLOPT_PRIVATE, &slot);
      if (plan_.cookies) curl_easy_setopt(slot.easy, CURLOPT_COOKIEFILE, ""); // engine on, no file
      // Told when libcurl closes a connection, so a reused descriptor number is registered anew.
      curl_easy_setopt(slot.easy, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
      curl_easy_setopt(slot.easy, CURLOPT_CLOSESOCKETDATA, this);
      if (!proxy_configured) curl_easy_setopt(slot.easy, CURLOPT_PROXY, "");
      slot.transfer.keep_only_headers(kFlowHeaders);
      idle_.push_back(&slot);
    }
  }

  ~Engine() {
    for (Slot& slot : slots_) {
      if (slot.in_flight && !slot.via_http1) curl_multi_remove_handle(multi_, slot.easy);
      curl_easy_cleanup(slot.easy);
    }
    curl_multi_cleanup(multi_);
    ::close(epoll_);
  }

  // The event loop on libcurl's socket interface: epoll reports which connections are ready and
  // only those are driven, so the cost of a wake-up does not grow with the concurrency.
  LoadResult run() {
    double cpu_before = own_thread_cpu_s();
    next_due_ = shared_.start + offset_;
    start_flows(Clock::now());
    std::vector<epoll_event> events(slots_.size() + 1);
    while (!finished()) {
      // Wake at least every 50 ms for the deadline and the stop flag, and when the next flow
      // is due if a slot is free for it.
      auto now = Clock::now();
      auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::milliseconds(
          timer_ms_ < 0 ? 50 : std::min(timer_ms_, 50L)));
      if (interval_ && !idle_.empty())
        wait = std::min(wait, std::max(std::chrono::nanoseconds(0),
                                       std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           next_due_ - now)));
      if (!ended_at_once_.empty()) wait = std::chrono::nanoseconds(0);
      int ready = wait_for_events(events, wait);
      int running = 0;
      if (ready <= 0) {
        timer_ms_ = -1;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      for (int i = 0; i < ready; ++i) {
        std::uint64_t data = events[i].data.u64;
        if (Http1Connection::is_tag(data)) {
          Slot& slot = slots_[Http1Connection::id_of(data)];
          if (slot.http1->on_events(data, events[i].events)) complete_http1(slot);
          continue;
        }
        auto fd = static_cast<int>(data >> 1);
        if (unwatched(fd)) continue;
        int flags = 0;
        if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
        curl_multi_socket_action(multi_, fd, flags, &running);
      }
      if (timer_ms_ == 0) { // libcurl asked to be called at once (e.g. a handle was added)
        timer_ms_ = -1;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      drain_finished();
      // Requests the own client ended as they started (a refused connection): those of this
      // turn only, so a server that refuses everything still lets the loop check the time.
      std::vector<Slot*> ended;
      ended.swap(ended_at_once_);
      for (Slot* slot : ended)
        complete_http1(*slot);
      expire_http1(Clock::now());
      now = Clock::now();
      if (shared_.out_of_time(now)) break; // in-flight requests are abandoned, not counted
      start_flows(now);
    }
    result_.generator_cpu_s = own_thread_cpu_s() - cpu_before;
    return std::move(result_);
  }

private:
  // epoll with a nanosecond timeout where the kernel has one (Linux 5.11), so an open-loop
  // schedule of thousands of flows a second is kept to the microsecond, not the millisecond.
  int wait_for_events(std::vector<epoll_event>& events, std::chrono::nanoseconds wait) {
    int n = static_cast<int>(events.size());
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
    if (!no_pwait2_) {
      timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000),
                  static_cast<long>(wait.count() % 1'000'000'000)};
      int ready = epoll_pwait2(epoll_, events.data(), n, &ts, nullptr);
      if (ready >= 0 || errno != ENOSYS) return ready;
      no_pwait2_ = true;
    }
#endif
    // Rounded up: waking early only costs a loop; waking late would start flows late.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    return epoll_wait(epoll_, events.data(), n, static_cast<int>(ms));
  }

  // Closed loop: done when nothing is in flight (slots start their next flow themselves).
  // Open loop: done at the deadline or the stop flag, or when every flow was started and ended.
  bool finished() const {
    if (!interval_) return in_flight_ == 0;
    if (shared_.out_of_time(Clock::now())) return true;
    return no_more_flows_ && in_flight_ == 0;
  }

  // Starts a flow in every idle slot (closed loop), or in idle slots for every flow now due
  // (open loop). A due flow that finds no idle slot waits for one and starts late: its latency
  // still counts from when it was due.
  void start_flows(Clock::time_point now) {
    while (!idle_.empty() && !no_more_flows_) {
      Clock::time_point due = now;
      if (interval_) {
        if (next_due_ > now) return;
        due = next_due_;
        next_due_ += *interval_;
        if (now - due > kLate) ++result_.started_late;
      }
      Slot* slot = idle_.back();
      if (!start_flow(*slot, due)) return;
      idle_.pop_back();
    }
  }

  // Whether the slot took a flow; once the work runs out, no slot takes one again.
  bool start_flow(Slot& slot, Clock::time_point due) {
    slot.flow.reset();
    if (shared_.out_of_time(Clock::now()) || !shared_.claim_flow()) {
      no_more_flows_ = true;
      return false;
    }
    slot.flow = shared_.make();
    if (!slot.flow) { // no more work
      no_more_flows_ = true;
      return false;
    }
    slot.requests_in_flow = 0;
    slot.flow_started = due;
    if (plan_.cookies) curl_easy_setopt(slot.easy, CURLOPT_COOKIELIST, "ALL"); // a fresh user agent
    send_next(slot);
    return true;
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
    if (builtin_ && Http1Connection::can_send(slot.current.request)) {
      if (!slot.http1)
        slot.http1 = std::make_unique<Http1Connection>(epoll_, slot.index, kFlowHeaders);
      slot.via_http1 = true;
      slot.in_flight = true;
      ++in_flight_;
      slot.sent = Clock::now();
      if (slot.http1->start(slot.current.request, resolver_, plan_.http, slot.sent))
        ended_at_once_.push_back(&slot);
      return;
    }
    slot.via_http1 = false;
    slot.transfer.prepare(slot.easy, slot.current.request, plan_.http);
    slot.sent = Clock::now();
    if (curl_multi_add_handle(multi_, slot.easy) != CURLM_OK) {
      ++result_.failed_flows;
      ++shared_.failed_flows;
      ++result_.errors["harness: curl_multi_add_handle failed"];
      slot.flow.reset();
      idle_.push_back(&slot);
      no_more_flows_ = true; // the handle cannot be used: starting more would spin
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

  // libcurl says which events it wants on a socket; epoll is told the same, with as few
  // epoll_ctl calls as it takes. libcurl removes a kept-alive connection's socket after every
  // transfer and asks for the same events again with the next: the removal is only noted, and
  // the socket stays registered until an event arrives for it while it is unwatched (or it is
  // closed, which drops it from epoll). In the steady state a request costs no epoll_ctl.
  static int on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) {
    auto* engine = static_cast<Engine*>(self);
    if (fd < 0) return 0;
    auto index = static_cast<size_t>(fd);
    if (index >= engine->registered_.size()) engine->registered_.resize(index + 64);
    Registration& reg = engine->registered_[index];
    if (what == CURL_POLL_REMOVE) {
      reg.watched = false;
      return 0;
    }
    std::uint32_t events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= EPOLLOUT;
    reg.watched = true;
    if (reg.in_epoll && reg.events == events) return 0;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = static_cast<std::uint64_t>(fd) << 1; // bit 0 clear: not the own client's
    int op = reg.in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(engine->epoll_, op, fd, &ev) != 0) {
      // The kernel's view differs from ours: the descriptor was closed and its number reused
      // (gone from epoll), or it is still there. The other operation settles it.
      op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
      if (epoll_ctl(engine->epoll_, op, fd, &ev) != 0) {
        reg.in_epoll = false;
        return 0;
      }
    }
    reg.in_epoll = true;
    reg.events = events;
    return 0;
  }

  static int on_close_socket(void* self, curl_socket_t fd) {
    auto* engine = static_cast<Engine*>(self);
    if (fd >= 0 && static_cast<size_t>(fd) < engine->registered_.size())
      engine->registered_[static_cast<size_t>(fd)] = Registration{}; // closing drops it from epoll
    return ::close(fd);
  }

  // An event for a socket libcurl no longer watches (a kept-alive connection between
  // transfers, closed by the server): it leaves epoll now, or a level-triggered EOF would wake
  // the loop without end. libcurl itself finds the dead connection when it next uses it. An
  // event for a socket libcurl closed in this same turn is dropped: its number may already be
  // a new socket of the own client's.
  bool unwatched(int fd) {
    auto index = static_cast<size_t>(fd);
    if (index >= registered_.size() || !registered_[index].in_epoll) return true;
    if (registered_[index].watched) return false;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    registered_[index].in_epoll = false;
    return true;
  }

  static int on_timer(CURLM*, long timeout_ms, void* self) {
    static_cast<Engine*>(self)->timer_ms_ = timeout_ms; // -1: no timer
    return 0;
  }

  void complete(Slot& slot, CURLcode code) {
    curl_multi_remove_handle(multi_, slot.easy);
    auto now = Clock::now();
    deliver(slot, slot.transfer.finish(slot.easy, code, ms_between(slot.sent, now)), now);
  }

  void complete_http1(Slot& slot) {
    auto now = Clock::now();
    HttpResponse response = slot.http1->take_response();
    response.duration_ms = ms_between(slot.sent, now);
    ++result_.builtin_requests;
    deliver(slot, std::move(response), now);
  }

  // The own client's requests past their timeout, looked for every few milliseconds (its
  // timeouts need no finer grain than libcurl's).
  void expire_http1(Clock::time_point now) {
    if (!builtin_ || now < next_expiry_scan_) return;
    next_expiry_scan_ = now + std::chrono::milliseconds(10);
    for (Slot& slot : slots_)
      if (slot.in_flight && slot.via_http1 && slot.http1->busy() && now >= slot.http1->deadline()) {
        slot.http1->expire();
        complete_http1(slot);
      }
  }

  void deliver(Slot& slot, HttpResponse response, Clock::time_point now) {
    slot.in_flight = false;
    --in_flight_;
    ++result_.requests;
    ++shared_.requests;
    // Open loop: a flow's first request waited from when the flow was due.
    bool first = slot.requests_in_flow == 1;
    result_.latency[slot.current.step].record_ms(
        interval_ && first ? ms_between(slot.flow_started, now) : response.duration_ms);
    slot.flow->on_response(response);
    send_next(slot);
  }

  void end_flow(Slot& slot) {
    if (auto failure = slot.flow->failure()) {
      ++result_.failed_flows;
      ++shared_.failed_flows;
      ++result_.errors[*failure];
    } else {
      ++result_.flows;
      ++shared_.flows;
      result_.latency["flow"].record_ms(ms_between(slot.flow_started, Clock::now()));
    }
    slot.flow.reset();
    // A flow that sent nothing would make the slot spin; it stays busy (and unused) instead.
    if (slot.requests_in_flow == 0) return;
    idle_.push_back(&slot);
    if (!interval_) start_flows(Clock::now()); // closed loop: the next flow at once
  }

  // Later than this after its time, an open-loop flow counts as started late.
  static constexpr auto kLate = std::chrono::milliseconds(1);

  SharedRun& shared_;
  const LoadPlan& plan_;
  std::vector<Slot> slots_;
  std::vector<Slot*> idle_; // slots with no flow
  std::optional<Clock::duration> interval_;
  Clock::duration offset_;
  Clock::time_point next_due_;
  bool no_more_flows_ = false;
  bool no_pwait2_ = false;
  // What epoll holds for each descriptor (indexed by it), and whether libcurl still wants it.
  struct Registration {
    bool in_epoll = false;
    bool watched = false;
    std::uint32_t events = 0;
  };
  std::vector<Registration> registered_;
  bool builtin_ = false; // whether requests that can go out on the own client do
  Http1Resolver resolver_;
  std::vector<Slot*> ended_at_once_; // own-client requests that ended as they were started
  Clock::time_point next_expiry_scan_;
  CURLM* multi_ = nullptr;
  int epoll_ = -1;
  long timer_ms_ = -1; // what libcurl's timer callback last asked for
  int in_flight_ = 0;
  LoadResult result_;
};

} // namespace

void LoadResult::merge(const LoadResult& other) {
  elapsed_s += other.elapsed_s;
  requests += other.requests;
  builtin_requests += other.builtin_requests;
  flows += other.flows;
  failed_flows += other.failed_flows;
  generator_cpu_s += other.generator_cpu_s;
  started_late += other.started_late;
  for (const auto& [step, histogram] : other.latency)
    latency[step].merge(histogram);
  for (const auto& [kind, n] : other.errors)
    errors[kind] += n;
}

LoadResult run_load(const LoadPlan& plan, const FlowFactory& make_flow) {
  const int concurrency = std::max(1, plan.concurrency);
  const int threads = std::clamp(plan.threads, 1, concurrency);
  SharedRun shared{plan, make_flow};
  // Thread k of N is due at start + (k + N j) / rate: together, one flow every 1/rate.
  std::optional<Clock::duration> interval;
  Clock::duration per_flow{};
  if (plan.rate && *plan.rate > 0) {
    per_flow = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / *plan.rate));
    interval = per_flow * threads;
  }
  std::latch ready(threads), go(1);
  std::vector<LoadResult> results(threads);
  std::vector<std::exception_ptr> failures(threads);
  std::atomic<int> running{threads};
  std::mutex done_mutex;
  std::condition_variable done;
  std::vector<std::thread> loops;
  for (int k = 0; k < threads; ++k)
    loops.emplace_back([&, k] {
      std::unique_ptr<Engine> engine;
      try {
        // Slots split as evenly as they go: 10 over 4 threads is 3, 3, 2, 2.
        int slots = concurrency / threads + (k < concurrency % threads ? 1 : 0);
        engine = std::make_unique<Engine>(shared, slots, interval, per_flow * k);
      } catch (...) {
        failures[k] = std::current_exception();
      }
      ready.count_down();
      go.wait();
      try {
        if (engine) results[k] = engine->run();
      } catch (...) {
        failures[k] = std::current_exception();
      }
      engine.reset();
      std::lock_guard lock(done_mutex);
      --running;
      done.notify_all();
    });
  ready.wait();
  shared.start = Clock::now();
  if (plan.duration) shared.deadline = shared.start + *plan.duration;
  go.count_down();
  // Progress from the counters the loops keep, about once a second, until all have ended.
  {
    std::unique_lock lock(done_mutex);
    auto next_progress = shared.start + std::chrono::seconds(1);
    while (running > 0) {
      if (done.wait_until(lock, next_progress, [&] { return running == 0; })) break;
      if (plan.on_progress)
        plan.on_progress({ms_between(shared.start, Clock::now()) / 1000.0, shared.requests.load(),
                          shared.flows.load(), shared.failed_flows.load()});
      next_progress += std::chrono::seconds(1);
    }
  }
  for (std::thread& t : loops)
    t.join();
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  LoadResult total;
  for (const LoadResult& r : results)
    total.merge(r);
  auto end = Clock::now();
  if (plan.duration) end = std::min(end, shared.deadline);
  total.elapsed_s = ms_between(shared.start, end) / 1000.0;
  return total;
}

} // namespace conformance
