// The token endpoint's success body: the direct concatenation used for plain values gives the
// same bytes nlohmann would, under every combination of the faults that shape it, and values
// JSON must escape still come out as valid JSON.
#include "token_endpoint.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using namespace refserver;

std::string reference_body(const ServerOptions& options, const TokenResponseFields& f) {
  nlohmann::ordered_json body;
  body["access_token"] = f.access_token;
  body["token_type"] = options.has(Fault::TokenTypeLowercase) ? "bearer" : "Bearer";
  if (options.has(Fault::ExpiresInString))
    body["expires_in"] = std::to_string(f.expires_in.count());
  else
    body["expires_in"] = f.expires_in.count();
  if (f.refresh_token) body["refresh_token"] = *f.refresh_token;
  if (!options.has(Fault::ScopeNarrowedSilently)) body["scope"] = f.scope;
  return body.dump();
}

TEST(ReferenceTokenResponse, PlainBodyEqualsTheJsonLibrarysUnderEveryFaultCombination) {
  const std::vector<Fault> shaping = {Fault::TokenTypeLowercase, Fault::ExpiresInString,
                                      Fault::ScopeNarrowedSilently};
  for (int mask = 0; mask < 8; ++mask) {
    ServerOptions options;
    for (int bit = 0; bit < 3; ++bit)
      if (mask & (1 << bit)) options.faults.insert(shaping[bit]);
    for (bool with_refresh : {false, true}) {
      TokenResponseFields f{.access_token = "aT0-_kenVALUE",
                            .expires_in = std::chrono::seconds(3600),
                            .scope = "mcp:tools offline_access"};
      if (with_refresh) f.refresh_token = "rEfResh-_123";
      EXPECT_EQ(token_response_body(options, f), reference_body(options, f))
          << "faults mask " << mask << (with_refresh ? " with refresh" : "");
    }
  }
}

TEST(ReferenceTokenResponse, ValuesJsonMustEscapeStayValid) {
  ServerOptions options;
  TokenResponseFields f{.access_token = "a\"b\\c",
                        .expires_in = std::chrono::seconds(60),
                        .refresh_token = std::string_view("line\nbreak"),
                        .scope = "caf\xC3\xA9"};
  std::string body = token_response_body(options, f);
  EXPECT_EQ(body, reference_body(options, f));
  auto doc = nlohmann::json::parse(body);
  EXPECT_EQ(doc["access_token"], "a\"b\\c");
  EXPECT_EQ(doc["refresh_token"], "line\nbreak");
}

} // namespace
