// The reference server's --login-spa mode (reference-server/login_spa.h): shells without forms,
// the scripts that render them, and the JSON API they call, walked here over HTTP as the scripts
// would (no browser). Covers the CSRF, media type and single-use rules, session rotation, the
// faults that act on these pages (login-307, consent-deny-ignored, errors-before-sign-in and the
// page faults), and that both scripts parse (node --check, skipped without node).
#include "core/pkce.h"
#include "core/url.h"
#include "drivers/subprocess.h"
#include "faults.h"
#include "server.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <httplib.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

namespace {

using namespace refserver;
using nlohmann::json;

constexpr const char* kRedirect = "http://127.0.0.1/callback";
constexpr const char* kJson = "application/json";

json body_of(const httplib::Result& res) {
  return res ? json::parse(res->body, nullptr, false) : json();
}

// "ref_session=..." from a response's Set-Cookie, or "".
std::string cookie_of(const httplib::Result& res) {
  std::string set = res ? res->get_header_value("Set-Cookie") : "";
  return set.substr(0, set.find(';'));
}

// A parameter of a URL's query.
std::optional<std::string> query_param(const std::string& url, std::string_view name) {
  size_t question = url.find('?');
  if (question == std::string::npos) return std::nullopt;
  return oauth::first_param(oauth::parse_form(url.substr(question + 1)), name);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// Where a flow stands: the parked request, the session cookie and its CSRF token.
struct Walk {
  std::string request;
  std::string cookie;
  std::string csrf;
};

// One in-process reference server with --login-spa (and faults), and a public client.
class SpaServer {
public:
  explicit SpaServer(std::set<Fault> faults = {}, bool spa = true) {
    ServerOptions options;
    options.login_spa = spa;
    options.login_form = !spa;
    options.faults = std::move(faults);
    server_ = std::make_unique<ReferenceServer>(options);
    server_->start();
    http_ = std::make_unique<httplib::Client>(server_->base_url());
    http_->set_follow_location(false);
    auto res = http_->Post(
        "/register",
        json{{"redirect_uris", {kRedirect}}, {"token_endpoint_auth_method", "none"}}.dump(), kJson);
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
    client_id_ = body_of(res).value("client_id", "");
  }

  httplib::Client& http() { return *http_; }
  const std::string& client_id() const { return client_id_; }

  oauth::Params authorization(const oauth::Params& extra = {}) const {
    oauth::Params params = {
        {"response_type", "code"},         {"client_id", client_id_},
        {"redirect_uri", kRedirect},       {"code_challenge", oauth::s256_challenge(verifier)},
        {"code_challenge_method", "S256"}, {"state", "s1"}};
    params.insert(params.end(), extra.begin(), extra.end());
    return params;
  }
  httplib::Result authorize(const oauth::Params& params) {
    return http_->Get("/authorize?" + oauth::form_encode(params));
  }

  httplib::Result get(const std::string& path, const std::string& cookie) {
    return cookie.empty() ? http_->Get(path) : http_->Get(path, {{"Cookie", cookie}});
  }
  httplib::Result post(const std::string& path, const Walk& walk, const json& body,
                       const char* content_type = kJson) {
    httplib::Headers headers;
    if (!walk.cookie.empty()) headers.emplace("Cookie", walk.cookie);
    if (!walk.csrf.empty()) headers.emplace("X-CSRF-Token", walk.csrf);
    return http_->Post(path, headers, body.dump(), content_type);
  }

  // /authorize, the login shell and its context: ready for the username step.
  Walk start(const oauth::Params& extra = {}) {
    Walk walk;
    auto redirect = authorize(authorization(extra));
    EXPECT_TRUE(redirect && redirect->status == 303);
    const std::string login = redirect ? redirect->get_header_value("Location") : "";
    EXPECT_EQ(login.rfind("/login?request=", 0), 0u) << login;
    walk.request = query_param(login, "request").value_or("");
    auto shell = http_->Get(login);
    EXPECT_TRUE(shell && shell->status == 200);
    walk.cookie = cookie_of(shell);
    EXPECT_EQ(walk.cookie.rfind("ref_session=", 0), 0u);
    auto context =
        get("/login/api/context?request=" + oauth::percent_encode(walk.request), walk.cookie);
    EXPECT_TRUE(context && context->status == 200);
    walk.csrf = body_of(context).value("csrf_token", "");
    EXPECT_FALSE(walk.csrf.empty());
    return walk;
  }

  // Username then password; the password step's response. `walk` takes the new session.
  httplib::Result sign_in(Walk& walk, const std::string& username = "alice",
                          const std::string& password = "wonderland") {
    auto named =
        post("/login/api/username", walk, {{"request", walk.request}, {"username", username}});
    EXPECT_TRUE(named && named->status == 200);
    EXPECT_EQ(body_of(named), json({{"next", "password"}}));
    auto res =
        post("/login/api/password", walk, {{"request", walk.request}, {"password", password}});
    if (res && res->status == 200) walk.cookie = cookie_of(res);
    return res;
  }

  // Signed in, with the consent context's CSRF token.
  Walk at_consent() {
    Walk walk = start();
    auto res = sign_in(walk);
    EXPECT_TRUE(res && res->status == 200);
    EXPECT_EQ(body_of(res).value("redirect_to", ""),
              "/consent?request=" + oauth::percent_encode(walk.request));
    auto context = consent_context(walk);
    EXPECT_TRUE(context && context->status == 200);
    walk.csrf = body_of(context).value("csrf_token", "");
    return walk;
  }
  httplib::Result consent_context(const Walk& walk) {
    return get("/consent/api/context?request=" + oauth::percent_encode(walk.request), walk.cookie);
  }
  httplib::Result decide(const Walk& walk, const std::string& decision) {
    return post("/consent/api/decision", walk, {{"request", walk.request}, {"decision", decision}});
  }

  httplib::Result redeem(const std::string& code) {
    return http_->Post("/token",
                       oauth::form_encode({{"grant_type", "authorization_code"},
                                           {"code", code},
                                           {"redirect_uri", kRedirect},
                                           {"code_verifier", verifier},
                                           {"client_id", client_id_}}),
                       "application/x-www-form-urlencoded");
  }

  const std::string verifier = oauth::make_code_verifier();

private:
  std::unique_ptr<ReferenceServer> server_;
  std::unique_ptr<httplib::Client> http_;
  std::string client_id_;
};

TEST(ReferenceLoginSpa, LoginShellHasNoFormAndLoadsTheScript) {
  SpaServer s;
  auto redirect = s.authorize(s.authorization());
  ASSERT_TRUE(redirect);
  ASSERT_EQ(redirect->status, 303);
  auto shell = s.http().Get(redirect->get_header_value("Location"));
  ASSERT_TRUE(shell);
  EXPECT_EQ(shell->status, 200);
  EXPECT_EQ(shell->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_FALSE(contains(shell->body, "<form")) << shell->body;
  EXPECT_FALSE(contains(shell->body, "<input")) << shell->body;
  EXPECT_TRUE(contains(shell->body, "<title>Sign in</title>"));
  EXPECT_TRUE(contains(shell->body, "<main id=\"app\" class=\"card\">"));
  EXPECT_TRUE(contains(shell->body, "<noscript>"));
  EXPECT_TRUE(contains(shell->body, "<script src=\"/assets/login.js\"></script>"));
  const std::string set_cookie = shell->get_header_value("Set-Cookie");
  EXPECT_EQ(set_cookie.rfind("ref_session=", 0), 0u);
  EXPECT_TRUE(contains(set_cookie, "HttpOnly"));
  EXPECT_TRUE(contains(set_cookie, "SameSite=Lax"));
  const std::string csp = shell->get_header_value("Content-Security-Policy");
  for (const char* directive : {"default-src 'none'", "frame-ancestors 'none'", "script-src 'self'",
                                "connect-src 'self';", "style-src 'unsafe-inline'"})
    EXPECT_TRUE(contains(csp, directive)) << csp;
  EXPECT_EQ(shell->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_EQ(shell->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(shell->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(shell->get_header_value("X-Content-Type-Options"), "nosniff");

  // A session the browser already has is kept.
  auto again = s.get(redirect->get_header_value("Location"), cookie_of(shell));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->has_header("Set-Cookie"));

  auto unknown = s.http().Get("/login?request=nonsense");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_TRUE(contains(unknown->body, "Unknown authorization request"));

  // The consent shell needs a signed-in session.
  const std::string id = query_param(redirect->get_header_value("Location"), "request").value();
  auto consent = s.get("/consent?request=" + oauth::percent_encode(id), cookie_of(shell));
  ASSERT_TRUE(consent);
  EXPECT_EQ(consent->status, 303);
  EXPECT_EQ(consent->get_header_value("Location"), "/login?request=" + oauth::percent_encode(id));
}

TEST(ReferenceLoginSpa, FormRoutesAreNotServed) {
  SpaServer s;
  Walk walk = s.start();
  auto res = s.http().Post("/login", {{"Cookie", walk.cookie}},
                           oauth::form_encode({{"request", walk.request},
                                               {"csrf_token", walk.csrf},
                                               {"username", "alice"},
                                               {"password", "wonderland"}}),
                           "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET");
}

TEST(ReferenceLoginSpa, ScriptsAreServedAsJavaScript) {
  SpaServer s;
  for (const char* path : {"/assets/login.js", "/assets/consent.js"}) {
    auto res = s.http().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/javascript; charset=utf-8") << path;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store") << path;
    EXPECT_EQ(res->body.rfind("'use strict';", 0), 0u) << path;
  }
  // Without --login-spa there is nothing at these paths.
  SpaServer form({}, /*spa=*/false);
  auto res = form.http().Get("/assets/login.js");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST(ReferenceLoginSpa, ScriptsParse) {
  try {
    if (conformance::run_process({"node", "--version"}, std::chrono::seconds(10)).exit_code != 0)
      GTEST_SKIP() << "node does not run";
  } catch (const std::exception&) {
    GTEST_SKIP() << "node is not on PATH";
  }
  SpaServer s;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("reference-login-spa-" + oauth::make_code_verifier().substr(0, 12));
  std::filesystem::create_directories(dir);
  for (const char* name : {"login.js", "consent.js"}) {
    auto res = s.http().Get(std::string("/assets/") + name);
    ASSERT_TRUE(res && res->status == 200) << name;
    const std::filesystem::path file = dir / name;
    std::ofstream(file) << res->body;
    auto checked =
        conformance::run_process({"node", "--check", file.string()}, std::chrono::seconds(30));
    EXPECT_EQ(checked.exit_code, 0) << name << ": " << checked.err << checked.out;
  }
  std::filesystem::remove_all(dir);
}

TEST(ReferenceLoginSpa, FullWalkEndsInARedeemableCode) {
  SpaServer s;
  Walk walk = s.start();
  auto context =
      s.get("/login/api/context?request=" + oauth::percent_encode(walk.request), walk.cookie);
  ASSERT_TRUE(context);
  EXPECT_EQ(context->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(context->get_header_value("Content-Type"), "application/json");
  EXPECT_TRUE(body_of(context).contains("client_name"));

  const std::string before = walk.cookie;
  auto signed_in = s.sign_in(walk);
  ASSERT_TRUE(signed_in);
  EXPECT_EQ(signed_in->status, 200);
  EXPECT_EQ(body_of(signed_in),
            json({{"redirect_to", "/consent?request=" + oauth::percent_encode(walk.request)}}));
  // The session id changes at sign-in; the old one is worth nothing.
  EXPECT_NE(walk.cookie, before);
  EXPECT_EQ(walk.cookie.rfind("ref_session=", 0), 0u);
  auto stale = s.consent_context({walk.request, before, walk.csrf});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 401);

  auto shell = s.get("/consent?request=" + oauth::percent_encode(walk.request), walk.cookie);
  ASSERT_TRUE(shell);
  EXPECT_EQ(shell->status, 200);
  EXPECT_TRUE(contains(shell->body, "<title>Authorize access</title>"));
  EXPECT_TRUE(contains(shell->body, "<script src=\"/assets/consent.js\"></script>"));
  EXPECT_FALSE(contains(shell->body, "<form"));
  EXPECT_FALSE(contains(shell->body, "<button"));

  auto consent = s.consent_context(walk);
  ASSERT_TRUE(consent);
  ASSERT_EQ(consent->status, 200);
  json info = body_of(consent);
  EXPECT_EQ(info.value("client_id", ""), s.client_id());
  EXPECT_EQ(info.value("subject", ""), "alice");
  EXPECT_EQ(info.value("destination", ""), "127.0.0.1");
  EXPECT_TRUE(info.at("scopes").is_array());
  EXPECT_TRUE(info.at("client_name").is_string());
  // A new session, a new CSRF token: the login one no longer works.
  const std::string old_csrf = walk.csrf;
  walk.csrf = info.value("csrf_token", "");
  EXPECT_NE(walk.csrf, old_csrf);
  auto refused = s.decide({walk.request, walk.cookie, old_csrf}, "approve");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);

  auto decided = s.decide(walk, "approve");
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status, 200);
  EXPECT_EQ(decided->get_header_value("Cache-Control"), "no-store");
  const std::string to = body_of(decided).value("redirect_to", "");
  EXPECT_EQ(to.rfind(std::string(kRedirect) + "?", 0), 0u) << to;
  EXPECT_EQ(query_param(to, "state"), "s1");
  const std::string code = query_param(to, "code").value_or("");
  ASSERT_FALSE(code.empty()) << to;

  auto tokens = s.redeem(code);
  ASSERT_TRUE(tokens);
  EXPECT_EQ(tokens->status, 200) << tokens->body;
  EXPECT_FALSE(body_of(tokens).value("access_token", "").empty());
}

TEST(ReferenceLoginSpa, WrongCredentialsAre401WithoutSignIn) {
  SpaServer s;
  Walk walk = s.start();
  for (const auto& [username, password] : std::vector<std::pair<std::string, std::string>>{
           {"alice", "guess"}, {"bob", "wonderland"}}) {
    auto res = s.sign_in(walk, username, password);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << username;
    EXPECT_EQ(body_of(res), json({{"error", "Incorrect username or password."}}));
    EXPECT_FALSE(res->has_header("Set-Cookie"));
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  }
  // The session was not signed in: no consent, no decision.
  auto consent = s.consent_context(walk);
  ASSERT_TRUE(consent);
  EXPECT_EQ(consent->status, 401);
  EXPECT_EQ(body_of(consent).value("redirect_to", ""),
            "/login?request=" + oauth::percent_encode(walk.request));
  auto decided = s.decide(walk, "approve");
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status, 401);
  auto shell = s.get("/consent?request=" + oauth::percent_encode(walk.request), walk.cookie);
  ASSERT_TRUE(shell);
  EXPECT_EQ(shell->status, 303);

  // A failure sends the user back to the username: the right password alone is not enough.
  auto password_only =
      s.post("/login/api/password", walk, {{"request", walk.request}, {"password", "wonderland"}});
  ASSERT_TRUE(password_only);
  EXPECT_EQ(password_only->status, 401);
  // And the flow still works afterwards.
  auto res = s.sign_in(walk);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(ReferenceLoginSpa, PostsNeedJsonAndTheCsrfToken) {
  SpaServer s;
  Walk walk = s.start();
  const std::vector<std::pair<std::string, json>> posts = {
      {"/login/api/username", {{"request", walk.request}, {"username", "alice"}}},
      {"/login/api/password", {{"request", walk.request}, {"password", "wonderland"}}},
      {"/consent/api/decision", {{"request", walk.request}, {"decision", "approve"}}}};
  for (const auto& [path, body] : posts) {
    for (const Walk& bad :
         {Walk{walk.request, walk.cookie, ""}, Walk{walk.request, walk.cookie, walk.csrf + "x"},
          Walk{walk.request, "", walk.csrf},
          Walk{walk.request, "ref_session=unknown", walk.csrf}}) {
      auto res = s.post(path, bad, body);
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->status, 403) << path;
      EXPECT_TRUE(body_of(res).at("error").is_string()) << path;
      EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store") << path;
    }
    for (const char* type : {"application/x-www-form-urlencoded", "text/plain"}) {
      auto res = s.post(path, walk, body, type);
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->status, 415) << path << " " << type;
      EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
    }
    auto unknown = s.post(path, walk, {{"request", "nonsense"}});
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 400) << path;
    EXPECT_TRUE(body_of(unknown).at("error").is_string()) << path;
    httplib::Headers headers = {{"Cookie", walk.cookie}, {"X-CSRF-Token", walk.csrf}};
    for (const std::string& text :
         {std::string("{"), std::string("[1]"), std::string(200, '[') + std::string(200, ']')}) {
      auto res = s.http().Post(path, headers, text, kJson);
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->status, 400) << path << " " << text.substr(0, 10);
    }
  }
  // The flow is still intact after all that.
  EXPECT_EQ(s.sign_in(walk)->status, 200);
}

