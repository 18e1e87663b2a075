// Tokens as the lifecycle checks need them (RT, INTRO, REVOKE, RES, PRS): a complete code flow
// that ends in an access token and, usually, a refresh token; and refresh requests.
#pragma once

#include "under_test/target.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

struct Tokens {
  TestClient client;
  HttpResponse response;
  nlohmann::json body;
  std::string access_token;
  std::optional<std::string> refresh_token;
  std::optional<std::string> scope; // the response's scope member
  std::string token_type;
  std::vector<std::string> resources; // what the flow asked for
};

// A complete flow whose refusal is the behaviour under test: `tokens` is set on success,
// otherwise `failure` says where it stopped (the authorization or the token response).
struct TokenAttempt {
  CodeGrant grant;
  HttpResponse token_response; // empty when no code arrived
  std::optional<Tokens> tokens;
  std::string failure;
};
TokenAttempt attempt_tokens(const TestClient& client, const FlowShape& shape = {});

// Runs a complete authorization code flow for `client`; a failure at any step ends the check in
// error (a prerequisite, not the behaviour under test).
Tokens obtain_tokens(const TestClient& client, const FlowShape& shape = {});
// The same, but it also needs a refresh token: skips the check when the server issues none.
Tokens obtain_tokens_with_refresh(const TestClient& client, const FlowShape& shape = {});
// Reads a successful token response (from a code exchange or a refresh) into Tokens.
Tokens tokens_from(const TestClient& client, const HttpResponse& response, std::string_view what);

// grant_type=refresh_token with `extra` parameters (scope, resource...).
HttpResponse send_refresh(const TestClient& client, const std::string& refresh_token,
                          oauth::Params extra = {});

} // namespace conformance
