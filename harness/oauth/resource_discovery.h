// Protected resource discovery: how an MCP client finds its authorization server starting from
// the MCP server (MCP 2025-06-18 §2.3, 2025-11-25 §4): an unauthenticated request draws a 401
// whose Bearer challenge names the protected resource metadata (RFC 9728 §5.1); without it the
// client tries the path-inserted well-known URL and then the root one (RFC 9728 §3.1). The
// metadata lists the authorization servers, whose own metadata discovery.h then finds.
#pragma once

#include "http/http_client.h"
#include "oauth/mcp_client.h"
#include "oauth/www_authenticate.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

// The form of an MCP server URL that clients send as `resource`: scheme and host lower-cased,
// no fragment (MCP 2025-06-18 §2.5.1.1). The path, including any trailing slash, is kept.
std::string canonical_resource_uri(const std::string& url);

// RFC 9728 §3.1: the well-known suffix goes between the host and the resource's path.
std::string path_inserted_metadata_url(const std::string& resource);
std::string root_metadata_url(const std::string& resource);

enum class MetadataSource { ChallengeHeader, PathInserted, Root };
std::string_view metadata_source_name(MetadataSource source);

struct MetadataAttempt {
  MetadataSource source;
  std::string url;
  HttpResponse response;
  bool json_object = false; // 200 and the body parses as a JSON object
};

struct ResourceDiscovery {
  std::string mcp_url;      // the canonical URI of the MCP server
  McpReply unauthenticated; // the first request, sent without credentials
  ChallengeList challenges; // parsed from that reply's WWW-Authenticate headers
  std::optional<std::string> header_metadata_url; // resource_metadata from the Bearer challenge
  std::vector<MetadataAttempt> attempts;
  std::optional<size_t> used;                      // the attempt whose document the run uses
  nlohmann::json metadata;                         // that document
  std::optional<std::string> authorization_server; // its first authorization_servers entry
  std::string failure;

  bool found() const { return used.has_value(); }
  const MetadataAttempt* used_attempt() const { return used ? &attempts[*used] : nullptr; }
};

// Follows the MCP order: the challenge's resource_metadata, then the path-inserted URL, then the
// root URL; the first JSON object wins, and every attempt is kept for the checks to judge.
ResourceDiscovery discover_resource(HttpClient& http, const std::string& mcp_url,
                                    const std::string& protocol_version);

// Fetches one metadata URL as discover_resource() does.
MetadataAttempt fetch_resource_metadata(HttpClient& http, MetadataSource source,
                                        const std::string& url);

} // namespace conformance
