// The reference server's protected MCP endpoint and its protected resource metadata: bearer
// token checks (RFC 6750, RFC 8707 audience, MCP authorization), the Streamable HTTP transport
// with JSON responses, RFC 9728 metadata, and every mcp-*/prm-* fault. Tokens come from the real
// flow (registration, /authorize with PKCE, /token) of an in-process server; the audience rules
// are also driven through McpService directly, with tokens placed in a Store by hand.
#include "core/base64url.h"
#include "core/pkce.h"
#include "core/url.h"
#include "mcp_endpoint.h"
#include "policy.h"
#include "server.h"
#include "store.h"

#include <chrono>
#include <gtest/gtest.h>
#include <httplib.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace refserver;
using nlohmann::json;

constexpr const char* kRedirect = "http://127.0.0.1/callback";
constexpr const char* kPrmPath = "/.well-known/oauth-protected-resource/mcp";
constexpr const char* kRootPrmPath = "/.well-known/oauth-protected-resource";
constexpr const char* kAccept = "application/json, text/event-stream";

struct Reference {
  explicit Reference(std::set<Fault> faults = {}, ServerOptions options = {}) {
    options.faults = std::move(faults);
    server = std::make_unique<ReferenceServer>(options);
    server->start();
    base = server->base_url();
    http = std::make_unique<httplib::Client>(base);
    http->set_follow_location(false);
  }
  std::string metadata_url() const { return base + kPrmPath; }

  std::unique_ptr<ReferenceServer> server;
  std::string base;
  std::unique_ptr<httplib::Client> http;
};

struct Grant {
  std::string client_id;
  std::string access_token;
};

std::string register_client(httplib::Client& http) {
  json metadata = {{"redirect_uris", {kRedirect}},
                   {"token_endpoint_auth_method", "none"},
                   {"grant_types", {"authorization_code", "refresh_token"}},
                   {"response_types", {"code"}}};
  auto res = http.Post("/register", metadata.dump(), "application/json");
  if (!res || res->status != 201) return "";
  return json::parse(res->body).value("client_id", "");
}

// The code's query parameters for an approved authorization request.
std::optional<std::string> authorize(httplib::Client& http, const std::string& client_id,
                                     const std::string& verifier, const std::string& scope) {
  oauth::Params params = {{"response_type", "code"},
                          {"client_id", client_id},
                          {"redirect_uri", kRedirect},
                          {"code_challenge", oauth::s256_challenge(verifier)},
                          {"code_challenge_method", "S256"},
                          {"scope", scope},
                          {"state", "s"}};
  auto res = http.Get("/authorize?" + oauth::form_encode(params));
  if (!res || res->status != 302) return std::nullopt;
  auto parts = oauth::parse_url(res->get_header_value("Location"));
  if (!parts) return std::nullopt;
  return oauth::first_param(oauth::parse_form(parts->query), "code");
}

httplib::Result redeem(httplib::Client& http, const std::string& client_id, const std::string& code,
                       const std::string& verifier) {
  oauth::Params form = {{"grant_type", "authorization_code"},
                        {"code", code},
                        {"redirect_uri", kRedirect},
                        {"client_id", client_id},
                        {"code_verifier", verifier}};
  return http.Post("/token", oauth::form_encode(form), "application/x-www-form-urlencoded");
}

// A fresh public client and an access token for `scope` through the authorization code flow.
Grant obtain_token(httplib::Client& http, const std::string& scope) {
  Grant grant;
  grant.client_id = register_client(http);
  EXPECT_FALSE(grant.client_id.empty());
  const std::string verifier = oauth::make_code_verifier();
  auto code = authorize(http, grant.client_id, verifier, scope);
  EXPECT_TRUE(code);
  if (!code) return grant;
  auto res = redeem(http, grant.client_id, *code, verifier);
  EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no response");
  if (res && res->status == 200)
    grant.access_token = json::parse(res->body).value("access_token", "");
  return grant;
}

httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"Accept", kAccept}};
}

