// The authorization endpoint (GET or POST /authorize): validates the request (OAuth 2.1 §4.1.1,
// RFC 7636, RFC 8707) and answers with a code (§4.1.2) or an error (§4.1.2.1), adding `iss`
// (RFC 9207). Validation and approval are separate steps so that the login/consent pages
// (login_flow.h) can sit between them; without them the server approves at once as the test
// user.
#pragma once

#include "client_directory.h"
#include "core/url.h"
#include "http_response.h"
#include "options.h"
#include "store.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace refserver {

struct AuthorizationRequest {
  oauth::Params params; // the decoded query or form body, in order, duplicates kept
};

// Everything approve() needs; only produced by a request that passed validation.
struct ValidatedAuthorization {
  std::shared_ptr<const Client> client;
  std::string redirect_uri;
  bool redirect_uri_sent = false;
  std::optional<std::string> state;
  std::string code_challenge;
  std::string code_challenge_method;
  std::string scope;
  std::vector<std::string> resources;
  bool implicit = false; // response_type=token, only under the implicit-grant-honoured fault
};

// Exact string match, except that for http on a loopback host (an IP literal or `localhost`) the
// port is ignored (RFC 8252 §7.3; localhost as MCP clients use it). The host itself still has to
// match exactly, so localhost and 127.0.0.1 remain different.
bool redirect_uri_matches(std::string_view registered, std::string_view requested);

class AuthorizationService {
public:
  // `issuer` is the value sent as `iss` (see advertised_issuer()). Clients are looked up in
  // `clients`, which also resolves client metadata document URLs.
  AuthorizationService(const ServerOptions& options, Store& store, ClientDirectory& clients,
                       std::string issuer);

  // The validated request, or the response to send: an HTML error page when the client or
  // redirect URI cannot be trusted, otherwise an error redirect.
  std::variant<ValidatedAuthorization, HttpResponse>
  validate(const AuthorizationRequest& request) const;

  // Issues a code for `subject` and redirects back to the client.
  HttpResponse approve(const ValidatedAuthorization& request, std::string_view subject) const;

  // Redirects back to the client with an error (e.g. access_denied after a refused consent).
  HttpResponse error_redirect(const ValidatedAuthorization& request, std::string_view error,
                              std::string_view description) const;

  // Auto-approve mode: validate, then approve as the test user.
  HttpResponse authorize(const AuthorizationRequest& request) const;

private:
  std::optional<std::string>
  effective_challenge_method(const std::optional<std::string>& sent) const;
  bool matches_registration(const Client& client, std::string_view requested) const;
  HttpResponse error_page(const AuthorizationRequest& request, std::string_view title,
                          std::string_view detail) const;
  // error, error_description and (under error-uri-given) error_uri of an error redirect.
  oauth::Params error_params(std::string_view error, std::string_view description) const;
  // The redirect carrying `params` plus state and iss; `error` selects the error-response rules.
  HttpResponse redirect_to(std::string_view redirect_uri, oauth::Params params,
                           const std::optional<std::string>& state, bool error) const;
  HttpResponse issue_implicit_token(const ValidatedAuthorization& request,
                                    std::string_view subject) const;

  const ServerOptions& options_;
  Store& store_;
  ClientDirectory& clients_;
  std::string issuer_;
};

} // namespace refserver
