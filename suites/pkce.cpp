// PKCE: S256 support, mandatory challenges, verifier checks and method handling
// (RFC 7636; OAuth 2.1 draft-13 §4.1.1, §4.1.3; RFC 9700 §2.1.1).
#include "core/pkce.h"

#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/base64url.h"
#include "under_test/target.h"

namespace conformance {
namespace {

// RFC 7636 Appendix B: the published verifier and its S256 challenge.
constexpr const char* kAppendixBVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

void judge_s256_flow(const Pkce& pkce, const std::string& what) {
  const TestClient& client = target().client(ClientRole::Public);
  CodeGrant grant = obtain_code(client, pkce);
  if (expect_token_success(redeem(grant), "PKCE-01", what)) pass("PKCE-01", what + " was accepted");
}

} // namespace

CONFORMANCE_CHECK(Pkce, AppendixBVectorIsAccepted, "PKCE-01") {
  judge_s256_flow(Pkce::from_verifier(kAppendixBVerifier), "the RFC 7636 Appendix B verifier");
}

CONFORMANCE_CHECK(Pkce, RandomS256VerifierIsAccepted, "PKCE-01") {
  judge_s256_flow(Pkce::fresh(), "a fresh random 43-character verifier");
}

CONFORMANCE_CHECK(Pkce, MissingChallengeIsRejected, "PKCE-02") {
  const TestClient& client = target().public_client(); // a public client is the point
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.code_challenge.reset();
  expect_authorization_error(authorize(request, client.redirect_uri), "PKCE-02",
                             {"invalid_request"},
                             "a public client's request without code_challenge");
}

CONFORMANCE_CHECK(Pkce, WrongVerifierIsRejected, "PKCE-03") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  std::string other = Pkce::fresh().verifier;
  expect_token_error(
      send_token_request(grant.client, code_grant(grant.code, grant.request.redirect_uri, other)),
      "PKCE-03", {"invalid_grant"}, "a well-formed verifier that does not match the challenge");
}

CONFORMANCE_CHECK(Pkce, MissingVerifierIsRejected, "PKCE-04") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  expect_token_error(
      send_token_request(grant.client,
                         code_grant(grant.code, grant.request.redirect_uri, std::nullopt)),
      "PKCE-04", {"invalid_grant", "invalid_request"},
      "a code bound to a challenge redeemed without code_verifier");
}

CONFORMANCE_CHECK(Pkce, UnsupportedMethodIsRejected, "PKCE-05") {
  const TestClient& client = target().client(ClientRole::Public);
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.code_challenge_method = "S512";
  expect_authorization_error(authorize(request, client.redirect_uri), "PKCE-05",
                             {"invalid_request"}, "code_challenge_method=S512");
}

CONFORMANCE_CHECK(Pkce, LowercaseMethodIsRejected, "PKCE-05") {
  // Method names are case-sensitive registry values: "s256" is not S256 (RFC 7636 §6.2).
  const TestClient& client = target().client(ClientRole::Public);
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.code_challenge_method = "s256";
  AuthorizationResult result = authorize(request, client.redirect_uri);
  if (result.code())
    violation("PKCE-05", "code_challenge_method=s256 was accepted as if it were S256",
              Level::Should);
  else
    expect_authorization_error(result, "PKCE-05", {"invalid_request"},
                               "code_challenge_method=s256");
}

CONFORMANCE_CHECK(Pkce, OmittedMethodMeansPlain, "PKCE-06") {
  // The challenge C is S256(v): a server that quietly assumes S256 accepts v, not C.
  const TestClient& client = target().client(ClientRole::Public);
  Pkce pkce = Pkce::fresh();
  AuthorizationRequest request = authorization_request(client, pkce);
  request.code_challenge_method.reset();
  AuthorizationResult result = authorize(request, client.redirect_uri);
  if (!result.code()) {
    expect_authorization_error(result, "PKCE-06", {"invalid_request"},
                               "a challenge without code_challenge_method (plain, if unsupported)");
    return;
  }
  HttpResponse plain =
      send_token_request(client, code_grant(*result.code(), client.redirect_uri, pkce.challenge));
  if (plain.status == 200) {
    pass("PKCE-06",
         "the omitted method was applied as plain: the challenge itself redeemed the code");
    return;
  }
  // A fresh code: the failed attempt may have consumed the first one.
  AuthorizationResult again = authorize(request, client.redirect_uri);
  if (!again.code())
    cannot_run("a second authorization without code_challenge_method yielded no code: " +
               again.describe());
  HttpResponse s256 =
      send_token_request(client, code_grant(*again.code(), client.redirect_uri, pkce.verifier));
  if (s256.status == 200)
    violation("PKCE-06",
              "with no code_challenge_method the server silently used S256: the plain verifier "
              "was refused (" +
                  quote(plain, 80) + ") but the S256 pre-image was accepted");
  else
    violation("PKCE-06",
              "a code was issued for an implied plain challenge, but neither a plain nor an S256 "
              "verifier redeems it: plain got " +
                  quote(plain, 80));
}