TEST(ReferenceLoginSpa, DenyEndsInAccessDenied) {
  SpaServer s;
  Walk walk = s.at_consent();
  auto denied = s.decide(walk, "deny");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 200);
  const std::string to = body_of(denied).value("redirect_to", "");
  EXPECT_EQ(to.rfind(std::string(kRedirect) + "?", 0), 0u) << to;
  EXPECT_EQ(query_param(to, "error"), "access_denied");
  EXPECT_EQ(query_param(to, "code"), std::nullopt);
  EXPECT_EQ(query_param(to, "state"), "s1");

  auto invalid = s.decide(s.at_consent(), "maybe");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400);
}

TEST(ReferenceLoginSpa, ReplayedDecisionIsRefused) {
  SpaServer s;
  Walk walk = s.at_consent();
  auto first = s.decide(walk, "approve");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  for (const char* decision : {"approve", "deny"}) {
    auto again = s.decide(walk, decision);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 400);
    EXPECT_FALSE(body_of(again).contains("redirect_to"));
  }
  auto context = s.consent_context(walk);
  ASSERT_TRUE(context);
  EXPECT_EQ(context->status, 400);
}

TEST(ReferenceLoginSpa, Login307RedirectsTheDecisionFetch) {
  SpaServer s({Fault::Login307});
  // The sign-in is unaffected.
  Walk walk = s.at_consent();
  auto decided = s.decide(walk, "approve");
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status, 307);
  const std::string location = decided->get_header_value("Location");
  EXPECT_EQ(location.rfind(std::string(kRedirect) + "?", 0), 0u) << location;
  EXPECT_FALSE(query_param(location, "code").value_or("").empty());
  EXPECT_FALSE(contains(decided->body, "redirect_to"));
}

