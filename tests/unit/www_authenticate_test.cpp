#include "oauth/www_authenticate.h"

#include <gtest/gtest.h>

using conformance::parse_www_authenticate;

TEST(WwwAuthenticate, BearerWithQuotedAndTokenParams) {
  auto list = parse_www_authenticate(
      {R"(Bearer resource_metadata="https://rs.example/.well-known/oauth-protected-resource/mcp", scope="a b", error=invalid_token)"});
  ASSERT_EQ(list.challenges.size(), 1u);
  EXPECT_TRUE(list.problem.empty()) << list.problem;
  const auto& c = list.challenges[0];
  EXPECT_TRUE(c.is("bearer"));
  EXPECT_EQ(c.param("resource_metadata"),
            "https://rs.example/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(c.param("scope"), "a b");
  EXPECT_EQ(c.param("error"), "invalid_token");
}

TEST(WwwAuthenticate, SeveralChallengesInOneHeaderAndAcrossHeaders) {
  auto list = parse_www_authenticate(
      {R"(Basic realm="x", Bearer realm="y", error="invalid_token")", "Negotiate abc123=="});
  ASSERT_EQ(list.challenges.size(), 3u) << list.problem;
  EXPECT_TRUE(list.challenges[0].is("Basic"));
  EXPECT_EQ(list.challenges[0].param("realm"), "x");
  EXPECT_EQ(list.challenges[1].param("realm"), "y");
  EXPECT_EQ(list.challenges[1].param("error"), "invalid_token");
  EXPECT_EQ(list.challenges[2].token68, "abc123==");
  EXPECT_EQ(list.find("bearer"), &list.challenges[1]);
}

TEST(WwwAuthenticate, EscapesRepeatsAndBareScheme) {
  auto list = parse_www_authenticate({R"(Bearer scope="a", scope="b\"c")", "Bearer"});
  ASSERT_EQ(list.challenges.size(), 2u);
  EXPECT_EQ(list.challenges[0].count("scope"), 2u);
  EXPECT_EQ(list.challenges[0].params[1].second, "b\"c");
  EXPECT_TRUE(list.challenges[1].params.empty());
}

TEST(WwwAuthenticate, MalformedInputIsReportedNotFatal) {
  auto list = parse_www_authenticate({R"(Bearer realm="unterminated)", "=oops"});
  EXPECT_FALSE(list.problem.empty());
  auto empty = parse_www_authenticate({""});
  EXPECT_TRUE(empty.challenges.empty());
}
