// The reference server's variants (reference-server/variants.def): behaviours the specifications
// allow but the clean server does not have. Each test drives the same requests through a clean
// in-process server and one with the variant on, and shows the difference over real HTTP flows
// (registration, /authorize with PKCE, /token, introspection, revocation, /mcp).
#include "core/base64url.h"
#include "core/pkce.h"
#include "core/url.h"
#include "faults.h"
#include "server.h"
#include "variants.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>

namespace {

using namespace refserver;
using nlohmann::json;

constexpr const char* kRedirect = "http://127.0.0.1/callback";
constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kAccept = "application/json, text/event-stream";
constexpr const char* kMetadataPath = "/.well-known/oauth-authorization-server";
constexpr const char* kPrmPath = "/.well-known/oauth-protected-resource/mcp";
constexpr const char* kIntrospectionToken = "variant-test-introspection-token";

struct Registered {
  std::string id;
  std::string secret; // empty for a public client
};

// How a client authenticates at /token, /introspect and /revoke.
enum class Auth { Basic, Post };

json body_of(const httplib::Result& res) {
  return res ? json::parse(res->body, nullptr, false) : json();
}

// A parameter of a redirect's query.
std::optional<std::string> location_param(const httplib::Result& res, std::string_view name) {
  if (!res || !res->has_header("Location")) return std::nullopt;
  std::string location = res->get_header_value("Location");
  size_t question = location.find('?');
  if (question == std::string::npos) return std::nullopt;
  return oauth::first_param(oauth::parse_form(location.substr(question + 1)), name);
}

// One in-process reference server, clean or with variants (or a fault to compare with), and the
// requests tests make of it.
class Server {
public:
  explicit Server(std::set<Variant> variants = {}, bool login_form = false,
                  std::set<Fault> faults = {}) {
    ServerOptions options;
    options.variants = std::move(variants);
    options.faults = std::move(faults);
    options.login_form = login_form;
    options.introspection_token = kIntrospectionToken;
    server_ = std::make_unique<ReferenceServer>(options);
    server_->start();
    http_ = std::make_unique<httplib::Client>(server_->base_url());
    http_->set_follow_location(false);
  }

  std::string base() const { return server_->base_url(); }
  httplib::Client& http() { return *http_; }

  httplib::Result register_raw(const json& doc) {
    return http_->Post("/register", doc.dump(), "application/json");
  }
  // A client for the code and refresh grants; `method` is its token_endpoint_auth_method.
  Registered register_client(const std::string& method = "none") {
    auto res = register_raw({{"redirect_uris", {kRedirect}},
                             {"grant_types", {"authorization_code", "refresh_token"}},
                             {"token_endpoint_auth_method", method}});
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
    json body = body_of(res);
    return {body.value("client_id", ""), body.value("client_secret", "")};
  }

  static httplib::Headers basic(const Registered& client, const std::string& secret) {
    return {
        {"Authorization", "Basic " + oauth::base64_encode(oauth::percent_encode(client.id) + ":" +
                                                          oauth::percent_encode(secret))}};
  }
  // Adds `client`'s credentials to `form` or returns them as headers: a public client names
  // itself, a confidential one uses `auth` with `secret` (its own unless given).
  static httplib::Headers credentials(const Registered& client, oauth::Params& form,
                                      Auth auth = Auth::Basic,
                                      std::optional<std::string> secret = std::nullopt) {
    const std::string presented = secret.value_or(client.secret);
    if (client.secret.empty() && !secret) {
      form.emplace_back("client_id", client.id);
      return {};
    }
    if (auth == Auth::Basic) return basic(client, presented);
    form.emplace_back("client_id", client.id);
    form.emplace_back("client_secret", presented);
    return {};
  }

  httplib::Result post_form(const std::string& path, const oauth::Params& form,
                            const httplib::Headers& headers = {}) {
    return http_->Post(path, headers, oauth::form_encode(form), kForm);
  }

  // A well-formed authorization request for `client`, with `extra` appended.
  static oauth::Params authorization_params(const Registered& client, const std::string& verifier,
                                            const oauth::Params& extra = {}) {
    oauth::Params params = {
        {"response_type", "code"},         {"client_id", client.id},
        {"redirect_uri", kRedirect},       {"code_challenge", oauth::s256_challenge(verifier)},
        {"code_challenge_method", "S256"}, {"state", "s1"}};
    params.insert(params.end(), extra.begin(), extra.end());
    return params;
  }
  httplib::Result authorize_raw(const oauth::Params& params) {
    return http_->Get("/authorize?" + oauth::form_encode(params));
  }
  std::string code(const Registered& client, const std::string& verifier,
                   const oauth::Params& extra = {}) {
    auto res = authorize_raw(authorization_params(client, verifier, extra));
    return location_param(res, "code").value_or("");
  }