TEST(ReferenceLoginSpa, ConsentDenyIgnoredIssuesACode) {
  SpaServer s({Fault::ConsentDenyIgnored});
  auto denied = s.decide(s.at_consent(), "deny");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 200);
  const std::string to = body_of(denied).value("redirect_to", "");
  EXPECT_EQ(query_param(to, "error"), std::nullopt) << to;
  const std::string code = query_param(to, "code").value_or("");
  ASSERT_FALSE(code.empty()) << to;
  EXPECT_EQ(s.redeem(code)->status, 200);
}

TEST(ReferenceLoginSpa, ErrorsForKnownClientsWaitForSignIn) {
  const oauth::Params bad_scope = {{"scope", "no-such-scope"}};
  {
    SpaServer s;
    Walk walk = s.start(bad_scope);
    // Signed in elsewhere, the parked error still has no consent page.
    Walk other = s.at_consent();
    Walk mixed{walk.request, other.cookie, other.csrf};
    auto shell = s.get("/consent?request=" + oauth::percent_encode(walk.request), other.cookie);
    ASSERT_TRUE(shell);
    EXPECT_EQ(shell->status, 303);
    auto context = s.consent_context(mixed);
    ASSERT_TRUE(context);
    EXPECT_EQ(context->status, 401);
    auto decided = s.decide(mixed, "approve");
    ASSERT_TRUE(decided);
    EXPECT_EQ(decided->status, 400);

    auto res = s.sign_in(walk);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    const std::string to = body_of(res).value("redirect_to", "");
    EXPECT_EQ(to.rfind(std::string(kRedirect) + "?", 0), 0u) << to;
    EXPECT_EQ(query_param(to, "error"), "invalid_scope");
    EXPECT_EQ(query_param(to, "state"), "s1");
    EXPECT_EQ(walk.cookie.rfind("ref_session=", 0), 0u);
    // That request is used up.
    auto after = s.get("/login?request=" + oauth::percent_encode(walk.request), walk.cookie);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 400);
  }
  {
    SpaServer s({Fault::ErrorsBeforeSignIn});
    auto res = s.authorize(s.authorization(bad_scope));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 302);
    const std::string location = res->get_header_value("Location");
    EXPECT_EQ(location.rfind(std::string(kRedirect) + "?", 0), 0u) << location;
    EXPECT_EQ(query_param(location, "error"), "invalid_scope");
    // Valid requests still go through the pages.
    EXPECT_EQ(s.decide(s.at_consent(), "approve")->status, 200);
  }
}

