// RES: resource indicators (RFC 8707) as MCP clients use them: `resource` on both the
// authorization and the token request, never breaking the flow, and tokens restricted to the
// resource they were requested for.
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/text.h"
#include "oauth/resource_discovery.h"
#include "under_test/target.h"
#include "under_test/token_flows.h"
#include "under_test/token_oracle.h"

namespace conformance {
namespace {

const TestClient& public_client() {
  return target().client(ClientRole::Public);
}

FlowShape for_resources(std::vector<std::string> resources) {
  return {std::nullopt, std::move(resources)};
}

// The MCP URI with upper-case scheme and host (MCP 2025-06-18 §2.5.1.1 asks servers to accept it).
std::string upper_case_origin(const std::string& uri) {
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return uri;
  size_t authority_end = uri.find_first_of("/?#", scheme_end + 3);
  if (authority_end == std::string::npos) authority_end = uri.size();
  std::string out = uri;
  for (size_t i = 0; i < authority_end; ++i)
    out[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[i])));
  return out;
}

bool refused_as_invalid_target(const TokenAttempt& a) {
  auto token_error = a.token_response.json();
  return a.grant.authorization.error() == "invalid_target" ||
         (token_error && token_error->is_object() && (*token_error)["error"] == "invalid_target");
}

// What shows that the server implements RFC 8707, or nullopt: a refusal of a resource that is no
// absolute URI, or of the second resource, with invalid_target, or a token requested for the
// second resource that names it as its audience. A server without the feature ignores
// `resource` like any parameter it does not know (OAuth 2.1 §4.1.1, §3.2), which is not a
// refusal it owes anyone.
std::optional<std::string> evidence_of_resource_indicators() {
  const std::string malformed = "mcp.example.com";
  if (refused_as_invalid_target(attempt_tokens(public_client(), for_resources({malformed}))))
    return "it refused resource=" + malformed + " with invalid_target";
  const std::string resource = target().second_resource();
  TokenAttempt a = attempt_tokens(public_client(), for_resources({resource}));
  if (refused_as_invalid_target(a))
    return "it refused resource=" + resource + " with invalid_target";
  if (!a.tokens) return std::nullopt;
  Audience aud = access_token_audience(a.tokens->access_token, a.tokens->client);
  if (aud.contains(resource))
    return "a token requested for " + resource + " names it as audience (from " + aud.source + ")";
  return std::nullopt;
}

// Whether the MCP server accepts `access_token` (initialize with it).
McpReply try_at_mcp(const std::string& access_token) {
  return target().mcp().initialize(McpClient::bearer(access_token));
}

} // namespace

CONFORMANCE_CHECK(ResourceIndicators, McpResourceDoesNotBreakTheFlow, "RES-01") {
  const std::string& mcp = target().require_mcp_url();
  TokenAttempt a = attempt_tokens(public_client(), for_resources({mcp}));
  if (!a.tokens) {
    violation("RES-01", "a flow with resource=" + mcp + " on both requests failed: " + a.failure);
    return;
  }
  pass("RES-01", "a flow with resource=" + mcp + " on both requests returned tokens");
  // RFC 8707 §2 allows several resources in one request.
  TokenAttempt two =
      attempt_tokens(public_client(), for_resources({mcp, target().second_resource()}));
  note("RES-01", two.tokens ? "a flow with two resource values also returned tokens"
                            : "a flow with two resource values failed: " + two.failure);
}

CONFORMANCE_CHECK(ResourceIndicators, UnusableResourceIsInvalidTarget, "RES-02") {
  const std::string with_fragment =
      target().options().mcp_url.value_or(target().second_resource()) + "#frag";
  for (const std::string& bad : {std::string("mcp.example.com"), with_fragment}) {
    std::string what = "resource=" + bad;
    CodeGrant g = attempt_code(public_client(), Pkce::fresh(), for_resources({bad}));
    if (g.code.empty()) {
      expect_authorization_error(g.authorization, "RES-02", {"invalid_target"},
                                 "an authorization request with " + what);
      continue;
    }
    // RFC 8707 §2: the AS may also refuse the resource only at the token endpoint.
    HttpResponse r = redeem(g);
    if (r.status == 200) {
      auto evidence = evidence_of_resource_indicators();
      if (!evidence) {
        note("RES-02", "the server accepted " + what +
                           ", and shows no sign of implementing resource indicators (no audience "
                           "follows the requested resource, no invalid_target): it ignores the "
                           "parameter, as OAuth 2.1 has servers do with parameters they do not "
                           "know. Audience binding is judged by RES-03 and PRS-12");
        continue;
      }
      violation("RES-02",
                "the server implements resource indicators (" + *evidence + ") but accepted " +
                    what + " without invalid_target",
                Comparison{"error=invalid_target", "HTTP 200 with tokens"});
      continue;
    }
    expect_token_error(r, "RES-02", {"invalid_target"},
                       "a token request with " + what + " (the authorization accepted it)");
  }
}

