// CODE: the authorization code: single use and binding to its client and
// redirect URI (OAuth 2.1 draft-13 §4.1.3, §10.2; RFC 6749 §4.1.2, §10.5).
#include "checks/check.h"
#include "checks/verifiers.h"
#include "under_test/target.h"
#include "under_test/token_flows.h"

#include <thread>

namespace conformance {
namespace {

// Redeems a fresh code and returns the refresh token, the oracle CODE-02/03 use: a
// refresh attempt shows whether the grant is still alive. Skips without one.
struct RedeemedGrant {
  CodeGrant grant;
  std::string refresh_token;
};
RedeemedGrant redeem_with_refresh_token() {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  auto doc = require_token_success(redeem(grant), "the first redemption");
  if (!doc.contains("refresh_token") || !doc["refresh_token"].is_string())
    skip_check("no refresh token was issued and no other validity oracle is configured");
  return {grant, doc["refresh_token"].get<std::string>()};
}

} // namespace

CONFORMANCE_CHECK(AuthorizationCode, CodeIsSingleUse, "CODE-01") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  require_token_success(redeem(grant), "the first redemption");
  expect_token_error(redeem(grant), "CODE-01", {"invalid_grant"},
                     "the identical request sent a second time");
}

CONFORMANCE_CHECK(AuthorizationCode, CodeIsBoundToClient, "CODE-05") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  const TestClient& other = target().other_client(grant.client);
  HttpResponse r = send_token_request(
      other, code_grant(grant.code, grant.request.redirect_uri, grant.pkce.verifier));
  expect_token_error(r, "CODE-05", {"invalid_grant", "invalid_client"},
                     "client B redeeming client A's code with the correct verifier");
}

CONFORMANCE_CHECK(AuthorizationCode, RedirectUriMismatchIsRejected, "CODE-06") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  // Another path on the same loopback host: a port change alone is legitimate for loopback.
  auto parts = oauth::parse_url(grant.client.redirect_uri);
  std::string other = oauth::origin_of(grant.client.redirect_uri).value_or("") +
                      (parts && parts->path != "/other" ? "/other" : "/different");
  HttpResponse r =
      send_token_request(grant.client, code_grant(grant.code, other, grant.pkce.verifier));
  expect_token_error(r, "CODE-06", {"invalid_grant"},
                     "redirect_uri " + other + " differing from the authorization request's");
}

CONFORMANCE_CHECK(AuthorizationCode, ValidReplayRevokesIssuedTokens, "CODE-02") {
  RedeemedGrant g = redeem_with_refresh_token();
  redeem(g.grant); // the valid replay; CODE-01 judges its answer
  HttpResponse after = send_refresh(g.grant.client, g.refresh_token);
  if (after.status == 200)
    violation(
        "CODE-02",
        "after the code was replayed, its refresh token still works (oracle: a refresh attempt)");
  else
    pass("CODE-02", "the replay revoked the grant: its refresh token now gets " + quote(after, 80) +
                        " (oracle: a refresh attempt)");
}

CONFORMANCE_CHECK(AuthorizationCode, InvalidReplayRevokesNothing, "CODE-03") {
  RedeemedGrant g = redeem_with_refresh_token();
  // A replay with a wrong verifier proves nothing about theft; revoking on it would let anyone
  // who saw the code cancel the user's grant (OAuth 2.1 draft-13 §7.5.3).
  send_token_request(g.grant.client, code_grant(g.grant.code, g.grant.request.redirect_uri,
                                                Pkce::fresh().verifier));
  HttpResponse after = send_refresh(g.grant.client, g.refresh_token);
  if (after.status == 200)
    pass("CODE-03", "an invalid replay left the grant intact (oracle: a refresh attempt)");
  else
    violation("CODE-03",
              "a replay with a wrong verifier revoked the grant: the refresh token now gets " +
                  quote(after, 80) + " (oracle: a refresh attempt)");
}

CONFORMANCE_CHECK(AuthorizationCode, ExpiredCodeIsRefused, "CODE-04") {
  auto lifetime = target().options().code_lifetime;
  if (!lifetime)
    skip_check(
        "pass --code-lifetime SECONDS (the server's code lifetime) to wait for a code to expire");
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  auto margin = std::max(std::chrono::seconds(1), *lifetime / 10);
  std::this_thread::sleep_for(*lifetime + margin);
  HttpResponse r = redeem(grant);
  auto waited = std::to_string((*lifetime + margin).count());
  if (r.status == 200) {
    // RECOMMENDED at most 10 minutes; a code alive after an hour breaks the MUST.
    bool hour = *lifetime + margin >= std::chrono::hours(1);
    violation("CODE-04",
              "a code was still redeemed " + waited + " s after it was issued (stated lifetime " +
                  std::to_string(lifetime->count()) + " s)",
              hour ? Level::Must : Level::Should);
    return;
  }
  expect_token_error(r, "CODE-04", {"invalid_grant"},
                     "a code redeemed " + waited + " s after it was issued");
}

// Either answer is allowed (OAuth 2.1 §10.2): a server that also serves OAuth 2.0 clients keeps
// requiring redirect_uri when the authorization request carried one. Only which is reported.
CONFORMANCE_CHECK(AuthorizationCode, RedirectUriMayBeOmitted, "CODE-07") {
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  oauth::Params form = code_grant(grant.code, std::nullopt, grant.pkce.verifier);
  for (const std::string& resource : grant.resources)
    form.emplace_back("resource", resource);
  HttpResponse r = send_token_request(grant.client, std::move(form));
  if (r.status == 200)
    pass("CODE-07", "a token request without redirect_uri succeeded, as OAuth 2.1 clients send it");
  else if (r.status >= 400 && r.status < 500)
    note("CODE-07", "the server requires redirect_uri in the token request when the authorization "
                    "request carried one (allowed for servers that also serve OAuth 2.0 clients; "
                    "OAuth 2.1 clients that leave it out will be refused): " +
                        quote(r, 80));
  else
    violation("CODE-07", "a token request without redirect_uri got " + quote(r));
}

} // namespace conformance
