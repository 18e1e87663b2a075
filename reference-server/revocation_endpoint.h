// Token revocation (RFC 7009) at POST /revoke: a client revokes one of its own access tokens, or
// one of its refresh tokens together with the rest of that grant.
#pragma once

#include "client_authentication.h"
#include "client_directory.h"
#include "http_response.h"
#include "options.h"
#include "store.h"

#include <string>

namespace refserver {

class RevocationService {
public:
  RevocationService(const ServerOptions& options, Store& store, ClientDirectory& clients);

  HttpResponse revoke(const ClientRequest& request) const;

private:
  enum class Outcome { Revoked, NotFound, OtherClient };
  Outcome revoke_access_token(const Client& client, const std::string& token) const;
  Outcome revoke_refresh_token(const Client& client, const std::string& token) const;
  HttpResponse error(int status, std::string_view error, std::string_view description) const;

  const ServerOptions& options_;
  Store& store_;
  ClientDirectory& clients_;
};

} // namespace refserver
