// The token endpoint (POST /token): client authentication (OAuth 2.1 §2.4) and the
// authorization_code, refresh_token and client_credentials grants (§4.1.3, §4.3, §4.2), with
// resource indicators binding each access token's audience (RFC 8707) and the token-side faults
// applied (including a password grant that only a fault switches on).
#pragma once

#include "client_authentication.h"
#include "client_directory.h"
#include "core/url.h"
#include "http_response.h"
#include "options.h"
#include "store.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace refserver {

using TokenRequest = ClientRequest;

// What a successful token response (OAuth 2.1 §3.2.3) tells the client.
struct TokenResponseFields {
  std::string_view access_token;
  std::chrono::seconds expires_in;
  std::optional<std::string_view> refresh_token; // absent when none is handed out
  std::string_view scope;
};

// The JSON body of a successful token response, with the token-type-lowercase,
// expires-in-string and scope-narrowed-silently faults applied. A free function so the
// micro-benchmarks can time it on its own.
std::string token_response_body(const ServerOptions& options, const TokenResponseFields& fields);

class TokenService {
public:
  // `base_url` names the default audience, mcp_resource(base_url), of tokens requested without
  // a resource.
  TokenService(const ServerOptions& options, Store& store, ClientDirectory& clients,
               std::string base_url);

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

  // What a set of new tokens carries.
  struct Issuance {
    std::string subject;
    std::string grant_scope;                  // the refresh token's: the whole grant
    std::string access_scope;                 // the access token's, possibly narrower
    std::vector<std::string> grant_resources; // the refresh token's; empty: default audience
    std::vector<std::string> audience;        // the access token's; empty: default audience
    std::string grant_id;
    bool with_refresh_token = false;
    // Handed back instead of a new refresh token (only under refresh-not-rotated).
    std::string reused_refresh_token;
  };

  HttpResponse authorization_code_grant(const Client& client, const oauth::Params& params) const;
  HttpResponse refresh_token_grant(const Client& client, const oauth::Params& params) const;
  HttpResponse client_credentials_grant(const Client& client, const oauth::Params& params) const;
  // Only under the password-grant-enabled fault.
  HttpResponse password_grant(const Client& client, const oauth::Params& params) const;

  // Stores and returns fresh tokens; fails with invalid_grant if the grant was revoked meanwhile.
  HttpResponse issue(const Client& client, const Issuance& issuance) const;

  HttpResponse error_response(const Error& error) const;
  HttpResponse server_error() const;
  // An error response for a scope parameter naming something unknown, or nullopt; also fills
  // `scope` (the default scope when none was requested).
  std::optional<HttpResponse> requested_scope(const oauth::Params& params,
                                              std::string& scope) const;
  // Likewise for the resource parameters (RFC 8707 §2): an invalid_target response, or nullopt
  // with every requested resource in `resources`.
  std::optional<HttpResponse> requested_resources(const oauth::Params& params,
                                                  std::vector<std::string>& resources) const;
  // Whether the request names a code or refresh token that is unknown, expired or already used
  // (grant-checked-before-client); false when it names none.
  bool grant_unusable(std::string_view grant_type, const oauth::Params& params) const;
  // `resources`, or the default audience when it is empty or audience-unbound is on.
  std::vector<std::string> audience_or_default(const std::vector<std::string>& resources) const;

  const ServerOptions& options_;
  Store& store_;
  ClientDirectory& clients_; // registered clients and client metadata document URLs
  std::string base_url_;
  // audience_or_default's answer for a token requested without resource, built once.
  std::vector<std::string> default_audience_;
};

} // namespace refserver
