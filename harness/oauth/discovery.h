// Authorization server discovery: RFC 8414 path insertion first, then the other
// well-known URLs in the order MCP clients try them (REQUIREMENTS.md META-02).
#pragma once

#include "http/http_client.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
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

  bool found() const { return first_hit.has_value(); }
};

// Probes the candidates in order. With `stop_at_first_hit` it returns at the first JSON
// object; a transport failure on the first URL ends it early (nothing answers there).
Discovery discover(HttpClient& http, const std::string& base_url, bool stop_at_first_hit);

} // namespace conformance
