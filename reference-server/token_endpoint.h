// The token endpoint (POST /token): client authentication (OAuth 2.1 §2.4) and the
// authorization_code, refresh_token and client_credentials grants (§4.1.3, §4.3, §4.2), with
// the token-side faults applied (including a password grant that only a fault switches on).
#pragma once

#include "client_directory.h"
#include "http_response.h"
#include "options.h"
#include "store.h"
#include "url.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace refserver {

struct TokenRequest {
  bool form_encoded = true;  // Content-Type was application/x-www-form-urlencoded
  oauth::Params params;      // the decoded body, in order, duplicates kept
  oauth::Params query;       // the decoded URL query; read only by token-accepts-query-secret
  std::string authorization; // Authorization header value; empty when absent
};

class TokenService {
public:
  TokenService(const ServerOptions& options, Store& store, ClientDirectory& clients);

  HttpResponse token(const TokenRequest& request) const;

  // The answer to any method but POST, formatted like the other token errors.
  HttpResponse method_not_allowed() const;

private:
  struct Error {
    int status = 400;
    std::string error;
    std::string description;
    bool basic_challenge = false; // add WWW-Authenticate: the client tried HTTP Basic
  };
  using ClientOrError = std::variant<std::shared_ptr<const Client>, Error>;

  ClientOrError authenticate(const TokenRequest& request, const oauth::Params& params) const;
  HttpResponse authorization_code_grant(const Client& client, const oauth::Params& params) const;
  HttpResponse refresh_token_grant(const Client& client, const oauth::Params& params) const;
  HttpResponse client_credentials_grant(const Client& client, const oauth::Params& params) const;
  // Only under the password-grant-enabled fault.
  HttpResponse password_grant(const Client& client, const oauth::Params& params) const;

  // Stores and returns fresh tokens; fails with invalid_grant if the grant was revoked meanwhile.
  HttpResponse issue(const Client& client, const std::string& subject,
                     const std::string& grant_scope, const std::string& access_scope,
                     const std::vector<std::string>& resources, const std::string& grant_id,
                     bool with_refresh_token) const;

  HttpResponse error_response(const Error& error) const;
  HttpResponse server_error() const;
  // An error response for a scope parameter naming something unknown, or nullopt; also fills
  // `scope` (the default scope when none was requested).
  std::optional<HttpResponse> requested_scope(const oauth::Params& params,
                                              std::string& scope) const;

  const ServerOptions& options_;
  Store& store_;
  ClientDirectory& clients_; // registered clients and client metadata document URLs
};

} // namespace refserver
