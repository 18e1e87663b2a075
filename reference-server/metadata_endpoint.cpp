// RFC 8414 metadata document, with the metadata-* faults and the variants that change what it
// advertises applied.
#include "metadata_endpoint.h"

#include "core/text.h"
#include "error_description.h"
#include "policy.h"

#include <algorithm>
#include <cctype>

namespace refserver {
namespace {

// RFC 9110 §5.6.2 token characters: what a header name may consist of.
bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// The header names a preflight asked for, lower-cased, plus mcp-protocol-version, which MCP
// clients send on every request (MCP authorization, protocol version header). Anything that is
// not a header name is left out rather than reflected.
std::string allowed_headers(std::string_view requested) {
  std::string out = "mcp-protocol-version";
  size_t pos = 0;
  while (pos < requested.size()) {
    size_t comma = requested.find(',', pos);
    if (comma == std::string_view::npos) comma = requested.size();
    std::string name = oauth::ascii_lower(oauth::trim(requested.substr(pos, comma - pos)));
    if (is_token(name) && name != "mcp-protocol-version") out += ", " + name;
    pos = comma + 1;
  }
  return out;
}

} // namespace

std::string_view endpoint_prefix(const ServerOptions& options) {
  return options.has(Fault::MetadataNotAtOriginRoot) ? "/oauth2" : "";
}

std::string metadata_path(const ServerOptions& options) {
  if (options.has(Variant::NoMetadataDefaultEndpoints)) return "";
  return "/.well-known/oauth-authorization-server" + std::string(endpoint_prefix(options));
}

std::string advertised_issuer(const ServerOptions& options, std::string_view base_url) {
  std::string issuer = std::string(base_url) + std::string(endpoint_prefix(options));
  // issuer-trailing-slash: RFC 8414 §3.1 drops a terminating "/" before inserting the well-known
  // path, so "http://host:port/" is an issuer whose metadata lives at the same URL, provided
  // every place names it the same way (RFC 8414 §3.3, RFC 9207 §2.4, RFC 9728 §2).
  if (options.has(Variant::IssuerTrailingSlash)) issuer += '/';
  return issuer;
}

nlohmann::ordered_json build_metadata(const ServerOptions& options, std::string_view base_url) {
  const std::string base = std::string(base_url) + std::string(endpoint_prefix(options));
  nlohmann::ordered_json doc;
  doc["issuer"] = advertised_issuer(options, base_url);
  // The metadata-issuer-trailing-slash fault: only the metadata adds a slash, so it no longer
  // names the issuer that iss, introspection and the protected resource metadata name.
  if (options.has(Fault::MetadataIssuerTrailingSlash))
    doc["issuer"] = doc["issuer"].get<std::string>() + '/';
  doc["authorization_endpoint"] = base + "/authorize";
  doc["token_endpoint"] = base + "/token";
  doc["registration_endpoint"] = base + "/register";
  doc["introspection_endpoint"] = base + "/introspect";
  doc["revocation_endpoint"] = base + "/revoke";
  // The metadata-plain-http-endpoint fault: one endpoint loses TLS while the rest keep it. The
  // port speaks only TLS, so requests to that URL get no HTTP answer either; the rule broken is
  // the scheme's. Over plain HTTP every URL is http:// already and the fault changes nothing.
  if (options.has(Fault::MetadataPlainHttpEndpoint) && base.starts_with("https://"))
    doc["jwks_uri"] = "http://" + base.substr(8) + "/jwks.json";
  // The metadata-dead-endpoint fault advertises a UserInfo endpoint this server does not serve
  // (it answers 404).
  if (options.has(Fault::MetadataDeadEndpoint)) doc["userinfo_endpoint"] = base + "/userinfo";
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
  // basic-not-offered: OAuth 2.1 §2.4.1 requires only the body method.
  if (options.has(Variant::BasicNotOffered))
    doc["token_endpoint_auth_methods_supported"] = {"none", "client_secret_post"};
  else
    doc["token_endpoint_auth_methods_supported"] = {"none", "client_secret_post",
                                                    "client_secret_basic"};
  if (options.has(Variant::IntrospectionBasicOnly)) {
    // RFC 7662 §2.1 and RFC 7009 §2.1 leave the authentication method to the server.
    doc["introspection_endpoint_auth_methods_supported"] = {"client_secret_basic"};
    doc["revocation_endpoint_auth_methods_supported"] = {"client_secret_basic"};
  } else {
    // RFC 7662 §2.1: introspection callers must authenticate, so "none" is not offered there; a
    // public client may revoke its tokens naming itself with client_id (RFC 7009 §2.1).
    doc["introspection_endpoint_auth_methods_supported"] = {"client_secret_basic",
                                                            "client_secret_post"};
    doc["revocation_endpoint_auth_methods_supported"] = {"none", "client_secret_basic",
                                                         "client_secret_post"};
  }
  if (!options.has(Fault::MetadataNoPkceMethods)) {
    auto methods = nlohmann::ordered_json::array({"S256"});
    if (options.has(Fault::PkcePlainAccepted)) methods.push_back("plain");
    doc["code_challenge_methods_supported"] = methods;
  }
  doc["authorization_response_iss_parameter_supported"] = true;
  // client_id may be an https URL naming a client metadata document (client_directory.h).
  if (!options.has(Fault::CimdNotAdvertised)) doc["client_id_metadata_document_supported"] = true;
  // The fault advertises DPoP, which the token endpoint does not implement: it never reads a
  // DPoP header and issues Bearer tokens either way. The clean server advertises nothing.
  if (options.has(Fault::DpopAdvertisedIgnored))
    doc["dpop_signing_alg_values_supported"] = nlohmann::ordered_json::array({"ES256"});
  if (options.has(Fault::MetadataEmptyArray))
    doc["ui_locales_supported"] = nlohmann::ordered_json::array();
  return doc;
}

MetadataService::MetadataService(const ServerOptions& options, std::string_view base_url)
    : options_(options), response_(json_response(200, build_metadata(options, base_url))) {
  // Public, secret-free data that browser-based MCP clients fetch cross-origin. CORS is not
  // required by RFC 8414, so metadata-no-cors leaves it out (browser clients then cannot read it).
  if (!options.has(Variant::MetadataNoCors))
    response_.set_header("Access-Control-Allow-Origin", "*");
}

HttpResponse MetadataService::metadata(const MetadataRequest& request) const {
  if (request.mcp_protocol_version && options_.has(Fault::MetadataRejectsMcpProtocolVersion)) {
    // The fault: a server that refuses request headers it does not know.
    HttpResponse response =
        json_error(options_, 400, "invalid_request",
                   error_description(options_, "unexpected header MCP-Protocol-Version"));
    if (!options_.has(Variant::MetadataNoCors))
      response.set_header("Access-Control-Allow-Origin", "*");
    return response;
  }
  return response_;
}

HttpResponse MetadataService::preflight(std::string_view requested_headers) const {
  return metadata_preflight(requested_headers);
}

HttpResponse metadata_preflight(std::string_view requested_headers) {
  // A browser sends MCP-Protocol-Version only after a preflight allows it, so without this a
  // browser-based client could not read the metadata at all.
  HttpResponse response;
  response.status = 204;
  response.set_header("Access-Control-Allow-Origin", "*");
  response.set_header("Access-Control-Allow-Methods", "GET, OPTIONS");
  response.set_header("Access-Control-Allow-Headers", allowed_headers(requested_headers));
  response.set_header("Access-Control-Max-Age", "86400");
  return response;
}

} // namespace refserver