  // The code exchange; `extra` adds parameters, `with_redirect_uri` false leaves it out.
  httplib::Result redeem(const Registered& client, const std::string& code,
                         const std::string& verifier, const oauth::Params& extra = {},
                         Auth auth = Auth::Basic, bool with_redirect_uri = true) {
    oauth::Params form = {{"grant_type", "authorization_code"}, {"code", code}};
    if (with_redirect_uri) form.emplace_back("redirect_uri", kRedirect);
    form.emplace_back("code_verifier", verifier);
    form.insert(form.end(), extra.begin(), extra.end());
    httplib::Headers headers = credentials(client, form, auth);
    return post_form("/token", form, headers);
  }

  // A full code flow; the token response.
  json flow(const Registered& client, const oauth::Params& authorize_extra = {},
            Auth auth = Auth::Basic) {
    const std::string verifier = oauth::make_code_verifier();
    std::string c = code(client, verifier, authorize_extra);
    EXPECT_FALSE(c.empty());
    auto res = redeem(client, c, verifier, {}, auth);
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
    return body_of(res);
  }
  std::string access_token(const Registered& client, const oauth::Params& authorize_extra = {}) {
    return flow(client, authorize_extra).value("access_token", "");
  }

  httplib::Result introspect(const Registered& caller, const std::string& token,
                             Auth auth = Auth::Basic) {
    oauth::Params form = {{"token", token}};
    httplib::Headers headers = credentials(caller, form, auth);
    return post_form("/introspect", form, headers);
  }
  httplib::Result revoke(const Registered& client, const std::string& token,
                         Auth auth = Auth::Basic) {
    oauth::Params form = {{"token", token}};
    httplib::Headers headers = credentials(client, form, auth);
    return post_form("/revoke", form, headers);
  }

  // A JSON-RPC message to /mcp with the bearer token (none when empty) and `headers` added.
  httplib::Result mcp(const std::string& token, const json& message,
                      httplib::Headers headers = {}) {
    headers.emplace("Accept", kAccept);
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return http_->Post("/mcp", headers, message.dump(), "application/json");
  }

private:
  std::unique_ptr<ReferenceServer> server_;
  std::unique_ptr<httplib::Client> http_;
};

json rpc(int id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

json initialize(const std::string& version) {
  return rpc(1, "initialize",
             {{"protocolVersion", version},
              {"capabilities", json::object()},
              {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
}

// ---- resource-ignored ----

TEST(ReferenceVariants, ResourceIgnoredNeverRefusesAndIssuesTheDefaultAudience) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::ResourceIgnored} : std::set<Variant>{});
    Registered client = s.register_client();
    const std::string verifier = oauth::make_code_verifier();
    // A resource that is no absolute URI: invalid_target on the clean server, ignored here.
    auto res = s.authorize_raw(Server::authorization_params(client, verifier, {{"resource", "x"}}));
    EXPECT_EQ(location_param(res, "error"),
              variant ? std::nullopt : std::optional<std::string>("invalid_target"));
    // A token for another resource: the clean server binds it there, so /mcp refuses it; the
    // variant gives it the default audience, which /mcp still checks and accepts.
    std::string token = s.access_token(client, {{"resource", "https://other.example/api"}});
    EXPECT_EQ(s.mcp(token, initialize("2025-11-25"))->status, variant ? 200 : 401);
  }
}

// ---- grant-checked-before-client ----

TEST(ReferenceVariants, GrantCheckedBeforeClientReportsAnUnusableGrantFirst) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::GrantCheckedBeforeClient} : std::set<Variant>{});
    Registered client = s.register_client("client_secret_basic");
    auto refused = [&](const std::string& code) {
      oauth::Params form = {{"grant_type", "authorization_code"},
                            {"code", code},
                            {"redirect_uri", kRedirect},
                            {"code_verifier", oauth::make_code_verifier()}};
      auto res = s.post_form("/token", form, Server::basic(client, "wrong-secret"));
      return std::pair<int, std::string>{res ? res->status : 0, body_of(res).value("error", "")};
    };
    // Unknown code and bad credentials: either error is allowed, the variant names the grant.
    const std::pair<int, std::string> invalid_grant{400, "invalid_grant"};
    const std::pair<int, std::string> invalid_client{401, "invalid_client"};
    EXPECT_EQ(refused("no-such-code"), variant ? invalid_grant : invalid_client);
    // A usable code with bad credentials is invalid_client either way.
    std::string code = s.code(client, oauth::make_code_verifier());
    EXPECT_EQ(refused(code), invalid_client);
    // So is an unknown refresh token on the variant: invalid_grant.
    oauth::Params form = {{"grant_type", "refresh_token"}, {"refresh_token", "no-such-token"}};
    auto res = s.post_form("/token", form, Server::basic(client, "wrong-secret"));
    EXPECT_EQ(body_of(res).value("error", ""), variant ? "invalid_grant" : "invalid_client");
  }
}

