// REDIR: redirect URI registration and matching (OAuth 2.1 draft-13 §2.3, §4.1.1,
// §4.1.2.1; RFC 8252 §7.3, §8.3; RFC 9700 §4.1.3). Judged by where the user agent is
// sent (every Location), never by a status code alone.
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/base64url.h"
#include "under_test/target.h"

namespace conformance {
namespace {

// A redirect URI on a host nobody serves: the harness never fetches it.
constexpr const char* kHarnessCallback = "https://harness.example/cb";

nlohmann::json metadata_with(std::vector<std::string> redirect_uris) {
  return client_metadata(redirect_uris, ClientAuth::None);
}

const TestClient& https_client() {
  return target().client_registered_as("https-callback", metadata_with({kHarnessCallback}));
}

// Authorizes `client` with `redirect_uri` as given (or none) and a fresh PKCE pair.
AuthorizationResult authorize_with(const TestClient& client,
                                   std::optional<std::string> redirect_uri,
                                   oauth::Params extra = {}) {
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.redirect_uri = redirect_uri;
  request.extra = std::move(extra);
  return authorize(request, redirect_uri.value_or(client.redirect_uri));
}

// A refusal only means something if the registered URI itself works.
void require_registered_uri_works(const TestClient& client) {
  AuthorizationResult exact = authorize_with(client, client.redirect_uri);
  if (exact.ending != AuthorizationResult::Ending::RedirectedToClient || !exact.code())
    cannot_run("prerequisite failed: the registered redirect URI " + client.redirect_uri +
               " itself did not receive a code (" + exact.describe() + ")");
}

HttpResponse register_with(const nlohmann::json& metadata) {
  std::string endpoint = target().require_endpoint("registration_endpoint");
  return target().http().post_json(endpoint, metadata);
}

// --- REDIR-01: near misses of a registered https URI ---
struct NearMiss {
  std::string name;
  std::string uri;
  bool equivalent; // same URI after RFC 3986 normalisation: lenient matching is a SHOULD
};

class RedirectUriNearMiss : public testing::TestWithParam<NearMiss> {};

std::vector<NearMiss> near_misses() {
  return {{"TrailingSlash", "https://harness.example/cb/", false},
          {"UpperCasePath", "https://harness.example/CB", false},
          {"ExtraQuery", "https://harness.example/cb?x=1", false},
          {"DotSegment", "https://harness.example/cb/../cb", false},
          {"EncodedSlash", "https://harness.example/cb%2F", false},
          {"ExtraPathSegment", "https://harness.example/cb/x", false},
          {"SuffixedHost", "https://harness.example.evil.test/cb", false},
          {"UpperCaseSchemeAndHost", "HTTPS://HARNESS.EXAMPLE/cb", true},
          {"ExplicitDefaultPort", "https://harness.example:443/cb", true}};
}

// --- REDIR-03 / REDIR-04: loopback port flexibility ---
struct LoopbackCase {
  std::string name;
  std::string requirement;
  std::string registered;
  std::string requested;
  bool must_accept;
};

class LoopbackRedirect : public testing::TestWithParam<LoopbackCase> {};

std::vector<LoopbackCase> loopback_cases() {
  return {{"Ipv4AnyPortAccepted", "REDIR-03", "http://127.0.0.1/callback",
           "http://127.0.0.1:53197/callback", true},
          {"Ipv6AnyPortAccepted", "REDIR-03", "http://[::1]/callback",
           "http://[::1]:53197/callback", true},
          {"OtherPathRefused", "REDIR-03", "http://127.0.0.1/callback",
           "http://127.0.0.1:53197/other", false},
          {"HttpsSchemeRefused", "REDIR-03", "http://127.0.0.1/callback",
           "https://127.0.0.1:53197/callback", false},
          {"OtherLoopbackAddressRefused", "REDIR-03", "http://127.0.0.1/callback",
           "http://127.0.0.2:53197/callback", false},
          {"LocalhostAnyPortAccepted", "REDIR-04", "http://localhost/callback",
           "http://localhost:53197/callback", true},
          {"LocalhostIsNotLoopbackIp", "REDIR-04", "http://localhost/callback",
           "http://127.0.0.1:53197/callback", false}};
}

template <class T> std::string case_name(const testing::TestParamInfo<T>& info) {
  return info.param.name;
}

} // namespace

CONFORMANCE_CHECK_P(RedirectUriNearMiss, IsRefusedWithoutRedirect, "REDIR-01") {
  const TestClient& client = https_client();
  require_registered_uri_works(client);
  AuthorizationResult result = authorize_with(client, param.uri);
  // Equivalent spellings are a lenient match, not an open redirect: warn (fail under --strict).
  expect_no_redirect_to_client(
      result, "REDIR-01", param.uri,
      "redirect_uri " + param.uri + " (registered: " + kHarnessCallback + ")",
      param.equivalent ? std::optional<Level>(Level::Should) : std::nullopt);
}
INSTANTIATE_TEST_SUITE_P(Variants, RedirectUriNearMiss, testing::ValuesIn(near_misses()),
                         case_name<NearMiss>);

CONFORMANCE_CHECK(RedirectUri, UnknownClientIsNotRedirected, "REDIR-02") {
  AuthorizationRequest request;
  request.client_id = "harness-unknown-" + oauth::random_base64url(9);
  request.redirect_uri = kHarnessCallback;
  request.state = oauth::random_base64url(12);
  request.code_challenge = Pkce::fresh().challenge;
  expect_no_redirect_to_client(authorize(request, kHarnessCallback), "REDIR-02", kHarnessCallback,
                               "an unknown client_id");
}

CONFORMANCE_CHECK(RedirectUri, MissingClientIdIsNotRedirected, "REDIR-02") {
  AuthorizationRequest request;
  request.redirect_uri = kHarnessCallback;
  request.state = oauth::random_base64url(12);
  request.code_challenge = Pkce::fresh().challenge;
  expect_no_redirect_to_client(authorize(request, kHarnessCallback), "REDIR-02", kHarnessCallback,
                               "a request without client_id");
}

CONFORMANCE_CHECK_P(LoopbackRedirect, PortRule, "REDIR-03", "REDIR-04") {
  const TestClient& client = target().client_registered_as("loopback " + param.registered,
                                                           metadata_with({param.registered}));
  require_registered_uri_works(client);
  AuthorizationResult result = authorize_with(client, param.requested);
  std::string what = "redirect_uri " + param.requested + " (registered: " + param.registered + ")";
  if (!param.must_accept) {
    expect_no_redirect_to_client(result, param.requirement, param.requested, what);
    return;
  }
  if (result.ending == AuthorizationResult::Ending::RedirectedToClient && result.code()) {
    pass(param.requirement, "a code reached " + param.requested + ": any port is accepted");
    return;
  }
  // localhost port flexibility is disputed (C-07) but native MCP clients rely on it.
  violation(param.requirement,
            "expected the code at " + param.requested + " for " + what + "; the request " +
                result.describe(),
            param.requirement == "REDIR-04" ? std::optional<Level>(Level::Should) : std::nullopt);
}
INSTANTIATE_TEST_SUITE_P(Variants, LoopbackRedirect, testing::ValuesIn(loopback_cases()),
                         case_name<LoopbackCase>);

CONFORMANCE_CHECK(RedirectUri, HttpRedirectOnPublicHostIsRefused, "REDIR-05") {
  expect_registration_error(register_with(metadata_with({"http://client.example/cb"})), "REDIR-05",
                            {"invalid_redirect_uri"}, "registering http://client.example/cb");
}

CONFORMANCE_CHECK(RedirectUri, RegistrationRefusesFragment, "REDIR-06") {
  expect_registration_error(register_with(metadata_with({"https://client.example/cb#x"})),
                            "REDIR-06", {"invalid_redirect_uri"},
                            "registering https://client.example/cb#x");
}

CONFORMANCE_CHECK(RedirectUri, RegistrationRefusesRelativeUri, "REDIR-06") {
  expect_registration_error(register_with(metadata_with({"/cb"})), "REDIR-06",
                            {"invalid_redirect_uri"}, "registering the relative URI /cb");
}

CONFORMANCE_CHECK(RedirectUri, AuthorizationRefusesFragment, "REDIR-06") {
  const TestClient& client = https_client();
  std::string with_fragment = std::string(kHarnessCallback) + "#x";
  expect_no_redirect_to_client(authorize_with(client, with_fragment), "REDIR-06", kHarnessCallback,
                               "redirect_uri " + with_fragment);
}

CONFORMANCE_CHECK(RedirectUri, RegisteredQueryIsKept, "REDIR-07") {
  std::string registered = std::string(kHarnessCallback) + "?tenant=a";
  const TestClient& client =
      target().client_registered_as("query-callback", metadata_with({registered}));
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  AuthorizationResult result = authorize(request, registered);
  if (!result.code())
    cannot_run("no code for the registered URI " + registered + ": " + result.describe());
  std::vector<std::string> missing;
  if (oauth::first_param(result.query, "tenant") != std::optional<std::string>("a"))
    missing.push_back("tenant=a");
  if (!oauth::first_param(result.query, "code")) missing.push_back("code");
  if (oauth::first_param(result.query, "state") != request.state) missing.push_back("state");
  if (missing.empty())
    pass("REDIR-07", "the Location keeps tenant=a beside code and state");
  else
    violation("REDIR-07",
              "the Location query lacks " + join(missing) + " (registered " + registered + ")");
}

CONFORMANCE_CHECK(RedirectUri, AmbiguousRedirectIsRefused, "REDIR-08") {
  std::string second = std::string(kHarnessCallback) + "2";
  const TestClient& client =
      target().client_registered_as("two-callbacks", metadata_with({kHarnessCallback, second}));
  AuthorizationResult result = authorize_with(client, std::nullopt);
  // The driver watches the client's origin: any hop there means the AS picked a URI itself.
  expect_no_redirect_to_client(
      result, "REDIR-08", kHarnessCallback,
      "a request without redirect_uri from a client with two registered URIs");
  AuthorizationResult single = authorize_with(https_client(), std::nullopt);
  note("REDIR-08", std::string("with exactly one registered URI, leaving redirect_uri out ") +
                       (single.code() ? "is accepted" : "is refused: " + single.describe()));
}

CONFORMANCE_CHECK(RedirectUri, DotlessPrivateSchemeIsRefused, "REDIR-09") {
  expect_registration_error(register_with(metadata_with({"myapp:/cb"})), "REDIR-09",
                            {"invalid_redirect_uri"},
                            "registering the private-use scheme myapp:/cb", Level::Should);
  HttpResponse reverse_dns = register_with(metadata_with({"com.example.app:/cb"}));
  note("REDIR-09",
       std::string("a reverse-DNS private-use scheme (com.example.app:/cb) is ") +
           (reverse_dns.status / 100 == 2 ? "accepted" : "refused: " + quote(reverse_dns, 80)));
}

CONFORMANCE_CHECK(RedirectUri, JavascriptUriIsRefused, "REDIR-10") {
  const char* script_uri = "javascript:alert(1)";
  expect_no_redirect_to_client(authorize_with(https_client(), script_uri), "REDIR-10", script_uri,
                               "redirect_uri=javascript:alert(1)");
}

CONFORMANCE_CHECK(RedirectUri, StateIsNeverReflectedRaw, "REDIR-10") {
  const TestClient& client = https_client();
  std::string marker = "<script>harness" + oauth::random_base64url(6) + "</script>";
  // On a success redirect the state travels URL-encoded and decodes to what was sent.
  AuthorizationRequest request = authorization_request(client, Pkce::fresh());
  request.state = marker;
  AuthorizationResult ok = authorize(request, client.redirect_uri);
  if (ok.reached_client()) {
    if (ok.location.find('<') != std::string::npos)
      violation("REDIR-10", "the Location carries the state with a raw '<': it is not URL-encoded");
    else if (ok.param("state") != std::optional<std::string>(marker))
      violation("REDIR-10", "the state came back altered");
    else
      pass("REDIR-10", "the state is URL-encoded in the Location and decodes unchanged");
  }
  // On an error page (invalid redirect_uri) anything echoed must be HTML-escaped.
  request.redirect_uri = std::string(kHarnessCallback) + "/" + marker;
  AuthorizationResult page = authorize(request, *request.redirect_uri);
  if (page.last_response.body.find(marker) != std::string::npos)
    violation("REDIR-10", "the error page reflects request input unescaped (" + marker + ")");
  else
    pass("REDIR-10", "the error page does not reflect request input unescaped");
}

CONFORMANCE_CHECK(RedirectUri, RedirectGrantNeedsRedirectUris, "REDIR-11") {
  nlohmann::json metadata = metadata_with({});
  metadata.erase("redirect_uris");
  metadata["grant_types"] = {"authorization_code"};
  HttpResponse r = register_with(metadata);
  if (r.status / 100 != 2) {
    expect_registration_error(r, "REDIR-11", {"invalid_redirect_uri", "invalid_client_metadata"},
                              "an authorization_code client without redirect_uris");
    return;
  }
  // Accepted: then every authorization request of that client must fail at the server.
  auto doc = r.json();
  if (!doc || !doc->contains("client_id"))
    cannot_run("registration accepted without a client_id: " + quote(r));
  TestClient client;
  client.client_id = (*doc)["client_id"].get<std::string>();
  client.redirect_uri = kHarnessCallback;
  expect_no_redirect_to_client(authorize_with(client, kHarnessCallback), "REDIR-11",
                               kHarnessCallback, "a client registered without redirect_uris");
}

} // namespace conformance
