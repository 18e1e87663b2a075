// CODE: the authorization code: single use and binding to its client and
// redirect URI (OAuth 2.1 draft-13 §4.1.3, §10.2; RFC 6749 §4.1.2, §10.5).
#include "check.h"
#include "target.h"
#include "verifiers.h"

namespace conformance {

CONFORMANCE_CHECK(AuthorizationCode, CodeIsSingleUse, "CODE-01") {
  CodeGrant grant = obtain_code(target().client("public"));
  require_token_success(redeem(grant), "the first redemption");
  expect_token_error(redeem(grant), "CODE-01", {"invalid_grant"}, "the identical request sent a second time");
}

CONFORMANCE_CHECK(AuthorizationCode, CodeIsBoundToClient, "CODE-05") {
  CodeGrant grant = obtain_code(target().client("public"));
  const TestClient& other = target().client("second");
  HttpResponse r = send_token_request(other, code_grant(grant.code, grant.request.redirect_uri, grant.pkce.verifier));
  expect_token_error(r, "CODE-05", {"invalid_grant", "invalid_client"},
                     "client B redeeming client A's code with the correct verifier");
}

CONFORMANCE_CHECK(AuthorizationCode, RedirectUriMismatchIsRejected, "CODE-06") {
  CodeGrant grant = obtain_code(target().client("public"));
  // Another path on the same loopback host: a port change alone is legitimate for loopback.
  auto parts = oauth::parse_url(grant.client.redirect_uri);
  std::string other = oauth::origin_of(grant.client.redirect_uri).value_or("") +
                      (parts && parts->path != "/other" ? "/other" : "/different");
  HttpResponse r = send_token_request(grant.client, code_grant(grant.code, other, grant.pkce.verifier));
  expect_token_error(r, "CODE-06", {"invalid_grant"}, "redirect_uri " + other + " differing from the authorization request's");
}

} // namespace conformance
