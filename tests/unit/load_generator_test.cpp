// The bench load generator against small fixture servers: it runs exactly the flows asked for,
// keeps per-step latencies, counts failures by kind, reuses connections, keeps cookies within a
// flow only, and stops on time even when the server hangs.
#include "../fixture_server.h"
#include "load/load_generator.h"

#include <arpa/inet.h>
#include <atomic>
#include <gtest/gtest.h>
#include <mutex>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace conformance;
using namespace std::chrono_literals;

// A fixture server that behaves like a real one under load: replies leave at once (no Nagle
// delay) and a connection serves many requests (cpp-httplib closes after 5 by default).
struct LoadFixture : FixtureServer {
  LoadFixture() {
    routes().set_tcp_nodelay(true);
    routes().set_keep_alive_max_count(100000);
  }
};

// Every test below runs on both clients: the generator's own HTTP/1.1 client (the default for
// flows without cookies) and libcurl.
class LoadGeneratorOnEachClient : public testing::TestWithParam<LoadClient> {
protected:
  LoadPlan plan_for_client() const {
    LoadPlan plan;
    plan.client = GetParam();
    plan.cookies = false; // so that the own client may take the requests
    return plan;
  }
  // Every request went out on the client under test.
  void expect_client(const LoadResult& r) const {
    EXPECT_EQ(r.builtin_requests, GetParam() == LoadClient::Builtin ? r.requests : 0);
  }
};

INSTANTIATE_TEST_SUITE_P(Clients, LoadGeneratorOnEachClient,
                         testing::Values(LoadClient::Builtin, LoadClient::Libcurl),
                         [](const testing::TestParamInfo<LoadClient>& info) {
                           return info.param == LoadClient::Builtin ? "builtin" : "libcurl";
                         });

// GET `first`, then GET `second`; fails with "second: HTTP n" unless both answer 200.
class TwoStepFlow : public LoadFlow {
public:
  TwoStepFlow(std::string first, std::string second) : urls_{std::move(first), std::move(second)} {}
  std::optional<FlowRequest> next() override {
    if (failure_ || step_ == 2) return std::nullopt;
    return FlowRequest{step_ == 0 ? "first" : "second", {"GET", urls_[step_], {}, ""}};
  }
  void on_response(const HttpResponse& r) override {
    if (r.status != 200)
      failure_ = std::string(step_ == 0 ? "first" : "second") + ": " + r.summary();
    ++step_;
  }
  std::optional<std::string> failure() const override { return failure_; }

private:
  std::string urls_[2];
  int step_ = 0;
  std::optional<std::string> failure_;
};

TEST_P(LoadGeneratorOnEachClient, RunsExactlyTheFlowsAskedForWithLatencyPerStep) {
  LoadFixture fx;
  std::atomic<int> hits{0};
  fx.routes().Get("/a", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.set_content("a", "text/plain");
  });
  fx.routes().Get("/b", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.set_content("b", "text/plain");
  });
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 4;
  plan.flows = 50;
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  EXPECT_EQ(r.flows, 50);
  EXPECT_EQ(r.failed_flows, 0);
  EXPECT_EQ(r.requests, 100);
  EXPECT_EQ(hits.load(), 100);
  EXPECT_EQ(r.latency["first"].count(), 50u);
  EXPECT_EQ(r.latency["second"].count(), 50u);
  EXPECT_EQ(r.latency["flow"].count(), 50u);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_GT(r.elapsed_s, 0);
  expect_client(r);
}

// A gateway's header (--header) rides on every load request, as it does on the suite's.
TEST_P(LoadGeneratorOnEachClient, SendsTheGatewayHeadersOnEveryRequest) {
  LoadFixture fx;
  std::atomic<int> with_header{0}, without{0};
  auto count = [&](const httplib::Request& req, httplib::Response& res) {
    ++(req.get_header_value("X-Gateway-Key") == "k-123" ? with_header : without);
    res.set_content("ok", "text/plain");
  };
  fx.routes().Get("/a", count);
  fx.routes().Get("/b", count);
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 2;
  plan.flows = 10;
  plan.http.extra_headers = {{"X-Gateway-Key", "k-123"}};
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  EXPECT_EQ(r.failed_flows, 0);
  EXPECT_EQ(with_header.load(), 20);
  EXPECT_EQ(without.load(), 0);
  expect_client(r);
}

