// TOKEN: the token endpoint's success responses and its refusals of bad grants
// (OAuth 2.1 draft-13 §3.2; RFC 6749 §5).
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/base64url.h"
#include "core/text.h"
#include "under_test/target.h"

namespace conformance {
namespace {

// One complete code flow for the public client, returning the token response.
HttpResponse fresh_token_response() {
  return redeem(obtain_code(target().client(ClientRole::Public)));
}

// RFC 8414 §2: without grant_types_supported, only authorization_code (and implicit) are implied.
bool grant_advertised(std::string_view grant) {
  return target()
      .metadata_lists("grant_types_supported", grant)
      .value_or(grant == "authorization_code");
}

} // namespace

CONFORMANCE_CHECK(Token, CodeExchangeReturnsJsonToken, "TOKEN-02") {
  HttpResponse r = fresh_token_response();
  auto doc = expect_token_success(r, "TOKEN-02", "a well-formed code exchange");
  if (!doc) return;
  std::vector<std::string> problems;
  if (r.media_type() != "application/json")
    problems.push_back("media type '" + r.media_type() + "'");
  if (!(*doc)["access_token"].is_string()) problems.push_back("access_token is not a string");
  if (!doc->contains("token_type") || !(*doc)["token_type"].is_string())
    problems.push_back("no string token_type");
  if (problems.empty())
    pass("TOKEN-02", "200 application/json with access_token and token_type");
  else
    violation("TOKEN-02", "token response has " + join(problems, "; "));
}

CONFORMANCE_CHECK(Token, ResponseIsNotCacheable, "TOKEN-03") {
  HttpResponse r = fresh_token_response();
  require_token_success(r, "the code exchange");
  std::string cache_control;
  for (const auto& v : r.headers_named("cache-control"))
    cache_control += (cache_control.empty() ? "" : ", ") + v;
  if (r.has_cache_directive("no-store"))
    pass("TOKEN-03", "Cache-Control: " + cache_control);
  else
    violation("TOKEN-03", "a response carrying tokens lacks Cache-Control: no-store (got " +
                              (cache_control.empty() ? std::string("no Cache-Control")
                                                     : "'" + cache_control + "'") +
                              ")");
  auto pragma = r.header("pragma");
  if (!pragma || oauth::ascii_lower(*pragma).find("no-cache") == std::string::npos)
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
  if (type == "Bearer" || type == "DPoP")
    pass("TOKEN-04", "token_type is \"" + type + "\"");
  else if (folded == "bearer" || folded == "dpop")
    violation("TOKEN-04",
              "token_type is \"" + type +
                  "\": valid case-insensitively, but clients that compare "
                  "exactly (several MCP SDKs did) reject it; send \"Bearer\"",
              Level::Should);
  else
    violation("TOKEN-04", "token_type \"" + type + "\" is not a known type (Bearer or DPoP)");
}

CONFORMANCE_CHECK(Token, ExpiresInIsNumber, "TOKEN-05") {
  auto doc = require_token_success(fresh_token_response(), "the code exchange");
  if (!doc.contains("expires_in")) {
    violation("TOKEN-05", "expires_in is absent (RECOMMENDED)", Level::Should);
    return;
  }
  const auto& e = doc["expires_in"];
  if (e.is_number_integer() && e.get<long long>() >= 0)
    pass("TOKEN-05", "expires_in is " + e.dump());
  else if (e.is_number())
    pass("TOKEN-05", "expires_in is the number " + e.dump());
  else
    violation("TOKEN-05", "expires_in must be a JSON number of seconds, got " + e.dump(),
              Level::Must);
}

CONFORMANCE_CHECK(Token, UnknownGrantTypeIsUnsupported, "TOKEN-09") {
  HttpResponse r =
      send_token_request(target().client(ClientRole::Public), {{"grant_type", "urn:harness:none"}});
  expect_token_error(r, "TOKEN-09", {"unsupported_grant_type"}, "grant_type=urn:harness:none");
}

CONFORMANCE_CHECK(Token, MissingGrantTypeIsInvalidRequest, "TOKEN-09") {
  HttpResponse r = send_token_request(target().client(ClientRole::Public),
                                      {{"code", oauth::random_base64url(32)}});
  expect_token_error(r, "TOKEN-09", {"invalid_request"}, "a token request without grant_type");
}

CONFORMANCE_CHECK(Token, GarbageCodeIsInvalidGrant, "TOKEN-15") {
  const TestClient& client = target().client(ClientRole::Public);
  HttpResponse r = send_token_request(
      client, code_grant(oauth::random_base64url(32), client.redirect_uri, Pkce::fresh().verifier));
  expect_token_error(r, "TOKEN-15", {"invalid_grant"}, "a code the server never issued");
}

CONFORMANCE_CHECK(Token, TamperedCodeIsInvalidGrant, "TOKEN-15") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  std::string tampered = grant.code;
  size_t middle = tampered.size() / 2;
  tampered[middle] = tampered[middle] == 'A' ? 'B' : 'A';
  HttpResponse r = send_token_request(
      grant.client, code_grant(tampered, grant.request.redirect_uri, grant.pkce.verifier));
  expect_token_error(r, "TOKEN-15", {"invalid_grant"}, "a real code with one character changed");
}