// Form mode shares the fix: a consent form for a parked error sends the user to sign in rather
// than rendering a client it does not have.
TEST(ReferenceLoginSpa, FormModeConsentForParkedErrorGoesToLogin) {
  SpaServer s({}, /*spa=*/false);
  auto parked = s.authorize(s.authorization({{"scope", "no-such-scope"}}));
  ASSERT_TRUE(parked && parked->status == 303);
  const std::string id = query_param(parked->get_header_value("Location"), "request").value();
  // alice signs in on another request through the forms.
  auto other = s.authorize(s.authorization());
  ASSERT_TRUE(other && other->status == 303);
  auto login = s.http().Get(other->get_header_value("Location"));
  ASSERT_TRUE(login);
  const std::string other_id = query_param(other->get_header_value("Location"), "request").value();
  const std::string marker = "name=\"csrf_token\" value=\"";
  size_t at = login->body.find(marker) + marker.size();
  const std::string csrf = login->body.substr(at, login->body.find('"', at) - at);
  auto signed_in = s.http().Post("/login", {{"Cookie", cookie_of(login)}},
                                 oauth::form_encode({{"request", other_id},
                                                     {"csrf_token", csrf},
                                                     {"username", "alice"},
                                                     {"password", "wonderland"}}),
                                 "application/x-www-form-urlencoded");
  ASSERT_TRUE(signed_in && signed_in->status == 303);
  const std::string cookie = cookie_of(signed_in);
  auto page = s.get("/consent?request=" + oauth::percent_encode(id), cookie);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 303);
  EXPECT_EQ(page->get_header_value("Location"), "/login?request=" + oauth::percent_encode(id));
}

