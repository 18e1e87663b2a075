// PRS: the MCP server as an OAuth protected resource (RFC 6750, RFC 9728, MCP authorization).
// Its 401 challenges and protected resource metadata, which tokens it accepts and how, and its
// scope errors. Every check needs --mcp-url.
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/scope.h"
#include "core/text.h"
#include "oauth/discovery.h"
#include "oauth/resource_discovery.h"
#include "oauth/www_authenticate.h"
#include "under_test/target.h"
#include "under_test/token_flows.h"
#include "under_test/token_oracle.h"

#include <algorithm>

namespace conformance {
namespace {

bool is_2xx(const HttpResponse& r) {
  return r.status >= 200 && r.status < 300;
}

ChallengeList challenges_of(const HttpResponse& r) {
  return parse_www_authenticate(r.headers_named("www-authenticate"));
}

// The reply to an initialize without credentials, sent again so its evidence is on this check.
McpReply unauthenticated_initialize() {
  return target().mcp().initialize();
}

// The Bearer challenge of a 401 without credentials; the check cannot go on without one.
Challenge require_bearer_challenge(const McpReply& reply) {
  if (reply.response.status != 401)
    skip_check("a request without credentials got " + reply.describe() +
               ", not 401, so there is no challenge to judge (PRS-01 judges that)");
  ChallengeList list = challenges_of(reply.response);
  if (const Challenge* bearer = list.find("Bearer")) return *bearer;
  skip_check("the 401 has no Bearer challenge (PRS-02 judges that)");
}

// A token for the MCP server from an ordinary flow (which sends resource=<MCP URI>).
Tokens mcp_tokens(const FlowShape& shape = {}) {
  target().require_mcp_url();
  return obtain_tokens(target().client(ClientRole::Public), shape);
}

std::string with_query(const std::string& url, const oauth::Params& params) {
  return oauth::append_query(url, params);
}

// RFC 6750 §3: these parameters must not repeat within a challenge.
void judge_challenge_syntax(const HttpResponse& r, const std::string& what) {
  ChallengeList list = challenges_of(r);
  if (!list.problem.empty())
    violation("PRS-02", what + ": WWW-Authenticate does not parse: " + list.problem);
  const Challenge* bearer = list.find("Bearer");
  if (!bearer) {
    violation("PRS-02", what + ": no Bearer challenge in WWW-Authenticate (got " +
                            join(r.headers_named("www-authenticate"), " | ") + ")");
    return;
  }
  if (bearer->params.empty() && bearer->token68.empty()) {
    violation("PRS-02", what + ": the Bearer challenge has no auth-param");
    return;
  }
  std::vector<std::string> repeated;
  for (const char* name : {"realm", "scope", "error", "error_description", "error_uri"})
    if (bearer->count(name) > 1) repeated.push_back(name);
  if (repeated.empty())
    pass("PRS-02", what + ": a Bearer challenge with " + std::to_string(bearer->params.size()) +
                       " auth-param(s), none repeated");
  else
    violation("PRS-02", what + ": the Bearer challenge repeats " + join(repeated));
}

// A protected resource metadata document's problems (RFC 9728 §2, §3.2; MCP needs
// authorization_servers).
std::vector<std::string> metadata_problems(const MetadataAttempt& a) {
  std::vector<std::string> problems;
  if (a.response.status != 200) return {"HTTP " + std::to_string(a.response.status)};
  if (!a.json_object) return {"the body is not a JSON object"};
  if (a.response.media_type() != "application/json")
    problems.push_back("media type '" + a.response.media_type() + "'");
  nlohmann::json doc = *a.response.json();
  if (!doc["resource"].is_string()) problems.push_back("no string 'resource'");
  const auto& servers = doc["authorization_servers"];
  if (!servers.is_array() || servers.empty())
    problems.push_back("'authorization_servers' is missing or empty");
  else if (!std::all_of(servers.begin(), servers.end(),
                        [](const auto& v) { return v.is_string(); }))
    problems.push_back("'authorization_servers' holds a non-string");
  for (const auto& [name, value] : doc.items())
    if (value.is_null() || (value.is_array() && value.empty()) ||
        (value.is_object() && value.empty()) ||
        (value.is_string() && value.get<std::string>().empty()))
      problems.push_back("'" + name + "' is present but empty (omit it instead)");
  return problems;
}

// The document the run uses: from the challenge's URL, else the well-known ones.
MetadataAttempt require_metadata() {
  const std::string& mcp = target().require_mcp_url();
  HttpClient& http = target().http();
  std::vector<std::pair<MetadataSource, std::string>> order;
  McpReply reply = unauthenticated_initialize();
  ChallengeList challenges = challenges_of(reply.response);
  if (const Challenge* bearer = challenges.find("Bearer"))
    if (auto url = bearer->param("resource_metadata"))
      order.emplace_back(MetadataSource::ChallengeHeader, *url);
  order.emplace_back(MetadataSource::PathInserted, path_inserted_metadata_url(mcp));
  order.emplace_back(MetadataSource::Root, root_metadata_url(mcp));
  MetadataAttempt last;
  for (const auto& [source, url] : order) {
    last = fetch_resource_metadata(http, source, url);
    if (last.json_object) return last;
  }
  skip_check("no protected resource metadata found (PRS-04 and PRS-05 judge that)");
}

bool profile_is(Profile profile) {
  return judging_policy().profile == profile;
}

} // namespace

CONFORMANCE_CHECK(ProtectedResource, NoTokenGets401, "PRS-01") {
  McpReply reply = unauthenticated_initialize();
  if (reply.response.status == 401)
    pass("PRS-01", "initialize without Authorization got 401");
  else
    violation("PRS-01",
              "initialize without Authorization got " + reply.describe() + " instead of 401");
}

CONFORMANCE_CHECK(ProtectedResource, ChallengeIsWellFormedBearer, "PRS-02") {
  McpReply none = unauthenticated_initialize();
  if (none.response.status == 401) judge_challenge_syntax(none.response, "the 401 without a token");
  McpReply bad = target().mcp().initialize(McpClient::bearer("harness-invalid-token"));
  if (bad.response.status == 401)
    judge_challenge_syntax(bad.response, "the 401 for an invalid token");
  if (none.response.status != 401 && bad.response.status != 401)
    skip_check("no 401 to judge: without a token " + none.describe() + ", with an invalid one " +
               bad.describe());
}

CONFORMANCE_CHECK(ProtectedResource, ChallengeNamesResourceMetadata, "PRS-03") {
  const std::string& mcp = target().require_mcp_url();
  Challenge bearer = require_bearer_challenge(unauthenticated_initialize());
  auto url = bearer.param("resource_metadata");
  if (url) {
    MetadataAttempt a =
        fetch_resource_metadata(target().http(), MetadataSource::ChallengeHeader, *url);
    if (a.json_object)
      pass("PRS-03",
           "the challenge names resource_metadata=" + *url + ", which serves a JSON object");
    else
      violation("PRS-03",
                "the challenge's resource_metadata=" + *url + " got " + quote(a.response));
    return;
  }
  // 2025-06-18 requires the header; from 2025-11-25 the well-known URLs may stand in for it,
  // though clients written to 2025-06-18 still need it.
  if (profile_is(Profile::Mcp20250618)) {
    violation("PRS-03",
              "the 401 challenge has no resource_metadata, which MCP 2025-06-18 requires");
    return;
  }
  bool well_known = false;
  for (const std::string& u : {path_inserted_metadata_url(mcp), root_metadata_url(mcp)})
    well_known =
        well_known ||
        fetch_resource_metadata(target().http(), MetadataSource::PathInserted, u).json_object;
  if (well_known)
    violation("PRS-03",
              "the 401 challenge has no resource_metadata; clients can still find the "
              "metadata at the well-known URL, but 2025-06-18 clients cannot",
              std::max(level_of("PRS-03"), Level::Should)); // weaker where the profile says so
  else
    violation("PRS-03", "the 401 challenge has no resource_metadata and no well-known URL serves "
                        "the metadata: clients cannot find the authorization server");
}

CONFORMANCE_CHECK(ProtectedResource, MetadataDocumentIsValid, "PRS-04") {
  MetadataAttempt a = require_metadata();
  auto problems = metadata_problems(a);
  if (problems.empty())
    pass("PRS-04", "the protected resource metadata at " + a.url +
                       " has resource and a non-empty "
                       "authorization_servers");
  else
    violation("PRS-04",
              "the protected resource metadata at " + a.url + ": " + join(problems, "; "));
}

CONFORMANCE_CHECK(ProtectedResource, MetadataAtWellKnownUrl, "PRS-05") {
  const std::string& mcp = target().require_mcp_url();
  MetadataAttempt path = fetch_resource_metadata(target().http(), MetadataSource::PathInserted,
                                                 path_inserted_metadata_url(mcp));
  if (path.json_object) {
    pass("PRS-05", "served at the path-inserted URL " + path.url);
    return;
  }
  MetadataAttempt root =
      fetch_resource_metadata(target().http(), MetadataSource::Root, root_metadata_url(mcp));
  if (root.json_object)
    pass("PRS-05", "served only at the root URL " + root.url + " (the path-inserted " + path.url +
                       " got " + path.response.summary() + "); MCP clients fall back to it");
  else
    violation("PRS-05", "neither " + path.url + " (" + path.response.summary() + ") nor " +
                            root.url + " (" + root.response.summary() +
                            ") serves the protected resource metadata");
}

CONFORMANCE_CHECK(ProtectedResource, MetadataResourceIsTheMcpUrl, "PRS-06") {
  const std::string& mcp = target().require_mcp_url();
  MetadataAttempt a = require_metadata();
  nlohmann::json doc = *a.response.json();
  if (!doc["resource"].is_string())
    skip_check("the metadata has no string resource (PRS-04 judges that)");
  std::string resource = doc["resource"].get<std::string>();
  if (resource == mcp)
    pass("PRS-06", "resource is exactly the MCP server URL " + mcp);
  else
    violation("PRS-06", "resource is \"" + resource + "\", not the MCP server URL \"" + mcp +
                            "\" that the metadata was found from (" +
                            std::string(metadata_source_name(a.source)) + ")");
}

CONFORMANCE_CHECK(ProtectedResource, MetadataHygiene, "PRS-07") {
  MetadataAttempt a = require_metadata();
  nlohmann::json doc = *a.response.json();
  const auto& scopes = doc["scopes_supported"];
  if (!scopes.is_array() || scopes.empty())
    violation("PRS-07", "scopes_supported is absent (RECOMMENDED: clients fall back to it when "
                        "the challenge names no scope)");
  else
    pass("PRS-07", "scopes_supported is " + scopes.dump());
  const auto& methods = doc["bearer_methods_supported"];
  if (methods.is_array() && std::find(methods.begin(), methods.end(), "query") != methods.end())
    violation("PRS-07", "bearer_methods_supported offers \"query\"; OAuth 2.1 §5.1 forbids tokens "
                        "in the URI");
  if (scopes.is_array() &&
      std::find(scopes.begin(), scopes.end(), "offline_access") != scopes.end()) {
    std::string what = "scopes_supported lists offline_access";
    if (profile_is(Profile::Mcp20260728))
      violation("PRS-07", what + ", which MCP 2026-07-28 asks resources to leave out");
    else
      note("PRS-07", what + " (MCP 2026-07-28 asks resources to leave it out)");
  }
}

CONFORMANCE_CHECK(ProtectedResource, AuthorizationServersHaveValidMetadata, "PRS-08") {
  MetadataAttempt a = require_metadata();
  nlohmann::json doc = *a.response.json();
  if (!doc["authorization_servers"].is_array() || doc["authorization_servers"].empty())
    skip_check("the metadata lists no authorization_servers (PRS-04 judges that)");
  for (const auto& entry : doc["authorization_servers"]) {
    if (!entry.is_string()) continue;
    std::string issuer = entry.get<std::string>();
    Discovery d = discover(target().http(), issuer, true);
    // discover() drops a trailing slash to build the URLs; the issuer comparison must not.
    if (!d.found()) {
      violation("PRS-08", "authorization server " + issuer + ": " + d.failure);
      continue;
    }
    auto problems = issuer_problems(d.metadata, issuer);
    auto missing = required_member_problems(d.metadata);
    problems.insert(problems.end(), missing.begin(), missing.end());
    auto methods = d.metadata.find("code_challenge_methods_supported");
    if (methods == d.metadata.end() || !methods->is_array() ||
        std::find(methods->begin(), methods->end(), "S256") == methods->end())
      problems.push_back("code_challenge_methods_supported does not list S256");
    if (problems.empty())
      pass("PRS-08", "authorization server " + issuer + ": metadata at " + d.metadata_url +
                         " names the same issuer and has the required members");
    else
      violation("PRS-08", "authorization server " + issuer + " (metadata at " + d.metadata_url +
                              "): " + join(problems, "; "));
  }
}

CONFORMANCE_CHECK(ProtectedResource, ChallengeNamesScope, "PRS-09") {
  Challenge bearer = require_bearer_challenge(unauthenticated_initialize());
  if (auto scope = bearer.param("scope"))
    pass("PRS-09", "the first challenge names scope=\"" + *scope + "\"");
  else
    violation("PRS-09", "the first 401 challenge names no scope; clients must guess from "
                        "scopes_supported");
}

CONFORMANCE_CHECK(ProtectedResource, NoErrorCodeWithoutCredentials, "PRS-10") {
  Challenge bearer = require_bearer_challenge(unauthenticated_initialize());
  if (auto error = bearer.param("error"))
    violation("PRS-10", "the 401 for a request that carried no credentials says error=\"" + *error +
                            "\" (RFC 6750 §3.1: no error code then)");
  else
    pass("PRS-10", "the 401 for a request without credentials carries no error code");
}

CONFORMANCE_CHECK(ProtectedResource, InvalidTokenGets401InvalidToken, "PRS-11") {
  target().require_mcp_url();
  auto judge = [](const McpReply& reply, const std::string& what) {
    const HttpResponse& r = reply.response;
    if (r.status != 401) {
      violation("PRS-11", what + " got " + reply.describe() + " instead of 401",
                Comparison{"HTTP 401 with a Bearer challenge, error=\"invalid_token\"",
                           reply.describe()});
      return;
    }
    ChallengeList challenges = challenges_of(r);
    const Challenge* bearer = challenges.find("Bearer");
    auto error = bearer ? bearer->param("error") : std::nullopt;
    if (error == "invalid_token")
      pass("PRS-11", what + " got 401 with error=\"invalid_token\"");
    else
      violation("PRS-11",
                what + " got 401, but its challenge says " +
                    (error ? "error=\"" + *error + "\"" : std::string("no error code")) +
                    " instead of invalid_token",
                Comparison{"error=\"invalid_token\"",
                           error ? "error=\"" + *error + "\"" : std::string("no error code")},
                Level::Should);
  };
  judge(target().mcp().initialize(McpClient::bearer("harness-invalid-token")),
        "initialize with Bearer harness-invalid-token");
  if (!revocation_endpoint()) return;
  // A revoked token, where the authorization server confirms the revocation took effect: the
  // tokens of a client the introspection caller may ask about.
  auto caller = introspection_caller();
  Tokens t = caller ? obtain_tokens(token_owner_for(*caller)) : mcp_tokens();
  if (revoke(t.client, t.access_token, "access_token").status != 200) return;
  Validity v = access_token_validity(t.access_token, t.client);
  if (v.oracle == "introspection" && v.valid == false)
    judge(target().mcp().initialize(McpClient::bearer(t.access_token)),
          "initialize with a revoked access token");
  else
    note("PRS-11", "the revoked-token case was not judged: the revocation is " + v.describe());
}

CONFORMANCE_CHECK(ProtectedResource, TokensForOtherAudiencesAreRefused, "PRS-12") {
  target().require_mcp_url();
  std::string other = target().second_resource();
  TokenAttempt a = attempt_tokens(target().client(ClientRole::Public),
                                  FlowShape{std::nullopt, std::vector<std::string>{other}});
  if (!a.tokens)
    skip_check("the authorization server issues no token for " + other + " (" + a.failure +
               "); name a resource it serves with --second-resource");
  Audience aud = access_token_audience(a.tokens->access_token, a.tokens->client);
  if (aud.values && !aud.contains(other))
    skip_check("the authorization server ignores resource: the token asked for " + other +
               " has aud [" + join(*aud.values) + "] (RES-03 judges that)");
  McpReply reply = target().mcp().initialize(McpClient::bearer(a.tokens->access_token));
  if (reply.response.status == 401)
    pass("PRS-12", "a token issued for " + other + " is refused with 401");
  else if (is_2xx(reply.response))
    violation("PRS-12", "a token issued for " + other +
                            " (another audience) is accepted: " + reply.describe());
  else
    violation("PRS-12",
              "a token issued for " + other + " got " + reply.describe() + " instead of 401");
}

CONFORMANCE_CHECK(ProtectedResource, QueryTokensAreIgnored, "PRS-13") {
  Tokens t = mcp_tokens();
  // Only meaningful where the same request without any token is refused.
  McpReply baseline = unauthenticated_initialize();
  if (baseline.response.status != 401)
    skip_check("initialize without any token already gets " + baseline.describe() +
               " (PRS-01 judges that), so a query token cannot be told apart");
  McpReply reply = target().mcp().initialize(
      {}, with_query(target().require_mcp_url(), {{"access_token", t.access_token}}));
  if (reply.response.status == 401)
    pass("PRS-13", "a valid token in the query (no header) got 401");
  else if (is_2xx(reply.response))
    violation("PRS-13", "a valid access_token in the query was accepted: " + reply.describe());
  else
    violation("PRS-13", "a token in the query got " + reply.describe() + " instead of 401",
              Level::Should);
}

CONFORMANCE_CHECK(ProtectedResource, SchemeIsCaseInsensitive, "PRS-14") {
  Tokens t = mcp_tokens();
  for (const char* scheme : {"bearer", "BEARER"}) {
    McpReply reply =
        target().mcp().initialize({{"Authorization", std::string(scheme) + " " + t.access_token}});
    if (is_2xx(reply.response))
      pass("PRS-14", std::string("Authorization: ") + scheme + " <token> was accepted");
    else
      violation("PRS-14", std::string("Authorization: ") + scheme + " <token> got " +
                              reply.describe() + " (the scheme is case-insensitive)");
  }
}

CONFORMANCE_CHECK(ProtectedResource, ValidTokenGivesAccess, "PRS-15") {
  Tokens t = mcp_tokens();
  HeaderList auth = McpClient::bearer(t.access_token);
  McpReply init = target().mcp().initialize(auth);
  if (!init.ok()) {
    violation("PRS-15", "initialize with a valid token got " + init.describe());
    return;
  }
  McpReply list = target().mcp().request("tools/list", nlohmann::json::object(),
                                         McpClient::with_session(auth, init.session_id));
  if (list.ok())
    pass("PRS-15", "initialize and tools/list with the Authorization header returned results");
  else
    violation("PRS-15", "tools/list with a valid token got " + list.describe());
}

CONFORMANCE_CHECK(ProtectedResource, SessionIdIsNotACredential, "PRS-16") {
  Tokens t = mcp_tokens();
  McpReply init = target().mcp().initialize(McpClient::bearer(t.access_token));
  if (!init.ok())
    skip_check("initialize with a valid token failed: " + init.describe() +
               " (PRS-15 judges that)");
  McpReply list = target().mcp().request("tools/list", nlohmann::json::object(),
                                         McpClient::with_session({}, init.session_id));
  std::string what = init.session_id ? "tools/list with the Mcp-Session-Id and no Authorization"
                                     : "tools/list without Authorization (the server issued no "
                                       "session id)";
  if (list.response.status == 401)
    pass("PRS-16", what + " got 401");
  else if (is_2xx(list.response))
    violation("PRS-16", what + " was served: the session id works as a credential");
  else
    violation("PRS-16", what + " got " + list.describe() + " instead of 401", Level::Should);
}

CONFORMANCE_CHECK(ProtectedResource, InsufficientScopeGets403, "PRS-17") {
  target().require_mcp_url();
  const auto& tools = target().options().facts.tool_scopes;
  if (tools.empty())
    skip_check("needs an operation that requires an extra scope: --tool-scope TOOL=SCOPE");
  for (const auto& [tool, needed] : tools) {
    Tokens t = mcp_tokens();
    std::vector<std::string> granted = oauth::split_scope(t.scope.value_or(""));
    if (std::find(granted.begin(), granted.end(), needed) != granted.end()) {
      note("PRS-17", "the default grant already includes " + needed + "; " + tool + " not judged");
      continue;
    }
    nlohmann::json call = {{"name", tool}, {"arguments", nlohmann::json::object()}};
    McpReply denied = target().mcp().request("tools/call", call, McpClient::bearer(t.access_token));
    ChallengeList list = challenges_of(denied.response);
    const Challenge* bearer = list.find("Bearer");
    std::vector<std::string> problems;
    if (denied.response.status != 403)
      problems.push_back("HTTP " + std::to_string(denied.response.status));
    if (!bearer || bearer->param("error") != "insufficient_scope")
      problems.push_back("no error=\"insufficient_scope\"");
    std::vector<std::string> asked = bearer
                                         ? oauth::split_scope(bearer->param("scope").value_or(""))
                                         : std::vector<std::string>{};
    if (std::find(asked.begin(), asked.end(), needed) == asked.end())
      problems.push_back("scope does not name " + needed);
    if (!bearer || !bearer->param("resource_metadata")) problems.push_back("no resource_metadata");
    std::string what = "tools/call " + tool + " with a token lacking " + needed;
    if (!problems.empty()) {
      violation("PRS-17", what + " got " + denied.describe() + ": " + join(problems, "; "));
      continue;
    }
    pass("PRS-17", what + " got 403 insufficient_scope naming " + oauth::join_scope(asked));
    // Step-up: authorise again with the union and retry once.
    std::vector<std::string> wanted = granted;
    for (const auto& s : asked)
      if (std::find(wanted.begin(), wanted.end(), s) == wanted.end()) wanted.push_back(s);
    Tokens stepped = mcp_tokens({oauth::join_scope(wanted), std::nullopt});
    McpReply retry =
        target().mcp().request("tools/call", call, McpClient::bearer(stepped.access_token));
    if (retry.ok())
      pass("PRS-17",
           "after re-authorising with \"" + oauth::join_scope(wanted) + "\" the call succeeded");
    else
      violation("PRS-17", "after re-authorising with the scopes the challenge named (\"" +
                              oauth::join_scope(wanted) + "\") the call still got " +
                              retry.describe());
  }
}

CONFORMANCE_CHECK(ProtectedResource, MalformedAuthorizationIsRefused, "PRS-18") {
  target().require_mcp_url();
  Tokens t = mcp_tokens();
  // `accepted_level`: how bad serving the request is. RFC 6750 §3.1 asks for 400 on a
  // malformed request with SHOULD; a server that serves one of two headers' valid token breaks
  // that SHOULD, while one that serves an empty token has no token to serve at all.
  auto judge = [](const McpReply& reply, const std::string& what, Level accepted_level) {
    int status = reply.response.status;
    if (status == 400)
      pass("PRS-18", what + " got 400");
    else if (status == 401)
      pass("PRS-18", what + " got 401 (400 invalid_request is preferred)");
    else if (status >= 200 && status < 300)
      violation("PRS-18", what + " was served: " + reply.describe(),
                Comparison{"HTTP 400 (or 401)", reply.describe()}, accepted_level);
    else
      violation("PRS-18", what + " got " + reply.describe() + " instead of 400 or 401",
                Comparison{"HTTP 400 (or 401)", reply.describe()});
  };
  judge(target().mcp().initialize({{"Authorization", "Bearer"}}),
        "Authorization: Bearer with no token", Level::Must);
  judge(target().mcp().initialize({{"Authorization", "Bearer " + t.access_token},
                                   {"Authorization", "Bearer harness-invalid-token"}}),
        "two Authorization headers", Level::Should);
}

CONFORMANCE_CHECK(ProtectedResource, ScopeHierarchyHonoured, "PRS-19") {
  target().require_mcp_url();
  const auto& implies = target().options().facts.scope_implies;
  if (implies.empty()) skip_check("needs a scope hierarchy: --scope-implies BROAD=NARROW");
  for (const auto& [broad, narrow] : implies) {
    Tokens t = mcp_tokens({broad, std::nullopt});
    std::vector<std::string> granted = oauth::split_scope(t.scope.value_or(broad));
    if (std::find(granted.begin(), granted.end(), narrow) != granted.end()) {
      note("PRS-19", "asking for " + broad + " also granted " + narrow + "; nothing to judge");
      continue;
    }
    // The operation that needs the narrow scope: a tool the operator tied to it, else the
    // ordinary requests (initialize, tools/list).
    std::optional<std::string> tool;
    for (const auto& [name, scope] : target().options().facts.tool_scopes)
      if (scope == narrow) tool = name;
    HeaderList auth = McpClient::bearer(t.access_token);
    McpReply reply =
        tool ? target().mcp().request(
                   "tools/call", {{"name", *tool}, {"arguments", nlohmann::json::object()}}, auth)
             : target().mcp().request("tools/list", nlohmann::json::object(), auth);
    std::string what = std::string(tool ? "tools/call " + *tool : "tools/list") + " (needs " +
                       narrow + ") with a token holding only " + broad;
    if (reply.ok())
      pass("PRS-19", what + " succeeded");
    else
      violation("PRS-19", what + " got " + reply.describe());
  }
}

} // namespace conformance