CONFORMANCE_CHECK(Token, GarbageRefreshTokenIsInvalidGrant, "TOKEN-15") {
  if (target().metadata_lists("grant_types_supported", "refresh_token") == false)
    skip_check("grant_types_supported does not list refresh_token");
  HttpResponse r = send_token_request(
      target().client(ClientRole::Public),
      {{"grant_type", "refresh_token"}, {"refresh_token", oauth::random_base64url(32)}});
  expect_token_error(r, "TOKEN-15", {"invalid_grant"}, "a refresh token the server never issued");
}

CONFORMANCE_CHECK(Token, GetIsNotATokenRequest, "TOKEN-01") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  oauth::Params form = code_grant(grant.code, grant.request.redirect_uri, grant.pkce.verifier);
  form.emplace_back("client_id", grant.client.client_id);
  std::string endpoint = target().require_endpoint("token_endpoint");
  HttpResponse r = target().http().get(oauth::append_query(endpoint, form));
  auto doc = r.json();
  if (r.status / 100 == 2 && doc && doc->contains("access_token"))
    violation("TOKEN-01", "a GET with the grant in the query string was answered with tokens");
  else if (r.status >= 400 && r.status < 500)
    pass("TOKEN-01", "GET is refused: HTTP " + std::to_string(r.status));
  else
    violation("TOKEN-01", "expected a 4xx for a GET token request; got " + quote(r),
              Comparison{"HTTP 4xx", quote(r)});
  CodeGrant second = obtain_code(target().client(ClientRole::Public));
  nlohmann::json body = {{"grant_type", "authorization_code"},
                         {"code", second.code},
                         {"redirect_uri", *second.request.redirect_uri},
                         {"code_verifier", second.pkce.verifier},
                         {"client_id", second.client.client_id}};
  HttpResponse json_post = target().http().post_json(endpoint, body);
  note("TOKEN-01", "a POST with a JSON body got " + json_post.summary());
}

CONFORMANCE_CHECK(Token, GrantedScopeIsReported, "TOKEN-06") {
  const TestClient& client = target().client(ClientRole::Public);
  Pkce pkce = Pkce::fresh();
  AuthorizationRequest request = authorization_request(client, pkce);
  request.scope = "harness_nonexistent";
  AuthorizationResult result = authorize(request, client.redirect_uri);
  if (!result.code()) {
    require_server_answer(result, "a request for an unknown scope");
    pass("TOKEN-06", "a request for an unknown scope was refused (" + result.describe() +
                         "), so no grant differs");
    return;
  }
  auto doc = require_token_success(
      send_token_request(client, code_grant(*result.code(), request.redirect_uri, pkce.verifier)),
      "the code exchange");
  if (doc.contains("scope") && doc["scope"].is_string())
    pass("TOKEN-06",
         "the token response states the granted scope \"" + doc["scope"].get<std::string>() + "\"");
  else
    violation("TOKEN-06",
              "the unknown scope harness_nonexistent was requested and the token response has no "
              "scope member, so it claims exactly that scope was granted");
}

CONFORMANCE_CHECK(Token, UnknownParameterIsIgnored, "TOKEN-07") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  oauth::Params form = code_grant(grant.code, grant.request.redirect_uri, grant.pkce.verifier);
  form.emplace_back("harness_x", "1");
  if (expect_token_success(send_token_request(grant.client, form), "TOKEN-07",
                           "a code exchange with harness_x=1"))
    pass("TOKEN-07", "harness_x=1 was ignored");
}