// ---- token-requires-redirect-uri ----

TEST(ReferenceVariants, TokenRequiresRedirectUriRefusesACodeRequestWithoutIt) {
  // Moved from the faults: OAuth 2.1 §10.2 allows it.
  EXPECT_FALSE(fault_from_name("token-requires-redirect-uri"));
  EXPECT_EQ(variant_from_name("token-requires-redirect-uri"), Variant::TokenRequiresRedirectUri);
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::TokenRequiresRedirectUri} : std::set<Variant>{});
    Registered client = s.register_client();
    const std::string verifier = oauth::make_code_verifier();
    auto without = s.redeem(client, s.code(client, verifier), verifier, {}, Auth::Basic, false);
    ASSERT_TRUE(without);
    EXPECT_EQ(without->status, variant ? 400 : 200) << without->body;
    if (variant) {
      EXPECT_EQ(body_of(without).value("error", ""), "invalid_request");
    }
    // With redirect_uri the code is redeemed as ever.
    const std::string verifier2 = oauth::make_code_verifier();
    EXPECT_EQ(s.redeem(client, s.code(client, verifier2), verifier2)->status, 200);
  }
}

// ---- basic-not-offered ----

TEST(ReferenceVariants, BasicNotOfferedAtTheTokenEndpoint) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::BasicNotOffered} : std::set<Variant>{});
    json metadata = body_of(s.http().Get(kMetadataPath));
    EXPECT_EQ(metadata["token_endpoint_auth_methods_supported"],
              variant ? json({"none", "client_secret_post"})
                      : json({"none", "client_secret_post", "client_secret_basic"}));
    // A registration asking for Basic is answered with the body method instead.
    auto registered = s.register_raw(
        {{"redirect_uris", {kRedirect}}, {"token_endpoint_auth_method", "client_secret_basic"}});
    ASSERT_TRUE(registered);
    EXPECT_EQ(registered->status, 201);
    json doc = body_of(registered);
    EXPECT_EQ(doc.value("token_endpoint_auth_method", ""),
              variant ? "client_secret_post" : "client_secret_basic");
    Registered client{doc.value("client_id", ""), doc.value("client_secret", "")};

    const std::string verifier = oauth::make_code_verifier();
    auto with_basic = s.redeem(client, s.code(client, verifier), verifier, {}, Auth::Basic);
    ASSERT_TRUE(with_basic);
    EXPECT_EQ(with_basic->status, variant ? 401 : 200);
    if (variant) {
      EXPECT_EQ(body_of(with_basic).value("error", ""), "invalid_client");
      EXPECT_EQ(with_basic->get_header_value("WWW-Authenticate").rfind("Basic ", 0), 0u);
    }
    json tokens = s.flow(client, {}, Auth::Post); // the body method works on both
    // Introspection keeps its own rules: Basic is still accepted there.
    auto introspected = s.introspect(client, tokens.value("access_token", ""), Auth::Basic);
    ASSERT_TRUE(introspected);
    EXPECT_EQ(introspected->status, 200);
    EXPECT_EQ(body_of(introspected).value("active", false), true);
  }
}

// ---- metadata-no-cors ----

TEST(ReferenceVariants, MetadataNoCorsSendsNoCorsHeadersAndNoPreflight) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::MetadataNoCors} : std::set<Variant>{});
    for (const char* path : {kMetadataPath, kPrmPath, "/.well-known/oauth-protected-resource"}) {
      auto get = s.http().Get(path, {{"Origin", "https://app.example"}});
      ASSERT_TRUE(get) << path;
      EXPECT_EQ(get->status, 200) << path;
      EXPECT_EQ(get->has_header("Access-Control-Allow-Origin"), !variant) << path;
      auto preflight = s.http().Options(
          path, {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "GET"}});
      ASSERT_TRUE(preflight) << path;
      EXPECT_EQ(preflight->status, variant ? 405 : 204) << path;
      EXPECT_EQ(preflight->has_header("Access-Control-Allow-Origin"), !variant) << path;
      EXPECT_EQ(preflight->has_header("Access-Control-Allow-Methods"), !variant) << path;
      if (variant) {
        EXPECT_EQ(preflight->get_header_value("Allow"), "GET, HEAD") << path;
      }
    }
  }
}

