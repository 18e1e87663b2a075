// REDIR: redirect URI registration and matching (OAuth 2.1 draft-13 §2.3, §4.1.1,
// §4.1.2.1; RFC 8252 §7.3, §8.3; RFC 9700 §4.1.3). Judged by where the user agent is
// sent (every Location), never by a status code alone.
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/base64url.h"
#include "core/url.h"
#include "under_test/target.h"

#include <functional>

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

// The client the matching checks start from: the harness's own, registered with
// https://harness.example/cb, or where the harness cannot register, an operator's client with a
// redirect URI it was registered with (an https one where it has one, since every near miss
// applies to it; its message then says which).
TestClient matching_client() {
  if (auto* own =
          target().try_client_registered_as("https-callback", metadata_with({kHarnessCallback})))
    return *own;
  std::optional<TestClient> found;
  std::string whose;
  auto is_https = [](const std::string& uri) {
    auto parts = oauth::parse_url(uri);
    return parts && parts->scheme == "https" && !parts->has_query;
  };
  for (ClientRole role :
       {ClientRole::Public, ClientRole::Second, ClientRole::Basic, ClientRole::Post})
    if (const TestClient* c = target().static_client(role))
      for (const std::string& uri : c->redirect_uris)
        if (!found || (is_https(uri) && !is_https(found->redirect_uri))) {
          found = *c;
          found->redirect_uri = uri;
          whose = std::string(client_role_name(role));
        }
  if (!found) return https_client(); // skips, saying why no client can be had
  remark("derived from the operator's " + whose + " client " + found->client_id +
         ", registered with " + found->redirect_uri);
  return *found;
}

std::string build_url(const oauth::UrlParts& p) {
  return p.scheme + "://" + p.host + (p.port.empty() ? "" : ":" + p.port) + p.path +
         (p.has_query ? "?" + p.query : "");
}

std::string upper(std::string text) {
  for (char& c : text)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
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
  return target().post_registration(metadata);
}

// --- REDIR-01: near misses of a registered URI ---
// Each is derived from the URI the client was registered with (https://harness.example/cb for
// the harness's own client, which gives the catalogue's list), or nullopt where it does not
// apply to that URI.
struct NearMiss {
  std::string name;
  std::function<std::optional<std::string>(oauth::UrlParts)> derive;
  bool equivalent; // same URI after RFC 3986 normalisation: lenient matching is a SHOULD
};

class RedirectUriNearMiss : public testing::TestWithParam<NearMiss> {};

std::vector<NearMiss> near_misses() {
  using Parts = oauth::UrlParts;
  auto path_of = [](const Parts& p) { return p.path.empty() ? std::string("/") : p.path; };
  return {{"TrailingSlash",
           [=](Parts p) -> std::optional<std::string> {
             p.path = path_of(p) + "/";
             return build_url(p);
           },
           false},
          {"UpperCasePath",
           [=](Parts p) -> std::optional<std::string> {
             if (upper(p.path) == p.path) return std::nullopt; // nothing to change case of
             p.path = upper(p.path);
             return build_url(p);
           },
           false},
          {"ExtraQuery",
           [](Parts p) -> std::optional<std::string> {
             p.query += (p.has_query && !p.query.empty() ? "&" : "") + std::string("x=1");
             p.has_query = true;
             return build_url(p);
           },
           false},
          {"DotSegment",
           [](Parts p) -> std::optional<std::string> {
             size_t last = p.path.find_last_of('/');
             if (last == std::string::npos || last + 1 >= p.path.size()) return std::nullopt;
             p.path += "/.." + p.path.substr(last);
             return build_url(p);
           },
           false},
          {"EncodedSlash",
           [=](Parts p) -> std::optional<std::string> {
             p.path = path_of(p) + "%2F";
             return build_url(p);
           },
           false},
          {"ExtraPathSegment",
           [=](Parts p) -> std::optional<std::string> {
             std::string path = path_of(p);
             p.path = path + (path.back() == '/' ? "x" : "/x");
             return build_url(p);
           },
           false},
          {"SuffixedHost",
           [](Parts p) -> std::optional<std::string> {
             if (p.host.empty() || p.host.front() == '[') return std::nullopt; // IPv6 literal
             p.host += ".evil.test";
             p.port.clear();
             return build_url(p);
           },
           false},
          {"UpperCaseSchemeAndHost",
           [](Parts p) -> std::optional<std::string> {
             std::string url = build_url(p);
             std::string shouted = upper(p.scheme) + "://" + upper(p.host) +
                                   url.substr(p.scheme.size() + 3 + p.host.size());
             if (shouted == url) return std::nullopt;
             return shouted;
           },
           true},
          {"ExplicitDefaultPort",
           [](Parts p) -> std::optional<std::string> {
             // A loopback IP takes any port (RFC 8252 §7.3): a port there is no near miss.
             if (!p.port.empty() || oauth::is_loopback_ip(p.host)) return std::nullopt;
             if (p.scheme != "https" && p.scheme != "http") return std::nullopt;
             p.port = p.scheme == "https" ? "443" : "80";
             return build_url(p);
           },
           true}};
}

