// The HTTP client against peers that misbehave: it never follows redirects,
// gives up at the timeout, caps the body, and records redacted evidence.
#include "../fixture_server.h"
#include "http/http_client.h"

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <thread>

namespace {

using namespace conformance;

struct Collect : EvidenceSink {
  std::vector<Exchange> seen;
  void record(Exchange e) override { seen.push_back(std::move(e)); }
};

TEST(HttpClientUnit, DoesNotFollowRedirects) {
  FixtureServer fx;
  fx.routes().Get("/start", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/elsewhere", 302);
  });
  fx.start();
  HttpClient http;
  auto r = http.get(fx.url("/start"));
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.header("Location").value_or(""), "/elsewhere");
}

TEST(HttpClientUnit, TimesOutOnASilentServer) {
  FixtureServer fx;
  fx.routes().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("late", "text/plain");
  });
  fx.start();
  HttpClient http({std::chrono::milliseconds(200), 1024});
  auto r = http.get(fx.url("/slow"));
  EXPECT_FALSE(r.answered());
  EXPECT_NE(r.transport_error.find("timed out"), std::string::npos) << r.transport_error;
}

TEST(HttpClientUnit, CapsTheBody) {
  FixtureServer fx;
  fx.routes().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(200'000, 'x'), "text/plain");
  });
  fx.start();
  HttpClient http({std::chrono::milliseconds(5000), 10'000});
  auto r = http.get(fx.url("/big"));
  EXPECT_TRUE(r.body_truncated);
  EXPECT_LE(r.body.size(), 10'000u);
  EXPECT_NE(r.transport_error.find("cap"), std::string::npos);
}

// Headers count against the response cap, and have a cap of their own: a server that sends
// thousands of them is cut off, not buffered.
TEST(HttpClientUnit, CapsTheHeaders) {
  FixtureServer fx;
  fx.routes().Get("/many", [](const httplib::Request&, httplib::Response& res) {
    for (int i = 0; i < 2000; ++i)
      res.headers.emplace("X-Pad-" + std::to_string(i), std::string(60, 'p'));
    res.set_content("ok", "text/plain");
  });
  fx.start();
  HttpClient http;
  auto r = http.get(fx.url("/many"));
  EXPECT_NE(r.transport_error.find("response headers exceed the 65536-byte cap"),
            std::string::npos)
      << r.transport_error;
  EXPECT_LE(r.headers.size(), 1100u);
  HttpOptions small;
  small.max_body_bytes = 4000; // headers and body together
  HttpClient tight(small);
  EXPECT_NE(tight.get(fx.url("/many")).transport_error.find("4000-byte cap"), std::string::npos);
}

// The redirect guard: a host that is not allowed is not connected to at a loopback address
// unless an allowed host was reached at one; the server never sees the refused request.
TEST(HttpClientUnit, GuardRefusesInternalAddressesOfHostsNotAllowed) {
  FixtureServer fx;
  std::atomic<int> hits{0};
  fx.routes().Get("/internal", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.set_content("internal", "text/plain");
  });
  fx.start();
  HttpOptions guarded;
  guarded.guard_addresses = true;
  guarded.allowed_hosts = {"allowed.example"}; // never reached
  HttpClient http(guarded);
  HttpResponse refused = http.get(fx.url("/internal"));
  EXPECT_TRUE(refused.address_refused);
  EXPECT_NE(refused.transport_error.find("not connected to 127.0.0.1 at 127.0.0.1 (loopback)"),
            std::string::npos)
      << refused.transport_error;
  EXPECT_NE(refused.transport_error.find("--allow-host 127.0.0.1"), std::string::npos);
  EXPECT_EQ(hits, 0);
  // Allowed by name, and then others of the same kind: a server on loopback may send the
  // browser to loopback.
  guarded.allowed_hosts = {"127.0.0.1"};
  HttpClient allowing(guarded);
  EXPECT_EQ(allowing.get(fx.url("/internal")).status, 200);
  std::string by_other_name = "http://localhost:" + fx.url().substr(fx.url().rfind(':') + 1);
  EXPECT_EQ(allowing.get(by_other_name + "/internal").status, 200);
  EXPECT_EQ(hits, 2);
}

TEST(HttpClientUnit, RefusedConnectionIsAResultNotACrash) {
  HttpClient http({std::chrono::milliseconds(2000), 1024});
  auto r = http.get("http://127.0.0.1:1/");
  EXPECT_FALSE(r.answered());
  EXPECT_FALSE(r.transport_error.empty());
}

TEST(HttpClientUnit, RecordsRedactedEvidence) {
  FixtureServer fx;
  fx.routes().Post("/token", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"access_token":"very-secret-access-token","token_type":"Bearer"})",
                    "application/json");
  });
  fx.start();
  Collect sink;
  set_evidence_sink(&sink);
  HttpClient http;
  auto r = http.post_form(fx.url("/token"),
                          {{"grant_type", "authorization_code"}, {"code", "the-secret-code"}},
                          {{"Authorization", "Basic Y2xpZW50OnNlY3JldA=="}});
  set_evidence_sink(nullptr);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("very-secret-access-token"),
            std::string::npos); // checks see the real value
  ASSERT_EQ(sink.seen.size(), 1u);
  const Exchange& e = sink.seen[0];
  EXPECT_EQ(e.response_body.find("very-secret-access-token"), std::string::npos);
  EXPECT_EQ(e.request_body.find("the-secret-code"), std::string::npos);
  EXPECT_NE(e.request_body.find("grant_type=authorization_code"), std::string::npos);
  for (const auto& [n, v] : e.request_headers)
    EXPECT_EQ(v.find("Y2xpZW50"), std::string::npos);
}

} // namespace

