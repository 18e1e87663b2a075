// Authorization server metadata (RFC 8414) served at /.well-known/oauth-authorization-server,
// readable cross-origin by browser-based MCP clients (CORS, including the preflight), and where
// the endpoints it names live.
#pragma once

#include "http_response.h"
#include "options.h"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace refserver {

// The path every OAuth endpoint (and the issuer) lives under: empty, the origin root where MCP
// 2025-03-26 clients look, or "/oauth2" under metadata-not-at-origin-root.
std::string_view endpoint_prefix(const ServerOptions& options);

// Where the RFC 8414 document is served: the well-known path, followed by the issuer's path
// (RFC 8414 §3.1). Empty under no-metadata-default-endpoints, which serves none.
std::string metadata_path(const ServerOptions& options);

// The issuer as the server announces it, in metadata and in the `iss` authorization response
// parameter (RFC 9207), introspection and the protected resource metadata. Equal to base_url
// plus endpoint_prefix() unless issuer-trailing-slash is on (metadata-issuer-trailing-slash
// changes only the metadata).
std::string advertised_issuer(const ServerOptions& options, std::string_view base_url);

nlohmann::ordered_json build_metadata(const ServerOptions& options, std::string_view base_url);

struct MetadataRequest {
  bool mcp_protocol_version = false; // the request carried an MCP-Protocol-Version header
};

// The answer to a CORS preflight (OPTIONS) of a public, cross-origin readable metadata document;
// `requested_headers` is the Access-Control-Request-Headers value, possibly empty.
HttpResponse metadata_preflight(std::string_view requested_headers);

class MetadataService {
public:
  MetadataService(const ServerOptions& options, std::string_view base_url);

  // GET (and HEAD). The document never changes while the server runs, so it is rendered once.
  HttpResponse metadata(const MetadataRequest& request) const;

  // The answer to a CORS preflight (OPTIONS); `requested_headers` is the
  // Access-Control-Request-Headers value, possibly empty.
  HttpResponse preflight(std::string_view requested_headers) const;

private:
  const ServerOptions& options_;
  HttpResponse response_;
};

} // namespace refserver
