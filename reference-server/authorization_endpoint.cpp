// Authorization request validation and code issuance, with the authorization-side faults and
// variants applied.
#include "authorization_endpoint.h"

#include "core/base64url.h"
#include "core/pkce.h"
#include "core/text.h"
#include "error_description.h"
#include "html_page.h"
#include "policy.h"
#include "request_params.h"
#include "token_minting.h"

#include <algorithm>

namespace refserver {
namespace {

// For an http URI on a loopback host in plain form, the URI with its port removed.
std::optional<std::string> without_loopback_port(std::string_view uri) {
  auto parts = oauth::parse_url(uri);
  if (!parts || parts->scheme != "http" || !oauth::is_loopback_host(parts->host) ||
      parts->has_fragment)
    return std::nullopt;
  std::string tail = parts->path + (parts->has_query ? "?" + parts->query : "");
  std::string port = parts->port.empty() ? "" : ":" + parts->port;
  // Anything curl would have normalised or that hides in userinfo gets exact matching only.
  if ("http://" + parts->host + port + tail != uri) return std::nullopt;
  return "http://" + parts->host + tail;
}

HttpResponse redirect(const std::string& location) {
  HttpResponse response;
  response.status = 302;
  response.set_header("Location", location);
  response.set_header("Cache-Control", "no-store");
  return response;
}

// `uri` without its query, keeping any fragment (the redirect-query-dropped fault).
std::string without_query(std::string_view uri) {
  size_t hash = uri.find('#');
  std::string_view before = uri.substr(0, hash);
  std::string out(before.substr(0, before.find('?')));
  if (hash != std::string_view::npos) out += uri.substr(hash);
  return out;
}

} // namespace

bool redirect_uri_matches(std::string_view registered, std::string_view requested) {
  if (registered == requested) return true;
  auto a = without_loopback_port(registered);
  auto b = without_loopback_port(requested);
  return a && b && *a == *b;
}

AuthorizationService::AuthorizationService(const ServerOptions& options, Store& store,
                                           ClientDirectory& clients, std::string issuer)
    : options_(options), store_(store), clients_(clients), issuer_(std::move(issuer)) {}

std::optional<std::string>
AuthorizationService::effective_challenge_method(const std::optional<std::string>& sent) const {
  if (options_.has(Fault::PkceMethodIgnored)) return "S256";
  // RFC 7636 §4.3: no method means plain.
  if (!sent)
    return options_.has(Fault::PkcePlainAccepted) ? std::optional<std::string>("plain")
                                                  : std::nullopt;
  if (*sent == "S256") return "S256";
  if (options_.has(Fault::PkceMethodCaseInsensitive) && oauth::iequals(*sent, "S256"))
    return "S256";
  if (options_.has(Fault::PkcePlainAccepted) && *sent == "plain") return "plain";
  return std::nullopt;
}

bool AuthorizationService::matches_registration(const Client& client,
                                                std::string_view requested) const {
  return std::any_of(client.redirect_uris.begin(), client.redirect_uris.end(),
                     [&](const std::string& r) {
                       if (options_.has(Fault::LoopbackPortExact)) return r == requested;
                       if (redirect_uri_matches(r, requested)) return true;
                       if (options_.has(Fault::RedirectUriPrefixMatch))
                         return requested.starts_with(r);
                       if (options_.has(Fault::RedirectUriCaseInsensitive))
                         return oauth::iequals(r, requested);
                       return false;
                     });
}

HttpResponse AuthorizationService::error_page(const AuthorizationRequest& request,
                                              std::string_view title,
                                              std::string_view detail) const {
  if (!options_.has(Fault::ErrorPageReflectsInput))
    return html_error_page(options_, 400, title, detail);
  // The fault: untrusted parameters go into the markup as they are.
  std::string body = "<h1>" + html_escape(title) + "</h1>\n<p>" + html_escape(detail) +
                     "</p>\n<p>Request for redirect_uri " +
                     oauth::first_param(request.params, "redirect_uri").value_or("") +
                     " with state " + oauth::first_param(request.params, "state").value_or("") +
                     "</p>\n";
  return html_page(options_, 400, title, body);
}

HttpResponse AuthorizationService::redirect_to(std::string_view redirect_uri, oauth::Params params,
                                               const std::optional<std::string>& state,
                                               bool error) const {
  // OAuth 2.1 §4.1.2.1: state is echoed on errors too, exactly as received.
  if (state && !(error && options_.has(Fault::StateDroppedOnError)))
    params.emplace_back("state", *state);
  if (!options_.has(Fault::IssMissing)) params.emplace_back("iss", issuer_);
  std::string base(redirect_uri);
  if (options_.has(Fault::RedirectQueryDropped)) base = without_query(base);
  return redirect(oauth::append_query(base, params));
}

std::variant<ValidatedAuthorization, HttpResponse>
AuthorizationService::validate(const AuthorizationRequest& request) const {
  const oauth::Params params =
      options_.has(Fault::EmptyValuesKept) ? request.params : drop_empty(request.params);
  // Under the fault, the first of repeated values wins instead of the request failing.
  const bool repeats_allowed = options_.has(Fault::RepeatedParametersAccepted);
  auto single = [&](std::string_view name) {
    size_t n = oauth::count_param(params, name);
    return n == 1 || (repeats_allowed && n > 1);
  };
  auto page = [&](std::string_view title, std::string_view detail) {
    return error_page(request, title, detail);
  };
  ValidatedAuthorization out;

  // Until client and redirect URI are established, errors must not redirect: the URI could
  // send the user agent to an attacker (OAuth 2.1 §4.1.2.1).
  size_t client_ids = oauth::count_param(params, "client_id");
  if (client_ids == 0) return page("Invalid request", "client_id is missing.");
  if (!single("client_id")) return page("Invalid request", "client_id is repeated.");
  ClientLookup lookup = clients_.find(*oauth::first_param(params, "client_id"));
  out.client = lookup.client;
  if (!out.client) {
    if (options_.has(Fault::UnknownClientRedirected)) {
      if (auto uri = oauth::first_param(params, "redirect_uri")) {
        std::optional<std::string> state;
        if (single("state")) state = oauth::first_param(params, "state");
        return redirect_to(*uri,
                           error_params("invalid_client", "no client is registered with this id"),
                           state, true);
      }
    }
    // A client_id URL whose document could not be used is just as unknown; the reason helps
    // whoever publishes the document.
    if (!lookup.problem.empty())
      return page("Unknown client", "No client is registered with this id, and it does not name "
                                    "a usable client metadata document: " +
                                        lookup.problem);
    return page("Unknown client", "No client is registered with this id.");
  }

  size_t redirect_uris = oauth::count_param(params, "redirect_uri");
  if (redirect_uris > 0 && !single("redirect_uri"))
    return page("Invalid request", "redirect_uri is repeated.");
  if (redirect_uris > 0) {
    out.redirect_uri = *oauth::first_param(params, "redirect_uri");
    out.redirect_uri_sent = true;
    // Never registered, and not to be quoted on the error page below.
    if (malformed_parameters({{"redirect_uri", out.redirect_uri}}))
      return page("Invalid redirect URI", "redirect_uri is not valid UTF-8 or is too long.");
    // A client registered without redirect URIs (only possible under that fault) has nothing to
    // match against; the faulty server then trusts whatever the request names.
    // cimd-redirect-uri-unchecked does the same for clients from a metadata document only.
    bool unvalidated =
        options_.has(Fault::RedirectUriUnvalidated) ||
        (options_.has(Fault::DcrRedirectUrisOptional) && out.client->redirect_uris.empty()) ||
        clients_.redirect_uri_unchecked(*out.client);
    if (!unvalidated) {
      if (out.redirect_uri.find('#') != std::string::npos)
        return page("Invalid redirect URI", "redirect_uri must not contain a fragment.");
      if (!matches_registration(*out.client, out.redirect_uri))
        return page("Invalid redirect URI",
                    "redirect_uri does not match a URI registered for this client: " +
                        out.redirect_uri);
    }
  } else if (out.client->redirect_uris.size() == 1) {
    out.redirect_uri = out.client->redirect_uris.front();
  } else if (out.client->redirect_uris.empty()) {
    return page("Invalid request", "The client has no registered redirect URI.");
  } else if (options_.has(Fault::RedirectFirstRegistered)) {
    out.redirect_uri = out.client->redirect_uris.front();
  } else {
    return page("Invalid request", "redirect_uri is required when the client registered several.");
  }

  // A repeated state is not echoed: there is no telling which one the client meant.
  if (single("state")) out.state = oauth::first_param(params, "state");
  auto fail = [&](std::string_view error, std::string_view description) -> HttpResponse {
    // bad-request-error-page: RFC 9700 §4.11.2 lets a server show its own page rather than
    // redirect automatically, even to a registered URI; the page is escaped and unframable like
    // every other (html_page.h).
    if (options_.has(Variant::BadRequestErrorPage)) {
      const std::string detail = std::string(description) + " (" + std::string(error) + ").";
      return page("Invalid authorization request", detail);
    }
    return error_redirect(out, error, description);
  };

  // Bytes that are not UTF-8 or absurd lengths: refused like any other malformed request.
  if (auto problem = malformed_parameters(params)) return fail("invalid_request", *problem);
  if (!repeats_allowed)
    if (auto name = repeated_parameter(params))
      return fail("invalid_request", "parameter repeated: " + *name);

  auto response_type = oauth::first_param(params, "response_type");
  if (!response_type)
    return fail(options_.has(Fault::ResponseTypeMissingUnsupported) ? "unsupported_response_type"
                                                                    : "invalid_request",
                "response_type is missing");
  // Only the code flow exists in OAuth 2.1: the implicit grant (token) is gone.
  if (*response_type == "token" && options_.has(Fault::ImplicitGrantHonoured)) {
    out.implicit = true;
  } else if (*response_type == "token" && options_.has(Variant::OtherDefinedErrorCodes)) {
    // RFC 6749 §4.1.2.1: no client may use the implicit grant here, so unauthorized_client
    // describes the refusal as well as unsupported_response_type does.
    return fail("unauthorized_client", "the client is not authorized for response_type=token");
  } else if (*response_type != "code") {
    return fail("unsupported_response_type", "only response_type=code is supported");
  } else if (!out.client->allows_response_type("code")) {
    return fail("unauthorized_client", "the client is not registered for response_type=code");
  }

  // OAuth 2.1 §4.1.1: PKCE is required for every client (the implicit fault path has no code
  // to bind a challenge to).
  auto challenge = oauth::first_param(params, "code_challenge");
  if (out.implicit) {
    // No code, so nothing for a challenge to protect.
  } else if (!challenge) {
    // pkce-downgrade exempts confidential clients, as OAuth 2.0 deployments often did.
    const bool exempt = options_.has(Fault::PkceChallengeOptional) ||
                        (options_.has(Fault::PkceDowngrade) && out.client->is_confidential());
    if (!exempt) return fail("invalid_request", "code_challenge is required");
  } else {
    auto sent_method = oauth::first_param(params, "code_challenge_method");
    auto method = effective_challenge_method(sent_method);
    if (!method)
      return fail("invalid_request", sent_method
                                         ? "code_challenge_method must be S256"
                                         : "code_challenge_method is required (plain is not "
                                           "supported)");
    // The challenge follows the verifier grammar: 43..128 unreserved characters.
    if (!options_.has(Fault::PkceSyntaxUnchecked) && !oauth::is_valid_verifier_syntax(*challenge))
      return fail("invalid_request", "code_challenge must be 43-128 characters of [A-Za-z0-9-._~]");
    out.code_challenge = *challenge;
    out.code_challenge_method = *method;
  }

  auto scope_param = oauth::first_param(params, "scope");
  std::vector<std::string> scopes = split_scope(scope_param.value_or(""));
  // Only reachable under empty-values-kept: "scope=" counts as a scope nobody knows.
  if (scope_param && scope_param->empty()) return fail("invalid_scope", "empty scope");
  // The scope-narrowed-silently fault: unknown values vanish instead of failing the request.
  if (options_.has(Fault::ScopeNarrowedSilently))
    std::erase_if(scopes, [](const std::string& s) { return !is_supported_scope(s); });
  // unknown-scope-access-denied: RFC 6749 §4.1.2.1 lets the server deny the request
  // (access_denied) instead of naming the scope invalid.
  const bool deny_unknown = options_.has(Variant::UnknownScopeAccessDenied);
  if (!options_.has(Fault::UnknownScopeGranted))
    for (const std::string& s : scopes)
      if (!is_supported_scope(s))
        return fail(deny_unknown ? "access_denied" : "invalid_scope", "unknown scope: " + s);
  out.scope = scopes.empty() ? std::string(kDefaultScope) : join_scope(scopes);

  // RFC 8707 §2: each resource is an absolute URI without a fragment. The resource-rejected
  // fault refuses every resource, as servers without RFC 8707 support sometimes do.
  // resource-ignored: without RFC 8707 (optional) the parameter is one the server does not know,
  // which OAuth 2.1 §3.1 says to ignore.
  for (const auto& [name, value] : params) {
    if (name != "resource" || options_.has(Variant::ResourceIgnored)) continue;
    if (options_.has(Fault::ResourceRejected))
      return fail("invalid_target", "the resource parameter is not supported");
    if (!is_valid_resource(value) && !options_.has(Fault::ResourceUnvalidated))
      return fail("invalid_target", "resource must be an absolute URI without a fragment");
    out.resources.push_back(value);
  }
  return out;
}

HttpResponse AuthorizationService::error_redirect(const ValidatedAuthorization& request,
                                                  std::string_view error,
                                                  std::string_view description) const {
  return redirect_to(request.redirect_uri, error_params(error, description), request.state, true);
}

oauth::Params AuthorizationService::error_params(std::string_view error,
                                                 std::string_view description) const {
  oauth::Params params = {{"error", std::string(error)}};
  add_error_description(options_, params, error_description(options_, description));
  // RFC 6749 §4.1.2.1: error_uri is OPTIONAL; the error-uri-given variant always sends one.
  if (options_.has(Variant::ErrorUriGiven))
    params.emplace_back("error_uri", error_uri(issuer_, error));
  return params;
}

HttpResponse AuthorizationService::approve(const ValidatedAuthorization& request,
                                           std::string_view subject) const {
  if (request.implicit) return issue_implicit_token(request, subject);
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
  record.expires_at = options_.has(Fault::CodeLifetimeIgnored)
                          ? Clock::time_point::max()
                          : Clock::now() + options_.code_lifetime;
  std::string code = new_token_value(options_);
  // The code-embeds-challenge fault: anyone who sees the code learns the challenge.
  if (options_.has(Fault::CodeEmbedsChallenge) && !request.code_challenge.empty())
    code = request.code_challenge + "." + code;
  store_.add_code(code, std::move(record));
  return redirect_to(request.redirect_uri, {{"code", code}}, request.state, false);
}

HttpResponse AuthorizationService::issue_implicit_token(const ValidatedAuthorization& request,
                                                        std::string_view subject) const {
  // The implicit-grant-honoured fault: a real access token, delivered in the fragment as
  // OAuth 2.0's implicit grant did.
  const std::chrono::seconds lifetime = access_token_lifetime(options_);
  NewTokens tokens;
  tokens.access_token = new_token_value(options_);
  tokens.access = {.client_id = request.client->client_id,
                   .subject = std::string(subject),
                   .scope = request.scope,
                   .resources = request.resources,
                   .grant_id = oauth::random_base64url(16),
                   .expires_at = Clock::now() + lifetime,
                   .issued_at = std::chrono::system_clock::now()};
  store_.issue_tokens(tokens);

  oauth::Params params = {{"access_token", tokens.access_token},
                          {"token_type", "Bearer"},
                          {"expires_in", std::to_string(lifetime.count())}};
  if (request.state) params.emplace_back("state", *request.state);
  if (!options_.has(Fault::IssMissing)) params.emplace_back("iss", issuer_);
  std::string base = request.redirect_uri.substr(0, request.redirect_uri.find('#'));
  if (options_.has(Fault::RedirectQueryDropped)) base = without_query(base);
  return redirect(base + "#" + oauth::form_encode(params));
}

HttpResponse AuthorizationService::authorize(const AuthorizationRequest& request) const {
  auto validated = validate(request);
  if (auto* response = std::get_if<HttpResponse>(&validated)) return std::move(*response);
  return approve(std::get<ValidatedAuthorization>(validated), kTestSubject);
}

} // namespace refserver