json request(int id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

json initialize_request(const std::string& version = "2026-07-28") {
  return request(1, "initialize",
                 {{"protocolVersion", version},
                  {"capabilities", json::object()},
                  {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
}

json call_tool(const std::string& name, json arguments = json::object()) {
  return request(3, "tools/call", {{"name", name}, {"arguments", std::move(arguments)}});
}

httplib::Result post(httplib::Client& http, const httplib::Headers& headers, const json& message,
                     const std::string& path = "/mcp") {
  return http.Post(path.c_str(), headers, message.dump(), "application/json");
}

std::string challenge(const httplib::Result& res) {
  return res ? res->get_header_value("WWW-Authenticate") : "";
}

std::string no_credentials_challenge(const Reference& ref) {
  return "Bearer resource_metadata=\"" + ref.metadata_url() + "\", scope=\"mcp:tools\"";
}

// The clean invalid_token challenge for an unknown token.
std::string unknown_token_challenge(const Reference& ref) {
  return "Bearer error=\"invalid_token\", error_description=\"the access token is unknown, "
         "expired or revoked\", resource_metadata=\"" +
         ref.metadata_url() + "\"";
}

std::string insufficient_scope_challenge(const Reference& ref, const std::string& scope) {
  return "Bearer error=\"insufficient_scope\", scope=\"" + scope + "\", resource_metadata=\"" +
         ref.metadata_url() + "\", error_description=\"this operation needs the scope " + scope +
         "\"";
}

json body_of(const httplib::Result& res) {
  return res ? json::parse(res->body, nullptr, false) : json();
}

// ---- protected resource metadata (RFC 9728) ----

json expected_metadata(const Reference& ref) {
  return {{"resource", ref.base + "/mcp"},
          {"authorization_servers", {ref.base}},
          {"scopes_supported", {"mcp:tools", "mcp:admin"}},
          {"bearer_methods_supported", {"header"}},
          {"resource_name", "reference-server MCP"}};
}

TEST(ReferenceMcpMetadata, ServedAtPathInsertedAndRootWellKnownUrls) {
  Reference ref;
  for (const char* path : {kPrmPath, kRootPrmPath}) {
    auto res = ref.http->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(json::parse(res->body), expected_metadata(ref)) << res->body;
  }
}

TEST(ReferenceMcpMetadata, IssuerMatchesAuthorizationServerMetadata) {
  Reference ref;
  auto as = ref.http->Get("/.well-known/oauth-authorization-server");
  auto prm = ref.http->Get(kPrmPath);
  ASSERT_TRUE(as && prm);
  EXPECT_EQ(json::parse(prm->body)["authorization_servers"][0], json::parse(as->body)["issuer"]);
}

TEST(ReferenceMcpMetadata, HeadAndCorsPreflight) {
  Reference ref;
  auto head = ref.http->Head(kPrmPath);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());

  auto pre = ref.http->Options(kRootPrmPath, {{"Origin", "https://app.example"},
                                              {"Access-Control-Request-Method", "GET"},
                                              {"Access-Control-Request-Headers", "X-Custom"}});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Methods"), "GET, OPTIONS");
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Headers"),
            "mcp-protocol-version, x-custom");
}

TEST(ReferenceMcpMetadata, OtherMethodsAreRefused) {
  Reference ref;
  auto res = ref.http->Post(kPrmPath, "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
}

TEST(ReferenceMcpMetadataFaults, EmptyMember) {
  Reference ref({Fault::PrmEmptyMember});
  json expected = expected_metadata(ref);
  expected["resource_signing_alg_values_supported"] = json::array();
  EXPECT_EQ(json::parse(ref.http->Get(kPrmPath)->body), expected);
}

TEST(ReferenceMcpMetadataFaults, HeaderOnly) {
  Reference ref({Fault::PrmHeaderOnly});
  EXPECT_EQ(ref.http->Get(kPrmPath)->status, 404);
  EXPECT_EQ(ref.http->Get(kRootPrmPath)->status, 404);
  auto res = ref.http->Get("/mcp-resource-metadata");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body), expected_metadata(ref));
  // The challenge is the only way to find it.
  auto unauth = post(*ref.http, {{"Accept", kAccept}}, initialize_request());
  EXPECT_EQ(challenge(unauth), "Bearer resource_metadata=\"" + ref.base +
                                   "/mcp-resource-metadata\", scope=\"mcp:tools\"");
}

TEST(ReferenceMcpMetadataFaults, ResourceTrailingSlash) {
  Reference ref({Fault::PrmResourceTrailingSlash});
  json expected = expected_metadata(ref);
  expected["resource"] = ref.base + "/mcp/";
  EXPECT_EQ(json::parse(ref.http->Get(kPrmPath)->body), expected);
  // The endpoint itself still accepts tokens for the canonical URI.
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  EXPECT_EQ(post(*ref.http, bearer(grant.access_token), initialize_request())->status, 200);
}

TEST(ReferenceMcpMetadataFaults, QueryBearerMethod) {
  Reference ref({Fault::PrmQueryBearerMethod});
  json expected = expected_metadata(ref);
  expected["bearer_methods_supported"] = {"header", "query"};
  EXPECT_EQ(json::parse(ref.http->Get(kPrmPath)->body), expected);
  // The query is still ignored.
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res = post(*ref.http, {{"Accept", kAccept}}, initialize_request(),
                  "/mcp?access_token=" + grant.access_token);
  EXPECT_EQ(res->status, 401);
}

TEST(ReferenceMcpMetadataFaults, IssuerMismatch) {
  Reference ref({Fault::PrmIssuerMismatch});
  json expected = expected_metadata(ref);
  expected["authorization_servers"] = {ref.base + "/"};
  EXPECT_EQ(json::parse(ref.http->Get(kPrmPath)->body), expected);
  EXPECT_EQ(json::parse(ref.http->Get("/.well-known/oauth-authorization-server")->body)["issuer"],
            ref.base);
}

// ---- authentication ----

TEST(ReferenceMcpAuth, NoCredentialsIsChallengedWithoutErrorCode) {
  Reference ref;
  auto res = post(*ref.http, {{"Accept", kAccept}}, initialize_request());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), no_credentials_challenge(ref));
  EXPECT_EQ(body_of(res).value("error", ""), "unauthorized");
  // Authentication comes before the method: GET and DELETE are challenged the same way.
  EXPECT_EQ(challenge(ref.http->Get("/mcp")), no_credentials_challenge(ref));
  EXPECT_EQ(ref.http->Delete("/mcp", {{"Mcp-Session-Id", "x"}})->status, 401);
  // So is a request the transport would refuse.
  auto junk = ref.http->Post("/mcp", "not json", "text/plain");
  EXPECT_EQ(junk->status, 401);
}

