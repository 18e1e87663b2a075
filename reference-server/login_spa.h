// The --login-spa mode: the --login-form flow (same parking, session, CSRF token, test user,
// single-use decision, faults) behind pages that are empty shells until a script renders them
// and talks JSON to the server, so a client that only fills HTML forms cannot get through.
//
// Flow: /authorize -> 303 /login?request=ID (shell, /assets/login.js)
//   GET  /login/api/context?request=ID     -> {"client_name","csrf_token"}
//   POST /login/api/username {"request","username"} -> {"next":"password"}
//   POST /login/api/password {"request","password"} -> {"redirect_to"} (new session cookie)
//   GET  /consent?request=ID (shell, /assets/consent.js)
//   GET  /consent/api/context?request=ID   -> {"client_name","client_id","scopes","subject",
//                                               "destination","csrf_token"}
//   POST /consent/api/decision {"request","decision"} -> {"redirect_to"} (the client's URL)
// POSTs need Content-Type application/json and X-CSRF-Token; errors are {"error": sentence}.
#pragma once

#include "core/url.h"
#include "http_response.h"
#include "login_flow.h"
#include "options.h"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace refserver {

// A request to a page, script or API of this mode.
struct SpaRequest {
  oauth::Params query;      // decoded query string
  std::string cookie;       // Cookie header value; empty when absent
  std::string content_type; // Content-Type header value
  std::string csrf_token;   // X-CSRF-Token header value
  std::string body;
};

class LoginSpaService {
public:
  LoginSpaService(const ServerOptions& options, LoginService& login);

  HttpResponse login_page(const SpaRequest& request);      // GET /login
  HttpResponse consent_page(const SpaRequest& request);    // GET /consent
  HttpResponse login_context(const SpaRequest& request);   // GET /login/api/context
  HttpResponse submit_username(const SpaRequest& request); // POST /login/api/username
  HttpResponse submit_password(const SpaRequest& request); // POST /login/api/password
  HttpResponse consent_context(const SpaRequest& request); // GET /consent/api/context
  HttpResponse submit_decision(const SpaRequest& request); // POST /consent/api/decision
  static HttpResponse login_script();                      // GET /assets/login.js
  static HttpResponse consent_script();                    // GET /assets/consent.js

  static constexpr std::string_view kLoginScriptPath = "/assets/login.js";
  static constexpr std::string_view kConsentScriptPath = "/assets/consent.js";

private:
  // What every API POST carries once its media type, session, CSRF token, JSON object and
  // request id have been checked.
  struct Posted {
    LoginService::SessionRef session;
    std::string request_id;
    LoginService::Pending pending;
    nlohmann::json body; // a JSON object
  };
  std::variant<Posted, HttpResponse> read_post(const SpaRequest& request);

  const ServerOptions& options_;
  LoginService& login_;
};

// The scripts' sources (login_spa_scripts.cpp).
extern const std::string_view kLoginScript;
extern const std::string_view kConsentScript;

} // namespace refserver
