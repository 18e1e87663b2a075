// Dynamic client registration (RFC 7591) at POST /register.
#pragma once

#include "http_response.h"
#include "options.h"
#include "store.h"

#include <optional>
#include <string>
#include <string_view>

namespace refserver {

struct RegistrationRequest {
  std::string content_type; // raw Content-Type header value
  std::string body;
  std::string authorization; // raw Authorization header value (an initial access token)
};

// Why a redirect URI may not be registered, or nullopt when it is acceptable: https anywhere,
// http only on loopback, private-use schemes only in reverse-DNS form (RFC 8252 §7, OAuth 2.1
// §2.3.1), never a fragment. The dcr-accepts-* faults in `options` relax these rules.
std::optional<std::string> redirect_uri_problem(std::string_view uri, const ServerOptions& options);

class RegistrationService {
public:
  RegistrationService(const ServerOptions& options, Store& store);

  HttpResponse register_client(const RegistrationRequest& request) const;

private:
  const ServerOptions& options_;
  Store& store_;
};

} // namespace refserver
