// JSON from the network is refused past a nesting depth, before anything recurses over it.
#include "core/bounded_json.h"
#include "http/http_client.h"

#include <gtest/gtest.h>

namespace {

std::string nested(int levels, const char* open = "[", const char* close = "]") {
  std::string text;
  for (int i = 0; i < levels; ++i)
    text += open;
  text += "1";
  for (int i = 0; i < levels; ++i)
    text += close;
  return text;
}

TEST(BoundedJson, CountsNestingLexically) {
  EXPECT_EQ(oauth::json_nesting_depth("{}"), 1);
  EXPECT_EQ(oauth::json_nesting_depth(R"({"a":[{"b":"[[[["}]})"), 3); // brackets in strings
  EXPECT_EQ(oauth::json_nesting_depth(R"({"a":"\"[[["})"), 1);        // an escaped quote
  EXPECT_EQ(oauth::json_nesting_depth(nested(5000), 128), 129);       // stops past the limit
}

TEST(BoundedJson, RefusesDeepDocumentsAndKeepsShallowOnes) {
  EXPECT_FALSE(oauth::parse_bounded_json(nested(oauth::kMaxJsonDepth)).is_discarded());
  EXPECT_TRUE(oauth::parse_bounded_json(nested(oauth::kMaxJsonDepth + 1)).is_discarded());
  // 5,000 levels of a metadata member (10 KB): refused, and said so where a reader looks.
  conformance::HttpResponse response;
  response.status = 200;
  response.headers = {{"content-type", "application/json"}};
  response.body = R"({"issuer":"x","deep":)" + nested(5000, "{\"a\":", "}") + "}";
  EXPECT_FALSE(response.json());
  EXPECT_NE(response.summary().find("nested deeper than 128 levels"), std::string::npos)
      << response.summary();
  response.body = R"({"issuer":"x"})";
  EXPECT_TRUE(response.json());
  EXPECT_EQ(response.summary(), "HTTP 200 application/json");
}

} // namespace
