// Interoperability (label `interop`): the whole suite against panva's oidc-provider, a server
// nobody on this project wrote, pinned in tests/interop/oidc-provider/package.json and run on
// loopback with its own development login and consent pages. The form driver signs in and
// consents with no person in the loop. Every requirement the run does not pass is listed below
// with the evidence that makes it a real deviation of oidc-provider 9.13.3 as configured in
// server.mjs; anything else failing, warning or erroring is a harness bug to fix.
#include "drivers/subprocess.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The code lifetime server.mjs is started with (ctest sets INTEROP_CODE_TTL_SECONDS to it), so
// CODE-04 is judged too.
constexpr const char* kCodeLifetime = "5";

// Re-examined for issue 13 (precision): AUTHZ-09 left the list (oidc-provider ends an
// unknown-scope request with access_denied, the AS denying what it will not grant: a defined
// answer, RFC 6749 §4.1.2.1), and TOKEN-14 went from fail to warn (a refusal with another
// code passes the refusal; only the code is judged, at SHOULD).
const std::map<std::string, std::string> kExpectedDeviations = {
    // Registering redirect_uris ["http://client.example/cb"] (plain http, not loopback) is
    // answered 201 with application_type "web": oidc-provider follows OpenID Connect
    // registration, which allows http for web clients. OAuth 2.1 §2.3.1 and RFC 9700 §2.6
    // allow http only for loopback redirects.
    {"REDIR-05", "fail"},
    // Same cause seen from DCR-09: "http://c.example/cb" is accepted (201) instead of 400
    // invalid_redirect_uri. The fragment and relative-URI cases are refused correctly.
    {"DCR-09", "fail"},
    // redirect_uris sent as a string gets 400 invalid_redirect_uri ("redirect_uris must be an
    // array"); the catalogue row (RFC 7591 §3.2.2) expects invalid_client_metadata for metadata
    // of the wrong type. A SHOULD-level difference in the error code; the request is refused.
    {"DCR-10", "warn"},
    // Neither the development login/consent page nor the error page for an unknown client sends
    // X-Frame-Options or a CSP frame-ancestors: oidc-provider leaves framing protection to the
    // deployment (RFC 9700 §4.16, RFC 6749 §10.13).
    {"SEC-01", "fail"},
    // grant_type=client_credentials from a public client is refused, but with 400
    // invalid_request ("requested grant type is not allowed for this client"); RFC 6749 §5.2
    // names unauthorized_client for a client not authorised to use the grant.
    {"TOKEN-14", "warn"},
    // Introspection with no client authentication, or with a malformed bearer value, gets 400
    // invalid_request; RFC 7662 §2.3 (via RFC 6749 §5.2) expects 401 invalid_client. Nothing is
    // disclosed; a wrong client secret correctly gets 401.
    {"INTRO-01", "warn"},
};

TEST(Interop, OidcProviderThroughItsOwnLoginPages) {
  conformance::BackgroundProcess server({NODE_BIN, OIDC_PROVIDER_SERVER});
  std::string issuer = server.first_line(60s);
  ASSERT_EQ(issuer.rfind("http://127.0.0.1:", 0), 0u) << "server.mjs printed '" << issuer << "'";
  std::string report = testing::TempDir() + "interop-oidc-provider.json";
  conformance::ProcessResult run = conformance::run_process(
      {CONFORMANCE_BIN, "--base-url", issuer, "--driver", "form", "--form-field", "login=alice",
       "--form-field", "password=wonderland", "--scope", "mcp:tools", "--code-lifetime",
       kCodeLifetime, "--json", report},
      300s);
  ASSERT_FALSE(run.timed_out);
  ASSERT_TRUE(std::filesystem::exists(report)) << run.err;
  std::ifstream in(report);
  json record = json::parse(in);

  std::map<std::string, std::string> seen;
  for (const auto& [id, r] : record.at("requirements").items())
    if (r.at("outcome") == "fail" || r.at("outcome") == "warn" || r.at("outcome") == "error")
      seen[id] = r.at("outcome").get<std::string>();
  std::string explanation;
  for (const auto& c : record.at("checks"))
    if (c.at("outcome") != "pass" && c.at("outcome") != "info" && c.at("outcome") != "skip")
      explanation += "  " + c.at("outcome").get<std::string>() + " " +
                     c.at("suite").get<std::string>() + "." + c.at("name").get<std::string>() +
                     ": " + c.at("message").get<std::string>() + "\n";
  EXPECT_EQ(seen, kExpectedDeviations) << explanation;
  EXPECT_EQ(record.at("summary").at("error"), 0) << explanation;
  // The flows really ran: most checks need a code and tokens from the login pages.
  EXPECT_GE(record.at("summary").at("pass").get<int>(), 100) << explanation;
  EXPECT_EQ(run.exit_code, 1); // the deviations above are failures
}

} // namespace
