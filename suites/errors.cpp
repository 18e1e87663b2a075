// ERR: the format and vocabulary of token endpoint errors (OAuth 2.1 draft-13
// §3.2.4; RFC 6749 §5.2). Other checks judge every token error they provoke too.
#include "base64url.h"
#include "check.h"
#include "target.h"
#include "verifiers.h"

namespace conformance {

CONFORMANCE_CHECK(ErrorFormat, TokenErrorsAreJsonObjects, "ERR-01", "ERR-02") {
  const TestClient& client = target().client("public");
  const std::pair<const char*, oauth::Params> cases[] = {
      {"an empty token request", {}},
      {"an unknown grant_type", {{"grant_type", "urn:harness:none"}}},
      {"a code that was never issued",
       code_grant(oauth::random_base64url(32), client.redirect_uri, Pkce::fresh().verifier)},
  };
  for (const auto& [what, form] : cases) {
    HttpResponse r = send_token_request(client, form);
    if (r.answered() && r.status / 100 == 2) {
      violation("ERR-01", std::string(what) + " was answered with HTTP " + std::to_string(r.status) + ", not an error");
      continue;
    }
    if (!r.answered()) {
      violation("ERR-01", std::string(what) + " got " + r.summary());
      continue;
    }
    judge_token_error_format(r);
  }
}

} // namespace conformance
