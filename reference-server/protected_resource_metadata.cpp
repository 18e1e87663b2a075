// RFC 9728 protected resource metadata of the MCP endpoint, with the prm-* faults applied.
#include "protected_resource_metadata.h"

#include "metadata_endpoint.h"
#include "policy.h"

namespace refserver {
namespace {

constexpr std::string_view kWellKnownPath = "/.well-known/oauth-protected-resource";
// Under prm-header-only: an address outside /.well-known that only the challenge reveals.
constexpr std::string_view kHeaderOnlyPath = "/mcp-resource-metadata";

} // namespace

std::vector<std::string> protected_resource_metadata_paths(const ServerOptions& options) {
  if (options.has(Fault::PrmHeaderOnly)) return {std::string(kHeaderOnlyPath)};
  // RFC 9728 §3.1: the well-known suffix goes between the host and the resource's path.
  return {std::string(kWellKnownPath) + std::string(kMcpPath), std::string(kWellKnownPath)};
}

std::string resource_metadata_url(const ServerOptions& options, std::string_view base_url) {
  return std::string(base_url) + protected_resource_metadata_paths(options).front();
}

nlohmann::ordered_json build_protected_resource_metadata(const ServerOptions& options,
                                                         std::string_view base_url) {
  nlohmann::ordered_json doc;
  // RFC 9728 §3.3: resource must be identical to the resource the metadata URL was built from.
  std::string resource = mcp_resource(base_url);
  if (options.has(Fault::PrmResourceTrailingSlash)) resource += '/';
  doc["resource"] = resource;
  // The issuer exactly as the authorization server's own metadata names it (RFC 8414 §3.3).
  std::string issuer = advertised_issuer(options, base_url);
  if (options.has(Fault::PrmIssuerMismatch)) issuer += '/';
  doc["authorization_servers"] = nlohmann::ordered_json::array({issuer});
  // offline_access is an authorization server scope, not one this resource checks.
  doc["scopes_supported"] =
      nlohmann::ordered_json::array({std::string(kMcpBaseScope), std::string(kMcpAdminScope)});
  // OAuth 2.1 §5.1 leaves the header as the only way to present a token.
  auto methods = nlohmann::ordered_json::array({"header"});
  if (options.has(Fault::PrmQueryBearerMethod)) methods.push_back("query");
  doc["bearer_methods_supported"] = methods;
  doc["resource_name"] = "reference-server MCP";
  // RFC 9728 §3.2: members with zero elements are omitted, never sent as empty arrays.
  if (options.has(Fault::PrmEmptyMember))
    doc["resource_signing_alg_values_supported"] = nlohmann::ordered_json::array();
  return doc;
}

ProtectedResourceMetadataService::ProtectedResourceMetadataService(const ServerOptions& options,
                                                                   std::string_view base_url)
    : response_(json_response(200, build_protected_resource_metadata(options, base_url))) {
  // Public data that browser-based MCP clients fetch cross-origin; RFC 9728 does not require
  // CORS, so metadata-no-cors leaves it out.
  if (!options.has(Variant::MetadataNoCors))
    response_.set_header("Access-Control-Allow-Origin", "*");
}

HttpResponse ProtectedResourceMetadataService::preflight(std::string_view requested_headers) const {
  return metadata_preflight(requested_headers);
}

} // namespace refserver
