// Authorization server discovery: RFC 8414 path insertion first, then the other
// well-known URLs in the order MCP clients try them (REQUIREMENTS.md META-02); and the MCP
// 2025-03-26 way, from the MCP server's origin with fixed fallback endpoints (META-13).
#pragma once

#include "http/http_client.h"
#include "oauth/profile.h"

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

enum class WellKnownKind {
  OAuthPathInserted, // RFC 8414 §3: /.well-known/oauth-authorization-server{path}
  OidcPathInserted,  // /.well-known/openid-configuration{path}
  OidcAppended,      // {issuer}/.well-known/openid-configuration (OIDC Discovery §4)
};
std::string_view well_known_kind_name(WellKnownKind kind);

struct WellKnownCandidate {
  WellKnownKind kind;
  std::string url;
};

// The URLs an MCP client tries for `issuer`, in order (two for a root issuer, three otherwise).
std::vector<WellKnownCandidate> discovery_candidates(const std::string& issuer);
// The non-standard appended form {issuer}/.well-known/oauth-authorization-server.
std::string appended_oauth_metadata_url(const std::string& issuer);
// A base URL without its trailing slashes: the form RFC 8414 §3.1 builds well-known URLs from,
// and what two identifiers that differ only by a trailing slash have in common.
std::string issuer_from_base_url(const std::string& base_url);

struct DiscoveryAttempt {
  WellKnownCandidate candidate;
  HttpResponse response;
  bool json_object = false; // 200 and the body parses as a JSON object
};

struct Discovery {
  std::string issuer; // the identifier discovered, exactly as given (trailing slash included)
  std::vector<DiscoveryAttempt> attempts;
  std::optional<size_t> first_hit; // index of the first usable document
  nlohmann::json metadata;         // that document
  std::string metadata_url;
  std::string failure; // why nothing usable was found
  // No document, but the profile lets the server go without one: `metadata` holds
  // default_endpoint_metadata() instead (MCP 2025-03-26), and `metadata_url` is empty.
  bool default_endpoints = false;

  bool found() const { return first_hit.has_value(); }
  // A document, or the default endpoints standing in for one: something a run can use.
  bool usable() const { return found() || default_endpoints; }
};

// Probes the candidates in order. With `stop_at_first_hit` it returns at the first JSON
// object; a transport failure on the first URL ends it early (nothing answers there).
Discovery discover(HttpClient& http, const std::string& base_url, bool stop_at_first_hit);

// --- MCP 2025-03-26 ---
// That version finds the authorization server from the MCP server alone: the path of the MCP
// URL is discarded to give the authorization base URL, the RFC 8414 document is fetched from
// that origin's root, and only when the answer is 404 do clients fall back to fixed endpoint
// paths on the same origin (its «Authorization Base URL» and «Fallbacks for Servers without
// Metadata Discovery»). 2025-06-18 replaced all of this with protected resource metadata.

// "https://api.example/v1/mcp" -> "https://api.example".
std::string authorization_base_url(const std::string& mcp_url);

struct DefaultEndpoint {
  std::string_view member; // the metadata member it stands in for
  std::string_view path;   // relative to the authorization base URL
};
inline constexpr std::array<DefaultEndpoint, 3> kDefaultEndpoints = {
    {{"authorization_endpoint", "/authorize"},
     {"token_endpoint", "/token"},
     {"registration_endpoint", "/register"}}};

// What a run uses as metadata when the server publishes none: the default endpoints and nothing
// else. Every other member is absent, so it takes its RFC 8414 default, and no issuer is
// claimed (Target::issuer() then falls back to the base URL).
nlohmann::json default_endpoint_metadata(const std::string& base_url);

// The discovery a run starts from. Under MCP 2025-03-26 only the RFC 8414 URL counts, as for
// that version's clients, and a 404 there gives the default endpoints on `base_url`; under the
// other profiles it is discover(), stopping at the first hit.
Discovery discover_for_profile(HttpClient& http, const std::string& base_url, Profile profile);

// Which authorization server a 2025-03-26 run tests when the operator names none: the MCP
// server's origin, as that version's clients use it. The one exception is an origin without
// metadata of its own while the protected resource metadata (which the server may offer for
// later clients) names an authorization server that has some: that server is tested, since its
// endpoints are the server's real ones, and META-13 reports what 2025-03-26 clients miss.
std::string authorization_server_for_2025_03_26(HttpClient& http, const std::string& mcp_url,
                                                const std::optional<std::string>& listed);

} // namespace conformance