TEST(ReferenceMcpAuth, OtherSchemesAreNoCredentials) {
  Reference ref;
  auto res =
      post(*ref.http, {{"Authorization", "Basic YTpi"}, {"Accept", kAccept}}, initialize_request());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), no_credentials_challenge(ref));
  res = post(*ref.http, {{"Authorization", "Bearerabc"}}, initialize_request());
  EXPECT_EQ(challenge(res), no_credentials_challenge(ref));
}

TEST(ReferenceMcpAuth, QueryTokenIsIgnored) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res = post(*ref.http, {{"Accept", kAccept}}, initialize_request(),
                  "/mcp?access_token=" + grant.access_token);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), no_credentials_challenge(ref));
}

TEST(ReferenceMcpAuth, DuplicateAuthorizationHeadersAreInvalidRequest) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  httplib::Headers headers = {{"Authorization", "Bearer " + grant.access_token},
                              {"Authorization", "Bearer " + grant.access_token}};
  auto res = post(*ref.http, headers, initialize_request());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(challenge(res), "Bearer error=\"invalid_request\", error_description=\"more than one "
                            "Authorization header\", resource_metadata=\"" +
                                ref.metadata_url() + "\"");
  EXPECT_EQ(body_of(res).value("error", ""), "invalid_request");
}

TEST(ReferenceMcpAuth, EmptyBearerTokenIsInvalidRequest) {
  Reference ref;
  for (const char* value : {"Bearer", "Bearer   ", "bearer "}) {
    auto res = post(*ref.http, {{"Authorization", value}}, initialize_request());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << value;
    EXPECT_EQ(challenge(res), "Bearer error=\"invalid_request\", error_description=\"the bearer "
                              "token is empty\", resource_metadata=\"" +
                                  ref.metadata_url() + "\"");
  }
}

TEST(ReferenceMcpAuth, SchemeIsCaseInsensitive) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  for (const std::string scheme : {"bearer", "BEARER", "Bearer", "bEaReR"}) {
    auto res = post(*ref.http, {{"Authorization", scheme + " " + grant.access_token}},
                    initialize_request());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << scheme;
  }
}

TEST(ReferenceMcpAuth, UnknownTokenIsInvalidToken) {
  Reference ref;
  auto res = post(*ref.http, bearer(oauth::random_base64url(32)), initialize_request());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), unknown_token_challenge(ref));
  EXPECT_EQ(body_of(res).value("error", ""), "invalid_token");
}

