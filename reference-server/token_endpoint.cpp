// Token endpoint logic, independent of the HTTP library.
#include "token_endpoint.h"

#include "core/base64url.h"
#include "core/pkce.h"
#include "core/text.h"
#include "error_description.h"
#include "policy.h"
#include "request_params.h"
#include "token_minting.h"

#include <algorithm>
#include <array>
#include <functional>
#include <tuple>

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

// Whether `text` goes into a JSON string unchanged: printable ASCII other than '"' and '\\'.
bool json_plain(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
}

// Whether `resource` names one of `granted` (RFC 8707 §2.2 limits a token request to those).
bool within(const std::vector<std::string>& granted, std::string_view resource) {
  return std::any_of(granted.begin(), granted.end(),
                     [&](const std::string& g) { return same_resource(g, resource); });
}

} // namespace

TokenService::TokenService(const ServerOptions& options, Store& store, ClientDirectory& clients,
                           std::string base_url)
    : options_(options), store_(store), clients_(clients),
      base_url_(std::move(base_url)), default_audience_{mcp_resource(base_url_)} {}

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
      if (auto description =
              error_description_member(options_, error_description(options_, error.description)))
        body["error_description"] = *description;
    // RFC 6749 §5.2: error_uri is OPTIONAL; the error-uri-given variant always sends one.
    if (options_.has(Variant::ErrorUriGiven)) body["error_uri"] = error_uri(base_url_, error.error);
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
  // Copied only when there is an empty value to drop, which a well-formed request never has.
  const bool has_empty = has_empty_value(request.params);
  const oauth::Params non_empty = has_empty ? drop_empty(request.params) : oauth::Params{};
  const oauth::Params& params = has_empty ? non_empty : request.params;
  // Under token-repeated-params-accepted the first value wins (find_param) instead.
  if (!options_.has(Fault::TokenRepeatedParamsAccepted))
    if (auto name = repeated_parameter(params))
      return error_response({400, "invalid_request", "parameter repeated: " + *name});

  const std::string* grant_type = find_param(params, "grant_type");
  if (!grant_type) return error_response({400, "invalid_request", "grant_type is missing"});
  // Removed OAuth 2.0 grants (password, implicit) are simply unknown here, unless the
  // password-grant-enabled fault brings the password grant back.
  const bool is_password = options_.has(Fault::PasswordGrantEnabled) && *grant_type == "password";
  // The other-defined-error-codes variant lets the password grant past this check, so that the
  // client's registration refuses it below with unauthorized_client (RFC 6749 §5.2: the client
  // is not authorized to use the grant type).
  const bool password_unauthorized =
      options_.has(Variant::OtherDefinedErrorCodes) && *grant_type == "password";
  if (!contains(kGrantTypes, *grant_type) && !is_password && !password_unauthorized)
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

  ClientOrError auth =
      authenticate_client(options_, clients_, request, params, AuthenticatingEndpoint::Token);
  if (auto* e = std::get_if<ClientAuthError>(&auth)) {
    // grant-checked-before-client: RFC 6749 §5.2 does not order the checks, so an unusable grant
    // may be reported first. Only the answer changes: a usable grant with bad credentials, and
    // every request with good credentials (replay revocation included), go on as before.
    if (options_.has(Variant::GrantCheckedBeforeClient) && grant_unusable(*grant_type, params))
      return error_response({400, "invalid_grant", "the grant is invalid, expired or used"});
    return error_response({e->status, e->error, e->description, e->basic_challenge});
  }
  const Client& client = *std::get<std::shared_ptr<const Client>>(auth);
  // other-defined-error-codes: OAuth 2.1 §4.2 reserves client_credentials for clients that
  // authenticate, and a public client presented none, which RFC 6749 §5.2 calls invalid_client.
  // 401, since the missing piece is authentication, with the challenge RFC 9110 §15.5.2 puts on
  // every 401 (Basic is a method this endpoint accepts).
  if (options_.has(Variant::OtherDefinedErrorCodes) && *grant_type == "client_credentials" &&
      !client.is_confidential())
    return error_response(
        {401, "invalid_client", "client_credentials requires client authentication", true});
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
  const std::string* code = find_param(params, "code");
  if (!code) return error_response({400, "invalid_request", "code is missing"});
  const std::string* redirect_uri = find_param(params, "redirect_uri");
  const std::string* verifier = find_param(params, "code_verifier");
  std::vector<std::string> resources;
  if (auto error = requested_resources(params, resources)) return std::move(*error);

  Error rejection;
  auto reject = [&](std::string error, std::string description) {
    rejection = {400, std::move(error), std::move(description)};
    return false;
  };
  // Runs under the code's lock, so a code is marked used only by a request that fully passes.
  auto accept = [&](const AuthorizationCode& c) {
    if (!options_.has(Fault::CodeNotBoundToClient) && c.client_id != client.client_id)
      return reject("invalid_grant", "the code was issued to another client");
    // token-requires-redirect-uri: a server that also serves OAuth 2.0 clients keeps RFC 6749
    // §4.1.3's rule that redirect_uri is required when the authorization request had one (OAuth
    // 2.1 §10.2 allows that).
    if (options_.has(Variant::TokenRequiresRedirectUri) && !redirect_uri && c.redirect_uri_sent)
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
    // RFC 8707 §2.2: the token request may narrow the audience to some of the authorized
    // resources, never add one; a code authorized without resource binds none.
    if (!c.resources.empty() && !options_.has(Fault::AudienceUnbound))
      for (const std::string& r : resources)
        if (!within(c.resources, r))
          return reject("invalid_target", "resource was not part of the authorization");
    return true;
  };

  // std::ref: the lambda captures too much for std::function's inline buffer, and a
  // reference_wrapper spares the heap copy.
  auto redemption =
      store_.redeem_code(*code, !options_.has(Fault::CodesReusable), std::ref(accept));
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
  return issue(client, {.subject = c.subject,
                        .grant_scope = c.scope,
                        .access_scope = c.scope,
                        .grant_resources = c.resources,
                        .audience = resources.empty() ? c.resources : resources,
                        .grant_id = c.grant_id,
                        .with_refresh_token = client.allows_grant("refresh_token")});
}

