// Authorization request validation and code issuance, with the pkce-* faults applied.
#include "authorization_endpoint.h"

#include "base64url.h"
#include "pkce.h"
#include "policy.h"
#include "request_params.h"
#include "text.h"

#include <algorithm>

namespace refserver {
namespace {

// For an http URI on a loopback IP literal in plain form, the URI with its port removed.
std::optional<std::string> without_loopback_port(std::string_view uri) {
  auto parts = oauth::parse_url(uri);
  if (!parts || parts->scheme != "http" || !oauth::is_loopback_ip(parts->host) ||
      parts->has_fragment)
    return std::nullopt;
  std::string tail = parts->path + (parts->has_query ? "?" + parts->query : "");
  std::string port = parts->port.empty() ? "" : ":" + parts->port;
  // Anything curl would have normalised or that hides in userinfo gets exact matching only.
  if ("http://" + parts->host + port + tail != uri) return std::nullopt;
  return "http://" + parts->host + tail;
}

HttpResponse error_page(std::string_view title, std::string_view detail) {
  HttpResponse response;
  response.status = 400;
  response.content_type = "text/html; charset=utf-8";
  response.set_header("Cache-Control", "no-store");
  response.body = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                  html_escape(title) + "</title></head>\n<body><h1>" + html_escape(title) +
                  "</h1>\n<p>" + html_escape(detail) + "</p></body></html>\n";
  return response;
}

HttpResponse redirect(const std::string& location) {
  HttpResponse response;
  response.status = 302;
  response.set_header("Location", location);
  response.set_header("Cache-Control", "no-store");
  return response;
}

} // namespace

bool redirect_uri_matches(std::string_view registered, std::string_view requested) {
  if (registered == requested) return true;
  auto a = without_loopback_port(registered);
  auto b = without_loopback_port(requested);
  return a && b && *a == *b;
}

AuthorizationService::AuthorizationService(const ServerOptions& options, Store& store,
                                           std::string issuer)
    : options_(options), store_(store), issuer_(std::move(issuer)) {}

std::optional<std::string>
AuthorizationService::effective_challenge_method(const std::optional<std::string>& sent) const {
  if (options_.has(Fault::PkceMethodIgnored)) return "S256";
  // RFC 7636 §4.3: no method means plain.
  if (!sent)
    return options_.has(Fault::PkcePlainAccepted) ? std::optional<std::string>("plain")
                                                  : std::nullopt;
  if (*sent == "S256") return "S256";
  if (options_.has(Fault::PkceMethodCaseInsensitive) && oauth::iequals(*sent, "S256")) return "S256";
  if (options_.has(Fault::PkcePlainAccepted) && *sent == "plain") return "plain";
  return std::nullopt;
}

std::variant<ValidatedAuthorization, HttpResponse>
AuthorizationService::validate(const AuthorizationRequest& request) const {
  const oauth::Params params = drop_empty(request.params);
  ValidatedAuthorization out;

  // Until client and redirect URI are established, errors must not redirect: the URI could
  // send the user agent to an attacker (OAuth 2.1 §4.1.2.1).
  size_t client_ids = oauth::count_param(params, "client_id");
  if (client_ids == 0) return error_page("Invalid request", "client_id is missing.");
  if (client_ids > 1) return error_page("Invalid request", "client_id is repeated.");
  out.client = store_.find_client(*oauth::first_param(params, "client_id"));
  if (!out.client) return error_page("Unknown client", "No client is registered with this id.");

  size_t redirect_uris = oauth::count_param(params, "redirect_uri");
  if (redirect_uris > 1) return error_page("Invalid request", "redirect_uri is repeated.");
  if (redirect_uris == 1) {
    out.redirect_uri = *oauth::first_param(params, "redirect_uri");
    out.redirect_uri_sent = true;
    if (out.redirect_uri.find('#') != std::string::npos)
      return error_page("Invalid redirect URI", "redirect_uri must not contain a fragment.");
    const auto& registered = out.client->redirect_uris;
    if (std::none_of(registered.begin(), registered.end(), [&](const std::string& r) {
          return redirect_uri_matches(r, out.redirect_uri);
        }))
      return error_page("Invalid redirect URI",
                        "redirect_uri does not match a URI registered for this client: " +
                            out.redirect_uri);
  } else if (out.client->redirect_uris.size() == 1) {
    out.redirect_uri = out.client->redirect_uris.front();
  } else if (out.client->redirect_uris.empty()) {
    return error_page("Invalid request", "The client has no registered redirect URI.");
  } else {
    return error_page("Invalid request",
                      "redirect_uri is required when the client registered several.");
  }

  // A repeated state is not echoed: there is no telling which one the client meant.
  if (oauth::count_param(params, "state") == 1) out.state = oauth::first_param(params, "state");
  auto fail = [&](std::string_view error, std::string_view description) -> HttpResponse {
    oauth::Params query = {{"error", std::string(error)},
                           {"error_description", std::string(description)}};
    if (out.state) query.emplace_back("state", *out.state);
    query.emplace_back("iss", issuer_);
    return redirect(oauth::append_query(out.redirect_uri, query));
  };

  if (auto name = repeated_parameter(params))
    return fail("invalid_request", "parameter repeated: " + *name);

  auto response_type = oauth::first_param(params, "response_type");
  if (!response_type) return fail("invalid_request", "response_type is missing");
  // Only the code flow exists in OAuth 2.1: the implicit grant (token) is gone.
  if (*response_type != "code")
    return fail("unsupported_response_type", "only response_type=code is supported");
  if (!out.client->allows_response_type("code"))
    return fail("unauthorized_client", "the client is not registered for response_type=code");

  // OAuth 2.1 §4.1.1: PKCE is required for every client.
  auto challenge = oauth::first_param(params, "code_challenge");
  if (!challenge) {
    if (!options_.has(Fault::PkceChallengeOptional))
      return fail("invalid_request", "code_challenge is required");
  } else {
    auto sent_method = oauth::first_param(params, "code_challenge_method");
    auto method = effective_challenge_method(sent_method);
    if (!method)
      return fail("invalid_request", sent_method
                                         ? "code_challenge_method must be S256"
                                         : "code_challenge_method is required (plain is not "
                                           "supported)");
    // The challenge follows the verifier grammar: 43..128 unreserved characters.
    if (!oauth::is_valid_verifier_syntax(*challenge))
      return fail("invalid_request", "code_challenge must be 43-128 characters of [A-Za-z0-9-._~]");
    out.code_challenge = *challenge;
    out.code_challenge_method = *method;
  }

  std::vector<std::string> scopes = split_scope(oauth::first_param(params, "scope").value_or(""));
  for (const std::string& s : scopes)
    if (!is_supported_scope(s)) return fail("invalid_scope", "unknown scope: " + s);
  out.scope = scopes.empty() ? std::string(kDefaultScope) : join_scope(scopes);

  // RFC 8707 §2: each resource is an absolute URI without a fragment.
  for (const auto& [name, value] : params) {
    if (name != "resource") continue;
    auto parts = oauth::parse_url(value);
    if (!parts || parts->has_fragment || value.find('#') != std::string::npos)
      return fail("invalid_target", "resource must be an absolute URI without a fragment");
    out.resources.push_back(value);
  }
  return out;
}

HttpResponse AuthorizationService::approve(const ValidatedAuthorization& request,
                                           std::string_view subject) const {
  AuthorizationCode record;
  record.client_id = request.client->client_id;
  record.redirect_uri = request.redirect_uri;
  record.redirect_uri_sent = request.redirect_uri_sent;
  record.code_challenge = request.code_challenge;
  record.code_challenge_method = request.code_challenge_method;
  record.scope = request.scope;
  record.resources = request.resources;
  record.subject = subject;
  record.grant_id = oauth::random_base64url(16);
  record.expires_at = Clock::now() + options_.code_lifetime;
  const std::string code = oauth::random_base64url(32);
  store_.add_code(code, std::move(record));

  oauth::Params query = {{"code", code}};
  if (request.state) query.emplace_back("state", *request.state);
  query.emplace_back("iss", issuer_);
  return redirect(oauth::append_query(request.redirect_uri, query));
}

HttpResponse AuthorizationService::authorize(const AuthorizationRequest& request) const {
  auto validated = validate(request);
  if (auto* response = std::get_if<HttpResponse>(&validated)) return std::move(*response);
  return approve(std::get<ValidatedAuthorization>(validated), kTestSubject);
}

} // namespace refserver