namespace {

// A rate limit is waited out once when the server asks for a short wait, and a long one ends
// the request at once with HttpGiveUp naming the limit.
TEST(HttpClientDeployment, RateLimitsAreWaitedOutOrGivenUpOn) {
  FixtureServer fx;
  std::atomic<int> calls{0};
  fx.routes().Get("/short", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ % 2 == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    res.set_content("{}", "application/json");
  });
  fx.routes().Get("/long", [](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "3600");
  });
  fx.start();
  long before = rate_limited_responses();
  HttpClient http;
  auto started = std::chrono::steady_clock::now();
  HttpResponse ok = http.get(fx.url("/short"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
  started = std::chrono::steady_clock::now();
  try {
    http.get(fx.url("/long"));
    ADD_FAILURE() << "a 3600 s Retry-After was waited for";
  } catch (const HttpGiveUp& e) {
    EXPECT_NE(std::string(e.what()).find("Retry-After: 3600"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(rate_limited_responses() - before, 2);
}

// The RateLimit field's reset (t=) says how long to wait when Retry-After is absent; a 503 with
// Retry-After is a rate limit too, while a bare 503 is the server's answer and is returned.
TEST(HttpClientDeployment, RateLimitFieldsAndUnavailableAreUnderstood) {
  FixtureServer fx;
  std::atomic<int> calls{0};
  fx.routes().Get("/fields", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 429;
      res.set_header("RateLimit", "\"default\";r=0;t=1");
      return;
    }
    res.set_content("{}", "application/json");
  });
  fx.routes().Get("/busy", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_header("Retry-After", "3600");
  });
  fx.routes().Get("/down", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
  });
  fx.start();
  long before = rate_limited_responses();
  HttpClient http;
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(http.get(fx.url("/fields")).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
  EXPECT_EQ(calls.load(), 2);
  EXPECT_THROW(http.get(fx.url("/busy")), HttpGiveUp);
  EXPECT_EQ(rate_limited_responses() - before, 2);
  EXPECT_EQ(http.get(fx.url("/down")).status, 503);
  EXPECT_EQ(rate_limited_responses() - before, 2);
}

// Two requests in a row without an answer: the server is given up on, and later requests fail
// at once. Other origins are not affected, and get none of the operator's headers.
TEST(HttpClientDeployment, StoppedServerIsGivenUpOnAndHeadersStayWithTheServers) {
  FixtureServer other;
  std::string seen_key = "unset";
  other.routes().Get("/", [&](const httplib::Request& req, httplib::Response& res) {
    seen_key = req.get_header_value("X-Gateway-Key");
    res.set_content("ok", "text/plain");
  });
  other.start();
  FixtureServer tested;
  std::string tested_key;
  tested.routes().Get("/", [&](const httplib::Request& req, httplib::Response& res) {
    tested_key = req.get_header_value("X-Gateway-Key");
    res.set_content("ok", "text/plain");
  });
  tested.start();
  HttpOptions options;
  options.server_origins = {tested.url()};
  options.extra_headers = {{"X-Gateway-Key", "k-123"}};
  options.give_up_after_failures = 2;
  options.timeout = std::chrono::milliseconds(2000);
  HttpClient http(options);
  EXPECT_EQ(http.get(tested.url("/")).status, 200);
  EXPECT_EQ(tested_key, "k-123");
  EXPECT_EQ(http.get(other.url("/")).status, 200);
  EXPECT_EQ(seen_key, ""); // not a server under test: no gateway header
  std::string dead = tested.url("/");
  tested.stop();
  HttpResponse first = http.get(dead); // refused: one failure, still an answer to judge
  EXPECT_FALSE(first.answered());
  EXPECT_THROW(http.get(dead), HttpGiveUp); // the second gives up
  auto started = std::chrono::steady_clock::now();
  try {
    http.get(dead);
    ADD_FAILURE() << "no HttpGiveUp";
  } catch (const HttpGiveUp& e) {
    EXPECT_NE(std::string(e.what()).find("stopped answering"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
  EXPECT_EQ(http.get(other.url("/")).status, 200);
}

// One request that goes unanswered (here: too slow) while the server still answers the probe
// GET is that request's own result, and the run goes on; once the probe fails too, the server
// is given up on, with both failures named.
TEST(HttpClientDeployment, OneDroppedRequestIsNotAStoppedServer) {
  FixtureServer fx;
  fx.routes().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  fx.routes().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("late", "text/plain");
  });
  fx.start();
  HttpOptions options;
  options.server_origins = {fx.url()};
  options.give_up_after_failures = 1;
  options.timeout = std::chrono::milliseconds(500);
  HttpClient http(options);
  EXPECT_EQ(http.get(fx.url("/")).status, 200);
  HttpResponse slow = http.get(fx.url("/slow"));
  EXPECT_FALSE(slow.answered());
  EXPECT_EQ(http.get(fx.url("/")).status, 200);
  fx.stop();
  try {
    http.get(fx.url("/slow"));
    ADD_FAILURE() << "no HttpGiveUp";
  } catch (const HttpGiveUp& e) {
    EXPECT_NE(std::string(e.what()).find("went unanswered too"), std::string::npos) << e.what();
  }
}

} // namespace