TEST_P(LoadGeneratorOnEachClient, CountsFailedFlowsByKind) {
  LoadFixture fx;
  std::atomic<int> n{0};
  fx.routes().Get("/a", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("a", "text/plain");
  });
  fx.routes().Get("/b", [&](const httplib::Request&, httplib::Response& res) {
    // Every third flow's second step fails.
    if (++n % 3 == 0) res.status = 503;
    res.set_content("b", "text/plain");
  });
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 3;
  plan.flows = 30;
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  EXPECT_EQ(r.flows, 20);
  EXPECT_EQ(r.failed_flows, 10);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors.begin()->first, "second: HTTP 503 text/plain");
  EXPECT_EQ(r.errors.begin()->second, 10);
  EXPECT_EQ(r.latency["flow"].count(), 20u); // only complete flows have a flow latency
  expect_client(r);
}

TEST_P(LoadGeneratorOnEachClient, ReusesOneConnectionPerSlot) {
  LoadFixture fx;
  std::mutex mutex;
  std::set<int> client_ports;
  fx.routes().Get("/a", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    client_ports.insert(req.remote_port);
    res.set_content("a", "text/plain");
  });
  fx.routes().Get("/b", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("b", "text/plain");
  });
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 2;
  plan.flows = 200;
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  EXPECT_EQ(r.flows, 200);
  // 400 requests over kept-alive connections: a handful, never one per request. (Read under
  // the handlers' lock: TSan cannot see the ordering a response on a socket gives.)
  std::lock_guard lock(mutex);
  EXPECT_LE(client_ports.size(), 4u) << "connections were not reused";
  expect_client(r);
}

TEST(LoadGenerator, CookiesLastOneFlowOnly) {
  LoadFixture fx;
  std::atomic<int> fresh{0}, carried{0};
  fx.routes().Get("/a", [&](const httplib::Request& req, httplib::Response& res) {
    // A new flow is a new user agent: it must arrive without the previous flow's cookie.
    (req.has_header("Cookie") ? carried : fresh)++;
    res.set_header("Set-Cookie", "sid=s; Path=/");
    res.set_content("a", "text/plain");
  });
  fx.routes().Get("/b", [](const httplib::Request& req, httplib::Response& res) {
    res.status = req.get_header_value("Cookie").find("sid=s") != std::string::npos ? 200 : 400;
  });
  fx.start();
  LoadPlan plan;
  plan.concurrency = 1;
  plan.flows = 10;
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  EXPECT_EQ(r.flows, 10) << (r.errors.empty() ? "" : r.errors.begin()->first);
  EXPECT_EQ(fresh.load(), 10);
  EXPECT_EQ(carried.load(), 0);
  EXPECT_EQ(r.builtin_requests, 0); // flows with cookies go through libcurl's cookie engine
}

// A server that closes every connection after three requests (with Connection: close, as
// cpp-httplib does at its keep-alive limit) costs new connections, never a flow.
TEST_P(LoadGeneratorOnEachClient, ConnectionsClosedByTheServerLoseNoFlow) {
  FixtureServer fx;
  fx.routes().set_keep_alive_max_count(3);
  auto ok = [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); };
  fx.routes().Get("/a", ok);
  fx.routes().Get("/b", ok);
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 4;
  plan.flows = 90;
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  EXPECT_EQ(r.flows, 90) << (r.errors.empty() ? "" : r.errors.begin()->first);
  EXPECT_EQ(r.requests, 180);
  expect_client(r);
}

