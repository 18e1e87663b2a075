#include "oauth/resource_discovery.h"

#include "core/text.h"
#include "core/url.h"

namespace conformance {

std::string canonical_resource_uri(const std::string& url) {
  std::string out = url;
  if (size_t hash = out.find('#'); hash != std::string::npos) out.erase(hash);
  size_t scheme_end = out.find("://");
  if (scheme_end == std::string::npos) return out;
  size_t authority_end = out.find_first_of("/?", scheme_end + 3);
  if (authority_end == std::string::npos) authority_end = out.size();
  return oauth::ascii_lower(out.substr(0, authority_end)) + out.substr(authority_end);
}

std::string path_inserted_metadata_url(const std::string& resource) {
  auto origin = oauth::origin_of(resource).value_or(resource);
  auto parts = oauth::parse_url(resource);
  std::string path = parts ? parts->path : "";
  // RFC 9728 §3.1 (like RFC 8414 §3.1): a terminating slash is removed before inserting.
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  std::string url = origin + "/.well-known/oauth-protected-resource" + path;
  if (parts && parts->has_query) url += "?" + parts->query;
  return url;
}

std::string root_metadata_url(const std::string& resource) {
  return oauth::origin_of(resource).value_or(resource) + "/.well-known/oauth-protected-resource";
}

std::string_view metadata_source_name(MetadataSource source) {
  switch (source) {
  case MetadataSource::ChallengeHeader:
    return "the 401 challenge's resource_metadata";
  case MetadataSource::PathInserted:
    return "the path-inserted well-known URL";
  case MetadataSource::Root:
    return "the root well-known URL";
  }
  return "?";
}

MetadataAttempt fetch_resource_metadata(HttpClient& http, MetadataSource source,
                                        const std::string& url) {
  MetadataAttempt attempt{source, url, http.get(url, {{"Accept", "application/json"}}), false};
  if (attempt.response.status == 200) {
    auto doc = attempt.response.json();
    attempt.json_object = doc && doc->is_object();
  }
  return attempt;
}

ResourceDiscovery discover_resource(HttpClient& http, const std::string& mcp_url,
                                    const std::string& protocol_version) {
  ResourceDiscovery d;
  d.mcp_url = canonical_resource_uri(mcp_url);
  McpClient mcp(http, d.mcp_url, protocol_version);
  d.unauthenticated = mcp.initialize();
  if (!d.unauthenticated.response.answered()) {
    d.failure = "nothing answers at " + d.mcp_url + ": " + d.unauthenticated.response.summary();
    return d;
  }
  d.challenges =
      parse_www_authenticate(d.unauthenticated.response.headers_named("www-authenticate"));
  if (const Challenge* bearer = d.challenges.find("Bearer"))
    d.header_metadata_url = bearer->param("resource_metadata");

  std::vector<std::pair<MetadataSource, std::string>> order;
  if (d.header_metadata_url)
    order.emplace_back(MetadataSource::ChallengeHeader, *d.header_metadata_url);
  order.emplace_back(MetadataSource::PathInserted, path_inserted_metadata_url(d.mcp_url));
  order.emplace_back(MetadataSource::Root, root_metadata_url(d.mcp_url));
  for (const auto& [source, url] : order) {
    // The header usually names the path-inserted URL; one fetch is enough.
    bool repeated = false;
    for (const auto& a : d.attempts)
      repeated = repeated || a.url == url;
    if (repeated) continue;
    d.attempts.push_back(fetch_resource_metadata(http, source, url));
    if (d.attempts.back().json_object) {
      d.used = d.attempts.size() - 1;
      d.metadata = *d.attempts.back().response.json();
      break;
    }
  }
  if (!d.found()) {
    d.failure = "no protected resource metadata for " + d.mcp_url + " (tried";
    for (const auto& a : d.attempts)
      d.failure += " " + a.url + " -> " + a.response.summary() + ";";
    d.failure.back() = ')';
    return d;
  }
  if (auto it = d.metadata.find("authorization_servers");
      it != d.metadata.end() && it->is_array() && !it->empty() && (*it)[0].is_string())
    d.authorization_server = (*it)[0].get<std::string>();
  else
    d.failure = "the protected resource metadata at " + d.used_attempt()->url +
                " lists no authorization_servers";
  return d;
}

} // namespace conformance
