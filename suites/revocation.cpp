// REVOKE: token revocation (RFC 7009), judged only when a revocation endpoint is advertised or
// configured. Whether revocation takes effect is read from the validity oracle (token_oracle.h),
// and every message names the oracle that decided.
#include "checks/check.h"
#include "checks/verifiers.h"
#include "under_test/target.h"
#include "under_test/token_flows.h"
#include "under_test/token_oracle.h"

namespace conformance {
namespace {

// Tokens of a client that may revoke them as the metadata says the endpoint accepts (a request
// from a client the endpoint does not take would carry a second fault).
Tokens fresh_tokens() {
  require_revocation_endpoint();
  return obtain_tokens_with_refresh(target().client(revocation_role()));
}

// A revocation the server must accept (RFC 7009 §2.2: 200).
bool expect_revocation_ok(const HttpResponse& r, std::string_view requirement,
                          const std::string& what) {
  if (r.status == 200) return true;
  violation(requirement, what + " got " + quote(r) + " instead of HTTP 200");
  return false;
}

// After revoking a refresh token, a refresh with it must fail with invalid_grant.
void expect_refresh_refused(const Tokens& t, std::string_view requirement,
                            const std::string& what) {
  HttpResponse r = send_refresh(t.client, *t.refresh_token);
  if (r.status == 200)
    violation(requirement,
              what + ", the refresh token still refreshes (oracle: a refresh attempt)");
  else
    expect_token_error(r, requirement, {"invalid_grant"},
                       what + ", a refresh with the revoked token");
}

} // namespace

CONFORMANCE_CHECK(Revocation, RefreshTokenRevocationTakesEffect, "REVOKE-01") {
  Tokens t = fresh_tokens();
  if (expect_revocation_ok(revoke(t.client, *t.refresh_token, "refresh_token"), "REVOKE-01",
                           "revoking a refresh token"))
    expect_refresh_refused(t, "REVOKE-01", "after its revocation");
}

CONFORMANCE_CHECK(Revocation, AccessTokenRevocation, "REVOKE-02") {
  Tokens t = fresh_tokens();
  HttpResponse r = revoke(t.client, t.access_token, "access_token");
  if (r.status == 400) {
    auto doc = r.json();
    if (doc && doc->is_object() && (*doc)["error"] == "unsupported_token_type")
      pass("REVOKE-02", "access tokens cannot be revoked, and the server says so with "
                        "unsupported_token_type");
    else
      violation("REVOKE-02",
                "revoking an access token got " + quote(r) +
                    "; a server that cannot revoke them answers "
                    "unsupported_token_type",
                Level::Must);
    return;
  }
  if (!expect_revocation_ok(r, "REVOKE-02", "revoking an access token")) return;
  Validity v = access_token_validity(t.access_token, t.client);
  if (!v.valid)
    skip_check("the revocation was accepted, but whether it took effect is unknown: " +
               v.describe());
  if (*v.valid)
    violation("REVOKE-02", "the revocation answered 200, but the access token is " + v.describe());
  else
    pass("REVOKE-02", "the revoked access token is " + v.describe());
}

CONFORMANCE_CHECK(Revocation, RefreshRevocationEndsTheGrantsAccessTokens, "REVOKE-03") {
  Tokens t = fresh_tokens();
  if (!expect_revocation_ok(revoke(t.client, *t.refresh_token, "refresh_token"), "REVOKE-03",
                            "revoking a refresh token"))
    return;
  Validity v = access_token_validity(t.access_token, t.client);
  if (!v.valid) skip_check("no oracle can tell whether the access token survived: " + v.describe());
  if (*v.valid)
    violation("REVOKE-03", "after its refresh token was revoked, the access token from the same "
                           "grant is " +
                               v.describe());
  else
    pass("REVOKE-03",
         "revoking the refresh token also ended the grant's access token: " + v.describe());
}

CONFORMANCE_CHECK(Revocation, UnknownTokenIsAccepted, "REVOKE-04") {
  require_revocation_endpoint();
  HttpResponse r = revoke(target().client(revocation_role()), "harness-garbage-token");
  if (expect_revocation_ok(r, "REVOKE-04", "revoking an unknown token"))
    pass("REVOKE-04", "an unknown token got HTTP 200");
}

CONFORMANCE_CHECK(Revocation, BogusHintIsIgnored, "REVOKE-05") {
  Tokens t = fresh_tokens();
  if (expect_revocation_ok(revoke(t.client, *t.refresh_token, "harness"), "REVOKE-05",
                           "revoking a refresh token with token_type_hint=harness"))
    expect_refresh_refused(t, "REVOKE-05", "after a revocation with a bogus hint");
}

CONFORMANCE_CHECK(Revocation, ConfidentialClientMustAuthenticate, "REVOKE-06") {
  require_revocation_endpoint();
  auto role = confidential_role_for("revocation_endpoint_auth_methods_supported");
  if (!role)
    skip_check("the revocation endpoint takes no secret-based method the harness's clients use");
  Tokens t = obtain_tokens_with_refresh(target().client(*role));
  TestClient wrong = t.client;
  wrong.client_secret = "harness-wrong-secret";
  HttpResponse r = revoke(wrong, *t.refresh_token, "refresh_token");
  if (r.status == 200)
    violation("REVOKE-06", "a revocation with a wrong client secret was accepted");
  else
    expect_token_error(r, "REVOKE-06", {"invalid_client"},
                       "a revocation with a wrong client secret");
  HttpResponse after = send_refresh(t.client, *t.refresh_token);
  if (after.status == 200)
    pass("REVOKE-06", "the refresh token still works after the unauthenticated revocation attempt");
  else
    violation("REVOKE-06", "a revocation with a wrong secret revoked the token anyway: the refresh "
                           "now gets " +
                               quote(after, 80) + " (oracle: a refresh attempt)");
}

CONFORMANCE_CHECK(Revocation, OtherClientsTokensAreUntouched, "REVOKE-07") {
  Tokens a = fresh_tokens();
  HttpResponse r =
      revoke(another_client_like(revocation_role()), *a.refresh_token, "refresh_token");
  // RFC 7009 §2.1 wants an error; many servers answer 200 so as not to reveal the token exists.
  if (r.status == 200)
    note("REVOKE-07", "the other client's revocation was answered 200 (RFC 7009 §2.1 expects an "
                      "error; a silent 200 is common)");
  else
    note("REVOKE-07", "the other client's revocation was refused: " + quote(r, 80));
  HttpResponse after = send_refresh(a.client, *a.refresh_token);
  if (after.status == 200)
    pass("REVOKE-07", "the first client's refresh token still works (oracle: a refresh attempt)");
  else
    violation("REVOKE-07", "another client revoked this client's refresh token: the refresh now "
                           "gets " +
                               quote(after, 80) + " (oracle: a refresh attempt)");
}

} // namespace conformance
