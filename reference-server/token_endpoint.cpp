// Token endpoint logic, independent of the HTTP library.
#include "token_endpoint.h"

#include "base64url.h"
#include "error_description.h"
#include "pkce.h"
#include "policy.h"
#include "request_params.h"
#include "text.h"
#include "token_minting.h"

#include <algorithm>
#include <array>

namespace refserver {
namespace {

constexpr std::array<std::string_view, 3> kGrantTypes = {"authorization_code", "refresh_token",
                                                         "client_credentials"};
// Every parameter some grant or client authentication reads (RFC 8707 adds resource).
constexpr std::array<std::string_view, 9> kKnownParameters = {
    "grant_type",    "code",          "redirect_uri", "code_verifier", "client_id",
    "client_secret", "refresh_token", "scope",        "resource"};

template <class Array> bool contains(const Array& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

} // namespace

TokenService::TokenService(const ServerOptions& options, Store& store, ClientDirectory& clients)
    : options_(options), store_(store), clients_(clients) {}

HttpResponse TokenService::error_response(const Error& error) const {
  HttpResponse response;
  response.status = error.status;
  if (options_.has(Fault::TokenErrorsPlainText)) {
    response.content_type = "text/plain";
    response.body = error.error;
  } else {
    nlohmann::ordered_json body;
    body["error"] = error.error;
    if (!error.description.empty())
      body["error_description"] = error_description(options_, error.description);
    response.content_type = "application/json";
    response.body = body.dump();
  }
  if (!options_.has(Fault::NoCacheControl)) add_no_store(response);
  // RFC 6749 §5.2: a failed HTTP authentication attempt is answered with a challenge.
  if (error.basic_challenge && !options_.has(Fault::BasicFailureWithoutChallenge))
    response.set_header("WWW-Authenticate", "Basic realm=\"reference-server\"");
  return response;
}

HttpResponse TokenService::server_error() const {
  // The code-reuse-500 and malformed-input-500 faults: a bare 500 as an unhandled condition
  // would produce.
  HttpResponse response = json_response(500, {{"error", "server_error"}});
  if (!options_.has(Fault::NoCacheControl)) add_no_store(response);
  return response;
}

HttpResponse TokenService::method_not_allowed() const {
  HttpResponse response = error_response({405, "invalid_request",
                                          "the token endpoint only "
                                          "accepts POST"});
  response.set_header("Allow", "POST");
  return response;
}

TokenService::ClientOrError TokenService::authenticate(const TokenRequest& request,
                                                       const oauth::Params& params) const {
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
      return Error{401, "invalid_client", "malformed HTTP Basic credentials", true};
    // RFC 6749 §2.3.1: both halves are form-urlencoded before going into Basic.
    basic_id = oauth::percent_decode(std::string_view(*decoded).substr(0, colon), true);
    basic_secret = oauth::percent_decode(std::string_view(*decoded).substr(colon + 1), true);
  }

  auto body_id = oauth::first_param(params, "client_id");
  auto body_secret = oauth::first_param(params, "client_secret");
  // OAuth 2.1 §2.4.1: credentials in the request URI would end up in logs and histories, so a
  // client_secret there is never read: the request counts as carrying no secret. The
  // token-accepts-query-secret fault reads it (and client_id) when the body has none.
  if (options_.has(Fault::TokenAcceptsQuerySecret)) {
    auto query_secret = oauth::first_param(drop_empty(request.query), "client_secret");
    auto query_id = oauth::first_param(drop_empty(request.query), "client_id");
    if (!body_secret) body_secret = query_secret;
    if (!body_id) body_id = query_id;
  }
  // OAuth 2.1 §2.4: a client uses exactly one authentication method per request. Under
  // token-accepts-query-secret, Basic silently wins over a body secret instead.
  if (used_basic && body_secret && !options_.has(Fault::TokenAcceptsQuerySecret))
    return Error{400, "invalid_request", "more than one client authentication method used"};
  if (used_basic && body_id && *body_id != basic_id)
    return Error{400, "invalid_request", "client_id differs from the HTTP Basic client id"};
  // The client-secret-post-unsupported fault: the advertised body method never succeeds.
  if (!used_basic && body_secret && options_.has(Fault::ClientSecretPostUnsupported))
    return Error{401, "invalid_client", "client_secret_post is not supported"};