TEST(ReferenceLoginSpa, ConsentPageCspAllowsScriptsAndTheClient) {
  SpaServer s;
  Walk walk = s.start();
  ASSERT_EQ(s.sign_in(walk)->status, 200);
  auto shell = s.get("/consent?request=" + oauth::percent_encode(walk.request), walk.cookie);
  ASSERT_TRUE(shell);
  ASSERT_EQ(shell->status, 200);
  const std::string csp = shell->get_header_value("Content-Security-Policy");
  EXPECT_TRUE(contains(csp, "default-src 'none'")) << csp;
  EXPECT_TRUE(contains(csp, "frame-ancestors 'none'")) << csp;
  EXPECT_TRUE(contains(csp, "script-src 'self';")) << csp;
  EXPECT_TRUE(contains(csp, "connect-src 'self' http://127.0.0.1;")) << csp;
  EXPECT_TRUE(contains(csp, "form-action 'self' http://127.0.0.1")) << csp;
  EXPECT_EQ(shell->get_header_value("X-Frame-Options"), "DENY");
}

TEST(ReferenceLoginSpa, PageFaultsStillApply) {
  {
    SpaServer s({Fault::NoFrameProtection});
    auto redirect = s.authorize(s.authorization());
    auto shell = s.http().Get(redirect->get_header_value("Location"));
    ASSERT_TRUE(shell);
    EXPECT_FALSE(shell->has_header("X-Frame-Options"));
    EXPECT_FALSE(contains(shell->get_header_value("Content-Security-Policy"), "frame-ancestors"));
    EXPECT_TRUE(contains(shell->body, "/assets/login.js"));
  }
  {
    SpaServer s({Fault::PageLoadsThirdParty});
    auto redirect = s.authorize(s.authorization());
    auto shell = s.http().Get(redirect->get_header_value("Location"));
    ASSERT_TRUE(shell);
    const std::string csp = shell->get_header_value("Content-Security-Policy");
    EXPECT_TRUE(contains(csp, "script-src 'self' https://cdn.example.com")) << csp;
    EXPECT_TRUE(contains(shell->body, "https://cdn.example.com/app.js"));
    EXPECT_TRUE(contains(shell->body, "<script src=\"/assets/login.js\"></script>"));
  }
}

#ifdef REFERENCE_SERVER_BIN
TEST(ReferenceLoginSpa, HelpDocumentsTheFlag) {
  auto result =
      conformance::run_process({REFERENCE_SERVER_BIN, "--help"}, std::chrono::seconds(10));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(contains(result.out, "--login-spa")) << result.out;
  EXPECT_TRUE(contains(result.out, "--login-form")) << result.out;
}
#endif

} // namespace