// --- REDIR-03 / REDIR-04: loopback port flexibility ---
// `registered` is what the harness registers; where it cannot register, an operator's client
// registered with a loopback URI of the same kind (IPv4, IPv6 or localhost) serves, and
// `requested` is derived from that registration (its host and path, another port).
struct LoopbackCase {
  std::string name;
  std::string requirement;
  std::string registered;
  std::string requested;
  bool must_accept;
};

// "ipv4", "ipv6" or "localhost" for a loopback host, "" otherwise.
std::string loopback_kind(const std::string& host) {
  if (host == "localhost") return "localhost";
  if (!host.empty() && host.front() == '[' && oauth::is_loopback_ip(host)) return "ipv6";
  if (oauth::is_loopback_ip(host)) return "ipv4";
  return "";
}

// Whether a request for `requested` legitimately matches the registration `registered`: exactly,
// or on a loopback IP with any port (RFC 8252 §7.3).
bool registration_matches(const std::string& registered, const std::string& requested) {
  if (registered == requested) return true;
  auto r = oauth::parse_url(registered);
  auto q = oauth::parse_url(requested);
  return r && q && r->scheme == "http" && q->scheme == "http" && oauth::is_loopback_ip(r->host) &&
         r->host == q->host && r->path == q->path && r->has_query == q->has_query &&
         r->query == q->query;
}

