// OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint: the document that tells
// an MCP client which authorization server issues tokens for /mcp, with the prm-* faults.
#pragma once

#include "http_response.h"
#include "options.h"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace refserver {

// The paths the document is served at: the path-inserted well-known URL of the MCP resource
// (RFC 9728 §3.1) and the root well-known URL MCP clients fall back to; under prm-header-only
// only a path that clients can learn from the WWW-Authenticate challenge alone.
std::vector<std::string> protected_resource_metadata_paths(const ServerOptions& options);

// The absolute URL the MCP endpoint names in its challenges' resource_metadata parameter
// (RFC 9728 §5.1).
std::string resource_metadata_url(const ServerOptions& options, std::string_view base_url);

nlohmann::ordered_json build_protected_resource_metadata(const ServerOptions& options,
                                                         std::string_view base_url);

class ProtectedResourceMetadataService {
public:
  ProtectedResourceMetadataService(const ServerOptions& options, std::string_view base_url);

  // GET (and HEAD). Rendered once: the document never changes while the server runs.
  HttpResponse metadata() const { return response_; }

  // The CORS preflight (OPTIONS), answered like the authorization server metadata's.
  HttpResponse preflight(std::string_view requested_headers) const;

private:
  HttpResponse response_;
};

} // namespace refserver
