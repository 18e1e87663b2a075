// Login and consent pages with a cookie session and CSRF tokens, parked authorization requests.
#include "login_flow.h"

#include "client_metadata_document.h"
#include "cookies.h"
#include "core/base64url.h"
#include "core/pkce.h"
#include "html_page.h"
#include "policy.h"

namespace refserver {
namespace {

using namespace std::chrono_literals;

constexpr auto kPendingLifetime = 10min; // time the user has to sign in and decide
constexpr auto kSessionLifetime = 30min;
constexpr auto kSweepInterval = 1min;

HttpResponse see_other(int status, std::string location) {
  HttpResponse response;
  response.status = status;
  response.set_header("Location", std::move(location));
  response.set_header("Cache-Control", "no-store");
  return response;
}

HttpResponse unknown_request(const ServerOptions& options) {
  return html_error_page(options, 400, "Unknown authorization request",
                         "This sign-in link is unknown, already used or expired. Start again "
                         "from the application.");
}

HttpResponse csrf_failure(const ServerOptions& options) {
  return html_error_page(options, 400, "Invalid form submission",
                         "The form expired or did not come from this server. Go back and try "
                         "again.");
}

HttpResponse not_form_encoded(const ServerOptions& options) {
  return html_error_page(options, 400, "Invalid request",
                         "The form must be sent as application/x-www-form-urlencoded.");
}

std::string hidden(std::string_view name, std::string_view value) {
  return "<input type=\"hidden\" name=\"" + html_escape(name) + "\" value=\"" + html_escape(value) +
         "\">\n";
}

} // namespace

std::string redirect_destination(std::string_view redirect_uri) {
  auto parts = oauth::parse_url(redirect_uri);
  if (parts && !parts->host.empty()) return parts->host;
  return std::string(redirect_uri.substr(0, redirect_uri.find(':')));
}

LoginService::LoginService(const ServerOptions& options, const AuthorizationService& authorization)
    : options_(options), authorization_(authorization) {}

void LoginService::sweep_if_due() {
  const Clock::time_point now = Clock::now();
  Clock::rep due = next_sweep_.load();
  if (now.time_since_epoch().count() < due) return;
  // One caller wins the slot and sweeps; the others carry on.
  if (!next_sweep_.compare_exchange_strong(due, (now + kSweepInterval).time_since_epoch().count()))
    return;
  pending_.erase_expired(now);
  sessions_.erase_expired(now);
}

std::optional<LoginService::Pending> LoginService::find_pending(const std::string& request_id) {
  const Clock::time_point now = Clock::now();
  return pending_.with(request_id, [&](Pending* found) -> std::optional<Pending> {
    if (!found || found->expires_at <= now) return std::nullopt;
    return *found;
  });
}

std::optional<LoginService::Pending> LoginService::pending_named_in(const oauth::Params& params) {
  auto id = oauth::first_param(params, "request");
  if (!id) return std::nullopt;
  return find_pending(*id);
}

std::optional<LoginService::SessionRef> LoginService::find_session(std::string_view cookie_header) {
  auto id = cookie_value(cookie_header, kSessionCookie);
  if (!id) return std::nullopt;
  const Clock::time_point now = Clock::now();
  return sessions_.with(*id, [&](Session* found) -> std::optional<SessionRef> {
    if (!found || found->expires_at <= now) return std::nullopt;
    return SessionRef{*id, *found};
  });
}

LoginService::SessionRef LoginService::create_session(std::string subject) {
  sweep_if_due();
  SessionRef out;
  out.session = {.csrf_token = oauth::random_base64url(32),
                 .subject = std::move(subject),
                 .expires_at = Clock::now() + kSessionLifetime};
  do
    out.id = oauth::random_base64url(32);
  while (!sessions_.insert(out.id, out.session));
  return out;
}

std::string LoginService::session_cookie(std::string_view session_id) const {
  // HttpOnly keeps scripts away from it and Lax keeps it off cross-site POSTs. Plain http rules
  // out Secure; over TLS it is set so the session never travels in the clear (RFC 6265 §4.1.2.5).
  // The name stays the same either way rather than taking the __Host- prefix.
  return std::string(kSessionCookie) + "=" + std::string(session_id) +
         "; Path=/; HttpOnly; SameSite=Lax" + (options_.tls() ? "; Secure" : "");
}

bool LoginService::remember_username(const std::string& session_id, std::string username) {
  const Clock::time_point now = Clock::now();
  return sessions_.with(session_id, [&](Session* found) {
    if (!found || found->expires_at <= now) return false;
    found->entered_username = std::move(username);
    return true;
  });
}

bool LoginService::credentials_ok(std::string_view username, std::string_view password) const {
  // Evaluate both halves so the answer takes as long whichever one is wrong.
  const bool user_ok = username == kTestSubject;
  const bool password_ok = oauth::constant_time_equals(password, options_.login_password);
  return user_ok && password_ok;
}

LoginService::SignedIn LoginService::sign_in(const SessionRef& session,
                                             const std::string& request_id, const Pending& pending,
                                             std::string username) {
  // A new session id at sign-in, so an id planted before login (session fixation) is worthless.
  sessions_.erase(session.id);
  SignedIn out{create_session(std::move(username)), ""};
  if (pending.deferred_error) {
    pending_.erase(request_id);
    out.location = *pending.deferred_error->header("Location");
  } else {
    out.location = "/consent?request=" + oauth::percent_encode(request_id);
  }
  return out;
}

std::optional<HttpResponse> LoginService::decide(const std::string& request_id,
                                                 const Pending& pending, std::string_view subject,
                                                 bool approve) {
  // Single use: of two concurrent decisions only the one that removes the entry proceeds.
  if (pending.deferred_error || !pending_.erase(request_id)) return std::nullopt;
  const bool approved = approve || options_.has(Fault::ConsentDenyIgnored);
  return approved ? authorization_.approve(pending.request, subject)
                  : authorization_.error_redirect(pending.request, "access_denied",
                                                  "the user denied the request");
}

std::optional<LoginService::SessionRef>
LoginService::checked_session(const BrowserRequest& request) {
  auto session = find_session(request.cookie);
  auto token = oauth::first_param(request.form, "csrf_token");
  if (!session || !token || !oauth::constant_time_equals(*token, session->session.csrf_token))
    return std::nullopt;
  return session;
}

int LoginService::post_redirect_status() const {
  // OAuth 2.1 §7.5.4, RFC 9700 §4.12: 307 would make the browser re-POST the form to wherever
  // the Location points (here: the client); 303 turns it into a GET. The login-307 fault
  // applies to the consent POST, whose redirect leaves this server.
  return options_.has(Fault::Login307) ? 307 : 303;
}

HttpResponse LoginService::authorize(const AuthorizationRequest& request) {
  auto validated = authorization_.validate(request);
  sweep_if_due();
  Pending pending{{}, Clock::now() + kPendingLifetime, std::nullopt};
  if (auto* response = std::get_if<HttpResponse>(&validated)) {
    // An error for a known client and redirect URI goes back to the client only after sign-in:
    // redirecting at once lets anyone bounce users off this server (RFC 9700 §4.11.2). Error
    // pages (unknown client, bad redirect URI) are shown at once.
    bool error_redirect = response->status == 302 && response->header("Location");
    if (!error_redirect || options_.has(Fault::ErrorsBeforeSignIn)) return std::move(*response);
    pending.deferred_error = std::move(*response);
  } else {
    pending.request = std::move(std::get<ValidatedAuthorization>(validated));
  }
  std::string id;
  do
    id = oauth::random_base64url(32);
  while (!pending_.insert(id, pending));
  return see_other(303, "/login?request=" + id);
}

HttpResponse LoginService::render_login(const Pending& pending, std::string_view request_id,
                                        std::string_view csrf_token, std::string_view error,
                                        std::string_view username) const {
  const std::string name = pending.request.client ? pending.request.client->client_name : "";
  std::string body = "<h1>Sign in</h1>\n<p class=\"lead\">Sign in to continue to <strong>" +
                     html_escape(name.empty() ? "the application" : name) + "</strong>.</p>\n";
  if (!error.empty()) body += "<p class=\"error\" role=\"alert\">" + html_escape(error) + "</p>\n";
  body += "<form method=\"post\" action=\"/login\">\n" + hidden("request", request_id) +
          hidden("csrf_token", csrf_token) +
          "<div class=\"field\">\n<label for=\"username\">Username</label>\n"
          "<input type=\"text\" id=\"username\" name=\"username\" value=\"" +
          html_escape(username) +
          "\" autocomplete=\"username\" required>\n</div>\n"
          "<div class=\"field\">\n<label for=\"password\">Password</label>\n"
          "<input type=\"password\" id=\"password\" name=\"password\" "
          "autocomplete=\"current-password\" required>\n</div>\n"
          "<div class=\"actions\">\n<button type=\"submit\">Sign in</button>\n</div>\n"
          "</form>\n";
  return html_page(options_, 200, "Sign in", body);
}

HttpResponse LoginService::login_page(const BrowserRequest& request) {
  auto pending = pending_named_in(request.query);
  if (!pending) return unknown_request(options_);
  const std::string id = *oauth::first_param(request.query, "request");
  auto session = find_session(request.cookie);
  bool fresh = !session;
  if (fresh) session = create_session("");
  HttpResponse response = render_login(*pending, id, session->session.csrf_token, "", "");
  if (fresh) response.set_header("Set-Cookie", session_cookie(session->id));
  return response;
}

HttpResponse LoginService::login_submit(const BrowserRequest& request) {
  if (!request.form_encoded) return not_form_encoded(options_);
  auto session = checked_session(request);
  if (!session) return csrf_failure(options_);
  auto pending = pending_named_in(request.form);
  if (!pending) return unknown_request(options_);
  const std::string id = *oauth::first_param(request.form, "request");

  const std::string username = oauth::first_param(request.form, "username").value_or("");
  const std::string password = oauth::first_param(request.form, "password").value_or("");
  if (!credentials_ok(username, password))
    return render_login(*pending, id, session->session.csrf_token,
                        "Incorrect username or password.", username);

  SignedIn signed_in = sign_in(*session, id, *pending, username);
  HttpResponse response = see_other(303, signed_in.location);
  response.set_header("Set-Cookie", session_cookie(signed_in.session.id));
  return response;
}

HttpResponse LoginService::render_consent(const Pending& pending, std::string_view request_id,
                                          const Session& session) const {
  const ValidatedAuthorization& req = pending.request;
  const std::string& name = req.client->client_name;
  // A document client's client_name is whatever its publisher wrote; the host serving the
  // document is what the user can actually check (CIMD -00 §6.4), so it is named on its own.
  const std::string host = client_id_host(req.client->client_id);
  const std::string id =
      "<code>" + html_escape(req.client->client_id) + "</code>" +
      (host.empty() ? "" : ", published by <strong>" + html_escape(host) + "</strong>");
  std::string client = name.empty()
                           ? "The application with client ID " + id
                           : "<strong>" + html_escape(name) + "</strong> (client ID " + id + ")";
  // cimd-consent-hides-host: a document client is introduced by its client_name alone.
  if (!host.empty() && options_.has(Fault::CimdConsentHidesHost))
    client = name.empty() ? "An application" : "<strong>" + html_escape(name) + "</strong>";
  std::string body = "<h1>Authorize access</h1>\n<p>" + client +
                     " wants to access your account <strong>" + html_escape(session.subject) +
                     "</strong>.</p>\n";
  body += "<div class=\"scopes\">\n<h2>Requested permissions</h2>\n<ul>\n";
  for (const std::string& scope : split_scope(req.scope))
    body += "<li><code>" + html_escape(scope) + "</code></li>\n";
  body += "</ul>\n</div>\n<p>After you decide you will be sent back to <strong>" +
          html_escape(redirect_destination(req.redirect_uri)) + "</strong>.</p>\n";
  body += "<form method=\"post\" action=\"/consent\">\n" + hidden("request", request_id) +
          hidden("csrf_token", session.csrf_token) +
          "<div class=\"actions\">\n"
          "<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>\n"
          "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n"
          "</div>\n</form>\n";
  // The submission ends in a redirect to the client, which form-action must allow.
  return html_page(options_, 200, "Authorize access", body, csp_source_for(req.redirect_uri));
}

HttpResponse LoginService::consent_page(const BrowserRequest& request) {
  auto pending = pending_named_in(request.query);
  if (!pending) return unknown_request(options_);
  const std::string id = *oauth::first_param(request.query, "request");
  auto session = find_session(request.cookie);
  // A deferred error has nothing to consent to; signing in on the login page releases it.
  if (!session || session->session.subject.empty() || pending->deferred_error)
    return see_other(303, "/login?request=" + oauth::percent_encode(id));
  return render_consent(*pending, id, session->session);
}

HttpResponse LoginService::consent_submit(const BrowserRequest& request) {
  if (!request.form_encoded) return not_form_encoded(options_);
  auto session = checked_session(request);
  if (!session) return csrf_failure(options_);
  if (session->session.subject.empty())
    return html_error_page(options_, 400, "Not signed in",
                           "Sign in before answering the consent page.");
  auto decision = oauth::first_param(request.form, "decision");
  if (!decision || (*decision != "approve" && *decision != "deny"))
    return html_error_page(options_, 400, "Invalid request", "decision must be approve or deny.");

  auto pending = pending_named_in(request.form);
  if (!pending) return unknown_request(options_);
  auto response = decide(*oauth::first_param(request.form, "request"), *pending,
                         session->session.subject, *decision == "approve");
  if (!response) return unknown_request(options_);
  response->status = post_redirect_status();
  return std::move(*response);
}

} // namespace refserver