  std::string client_id = used_basic ? basic_id : body_id.value_or("");
  if (client_id.empty())
    return Error{401, "invalid_client", "no client identification", used_basic};
  std::shared_ptr<const Client> client = clients_.find(client_id).client;
  if (!client) return Error{401, "invalid_client", "unknown client", used_basic};

  std::string secret = used_basic ? basic_secret : body_secret.value_or("");
  if (client->is_confidential()) {
    if (secret.empty())
      return Error{401, "invalid_client", "client authentication required", used_basic};
    if (!client->secret_matches(secret))
      return Error{401, "invalid_client", "client authentication failed", used_basic};
  } else if (!secret.empty()) {
    return Error{401, "invalid_client", "the client is public and has no secret", used_basic};
  }
  return client;
}

HttpResponse TokenService::token(const TokenRequest& request) const {
  if (!request.form_encoded)
    return error_response(
        {400, "invalid_request", "the body must be application/x-www-form-urlencoded"});
  // Checked before anything else looks at the values: bytes that are not UTF-8 cannot go into a
  // JSON error message, and nothing legitimate is this long.
  if (auto problem = malformed_parameters(request.params)) {
    if (options_.has(Fault::MalformedInput500)) return server_error();
    return error_response({400, "invalid_request", *problem});
  }
  const oauth::Params params = drop_empty(request.params);
  // Under token-repeated-params-accepted the first value wins (first_param) instead.
  if (!options_.has(Fault::TokenRepeatedParamsAccepted))
    if (auto name = repeated_parameter(params))
      return error_response({400, "invalid_request", "parameter repeated: " + *name});

  auto grant_type = oauth::first_param(params, "grant_type");
  if (!grant_type) return error_response({400, "invalid_request", "grant_type is missing"});
  // Removed OAuth 2.0 grants (password, implicit) are simply unknown here, unless the
  // password-grant-enabled fault brings the password grant back.
  const bool is_password = options_.has(Fault::PasswordGrantEnabled) && *grant_type == "password";
  if (!contains(kGrantTypes, *grant_type) && !is_password)
    return error_response({400,
                           options_.has(Fault::UnsupportedGrantNonstandardCode)
                               ? "unsupported_grant"
                               : "unsupported_grant_type",
                           "unsupported grant_type: " + *grant_type});
  // After the grant_type check, so an unsupported grant keeps its own error under this fault.
  if (options_.has(Fault::TokenRejectsUnknownParams))
    for (const auto& [name, value] : params)
      if (!contains(kKnownParameters, name) &&
          !(is_password && (name == "username" || name == "password")))
        return error_response({400, "invalid_request", "unknown parameter: " + name});

  ClientOrError auth = authenticate(request, params);
  if (auto* error = std::get_if<Error>(&auth)) return error_response(*error);
  const Client& client = *std::get<std::shared_ptr<const Client>>(auth);
  // Nobody can register for the password grant; the fault hands it to every identified client.
  // client-credentials-for-public likewise ignores a public client's registration.
  const bool public_client_credentials = *grant_type == "client_credentials" &&
                                         !client.is_confidential() &&
                                         options_.has(Fault::ClientCredentialsForPublic);
  if (!client.allows_grant(*grant_type) && !is_password && !public_client_credentials)
    return error_response(
        {400, "unauthorized_client", "the client is not registered for " + *grant_type});

  if (*grant_type == "authorization_code") return authorization_code_grant(client, params);
  if (*grant_type == "refresh_token") return refresh_token_grant(client, params);
  if (is_password) return password_grant(client, params);
  return client_credentials_grant(client, params);
}

HttpResponse TokenService::authorization_code_grant(const Client& client,
                                                    const oauth::Params& params) const {
  auto code = oauth::first_param(params, "code");
  if (!code) return error_response({400, "invalid_request", "code is missing"});
  auto redirect_uri = oauth::first_param(params, "redirect_uri");
  auto verifier = oauth::first_param(params, "code_verifier");

  Error rejection;
  auto reject = [&](std::string error, std::string description) {
    rejection = {400, std::move(error), std::move(description)};
    return false;
  };
  // Runs under the code's lock, so a code is marked used only by a request that fully passes.
  auto accept = [&](const AuthorizationCode& c) {
    if (!options_.has(Fault::CodeNotBoundToClient) && c.client_id != client.client_id)
      return reject("invalid_grant", "the code was issued to another client");
    if (options_.has(Fault::TokenRequiresRedirectUri) && !redirect_uri && c.redirect_uri_sent)
      return reject("invalid_request", "redirect_uri is required");
    // OAuth 2.1 §10.2 keeps RFC 6749's check when the client sends redirect_uri, but lets it
    // be omitted.
    if (redirect_uri && !options_.has(Fault::TokenRedirectUriUnchecked) &&
        *redirect_uri != c.redirect_uri)
      return reject("invalid_grant", "redirect_uri does not match the authorization request");
    // An empty challenge only exists under pkce-challenge-optional or pkce-downgrade.
    if (options_.has(Fault::PkceVerificationSkipped)) {
      // The fault: nothing about PKCE is looked at.
    } else if (c.code_challenge.empty()) {
      // RFC 9700 §4.8: a verifier for a code issued without a challenge means someone stripped
      // the challenge from the authorization request; pkce-downgrade ignores the verifier.
      if (verifier && !options_.has(Fault::PkceDowngrade))
        return reject("invalid_grant", "code_verifier sent for a code issued without a challenge");
    } else {
      if (!verifier) return reject("invalid_grant", "code_verifier is missing");
      if (!options_.has(Fault::PkceSyntaxUnchecked) && !oauth::is_valid_verifier_syntax(*verifier))
        return reject("invalid_grant", "code_verifier is not 43-128 characters of [A-Za-z0-9-._~]");
      bool matches = c.code_challenge_method == "plain"
                         ? oauth::constant_time_equals(*verifier, c.code_challenge)
                         : oauth::s256_matches(*verifier, c.code_challenge);
      if (!matches) return reject("invalid_grant", "code_verifier does not match code_challenge");
    }
    return true;
  };

  auto redemption = store_.redeem_code(*code, !options_.has(Fault::CodesReusable), accept);
  switch (redemption.status) {
  case RedeemStatus::NotFound:
  case RedeemStatus::Expired:
    return error_response({400, "invalid_grant", "the code is invalid or expired"});
  case RedeemStatus::Replayed:
    // RFC 6749 §4.1.2: a reused code suggests theft; revoke what it already produced.
    if (!options_.has(Fault::CodeReuseNotRevoking)) store_.revoke_grant(redemption.record.grant_id);
    if (options_.has(Fault::CodeReuse500)) return server_error();
    return error_response({400, "invalid_grant", "the code was already used"});
  case RedeemStatus::ReplayRejected:
    // OAuth 2.1 §7.5.3: a replay that would fail anyway (wrong client or verifier) revokes
    // nothing, or anyone who saw a used code could cancel the legitimate client's tokens.
    if (options_.has(Fault::CodeReplayRevokesOnInvalid))
      store_.revoke_grant(redemption.record.grant_id);
    if (options_.has(Fault::CodeReuse500)) return server_error();
    return error_response(rejection);
  case RedeemStatus::Rejected:
    return error_response(rejection);
  case RedeemStatus::Redeemed:
    break;
  }
  const AuthorizationCode& c = redemption.record;
  return issue(client, c.subject, c.scope, c.scope, c.resources, c.grant_id,
               client.allows_grant("refresh_token"));
}

HttpResponse TokenService::refresh_token_grant(const Client& client,
                                               const oauth::Params& params) const {
  auto token = oauth::first_param(params, "refresh_token");
  if (!token) return error_response({400, "invalid_request", "refresh_token is missing"});
  std::vector<std::string> requested =
      split_scope(oauth::first_param(params, "scope").value_or(""));

  Error rejection;
  std::string access_scope;
  auto accept = [&](const TokenRecord& t) {
    if (t.client_id != client.client_id) {
      rejection = {400, "invalid_grant", "the refresh token was issued to another client"};
      return false;
    }
    // RFC 6749 §6: a refresh may narrow the scope, never widen it.
    std::vector<std::string> granted = split_scope(t.scope);
    for (const std::string& s : requested)
      if (std::find(granted.begin(), granted.end(), s) == granted.end()) {
        rejection = {400, "invalid_scope", "scope exceeds the original grant: " + s};
        return false;
      }
    access_scope = requested.empty() ? t.scope : join_scope(requested);
    return true;
  };

  auto redemption = store_.redeem_refresh_token(*token, accept);
  switch (redemption.status) {
  case RedeemStatus::NotFound:
  case RedeemStatus::Expired:
    return error_response({400, "invalid_grant", "the refresh token is invalid or expired"});
  case RedeemStatus::Replayed:
    // RFC 9700 §4.14.2: reuse of a rotated refresh token invalidates the whole family.
    store_.revoke_grant(redemption.record.grant_id);
    return error_response({400, "invalid_grant", "the refresh token was already used"});
  case RedeemStatus::Rejected:
  case RedeemStatus::ReplayRejected: // refresh tokens report reuse before accept() runs
    return error_response(rejection);
  case RedeemStatus::Redeemed:
    break;
  }
  const TokenRecord& t = redemption.record;
  return issue(client, t.subject, t.scope, access_scope, t.resources, t.grant_id, true);
}

HttpResponse TokenService::client_credentials_grant(const Client& client,
                                                    const oauth::Params& params) const {
  // OAuth 2.1 §4.2: only confidential clients may use this grant.
  if (!client.is_confidential() && !options_.has(Fault::ClientCredentialsForPublic))
    return error_response(
        {400, "unauthorized_client", "client_credentials requires a confidential client"});
  std::string scope;
  if (auto error = requested_scope(params, scope)) return std::move(*error);
  std::vector<std::string> resources;
  for (const auto& [name, value] : params) {
    if (name != "resource") continue;
    auto parts = oauth::parse_url(value);
    if (!parts || value.find('#') != std::string::npos)
      return error_response(
          {400, "invalid_target", "resource must be an absolute URI without a fragment"});
    resources.push_back(value);
  }
  return issue(client, "", scope, scope, resources, oauth::random_base64url(16), false);
}

std::optional<HttpResponse> TokenService::requested_scope(const oauth::Params& params,
                                                          std::string& scope) const {
  std::vector<std::string> scopes = split_scope(oauth::first_param(params, "scope").value_or(""));
  for (const std::string& s : scopes)
    if (!is_supported_scope(s))
      return error_response({400, "invalid_scope", "unknown scope: " + s});
  scope = scopes.empty() ? std::string(kDefaultScope) : join_scope(scopes);
  return std::nullopt;
}

HttpResponse TokenService::password_grant(const Client& client, const oauth::Params& params) const {
  // The password-grant-enabled fault: RFC 6749 §4.3 as OAuth 2.0 had it, for any client.
  auto username = oauth::first_param(params, "username");
  auto password = oauth::first_param(params, "password");
  if (!username || !password)
    return error_response({400, "invalid_request", "username and password are required"});
  // Both halves are evaluated, so the time taken does not tell which one was wrong.
  const bool user_ok = *username == kTestSubject;
  const bool password_ok = oauth::constant_time_equals(*password, options_.login_password);
  if (!user_ok || !password_ok)
    return error_response({400, "invalid_grant", "incorrect username or password"});
  std::string scope;
  if (auto error = requested_scope(params, scope)) return std::move(*error);
  return issue(client, *username, scope, scope, {}, oauth::random_base64url(16),
               client.allows_grant("refresh_token"));
}

HttpResponse TokenService::issue(const Client& client, const std::string& subject,
                                 const std::string& grant_scope, const std::string& access_scope,
                                 const std::vector<std::string>& resources,
                                 const std::string& grant_id, bool with_refresh_token) const {
  const Clock::time_point now = Clock::now();
  const std::chrono::seconds lifetime = access_token_lifetime(options_);
  NewTokens tokens;
  tokens.access_token = new_token_value(options_);
  tokens.access = {.client_id = client.client_id,
                   .subject = subject,
                   .scope = access_scope,
                   .resources = resources,
                   .grant_id = grant_id,
                   .expires_at = now + lifetime};
  if (with_refresh_token) {
    tokens.refresh_token = new_token_value(options_);
    tokens.refresh = tokens.access;
    tokens.refresh.scope = grant_scope;
    tokens.refresh.expires_at = now + options_.refresh_token_lifetime;
  }
  if (!store_.issue_tokens(tokens))
    return error_response({400, "invalid_grant", "the grant has been revoked"});

  nlohmann::ordered_json body;
  body["access_token"] = tokens.access_token;
  body["token_type"] = options_.has(Fault::TokenTypeLowercase) ? "bearer" : "Bearer";
  if (options_.has(Fault::ExpiresInString))
    body["expires_in"] = std::to_string(lifetime.count());
  else
    body["expires_in"] = lifetime.count();
  if (with_refresh_token) body["refresh_token"] = tokens.refresh_token;
  // Always named, so the client never has to guess whether its request was narrowed.
  if (!options_.has(Fault::ScopeNarrowedSilently)) body["scope"] = access_scope;

  HttpResponse response = json_response(200, body);
  if (!options_.has(Fault::NoCacheControl)) add_no_store(response);
  return response;
}

} // namespace refserver
