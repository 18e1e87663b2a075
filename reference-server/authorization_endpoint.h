// The authorization endpoint (GET /authorize): validates the request (OAuth 2.1 §4.1.1, RFC 7636,
// RFC 8707) and answers with a code (§4.1.2) or an error (§4.1.2.1), adding `iss` (RFC 9207).
// Validation and approval are separate steps so that an interactive login mode can sit between
// them; the current mode approves at once as the fixed test user.
#pragma once

#include "http_response.h"
#include "options.h"
#include "store.h"
#include "url.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace refserver {

struct AuthorizationRequest {
  oauth::Params params; // the decoded query, in order, duplicates kept
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
};

// Exact string match, except that for http on a loopback IP literal the port is ignored
// (RFC 8252 §7.3). `localhost` gets no such exception.
bool redirect_uri_matches(std::string_view registered, std::string_view requested);

class AuthorizationService {
public:
  // `issuer` is the value sent as `iss` (see advertised_issuer()).
  AuthorizationService(const ServerOptions& options, Store& store, std::string issuer);

  // The validated request, or the response to send: an HTML error page when the client or
  // redirect URI cannot be trusted, otherwise an error redirect.
  std::variant<ValidatedAuthorization, HttpResponse>
  validate(const AuthorizationRequest& request) const;

  // Issues a code for `subject` and redirects back to the client.
  HttpResponse approve(const ValidatedAuthorization& request, std::string_view subject) const;

  // Auto-approve mode: validate, then approve as the test user.
  HttpResponse authorize(const AuthorizationRequest& request) const;

private:
  std::optional<std::string>
  effective_challenge_method(const std::optional<std::string>& sent) const;

  const ServerOptions& options_;
  Store& store_;
  std::string issuer_;
};

} // namespace refserver
