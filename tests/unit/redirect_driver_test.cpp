// The redirect driver: follows the server's own redirects with cookies, stops at
// the redirect_uri without fetching it, and gives up on endless chains.
#include "../fixture_server.h"
#include "drivers/authorization_driver.h"

#include <gtest/gtest.h>

namespace {

using namespace conformance;
using Ending = AuthorizationResult::Ending;

TEST(RedirectDriverUnit, FollowsServerRedirectsWithCookiesToTheClient) {
  FixtureServer fx;
  fx.routes().Get("/authorize", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Set-Cookie", "sid=abc123; Path=/");
    res.set_redirect("/consent", 302);
  });
  fx.routes().Get("/consent", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Cookie").find("sid=abc123") == std::string::npos) {
      res.status = 400;
      res.set_content("no session", "text/plain");
      return;
    }
    res.set_redirect("http://127.0.0.1:9/callback?code=the-code&state=s1&iss=x", 303);
  });
  fx.start();
  HttpClient http;
  RedirectDriver driver(http);
  auto result = driver.authorize(fx.url("/authorize"), "http://127.0.0.1:9/callback");
  EXPECT_EQ(result.ending, Ending::RedirectedToClient) << result.describe();
  EXPECT_EQ(result.code().value_or(""), "the-code");
  EXPECT_EQ(result.param("state").value_or(""), "s1");
  EXPECT_EQ(result.redirect_statuses, (std::vector<int>{302, 303}));
}

TEST(RedirectDriverUnit, StopsAtAnErrorPage) {
  FixtureServer fx;
  fx.routes().Get("/authorize", [](const httplib::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content("<p>bad redirect_uri</p>", "text/html");
  });
  fx.start();
  HttpClient http;
  RedirectDriver driver(http);
  auto result = driver.authorize(fx.url("/authorize"), "https://harness.example/cb");
  EXPECT_EQ(result.ending, Ending::StoppedAtServer);
  EXPECT_FALSE(result.reached_client());
  EXPECT_EQ(result.last_response.status, 400);
}

TEST(RedirectDriverUnit, GivesUpOnEndlessChains) {
  FixtureServer fx;
  fx.routes().Get("/loop", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/loop", 302);
  });
  fx.start();
  HttpClient http;
  RedirectDriver driver(http, 5);
  auto result = driver.authorize(fx.url("/loop"), "https://harness.example/cb");
  EXPECT_EQ(result.ending, Ending::TooManySteps);
  EXPECT_EQ(result.redirect_statuses.size(), 5u);
}

TEST(RedirectDriverUnit, MatchesTheRedirectUriByOriginAndPath) {
  EXPECT_TRUE(location_reaches("https://h.example/cb?code=1", "https://h.example/cb"));
  EXPECT_TRUE(location_reaches("https://H.EXAMPLE:443/cb", "https://h.example/cb"));
  EXPECT_FALSE(location_reaches("https://h.example/cb/", "https://h.example/cb"));
  EXPECT_FALSE(location_reaches("https://h.example.evil.test/cb", "https://h.example/cb"));
  EXPECT_TRUE(same_origin("https://h.example/other", "https://h.example/cb"));
}

} // namespace
