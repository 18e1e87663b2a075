// ERR: the format and vocabulary of token endpoint errors (OAuth 2.1 draft-13
// §3.2.4; RFC 6749 §5.2). Every error other checks provoke on the way is judged too, once, by
// the run-wide check at the end.
#include "checks/check.h"
#include "checks/run_wide_check.h"
#include "checks/verifiers.h"
#include "core/base64url.h"
#include "under_test/target.h"

namespace conformance {

CONFORMANCE_CHECK(ErrorFormat, TokenErrorsAreJsonObjects, "ERR-01", "ERR-02") {
  const TestClient& client = target().client(ClientRole::Public);
  const std::pair<const char*, oauth::Params> cases[] = {
      {"an empty token request", {}},
      {"an unknown grant_type", {{"grant_type", "urn:harness:none"}}},
      {"a code that was never issued",
       code_grant(oauth::random_base64url(32), client.redirect_uri, Pkce::fresh().verifier)},
  };
  for (const auto& [what, form] : cases) {
    HttpResponse r = send_token_request(client, form);
    if (r.answered() && r.status / 100 == 2) {
      violation("ERR-01", std::string(what) + " was answered with HTTP " +
                              std::to_string(r.status) + ", not an error");
      continue;
    }
    if (!r.answered()) {
      violation("ERR-01", std::string(what) + " got " + r.summary());
      continue;
    }
    judge_token_error_format(r);
  }
}

CONFORMANCE_CHECK(ErrorFormat, ErrorTextUsesAllowedCharacters, "ERR-03") {
  const TestClient& client = target().client(ClientRole::Public);
  // judge_token_error_format applies ERR-03 to a JSON token error; a body that is not JSON
  // has no fields to judge here (ERR-01 reports it).
  judge_token_error_format(send_token_request(client, {{"grant_type", "urn:harness:none"}}));
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.response_type = "harness";
  AuthorizationResult redirect = authorize(request, client.redirect_uri);
  if (redirect.reached_client())
    judge_error_characters("an authorization error redirect", redirect.error(),
                           redirect.param("error_description"), redirect.param("error_uri"));
}

CONFORMANCE_CHECK(ErrorFormat, MalformedInputGetsNoServerError, "ERR-04") {
  const TestClient& client = target().client(ClientRole::Public);
  std::string token_endpoint = target().require_endpoint("token_endpoint");
  std::string long_value(8 * 1024, 'x');
  struct Probe {
    std::string what;
    HttpRequest request;
  };
  std::vector<Probe> probes{
      {"a token request with grant_type twice",
       {"POST",
        token_endpoint,
        {{"Content-Type", "application/x-www-form-urlencoded"}},
        "grant_type=authorization_code&grant_type=refresh_token&client_id=" +
            oauth::percent_encode(client.client_id)}},
      {"a token request with an 8 KB code",
       {"POST",
        token_endpoint,
        {{"Content-Type", "application/x-www-form-urlencoded"}},
        "grant_type=authorization_code&code=" + long_value +
            "&client_id=" + oauth::percent_encode(client.client_id)}},
      {"a token request with invalid UTF-8",
       {"POST",
        token_endpoint,
        {{"Content-Type", "application/x-www-form-urlencoded"}},
        "grant_type=authorization_code&code=%FF%FE%80&client_id=" +
            oauth::percent_encode(client.client_id)}},
  };
  AuthorizationRequest big_state = authorization_request(client, Pkce::fresh());
  big_state.state = long_value;
  probes.push_back(
      {"an authorization request with an 8 KB state",
       {"GET",
        authorization_url(target().require_endpoint("authorization_endpoint"), big_state),
        {},
        ""}});
  if (target().can_register()) {
    HeaderList headers = target().registration_headers();
    headers.emplace_back("Content-Type", "application/json");
    probes.push_back({"a registration with invalid UTF-8 in the JSON",
                      {"POST", *target().endpoint("registration_endpoint"), headers,
                       "{\"redirect_uris\":[\"http://127.0.0.1/"
                       "\xff\xfe\"],\"token_endpoint_auth_method\":\"none\"}"}});
  }
  for (const auto& probe : probes) {
    HttpResponse r = target().http().send(probe.request);
    if (!r.answered())
      violation("ERR-04", probe.what + " got " + r.summary());
    else if (r.status >= 500)
      violation("ERR-04", probe.what + " crashed the server: " + quote(r, 80));
    else
      pass("ERR-04", probe.what + " got HTTP " + std::to_string(r.status));
  }
}

// ERR-01's pass criterion is every token error seen during the run; ERR-02 and ERR-03 apply to
// every error response. Other checks hand over what they saw; this judges it after them all.
CONFORMANCE_RUN_WIDE_CHECK(DuringTheRun, ErrorsAreWellFormed, "ERR-01", "ERR-02", "ERR-03") {
  judge_deferred_findings();
}

} // namespace conformance
