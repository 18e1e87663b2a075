// The --login-form mode: a valid authorization request is parked and the user agent is sent
// through a login page and a consent page before a code is issued, as a real authorization
// server would. Everything is HTTP-library independent; server.cpp only routes.
//
// Flow: /authorize -> 303 /login?request=ID -> POST /login -> 303 /consent?request=ID ->
// POST /consent -> 303 to the client's redirect URI (code, or error=access_denied).
// A cookie-bound session carries the CSRF token and the signed-in user. --login-spa
// (login_spa.h) serves the same flow as script-rendered pages over the building blocks below.
#pragma once

#include "authorization_endpoint.h"
#include "core/url.h"
#include "http_response.h"
#include "options.h"
#include "sharded_map.h"
#include "store.h"

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

namespace refserver {

// A request to the login or consent pages.
struct BrowserRequest {
  oauth::Params query;       // decoded query string
  oauth::Params form;        // decoded body of a POST, when form_encoded
  bool form_encoded = false; // Content-Type was application/x-www-form-urlencoded
  std::string cookie;        // Cookie header value; empty when absent
};

// Where the user agent goes after the decision, as the consent page names it: the redirect
// URI's host, or for a private-use scheme the scheme, which names the app.
std::string redirect_destination(std::string_view redirect_uri);

class LoginService {
public:
  LoginService(const ServerOptions& options, const AuthorizationService& authorization);

  // /authorize in this mode: validation errors are answered exactly as in auto-approve mode;
  // a valid request is parked and the user agent sent to the login page.
  HttpResponse authorize(const AuthorizationRequest& request);

  HttpResponse login_page(const BrowserRequest& request);     // GET /login
  HttpResponse login_submit(const BrowserRequest& request);   // POST /login
  HttpResponse consent_page(const BrowserRequest& request);   // GET /consent
  HttpResponse consent_submit(const BrowserRequest& request); // POST /consent

  static constexpr std::string_view kSessionCookie = "ref_session";

  // ---- Building blocks shared with the --login-spa API, so both UIs keep the same rules ----

  struct Pending {
    ValidatedAuthorization request; // empty when deferred_error is set
    Clock::time_point expires_at;
    // An error redirect for a known client, held until the user has signed in.
    std::optional<HttpResponse> deferred_error;
  };
  struct Session {
    std::string csrf_token;
    std::string subject; // empty until the user has signed in
    // The username given at the first step of the --login-spa sign-in, awaiting the password.
    std::string entered_username;
    Clock::time_point expires_at;
  };
  struct SessionRef {
    std::string id;
    Session session;
  };
  // Where the user agent goes after signing in, and the session it now carries.
  struct SignedIn {
    SessionRef session;
    std::string location;
  };

  // The live parked request with this id.
  std::optional<Pending> find_pending(const std::string& request_id);
  // The live session the Cookie header names.
  std::optional<SessionRef> find_session(std::string_view cookie_header);
  // A fresh session with a new id and CSRF token; `subject` is empty before sign-in.
  SessionRef create_session(std::string subject);
  std::string session_cookie(std::string_view session_id) const;
  // Stores the first step's username in the session; false when the session is gone.
  bool remember_username(const std::string& session_id, std::string username);
  // The test user's credentials, compared so the time taken does not say which half is wrong.
  bool credentials_ok(std::string_view username, std::string_view password) const;
  // Signs `username` in after credentials_ok(): replaces `session` by a new one (session
  // fixation) and names the next stop, the consent page or, for a deferred error, the client
  // (that request is then used up).
  SignedIn sign_in(const SessionRef& session, const std::string& request_id, const Pending& pending,
                   std::string username);
  // The consent decision for a pending (not deferred) request: the redirect to the client with
  // a code or error=access_denied (consent-deny-ignored: always a code). Single use: empty when
  // another decision already took the request.
  std::optional<HttpResponse> decide(const std::string& request_id, const Pending& pending,
                                     std::string_view subject, bool approve);

private:
  // The pending request the `request` parameter names.
  std::optional<Pending> pending_named_in(const oauth::Params& params);
  // The session, when the form's csrf_token matches it.
  std::optional<SessionRef> checked_session(const BrowserRequest& request);
  // 303, or 307 under the login-307 fault: a redirect that answers a form POST.
  int post_redirect_status() const;
  HttpResponse render_login(const Pending& pending, std::string_view request_id,
                            std::string_view csrf_token, std::string_view error,
                            std::string_view username) const;
  HttpResponse render_consent(const Pending& pending, std::string_view request_id,
                              const Session& session) const;
  void sweep_if_due();

  const ServerOptions& options_;
  const AuthorizationService& authorization_;
  ShardedMap<Pending> pending_;
  ShardedMap<Session> sessions_;
  std::atomic<Clock::rep> next_sweep_{0};
};

} // namespace refserver