CONFORMANCE_CHECK(Pkce, PlainMethodIsNotOffered, "PKCE-07") {
  const auto& doc = target().metadata();
  auto methods = doc.find("code_challenge_methods_supported");
  if (methods != doc.end() && methods->is_array() &&
      std::find(methods->begin(), methods->end(), "plain") != methods->end())
    violation("PKCE-07", "code_challenge_methods_supported advertises \"plain\"");
  const TestClient& client = target().client(ClientRole::Public);
  Pkce pkce = Pkce::fresh();
  AuthorizationRequest request = authorization_request(client, pkce);
  request.code_challenge = pkce.verifier; // plain: the challenge is the verifier
  request.code_challenge_method = "plain";
  AuthorizationResult result = authorize(request, client.redirect_uri);
  if (!result.code()) {
    require_server_answer(result, "a code_challenge_method=plain request");
    pass("PKCE-07", "code_challenge_method=plain was refused: " + result.describe());
    return;
  }
  HttpResponse r =
      send_token_request(client, code_grant(*result.code(), client.redirect_uri, pkce.verifier));
  if (r.status == 200)
    violation("PKCE-07",
              "a code_challenge_method=plain flow completed: the verifier travels in the clear");
  else
    pass("PKCE-07",
         "a plain challenge got a code, but redeeming it with the plain verifier failed (" +
             r.summary() + ")");
}

namespace {

// An S256 authorization with an explicit challenge string, for syntax probes.
AuthorizationResult authorize_with_challenge(const TestClient& client,
                                             const std::string& challenge) {
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.code_challenge = challenge;
  return authorize(request, client.redirect_uri);
}

// Verifier-alphabet text of any length (the challenge grammar is the verifier grammar).
std::string unreserved_text(size_t length) {
  std::string text;
  while (text.size() < length)
    text += oauth::random_base64url(48);
  return text.substr(0, length);
}

} // namespace

CONFORMANCE_CHECK(Pkce, ChallengeSyntaxIsEnforced, "PKCE-08") {
  const TestClient& client = target().client(ClientRole::Public);
  const std::pair<const char*, std::string> cases[] = {
      {"a 42-character challenge", unreserved_text(42)},
      {"a 129-character challenge", unreserved_text(129)},
      {"a challenge containing '+', '/' and '='", unreserved_text(40) + "+/="}};
  for (const auto& [what, challenge] : cases) {
    AuthorizationResult result = authorize_with_challenge(client, challenge);
    if (result.code())
      violation("PKCE-08", std::string(what) + " was accepted");
    else
      expect_authorization_error(result, "PKCE-08", {"invalid_request"}, what);
  }
}

CONFORMANCE_CHECK(Pkce, VerifierSyntaxIsEnforced, "PKCE-08") {
  const TestClient& client = target().client(ClientRole::Public);
  for (size_t length : {size_t{42}, size_t{129}}) {
    // The challenge S256(v) is well-formed; only the verifier breaks the 43..128 rule.
    Pkce pkce = Pkce::from_verifier(unreserved_text(length));
    CodeGrant grant = obtain_code(client, pkce);
    HttpResponse r = redeem(grant);
    std::string what = "a matching " + std::to_string(length) + "-character verifier";
    if (r.status == 200)
      violation("PKCE-08", what + " was accepted");
    else
      expect_token_error(r, "PKCE-08", {"invalid_grant", "invalid_request"}, what);
  }
}

CONFORMANCE_CHECK(Pkce, ChallengeIsNotExposed, "PKCE-09") {
  const TestClient& client = target().client(ClientRole::Public);
  Pkce pkce = Pkce::fresh();
  CodeGrant grant = obtain_code(client, pkce);
  std::vector<std::string> exposed;
  for (const auto& [name, value] : grant.authorization.query) {
    std::vector<std::string> forms{value};
    // Also look inside base64url-encoded values and each part of a JWT-shaped value.
    size_t start = 0;
    while (start <= value.size()) {
      size_t dot = value.find('.', start);
      std::string part =
          value.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (auto decoded = oauth::base64url_decode(part)) forms.push_back(*decoded);
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    for (const auto& form : forms)
      if (form.find(pkce.challenge) != std::string::npos) {
        exposed.push_back(name);
        break;
      }
  }
  if (exposed.empty())
    pass("PKCE-09", "no redirect parameter reveals the code_challenge");
  else
    violation("PKCE-09",
              "the code_challenge can be read from the redirect parameter(s) " + join(exposed));
}

CONFORMANCE_CHECK(Pkce, DowngradeIsRefused, "PKCE-10") {
  // Only a client that may skip PKCE can be downgraded; try the confidential one.
  const TestClient& client = target().client(ClientRole::Basic);
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.code_challenge.reset();
  AuthorizationResult result = authorize(request, client.redirect_uri);
  if (!result.code()) {
    require_server_answer(result, "a request without code_challenge");
    pass("PKCE-10",
         "even a confidential client must send code_challenge, so no downgrade is possible (" +
             result.describe() + ")");
    return;
  }
  HttpResponse r = send_token_request(
      client, code_grant(*result.code(), request.redirect_uri, Pkce::fresh().verifier));
  expect_token_error(r, "PKCE-10", {"invalid_request", "invalid_grant"},
                     "a code_verifier for a code issued without a challenge");
}

} // namespace conformance