HttpResponse TokenService::refresh_token_grant(const Client& client,
                                               const oauth::Params& params) const {
  const std::string* token = find_param(params, "refresh_token");
  if (!token) return error_response({400, "invalid_request", "refresh_token is missing"});
  std::vector<std::string> requested =
      split_scope(oauth::first_param(params, "scope").value_or(""));
  std::vector<std::string> resources;
  if (auto error = requested_resources(params, resources)) return std::move(*error);

  Error rejection;
  std::string access_scope;
  auto accept = [&](const TokenRecord& t) {
    if (t.client_id != client.client_id && !options_.has(Fault::RefreshNotBoundToClient)) {
      rejection = {400, "invalid_grant", "the refresh token was issued to another client"};
      return false;
    }
    // RFC 6749 §6: a refresh may narrow the scope, never widen it. refresh-scope-widening
    // grants any scope the server knows.
    std::vector<std::string> granted = split_scope(t.scope);
    for (const std::string& s : requested)
      if (std::find(granted.begin(), granted.end(), s) == granted.end() &&
          !(options_.has(Fault::RefreshScopeWidening) && is_supported_scope(s))) {
        rejection = {400, "invalid_scope", "scope exceeds the original grant: " + s};
        return false;
      }
    // RFC 8707 §2.2 and RFC 9700 §4.14.2: a refresh may target only the grant's resources.
    if (!options_.has(Fault::RefreshResourceUnchecked) && !options_.has(Fault::AudienceUnbound))
      for (const std::string& r : resources)
        if (!within(t.resources, r)) {
          rejection = {400, "invalid_target", "resource was not part of the authorization"};
          return false;
        }
    access_scope = requested.empty() ? t.scope : join_scope(requested);
    return true;
  };

  const RefreshRotation rotation{.rotate = !options_.has(Fault::RefreshNotRotated),
                                 .refuse_rotated = !options_.has(Fault::RefreshReuseAllowed)};
  auto redemption = store_.redeem_refresh_token(*token, rotation, std::ref(accept));
  switch (redemption.status) {
  case RedeemStatus::NotFound:
  case RedeemStatus::Expired:
    return error_response({400, "invalid_grant", "the refresh token is invalid or expired"});
  case RedeemStatus::Replayed:
    // RFC 9700 §4.14.2: reuse of a rotated refresh token invalidates the whole family.
    if (!options_.has(Fault::RefreshReuseNotRevoking))
      store_.revoke_grant(redemption.record.grant_id);
    return error_response({400, "invalid_grant", "the refresh token was already used"});
  case RedeemStatus::Rejected:
  case RedeemStatus::ReplayRejected: // refresh tokens report reuse before accept() runs
    return error_response(rejection);
  case RedeemStatus::Redeemed:
    break;
  }
  const TokenRecord& t = redemption.record;
  HttpResponse response = issue(
      client, {.subject = t.subject,
               // OAuth 2.1 §4.3.3: the new refresh token keeps the grant's scope even when this
               // access token is narrower; refresh-narrowing-sticks hands it the narrowed scope.
               .grant_scope = options_.has(Fault::RefreshNarrowingSticks) ? access_scope : t.scope,
               .access_scope = access_scope,
               .grant_resources = t.resources,
               .audience = resources.empty() ? t.resources : resources,
               .grant_id = t.grant_id,
               .with_refresh_token = true,
               .reused_refresh_token = options_.has(Fault::RefreshNotRotated) ? *token : ""});
  // The fault: a successful refresh may be cached, refresh token and all.
  if (options_.has(Fault::RefreshResponseCacheable) && response.status == 200)
    std::erase_if(response.headers, [](const auto& header) {
      return oauth::iequals(header.first, "Cache-Control") ||
             oauth::iequals(header.first, "Pragma");
    });
  return response;
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
  if (auto error = requested_resources(params, resources)) return std::move(*error);
  return issue(client, {.grant_scope = scope,
                        .access_scope = scope,
                        .audience = resources,
                        .grant_id = oauth::random_base64url(16)});
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

std::optional<HttpResponse>
TokenService::requested_resources(const oauth::Params& params,
                                  std::vector<std::string>& resources) const {
  // resource-ignored: a server without RFC 8707 (which is optional) ignores the parameter like
  // any other it does not know (OAuth 2.1 §3.2), so tokens get the default audience.
  if (options_.has(Variant::ResourceIgnored)) return std::nullopt;
  for (const auto& [name, value] : params) {
    if (name != "resource") continue;
    // The resource-rejected fault: a server without RFC 8707 that refuses the parameter.
    if (options_.has(Fault::ResourceRejected))
      return error_response({400, "invalid_target", "the resource parameter is not supported"});
    if (!is_valid_resource(value) && !options_.has(Fault::ResourceUnvalidated))
      return error_response(
          {400, "invalid_target", "resource must be an absolute URI without a fragment"});
    resources.push_back(value);
  }
  return std::nullopt;
}

std::vector<std::string>
TokenService::audience_or_default(const std::vector<std::string>& resources) const {
  // A token requested without resource is still for one audience: the MCP endpoint, the only
  // resource this server protects (RFC 9700 §2.3 asks for audience-restricted tokens).
  if (resources.empty() || options_.has(Fault::AudienceUnbound)) return default_audience_;
  return resources;
}

bool TokenService::grant_unusable(std::string_view grant_type, const oauth::Params& params) const {
  if (grant_type == "authorization_code") {
    const std::string* code = find_param(params, "code");
    if (!code) return false;
    auto found = store_.find_code(*code);
    return !found || (found->used && !options_.has(Fault::CodesReusable));
  }
  if (grant_type == "refresh_token") {
    const std::string* token = find_param(params, "refresh_token");
    if (!token) return false;
    auto found = store_.find_refresh_token(*token);
    return !found || (found->rotated && !options_.has(Fault::RefreshReuseAllowed));
  }
  return false;
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
  return issue(client, {.subject = *username,
                        .grant_scope = scope,
                        .access_scope = scope,
                        .grant_id = oauth::random_base64url(16),
                        .with_refresh_token = client.allows_grant("refresh_token")});
}

HttpResponse TokenService::issue(const Client& client, const Issuance& issuance) const {
  const Clock::time_point now = Clock::now();
  const auto issued_at = std::chrono::system_clock::now();
  const std::chrono::seconds lifetime = access_token_lifetime(options_);
  // An existing refresh token handed back stays stored as it is.
  const bool new_refresh_token =
      issuance.with_refresh_token && issuance.reused_refresh_token.empty();
  NewTokens tokens;
  if (new_refresh_token)
    std::tie(tokens.access_token, tokens.refresh_token) = new_token_pair(options_);
  else
    tokens.access_token = new_token_value(options_);
  tokens.access = {.client_id = client.client_id,
                   .subject = issuance.subject,
                   .scope = issuance.access_scope,
                   .resources = audience_or_default(issuance.audience),
                   .grant_id = issuance.grant_id,
                   .expires_at = now + lifetime,
                   .issued_at = issued_at};
  if (new_refresh_token)
    tokens.refresh = {.client_id = tokens.access.client_id,
                      .subject = tokens.access.subject,
                      .scope = issuance.grant_scope,
                      .resources = audience_or_default(issuance.grant_resources),
                      .grant_id = tokens.access.grant_id,
                      .expires_at = now + options_.refresh_token_lifetime,
                      .issued_at = issued_at};

  // Built before the tokens are moved into the store; discarded if the grant was revoked.
  TokenResponseFields fields{
      .access_token = tokens.access_token, .expires_in = lifetime, .scope = issuance.access_scope};
  if (issuance.with_refresh_token)
    fields.refresh_token = new_refresh_token ? std::string_view(tokens.refresh_token)
                                             : std::string_view(issuance.reused_refresh_token);
  HttpResponse response;
  response.content_type = "application/json";
  response.body = token_response_body(options_, fields);
  if (!store_.issue_tokens(std::move(tokens)))
    return error_response({400, "invalid_grant", "the grant has been revoked"});
  if (!options_.has(Fault::NoCacheControl)) add_no_store(response);
  return response;
}

std::string token_response_body(const ServerOptions& options, const TokenResponseFields& fields) {
  const std::string_view token_type = options.has(Fault::TokenTypeLowercase) ? "bearer" : "Bearer";
  const std::string expires_in = std::to_string(fields.expires_in.count());
  const bool expires_in_string = options.has(Fault::ExpiresInString);
  // The scope is always named, so the client never has to guess whether its request was
  // narrowed.
  const bool with_scope = !options.has(Fault::ScopeNarrowedSilently);
  // Token values are base64url and scopes are plain words, so the body is nearly always
  // concatenated directly; anything that JSON would escape (or reject) goes through nlohmann,
  // which produces the same bytes for the plain case.
  if (json_plain(fields.access_token) && json_plain(fields.scope) &&
      (!fields.refresh_token || json_plain(*fields.refresh_token))) {
    std::string body;
    body.reserve(128 + fields.access_token.size() +
                 (fields.refresh_token ? fields.refresh_token->size() : 0) + fields.scope.size());
    body.append(R"({"access_token":")").append(fields.access_token);
    body.append(R"(","token_type":")").append(token_type);
    body.append(R"(","expires_in":)");
    if (expires_in_string)
      body.append(1, '"').append(expires_in).append(1, '"');
    else
      body.append(expires_in);
    if (fields.refresh_token)
      body.append(R"(,"refresh_token":")").append(*fields.refresh_token).append(1, '"');
    if (with_scope) body.append(R"(,"scope":")").append(fields.scope).append(1, '"');
    body.append(1, '}');
    return body;
  }
  nlohmann::ordered_json body;
  body["access_token"] = fields.access_token;
  body["token_type"] = token_type;
  if (expires_in_string)
    body["expires_in"] = expires_in;
  else
    body["expires_in"] = fields.expires_in.count();
  if (fields.refresh_token) body["refresh_token"] = *fields.refresh_token;
  if (with_scope) body["scope"] = fields.scope;
  return body.dump();
}

} // namespace refserver
