// META: authorization server metadata and discovery (RFC 8414, MCP discovery order, and the MCP
// 2025-03-26 origin-root discovery with its default endpoints).
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/text.h"
#include "under_test/target.h"

#include <set>

namespace conformance {
namespace {

bool is_mcp_2025_11_or_later() {
  Profile p = judging_policy().profile;
  return p == Profile::Mcp20251125 || p == Profile::Mcp20260728;
}

// http on a loopback origin is a development set-up: report it, don't fail it.
void judge_https(std::string_view requirement, const std::string& what, const std::string& url) {
  auto parts = oauth::parse_url(url);
  if (!parts)
    violation(requirement, what + " is not an absolute URL: " + url);
  else if (parts->scheme == "https")
    pass(requirement, what + " uses https");
  else if (parts->scheme == "http" && oauth::is_loopback_host(parts->host))
    note(requirement,
         what + " uses http on a loopback origin (" + url + "); production needs https");
  else
    violation(requirement, what + " must be https, got " + url);
}

bool lists(const nlohmann::json& doc, const char* member, const char* value) {
  auto it = doc.find(member);
  return it != doc.end() && it->is_array() && std::find(it->begin(), it->end(), value) != it->end();
}

std::vector<std::string> empty_members(const nlohmann::json& doc) {
  std::vector<std::string> empty;
  for (const auto& [key, value] : doc.items())
    if (value.is_null() || (value.is_array() && value.empty()) ||
        (value.is_object() && value.empty()) ||
        (value.is_string() && value.get<std::string>().empty()))
      empty.push_back(key);
  return empty;
}

const std::string& expected_issuer() {
  return target().discovery().issuer;
}

// Under MCP 2025-03-26 a server may publish no metadata and serve the default endpoints instead;
// the run then has no document to judge, and META-13 judges the endpoints.
constexpr const char* kNoPublishedMetadata =
    "the server publishes no authorization server metadata, which MCP 2025-03-26 allows when the "
    "default endpoints /authorize, /token and /register are served (META-13 judges those)";

void require_published_metadata() {
  if (target().discovery().default_endpoints) skip_check(kNoPublishedMetadata);
}

bool is_oauth_json_error(const HttpResponse& r) {
  auto doc = r.json();
  return (r.status == 400 || r.status == 401) && doc && doc->is_object() &&
         doc->contains("error") && (*doc)["error"].is_string();
}

// MCP 2025-03-26 «Fallbacks for Servers without Metadata Discovery»: each default endpoint, probed
// with a request it must answer as that endpoint; empty when it does, else what came back.
std::string default_endpoint_problem(std::string_view member, const std::string& url) {
  HttpClient& http = target().http();
  if (member == "authorization_endpoint") {
    // Any answer but "no such resource" shows an authorization endpoint; an unknown client_id
    // is expected to get the server's error page.
    HttpResponse r =
        http.get(oauth::append_query(url, {{"response_type", "code"}, {"client_id", "x"}}));
    if (!r.answered() || r.status == 404 || r.status == 405) return "GET got " + quote(r);
    return "";
  }
  if (member == "token_endpoint") {
    HttpResponse r = http.post_form(url, {});
    return is_oauth_json_error(r) ? ""
                                  : "an empty POST got " + quote(r) + ", not an OAuth JSON error";
  }
  // A registration the server must refuse (redirect_uris is not an array), so a well-behaved
  // server creates nothing; RFC 7591 §3.2 answers 201 or 400 with a JSON object.
  nlohmann::json invalid = {{"client_name", "conformance META-13 probe"},
                            {"redirect_uris", "not-an-array"}};
  HttpResponse r = http.post_json(url, invalid, target().registration_headers());
  auto doc = r.json();
  if ((r.status == 201 || r.status == 400) && doc && doc->is_object()) return "";
  // RFC 7591 §3: a protected registration endpoint challenges for its initial access token.
  if (r.status == 401 && r.header("www-authenticate")) return "";
  return "a POST got " + quote(r) + ", not 201 or 400 with a JSON object";
}

} // namespace

CONFORMANCE_CHECK(Metadata, WellKnownUrlServesJson, "META-01") {
  auto candidates = discovery_candidates(expected_issuer());
  const std::string& url = candidates.front().url;
  HttpResponse r = target().http().get(url);
  auto doc = r.json();
  if (r.status == 200 && doc && doc->is_object()) {
    if (r.media_type() == "application/json")
      pass("META-01", "200 application/json object at " + url);
    else
      violation("META-01", "metadata at " + url + " is served as '" + r.media_type() +
                               "', not application/json");
    return;
  }
  std::string appended = appended_oauth_metadata_url(expected_issuer());
  if (appended != url) {
    HttpResponse a = target().http().get(appended);
    auto adoc = a.json();
    if (a.status == 200 && adoc && adoc->is_object()) {
      violation("META-01", "metadata exists only at the appended form " + appended +
                               "; RFC 8414 §3.1 places it at " + url + " (got " + r.summary() +
                               ")");
      return;
    }
  }
  const auto& d = target().discovery();
  if (d.default_endpoints && r.status == 404) {
    // 2025-03-26 asks servers to offer metadata but gives clients a fixed fallback for those
    // that do not, so its absence alone breaks no client of that version.
    note("META-01", "no metadata at " + url + " (404); " + kNoPublishedMetadata);
    return;
  }
  if (is_mcp_2025_11_or_later() && d.found() &&
      d.attempts[*d.first_hit].candidate.kind != WellKnownKind::OAuthPathInserted) {
    note("META-01", "no RFC 8414 document at " + url + " (" + r.summary() +
                        "); the profile accepts OpenID discovery instead (META-02)");
    return;
  }
  violation("META-01", "expected 200 application/json at " + url + "; got " + quote(r),
            Comparison{"HTTP 200 application/json (a JSON object)", quote(r)});
}

CONFORMANCE_CHECK(Metadata, DiscoveryFindsDocumentInMcpOrder, "META-02") {
  require_published_metadata();
  Discovery d = discover(target().http(), target().options().base_url, false);
  bool rfc8414_only = !is_mcp_2025_11_or_later();
  std::vector<std::string> rejected;
  const DiscoveryAttempt* first = nullptr;
  std::vector<const DiscoveryAttempt*> hits;
  for (const auto& attempt : d.attempts) {
    if (!attempt.json_object) continue;
    if (rfc8414_only && attempt.candidate.kind != WellKnownKind::OAuthPathInserted) continue;
    auto doc = *attempt.response.json();
    auto problems = issuer_problems(doc, d.issuer);
    for (auto& p : required_member_problems(doc))
      problems.push_back(p);
    if (level_of("META-05") == Level::Must &&
        !lists(doc, "code_challenge_methods_supported", "S256"))
      problems.push_back("no S256 in code_challenge_methods_supported");
    for (auto& m : empty_members(doc))
      problems.push_back("empty member '" + m + "'");
    hits.push_back(&attempt);
    if (problems.empty() && !first) first = &attempt;
    if (!problems.empty()) rejected.push_back(attempt.candidate.url + ": " + join(problems, "; "));
  }
  if (!first) {
    violation("META-02",
              hits.empty()
                  ? "no well-known URL in the MCP order returned metadata" +
                        std::string(rfc8414_only ? " (this profile counts only RFC 8414)" : "")
                  : "no discovered document is valid: " + join(rejected, " | "));
    return;
  }
  pass("META-02", "MCP clients use " + first->candidate.url + " (" +
                      std::string(well_known_kind_name(first->candidate.kind)) + ")");
  for (const auto* other : hits) {
    if (other == first) continue;
    auto a = *first->response.json(), b = *other->response.json();
    for (const char* member : {"issuer", "authorization_endpoint", "token_endpoint"})
      if (a.value(member, nlohmann::json()) != b.value(member, nlohmann::json()))
        violation("META-02",
                  std::string("'") + member + "' differs between " + first->candidate.url +
                      " and " + other->candidate.url,
                  Level::Should);
  }
}

CONFORMANCE_CHECK(Metadata, IssuerMatchesDiscoveryUrl, "META-03") {
  require_published_metadata();
  auto problems = issuer_problems(target().metadata(), expected_issuer());
  // The operator may type a trailing slash the issuer does not have (or leave one out): only the
  // protected resource metadata's identifier is what clients will compare with.
  const nlohmann::json& issuer = target().metadata()["issuer"];
  if (!problems.empty() && !target().options().base_url_from_resource_metadata &&
      issuer.is_string() &&
      issuer_from_base_url(issuer.get<std::string>()) == issuer_from_base_url(expected_issuer())) {
    note("META-03", "the metadata issuer " + issuer.dump() + " differs from --base-url " +
                        expected_issuer() +
                        " only by a trailing slash; clients configured with the latter will "
                        "reject this server (RFC 8414 §3.3)");
    return;
  }
  if (!problems.empty()) {
    violation("META-03", join(problems, "; "),
              Comparison{expected_issuer(), issuer.is_string() ? issuer.get<std::string>()
                                                               : std::string("no issuer")});
    return;
  }
  judge_https("META-03", "the issuer", target().metadata()["issuer"].get<std::string>());
}

CONFORMANCE_CHECK(Metadata, RequiredMembersPresent, "META-04") {
  require_published_metadata();
  auto problems = required_member_problems(target().metadata());
  if (problems.empty())
    pass("META-04", "issuer, endpoints and response_types_supported with \"code\" are present");
  else
    violation("META-04", join(problems, "; "));
}

CONFORMANCE_CHECK(Metadata, AdvertisesS256, "META-05") {
  require_published_metadata();
  const auto& doc = target().metadata();
  auto it = doc.find("code_challenge_methods_supported");
  if (it == doc.end())
    violation("META-05", "code_challenge_methods_supported is absent: clients must assume no PKCE");
  else if (!lists(doc, "code_challenge_methods_supported", "S256"))
    violation("META-05",
              "code_challenge_methods_supported is " + it->dump() + ", without \"S256\"");
  else
    pass("META-05", "code_challenge_methods_supported lists S256");
}

CONFORMANCE_CHECK(Metadata, NoEmptyMembers, "META-06") {
  require_published_metadata();
  auto empty = empty_members(target().metadata());
  if (empty.empty())
    pass("META-06", "no null or empty members");
  else
    violation("META-06",
              "members that should have been omitted are present but empty: " + join(empty));
}

CONFORMANCE_CHECK(Metadata, EndpointsAreHttpsAndServed, "META-07") {
  struct Probe {
    const char* member;
    const char* method;
  };
  const Probe probes[] = {{"authorization_endpoint", "GET"},
                          {"token_endpoint", "POST"},
                          {"registration_endpoint", "POST"},
                          {"revocation_endpoint", "POST"},
                          {"introspection_endpoint", "POST"},
                          {"pushed_authorization_request_endpoint", "POST"},
                          {"jwks_uri", "GET"},
                          {"userinfo_endpoint", "GET"}};
  for (const auto& probe : probes) {
    auto url = target().endpoint(probe.member);
    if (!url) continue;
    judge_https("META-07", probe.member, *url);
    // A minimal request: an empty form POST, or a bare GET. Anything but 404/405/5xx shows it is
    // served.
    HttpResponse r = std::string(probe.method) == "GET" ? target().http().get(*url)
                                                        : target().http().post_form(*url, {});
    if (!r.answered() || r.status == 404 || r.status == 405 || r.status >= 500)
      violation("META-07", std::string(probe.member) + " " + *url +
                               " is not served: " + probe.method + " got " + quote(r));
    else
      pass("META-07", std::string(probe.member) + " answers " + probe.method + " with HTTP " +
                          std::to_string(r.status));
  }
}

CONFORMANCE_CHECK(Metadata, RemovedFlowsNotAdvertised, "META-08") {
  require_published_metadata();
  const auto& doc = target().metadata();
  std::vector<std::string> advertised;
  if (auto rt = doc.find("response_types_supported"); rt != doc.end() && rt->is_array())
    for (const auto& v : *rt) {
      if (!v.is_string()) continue;
      std::string words = " " + v.get<std::string>() + " ";
      if (words.find(" token ") != std::string::npos)
        advertised.push_back("response type \"" + v.get<std::string>() + "\"");
    }
  for (const char* grant : {"implicit", "password"})
    if (lists(doc, "grant_types_supported", grant))
      advertised.push_back(std::string("grant type \"") + grant + "\"");
  if (advertised.empty())
    pass("META-08", "no implicit or password flow advertised");
  else
    violation("META-08", "removed flows are advertised: " + join(advertised));
}

CONFORMANCE_CHECK(Metadata, RegistrationIsDiscoverable, "META-09") {
  require_published_metadata();
  const auto& doc = target().metadata();
  if (!target().endpoint("registration_endpoint")) {
    // MCP clients find DCR only through the metadata: a working but unadvertised /register is
    // useless to them.
    std::string conventional = oauth::origin_of(target().issuer()).value_or("") + "/register";
    HttpResponse r = target().http().post_json(
        conventional, client_metadata(target().options().redirect_uri, ClientAuth::None));
    if (r.status == 201 || (r.status == 200 && r.json() && r.json()->contains("client_id")))
      violation("META-09", "registration works at " + conventional +
                               " but no registration_endpoint is advertised");
    else
      note("META-09", "no registration_endpoint advertised and none at " + conventional + " (" +
                          r.summary() + ")");
    return;
  }
  pass("META-09", "registration_endpoint is advertised");
  if (!doc.contains("token_endpoint_auth_methods_supported"))
    violation(
        "META-09",
        "token_endpoint_auth_methods_supported is absent, which implies client_secret_basic only: "
        "public MCP clients cannot use this server",
        Level::Should);
  else if (!lists(doc, "token_endpoint_auth_methods_supported", "none"))
    violation("META-09",
              "token_endpoint_auth_methods_supported does not list \"none\": public MCP clients "
              "cannot use this server",
              Level::Should);
  else
    pass("META-09", "token_endpoint_auth_methods_supported lists \"none\" for public clients");
}

CONFORMANCE_CHECK(Metadata, OpenIdDocumentsAreComplete, "META-12") {
  Discovery d = discover(target().http(), target().options().base_url, false);
  bool found = false;
  for (const auto& attempt : d.attempts) {
    if (attempt.candidate.kind == WellKnownKind::OAuthPathInserted || !attempt.json_object)
      continue;
    found = true;
    auto doc = *attempt.response.json();
    std::vector<std::string> missing;
    for (const char* member : {"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                               "response_types_supported", "subject_types_supported",
                               "id_token_signing_alg_values_supported"})
      if (!doc.contains(member)) missing.push_back(member);
    // MCP clients refuse an OIDC-discovered server that does not advertise PKCE (2025-11-25 §11.4).
    if (!lists(doc, "code_challenge_methods_supported", "S256"))
      missing.push_back("code_challenge_methods_supported with S256");
    if (missing.empty())
      pass("META-12", attempt.candidate.url + " has every member OpenID discovery requires");
    else
      violation("META-12", attempt.candidate.url + " lacks " + join(missing));
  }
  if (!found) skip_check("no OpenID discovery document at any well-known URL");
}

CONFORMANCE_CHECK(Metadata, OriginRootOrDefaultEndpoints, "META-13") {
  if (judging_policy().profile != Profile::Mcp20250326)
    skip_check("only MCP 2025-03-26 clients look for the authorization server at the MCP "
               "server's origin (2025-06-18 moved discovery to protected resource metadata): run "
               "with --profile mcp-2025-03-26 to judge it");
  // 2025-03-26 «Authorization Base URL»: the MCP URL without its path.
  std::string base = authorization_base_url(target().require_mcp_url());
  std::string url = base + "/.well-known/oauth-authorization-server";
  HttpResponse r = target().http().get(url);
  auto doc = r.json();
  if (r.status == 200 && doc && doc->is_object()) {
    pass("META-13", "authorization server metadata at the MCP server's origin root, " + url);
    return;
  }
  // Clients of that version fall back to the default endpoints on a 404 only.
  if (r.status != 404) {
    violation("META-13",
              "2025-03-26 clients look for metadata at " + url +
                  " and fall back to the default endpoints only on a 404; got " + quote(r),
              Comparison{"HTTP 200 with a JSON object, or 404", quote(r)});
    return;
  }
  std::vector<std::string> missing;
  for (const DefaultEndpoint& e : kDefaultEndpoints) {
    std::string endpoint = base + std::string(e.path);
    if (std::string problem = default_endpoint_problem(e.member, endpoint); !problem.empty())
      missing.push_back(std::string(e.path) + " (" + problem + ")");
  }
  if (missing.empty())
    pass("META-13", "no metadata at " + url +
                        " (404), and the default endpoints /authorize, /token and /register "
                        "answer on " +
                        base);
  else
    violation("META-13", "no metadata at " + url +
                             " (404), so 2025-03-26 clients use the default "
                             "endpoints on " +
                             base + ", and these are not served: " + join(missing, "; "));
}

CONFORMANCE_CHECK(Metadata, DiscoveryWorksForMcpClients, "META-14") {
  require_published_metadata();
  const std::string& url = target().discovery().metadata_url;
  HttpResponse with_header = target().http().get(url, {{"MCP-Protocol-Version", "2025-11-25"}});
  if (with_header.status == 200 && with_header.json())
    pass("META-14", "a GET with MCP-Protocol-Version gets the document");
  else
    violation("META-14",
              "a GET carrying MCP-Protocol-Version: 2025-11-25 got " + quote(with_header));
  HttpResponse preflight =
      target().http().send({"OPTIONS",
                            url,
                            {{"Origin", "https://mcp-client.example"},
                             {"Access-Control-Request-Method", "GET"},
                             {"Access-Control-Request-Headers", "mcp-protocol-version"}},
                            ""});
  auto origin = preflight.header("access-control-allow-origin");
  if (!origin) {
    note("META-14",
         "no CORS on the metadata (browser-based MCP clients cannot discover this server)");
    return;
  }
  std::string allowed =
      oauth::ascii_lower(preflight.header("access-control-allow-headers").value_or(""));
  if (allowed.find("mcp-protocol-version") != std::string::npos ||
      allowed.find('*') != std::string::npos)
    note("META-14", "CORS allows origin " + *origin + " and the mcp-protocol-version header");
  else
    violation("META-14", "CORS is on (Access-Control-Allow-Origin: " + *origin +
                             ") but the preflight does not allow the mcp-protocol-version header");
}

CONFORMANCE_CHECK(Metadata, ClientIdMetadataDocumentsAreAdvertised, "META-10") {
  require_published_metadata();
  auto it = target().metadata().find("client_id_metadata_document_supported");
  bool supported = it != target().metadata().end() && it->is_boolean() && it->get<bool>();
  if (supported) {
    pass("META-10", "client_id_metadata_document_supported is true (the CIMD rows need a public "
                    "HTTPS origin the "
                    "harness controls and are excluded here)");
    return;
  }
  // CIMD is how 2025-11-25+ MCP clients identify themselves without registration (a SHOULD there).
  std::string state = it == target().metadata().end() ? "absent" : "false";
  if (is_mcp_2025_11_or_later())
    violation("META-10",
              "client_id_metadata_document_supported is " + state +
                  ": MCP clients from 2025-11-25 on cannot use URL client IDs here",
              Level::Should);
  else
    note("META-10", "client_id_metadata_document_supported is " + state +
                        " (CIMD is not part of this profile)");
}

} // namespace conformance
