// RFC 8414 metadata document, with the metadata-* faults applied.
#include "metadata_endpoint.h"

#include "policy.h"

namespace refserver {

std::string advertised_issuer(const ServerOptions& options, std::string_view base_url) {
  std::string issuer(base_url);
  if (options.has(Fault::MetadataIssuerTrailingSlash)) issuer += '/';
  return issuer;
}

nlohmann::ordered_json build_metadata(const ServerOptions& options, std::string_view base_url) {
  const std::string base(base_url);
  nlohmann::ordered_json doc;
  doc["issuer"] = advertised_issuer(options, base_url);
  doc["authorization_endpoint"] = base + "/authorize";
  doc["token_endpoint"] = base + "/token";
  doc["registration_endpoint"] = base + "/register";
  if (options.has(Fault::MetadataDeadEndpoint)) doc["revocation_endpoint"] = base + "/revoke";
  doc["scopes_supported"] = kSupportedScopes;

  auto response_types = nlohmann::ordered_json::array({"code"});
  auto grant_types =
      nlohmann::ordered_json::array({"authorization_code", "refresh_token", "client_credentials"});
  if (options.has(Fault::MetadataAdvertisesRemovedFlows)) {
    response_types.push_back("token");
    grant_types.push_back("password");
    grant_types.push_back("implicit");
  }
  doc["response_types_supported"] = response_types;
  doc["response_modes_supported"] = {"query"};
  doc["grant_types_supported"] = grant_types;
  doc["token_endpoint_auth_methods_supported"] = {"none", "client_secret_post",
                                                  "client_secret_basic"};
  if (!options.has(Fault::MetadataNoPkceMethods)) {
    auto methods = nlohmann::ordered_json::array({"S256"});
    if (options.has(Fault::PkcePlainAccepted)) methods.push_back("plain");
    doc["code_challenge_methods_supported"] = methods;
  }
  doc["authorization_response_iss_parameter_supported"] = true;
  if (options.has(Fault::MetadataEmptyArray))
    doc["ui_locales_supported"] = nlohmann::ordered_json::array();
  return doc;
}

MetadataService::MetadataService(const ServerOptions& options, std::string_view base_url)
    : response_(json_response(200, build_metadata(options, base_url))) {
  // Public, secret-free data that browser-based MCP clients fetch cross-origin.
  response_.set_header("Access-Control-Allow-Origin", "*");
}

} // namespace refserver