TEST(ReferenceMcpAuth, ExpiredTokenIsInvalidToken) {
  ServerOptions options;
  options.access_token_lifetime = std::chrono::seconds(0);
  Reference ref({}, options);
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res = post(*ref.http, bearer(grant.access_token), initialize_request());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), unknown_token_challenge(ref));
}

TEST(ReferenceMcpAuth, RevokedTokenIsInvalidToken) {
  Reference ref;
  const std::string client_id = register_client(*ref.http);
  const std::string verifier = oauth::make_code_verifier();
  auto code = authorize(*ref.http, client_id, verifier, "mcp:tools");
  ASSERT_TRUE(code);
  auto first = redeem(*ref.http, client_id, *code, verifier);
  ASSERT_EQ(first->status, 200);
  const std::string token = json::parse(first->body)["access_token"];
  EXPECT_EQ(post(*ref.http, bearer(token), initialize_request())->status, 200);
  // A replayed code revokes the tokens issued from it (OAuth 2.1 §4.1.3).
  EXPECT_EQ(redeem(*ref.http, client_id, *code, verifier)->status, 400);
  auto res = post(*ref.http, bearer(token), initialize_request());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), unknown_token_challenge(ref));
}

// ---- audience, through the service with tokens placed in a store ----

constexpr const char* kBase = "http://127.0.0.1:8123";

struct DirectService {
  explicit DirectService(std::set<Fault> faults = {}) {
    options.faults = std::move(faults);
    service = std::make_unique<McpService>(options, store, kBase);
  }
  std::string add_token(std::vector<std::string> resources, std::string scope = "mcp:tools") {
    NewTokens tokens;
    tokens.access_token = oauth::random_base64url(32);
    tokens.access = {.client_id = "client",
                     .subject = "alice",
                     .scope = std::move(scope),
                     .resources = std::move(resources),
                     .grant_id = oauth::random_base64url(16),
                     .expires_at = Clock::now() + std::chrono::hours(1)};
    EXPECT_TRUE(store.issue_tokens(tokens));
    return tokens.access_token;
  }
  HttpResponse ping(const std::string& token) {
    McpRequest request;
    request.method = "POST";
    request.authorization = {"Bearer " + token};
    request.content_type = "application/json";
    request.body = request_body();
    return service->handle(request);
  }
  static std::string request_body() {
    return json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}.dump();
  }

  ServerOptions options;
  Store store;
  std::unique_ptr<McpService> service;
};

TEST(ReferenceMcpAudience, TokenForThisResourceIsAccepted) {
  DirectService direct;
  EXPECT_EQ(direct.ping(direct.add_token({std::string(kBase) + "/mcp"})).status, 200);
  // Among others.
  EXPECT_EQ(
      direct.ping(direct.add_token({"https://other.example/", std::string(kBase) + "/mcp"})).status,
      200);
  // Without resources the token was issued for the only resource there is.
  EXPECT_EQ(direct.ping(direct.add_token({})).status, 200);
  // Scheme and host compare case-insensitively (RFC 3986 §6.2.2.1).
  EXPECT_EQ(direct.ping(direct.add_token({"HTTP://127.0.0.1:8123/mcp"})).status, 200);
}

TEST(ReferenceMcpAudience, TokenForAnotherResourceIsInvalidToken) {
  DirectService direct;
  for (const std::string& resource : std::vector<std::string>{
           "https://other.example/mcp", std::string(kBase) + "/mcp/", std::string(kBase) + "/MCP",
           std::string(kBase), "http://127.0.0.1:8124/mcp"}) {
    HttpResponse response = direct.ping(direct.add_token({resource}));
    EXPECT_EQ(response.status, 401) << resource;
    EXPECT_EQ(response.header("WWW-Authenticate").value_or(""),
              "Bearer error=\"invalid_token\", error_description=\"the access token was not issued "
              "for this resource\", resource_metadata=\"" +
                  std::string(kBase) + kPrmPath + "\"")
        << resource;
  }
}

TEST(ReferenceMcpAudienceFaults, AudienceUnchecked) {
  DirectService direct({Fault::McpAudienceUnchecked});
  EXPECT_EQ(direct.ping(direct.add_token({"https://other.example/mcp"})).status, 200);
  EXPECT_EQ(direct.ping(direct.add_token({std::string(kBase) + "/mcp"})).status, 200);
  // Unknown tokens are still refused.
  EXPECT_EQ(direct.ping("unknown").status, 401);
}

