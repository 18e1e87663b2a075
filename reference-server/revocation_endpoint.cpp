// RFC 7009 revocation, with the revocation-* faults and introspection-basic-only applied.
#include "revocation_endpoint.h"

#include "error_description.h"
#include "request_params.h"

#include <variant>

namespace refserver {

RevocationService::RevocationService(const ServerOptions& options, Store& store,
                                     ClientDirectory& clients)
    : options_(options), store_(store), clients_(clients) {}

HttpResponse RevocationService::error(int status, std::string_view error,
                                      std::string_view description) const {
  HttpResponse response =
      json_error(options_, status, error, error_description(options_, description));
  response.set_header("Pragma", "no-cache");
  return response;
}

RevocationService::Outcome RevocationService::revoke_access_token(const Client& client,
                                                                  const std::string& token) const {
  auto record = store_.find_access_token(token);
  if (!record) return Outcome::NotFound;
  if (record->client_id != client.client_id && !options_.has(Fault::RevocationCrossClient))
    return Outcome::OtherClient;
  // The fault claims success but leaves the access token working.
  if (!options_.has(Fault::RevocationAccessTokensIgnored)) store_.revoke_access_token(token);
  return Outcome::Revoked;
}

RevocationService::Outcome RevocationService::revoke_refresh_token(const Client& client,
                                                                   const std::string& token) const {
  auto record = store_.find_refresh_token(token);
  // A rotated-out refresh token is already invalid: nothing left to revoke.
  if (!record || record->rotated) return Outcome::NotFound;
  if (record->client_id != client.client_id && !options_.has(Fault::RevocationCrossClient))
    return Outcome::OtherClient;
  if (options_.has(Fault::RevocationIgnored)) return Outcome::Revoked; // the fault: a no-op
  // RFC 7009 §2.1: revoking a refresh token should also invalidate the access tokens of the
  // same grant; revocation-keeps-access-tokens leaves them working.
  if (options_.has(Fault::RevocationKeepsAccessTokens))
    store_.revoke_refresh_tokens(record->grant_id);
  else
    store_.revoke_grant(record->grant_id);
  return Outcome::Revoked;
}

HttpResponse RevocationService::revoke(const ClientRequest& request) const {
  if (!request.form_encoded)
    return error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
  if (auto problem = malformed_parameters(request.params))
    return error(400, "invalid_request", *problem);
  const oauth::Params params = drop_empty(request.params);
  if (auto name = repeated_parameter(params))
    return error(400, "invalid_request", "parameter repeated: " + *name);

  // introspection-basic-only: RFC 7009 §2.1 lets the server choose how clients authenticate;
  // this one takes only client_secret_basic, as its metadata says, so the 401 names Basic.
  auto basic_required = [&](std::string_view description) {
    HttpResponse response = error(401, "invalid_client", description);
    response.set_header("WWW-Authenticate", "Basic realm=\"reference-server\"");
    return response;
  };
  const bool basic_only = options_.has(Variant::IntrospectionBasicOnly);
  if (basic_only && !uses_http_basic(request))
    return basic_required("revocation requires HTTP Basic client authentication");

  // RFC 7009 §2.1: the client authenticates as at the token endpoint; a public client names
  // itself with client_id.
  ClientOrError auth =
      authenticate_client(options_, clients_, request, params, AuthenticatingEndpoint::Revocation);
  if (auto* e = std::get_if<ClientAuthError>(&auth)) {
    HttpResponse response = error(e->status, e->error, e->description);
    // RFC 6749 §5.2: a failed HTTP Basic attempt is answered with a challenge.
    if (e->basic_challenge)
      response.set_header("WWW-Authenticate", "Basic realm=\"reference-server\"");
    return response;
  }
  const Client& client = *std::get<std::shared_ptr<const Client>>(auth);
  if (basic_only && !client.is_confidential())
    return basic_required("revocation requires a confidential client");

  auto token = oauth::first_param(params, "token");
  if (!token) return error(400, "invalid_request", "token is missing");
  // RFC 7009 §2.1: the hint may speed up the search; a value the server does not know is
  // ignored and both kinds are searched anyway. revocation-hint-strict refuses such a value.
  const std::string hint = oauth::first_param(params, "token_type_hint").value_or("");
  if (options_.has(Fault::RevocationHintStrict) && !hint.empty() && hint != "access_token" &&
      hint != "refresh_token")
    return error(400, "unsupported_token_type", "unknown token_type_hint: " + hint);

  Outcome outcome;
  if (hint == "refresh_token") {
    outcome = revoke_refresh_token(client, *token);
    if (outcome == Outcome::NotFound) outcome = revoke_access_token(client, *token);
  } else {
    outcome = revoke_access_token(client, *token);
    if (outcome == Outcome::NotFound) outcome = revoke_refresh_token(client, *token);
  }
  // RFC 7009 §2.1: a token issued to another client is refused, and nothing is revoked.
  if (outcome == Outcome::OtherClient)
    return error(400, "invalid_request", "the token was not issued to this client");
  // RFC 7009 §2.2: an unknown or already invalid token is not an error, since the client's
  // goal, an unusable token, is met.
  if (outcome == Outcome::NotFound && options_.has(Fault::RevocationUnknown400))
    return error(400, "invalid_request", "unknown token");

  HttpResponse response;
  response.status = 200;
  add_no_store(response);
  return response;
}

} // namespace refserver