// ---- no-metadata-default-endpoints ----

TEST(ReferenceVariants, NoMetadataDefaultEndpointsPublishesNothingAndKeepsTheDefaults) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::NoMetadataDefaultEndpoints} : std::set<Variant>{});
    for (const char* path : {kMetadataPath, kPrmPath, "/.well-known/oauth-protected-resource"}) {
      auto get = s.http().Get(path);
      ASSERT_TRUE(get) << path;
      EXPECT_EQ(get->status, variant ? 404 : 200) << path;
    }
    auto challenge = s.mcp("", initialize("2025-03-26"));
    ASSERT_TRUE(challenge);
    EXPECT_EQ(challenge->status, 401);
    EXPECT_EQ(challenge->get_header_value("WWW-Authenticate").find("resource_metadata") !=
                  std::string::npos,
              !variant);
    // The MCP 2025-03-26 default endpoints work as ever: a whole flow, and an MCP call with it.
    Registered client = s.register_client();
    std::string token = s.access_token(client);
    EXPECT_FALSE(token.empty());
    auto reply = s.mcp(token, initialize("2025-03-26"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
  }
}

TEST(ReferenceVariants, NoMetadataDefaultEndpointsDiffersFromTheServerUnderAPath) {
  // The fault keeps metadata, but only for an issuer under /oauth2, and moves every endpoint.
  Server s({}, false, {Fault::MetadataNotAtOriginRoot});
  const std::string issuer = s.base() + "/oauth2";
  for (const char* path : {kMetadataPath, "/authorize", "/token", "/register"}) {
    auto get = s.http().Get(path);
    ASSERT_TRUE(get) << path;
    EXPECT_EQ(get->status, 404) << path;
  }
  auto metadata = s.http().Get("/.well-known/oauth-authorization-server/oauth2");
  ASSERT_TRUE(metadata && metadata->status == 200);
  json doc = body_of(metadata);
  EXPECT_EQ(doc.value("issuer", ""), issuer);
  for (const char* member : {"authorization_endpoint", "token_endpoint", "registration_endpoint",
                             "introspection_endpoint", "revocation_endpoint"})
    EXPECT_EQ(doc.value(member, "").rfind(issuer + "/", 0), 0u) << member;
  EXPECT_EQ(body_of(s.http().Get(kPrmPath))["authorization_servers"], json({issuer}));
  auto registered = s.http().Post("/oauth2/register", json({{"redirect_uris", {kRedirect}}}).dump(),
                                  "application/json");
  ASSERT_TRUE(registered);
  EXPECT_EQ(registered->status, 201);
}

// ---- introspection-basic-only ----

TEST(ReferenceVariants, IntrospectionBasicOnlyRefusesOtherCallers) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::IntrospectionBasicOnly} : std::set<Variant>{});
    json metadata = body_of(s.http().Get(kMetadataPath));
    EXPECT_EQ(metadata["introspection_endpoint_auth_methods_supported"],
              variant ? json({"client_secret_basic"})
                      : json({"client_secret_basic", "client_secret_post"}));
    EXPECT_EQ(metadata["revocation_endpoint_auth_methods_supported"],
              variant ? json({"client_secret_basic"})
                      : json({"none", "client_secret_basic", "client_secret_post"}));
    Registered confidential = s.register_client("client_secret_basic");
    Registered public_client = s.register_client("none");
    const std::string token = s.access_token(confidential);

    EXPECT_EQ(s.introspect(confidential, token, Auth::Basic)->status, 200);
    auto post = s.introspect(confidential, token, Auth::Post);
    EXPECT_EQ(post->status, variant ? 401 : 200);
    if (variant) {
      EXPECT_EQ(body_of(post).value("error", ""), "invalid_client");
      EXPECT_TRUE(post->has_header("WWW-Authenticate"));
    }

    // Revocation: a public client naming itself, and the body method, are refused too.
    auto by_public = s.revoke(public_client, s.access_token(public_client));
    EXPECT_EQ(by_public->status, variant ? 401 : 200);
    if (variant) {
      EXPECT_EQ(body_of(by_public).value("error", ""), "invalid_client");
    }
    EXPECT_EQ(s.revoke(confidential, token, Auth::Post)->status, variant ? 401 : 200);
    EXPECT_EQ(s.revoke(confidential, s.access_token(confidential), Auth::Basic)->status, 200);
  }
}

