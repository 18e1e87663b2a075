#include "under_test/token_flows.h"

#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/scope.h"

#include <algorithm>

namespace conformance {

Tokens tokens_from(const TestClient& client, const HttpResponse& response, std::string_view what) {
  nlohmann::json body = require_token_success(response, what);
  Tokens t;
  t.client = client;
  t.response = response;
  t.body = body;
  if (!body.contains("access_token") || !body["access_token"].is_string())
    cannot_run(std::string(what) + " returned no access_token string");
  t.access_token = body["access_token"].get<std::string>();
  if (body.contains("refresh_token") && body["refresh_token"].is_string())
    t.refresh_token = body["refresh_token"].get<std::string>();
  if (body.contains("scope") && body["scope"].is_string())
    t.scope = body["scope"].get<std::string>();
  if (body.contains("token_type") && body["token_type"].is_string())
    t.token_type = body["token_type"].get<std::string>();
  return t;
}

TokenAttempt attempt_tokens(const TestClient& client, const FlowShape& shape) {
  TokenAttempt out;
  out.grant = attempt_code(client, Pkce::fresh(), shape);
  if (out.grant.code.empty()) {
    out.failure = "the authorization gave no code: " + out.grant.authorization.describe();
    return out;
  }
  out.token_response = redeem(out.grant);
  auto doc = out.token_response.json();
  if (out.token_response.status != 200 || !doc || !doc->is_object() ||
      !(*doc)["access_token"].is_string()) {
    out.failure = "the token request got " + quote(out.token_response);
    return out;
  }
  out.tokens = tokens_from(client, out.token_response, "the code exchange");
  out.tokens->resources = out.grant.resources;
  return out;
}

Tokens obtain_tokens(const TestClient& client, const FlowShape& shape) {
  CodeGrant grant = obtain_code(client, Pkce::fresh(), shape);
  Tokens t = tokens_from(client, redeem(grant), "the code exchange");
  t.resources = grant.resources;
  return t;
}

Tokens obtain_tokens_with_refresh(const TestClient& client, const FlowShape& shape) {
  Tokens t = obtain_tokens(client, shape);
  if (!t.refresh_token)
    skip_check("the server issued no refresh token to a client registered for the "
               "refresh_token grant");
  return t;
}

HttpResponse send_refresh(const TestClient& client, const std::string& refresh_token,
                          oauth::Params extra) {
  oauth::Params form{{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
  form.insert(form.end(), extra.begin(), extra.end());
  return send_token_request(client, std::move(form));
}

} // namespace conformance
