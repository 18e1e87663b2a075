// Token introspection (RFC 7662) at POST /introspect: an authorised caller (a confidential
// client, or a resource server holding the configured bearer token) learns whether an access or
// refresh token is active and what it carries.
#pragma once

#include "client_authentication.h"
#include "client_directory.h"
#include "http_response.h"
#include "options.h"
#include "store.h"

#include <optional>
#include <string>

namespace refserver {

class IntrospectionService {
public:
  // `issuer` is reported as `iss` (see advertised_issuer()).
  IntrospectionService(const ServerOptions& options, Store& store, ClientDirectory& clients,
                       std::string issuer);

  HttpResponse introspect(const ClientRequest& request) const;

private:
  // nullopt when the caller may introspect, else the 400 or 401 to send (RFC 7662 §2.1, §2.3).
  // `caller` receives the calling client's id; it stays empty for the resource server's bearer
  // token (and under introspection-open).
  std::optional<HttpResponse> refuse_caller(const ClientRequest& request,
                                            const oauth::Params& params, std::string& caller) const;
  HttpResponse active(const TokenRecord& record, bool refresh_token) const;
  HttpResponse inactive() const;

  const ServerOptions& options_;
  Store& store_;
  ClientDirectory& clients_;
  std::string issuer_;
};

} // namespace refserver
