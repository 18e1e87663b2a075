#include "oauth/discovery.h"

namespace conformance {

std::string_view well_known_kind_name(WellKnownKind kind) {
  switch (kind) {
  case WellKnownKind::OAuthPathInserted:
    return "RFC 8414 oauth-authorization-server";
  case WellKnownKind::OidcPathInserted:
    return "openid-configuration (path-inserted)";
  case WellKnownKind::OidcAppended:
    return "openid-configuration (appended)";
  }
  return "?";
}

std::string issuer_from_base_url(const std::string& base_url) {
  std::string issuer = base_url;
  while (!issuer.empty() && issuer.back() == '/')
    issuer.pop_back();
  return issuer;
}

std::vector<WellKnownCandidate> discovery_candidates(const std::string& issuer) {
  auto origin = oauth::origin_of(issuer).value_or(issuer);
  auto parts = oauth::parse_url(issuer);
  std::string path = parts ? parts->path : "";
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  if (path.empty()) {
    return {{WellKnownKind::OAuthPathInserted, origin + "/.well-known/oauth-authorization-server"},
            {WellKnownKind::OidcPathInserted, origin + "/.well-known/openid-configuration"}};
  }
  return {
      {WellKnownKind::OAuthPathInserted, origin + "/.well-known/oauth-authorization-server" + path},
      {WellKnownKind::OidcPathInserted, origin + "/.well-known/openid-configuration" + path},
      {WellKnownKind::OidcAppended, origin + path + "/.well-known/openid-configuration"}};
}

std::string appended_oauth_metadata_url(const std::string& issuer) {
  return issuer_from_base_url(issuer) + "/.well-known/oauth-authorization-server";
}

namespace {

Discovery discover_among(HttpClient& http, const std::string& base_url,
                         const std::vector<WellKnownCandidate>& candidates,
                         bool stop_at_first_hit) {
  Discovery d;
  // The identifier exactly as the client path names it (a trailing slash included): RFC 8414
  // §3.1 drops a terminating slash only to build the well-known URL, never from the issuer.
  d.issuer = base_url;
  for (const auto& candidate : candidates) {
    DiscoveryAttempt attempt{candidate, http.get(candidate.url), false};
    if (attempt.response.status == 200) {
      auto doc = attempt.response.json();
      attempt.json_object = doc && doc->is_object();
      if (attempt.json_object && !d.found()) {
        d.first_hit = d.attempts.size();
        d.metadata = *doc;
        d.metadata_url = candidate.url;
      }
    }
    bool nothing_answers = d.attempts.empty() && !attempt.response.answered();
    d.attempts.push_back(std::move(attempt));
    if (nothing_answers) {
      d.failure =
          "nothing answers at " + base_url + ": " + d.attempts.back().response.transport_error;
      return d;
    }
    if (d.found() && stop_at_first_hit) return d;
  }
  if (!d.found()) {
    d.failure =
        "no authorization server metadata at any well-known URL for " + d.issuer + " (tried";
    for (const auto& a : d.attempts)
      d.failure += " " + a.candidate.url + " -> " + a.response.summary() + ";";
    d.failure.back() = ')';
  }
  return d;
}

} // namespace

Discovery discover(HttpClient& http, const std::string& base_url, bool stop_at_first_hit) {
  return discover_among(http, base_url, discovery_candidates(base_url), stop_at_first_hit);
}

std::string authorization_base_url(const std::string& mcp_url) {
  return oauth::origin_of(mcp_url).value_or(mcp_url);
}

nlohmann::json default_endpoint_metadata(const std::string& base_url) {
  std::string base = issuer_from_base_url(base_url);
  nlohmann::json doc = nlohmann::json::object();
  for (const DefaultEndpoint& e : kDefaultEndpoints)
    doc[std::string(e.member)] = base + std::string(e.path);
  return doc;
}

Discovery discover_for_profile(HttpClient& http, const std::string& base_url, Profile profile) {
  if (profile != Profile::Mcp20250326) return discover(http, base_url, true);
  // 2025-03-26 clients know RFC 8414 only, and fall back on a 404 alone: any other answer
  // (a 500, a 200 that is not JSON) is a failed discovery, not an absent document.
  Discovery d = discover_among(http, base_url, {discovery_candidates(base_url).front()}, true);
  if (d.found() || d.attempts.empty() || d.attempts.front().response.status != 404) return d;
  d.default_endpoints = true;
  d.metadata = default_endpoint_metadata(base_url);
  d.failure.clear();
  return d;
}

std::string authorization_server_for_2025_03_26(HttpClient& http, const std::string& mcp_url,
                                                const std::optional<std::string>& listed) {
  std::string origin = authorization_base_url(mcp_url);
  if (!listed || issuer_from_base_url(*listed) == origin) return origin;
  if (discover_for_profile(http, origin, Profile::Mcp20250326).found()) return origin;
  if (discover_for_profile(http, *listed, Profile::Mcp20250326).found()) return *listed;
  return origin;
}

} // namespace conformance
