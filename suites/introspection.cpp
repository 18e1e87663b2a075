// INTRO: token introspection (RFC 7662), judged only when an introspection endpoint is
// advertised or configured. Who may call it, the shape of its answers, and that neither a wrong
// hint nor an unknown token turns into an HTTP error.
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/text.h"
#include "under_test/target.h"
#include "under_test/token_flows.h"
#include "under_test/token_oracle.h"

#include <chrono>

namespace conformance {
namespace {

// A fresh access token (and refresh token, when issued) of a client whose tokens the caller may
// be asked about: its own, unless the operator's credentials see every token.
Tokens fresh_tokens() {
  require_introspection_endpoint();
  return obtain_tokens(token_owner_for(require_introspection_caller()));
}

// RFC 7662 §2.2 answers inactive tokens with 200 and active:false.
void expect_inactive(const Introspection& i, const std::string& what) {
  if (i.response.status >= 500 || !i.response.answered())
    violation("INTRO-03",
              what + " got " + quote(i.response) + " instead of 200 {\"active\":false}");
  else if (i.response.status != 200)
    violation("INTRO-03", what + " got an HTTP error, " + quote(i.response) +
                              "; an inactive token is answered 200 {\"active\":false}");
  else if (!i.body || !i.active)
    violation("INTRO-03", what + " got " + quote(i.response) + ", not a boolean active");
  else if (*i.active)
    violation("INTRO-03", what + " is reported active");
  else
    pass("INTRO-03", what + " got 200 {\"active\":false}");
}

} // namespace

CONFORMANCE_CHECK(Introspection, CallerMustAuthenticate, "INTRO-01") {
  Tokens t = fresh_tokens();
  auto judge = [&](const HttpResponse& r, const std::string& what) {
    auto doc = r.json();
    bool leaked = r.status == 200 && doc && doc->is_object() && (*doc)["active"] == true;
    if (leaked)
      violation("INTRO-01", what + " was answered with active:true: anyone can introspect tokens");
    else if (r.status == 401)
      pass("INTRO-01", what + " got HTTP 401");
    else if (r.status >= 400 && r.status < 500)
      violation("INTRO-01", what + " got " + quote(r, 80) + "; RFC 7662 §2.3 expects 401",
                Level::Should);
    else
      violation("INTRO-01", what + " got " + quote(r, 80) + " instead of 401");
  };
  judge(introspect_raw({{"token", t.access_token}}), "introspection without credentials");

  IntrospectionCaller caller = require_introspection_caller();
  if (caller.client && !caller.client->client_secret.empty()) {
    oauth::Params form{{"token", t.access_token}};
    HeaderList headers{
        {"Authorization", basic_authorization(caller.client->client_id, "harness-wrong-secret")}};
    HttpResponse r = introspect_raw(form, headers);
    judge(r, "introspection with a wrong client secret");
    if (r.status == 401) {
      auto doc = r.json();
      if (doc && doc->is_object() && (*doc)["error"] == "invalid_client")
        pass("INTRO-01", "a wrong secret got invalid_client");
      else
        violation("INTRO-01", "a wrong secret got 401 without error invalid_client: " + quote(r),
                  Level::Should);
    }
  }

  HttpResponse bad_bearer =
      introspect_raw({{"token", t.access_token}}, {{"Authorization", "Bearer harness-invalid"}});
  judge(bad_bearer, "introspection with an invalid bearer token");
  // The RFC 6750 challenge is due where the endpoint takes bearer tokens at all.
  if (caller.bearer_token && bad_bearer.status == 401) {
    bool challenge = false;
    for (const auto& v : bad_bearer.headers_named("www-authenticate"))
      challenge = challenge || oauth::ascii_lower(v).rfind("bearer", 0) == 0;
    if (challenge)
      pass("INTRO-01", "the invalid bearer token got a Bearer challenge");
    else
      violation("INTRO-01", "the invalid bearer token got 401 without a WWW-Authenticate: Bearer "
                            "challenge (RFC 6750 §3)");
  }
}

CONFORMANCE_CHECK(Introspection, ActiveTokenAnswer, "INTRO-02") {
  Tokens t = fresh_tokens();
  IntrospectionCaller caller = require_introspection_caller();
  Introspection i = introspect(caller, t.access_token);
  if (i.response.status != 200 || !i.body) {
    violation("INTRO-02", "a valid access token got " + quote(i.response) +
                              " instead of 200 with a JSON object");
    return;
  }
  std::vector<std::string> problems;
  if (i.response.media_type() != "application/json")
    problems.push_back("media type '" + i.response.media_type() + "'");
  const auto& active = (*i.body)["active"];
  if (!active.is_boolean())
    problems.push_back("active is " + (active.is_null() ? std::string("missing") : active.dump()) +
                       ", not a JSON boolean");
  else if (!active.get<bool>())
    problems.push_back("a valid access token is reported inactive");
  if (problems.empty())
    pass("INTRO-02", "a valid access token got 200 application/json with active: true (caller: " +
                         caller.who + ")");
  else
    violation("INTRO-02", "introspecting a valid access token: " + join(problems, "; "));
}

CONFORMANCE_CHECK(Introspection, InactiveTokensAreNotErrors, "INTRO-03") {
  Tokens t = fresh_tokens();
  IntrospectionCaller caller = require_introspection_caller();
  expect_inactive(introspect(caller, "harness-garbage-token"), "an unknown token");
  std::string tampered = t.access_token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  expect_inactive(introspect(caller, tampered), "an access token with its last character changed");
  if (revocation_endpoint()) {
    HttpResponse revoked = revoke(t.client, t.access_token, "access_token");
    if (revoked.status == 200) {
      Introspection i = introspect(caller, t.access_token);
      if (i.active.value_or(false))
        note("INTRO-03", "the access token revoked at the revocation endpoint is still active "
                         "(REVOKE-02 judges that)");
      else
        expect_inactive(i, "a revoked access token");
    }
  }
}

CONFORMANCE_CHECK(Introspection, InactiveAnswerRevealsNothing, "INTRO-04") {
  require_introspection_endpoint();
  IntrospectionCaller caller = require_introspection_caller();
  Introspection i = introspect(caller, "harness-garbage-token");
  if (i.response.status != 200 || !i.body || !i.active || *i.active)
    skip_check("an unknown token did not get 200 {\"active\":false} (INTRO-03 judges that): " +
               quote(i.response));
  std::vector<std::string> extra;
  for (const auto& [name, value] : i.body->items())
    if (name != "active") extra.push_back(name);
  if (extra.empty())
    pass("INTRO-04", "the inactive answer is exactly {\"active\":false}");
  else
    violation("INTRO-04", "the answer for an unknown token adds " + join(extra));
}

CONFORMANCE_CHECK(Introspection, MemberTypesAndValues, "INTRO-05") {
  Tokens t = fresh_tokens();
  IntrospectionCaller caller = require_introspection_caller();
  Introspection i = introspect(caller, t.access_token);
  if (i.response.status != 200 || !i.body || !i.active.value_or(false))
    skip_check("a valid access token is not reported active with a boolean (INTRO-02 judges that)");
  const nlohmann::json& doc = *i.body;
  std::vector<std::string> problems;
  for (const char* member : {"scope", "client_id", "iss", "sub", "token_type", "username"})
    if (doc.contains(member) && !doc[member].is_string())
      problems.push_back(std::string(member) + " is " + doc[member].dump() + ", not a string");
  for (const char* member : {"exp", "iat", "nbf"})
    if (doc.contains(member) && !doc[member].is_number_integer())
      problems.push_back(std::string(member) + " is " + doc[member].dump() + ", not an integer");
  if (doc.contains("aud") && !doc["aud"].is_string() && !doc["aud"].is_array())
    problems.push_back("aud is " + doc["aud"].dump() + ", neither a string nor an array");
  long long now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  if (doc.contains("exp") && doc["exp"].is_number_integer() && doc["exp"].get<long long>() <= now)
    problems.push_back("exp " + doc["exp"].dump() + " is not in the future for a fresh token");
  if (doc.contains("client_id") && doc["client_id"].is_string() &&
      doc["client_id"].get<std::string>() != t.client.client_id)
    problems.push_back("client_id " + doc["client_id"].dump() +
                       " is not the client the token "
                       "was issued to");
  if (problems.empty())
    pass("INTRO-05", "the active answer's members have their defined types (" +
                         std::to_string(doc.size()) + " members)");
  else
    violation("INTRO-05", join(problems, "; "));
  if (doc.contains("iss") && doc["iss"].is_string() && doc["iss"] != target().issuer())
    violation("INTRO-05",
              "iss " + doc["iss"].dump() + " is not the metadata issuer " + target().issuer(),
              Level::Should);
}

CONFORMANCE_CHECK(Introspection, WrongHintDoesNotHideToken, "INTRO-06") {
  Tokens t = fresh_tokens();
  IntrospectionCaller caller = require_introspection_caller();
  Introspection i = introspect(caller, t.access_token, "refresh_token");
  if (i.active.value_or(false))
    pass("INTRO-06", "an access token sent with token_type_hint=refresh_token is active");
  else
    violation("INTRO-06",
              "an access token sent with token_type_hint=refresh_token got " + quote(i.response));
  if (!t.refresh_token) return;
  Introspection plain = introspect(caller, *t.refresh_token);
  if (!plain.active.value_or(false)) {
    note("INTRO-06", "refresh tokens are not introspectable here; only the access-token half "
                     "was judged");
    return;
  }
  Introspection hinted = introspect(caller, *t.refresh_token, "access_token");
  if (hinted.active.value_or(false))
    pass("INTRO-06", "a refresh token sent with token_type_hint=access_token is active");
  else
    violation("INTRO-06", "a refresh token sent with token_type_hint=access_token got " +
                              quote(hinted.response) + ", though it is active without the hint");
}

} // namespace conformance
