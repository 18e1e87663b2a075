// SEC: security BCP properties visible from outside (RFC 9700; OAuth 2.1 draft-13 §7):
// framing and third-party resources on the server's pages, authentication before error
// redirects, consent for new clients, TLS, tokens in URLs, guessability, token lifetime.
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/base64url.h"
#include "core/text.h"
#include "drivers/html.h"
#include "http/redaction.h"
#include "oauth/dpop.h"
#include "under_test/target.h"

#include <cmath>
#include <set>

namespace conformance {
namespace {

struct Page {
  std::string url;
  HttpResponse response;
  std::string what;
};

// The HTML the authorization endpoint shows: the first page a browser lands on for a
// well-formed request (login or consent), and the error page for an unknown client. A plain
// redirect-following user agent reaches them, whatever driver the run uses.
std::vector<Page> authorization_pages() {
  std::vector<Page> pages;
  const TestClient& client = target().client(ClientRole::Public);
  RedirectDriver browser(target().http());
  std::string endpoint = target().require_endpoint("authorization_endpoint");
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.scope = target().options().flow_scope;
  AuthorizationResult flow =
      browser.authorize(authorization_url(endpoint, request), client.redirect_uri);
  if (flow.ending == AuthorizationResult::Ending::StoppedAtServer &&
      flow.last_response.is_html_media_type())
    pages.push_back({flow.last_url, flow.last_response, "the page a well-formed request shows"});
  AuthorizationRequest unknown = authorization_request(client, Pkce::fresh());
  unknown.client_id = "harness-unknown-" + oauth::random_base64url(9);
  AuthorizationResult error =
      browser.authorize(authorization_url(endpoint, unknown), client.redirect_uri);
  if (error.ending == AuthorizationResult::Ending::StoppedAtServer &&
      error.last_response.is_html_media_type())
    pages.push_back({error.last_url, error.last_response, "the error page for an unknown client"});
  if (pages.empty())
    skip_check("the authorization endpoint showed no HTML page (" + flow.describe() + ")");
  return pages;
}

// A valid request that reaches the client without the driver passing any page means the
// server approves by itself (an auto-consent test set-up).
bool approves_without_pages() {
  if (!target().driver().sees_pages())
    skip_check("the " + std::string(target().driver().name()) +
               " driver keeps the login pages to itself, so what the server shows cannot be "
               "seen; judging this needs the form driver");
  const TestClient& client = target().client(ClientRole::Public);
  AuthorizationResult flow =
      authorize(authorization_request(client, Pkce::fresh()), client.redirect_uri);
  return flow.code().has_value() && flow.pages.empty();
}

std::string frame_ancestors(const HttpResponse& r) {
  for (const auto& csp : r.headers_named("content-security-policy")) {
    std::string lower = oauth::ascii_lower(csp);
    size_t at = lower.find("frame-ancestors");
    if (at == std::string::npos) continue;
    size_t end = lower.find(';', at);
    return std::string(oauth::trim(
        lower.substr(at + 15, end == std::string::npos ? std::string::npos : end - at - 15)));
  }
  return "";
}

// Bits of guessing work per sample: length (after any prefix all samples share) times the
// bits per character of the smallest alphabet that covers them (RFC 6749 §10.10 heuristic).
double estimated_bits(const std::vector<std::string>& samples) {
  size_t prefix = samples.front().size();
  for (const auto& s : samples) {
    size_t i = 0;
    while (i < prefix && i < s.size() && s[i] == samples.front()[i])
      ++i;
    prefix = i;
  }
  bool hex = true, digits = true, b64url = true;
  size_t shortest = SIZE_MAX;
  for (const auto& s : samples) {
    shortest = std::min(shortest, s.size() - prefix);
    for (size_t i = prefix; i < s.size(); ++i) {
      char c = s[i];
      bool d = c >= '0' && c <= '9';
      bool h = d || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      bool b = d || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
      digits = digits && d;
      hex = hex && h;
      b64url = b64url && b;
    }
  }
  double alphabet = digits ? 10 : hex ? 16 : b64url ? 64 : 94;
  return static_cast<double>(shortest) * std::log2(alphabet);
}

bool looks_like_jwt(const std::string& token) {
  if (std::count(token.begin(), token.end(), '.') != 2) return false;
  auto header = oauth::base64url_decode(token.substr(0, token.find('.')));
  return header && header->find("\"alg\"") != std::string::npos;
}

void judge_samples(const std::string& kind, const std::vector<std::string>& samples) {
  std::set<std::string> distinct(samples.begin(), samples.end());
  if (distinct.size() != samples.size()) {
    violation("SEC-07", kind + ": " + std::to_string(samples.size() - distinct.size()) + " of " +
                            std::to_string(samples.size()) + " samples repeat");
    return;
  }
  if (looks_like_jwt(samples.front())) {
    note("SEC-07", kind + " are JWTs: guessing one means forging its signature; not estimated");
    return;
  }
  double bits = estimated_bits(samples);
  std::string estimate = kind + ": about " + std::to_string(static_cast<int>(bits)) +
                         " bits each (" + std::to_string(samples.size()) + " samples)";
  if (bits < 128)
    violation("SEC-07", estimate + ", below the 128 bits OAuth requires", Level::Should);
  else if (bits < 160)
    note("SEC-07", estimate + ": enough, under the 160 bits OAuth recommends");
  else
    pass("SEC-07", estimate);
}

} // namespace

CONFORMANCE_CHECK(Security, PagesCannotBeFramed, "SEC-01") {
  for (const auto& page : authorization_pages()) {
    std::string ancestors = frame_ancestors(page.response);
    std::string xfo = oauth::ascii_lower(page.response.header("x-frame-options").value_or(""));
    bool xfo_ok = xfo == "deny" || xfo == "sameorigin";
    if (!ancestors.empty() && ancestors.find('*') == std::string::npos) {
      pass("SEC-01", page.what + " sets CSP frame-ancestors " + ancestors);
    } else if (xfo_ok) {
      pass("SEC-01", page.what + " sets X-Frame-Options " + xfo);
      violation("SEC-01",
                page.what + " relies on X-Frame-Options alone; CSP frame-ancestors is recommended",
                Level::Should);
    } else {
      violation("SEC-01", page.what + " can be framed by any origin: no CSP frame-ancestors" +
                              (ancestors.empty() ? "" : " other than '" + ancestors + "'") +
                              " and no X-Frame-Options DENY or SAMEORIGIN");
    }
  }
}

CONFORMANCE_CHECK(Security, ErrorsWaitForAuthentication, "SEC-02") {
  if (approves_without_pages())
    skip_check(
        "the server approves a well-formed request without showing any page (auto-consent), so "
        "whether it authenticates the user before redirecting an error cannot be seen");
  const TestClient& client = target().client(ClientRole::Public);
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.scope = "harness_invalid";
  AuthorizationResult result = authorize(request, client.redirect_uri);
  if (result.reached_client() && result.pages.empty())
    violation("SEC-02",
              "an erroneous request from a fresh user agent was " + result.describe() +
                  " before any sign-in: the server can serve as an open redirector",
              Level::Should);
  else if (result.reached_client())
    pass("SEC-02", "the erroneous request went back to the client only after the pages " +
                       join(result.pages));
  else
    pass("SEC-02", "the erroneous request stays at the server: " + result.describe());
}

CONFORMANCE_CHECK(Security, NewClientsAreAskedForConsent, "SEC-03") {
  if (approves_without_pages())
    skip_check("the server approves every request without a page, as a test set-up with the " +
               std::string(target().driver().name()) +
               " driver does; judging consent needs a driver that signs in (the form driver)");
  const TestClient& fresh = target().client_registered_as(
      "consent-probe", client_metadata(target().options().redirect_uri, ClientAuth::None));
  AuthorizationResult result =
      authorize(authorization_request(fresh, Pkce::fresh()), fresh.redirect_uri);
  if (result.pages.empty())
    violation("SEC-03", "a newly registered public client got a code without any page being shown");
  else
    note(
        "SEC-03",
        "a newly registered public client went through the pages " + join(result.pages) +
            " (each authorization starts a fresh user agent, so remembered consent is not probed)");
}

CONFORMANCE_CHECK(Security, PagesLoadNoThirdPartyResources, "SEC-04") {
  for (const auto& page : authorization_pages()) {
    std::string origin = oauth::origin_of(page.url).value_or("");
    std::vector<std::string> foreign;
    for (const auto& resource : loaded_resources(page.response.body)) {
      std::string absolute = oauth::resolve_url(page.url, resource).value_or(resource);
      auto parts = oauth::parse_url(absolute);
      if (parts && (parts->scheme == "data" || parts->scheme == "blob")) continue;
      if (oauth::origin_of(absolute).value_or("") != origin) foreign.push_back(absolute);
    }
    if (foreign.empty())
      pass("SEC-04", page.what + " loads nothing from other origins");
    else
      violation("SEC-04", page.what + " loads third-party resources: " + join(foreign));
    if (auto policy = page.response.header("referrer-policy"))
      note("SEC-04", page.what + " sets Referrer-Policy: " + *policy);
  }
}

CONFORMANCE_CHECK(Security, TransportIsTls, "SEC-05") {
  auto parts = oauth::parse_url(target().issuer());
  if (!parts) cannot_run("the issuer is not a URL: " + target().issuer());
  if (parts->scheme == "http") {
    if (oauth::is_loopback_host(parts->host))
      note("SEC-05", "served over http on a loopback origin; TLS cannot be judged here (production "
                     "needs https)");
    else
      violation("SEC-05",
                "the authorization server is served over plain http: " + target().issuer());
    return;
  }
  if (target().options().http.tls.insecure) {
    note("SEC-05", "served over https, but certificates were not verified (--insecure), so the "
                   "certificate chain was not judged");
    return;
  }
  // Every exchange so far went through libcurl's certificate and host name verification.
  HttpResponse secure = target().http().get(target().discovery().metadata_url);
  if (!secure.answered()) {
    violation("SEC-05",
              "the metadata URL fails over TLS with certificate verification: " + secure.summary());
    return;
  }
  pass("SEC-05", "TLS with a verified certificate chain for " + parts->host);
  std::string plain =
      "http://" + target().discovery().metadata_url.substr(std::string("https://").size());
  HttpResponse downgrade = target().http().get(plain);
  auto location = downgrade.header("location").value_or("");
  if (!downgrade.answered())
    pass("SEC-05", "plain http is not served (" + downgrade.summary() + ")");
  else if ((downgrade.status == 301 || downgrade.status == 308) &&
           location.rfind("https://", 0) == 0)
    pass("SEC-05", "plain http redirects permanently to https");
  else if (downgrade.status / 100 == 2)
    violation("SEC-05", "the metadata is also served over plain http: " + plain);
  else
    note("SEC-05", "plain http answers " + downgrade.summary());
  if (!secure.header("strict-transport-security"))
    note("SEC-05", "no Strict-Transport-Security header");
}

CONFORMANCE_CHECK(Security, NoTokensInRedirects, "SEC-06") {
  const TestClient& client = target().client(ClientRole::Public);
  std::vector<std::string> locations;
  AuthorizationResult flow =
      authorize(authorization_request(client, Pkce::fresh()), client.redirect_uri);
  AuthorizationRequest implicit = authorization_request(client, Pkce::fresh());
  implicit.response_type = "token";
  AuthorizationResult token_flow = authorize(implicit, client.redirect_uri);
  for (const auto* r : {&flow, &token_flow})
    locations.insert(locations.end(), r->locations.begin(), r->locations.end());
  for (const auto& location : locations) {
    auto parts = oauth::parse_url(location);
    if (!parts) continue;
    for (const auto* params : {&parts->query, &parts->fragment})
      for (const auto& [name, value] : oauth::parse_form(*params))
        if (name == "access_token" || name == "refresh_token" || name == "id_token") {
          violation("SEC-06",
                    "a redirect URL carries " + name + ": " + redactor().redact_url(location));
          return;
        }
  }
  pass("SEC-06", "no token in any of the " + std::to_string(locations.size()) + " redirect URLs");
}

CONFORMANCE_CHECK(Security, SecretsAreUnguessable, "SEC-07") {
  constexpr int kSamples = 5;
  const TestClient& client = target().client(ClientRole::Public);
  std::vector<std::string> codes, access_tokens, refresh_tokens;
  for (int i = 0; i < kSamples; ++i) {
    CodeGrant grant = obtain_code(client);
    codes.push_back(grant.code);
    auto doc = require_token_success(redeem(grant), "redeeming a code");
    access_tokens.push_back(doc["access_token"].get<std::string>());
    if (doc.contains("refresh_token") && doc["refresh_token"].is_string())
      refresh_tokens.push_back(doc["refresh_token"].get<std::string>());
  }
  judge_samples("authorization codes", codes);
  judge_samples("access tokens", access_tokens);
  if (refresh_tokens.size() == kSamples) judge_samples("refresh tokens", refresh_tokens);
}

CONFORMANCE_CHECK(Security, AccessTokensAreShortLived, "SEC-08") {
  constexpr long long kMaxSeconds = 3600;
  auto doc = require_token_success(redeem(obtain_code(target().client(ClientRole::Public))),
                                   "the code exchange");
  if (!doc.contains("expires_in") || !doc["expires_in"].is_number()) {
    note("SEC-08", "no numeric expires_in: the lifetime cannot be judged");
    return;
  }
  long long seconds = doc["expires_in"].get<long long>();
  if (seconds <= kMaxSeconds)
    pass("SEC-08", "access tokens live " + std::to_string(seconds) + " s");
  else
    violation("SEC-08", "access tokens live " + std::to_string(seconds) + " s, more than " +
                            std::to_string(kMaxSeconds) + " s");
}

CONFORMANCE_CHECK(Security, TokensAreSenderConstrained, "SEC-09") {
  const auto& doc = target().metadata();
  auto algs = doc.find("dpop_signing_alg_values_supported");
  bool dpop = algs != doc.end() && algs->is_array() && !algs->empty();
  auto mtls = doc.find("tls_client_certificate_bound_access_tokens");
  if (mtls != doc.end() && mtls->is_boolean() && mtls->get<bool>())
    note("SEC-09", "mTLS certificate-bound access tokens are advertised (not exercised: the "
                   "harness has no client certificate)");
  if (!dpop) {
    if (mtls == doc.end())
      note("SEC-09",
           "access tokens are bearer tokens: neither DPoP nor mTLS binding is advertised");
    return;
  }
  if (std::find(algs->begin(), algs->end(), "ES256") == algs->end()) {
    note("SEC-09", "DPoP is advertised without ES256 (" + algs->dump() +
                       "), the one algorithm the harness signs with");
    return;
  }
  // RFC 9449 §5: a token request with a valid proof should get a DPoP-bound token.
  DpopKey key;
  CodeGrant grant = obtain_code(target().client(ClientRole::Public));
  std::string token_endpoint = target().require_endpoint("token_endpoint");
  HttpResponse r = send_token_request(
      grant.client, code_grant(grant.code, grant.request.redirect_uri, grant.pkce.verifier),
      {{"DPoP", key.proof("POST", token_endpoint)}});
  auto token = require_token_success(r, "a code exchange with a DPoP proof");
  std::string type = token.value("token_type", std::string());
  if (oauth::iequals(type, "DPoP"))
    pass("SEC-09", "a token request with a DPoP proof got token_type DPoP");
  else
    violation("SEC-09",
              "DPoP is advertised, but a token request with a valid ES256 proof got token_type \"" +
                  type + "\": the token is not sender-constrained");
}

} // namespace conformance
