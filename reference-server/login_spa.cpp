// The --login-spa shells, scripts and JSON API, over LoginService's session and parking.
#include "login_spa.h"

#include "client_metadata_document.h"
#include "core/bounded_json.h"
#include "core/pkce.h"
#include "html_page.h"
#include "policy.h"

namespace refserver {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kUnknownRequest =
    "This sign-in link is unknown, already used or expired. Start again from the application.";
constexpr std::string_view kBadCredentials = "Incorrect username or password.";

// Every API answer: JSON that no cache may keep (it carries CSRF tokens and codes).
HttpResponse api_json(int status, const ordered_json& body) {
  HttpResponse response = json_response(status, body);
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Content-Type-Options", "nosniff");
  return response;
}

// {"error": a sentence the script shows as it is}, and where to go instead when there is one.
HttpResponse api_error(int status, std::string_view message, std::string_view redirect_to = {}) {
  ordered_json body = {{"error", message}};
  if (!redirect_to.empty()) body["redirect_to"] = redirect_to;
  return api_json(status, body);
}

HttpResponse not_signed_in(const std::string& request_id) {
  return api_error(401, "Sign in before answering the consent page.",
                   "/login?request=" + oauth::percent_encode(request_id));
}

HttpResponse script(std::string_view source) {
  HttpResponse response;
  response.content_type = "text/javascript; charset=utf-8";
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Cache-Control", "no-store");
  response.body = std::string(source);
  return response;
}

// The shell's body: the script replaces it; without scripts only the <noscript> line explains.
std::string shell_body() {
  return "<p class=\"lead\">Loading…</p>\n<noscript><p class=\"error\">This sign-in needs "
         "JavaScript. Turn it on in your browser and reload the page.</p></noscript>\n";
}

// A string member of a JSON object.
std::optional<std::string> string_member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

} // namespace

LoginSpaService::LoginSpaService(const ServerOptions& options, LoginService& login)
    : options_(options), login_(login) {}

std::variant<LoginSpaService::Posted, HttpResponse>
LoginSpaService::read_post(const SpaRequest& request) {
  if (media_type(request.content_type) != "application/json")
    return api_error(415, "Send the request as application/json.");
  auto session = login_.find_session(request.cookie);
  // The token a cross-site page cannot read and must therefore fail to send.
  if (!session || !oauth::constant_time_equals(request.csrf_token, session->session.csrf_token))
    return api_error(403, "The page expired or did not come from this server. Reload it and "
                          "try again.");
  json body = oauth::parse_bounded_json(request.body);
  if (body.is_discarded() || !body.is_object())
    return api_error(400, "The request body must be a JSON object.");
  auto id = string_member(body, "request");
  auto pending = id ? login_.find_pending(*id) : std::nullopt;
  if (!pending) return api_error(400, kUnknownRequest);
  return Posted{std::move(*session), std::move(*id), std::move(*pending), std::move(body)};
}

HttpResponse LoginSpaService::login_page(const SpaRequest& request) {
  auto id = oauth::first_param(request.query, "request");
  if (!id || !login_.find_pending(*id))
    return html_error_page(options_, 400, "Unknown authorization request", kUnknownRequest);
  // The session (and its CSRF token) exists before the script asks for it, as in form mode.
  auto session = login_.find_session(request.cookie);
  HttpResponse response =
      html_page(options_, 200, "Sign in", shell_body(), {}, PageScript{kLoginScriptPath, {}});
  if (!session)
    response.set_header("Set-Cookie", login_.session_cookie(login_.create_session("").id));
  return response;
}

HttpResponse LoginSpaService::consent_page(const SpaRequest& request) {
  auto id = oauth::first_param(request.query, "request");
  auto pending = id ? login_.find_pending(*id) : std::nullopt;
  if (!pending)
    return html_error_page(options_, 400, "Unknown authorization request", kUnknownRequest);
  auto session = login_.find_session(request.cookie);
  // A deferred error has nothing to consent to; signing in on the login page releases it.
  if (!session || session->session.subject.empty() || pending->deferred_error) {
    HttpResponse response;
    response.status = 303;
    response.set_header("Location", "/login?request=" + oauth::percent_encode(*id));
    response.set_header("Cache-Control", "no-store");
    return response;
  }
  // The decision ends at the client: form-action as in form mode, and connect-src because under
  // login-307 the decision fetch itself is redirected there (CSP checks every redirect).
  const std::string client = csp_source_for(pending->request.redirect_uri);
  return html_page(options_, 200, "Authorize access", shell_body(), client,
                   PageScript{kConsentScriptPath, client});
}