// ---- introspection-hides-foreign-tokens ----

TEST(ReferenceVariants, IntrospectionHidesForeignTokensFromOtherClients) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::IntrospectionHidesForeignTokens} : std::set<Variant>{});
    Registered owner = s.register_client("client_secret_basic");
    Registered other = s.register_client("client_secret_basic");
    const std::string token = s.access_token(owner);
    auto active = [&](const httplib::Result& res) {
      EXPECT_TRUE(res && res->status == 200);
      return body_of(res).value("active", false);
    };
    EXPECT_TRUE(active(s.introspect(owner, token)));
    EXPECT_EQ(active(s.introspect(other, token)), !variant);
    if (variant) {
      EXPECT_EQ(body_of(s.introspect(other, token)), json({{"active", false}}));
    }
    // The resource server's bearer token still sees every token.
    auto by_resource_server =
        s.post_form("/introspect", {{"token", token}},
                    {{"Authorization", std::string("Bearer ") + kIntrospectionToken}});
    EXPECT_TRUE(active(by_resource_server));
  }
}

// ---- issuer-trailing-slash ----

TEST(ReferenceVariants, IssuerTrailingSlashIsNamedTheSameEverywhere) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::IssuerTrailingSlash} : std::set<Variant>{});
    const std::string issuer = s.base() + (variant ? "/" : "");
    // Still at the well-known URL: RFC 8414 §3.1 drops the terminating slash.
    auto metadata = s.http().Get(kMetadataPath);
    ASSERT_TRUE(metadata && metadata->status == 200);
    EXPECT_EQ(body_of(metadata).value("issuer", ""), issuer);
    EXPECT_EQ(body_of(s.http().Get(kPrmPath))["authorization_servers"], json({issuer}));

    Registered client = s.register_client("client_secret_basic");
    const std::string verifier = oauth::make_code_verifier();
    auto approved = s.authorize_raw(Server::authorization_params(client, verifier));
    EXPECT_EQ(location_param(approved, "iss"), issuer);
    auto refused =
        s.authorize_raw(Server::authorization_params(client, verifier, {{"scope", "nope"}}));
    EXPECT_EQ(location_param(refused, "iss"), issuer);

    const std::string token = s.access_token(client);
    EXPECT_EQ(body_of(s.introspect(client, token)).value("iss", ""), issuer);
  }
}

TEST(ReferenceVariants, IssuerTrailingSlashDiffersFromTheMetadataOnlyFault) {
  // The fault breaks what the variant keeps: only the metadata names the issuer with a slash.
  Server s({}, false, {Fault::MetadataIssuerTrailingSlash});
  EXPECT_EQ(body_of(s.http().Get(kMetadataPath)).value("issuer", ""), s.base() + "/");
  EXPECT_EQ(body_of(s.http().Get(kPrmPath))["authorization_servers"], json({s.base()}));
  Registered client = s.register_client();
  auto approved =
      s.authorize_raw(Server::authorization_params(client, oauth::make_code_verifier()));
  EXPECT_EQ(location_param(approved, "iss"), s.base());
}

// ---- mcp-negotiates-older-version ----

TEST(ReferenceVariants, McpNegotiatesOlderVersionOnly) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::McpNegotiatesOlderVersion} : std::set<Variant>{});
    const std::string token = s.access_token(s.register_client());
    auto init = s.mcp(token, initialize("2026-07-28"));
    ASSERT_TRUE(init);
    EXPECT_EQ(init->status, 200);
    EXPECT_EQ(body_of(init)["result"].value("protocolVersion", ""),
              variant ? "2025-11-25" : "2026-07-28");
    const httplib::Headers session = {{"Mcp-Session-Id", init->get_header_value("Mcp-Session-Id")}};

    auto with = [&](const std::string& version) {
      httplib::Headers headers = session;
      headers.emplace("MCP-Protocol-Version", version);
      return s.mcp(token, rpc(2, "tools/list"), headers);
    };
    auto newer = with("2026-07-28");
    ASSERT_TRUE(newer);
    EXPECT_EQ(newer->status, variant ? 400 : 200);
    if (variant) {
      EXPECT_EQ(body_of(newer)["error"].value("code", 0), -32600);
    }
    EXPECT_EQ(with("2025-11-25")->status, 200);
    EXPECT_EQ(s.mcp(token, rpc(3, "tools/list"), session)->status, 200); // no header
    // Authentication still comes first.
    EXPECT_EQ(s.mcp("", rpc(4, "tools/list"), {{"MCP-Protocol-Version", "2026-07-28"}})->status,
              401);
  }
}