TEST(ReferenceMcpAudienceFaults, ResourceCaseSensitive) {
  DirectService direct({Fault::ResourceCaseSensitive});
  EXPECT_EQ(direct.ping(direct.add_token({"HTTP://127.0.0.1:8123/mcp"})).status, 401);
  EXPECT_EQ(direct.ping(direct.add_token({std::string(kBase) + "/mcp"})).status, 200);
  EXPECT_EQ(direct.ping(direct.add_token({"https://other.example/mcp"})).status, 401);
}

// ---- scopes ----

TEST(ReferenceMcpScope, ToolsScopeServesEverythingButTheAdminTool) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto headers = bearer(grant.access_token);
  EXPECT_EQ(post(*ref.http, headers, initialize_request())->status, 200);
  EXPECT_EQ(post(*ref.http, headers, request(2, "tools/list"))->status, 200);
  EXPECT_EQ(post(*ref.http, headers, request(2, "ping"))->status, 200);
  EXPECT_EQ(post(*ref.http, headers, call_tool("echo", {{"text", "x"}}))->status, 200);
  auto res = post(*ref.http, headers, call_tool("admin_report"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(challenge(res), insufficient_scope_challenge(ref, "mcp:admin"));
  EXPECT_EQ(body_of(res).value("error", ""), "insufficient_scope");
}

TEST(ReferenceMcpScope, AdminScopeIncludesToolsScope) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:admin");
  auto headers = bearer(grant.access_token);
  EXPECT_EQ(post(*ref.http, headers, initialize_request())->status, 200);
  EXPECT_EQ(post(*ref.http, headers, request(2, "tools/list"))->status, 200);
  auto res = post(*ref.http, headers, call_tool("admin_report"));
  ASSERT_EQ(res->status, 200);
  json content = json::parse(res->body)["result"]["content"];
  EXPECT_EQ(content[0]["type"], "text");
  EXPECT_FALSE(content[0]["text"].get<std::string>().empty());
}

TEST(ReferenceMcpScope, TokenWithoutMcpScopeIsRefused) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "offline_access");
  auto res = post(*ref.http, bearer(grant.access_token), initialize_request());
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(challenge(res), insufficient_scope_challenge(ref, "mcp:tools"));
  EXPECT_EQ(ref.http->Get("/mcp", bearer(grant.access_token))->status, 403);
}

// ---- the MCP transport and messages ----

TEST(ReferenceMcpProtocol, InitializeNegotiatesVersionAndOpensSession) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res = post(*ref.http, bearer(grant.access_token), initialize_request("2025-06-18"));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  json expected = {{"jsonrpc", "2.0"},
                   {"id", 1},
                   {"result",
                    {{"protocolVersion", "2025-06-18"},
                     {"capabilities", {{"tools", json::object()}}},
                     {"serverInfo", {{"name", "reference-server"}, {"version", "1"}}}}}};
  EXPECT_EQ(json::parse(res->body), expected);
  std::string session = res->get_header_value("Mcp-Session-Id");
  EXPECT_GE(session.size(), 43u);
  EXPECT_TRUE(oauth::base64url_decode(session)) << session;

  for (const char* version : {"2025-03-26", "2025-11-25", "2026-07-28"}) {
    res = post(*ref.http, bearer(grant.access_token), initialize_request(version));
    EXPECT_EQ(json::parse(res->body)["result"]["protocolVersion"], version);
  }
  res = post(*ref.http, bearer(grant.access_token), initialize_request("1999-01-01"));
  EXPECT_EQ(json::parse(res->body)["result"]["protocolVersion"], "2026-07-28");
  EXPECT_NE(res->get_header_value("Mcp-Session-Id"), session);
}

