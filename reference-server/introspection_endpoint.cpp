// RFC 7662 introspection, with the introspection-* faults and variants applied.
#include "introspection_endpoint.h"

#include "core/pkce.h"
#include "core/text.h"
#include "error_description.h"
#include "request_params.h"

#include <chrono>
#include <variant>

namespace refserver {
namespace {

HttpResponse with_no_store(HttpResponse response) {
  add_no_store(response);
  return response;
}

// RFC 6750 §3: a bearer credential that is not accepted.
HttpResponse invalid_bearer() {
  HttpResponse response = json_error(401, "invalid_token", "");
  response.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  return response;
}

} // namespace

IntrospectionService::IntrospectionService(const ServerOptions& options, Store& store,
                                           ClientDirectory& clients, std::string issuer)
    : options_(options), store_(store), clients_(clients), issuer_(std::move(issuer)) {}

std::optional<HttpResponse> IntrospectionService::refuse_caller(const ClientRequest& request,
                                                                const oauth::Params& params,
                                                                std::string& caller) const {
  // The fault: anyone may ask, credentials or not.
  if (options_.has(Fault::IntrospectionOpen)) return std::nullopt;

  std::string_view header = oauth::trim(request.authorization);
  std::string_view scheme = header.substr(0, header.find(' '));
  if (!header.empty() && oauth::iequals(scheme, "Bearer")) {
    // A resource server authorised out of band (RFC 7662 §2.1 leaves the method open).
    std::string_view presented = oauth::trim(header.substr(scheme.size()));
    if (options_.introspection_token.empty() ||
        !oauth::constant_time_equals(presented, options_.introspection_token))
      return invalid_bearer();
    return std::nullopt;
  }

  const bool used_basic = !header.empty() && oauth::iequals(scheme, "Basic");
  const bool nothing_sent = header.empty() && !oauth::first_param(params, "client_id") &&
                            !oauth::first_param(params, "client_secret");
  auto refuse = [&](int status, std::string_view error, std::string_view description,
                    bool challenge) {
    HttpResponse response =
        json_error(options_, status, error, error_description(options_, description));
    // RFC 6749 §5.2, which RFC 7662 §2.3 points to: a 401 names the scheme to use.
    if (status == 401 && challenge)
      response.set_header("WWW-Authenticate", "Basic realm=\"reference-server\"");
    return response;
  };
  // introspection-basic-only: RFC 7662 §2.1 leaves the method to the server, which here takes
  // only client_secret_basic, as its metadata says.
  if (options_.has(Variant::IntrospectionBasicOnly) && !used_basic)
    return refuse(401, "invalid_client", "introspection requires HTTP Basic client authentication",
                  true);
  ClientOrError auth = authenticate_client(options_, clients_, request, params,
                                           AuthenticatingEndpoint::Introspection);
  if (auto* e = std::get_if<ClientAuthError>(&auth))
    return refuse(e->status, e->error, e->description, e->basic_challenge || nothing_sent);
  const Client& client = *std::get<std::shared_ptr<const Client>>(auth);
  // RFC 7662 §4: only callers that can authenticate may probe tokens, so a public client, which
  // anyone can impersonate, may not.
  if (!client.is_confidential())
    return refuse(401, "invalid_client", "introspection requires a confidential client",
                  used_basic);
  caller = client.client_id;
  return std::nullopt;
}

HttpResponse IntrospectionService::introspect(const ClientRequest& request) const {
  if (!request.form_encoded)
    return json_error(options_, 400, "invalid_request",
                      error_description(options_, "the body must be "
                                                  "application/x-www-form-urlencoded"));
  if (auto problem = malformed_parameters(request.params))
    return json_error(options_, 400, "invalid_request", error_description(options_, *problem));
  const oauth::Params params = drop_empty(request.params);
  if (auto name = repeated_parameter(params))
    return json_error(options_, 400, "invalid_request",
                      error_description(options_, "parameter repeated: " + *name));
  // The client that asks; empty for the resource server's bearer token, which sees every token.
  std::string caller;
  if (auto refusal = refuse_caller(request, params, caller)) return std::move(*refusal);

  auto token = oauth::first_param(params, "token");
  if (!token)
    return json_error(options_, 400, "invalid_request",
                      error_description(options_, "token is missing"));

  // RFC 7662 §2.1: the hint only decides which kind is looked up first; a token of the other
  // kind is still found. introspection-hint-strict looks only where the hint points.
  const std::string hint = oauth::first_param(params, "token_type_hint").value_or("");
  const bool strict = options_.has(Fault::IntrospectionHintStrict);
  const bool refresh_first = hint == "refresh_token";
  const bool search_access = !(strict && hint == "refresh_token");
  const bool search_refresh = !(strict && hint == "access_token");
  // introspection-hides-foreign-tokens: RFC 7662 §2.2 and §4 let the server answer inactive to a
  // caller not entitled to the token, here any client but the one it was issued to.
  auto visible = [&](const TokenRecord& record) {
    return caller.empty() || !options_.has(Variant::IntrospectionHidesForeignTokens) ||
           record.client_id == caller;
  };
  auto as_access = [&]() -> std::optional<HttpResponse> {
    if (!search_access) return std::nullopt;
    if (auto record = store_.find_access_token(*token); record && visible(*record))
      return active(*record, false);
    return std::nullopt;
  };
  auto as_refresh = [&]() -> std::optional<HttpResponse> {
    if (!search_refresh) return std::nullopt;
    // A rotated-out refresh token no longer works, so it is not active.
    if (auto record = store_.find_refresh_token(*token);
        record && !record->rotated && visible(*record))
      return active(*record, true);
    return std::nullopt;
  };
  std::optional<HttpResponse> found = refresh_first ? as_refresh() : as_access();
  if (!found) found = refresh_first ? as_access() : as_refresh();
  return found ? std::move(*found) : inactive();
}

HttpResponse IntrospectionService::active(const TokenRecord& record, bool refresh_token) const {
  // Expiry is kept on the steady clock; report it on the wall clock as exp requires.
  const auto exp = std::chrono::system_clock::now() + (record.expires_at - Clock::now());
  auto seconds = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  auto number = [&](long long value) -> nlohmann::ordered_json {
    if (options_.has(Fault::IntrospectionExpString)) return std::to_string(value);
    return value;
  };
  nlohmann::ordered_json body;
  if (options_.has(Fault::IntrospectionActiveString))
    body["active"] = "true";
  else
    body["active"] = true;
  body["scope"] = record.scope;
  body["client_id"] = record.client_id;
  body["token_type"] = refresh_token ? "refresh_token" : "Bearer";
  body["exp"] = number(seconds(exp));
  body["iat"] = number(seconds(record.issued_at));
  if (!record.subject.empty()) body["sub"] = record.subject;
  // RFC 7662 §2.2: a single audience may be a string, several are an array.
  if (record.resources.size() == 1)
    body["aud"] = record.resources.front();
  else if (!record.resources.empty())
    body["aud"] = record.resources;
  body["iss"] = issuer_;
  return with_no_store(json_response(200, body));
}

HttpResponse IntrospectionService::inactive() const {
  // RFC 7662 §2.2: an inactive token is answered 200 with active false and nothing more, so
  // the answer tells a prober nothing about why.
  if (options_.has(Fault::IntrospectionUnknownError)) return json_error(400, "invalid_token", "");
  nlohmann::ordered_json body;
  if (options_.has(Fault::IntrospectionActiveString))
    body["active"] = "false";
  else
    body["active"] = false;
  if (options_.has(Fault::IntrospectionInactiveVerbose)) {
    body["token_type"] = "Bearer";
    body["error_description"] = "token not found";
  }
  return with_no_store(json_response(200, body));
}

} // namespace refserver