// ---- mcp-requires-initialized-notification ----

TEST(ReferenceVariants, McpRequiresInitializedNotificationBeforeRequests) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::McpRequiresInitializedNotification} : std::set<Variant>{});
    const std::string token = s.access_token(s.register_client());
    auto init = s.mcp(token, initialize("2025-11-25"));
    ASSERT_TRUE(init && init->status == 200);
    const httplib::Headers session = {{"Mcp-Session-Id", init->get_header_value("Mcp-Session-Id")}};

    auto early = s.mcp(token, rpc(2, "tools/list"), session);
    ASSERT_TRUE(early);
    EXPECT_EQ(early->status, 200);
    json answer = body_of(early);
    if (variant) {
      EXPECT_EQ(answer["id"], 2);
      EXPECT_EQ(answer["error"].value("code", 0), -32600);
      EXPECT_FALSE(answer.contains("result"));
    } else {
      EXPECT_TRUE(answer.contains("result"));
    }
    // ping is allowed before the notification; a request without a session is not judged.
    EXPECT_TRUE(body_of(s.mcp(token, rpc(3, "ping"), session)).contains("result"));
    EXPECT_TRUE(body_of(s.mcp(token, rpc(4, "tools/list"))).contains("result"));
    // No token is still 401, before any session rule.
    EXPECT_EQ(s.mcp("", rpc(5, "tools/list"), session)->status, 401);

    json notification = {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
    EXPECT_EQ(s.mcp(token, notification, session)->status, 202);
    EXPECT_TRUE(body_of(s.mcp(token, rpc(6, "tools/list"), session)).contains("result"));
  }
}

// ---- other-defined-error-codes ----

TEST(ReferenceVariants, OtherDefinedErrorCodesForRemovedAndForbiddenFlows) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::OtherDefinedErrorCodes} : std::set<Variant>{});
    Registered client = s.register_client();
    auto error_of = [](const httplib::Result& res) {
      return std::pair<int, std::string>{res ? res->status : 0, body_of(res).value("error", "")};
    };
    using Error = std::pair<int, std::string>;
    auto password = s.post_form("/token", {{"grant_type", "password"},
                                           {"username", "alice"},
                                           {"password", "wonderland"},
                                           {"client_id", client.id}});
    EXPECT_EQ(error_of(password),
              variant ? Error(400, "unauthorized_client") : Error(400, "unsupported_grant_type"));
    auto credentials =
        s.post_form("/token", {{"grant_type", "client_credentials"}, {"client_id", client.id}});
    EXPECT_EQ(error_of(credentials),
              variant ? Error(401, "invalid_client") : Error(400, "unauthorized_client"));
    const std::string verifier = oauth::make_code_verifier();
    oauth::Params implicit = Server::authorization_params(client, verifier);
    for (auto& [name, value] : implicit)
      if (name == "response_type") value = "token";
    EXPECT_EQ(location_param(s.authorize_raw(implicit), "error"),
              variant ? "unauthorized_client" : "unsupported_response_type");
  }
}

// ---- error-description-omitted and error-description-empty ----

// The error_description of an error from each endpoint that sends one: token, authorization
// redirect, registration, introspection, revocation, the MCP challenge header and its body.
// nullopt where the member or parameter is absent.
std::vector<std::optional<std::string>> error_descriptions(Server& s) {
  std::vector<std::optional<std::string>> out;
  auto member = [](const httplib::Result& res) -> std::optional<std::string> {
    json body = body_of(res);
    EXPECT_TRUE(body.contains("error")) << (res ? res->body : "no answer");
    if (!body.contains("error_description")) return std::nullopt;
    return body["error_description"].get<std::string>();
  };
  Registered client = s.register_client("client_secret_basic");
  out.push_back(member(s.post_form("/token",
                                   {{"grant_type", "authorization_code"},
                                    {"code", "no-such-code"},
                                    {"code_verifier", oauth::make_code_verifier()}},
                                   Server::basic(client, client.secret))));
  oauth::Params no_pkce = {
      {"response_type", "code"}, {"client_id", client.id}, {"redirect_uri", kRedirect}};
  auto redirect = s.authorize_raw(no_pkce);
  EXPECT_EQ(location_param(redirect, "error"), "invalid_request");
  out.push_back(location_param(redirect, "error_description"));
  out.push_back(member(s.register_raw({{"redirect_uris", {"http://example.com/cb"}}})));
  out.push_back(member(s.post_form("/introspect", {}, Server::basic(client, client.secret))));
  out.push_back(member(s.post_form("/revoke", {}, Server::basic(client, client.secret))));
  auto mcp = s.mcp("no-such-token", initialize("2025-11-25"));
  std::string challenge = mcp ? mcp->get_header_value("WWW-Authenticate") : "";
  std::smatch m;
  if (std::regex_search(challenge, m, std::regex("error_description=\"([^\"]*)\"")))
    out.push_back(m[1].str());
  else
    out.push_back(std::nullopt);
  out.push_back(member(mcp));
  return out;
}

