// TOKEN: the token endpoint's success responses and its refusals of bad grants
// (OAuth 2.1 draft-13 §3.2; RFC 6749 §5).
#include "base64url.h"
#include "check.h"
#include "target.h"
#include "text.h"
#include "verifiers.h"

#include <sstream>

namespace conformance {
namespace {

// One complete code flow for the public client, returning the token response.
HttpResponse fresh_token_response() { return redeem(obtain_code(target().client("public"))); }

bool has_directive(const std::string& header_value, std::string_view directive) {
  std::stringstream ss(header_value);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b == std::string::npos) continue;
    std::string token = item.substr(b, e - b + 1);
    if (oauth::iequals(token.substr(0, token.find('=')), directive)) return true;
  }
  return false;
}

} // namespace

CONFORMANCE_CHECK(Token, CodeExchangeReturnsJsonToken, "TOKEN-02") {
  HttpResponse r = fresh_token_response();
  auto doc = expect_token_success(r, "TOKEN-02", "a well-formed code exchange");
  if (!doc) return;
  std::vector<std::string> problems;
  if (r.media_type() != "application/json") problems.push_back("media type '" + r.media_type() + "'");
  if (!(*doc)["access_token"].is_string()) problems.push_back("access_token is not a string");
  if (!doc->contains("token_type") || !(*doc)["token_type"].is_string()) problems.push_back("no string token_type");
  if (problems.empty()) pass("TOKEN-02", "200 application/json with access_token and token_type");
  else violation("TOKEN-02", "token response has " + join(problems, "; "));
}

CONFORMANCE_CHECK(Token, ResponseIsNotCacheable, "TOKEN-03") {
  HttpResponse r = fresh_token_response();
  require_token_success(r, "the code exchange");
  std::string cache_control;
  for (const auto& v : r.headers_named("cache-control")) cache_control += (cache_control.empty() ? "" : ", ") + v;
  if (has_directive(cache_control, "no-store")) pass("TOKEN-03", "Cache-Control: " + cache_control);
  else
    violation("TOKEN-03", "a response carrying tokens lacks Cache-Control: no-store (got " +
                              (cache_control.empty() ? std::string("no Cache-Control") : "'" + cache_control + "'") + ")");
  auto pragma = r.header("pragma");
  if (!pragma || !has_directive(*pragma, "no-cache"))
    note("TOKEN-03", "no Pragma: no-cache (RFC 6749 §5.1 asked for it; OAuth 2.1 dropped it)");
}

CONFORMANCE_CHECK(Token, TokenTypeIsBearer, "TOKEN-04") {
  auto doc = require_token_success(fresh_token_response(), "the code exchange");
  if (!doc.contains("token_type") || !doc["token_type"].is_string()) {
    violation("TOKEN-04", "token_type is missing or not a string");
    return;
  }
  std::string type = doc["token_type"].get<std::string>();
  std::string folded = oauth::ascii_lower(type);
  if (type == "Bearer" || type == "DPoP") pass("TOKEN-04", "token_type is \"" + type + "\"");
  else if (folded == "bearer" || folded == "dpop")
    violation("TOKEN-04", "token_type is \"" + type + "\": valid case-insensitively, but clients that compare "
                          "exactly (several MCP SDKs did) reject it; send \"Bearer\"", Level::Should);
  else violation("TOKEN-04", "token_type \"" + type + "\" is not a known type (Bearer or DPoP)");
}

CONFORMANCE_CHECK(Token, ExpiresInIsNumber, "TOKEN-05") {
  auto doc = require_token_success(fresh_token_response(), "the code exchange");
  if (!doc.contains("expires_in")) {
    violation("TOKEN-05", "expires_in is absent (RECOMMENDED)", Level::Should);
    return;
  }
  const auto& e = doc["expires_in"];
  if (e.is_number_integer() && e.get<long long>() >= 0) pass("TOKEN-05", "expires_in is " + e.dump());
  else if (e.is_number()) pass("TOKEN-05", "expires_in is the number " + e.dump());
  else violation("TOKEN-05", "expires_in must be a JSON number of seconds, got " + e.dump(), Level::Must);
}

CONFORMANCE_CHECK(Token, UnknownGrantTypeIsUnsupported, "TOKEN-09") {
  HttpResponse r = send_token_request(target().client("public"), {{"grant_type", "urn:harness:none"}});
  expect_token_error(r, "TOKEN-09", {"unsupported_grant_type"}, "grant_type=urn:harness:none");
}

CONFORMANCE_CHECK(Token, MissingGrantTypeIsInvalidRequest, "TOKEN-09") {
  HttpResponse r = send_token_request(target().client("public"), {{"code", oauth::random_base64url(32)}});
  expect_token_error(r, "TOKEN-09", {"invalid_request"}, "a token request without grant_type");
}

CONFORMANCE_CHECK(Token, GarbageCodeIsInvalidGrant, "TOKEN-15") {
  const TestClient& client = target().client("public");
  HttpResponse r = send_token_request(
      client, code_grant(oauth::random_base64url(32), client.redirect_uri, Pkce::fresh().verifier));
  expect_token_error(r, "TOKEN-15", {"invalid_grant"}, "a code the server never issued");
}

CONFORMANCE_CHECK(Token, TamperedCodeIsInvalidGrant, "TOKEN-15") {
  CodeGrant grant = obtain_code(target().client("public"));
  std::string tampered = grant.code;
  size_t middle = tampered.size() / 2;
  tampered[middle] = tampered[middle] == 'A' ? 'B' : 'A';
  HttpResponse r = send_token_request(grant.client, code_grant(tampered, grant.request.redirect_uri, grant.pkce.verifier));
  expect_token_error(r, "TOKEN-15", {"invalid_grant"}, "a real code with one character changed");
}

CONFORMANCE_CHECK(Token, GarbageRefreshTokenIsInvalidGrant, "TOKEN-15") {
  const auto& doc = target().metadata();
  auto grants = doc.find("grant_types_supported");
  if (grants != doc.end() && grants->is_array() &&
      std::find(grants->begin(), grants->end(), "refresh_token") == grants->end())
    skip_check("grant_types_supported does not list refresh_token");
  HttpResponse r = send_token_request(target().client("public"),
                                      {{"grant_type", "refresh_token"}, {"refresh_token", oauth::random_base64url(32)}});
  expect_token_error(r, "TOKEN-15", {"invalid_grant"}, "a refresh token the server never issued");
}

} // namespace conformance