TEST(ReferenceMcpProtocol, Messages) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto headers = bearer(grant.access_token);

  auto res = post(*ref.http, headers, request(7, "ping"));
  EXPECT_EQ(json::parse(res->body),
            (json{{"jsonrpc", "2.0"}, {"id", 7}, {"result", json::object()}}));

  res = post(*ref.http, headers, request(2, "tools/list"));
  json tools = json::parse(res->body)["result"]["tools"];
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(tools[0]["name"], "echo");
  EXPECT_EQ(tools[0]["inputSchema"],
            (json{{"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}}));
  EXPECT_EQ(tools[1]["name"], "admin_report");
  EXPECT_TRUE(tools[1].contains("description"));

  res = post(*ref.http, headers, call_tool("echo", {{"text", "x"}}));
  EXPECT_EQ(json::parse(res->body)["result"],
            (json{{"content", {{{"type", "text"}, {"text", "x"}}}}}));

  res = post(*ref.http, headers, call_tool("nope"));
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], -32602);
  EXPECT_EQ(json::parse(res->body)["id"], 3);

  res = post(*ref.http, headers, request(4, "resources/list"));
  EXPECT_EQ(json::parse(res->body)["error"]["code"], -32601);

  // String ids are echoed as sent.
  json with_string_id = request(0, "ping");
  with_string_id["id"] = "abc";
  EXPECT_EQ(json::parse(post(*ref.http, headers, with_string_id)->body)["id"], "abc");
}

TEST(ReferenceMcpProtocol, NotificationsAreAccepted) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res = post(*ref.http, bearer(grant.access_token),
                  {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202);
  EXPECT_TRUE(res->body.empty());
}

TEST(ReferenceMcpProtocol, MalformedMessages) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res = ref.http->Post("/mcp", bearer(grant.access_token), "{not json", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body),
            (json{{"jsonrpc", "2.0"},
                  {"id", nullptr},
                  {"error", {{"code", -32700}, {"message", "Parse error"}}}}));

  res = post(*ref.http, bearer(grant.access_token),
             {{"jsonrpc", "1.0"}, {"id", 1}, {"method", "ping"}});
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], -32600);
}

TEST(ReferenceMcpProtocol, MediaTypes) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  const std::string ping = request(1, "ping").dump();
  const httplib::Headers auth = {{"Authorization", "Bearer " + grant.access_token}};

  EXPECT_EQ(ref.http->Post("/mcp", auth, ping, "text/plain")->status, 415);
  EXPECT_EQ(ref.http->Post("/mcp", auth, ping, "application/json; charset=utf-8")->status, 200);

  auto with_accept = [&](const std::string& accept) {
    httplib::Headers headers = auth;
    headers.emplace("Accept", accept);
    return ref.http->Post("/mcp", headers, ping, "application/json")->status;
  };
  EXPECT_EQ(with_accept("text/event-stream"), 406);
  EXPECT_EQ(with_accept("text/html, application/json;q=0"), 406);
  EXPECT_EQ(with_accept(kAccept), 200);
  EXPECT_EQ(with_accept("*/*"), 200);
  EXPECT_EQ(with_accept("application/json"), 200);
  // No Accept at all is tolerated.
  EXPECT_EQ(ref.http->Post("/mcp", auth, ping, "application/json")->status, 200);
}

TEST(ReferenceMcpProtocol, GetHasNoStream) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res = ref.http->Get(
      "/mcp", {{"Authorization", "Bearer " + grant.access_token}, {"Accept", "text/event-stream"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "POST, DELETE");
}

TEST(ReferenceMcpProtocol, OversizedBodyIsRefused) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  json big = call_tool("echo", {{"text", std::string(70 * 1024, 'a')}});
  auto res = post(*ref.http, bearer(grant.access_token), big);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST(ReferenceMcpSession, SessionIdsAreCheckedButNeverCredentials) {
  Reference ref;
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto init = post(*ref.http, bearer(grant.access_token), initialize_request());
  const std::string session = init->get_header_value("Mcp-Session-Id");
  ASSERT_FALSE(session.empty());

  auto with_session = bearer(grant.access_token);
  with_session.emplace("Mcp-Session-Id", session);
  EXPECT_EQ(post(*ref.http, with_session, request(2, "tools/list"))->status, 200);
  // Without a session id: lenient.
  EXPECT_EQ(post(*ref.http, bearer(grant.access_token), request(2, "tools/list"))->status, 200);
  // Unknown session: 404.
  auto unknown = bearer(grant.access_token);
  unknown.emplace("Mcp-Session-Id", oauth::random_base64url(32));
  EXPECT_EQ(post(*ref.http, unknown, request(2, "tools/list"))->status, 404);
  // The session alone authorises nothing.
  auto res =
      post(*ref.http, {{"Mcp-Session-Id", session}, {"Accept", kAccept}}, request(2, "tools/list"));
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), no_credentials_challenge(ref));
  // Another client cannot use it.
  Grant other = obtain_token(*ref.http, "mcp:tools");
  auto foreign = bearer(other.access_token);
  foreign.emplace("Mcp-Session-Id", session);
  EXPECT_EQ(post(*ref.http, foreign, request(2, "tools/list"))->status, 404);
  EXPECT_EQ(ref.http->Delete("/mcp", foreign)->status, 404);

  // DELETE ends it.
  EXPECT_EQ(ref.http->Delete("/mcp", with_session)->status, 200);
  EXPECT_EQ(post(*ref.http, with_session, request(2, "tools/list"))->status, 404);
  EXPECT_EQ(ref.http->Delete("/mcp", with_session)->status, 404);
  EXPECT_EQ(ref.http->Delete("/mcp", bearer(grant.access_token))->status, 400);
}

