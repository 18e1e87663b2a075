// Authorization server metadata (RFC 8414) served at /.well-known/oauth-authorization-server.
#pragma once

#include "http_response.h"
#include "options.h"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace refserver {

// The issuer as the server announces it, in metadata and in the `iss` authorization response
// parameter (RFC 9207). Equal to base_url unless metadata-issuer-trailing-slash is on.
std::string advertised_issuer(const ServerOptions& options, std::string_view base_url);

nlohmann::ordered_json build_metadata(const ServerOptions& options, std::string_view base_url);

class MetadataService {
public:
  MetadataService(const ServerOptions& options, std::string_view base_url);

  // The document never changes while the server runs, so it is rendered once.
  const HttpResponse& metadata() const { return response_; }

private:
  HttpResponse response_;
};

} // namespace refserver