HttpResponse LoginSpaService::login_context(const SpaRequest& request) {
  auto id = oauth::first_param(request.query, "request");
  auto pending = id ? login_.find_pending(*id) : std::nullopt;
  if (!pending) return api_error(400, kUnknownRequest);
  auto session = login_.find_session(request.cookie);
  if (!session) return api_error(403, "Your session expired. Reload the page.");
  const auto& client = pending->request.client;
  return api_json(200, {{"client_name", client ? client->client_name : ""},
                        {"csrf_token", session->session.csrf_token}});
}

HttpResponse LoginSpaService::submit_username(const SpaRequest& request) {
  auto posted = read_post(request);
  if (auto* refusal = std::get_if<HttpResponse>(&posted)) return std::move(*refusal);
  Posted& post = std::get<Posted>(posted);
  auto username = string_member(post.body, "username");
  if (!username) return api_error(400, "username must be a string.");
  // Any name moves on to the password: whether the account exists is never said here.
  if (!login_.remember_username(post.session.id, std::move(*username)))
    return api_error(403, "Your session expired. Reload the page.");
  return api_json(200, {{"next", "password"}});
}

HttpResponse LoginSpaService::submit_password(const SpaRequest& request) {
  auto posted = read_post(request);
  if (auto* refusal = std::get_if<HttpResponse>(&posted)) return std::move(*refusal);
  Posted& post = std::get<Posted>(posted);
  auto password = string_member(post.body, "password");
  if (!password) return api_error(400, "password must be a string.");
  const std::string username = post.session.session.entered_username;
  if (!login_.credentials_ok(username, *password)) {
    // Back to the first step: the next attempt names its user again.
    login_.remember_username(post.session.id, "");
    return api_error(401, kBadCredentials);
  }
  LoginService::SignedIn signed_in =
      login_.sign_in(post.session, post.request_id, post.pending, username);
  HttpResponse response = api_json(200, {{"redirect_to", signed_in.location}});
  response.set_header("Set-Cookie", login_.session_cookie(signed_in.session.id));
  return response;
}

HttpResponse LoginSpaService::consent_context(const SpaRequest& request) {
  auto id = oauth::first_param(request.query, "request");
  auto pending = id ? login_.find_pending(*id) : std::nullopt;
  if (!pending) return api_error(400, kUnknownRequest);
  auto session = login_.find_session(request.cookie);
  if (!session || session->session.subject.empty() || pending->deferred_error)
    return not_signed_in(*id);
  const ValidatedAuthorization& req = pending->request;
  // cimd-consent-hides-host: a document client's id (and so its host, which the script shows
  // from it) is left out, as on the form page.
  const bool hidden =
      options_.has(Fault::CimdConsentHidesHost) && !client_id_host(req.client->client_id).empty();
  return api_json(200, {{"client_name", req.client->client_name},
                        {"client_id", hidden ? "" : req.client->client_id},
                        {"scopes", split_scope(req.scope)},
                        {"subject", session->session.subject},
                        {"destination", redirect_destination(req.redirect_uri)},
                        {"csrf_token", session->session.csrf_token}});
}

HttpResponse LoginSpaService::submit_decision(const SpaRequest& request) {
  auto posted = read_post(request);
  if (auto* refusal = std::get_if<HttpResponse>(&posted)) return std::move(*refusal);
  Posted& post = std::get<Posted>(posted);
  if (post.session.session.subject.empty()) return not_signed_in(post.request_id);
  auto decision = string_member(post.body, "decision");
  if (!decision || (*decision != "approve" && *decision != "deny"))
    return api_error(400, "decision must be approve or deny.");
  auto redirect = login_.decide(post.request_id, post.pending, post.session.session.subject,
                                *decision == "approve");
  if (!redirect) return api_error(400, kUnknownRequest);
  const std::string location = redirect->header("Location").value_or("");
  if (options_.has(Fault::Login307)) {
    // The fault: fetch() follows a 307 by sending the same POST, body and headers, to the client.
    HttpResponse response;
    response.status = 307;
    response.set_header("Location", location);
    response.set_header("Cache-Control", "no-store");
    return response;
  }
  return api_json(200, {{"redirect_to", location}});
}

HttpResponse LoginSpaService::login_script() {
  return script(kLoginScript);
}

HttpResponse LoginSpaService::consent_script() {
  return script(kConsentScript);
}

} // namespace refserver