CONFORMANCE_CHECK(Token, RepeatedParametersAreRefused, "TOKEN-08") {
  for (const char* repeated : {"grant_type", "code"}) {
    CodeGrant grant = obtain_code(target().client(ClientRole::Public));
    oauth::Params form = code_grant(grant.code, grant.request.redirect_uri, grant.pkce.verifier);
    form.emplace_back(repeated,
                      std::string(repeated) == "code" ? grant.code : "authorization_code");
    expect_token_error(send_token_request(grant.client, form), "TOKEN-08", {"invalid_request"},
                       std::string(repeated) + " sent twice");
  }
}

CONFORMANCE_CHECK(Token, PasswordGrantIsRefused, "TOKEN-10") {
  HttpResponse r =
      send_token_request(target().client(ClientRole::Public),
                         {{"grant_type", "password"}, {"username", "u"}, {"password", "p"}});
  expect_token_error(r, "TOKEN-10", {"unsupported_grant_type", "unauthorized_client"},
                     "grant_type=password (removed in OAuth 2.1)");
}

CONFORMANCE_CHECK(Token, SecretInBodyAuthenticates, "TOKEN-11") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Post));
  HttpResponse r = redeem(grant);
  if (r.status == 200)
    pass("TOKEN-11", "client_secret_post authenticated the confidential client");
  else
    violation("TOKEN-11",
              "OAuth 2.1 servers must accept client credentials in the body; got " + quote(r));
}

CONFORMANCE_CHECK(Token, SecretInBasicAuthenticates, "TOKEN-11") {
  // OAuth 2.1 §2.4.1 makes the body method the mandatory one; a server that says it does not
  // take Basic is within its rights (RFC 6749 §2.3.1 required Basic).
  if (target().metadata_lists("token_endpoint_auth_methods_supported", "client_secret_basic") ==
      false) {
    note("TOKEN-11", "the metadata does not offer client_secret_basic, so HTTP Basic was not "
                     "tried (OAuth 2.1 §2.4.1 requires only the body method)");
    return;
  }
  TestClient basic = target().client(ClientRole::Basic);
  if (basic.auth != ClientAuth::SecretBasic) {
    note("TOKEN-11", "the server registered the client for " +
                         std::string(client_auth_name(basic.auth)) +
                         " although client_secret_basic was asked for, so Basic was not tried");
    return;
  }
  CodeGrant grant = obtain_code(basic);
  HttpResponse r = redeem(grant);
  if (r.status == 200)
    pass("TOKEN-11", "client_secret_basic authenticated the confidential client");
  else
    violation("TOKEN-11",
              "HTTP Basic (RFC 6749's mandatory method, the RFC 8414 default) failed: " + quote(r),
              Level::Should);
}

// Each request carries one fault, the client authentication, and an otherwise valid grant: a
// fresh code of the client named, so a server that looks at the grant first still answers the
// authentication.
CONFORMANCE_CHECK(Token, FailedClientAuthIsInvalidClient, "TOKEN-12") {
  auto with_wrong_secret = [](ClientRole role) {
    CodeGrant grant = obtain_code(target().client(role));
    grant.client.client_secret = "wrong-" + oauth::random_base64url(16);
    return redeem(grant);
  };
  TestClient basic = target().client(ClientRole::Basic);
  basic.auth = ClientAuth::SecretBasic; // Basic even where the server registered another method
  CodeGrant basic_grant = obtain_code(basic);
  basic_grant.client.client_secret = "wrong-" + oauth::random_base64url(16);
  HttpResponse r = redeem(basic_grant);
  expect_token_error(r, "TOKEN-12", {"invalid_client"}, "a wrong secret over HTTP Basic");
  if (r.status != 401)
    violation("TOKEN-12",
              "a failed Basic authentication must be 401; got " + std::to_string(r.status),
              Comparison{"HTTP 401", "HTTP " + std::to_string(r.status)});
  else if (!oauth::iequals(r.header("www-authenticate").value_or("").substr(0, 5), "basic"))
    violation("TOKEN-12",
              "the 401 for failed Basic authentication has no WWW-Authenticate: Basic challenge",
              Comparison{"WWW-Authenticate: Basic realm=...",
                         r.header("www-authenticate")
                             ? "WWW-Authenticate: " + *r.header("www-authenticate")
                             : "no WWW-Authenticate header"});
  else
    pass("TOKEN-12", "401 with WWW-Authenticate: " + r.header("www-authenticate").value_or(""));
  expect_token_error(with_wrong_secret(ClientRole::Post), "TOKEN-12", {"invalid_client"},
                     "a wrong client_secret in the body");
  // An unknown client has no grant of its own; client_credentials asks for none.
  if (grant_advertised("client_credentials")) {
    TestClient unknown;
    unknown.client_id = "harness-unknown-" + oauth::random_base64url(9);
    unknown.client_secret = "harness-secret-" + oauth::random_base64url(9);
    unknown.auth = ClientAuth::SecretPost;
    expect_token_error(send_token_request(unknown, {{"grant_type", "client_credentials"}}),
                       "TOKEN-12", {"invalid_client"}, "an unknown client_id (client_credentials)");
  }
}