// A flow whose steps differ: what the own client cannot send (here https) goes through
// libcurl in the same event loop, and both are counted.
TEST(LoadGenerator, RequestsTheOwnClientCannotSendGoThroughLibcurl) {
  LoadFixture fx;
  fx.routes().Get("/a", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("a", "text/plain");
  });
  fx.start();
  // A loopback port where nothing listens (bound, then closed): no TLS server is needed.
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(probe);
  std::string nowhere = "https://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/b";
  LoadPlan plan;
  plan.cookies = false;
  plan.concurrency = 2;
  plan.flows = 20;
  plan.http.timeout = 2s;
  LoadResult r = run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), nowhere); });
  EXPECT_EQ(r.requests, 40);
  EXPECT_EQ(r.builtin_requests, 20);
  EXPECT_EQ(r.failed_flows, 20);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors.begin()->first.find("Couldn't connect"), std::string::npos)
      << r.errors.begin()->first;
}

TEST_P(LoadGeneratorOnEachClient, DurationEndsTheRunEvenWhenTheServerHangs) {
  LoadFixture fx;
  std::atomic<bool> release{false};
  fx.routes().Get("/a", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("a", "text/plain");
  });
  fx.routes().Get("/b", [&](const httplib::Request&, httplib::Response& res) {
    for (int i = 0; i < 100 && !release; ++i)
      std::this_thread::sleep_for(20ms);
    res.set_content("b", "text/plain");
  });
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 2;
  plan.duration = 300ms;
  plan.http.timeout = 10s;
  auto started = std::chrono::steady_clock::now();
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  auto took = std::chrono::steady_clock::now() - started;
  release = true;
  EXPECT_LT(took, 1500ms); // the hanging requests are abandoned at the deadline
  EXPECT_EQ(r.flows, 0);
  EXPECT_EQ(r.requests, 2); // the two first steps; the hung second steps are not counted
  EXPECT_NEAR(r.elapsed_s, 0.3, 0.05);
  expect_client(r);
}

TEST_P(LoadGeneratorOnEachClient, TimeoutsAreFailuresNotHangs) {
  LoadFixture fx;
  std::atomic<bool> release{false};
  fx.routes().Get("/a", [&](const httplib::Request&, httplib::Response& res) {
    for (int i = 0; i < 100 && !release; ++i)
      std::this_thread::sleep_for(20ms);
    res.set_content("a", "text/plain");
  });
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 2;
  plan.flows = 2;
  plan.http.timeout = 200ms;
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  release = true;
  EXPECT_EQ(r.failed_flows, 2);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors.begin()->first.find("timed out after 200 ms"), std::string::npos)
      << r.errors.begin()->first;
  expect_client(r);
}

TEST_P(LoadGeneratorOnEachClient, StopFlagEndsTheRun) {
  LoadFixture fx;
  fx.routes().Get("/a", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("a", "text/plain");
  });
  fx.routes().Get("/b", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("b", "text/plain");
  });
  fx.start();
  std::atomic<bool> stop{false};
  LoadPlan plan = plan_for_client();
  plan.concurrency = 2;
  plan.duration = 60s;
  plan.stop = &stop;
  long made = 0;
  LoadResult r = run_load(plan, [&] {
    if (++made == 100) stop = true; // as a signal handler would
    return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b"));
  });
  EXPECT_GE(r.flows, 90);
  EXPECT_LT(r.elapsed_s, 30);
  expect_client(r);
}

TEST_P(LoadGeneratorOnEachClient, NoMoreWorkLeavesSlotsIdle) {
  LoadFixture fx;
  fx.routes().Get("/a", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("a", "text/plain");
  });
  fx.routes().Get("/b", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("b", "text/plain");
  });
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 8;
  plan.duration = 30s;
  int left = 5;
  LoadResult r = run_load(plan, [&]() -> std::unique_ptr<LoadFlow> {
    if (left == 0) return nullptr;
    --left;
    return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b"));
  });
  EXPECT_EQ(r.flows, 5);
  EXPECT_LT(r.elapsed_s, 10); // it ended when the work did, not at the deadline
  expect_client(r);
}