TEST(ReferenceVariants, ErrorDescriptionOmittedEverywhere) {
  Server clean;
  for (const auto& description : error_descriptions(clean)) {
    ASSERT_TRUE(description);
    EXPECT_FALSE(description->empty());
  }
  Server s({Variant::ErrorDescriptionOmitted});
  for (const auto& description : error_descriptions(s))
    EXPECT_EQ(description, std::nullopt);
}

TEST(ReferenceVariants, ErrorDescriptionEmptyEverywhere) {
  Server s({Variant::ErrorDescriptionEmpty});
  for (const auto& description : error_descriptions(s))
    EXPECT_EQ(description, std::optional<std::string>(""));
  // In a redirect it is sent as error_description= with nothing after it.
  Registered client = s.register_client();
  auto res = s.authorize_raw(
      {{"response_type", "code"}, {"client_id", client.id}, {"redirect_uri", kRedirect}});
  ASSERT_TRUE(res);
  EXPECT_NE(res->get_header_value("Location").find("error_description=&"), std::string::npos)
      << res->get_header_value("Location");
}

// ---- error-uri-given ----

TEST(ReferenceVariants, ErrorUriGivenOnTokenAndAuthorizationErrors) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::ErrorUriGiven} : std::set<Variant>{});
    Registered client = s.register_client();
    auto token_error = s.post_form("/token", {{"grant_type", "authorization_code"},
                                              {"code", "no-such-code"},
                                              {"client_id", client.id},
                                              {"code_verifier", oauth::make_code_verifier()}});
    json body = body_of(token_error);
    EXPECT_EQ(body.value("error", ""), "invalid_grant");
    const std::string verifier = oauth::make_code_verifier();
    auto redirect =
        s.authorize_raw(Server::authorization_params(client, verifier, {{"scope", "nope"}}));
    EXPECT_EQ(location_param(redirect, "error"), "invalid_scope");
    auto page = s.http().Get("/errors");
    ASSERT_TRUE(page);
    if (!variant) {
      EXPECT_FALSE(body.contains("error_uri"));
      EXPECT_EQ(location_param(redirect, "error_uri"), std::nullopt);
      EXPECT_EQ(page->status, 404);
      continue;
    }
    EXPECT_EQ(body.value("error_uri", ""), s.base() + "/errors#invalid_grant");
    EXPECT_EQ(location_param(redirect, "error_uri"), s.base() + "/errors#invalid_scope");
    // The page the URIs name exists and has the anchors.
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
    EXPECT_NE(page->body.find("id=\"invalid_grant\""), std::string::npos);
    EXPECT_NE(page->body.find("id=\"invalid_scope\""), std::string::npos);
  }
}

// ---- bad-request-error-page ----

// Through the --login-form pages as alice, answering the consent page with `decision`; the
// response to the consent POST.
httplib::Result decide_at_consent(Server& s, const oauth::Params& authorization,
                                  const std::string& decision) {
  auto csrf_of = [](const httplib::Result& page) {
    std::smatch m;
    std::string body = page ? page->body : "";
    std::regex_search(body, m, std::regex("name=\"csrf_token\" value=\"([^\"]+)\""));
    return m.size() > 1 ? m[1].str() : "";
  };
  auto cookie_of = [](const httplib::Result& res) {
    std::string set = res ? res->get_header_value("Set-Cookie") : "";
    return set.substr(0, set.find(';'));
  };
  auto start = s.authorize_raw(authorization);
  EXPECT_TRUE(start && start->status == 303);
  const std::string login = start ? start->get_header_value("Location") : "";
  const std::string request =
      oauth::first_param(oauth::parse_form(login.substr(login.find('?') + 1)), "request")
          .value_or("");
  auto login_page = s.http().Get(login);
  std::string cookie = cookie_of(login_page);
  auto signed_in = s.post_form("/login",
                               {{"request", request},
                                {"csrf_token", csrf_of(login_page)},
                                {"username", "alice"},
                                {"password", "wonderland"}},
                               {{"Cookie", cookie}});
  EXPECT_TRUE(signed_in && signed_in->status == 303);
  cookie = cookie_of(signed_in);
  auto consent =
      s.http().Get("/consent?request=" + oauth::percent_encode(request), {{"Cookie", cookie}});
  return s.post_form(
      "/consent", {{"request", request}, {"csrf_token", csrf_of(consent)}, {"decision", decision}},
      {{"Cookie", cookie}});
}

