// AUTHZ: the authorization endpoint's request handling and responses (OAuth 2.1
// draft-13 §3.1, §4.1.1, §4.1.2; RFC 9207; RFC 9700 §4.12).
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/base64url.h"
#include "under_test/target.h"

namespace conformance {
namespace {

const TestClient& public_client() {
  return target().client(ClientRole::Public);
}

AuthorizationRequest well_formed() {
  return authorization_request(public_client(), Pkce::fresh());
}

AuthorizationResult run(const AuthorizationRequest& request) {
  return authorize(request, request.redirect_uri.value_or(public_client().redirect_uri));
}

// `request` with its parameters re-emitted raw, so a check can repeat or blank one.
AuthorizationResult run_params(const oauth::Params& params) {
  std::string endpoint = target().require_endpoint("authorization_endpoint");
  return target().driver().authorize(oauth::append_query(endpoint, params),
                                     public_client().redirect_uri);
}

oauth::Params with_param(oauth::Params params, const std::string& name, const std::string& value) {
  params.emplace_back(name, value);
  return params;
}

oauth::Params without_param(const oauth::Params& params, std::string_view name) {
  oauth::Params out;
  for (const auto& p : params)
    if (p.first != name) out.push_back(p);
  return out;
}

bool iss_advertised() {
  auto it = target().metadata().find("authorization_response_iss_parameter_supported");
  return it != target().metadata().end() && it->is_boolean() && it->get<bool>();
}

// A check that judges an error redirect needs one. A server that answers with its own error page
// instead is within its rights (RFC 9700 §4.11.2), so that skips; anything else is an error.
void require_error_redirect(const AuthorizationResult& result, const std::string& what) {
  if (result.reached_client() && result.error()) return;
  if (result.ending == AuthorizationResult::Ending::StoppedAtServer &&
      result.last_response.status >= 400 && result.last_response.status < 500)
    skip_check("the server answers " + what +
               " with its own error page, not an error redirect (allowed by RFC 9700 §4.11.2), "
               "so there is no error redirect to judge: " +
               result.describe());
  cannot_run("needs an error redirect, and " + what + " " + result.describe());
}

// RFC 9207: `iss` on a response must equal the metadata issuer; the metadata flag must
// match what the server actually does (META-11).
void judge_iss(const AuthorizationResult& result, const std::string& which) {
  if (which == "error") require_error_redirect(result, "response_type=harness");
  if (!result.reached_client())
    cannot_run("no " + which + " redirect to judge: " + result.describe());
  auto iss = result.param("iss");
  std::string issuer = target().issuer();
  if (iss) {
    if (*iss == issuer)
      pass("AUTHZ-10", "iss on the " + which + " redirect equals the issuer");
    else
      violation("AUTHZ-10",
                "iss '" + *iss + "' on the " + which + " redirect is not the issuer '" + issuer +
                    "'",
                Level::Must);
    if (iss_advertised())
      pass("META-11", "iss is sent and authorization_response_iss_parameter_supported is true");
    else if (target().discovery().default_endpoints)
      // RFC 9207 §3 puts the flag in the metadata; a server without any (MCP 2025-03-26's
      // default endpoints) has nowhere to set it.
      note("META-11", "iss is sent; the server publishes no metadata to advertise it in");
    else
      violation("META-11", "iss is sent but the metadata does not set "
                           "authorization_response_iss_parameter_supported");
    return;
  }
  if (iss_advertised()) {
    violation("META-11",
              "the metadata advertises iss support but the " + which + " redirect has no iss");
    violation("AUTHZ-10", "no iss on the " + which + " redirect although the server advertises it",
              Level::Must);
  } else {
    violation("AUTHZ-10", "no iss on the " + which + " redirect (RFC 9207 mix-up defence)");
  }
}

} // namespace

CONFORMANCE_CHECK(Authorization, AcceptsGet, "AUTHZ-01") {
  AuthorizationResult result = run(well_formed());
  const HttpResponse& first = result.last_response;
  if (result.code())
    pass("AUTHZ-01", "a GET authorization request " + result.describe());
  else if (result.ending == AuthorizationResult::Ending::StoppedAtServer && first.status == 200)
    pass("AUTHZ-01", "a GET authorization request shows a page (login or consent)");
  else
    violation("AUTHZ-01", "a valid GET authorization request " + result.describe());
}

CONFORMANCE_CHECK(Authorization, UnknownParameterIsIgnored, "AUTHZ-02") {
  AuthorizationRequest request = well_formed();
  request.extra = {{"harness_x", "1"}};
  AuthorizationResult result = run(request);
  if (result.code())
    pass("AUTHZ-02", "harness_x=1 was ignored and the flow completed");
  else
    violation("AUTHZ-02",
              "adding the unknown parameter harness_x=1 broke the flow: " + result.describe());
}

CONFORMANCE_CHECK(Authorization, RepeatedStateIsRefused, "AUTHZ-03") {
  oauth::Params params = with_param(well_formed().params(), "state", "second-state");
  expect_authorization_error(run_params(params), "AUTHZ-03", {"invalid_request"},
                             "state sent twice");
}

CONFORMANCE_CHECK(Authorization, RepeatedChallengeIsRefused, "AUTHZ-03") {
  oauth::Params params =
      with_param(well_formed().params(), "code_challenge", Pkce::fresh().challenge);
  expect_authorization_error(run_params(params), "AUTHZ-03", {"invalid_request"},
                             "code_challenge sent twice");
}

CONFORMANCE_CHECK(Authorization, EmptyChallengeCountsAsAbsent, "AUTHZ-04") {
  // A public client is the point: only for one must a missing challenge be refused outright.
  const TestClient& client = target().public_client();
  oauth::Params params =
      with_param(without_param(without_param(authorization_request(client, Pkce::fresh()).params(),
                                             "code_challenge"),
                               "code_challenge_method"),
                 "code_challenge", "");
  std::string endpoint = target().require_endpoint("authorization_endpoint");
  AuthorizationResult result =
      target().driver().authorize(oauth::append_query(endpoint, params), client.redirect_uri);
  expect_authorization_error(result, "AUTHZ-04", {"invalid_request"},
                             "a public client's empty code_challenge (treated as missing)");
}

CONFORMANCE_CHECK(Authorization, EmptyScopeCountsAsAbsent, "AUTHZ-04") {
  AuthorizationResult empty = run_params(with_param(well_formed().params(), "scope", ""));
  if (empty.code()) {
    pass("AUTHZ-04", "scope= behaves like no scope: the flow completed");
    return;
  }
  // A server without a default scope refuses a scope-less request (RFC 6749 §3.3); the empty
  // value must then be refused the same way, not differently.
  AuthorizationResult absent = run_params(well_formed().params());
  if (!absent.code() && absent.error() && absent.error() == empty.error())
    pass("AUTHZ-04",
         "scope= is refused exactly as a request without scope is (error=" + *absent.error() + ")");
  else
    violation("AUTHZ-04", "scope= should behave like an absent scope, but the request " +
                              empty.describe() + ", while without scope it " + absent.describe());
}

CONFORMANCE_CHECK(Authorization, MissingResponseTypeIsInvalidRequest, "AUTHZ-05") {
  AuthorizationRequest request = well_formed();
  request.response_type.reset();
  expect_authorization_error(run(request), "AUTHZ-05", {"invalid_request"},
                             "a request without response_type");
}

CONFORMANCE_CHECK(Authorization, UnknownResponseTypeIsUnsupported, "AUTHZ-05") {
  AuthorizationRequest request = well_formed();
  request.response_type = "harness";
  expect_authorization_error(run(request), "AUTHZ-05", {"unsupported_response_type"},
                             "response_type=harness");
}

CONFORMANCE_CHECK(Authorization, ImplicitGrantIsRefused, "AUTHZ-06") {
  AuthorizationRequest request = well_formed();
  request.response_type = "token";
  AuthorizationResult result = run(request);
  for (const auto& location : result.locations)
    if (location.find("access_token") != std::string::npos) {
      violation(
          "AUTHZ-06",
          "response_type=token put an access token in a redirect: the implicit grant is live");
      return;
    }
  expect_authorization_error(result, "AUTHZ-06",
                             {"unsupported_response_type", "unauthorized_client"},
                             "response_type=token (the removed implicit grant)");
}

CONFORMANCE_CHECK(Authorization, StateRoundTripsOnSuccess, "AUTHZ-07") {
  AuthorizationRequest request = well_formed();
  request.state = "a+b/c=d%20e";
  AuthorizationResult result = run(request);
  if (!result.code()) cannot_run("no code for a well-formed request: " + result.describe());
  if (!oauth::first_param(result.query, "code"))
    violation("AUTHZ-07", "the code arrived in the fragment, not in the query");
  else if (oauth::first_param(result.query, "state") != request.state)
    violation("AUTHZ-07", "state 'a+b/c=d%20e' came back as '" +
                              result.param("state").value_or("(none)") + "'");
  else
    pass("AUTHZ-07", "code in the query and state unchanged");
}

CONFORMANCE_CHECK(Authorization, StateRoundTripsOnError, "AUTHZ-07") {
  AuthorizationRequest request = well_formed();
  request.state = "a+b/c=d%20e";
  request.response_type = "harness";
  AuthorizationResult result = run(request);
  require_error_redirect(result, "response_type=harness");
  if (result.param("state") == request.state)
    pass("AUTHZ-07", "the error redirect carries the state unchanged");
  else
    violation("AUTHZ-07", "the error redirect has state '" +
                              result.param("state").value_or("(none)") +
                              "' instead of 'a+b/c=d%20e'");
}

CONFORMANCE_CHECK(Authorization, DenialGivesAccessDenied, "AUTHZ-08") {
  AuthorizationDriver& driver = target().driver();
  if (!driver.can_decline())
    skip_check("needs a driver that can decline consent, which the " + std::string(driver.name()) +
               " driver cannot (use --driver form)");
  AuthorizationRequest request = well_formed();
  std::string url = authorization_url(target().require_endpoint("authorization_endpoint"), request);
  AuthorizationResult result = driver.authorize(url, *request.redirect_uri, ConsentDecision::Deny);
  // Only a press of a deny control tests the row: a server that asks nothing (a first-party or
  // pre-approved client) or stops at its own page gives the user nothing to decline.
  if (!result.declined)
    skip_check("the driver found no control to decline with (pages: " +
               (result.pages.empty() ? std::string("none") : join(result.pages, " > ")) +
               "; the authorization " + result.describe() + ")");
  if (result.code()) {
    violation("AUTHZ-08", "the driver pressed the deny control on the consent page, yet a code "
                          "was issued");
    return;
  }
  expect_authorization_error(result, "AUTHZ-08", {"access_denied"}, "a declined consent");
  if (result.error() && result.param("state") != request.state)
    violation("AUTHZ-08", "the access_denied redirect does not carry the state unchanged");
}

CONFORMANCE_CHECK(Authorization, UnknownScopeIsRefusedOrNarrowed, "AUTHZ-09") {
  const TestClient& client = public_client();
  Pkce pkce = Pkce::fresh();
  AuthorizationRequest request = authorization_request(client, pkce);
  request.scope = "harness_nonexistent";
  AuthorizationResult result = run(request);
  if (!result.code()) {
    // access_denied is the other defined answer: the server denies what it will not grant.
    expect_authorization_error(result, "AUTHZ-09", {"invalid_scope", "access_denied"},
                               "scope=harness_nonexistent");
    return;
  }
  // Accepted: the grant must then leave the unknown scope out, and say so (RFC 6749 §3.3).
  auto doc = require_token_success(
      send_token_request(client, code_grant(*result.code(), request.redirect_uri, pkce.verifier)),
      "redeeming the code issued for scope=harness_nonexistent");
  if (!doc.contains("scope") || !doc["scope"].is_string())
    violation("AUTHZ-09",
              "scope=harness_nonexistent was accepted and the token response has no scope, "
              "which means the unknown scope was granted as requested");
  else if ((" " + doc["scope"].get<std::string>() + " ").find(" harness_nonexistent ") !=
           std::string::npos)
    violation("AUTHZ-09", "the unknown scope harness_nonexistent was granted (scope \"" +
                              doc["scope"].get<std::string>() + "\")");
  else
    pass("AUTHZ-09", "the unknown scope was dropped: granted scope \"" +
                         doc["scope"].get<std::string>() + "\"");
}

CONFORMANCE_CHECK(Authorization, IssMatchesIssuerOnSuccess, "AUTHZ-10", "META-11") {
  judge_iss(run(well_formed()), "success");
}

CONFORMANCE_CHECK(Authorization, IssMatchesIssuerOnError, "AUTHZ-10", "META-11") {
  AuthorizationRequest request = well_formed();
  request.response_type = "harness";
  judge_iss(run(request), "error");
}

CONFORMANCE_CHECK(Authorization, NoCorsOnAuthorizationEndpoint, "AUTHZ-11") {
  std::string url =
      authorization_url(target().require_endpoint("authorization_endpoint"), well_formed());
  HeaderList origin{{"Origin", "https://evil.example"}};
  HttpResponse get = target().http().get(url, origin);
  HttpResponse preflight = target().http().send(
      {"OPTIONS",
       url,
       {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}},
       ""});
  for (const HttpResponse* r : {&get, &preflight}) {
    if (auto acao = r->header("access-control-allow-origin")) {
      violation("AUTHZ-11", "the authorization endpoint answers a cross-origin request with "
                            "Access-Control-Allow-Origin: " +
                                *acao);
      return;
    }
  }
  pass("AUTHZ-11", "no Access-Control-Allow-Origin on GET or OPTIONS from another origin");
}

CONFORMANCE_CHECK(Authorization, No307AfterFormPost, "AUTHZ-12") {
  if (!target().driver().sees_pages())
    skip_check("the " + std::string(target().driver().name()) +
               " driver keeps the login pages to itself, so the redirects after its form posts "
               "cannot be seen (use --driver form)");
  AuthorizationResult result = run(well_formed());
  if (result.post_redirect_statuses.empty())
    skip_check("no login or consent form was POSTed (the " + std::string(target().driver().name()) +
               " driver went through without one)");
  for (int status : result.post_redirect_statuses) {
    // A 307 or 308 makes the browser re-send the POST, credentials included, to the client.
    if (status == 307 || status == 308)
      violation("AUTHZ-12", "a form POST was answered with " + std::to_string(status) +
                                ", which re-sends the posted credentials to the next address");
    else if (status == 303)
      pass("AUTHZ-12", "a form POST was answered with 303 See Other");
    else
      note("AUTHZ-12",
           "a form POST was answered with " + std::to_string(status) + " (303 is preferred)");
  }
}

} // namespace conformance
