// client_secret_basic, client_secret_post and public-client identification.
#include "client_authentication.h"

#include "core/base64url.h"
#include "core/text.h"
#include "request_params.h"

#include <optional>
#include <string_view>

namespace refserver {

bool uses_http_basic(const ClientRequest& request) {
  std::string_view header = oauth::trim(request.authorization);
  return !header.empty() && oauth::iequals(header.substr(0, header.find(' ')), "Basic");
}

ClientOrError authenticate_client(const ServerOptions& options, ClientDirectory& clients,
                                  const ClientRequest& request, const oauth::Params& params,
                                  AuthenticatingEndpoint endpoint) {
  const bool token_endpoint = endpoint == AuthenticatingEndpoint::Token;
  bool used_basic = false;
  std::string basic_id;
  std::string basic_secret;
  std::string_view header = oauth::trim(request.authorization);
  std::string_view scheme = header.substr(0, header.find(' '));
  if (!header.empty() && oauth::iequals(scheme, "Basic")) {
    used_basic = true;
    auto decoded = oauth::base64_decode(oauth::trim(header.substr(scheme.size())));
    size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos)
      return ClientAuthError{401, "invalid_client", "malformed HTTP Basic credentials", true};
    // RFC 6749 §2.3.1: both halves are form-urlencoded before going into Basic.
    basic_id = oauth::percent_decode(std::string_view(*decoded).substr(0, colon), true);
    basic_secret = oauth::percent_decode(std::string_view(*decoded).substr(colon + 1), true);
  }
  // basic-not-offered: OAuth 2.1 §2.4.1 makes client_secret_post the method every server
  // supports, and the metadata lists only that, so Basic at the token endpoint is an
  // unsupported authentication method (RFC 6749 §5.2: invalid_client, 401 with a Basic challenge
  // since the client tried the header).
  if (token_endpoint && used_basic && options.has(Variant::BasicNotOffered))
    return ClientAuthError{401, "invalid_client",
                           "HTTP Basic client authentication is not supported here", true};

  // Pointers into the parameters, not copies: this runs on every token request.
  const std::string* body_id = find_param(params, "client_id");
  const std::string* body_secret = find_param(params, "client_secret");
  // OAuth 2.1 §2.4.1: credentials in the request URI would end up in logs and histories, so a
  // client_secret there is never read: the request counts as carrying no secret. The
  // token-accepts-query-secret fault reads it (and client_id) when the body has none.
  const bool query_secret_fault = token_endpoint && options.has(Fault::TokenAcceptsQuerySecret);
  oauth::Params query; // outlives the pointers into it
  if (query_secret_fault) {
    query = drop_empty(request.query);
    if (!body_secret) body_secret = find_param(query, "client_secret");
    if (!body_id) body_id = find_param(query, "client_id");
  }
  // OAuth 2.1 §2.4: a client uses exactly one authentication method per request. Under
  // token-accepts-query-secret, Basic silently wins over a body secret instead.
  if (used_basic && body_secret && !query_secret_fault)
    return ClientAuthError{400, "invalid_request",
                           "more than one client authentication method used"};
  if (used_basic && body_id && *body_id != basic_id)
    return ClientAuthError{400, "invalid_request",
                           "client_id differs from the HTTP Basic client id"};
  // The client-secret-post-unsupported fault: the advertised body method never succeeds.
  if (token_endpoint && !used_basic && body_secret &&
      options.has(Fault::ClientSecretPostUnsupported))
    return ClientAuthError{401, "invalid_client", "client_secret_post is not supported"};

  static const std::string kNone;
  const std::string& client_id = used_basic ? basic_id : body_id ? *body_id : kNone;
  if (client_id.empty())
    return ClientAuthError{401, "invalid_client", "no client identification", used_basic};
  std::shared_ptr<const Client> client = clients.find(client_id).client;
  if (!client) return ClientAuthError{401, "invalid_client", "unknown client", used_basic};

  // The revocation-skips-client-auth fault: at the revocation endpoint client_id alone is
  // taken as proof of identity, whatever secret came with it.
  if (endpoint == AuthenticatingEndpoint::Revocation &&
      options.has(Fault::RevocationSkipsClientAuth))
    return client;
  std::string_view secret = used_basic ? basic_secret : body_secret ? *body_secret : kNone;
  if (client->is_confidential()) {
    if (secret.empty())
      return ClientAuthError{401, "invalid_client", "client authentication required", used_basic};
    if (!client->secret_matches(secret))
      return ClientAuthError{401, "invalid_client", "client authentication failed", used_basic};
  } else if (!secret.empty()) {
    return ClientAuthError{401, "invalid_client", "the client is public and has no secret",
                           used_basic};
  }
  return client;
}

} // namespace refserver
