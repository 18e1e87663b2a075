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

Discovery discover(HttpClient& http, const std::string& base_url, bool stop_at_first_hit) {
  Discovery d;
  // The identifier exactly as the client path names it (a trailing slash included): RFC 8414
  // §3.1 drops a terminating slash only to build the well-known URL, never from the issuer.
  d.issuer = base_url;
  for (const auto& candidate : discovery_candidates(d.issuer)) {
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

} // namespace conformance
