// RT: refresh tokens (OAuth 2.1 draft-13 §4.3; RFC 6749 §6; RFC 9700 §4.14.2). Refresh
// requests, rotation and reuse detection, scope and client binding, and resource binding.
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/scope.h"
#include "core/text.h"
#include "under_test/target.h"
#include "under_test/token_flows.h"
#include "under_test/token_oracle.h"

#include <algorithm>

namespace conformance {
namespace {

const TestClient& public_client() {
  return target().client(ClientRole::Public);
}

bool includes(const std::vector<std::string>& scopes, const std::string& scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

// The scope an access token carries: the token response's `scope`, else introspection's.
std::optional<std::string> access_scope(const Tokens& t, std::string& source) {
  if (t.scope) {
    source = "the token response";
    return t.scope;
  }
  if (introspection_endpoint())
    if (auto caller = introspection_caller()) {
      Introspection i = introspect(*caller, t.access_token);
      if (i.active.value_or(false) && i.body && (*i.body)["scope"].is_string()) {
        source = "introspection";
        return (*i.body)["scope"].get<std::string>();
      }
    }
  return std::nullopt;
}

// One refresh that must succeed, as a prerequisite.
Tokens refreshed(const Tokens& from, oauth::Params extra = {}) {
  return tokens_from(from.client, send_refresh(from.client, *from.refresh_token, std::move(extra)),
                     "the refresh request");
}

// RT1 -> RT2 for a public client; skips when the server does not rotate (RT-02 reports that).
std::pair<Tokens, Tokens> rotated_pair() {
  Tokens first = obtain_tokens_with_refresh(public_client());
  Tokens second = refreshed(first);
  if (!second.refresh_token || *second.refresh_token == *first.refresh_token)
    skip_check("the server does not rotate refresh tokens, so there is no rotated-out token to "
               "replay (RT-02 reports the missing rotation)");
  return {first, second};
}

} // namespace

CONFORMANCE_CHECK(Refresh, RefreshReturnsTokenResponse, "RT-01") {
  Tokens first = obtain_tokens_with_refresh(public_client());
  HttpResponse r = send_refresh(first.client, *first.refresh_token);
  auto doc = expect_token_success(r, "RT-01", "a refresh with a valid refresh token");
  if (!doc) return;
  // The refresh response is a token response like the code exchange's (TOKEN-02..05).
  std::vector<std::string> problems;
  if (r.media_type() != "application/json")
    problems.push_back("media type '" + r.media_type() + "'");
  if (!(*doc)["access_token"].is_string()) problems.push_back("no access_token string");
  if (!(*doc)["token_type"].is_string())
    problems.push_back("no token_type string");
  else if (auto type = oauth::ascii_lower((*doc)["token_type"].get<std::string>());
           type != "bearer" && type != "dpop")
    problems.push_back("token_type " + (*doc)["token_type"].dump());
  if (!r.has_cache_directive("no-store")) problems.push_back("no Cache-Control: no-store");
  if (doc->contains("expires_in") && !(*doc)["expires_in"].is_number())
    problems.push_back("expires_in is " + (*doc)["expires_in"].dump() + ", not a number");
  if (problems.empty())
    pass("RT-01", "the refresh returned 200 application/json with access_token, token_type and "
                  "Cache-Control: no-store");
  else
    violation("RT-01",
              "the refresh response breaks the token response rules: " + join(problems, "; "));
}

CONFORMANCE_CHECK(Refresh, PublicClientTokensRotate, "RT-02") {
  Tokens first = obtain_tokens_with_refresh(public_client());
  Tokens second = refreshed(first);
  if (second.refresh_token && *second.refresh_token != *first.refresh_token) {
    pass("RT-02", "the refresh issued a new refresh token for the public client");
    return;
  }
  std::string what = second.refresh_token ? "the same refresh token came back"
                                          : "the refresh response has no new refresh token";
  // OAuth 2.1 and RFC 9700 also accept sender-constrained refresh tokens; MCP requires rotation.
  if (oauth::iequals(second.token_type, "DPoP")) {
    if (judging_policy().profile == Profile::OAuth21)
      pass("RT-02", what + ", but the tokens are DPoP-bound, which OAuth 2.1 accepts instead");
    else
      violation("RT-02",
                what + "; the tokens are DPoP-bound, but MCP requires rotation for public "
                       "clients",
                Level::Should);
    return;
  }
  violation("RT-02", what + ": a public client's refresh tokens are neither rotated nor "
                            "sender-constrained");
}

CONFORMANCE_CHECK(Refresh, RotatedOutTokenIsRefused, "RT-03") {
  auto [first, second] = rotated_pair();
  HttpResponse replay = send_refresh(first.client, *first.refresh_token);
  expect_token_error(replay, "RT-03", {"invalid_grant"},
                     "a refresh with the rotated-out refresh token");
}

CONFORMANCE_CHECK(Refresh, ReuseRevokesTheFamily, "RT-04") {
  auto [first, second] = rotated_pair();
  HttpResponse replay = send_refresh(first.client, *first.refresh_token);
  if (replay.status == 200)
    skip_check("the rotated-out refresh token still works, so no reuse was detected (RT-03 "
               "reports it)");
  // RFC 9700 §4.14.2: after a reuse the server cannot tell thief from client, so the active
  // refresh token goes too.
  HttpResponse after = send_refresh(second.client, *second.refresh_token);
  if (after.status == 200) {
    violation("RT-04", "after the rotated-out token was replayed, its successor still refreshes: "
                       "the replay did not revoke the token family");
  } else {
    expect_token_error(after, "RT-04", {"invalid_grant"},
                       "a refresh with the successor after a replay of its predecessor");
  }
  Validity v = access_token_validity(second.access_token, second.client);
  if (!v.valid)
    note("RT-04", "whether the family's access token was revoked too is unknown: " + v.describe());
  else if (*v.valid)
    violation("RT-04",
              "the access token issued with the successor is " + v.describe() + " after the replay",
              Level::Should);
  else
    pass("RT-04", "the family's access token is " + v.describe());
}

CONFORMANCE_CHECK(Refresh, ScopeCannotWiden, "RT-05") {
  // Ask for one scope, then try to refresh into one more the server knows of.
  std::vector<std::string> scopes = target().access_scopes();
  FlowShape shape;
  std::string extra = "harness_extra";
  if (scopes.size() >= 2) {
    shape.scope = scopes[0];
    extra = scopes[1];
  }
  Tokens first = obtain_tokens_with_refresh(public_client(), shape);
  std::vector<std::string> granted =
      oauth::split_scope(first.scope.value_or(shape.scope.value_or("")));
  if (includes(granted, extra))
    skip_check("the server granted \"" + extra + "\" without being asked; no wider scope to try");
  std::vector<std::string> wider_scopes = granted;
  wider_scopes.push_back(extra);
  std::string wider = oauth::join_scope(wider_scopes);
  HttpResponse r = send_refresh(first.client, *first.refresh_token, {{"scope", wider}});
  if (r.status == 200) {
    auto doc = r.json();
    std::string got = doc && (*doc)["scope"].is_string() ? (*doc)["scope"].get<std::string>() : "";
    if (!got.empty() && !includes(oauth::split_scope(got), extra)) {
      violation("RT-05",
                "a refresh asking for \"" + wider +
                    "\" (beyond the grant) was answered "
                    "200 with scope \"" +
                    got + "\" instead of invalid_scope",
                Level::Should);
      return;
    }
  }
  expect_token_error(r, "RT-05", {"invalid_scope"},
                     "a refresh asking for \"" + extra + "\" on top of the granted scope");
}

CONFORMANCE_CHECK(Refresh, NarrowedScopeAndOriginalKept, "RT-06") {
  std::vector<std::string> scopes = target().access_scopes();
  if (scopes.size() < 2) skip_check("needs two scopes in scopes_supported to narrow a grant");
  std::string full = scopes[0] + " " + scopes[1];
  Tokens first = obtain_tokens_with_refresh(public_client(), {full, std::nullopt});
  std::vector<std::string> granted = oauth::split_scope(first.scope.value_or(full));
  if (granted.size() < 2)
    skip_check("the server granted only \"" + oauth::join_scope(granted) + "\" for \"" + full +
               "\"; nothing to narrow");

  Tokens narrow = refreshed(first, {{"scope", granted[0]}});
  std::string source;
  auto narrow_scope = access_scope(narrow, source);
  if (!narrow_scope)
    skip_check("the narrowed access token's scope is not visible (no scope member, no "
               "introspection)");
  if (oauth::split_scope(*narrow_scope) != std::vector<std::string>{granted[0]})
    violation("RT-06", "a refresh asking for \"" + granted[0] +
                           "\" gave an access token with "
                           "scope \"" +
                           *narrow_scope + "\" (from " + source + ")");
  else
    pass("RT-06", "a narrowed refresh gave scope \"" + *narrow_scope + "\" (from " + source + ")");

  if (!narrow.refresh_token) return; // no rotation: the original refresh token is unchanged
  Tokens again = refreshed(narrow);
  auto again_scope = access_scope(again, source);
  if (!again_scope)
    skip_check("the next access token's scope is not visible (no scope member, no introspection)");
  auto got = oauth::split_scope(*again_scope);
  std::sort(got.begin(), got.end());
  auto want = granted;
  std::sort(want.begin(), want.end());
  if (got == want)
    pass("RT-06", "the new refresh token kept the original scope: a refresh without scope gave \"" +
                      *again_scope + "\"");
  else
    violation("RT-06", "after a narrowed refresh, a refresh without scope gave \"" + *again_scope +
                           "\" instead of the original \"" + oauth::join_scope(granted) +
                           "\" (from " + source + ")");
}

CONFORMANCE_CHECK(Refresh, BoundToItsClient, "RT-07") {
  Tokens a = obtain_tokens_with_refresh(public_client());
  const TestClient& b = target().other_client(a.client);
  expect_token_error(send_refresh(b, *a.refresh_token), "RT-07", {"invalid_grant"},
                     "another client presenting the first client's refresh token");

  // A confidential client's refresh needs its authentication.
  Tokens c = obtain_tokens_with_refresh(target().client(ClientRole::Basic));
  TestClient unauthenticated = c.client;
  unauthenticated.auth = ClientAuth::None;
  expect_token_error(send_refresh(unauthenticated, *c.refresh_token), "RT-07", {"invalid_client"},
                     "a confidential client's refresh without its client authentication");
  TestClient wrong = c.client;
  wrong.client_secret = "harness-wrong-secret";
  expect_token_error(send_refresh(wrong, *c.refresh_token), "RT-07", {"invalid_client"},
                     "a confidential client's refresh with a wrong secret");
}

CONFORMANCE_CHECK(Refresh, ResourceStaysWithinTheGrant, "RT-08") {
  std::string other = target().second_resource();
  std::string origin = target().second_resource_configured() ? "the second resource "
                                                             : "a resource outside the grant ";
  Tokens first = obtain_tokens_with_refresh(public_client());
  HttpResponse r = send_refresh(first.client, *first.refresh_token, {{"resource", other}});
  if (r.status != 200) {
    expect_token_error(r, "RT-08", {"invalid_target", "invalid_grant"},
                       "a refresh asking for " + origin + other);
    return;
  }
  Tokens t = tokens_from(first.client, r, "the refresh");
  Audience aud = access_token_audience(t.access_token, t.client);
  if (!aud.values)
    skip_check("the refresh for " + origin + other + " succeeded, and the new token's audience " +
               "cannot be read (" + aud.source + ")");
  if (aud.contains(other))
    violation("RT-08", "a refresh asking for " + origin + other + ", which the grant did not " +
                           "include, gave an access token for it (aud from " + aud.source + ")");
  else
    pass("RT-08", "the refresh succeeded but the access token's audience leaves out " + other +
                      " (aud from " + aud.source + ": " + join(*aud.values) + ")");
}

} // namespace conformance