// ---- MCP endpoint faults ----

TEST(ReferenceMcpFaults, OpenInitialize) {
  Reference ref({Fault::McpOpenInitialize});
  auto res = post(*ref.http, {{"Accept", kAccept}}, initialize_request());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->get_header_value("Mcp-Session-Id").empty());
  EXPECT_EQ(post(*ref.http, {{"Accept", kAccept}}, request(2, "tools/list"))->status, 401);
  EXPECT_EQ(post(*ref.http, bearer("unknown"), initialize_request())->status, 401);
}

TEST(ReferenceMcpFaults, ChallengeRepeatedParam) {
  Reference ref({Fault::McpChallengeRepeatedParam});
  auto res = post(*ref.http, {{"Accept", kAccept}}, initialize_request());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), "Bearer resource_metadata=\"" + ref.metadata_url() +
                                "\", scope=\"mcp:tools\", scope=\"mcp:tools\"");
}

TEST(ReferenceMcpFaults, NoResourceMetadata) {
  Reference ref({Fault::McpNoResourceMetadata});
  EXPECT_EQ(challenge(post(*ref.http, {}, initialize_request())), "Bearer scope=\"mcp:tools\"");
  EXPECT_EQ(challenge(post(*ref.http, bearer("unknown"), initialize_request())),
            "Bearer error=\"invalid_token\", error_description=\"the access token is unknown, "
            "expired or revoked\"");
  EXPECT_EQ(challenge(post(*ref.http, {{"Authorization", "Bearer"}}, initialize_request())),
            "Bearer error=\"invalid_request\", error_description=\"the bearer token is empty\"");
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  EXPECT_EQ(challenge(post(*ref.http, bearer(grant.access_token), call_tool("admin_report"))),
            "Bearer error=\"insufficient_scope\", scope=\"mcp:admin\", error_description=\"this "
            "operation needs the scope mcp:admin\"");
  EXPECT_EQ(ref.http->Get(kPrmPath)->status, 200);
}

TEST(ReferenceMcpFaults, ChallengeNoScope) {
  Reference ref({Fault::McpChallengeNoScope});
  auto res = post(*ref.http, {}, initialize_request());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), "Bearer resource_metadata=\"" + ref.metadata_url() + "\"");
}

TEST(ReferenceMcpFaults, ErrorCodeWithoutCredentials) {
  Reference ref({Fault::Mcp401ErrorCode});
  auto res = post(*ref.http, {}, initialize_request());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), "Bearer error=\"invalid_token\", resource_metadata=\"" +
                                ref.metadata_url() + "\", scope=\"mcp:tools\"");
}

TEST(ReferenceMcpFaults, UnknownToken500) {
  Reference ref({Fault::McpUnknownToken500});
  auto res = post(*ref.http, bearer("unknown"), initialize_request());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_FALSE(res->has_header("WWW-Authenticate"));
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  EXPECT_EQ(post(*ref.http, bearer(grant.access_token), initialize_request())->status, 200);
  EXPECT_EQ(post(*ref.http, {}, initialize_request())->status, 401);
}

TEST(ReferenceMcpFaults, QueryTokenAccepted) {
  Reference ref({Fault::McpQueryTokenAccepted});
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res = post(*ref.http, {{"Accept", kAccept}}, initialize_request(),
                  "/mcp?access_token=" + grant.access_token);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(post(*ref.http, {}, initialize_request())->status, 401);
}

TEST(ReferenceMcpFaults, SchemeCaseSensitive) {
  Reference ref({Fault::McpSchemeCaseSensitive});
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res =
      post(*ref.http, {{"Authorization", "bearer " + grant.access_token}}, initialize_request());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), no_credentials_challenge(ref));
  EXPECT_EQ(post(*ref.http, bearer(grant.access_token), initialize_request())->status, 200);
}