// `param.requested` rewritten onto the registration `actual` stands for `param.registered`: the
// same change of scheme, host, port or path.
std::string rebase(const std::string& requested, const oauth::UrlParts& canonical,
                   const oauth::UrlParts& actual) {
  auto r = oauth::parse_url(requested);
  if (!r) return requested;
  if (r->host == canonical.host) r->host = actual.host;
  if (r->path == canonical.path) r->path = actual.path;
  if (r->port == actual.port) r->port = r->port == "53197" ? "53198" : "53197";
  return build_url(*r);
}

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
  const TestClient& client = matching_client();
  auto parts = oauth::parse_url(client.redirect_uri);
  if (!parts) cannot_run("the registered redirect URI is not a URL: " + client.redirect_uri);
  std::optional<std::string> uri = param.derive(*parts);
  if (!uri)
    skip_check("this near miss does not apply to the registered URI " + client.redirect_uri +
               " (a client registered with https://harness.example/cb gets every one)");
  require_registered_uri_works(client);
  AuthorizationResult result = authorize_with(client, *uri);
  // Equivalent spellings are a lenient match, not an open redirect: warn (fail under --strict).
  expect_no_redirect_to_client(
      result, "REDIR-01", *uri,
      "redirect_uri " + *uri + " (registered: " + client.redirect_uri + ")",
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
  const TestClient* chosen = nullptr;
  std::optional<TestClient> from_operator; // an operator's client, using the URI the case needs
  std::string requested = param.requested;
  chosen = target().try_client_registered_as("loopback " + param.registered,
                                             metadata_with({param.registered}));
  if (!chosen) {
    // An operator's client registered with a loopback URI of the kind the case needs (among all
    // its registered URIs); its requests then use that URI.
    auto canonical = oauth::parse_url(param.registered);
    for (ClientRole role :
         {ClientRole::Public, ClientRole::Second, ClientRole::Basic, ClientRole::Post}) {
      const TestClient* c = target().static_client(role);
      if (!c || !canonical || chosen) continue;
      for (const std::string& uri : c->redirect_uris) {
        auto parts = oauth::parse_url(uri);
        if (!parts || parts->scheme != "http" ||
            loopback_kind(parts->host) != loopback_kind(canonical->host))
          continue;
        std::string derived = rebase(param.requested, *canonical, *parts);
        // A URI the client is also registered with would make a refusal case acceptable.
        bool matches_another = false;
        for (const std::string& other : c->redirect_uris)
          if (other != uri && registration_matches(other, derived)) matches_another = true;
        if (!param.must_accept && matches_another) continue;
        from_operator = *c;
        from_operator->redirect_uri = uri;
        chosen = &*from_operator;
        requested = derived;
        remark("derived from the operator's " + std::string(client_role_name(role)) + " client " +
               c->client_id + ", registered with " + uri);
        break;
      }
    }
    if (!chosen)
      skip_check("needs a client registered with a loopback redirect URI like " + param.registered +
                 "; register one for an operator's client (the harness cannot register its own)");
  }
  const TestClient& client = *chosen;
  require_registered_uri_works(client);
  AuthorizationResult result = authorize_with(client, requested);
  std::string what = "redirect_uri " + requested + " (registered: " + client.redirect_uri + ")";
  if (!param.must_accept) {
    expect_no_redirect_to_client(result, param.requirement, requested, what);
    return;
  }
  if (result.ending == AuthorizationResult::Ending::RedirectedToClient && result.code()) {
    pass(param.requirement, "a code reached " + requested + ": any port is accepted");
    return;
  }
  // localhost port flexibility is disputed (C-07) but native MCP clients rely on it.
  violation(param.requirement,
            "expected the code at " + requested + " for " + what + "; the request " +
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
  const TestClient& client = matching_client();
  std::string with_fragment = client.redirect_uri + "#x";
  expect_no_redirect_to_client(authorize_with(client, with_fragment), "REDIR-06",
                               client.redirect_uri, "redirect_uri " + with_fragment);
}

CONFORMANCE_CHECK(RedirectUri, RegisteredQueryIsKept, "REDIR-07") {
  // The harness's client registered with ?tenant=a, or an operator's client registered with a
  // redirect URI that has a query.
  std::optional<TestClient> client;
  if (auto* own = target().try_client_registered_as(
          "query-callback", metadata_with({std::string(kHarnessCallback) + "?tenant=a"})))
    client = *own;
  else {
    for (ClientRole role :
         {ClientRole::Public, ClientRole::Second, ClientRole::Basic, ClientRole::Post})
      if (const TestClient* c = target().static_client(role); c && !client)
        for (const std::string& uri : c->redirect_uris)
          if (auto parts = oauth::parse_url(uri); parts && parts->has_query && !client) {
            client = *c;
            client->redirect_uri = uri;
            remark("the operator's " + std::string(client_role_name(role)) + " client " +
                   c->client_id + ", registered with " + uri);
          }
    if (!client)
      skip_check("needs a client registered with a redirect URI that has a query; give an "
                 "operator's client one among its redirect_uris (the harness cannot register)");
  }
  const std::string registered = client->redirect_uri;
  const oauth::Params registered_query = oauth::parse_form(oauth::parse_url(registered)->query);
  AuthorizationRequest request = authorization_request(*client, Pkce::fresh());
  AuthorizationResult result = authorize(request, registered);
  if (!result.code())
    cannot_run("no code for the registered URI " + registered + ": " + result.describe());
  std::vector<std::string> missing;
  for (const auto& [name, value] : registered_query)
    if (oauth::first_param(result.query, name) != std::optional<std::string>(value))
      missing.push_back(name + "=" + value);
  if (!oauth::first_param(result.query, "code")) missing.push_back("code");
  if (oauth::first_param(result.query, "state") != request.state) missing.push_back("state");
  if (missing.empty())
    pass("REDIR-07", "the Location keeps the registered query beside code and state");
  else
    violation("REDIR-07",
              "the Location query lacks " + join(missing) + " (registered " + registered + ")");
}

CONFORMANCE_CHECK(RedirectUri, AmbiguousRedirectIsRefused, "REDIR-08") {
  // The harness's client with two URIs, or an operator's client registered with several.
  const TestClient* client = target().try_client_registered_as(
      "two-callbacks", metadata_with({kHarnessCallback, std::string(kHarnessCallback) + "2"}));
  if (!client) {
    for (ClientRole role :
         {ClientRole::Public, ClientRole::Second, ClientRole::Basic, ClientRole::Post})
      if (const TestClient* c = target().static_client(role);
          c && !client && c->redirect_uris.size() >= 2) {
        client = c;
        remark("the operator's " + std::string(client_role_name(role)) + " client " + c->client_id +
               ", registered with " + std::to_string(c->redirect_uris.size()) + " redirect URIs");
      }
    if (!client)
      skip_check("needs a client registered with two redirect URIs; give an operator's client "
                 "its redirect_uris in the --config file (the harness cannot register its own)");
  }
  AuthorizationResult result = authorize_with(*client, std::nullopt);
  // The driver watches the client's origin: any hop there means the AS picked a URI itself.
  for (const std::string& uri : client->redirect_uris)
    expect_no_redirect_to_client(result, "REDIR-08", uri,
                                 "a request without redirect_uri from a client with " +
                                     std::to_string(client->redirect_uris.size()) +
                                     " registered URIs");
  if (!target().can_register()) return;
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
  expect_no_redirect_to_client(authorize_with(matching_client(), script_uri), "REDIR-10",
                               script_uri, "redirect_uri=javascript:alert(1)");
}

CONFORMANCE_CHECK(RedirectUri, StateIsNeverReflectedRaw, "REDIR-10") {
  const TestClient& client = matching_client();
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
  request.redirect_uri = client.redirect_uri + "/" + marker;
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