CONFORMANCE_CHECK(Token, SecretNeverTravelsInUrl, "TOKEN-13") {
  const TestClient& client = target().client(ClientRole::Post);
  std::string endpoint = target().require_endpoint("token_endpoint");
  // A real code each time, so the only fault is where the secret travels: a server answering
  // with tokens took the URL secret, or both methods at once.
  auto valid_code_form = [&] {
    CodeGrant grant = obtain_code(client);
    oauth::Params form = code_grant(grant.code, grant.request.redirect_uri, grant.pkce.verifier);
    for (const std::string& resource : grant.resources)
      form.emplace_back("resource", resource);
    form.emplace_back("client_id", client.client_id);
    return form;
  };
  HttpResponse in_url = target().http().post_form(
      oauth::append_query(endpoint, {{"client_secret", client.client_secret}}), valid_code_form());
  expect_token_error(in_url, "TOKEN-13", {"invalid_client"},
                     "a client_secret only in the URL query");
  oauth::Params both = valid_code_form();
  both.emplace_back("client_secret", client.client_secret);
  HttpResponse two_methods = target().http().post_form(
      endpoint, both,
      {{"Authorization", basic_authorization(client.client_id, client.client_secret)}});
  // Either refusal keeps the rule; RFC 6749 §2.3 names no code for it.
  expect_token_error(two_methods, "TOKEN-13", {"invalid_request", "invalid_client"},
                     "HTTP Basic and a body secret together");
}

CONFORMANCE_CHECK(Token, ClientCredentialsOnlyForConfidential, "TOKEN-14") {
  const bool advertised = grant_advertised("client_credentials");
  // A server without the grant refuses it for everyone, which is the right answer too.
  std::vector<std::string> refusals = {"unauthorized_client", "invalid_client"};
  if (!advertised) refusals.push_back("unsupported_grant_type");
  HttpResponse public_attempt = send_token_request(target().public_client(), // the point
                                                   {{"grant_type", "client_credentials"}});
  expect_token_error(public_attempt, "TOKEN-14", refusals,
                     "client_credentials from a public client");
  if (!advertised) {
    note("TOKEN-14",
         "client_credentials is not advertised; the confidential side is not exercised");
    return;
  }
  // The harness's own service client, or where it cannot register, the operator's confidential
  // client (which may not be registered for this grant).
  nlohmann::json metadata = {{"client_name", "mcp-harness-service"},
                             {"grant_types", {"client_credentials"}},
                             // RFC 7591 §2: an omitted response_types means ["code"], which
                             // would demand redirect URIs this client has no use for.
                             {"response_types", nlohmann::json::array()},
                             {"token_endpoint_auth_method", "client_secret_basic"}};
  const TestClient* service =
      target().try_client_registered_as("client-credentials", metadata, ClientAuth::SecretBasic);
  const bool from_operator = service == nullptr;
  for (ClientRole role : {ClientRole::Basic, ClientRole::Post})
    if (!service) service = target().static_client(role);
  if (!service) {
    note("TOKEN-14", "no confidential client to try the grant with; the confidential side is "
                     "not exercised");
    return;
  }
  HttpResponse r = send_token_request(*service, {{"grant_type", "client_credentials"}});
  if (from_operator && r.status / 100 == 4) {
    note("TOKEN-14", "the operator's confidential client " + service->client_id +
                         " may not use client_credentials (" + quote(r, 80) +
                         "); register it for the grant to judge the confidential side");
    return;
  }
  auto token = expect_token_success(r, "TOKEN-14", "client_credentials from a confidential client");
  if (!token) return;
  if (!r.has_cache_directive("no-store"))
    violation("TOKEN-14", "the client_credentials token response lacks Cache-Control: no-store");
  else
    pass("TOKEN-14", "a confidential client got a client_credentials token, not cacheable");
}

} // namespace conformance