CONFORMANCE_CHECK(ResourceIndicators, TokensAreAudienceRestricted, "RES-03") {
  std::vector<std::string> resources;
  if (target().options().mcp_url) resources.push_back(*target().options().mcp_url);
  resources.push_back(target().second_resource());
  bool judged = false;
  for (const std::string& resource : resources) {
    TokenAttempt a = attempt_tokens(public_client(), for_resources({resource}));
    if (!a.tokens) {
      note("RES-03", "no token for resource " + resource + ": " + a.failure);
      continue;
    }
    Audience aud = access_token_audience(a.tokens->access_token, a.tokens->client);
    if (!aud.values) {
      skip_check("the access token's audience cannot be read (" + aud.source +
                 "); PRS-12 checks audience restriction by behaviour at the MCP server");
    }
    judged = true;
    if (aud.contains(resource)) {
      pass("RES-03", "a token requested for " + resource + " has aud " + join(*aud.values) +
                         " (from " + aud.source + ")");
      continue;
    }
    // Another resource than the MCP server's got the default audience: a server that does not
    // implement resource indicators ignores the parameter, which is its right.
    if (resource != target().options().mcp_url && !evidence_of_resource_indicators()) {
      note("RES-03", "a token requested for " + resource + " has aud [" + join(*aud.values) +
                         "] (from " + aud.source +
                         "): the server shows no sign of implementing resource indicators and "
                         "gives every token its default audience");
      continue;
    }
    violation("RES-03",
              "a token requested for " + resource + " has aud [" + join(*aud.values) + "] (from " +
                  aud.source + "), which does not name it",
              Comparison{"aud naming " + resource, "aud [" + join(*aud.values) + "]"});
  }
  if (!judged) skip_check("the server issued no token for any resource tried (RES-01 judges that)");
}

CONFORMANCE_CHECK(ResourceIndicators, TokenRequestResourceWithinAuthorization, "RES-04") {
  std::string r1 = target().options().mcp_url.value_or("https://rs1.conformance.invalid/mcp");
  std::string r2 = target().second_resource();
  CodeGrant g = attempt_code(public_client(), Pkce::fresh(), for_resources({r1}));
  if (g.code.empty())
    skip_check("the server gives no code for resource=" + r1 + ": " + g.authorization.describe());
  g.resources = {r2}; // the token request names a resource the authorization did not
  HttpResponse r = redeem(g);
  auto doc = r.json();
  if (r.status != 200) {
    bool invalid_target = doc && doc->is_object() && (*doc)["error"] == "invalid_target";
    note("RES-04",
         std::string("authorized for ") + r1 + " and redeemed for " + r2 + ": " +
             (invalid_target ? "refused with invalid_target" : "refused: " + quote(r, 80)));
    return;
  }
  Tokens t = tokens_from(g.client, r, "the code exchange");
  Audience aud = access_token_audience(t.access_token, t.client);
  if (!aud.values)
    note("RES-04", "authorized for " + r1 + " and redeemed for " + r2 +
                       ": a token was issued; its audience cannot be read (" + aud.source + ")");
  else if (aud.contains(r2))
    note("RES-04", "the server does not limit the token request to the authorized resources: a "
                   "token for " +
                       r2 + " was issued (aud " + join(*aud.values) + ")");
  else
    note("RES-04", "the token for " + r2 + " was issued with aud [" + join(*aud.values) +
                       "], which leaves " + r2 + " out");
}

CONFORMANCE_CHECK(ResourceIndicators, CanonicalUriHandledRobustly, "RES-05") {
  const std::string& mcp = target().require_mcp_url();
  std::string upper = upper_case_origin(mcp);
  TokenAttempt a = attempt_tokens(public_client(), for_resources({upper}));
  if (!a.tokens) {
    violation("RES-05", "a flow with resource=" + upper +
                            " (upper-case scheme and host) failed: " + a.failure);
  } else {
    McpReply reply = try_at_mcp(a.tokens->access_token);
    if (reply.response.status >= 200 && reply.response.status < 300)
      pass("RES-05", "a token requested for " + upper + " works at the MCP server");
    else
      violation("RES-05", "a token requested for " + upper +
                              " is refused by the MCP server: " + reply.describe());
  }
  // MCP prefers the form without a trailing slash; what happens with one is recorded (C-08).
  std::string slashed = mcp.back() == '/' ? mcp.substr(0, mcp.size() - 1) : mcp + "/";
  TokenAttempt s = attempt_tokens(public_client(), for_resources({slashed}));
  if (!s.tokens) {
    note("RES-05", "the authorization server refuses resource=" + slashed + ": " + s.failure);
    return;
  }
  McpReply reply = try_at_mcp(s.tokens->access_token);
  note("RES-05", "a token requested for " + slashed + " is " +
                     (reply.response.status >= 200 && reply.response.status < 300
                          ? std::string("accepted")
                          : "refused (" + reply.response.summary() + ")") +
                     " by the MCP server");
}

} // namespace conformance