TEST_P(LoadGeneratorOnEachClient, ThreadsShareTheSlotsAndTheCount) {
  LoadFixture fx;
  std::mutex mutex;
  std::set<std::string> peers; // one connection per slot, whichever thread owns it
  fx.routes().Get("/a", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    peers.insert(req.remote_addr + ":" + std::to_string(req.remote_port));
    res.set_content("a", "text/plain");
  });
  fx.routes().Get("/b", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("b", "text/plain");
  });
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 5;
  plan.threads = 2;
  plan.flows = 300;
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  EXPECT_EQ(r.flows, 300);
  EXPECT_EQ(r.requests, 600);
  EXPECT_EQ(r.latency["flow"].count(), 300u);
  EXPECT_EQ(r.latency["first"].count() + r.latency["second"].count(), 600u);
  EXPECT_LE(peers.size(), 5u); // 3 + 2 slots, each keeping its connection
  EXPECT_GT(r.generator_cpu_s, 0);
  expect_client(r);
}

TEST_P(LoadGeneratorOnEachClient, OpenLoopKeepsToItsSchedule) {
  LoadFixture fx;
  fx.routes().Get("/a", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("a", "text/plain");
  });
  fx.routes().Get("/b", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("b", "text/plain");
  });
  fx.start();
  LoadPlan plan = plan_for_client();
  plan.concurrency = 4;
  plan.threads = 2;
  plan.rate = 400;
  plan.flows = 200;
  LoadResult r =
      run_load(plan, [&] { return std::make_unique<TwoStepFlow>(fx.url("/a"), fx.url("/b")); });
  EXPECT_EQ(r.flows, 200);
  // 200 flows due one every 2.5 ms take half a second, however fast the server is.
  EXPECT_GE(r.elapsed_s, 0.49);
  expect_client(r);
}

// A server that stops answering for a second, a second after its first request: the stall
// coordinated omission hides.
struct StallingFixture : LoadFixture {
  std::atomic<std::int64_t> first_ns{0};
  StallingFixture() {
    routes().Get("/m", [this](const httplib::Request&, httplib::Response& res) {
      using namespace std::chrono;
      auto now = steady_clock::now().time_since_epoch();
      std::int64_t expected = 0;
      std::int64_t now_ns = duration_cast<nanoseconds>(now).count();
      first_ns.compare_exchange_strong(expected, now_ns);
      auto since = nanoseconds(now_ns - first_ns.load());
      if (since >= 1s && since < 2s) std::this_thread::sleep_for(2s - since);
      res.set_content("{}", "application/json");
    });
    start();
  }
};

class OneRequestFlow : public LoadFlow {
public:
  explicit OneRequestFlow(std::string url) : url_(std::move(url)) {}
  std::optional<FlowRequest> next() override {
    if (sent_) return std::nullopt;
    sent_ = true;
    return FlowRequest{"m", {"GET", url_, {}, ""}};
  }
  void on_response(const HttpResponse& r) override {
    if (r.status != 200) failure_ = r.summary();
  }
  std::optional<std::string> failure() const override { return failure_; }

private:
  std::string url_;
  bool sent_ = false;
  std::optional<std::string> failure_;
};

TEST_P(LoadGeneratorOnEachClient, OpenLoopLatencyShowsAStallThatClosedLoopHides) {
  auto run = [this](std::optional<double> rate) {
    StallingFixture fx;
    LoadPlan plan = plan_for_client();
    plan.concurrency = 4;
    plan.rate = rate;
    plan.duration = 4s;
    return run_load(plan, [&] { return std::make_unique<OneRequestFlow>(fx.url("/m")); });
  };
  LoadResult closed = run(std::nullopt);
  LoadResult open = run(200.0);
  ASSERT_GT(closed.requests, 500);
  ASSERT_GT(open.requests, 500);
  // Closed loop: only the 4 requests in flight saw the stall, and the loop just waited.
  EXPECT_LT(closed.latency["m"].percentile_ms(0.99), 300) << closed.requests;
  EXPECT_GT(closed.latency["m"].max_ms(), 800);
  // Open loop: the ~200 flows due during the stall waited for it, a quarter of all.
  EXPECT_GT(open.latency["m"].percentile_ms(0.99), 800);
  EXPECT_LT(open.latency["m"].percentile_ms(0.99), 1500);
  EXPECT_GT(open.started_late, 100);
  expect_client(closed);
  expect_client(open);
}

} // namespace
