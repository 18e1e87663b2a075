// Client authentication shared by the endpoints clients call directly: token, introspection and
// revocation (OAuth 2.1 §2.4; RFC 7662 §2.1 and RFC 7009 §2.1 reuse the token endpoint's rules).
// HTTP Basic (client_secret_basic) or credentials in the form body (client_secret_post); a public
// client only names itself with client_id.
#pragma once

#include "client_directory.h"
#include "core/url.h"
#include "options.h"
#include "store.h"

#include <memory>
#include <string>
#include <variant>

namespace refserver {

// A form POST to one of those endpoints.
struct ClientRequest {
  bool form_encoded = true;  // Content-Type was application/x-www-form-urlencoded
  oauth::Params params;      // the decoded body, in order, duplicates kept
  oauth::Params query;       // the decoded URL query; read only by token-accepts-query-secret
  std::string authorization; // Authorization header value; empty when absent
};

struct ClientAuthError {
  int status = 401;
  std::string error;
  std::string description;
  bool basic_challenge = false; // the client tried HTTP Basic: answer with a Basic challenge
};

using ClientOrError = std::variant<std::shared_ptr<const Client>, ClientAuthError>;

// Which endpoint authenticates: the token endpoint's own faults (token-accepts-query-secret,
// client-secret-post-unsupported) apply only there, revocation-skips-client-auth only at
// revocation.
enum class AuthenticatingEndpoint { Token, Introspection, Revocation };

// Whether the request carries an Authorization header with the Basic scheme.
bool uses_http_basic(const ClientRequest& request);

// The calling client, or why it is refused. `params` is the body with empty values dropped.
// A confidential client must present its secret; a public client must not present one.
ClientOrError authenticate_client(const ServerOptions& options, ClientDirectory& clients,
                                  const ClientRequest& request, const oauth::Params& params,
                                  AuthenticatingEndpoint endpoint);

} // namespace refserver