TEST(ReferenceVariants, BadRequestErrorPageInsteadOfErrorRedirects) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::BadRequestErrorPage} : std::set<Variant>{});
    Registered client = s.register_client();
    const std::string verifier = oauth::make_code_verifier();
    oauth::Params no_pkce = {
        {"response_type", "code"}, {"client_id", client.id}, {"redirect_uri", kRedirect}};
    for (const oauth::Params& request :
         {no_pkce, Server::authorization_params(client, verifier, {{"response_type", "code"}}),
          Server::authorization_params(client, verifier, {{"scope", "<script>x</script>"}})}) {
      auto res = s.authorize_raw(request);
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, variant ? 400 : 302);
      EXPECT_EQ(res->has_header("Location"), !variant);
      if (!variant) continue;
      EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
      EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
      EXPECT_NE(res->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"),
                std::string::npos);
      EXPECT_EQ(res->body.find("<script>"), std::string::npos) << res->body;
    }
    // A well-formed request still gets its code.
    EXPECT_FALSE(s.code(client, verifier).empty());
  }
  // A user's denial on the consent page still goes back to the client.
  Server s({Variant::BadRequestErrorPage}, /*login_form=*/true);
  Registered client = s.register_client();
  auto denied = decide_at_consent(
      s, Server::authorization_params(client, oauth::make_code_verifier()), "deny");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 303);
  EXPECT_EQ(location_param(denied, "error"), "access_denied");
  // An invalid request in that mode gets the page at once, before any sign-in.
  auto invalid = s.authorize_raw(
      {{"response_type", "code"}, {"client_id", client.id}, {"redirect_uri", kRedirect}});
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400);
}

// ---- unknown-scope-access-denied ----

TEST(ReferenceVariants, UnknownScopeAccessDenied) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::UnknownScopeAccessDenied} : std::set<Variant>{});
    Registered client = s.register_client();
    const std::string verifier = oauth::make_code_verifier();
    auto res = s.authorize_raw(
        Server::authorization_params(client, verifier, {{"scope", "mcp:tools unknown"}}));
    EXPECT_EQ(location_param(res, "error"), variant ? "access_denied" : "invalid_scope");
    EXPECT_EQ(location_param(res, "state"), "s1");
    // Known scopes are granted as ever.
    EXPECT_FALSE(s.code(client, verifier, {{"scope", "mcp:tools"}}).empty());
  }
}

// ---- dcr-loopback-needs-native ----

TEST(ReferenceVariants, DcrLoopbackNeedsNativeApplicationType) {
  for (bool variant : {false, true}) {
    Server s(variant ? std::set{Variant::DcrLoopbackNeedsNative} : std::set<Variant>{});
    auto status = [&](const std::string& uri, std::optional<std::string> application_type) {
      json doc = {{"redirect_uris", {uri}}, {"token_endpoint_auth_method", "none"}};
      if (application_type) doc["application_type"] = *application_type;
      auto res = s.register_raw(doc);
      return std::pair<int, std::string>{res ? res->status : 0, body_of(res).value("error", "")};
    };
    const std::pair<int, std::string> refused{400, "invalid_redirect_uri"};
    const std::pair<int, std::string> created{201, ""};
    for (const char* loopback :
         {"http://127.0.0.1/cb", "http://[::1]:8080/cb", "http://localhost/cb"}) {
      EXPECT_EQ(status(loopback, std::nullopt), variant ? refused : created) << loopback;
      EXPECT_EQ(status(loopback, "web"), variant ? refused : created) << loopback;
      EXPECT_EQ(status(loopback, "native"), created) << loopback;
    }
    EXPECT_EQ(status("https://app.example/cb", std::nullopt), created);
  }
}

} // namespace
