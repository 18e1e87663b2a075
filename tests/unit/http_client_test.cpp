// The HTTP client against peers that misbehave: it never follows redirects,
// gives up at the timeout, caps the body, and records redacted evidence.
#include "../fixture_server.h"
#include "http/http_client.h"

#include <chrono>
#include <gtest/gtest.h>

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