TEST(ReferenceMcpFaults, ToolsListUnauthorized) {
  Reference ref({Fault::McpToolsListUnauthorized});
  Grant grant = obtain_token(*ref.http, "mcp:admin");
  auto res = post(*ref.http, bearer(grant.access_token), request(2, "tools/list"));
  EXPECT_EQ(res->status, 401);
  EXPECT_TRUE(challenge(res).starts_with("Bearer error=\"invalid_token\"")) << challenge(res);
  EXPECT_EQ(post(*ref.http, bearer(grant.access_token), initialize_request())->status, 200);
  EXPECT_EQ(post(*ref.http, bearer(grant.access_token), call_tool("echo", {{"text", "x"}}))->status,
            200);
}

TEST(ReferenceMcpFaults, SessionIsCredential) {
  Reference ref({Fault::McpSessionIsCredential});
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto init = post(*ref.http, bearer(grant.access_token), initialize_request());
  const std::string session = init->get_header_value("Mcp-Session-Id");
  auto res = post(*ref.http, {{"Mcp-Session-Id", session}}, request(2, "tools/list"));
  EXPECT_EQ(res->status, 200);
  // The creator's scopes come along: still no admin tool.
  EXPECT_EQ(post(*ref.http, {{"Mcp-Session-Id", session}}, call_tool("admin_report"))->status, 403);
  EXPECT_EQ(post(*ref.http, {{"Mcp-Session-Id", "unknown"}}, request(2, "tools/list"))->status,
            401);
}

TEST(ReferenceMcpFaults, InsufficientScope401) {
  Reference ref({Fault::McpInsufficientScope401});
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto res = post(*ref.http, bearer(grant.access_token), call_tool("admin_report"));
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(challenge(res), "Bearer error=\"invalid_token\", scope=\"mcp:admin\", "
                            "resource_metadata=\"" +
                                ref.metadata_url() +
                                "\", error_description=\"this operation needs the scope "
                                "mcp:admin\"");
}

TEST(ReferenceMcpFaults, MalformedAuth500) {
  Reference ref({Fault::McpMalformedAuth500});
  Grant grant = obtain_token(*ref.http, "mcp:tools");
  auto empty = post(*ref.http, {{"Authorization", "Bearer"}}, initialize_request());
  EXPECT_EQ(empty->status, 500);
  EXPECT_FALSE(empty->has_header("WWW-Authenticate"));
  httplib::Headers twice = {{"Authorization", "Bearer " + grant.access_token},
                            {"Authorization", "Bearer " + grant.access_token}};
  EXPECT_EQ(post(*ref.http, twice, initialize_request())->status, 500);
  EXPECT_EQ(post(*ref.http, bearer(grant.access_token), initialize_request())->status, 200);
}

TEST(ReferenceMcpFaults, ScopeHierarchyIgnored) {
  Reference ref({Fault::McpScopeHierarchyIgnored});
  Grant admin = obtain_token(*ref.http, "mcp:admin");
  for (const json& message : {initialize_request(), request(2, "tools/list")}) {
    auto res = post(*ref.http, bearer(admin.access_token), message);
    EXPECT_EQ(res->status, 403);
    EXPECT_EQ(challenge(res), insufficient_scope_challenge(ref, "mcp:tools"));
  }
  EXPECT_EQ(post(*ref.http, bearer(admin.access_token), call_tool("admin_report"))->status, 200);
  Grant both = obtain_token(*ref.http, "mcp:tools mcp:admin");
  EXPECT_EQ(post(*ref.http, bearer(both.access_token), request(2, "tools/list"))->status, 200);
}

TEST(ReferenceMcpFaults, EveryFaultIsInTheTable) {
  for (const char* name : {"mcp-open-initialize",       "mcp-challenge-repeated-param",
                           "mcp-no-resource-metadata",  "prm-empty-member",
                           "prm-header-only",           "prm-resource-trailing-slash",
                           "prm-query-bearer-method",   "prm-issuer-mismatch",
                           "mcp-challenge-no-scope",    "mcp-401-error-code",
                           "mcp-unknown-token-500",     "mcp-audience-unchecked",
                           "resource-case-sensitive",   "mcp-query-token-accepted",
                           "mcp-scheme-case-sensitive", "mcp-tools-list-unauthorized",
                           "mcp-session-is-credential", "mcp-insufficient-scope-401",
                           "mcp-malformed-auth-500",    "mcp-scope-hierarchy-ignored"})
    EXPECT_TRUE(fault_from_name(name)) << name;
}

} // namespace
