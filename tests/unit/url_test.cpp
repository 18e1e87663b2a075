// URL and form helpers: parsing without normalisation, resolution, form round trips.
#include "core/url.h"

#include <gtest/gtest.h>

namespace {

TEST(UrlUnit, ParsesWithoutNormalisingThePath) {
  auto p = oauth::parse_url("https://Harness.Example:8443/cb/../cb?x=1#frag");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->scheme, "https");
  EXPECT_EQ(p->port, "8443");
  EXPECT_EQ(p->path, "/cb/../cb");
  EXPECT_EQ(p->query, "x=1");
  EXPECT_EQ(p->fragment, "frag");
  EXPECT_FALSE(oauth::parse_url("not a url").has_value());
}

TEST(UrlUnit, ResolvesRelativeLocations) {
  EXPECT_EQ(oauth::resolve_url("http://127.0.0.1:8080/a/b?q=1", "/login?x=2").value(),
            "http://127.0.0.1:8080/login?x=2");
  EXPECT_EQ(oauth::resolve_url("http://127.0.0.1:8080/a/b", "c").value(),
            "http://127.0.0.1:8080/a/c");
  EXPECT_EQ(oauth::resolve_url("http://127.0.0.1:8080/a", "https://other.example/x").value(),
            "https://other.example/x");
}

TEST(UrlUnit, FormRoundTripKeepsDuplicatesAndReservedCharacters) {
  oauth::Params params{
      {"state", "a+b/c=d%20e"}, {"state", "two"}, {"empty", ""}, {"sp ace", "x y"}};
  std::string encoded = oauth::form_encode(params);
  EXPECT_EQ(oauth::parse_form(encoded), params);
  EXPECT_EQ(oauth::count_param(params, "state"), 2u);
  EXPECT_EQ(oauth::first_param(params, "state").value(), "a+b/c=d%20e");
  // '+' is a space in form encoding.
  EXPECT_EQ(oauth::parse_form("a=x+y").at(0).second, "x y");
}

TEST(UrlUnit, AppendQueryKeepsExistingQueryAndFragment) {
  EXPECT_EQ(oauth::append_query("https://h/cb", {{"code", "c"}}), "https://h/cb?code=c");
  EXPECT_EQ(oauth::append_query("https://h/cb?tenant=a", {{"code", "c"}}),
            "https://h/cb?tenant=a&code=c");
  EXPECT_EQ(oauth::append_query("https://h/cb#f", {{"code", "c"}}), "https://h/cb?code=c#f");
}

// Found by the url fuzz target: a query that ends in '?' is not an empty query.
TEST(UrlUnit, AppendQuerySeparatesFromAQueryEndingInQuestionMark) {
  EXPECT_EQ(oauth::append_query("https://h/cb?", {{"code", "c"}}), "https://h/cb?code=c");
  EXPECT_EQ(oauth::append_query("https://h/cb?a&", {{"code", "c"}}), "https://h/cb?a&code=c");
  EXPECT_EQ(oauth::append_query("https://h/cb?a?", {{"code", "c"}}), "https://h/cb?a?&code=c");
}

TEST(UrlUnit, LoopbackHosts) {
  EXPECT_TRUE(oauth::is_loopback_ip("127.0.0.1"));
  EXPECT_TRUE(oauth::is_loopback_ip("127.1.2.3"));
  EXPECT_TRUE(oauth::is_loopback_ip("[::1]"));
  EXPECT_FALSE(oauth::is_loopback_ip("localhost"));
  EXPECT_FALSE(oauth::is_loopback_ip("127.0.0.1.evil.test"));
  EXPECT_TRUE(oauth::is_loopback_host("localhost"));
  EXPECT_FALSE(oauth::is_loopback_host("128.0.0.1"));
}

} // namespace
