// The reference server's token lifecycle after the code exchange: refresh (rotation, reuse
// detection, scope and resource rules), introspection (RFC 7662), revocation (RFC 7009) and
// resource indicators (RFC 8707), clean and under each of the faults that break them. Every test
// speaks HTTP to an in-process server.
#include "core/base64url.h"
#include "core/pkce.h"
#include "core/url.h"
#include "server.h"

#include <chrono>
#include <gtest/gtest.h>
#include <httplib.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace {

using namespace refserver;
using nlohmann::json;

constexpr const char* kRedirect = "http://127.0.0.1/callback";
constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kIntrospectionToken = "resource-server-introspection-token";

struct Registered {
  std::string id;
  std::string secret; // empty for a public client
};

struct Tokens {
  int status = 0;
  json body; // the parsed response, or null
  std::string access() const { return body.value("access_token", ""); }
  std::string refresh() const { return body.value("refresh_token", ""); }
};

// One in-process reference server and the requests the tests make of it.
class Lifecycle {
public:
  explicit Lifecycle(std::set<Fault> faults = {}) : Lifecycle(options_with(std::move(faults))) {}
  explicit Lifecycle(const ServerOptions& options) {
    server_ = std::make_unique<ReferenceServer>(options);
    server_->start();
    http_ = std::make_unique<httplib::Client>(server_->base_url());
    http_->set_follow_location(false);
    introspector_ = register_client(true);
  }

  static ServerOptions options_with(std::set<Fault> faults) {
    ServerOptions options;
    options.faults = std::move(faults);
    options.introspection_token = kIntrospectionToken;
    return options;
  }

  std::string base() const { return server_->base_url(); }
  std::string mcp() const { return base() + "/mcp"; }
  httplib::Client& http() { return *http_; }
  const Registered& introspector() const { return introspector_; }

  Registered register_client(bool confidential) {
    json doc = {{"redirect_uris", {kRedirect}},
                {"grant_types", {"authorization_code", "refresh_token"}},
                {"token_endpoint_auth_method", confidential ? "client_secret_basic" : "none"}};
    auto res = http_->Post("/register", doc.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
    if (!res || res->status != 201) return {};
    json body = json::parse(res->body);
    return {body.value("client_id", ""), body.value("client_secret", "")};
  }

  static httplib::Headers basic(const Registered& client, const std::string& secret) {
    return {
        {"Authorization", "Basic " + oauth::base64_encode(oauth::percent_encode(client.id) + ":" +
                                                          oauth::percent_encode(secret))}};
  }
  // How `client` authenticates: HTTP Basic when confidential, client_id in the body when public.
  static httplib::Headers credentials(const Registered& client, oauth::Params& form) {
    if (client.secret.empty()) {
      form.emplace_back("client_id", client.id);
      return {};
    }
    return basic(client, client.secret);
  }

  httplib::Result post(const std::string& path, const oauth::Params& form,
                       const httplib::Headers& headers = {}) {
    return http_->Post(path, headers, oauth::form_encode(form), kForm);
  }

  // A code for `client` (auto-approved as alice); `extra` adds e.g. scope or resource.
  std::string authorize(const Registered& client, const std::string& verifier,
                        const oauth::Params& extra = {}) {
    auto res = authorize_raw(client, verifier, extra);
    if (!res || res->status != 302) return "";
    auto parts = oauth::parse_url(res->get_header_value("Location"));
    if (!parts) return "";
    return oauth::first_param(oauth::parse_form(parts->query), "code").value_or("");
  }

  httplib::Result authorize_raw(const Registered& client, const std::string& verifier,
                                const oauth::Params& extra) {
    oauth::Params params = {
        {"response_type", "code"},         {"client_id", client.id},
        {"redirect_uri", kRedirect},       {"code_challenge", oauth::s256_challenge(verifier)},
        {"code_challenge_method", "S256"}, {"state", "s1"}};
    params.insert(params.end(), extra.begin(), extra.end());
    return http_->Get("/authorize?" + oauth::form_encode(params));
  }

  Tokens redeem(const Registered& client, const std::string& code, const std::string& verifier,
                const oauth::Params& extra = {}) {
    oauth::Params form = {{"grant_type", "authorization_code"},
                          {"code", code},
                          {"redirect_uri", kRedirect},
                          {"code_verifier", verifier}};
    form.insert(form.end(), extra.begin(), extra.end());
    httplib::Headers headers = credentials(client, form);
    return tokens(post("/token", form, headers));
  }

  // A full code flow.
  Tokens flow(const Registered& client, const oauth::Params& authorize_extra = {},
              const oauth::Params& token_extra = {}) {
    const std::string verifier = oauth::make_code_verifier();
    std::string code = authorize(client, verifier, authorize_extra);
    EXPECT_FALSE(code.empty());
    return redeem(client, code, verifier, token_extra);
  }

  Tokens refresh(const Registered& client, const std::string& refresh_token,
                 const oauth::Params& extra = {}) {
    oauth::Params form = {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
    form.insert(form.end(), extra.begin(), extra.end());
    httplib::Headers headers = credentials(client, form);
    return tokens(post("/token", form, headers));
  }
  httplib::Result refresh_raw(const Registered& client, const std::string& refresh_token) {
    oauth::Params form = {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
    httplib::Headers headers = credentials(client, form);
    return post("/token", form, headers);
  }

  // Introspection by the registered confidential introspector.
  httplib::Result introspect_raw(const std::string& token, const oauth::Params& extra = {}) {
    oauth::Params form = {{"token", token}};
    form.insert(form.end(), extra.begin(), extra.end());
    return post("/introspect", form, basic(introspector_, introspector_.secret));
  }
  json introspect(const std::string& token, const oauth::Params& extra = {}) {
    auto res = introspect_raw(token, extra);
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
    if (!res || res->status != 200) return json();
    return json::parse(res->body);
  }
  bool active(const std::string& token) { return introspect(token).value("active", false); }

  httplib::Result revoke(const Registered& client, const std::string& token,
                         const oauth::Params& extra = {}) {
    oauth::Params form = {{"token", token}};
    form.insert(form.end(), extra.begin(), extra.end());
    httplib::Headers headers = credentials(client, form);
    return post("/revoke", form, headers);
  }

private:
  static Tokens tokens(const httplib::Result& res) {
    Tokens out;
    if (!res) return out;
    out.status = res->status;
    out.body = json::parse(res->body, nullptr, false);
    return out;
  }

  std::unique_ptr<ReferenceServer> server_;
  std::unique_ptr<httplib::Client> http_;
  Registered introspector_;
};

// ---- metadata ----

TEST(ReferenceTokenLifecycleMetadata, AdvertisesIntrospectionAndRevocation) {
  Lifecycle s;
  auto res = s.http().Get("/.well-known/oauth-authorization-server");
  ASSERT_TRUE(res && res->status == 200);
  json doc = json::parse(res->body);
  EXPECT_EQ(doc.value("introspection_endpoint", ""), s.base() + "/introspect");
  EXPECT_EQ(doc.value("revocation_endpoint", ""), s.base() + "/revoke");
  EXPECT_EQ(doc["introspection_endpoint_auth_methods_supported"],
            json({"client_secret_basic", "client_secret_post"}));
  EXPECT_EQ(doc["revocation_endpoint_auth_methods_supported"],
            json({"none", "client_secret_basic", "client_secret_post"}));
  EXPECT_FALSE(doc.contains("userinfo_endpoint"));
}

TEST(ReferenceTokenLifecycleMetadata, DeadEndpointFaultAdvertisesUnservedUserinfo) {
  Lifecycle s({Fault::MetadataDeadEndpoint});
  json doc = json::parse(s.http().Get("/.well-known/oauth-authorization-server")->body);
  EXPECT_EQ(doc.value("userinfo_endpoint", ""), s.base() + "/userinfo");
  EXPECT_EQ(doc.value("revocation_endpoint", ""), s.base() + "/revoke");
  EXPECT_EQ(s.http().Get("/userinfo")->status, 404);
}

TEST(ReferenceTokenLifecycleMetadata, OtherMethodsAre405) {
  Lifecycle s;
  for (const char* path : {"/introspect", "/revoke"}) {
    auto res = s.http().Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405) << path;
    EXPECT_EQ(res->get_header_value("Allow"), "POST") << path;
  }
}

// ---- refresh tokens ----

TEST(ReferenceTokenLifecycleRefresh, RotatesAndDetectsReuse) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens first = s.flow(client);
  ASSERT_EQ(first.status, 200) << first.body;
  Tokens second = s.refresh(client, first.refresh());
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_NE(second.refresh(), first.refresh());
  EXPECT_EQ(second.body.value("token_type", ""), "Bearer");
  EXPECT_TRUE(s.active(second.refresh()));
  EXPECT_FALSE(s.active(first.refresh())) << "rotated out";

  // RFC 9700 §4.14.2: the replay is refused and the whole family revoked.
  Tokens replay = s.refresh(client, first.refresh());
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(replay.body.value("error", ""), "invalid_grant");
  EXPECT_FALSE(s.active(second.refresh()));
  EXPECT_FALSE(s.active(second.access()));
  EXPECT_FALSE(s.active(first.access()));
}

TEST(ReferenceTokenLifecycleRefresh, ResponseIsNotCacheable) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens first = s.flow(client);
  auto res = s.refresh_raw(client, first.refresh());
  ASSERT_TRUE(res && res->status == 200);
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
}

TEST(ReferenceTokenLifecycleRefresh, ScopeNarrowsForTheAccessTokenOnly) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens first = s.flow(client, {{"scope", "mcp:tools mcp:admin"}});
  ASSERT_EQ(first.status, 200);
  Tokens narrow = s.refresh(client, first.refresh(), {{"scope", "mcp:tools"}});
  ASSERT_EQ(narrow.status, 200) << narrow.body;
  EXPECT_EQ(narrow.body.value("scope", ""), "mcp:tools");
  EXPECT_EQ(s.introspect(narrow.refresh()).value("scope", ""), "mcp:tools mcp:admin");
  Tokens again = s.refresh(client, narrow.refresh());
  EXPECT_EQ(again.body.value("scope", ""), "mcp:tools mcp:admin");

  Tokens wider = s.refresh(client, again.refresh(), {{"scope", "mcp:tools offline_access"}});
  EXPECT_EQ(wider.status, 400);
  EXPECT_EQ(wider.body.value("error", ""), "invalid_scope");
}

TEST(ReferenceTokenLifecycleRefresh, BoundToClient) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Registered other = s.register_client(false);
  Tokens first = s.flow(client);
  Tokens stolen = s.refresh(other, first.refresh());
  EXPECT_EQ(stolen.status, 400);
  EXPECT_EQ(stolen.body.value("error", ""), "invalid_grant");
  EXPECT_EQ(s.refresh(client, first.refresh()).status, 200) << "a refused attempt rotates nothing";
}

TEST(ReferenceTokenLifecycleRefresh, ConfidentialClientRefreshes) {
  Lifecycle s;
  Registered client = s.register_client(true);
  Tokens first = s.flow(client);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(s.refresh(client, first.refresh()).status, 200);
}

TEST(ReferenceTokenLifecycleRefreshFaults, ResponseCacheable) {
  Lifecycle s({Fault::RefreshResponseCacheable});
  Registered client = s.register_client(false);
  auto verifier = oauth::make_code_verifier();
  oauth::Params form = {{"grant_type", "authorization_code"},
                        {"code", s.authorize(client, verifier)},
                        {"code_verifier", verifier},
                        {"client_id", client.id}};
  auto code_res = s.post("/token", form);
  ASSERT_TRUE(code_res && code_res->status == 200);
  EXPECT_EQ(code_res->get_header_value("Cache-Control"), "no-store") << "code grant unchanged";
  auto res = s.refresh_raw(client, json::parse(code_res->body).value("refresh_token", ""));
  ASSERT_TRUE(res && res->status == 200);
  EXPECT_FALSE(res->has_header("Cache-Control"));
}

TEST(ReferenceTokenLifecycleRefreshFaults, NotRotated) {
  Lifecycle s({Fault::RefreshNotRotated});
  Registered client = s.register_client(false);
  Tokens first = s.flow(client);
  Tokens second = s.refresh(client, first.refresh());
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.refresh(), first.refresh());
  EXPECT_TRUE(s.active(first.refresh()));
  EXPECT_EQ(s.refresh(client, first.refresh()).status, 200);
}

TEST(ReferenceTokenLifecycleRefreshFaults, ReuseAllowed) {
  Lifecycle s({Fault::RefreshReuseAllowed});
  Registered client = s.register_client(false);
  Tokens first = s.flow(client);
  Tokens second = s.refresh(client, first.refresh());
  ASSERT_EQ(second.status, 200);
  EXPECT_NE(second.refresh(), first.refresh());
  Tokens replay = s.refresh(client, first.refresh());
  EXPECT_EQ(replay.status, 200);
  EXPECT_NE(replay.refresh(), second.refresh());
  EXPECT_EQ(s.refresh(client, second.refresh()).status, 200);
}

TEST(ReferenceTokenLifecycleRefreshFaults, ReuseNotRevoking) {
  Lifecycle s({Fault::RefreshReuseNotRevoking});
  Registered client = s.register_client(false);
  Tokens first = s.flow(client);
  Tokens second = s.refresh(client, first.refresh());
  Tokens replay = s.refresh(client, first.refresh());
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(replay.body.value("error", ""), "invalid_grant");
  EXPECT_TRUE(s.active(second.access()));
  EXPECT_EQ(s.refresh(client, second.refresh()).status, 200);
}

TEST(ReferenceTokenLifecycleRefreshFaults, ScopeWidening) {
  Lifecycle s({Fault::RefreshScopeWidening});
  Registered client = s.register_client(false);
  Tokens first = s.flow(client);
  Tokens wider = s.refresh(client, first.refresh(), {{"scope", "mcp:tools mcp:admin"}});
  ASSERT_EQ(wider.status, 200) << wider.body;
  EXPECT_EQ(wider.body.value("scope", ""), "mcp:tools mcp:admin");
  EXPECT_EQ(s.refresh(client, wider.refresh(), {{"scope", "no-such-scope"}}).status, 400);
}

TEST(ReferenceTokenLifecycleRefreshFaults, NarrowingSticks) {
  Lifecycle s({Fault::RefreshNarrowingSticks});
  Registered client = s.register_client(false);
  Tokens first = s.flow(client, {{"scope", "mcp:tools mcp:admin"}});
  Tokens narrow = s.refresh(client, first.refresh(), {{"scope", "mcp:tools"}});
  ASSERT_EQ(narrow.status, 200);
  Tokens again = s.refresh(client, narrow.refresh());
  EXPECT_EQ(again.body.value("scope", ""), "mcp:tools");
}

TEST(ReferenceTokenLifecycleRefreshFaults, NotBoundToClient) {
  Lifecycle s({Fault::RefreshNotBoundToClient});
  Registered client = s.register_client(false);
  Registered other = s.register_client(false);
  Tokens first = s.flow(client);
  Tokens stolen = s.refresh(other, first.refresh());
  EXPECT_EQ(stolen.status, 200) << stolen.body;
}

// ---- resource indicators ----

TEST(ReferenceTokenLifecycleResource, DefaultAudienceIsTheMcpEndpoint) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  EXPECT_EQ(s.introspect(t.access()).value("aud", ""), s.mcp());
  EXPECT_EQ(s.introspect(t.refresh()).value("aud", ""), s.mcp());
}

TEST(ReferenceTokenLifecycleResource, TokenRequestNarrowsTheAudience) {
  Lifecycle s;
  Registered client = s.register_client(false);
  const std::string other = "https://other.example/api";
  Tokens t = s.flow(client, {{"resource", s.mcp()}, {"resource", other}}, {{"resource", other}});
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(s.introspect(t.access()).value("aud", ""), other);
  EXPECT_EQ(s.introspect(t.refresh())["aud"], json({s.mcp(), other}));

  // A refresh names any subset of the grant's resources, or gets them all.
  Tokens both = s.refresh(client, t.refresh());
  EXPECT_EQ(s.introspect(both.access())["aud"], json({s.mcp(), other}));
  // Scheme and host compare case-insensitively (RFC 3986 §6.2.2.1).
  std::string upper = s.mcp();
  upper.replace(0, 4, "HTTP");
  Tokens one = s.refresh(client, both.refresh(), {{"resource", upper}});
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(s.introspect(one.access()).value("aud", ""), upper);
}

TEST(ReferenceTokenLifecycleResource, TokenRequestOutsideTheAuthorizationIsInvalidTarget) {
  Lifecycle s;
  Registered client = s.register_client(false);
  const std::string verifier = oauth::make_code_verifier();
  std::string code = s.authorize(client, verifier, {{"resource", s.mcp()}});
  Tokens refused = s.redeem(client, code, verifier, {{"resource", s.mcp() + "/"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body.value("error", ""), "invalid_target");
  // The refusal did not use the code up.
  Tokens ok = s.redeem(client, code, verifier, {{"resource", s.mcp()}});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST(ReferenceTokenLifecycleResource, CodeWithoutResourceAcceptsAnyValidResource) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens t = s.flow(client, {}, {{"resource", "https://api.example/"}});
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(s.introspect(t.access()).value("aud", ""), "https://api.example/");
  EXPECT_EQ(s.introspect(t.refresh()).value("aud", ""), s.mcp());
}

TEST(ReferenceTokenLifecycleResource, InvalidResourceIsInvalidTarget) {
  Lifecycle s;
  Registered client = s.register_client(false);
  for (const char* bad : {"no-scheme", "https://api.example/#frag"}) {
    auto res = s.authorize_raw(client, oauth::make_code_verifier(), {{"resource", bad}});
    ASSERT_TRUE(res && res->status == 302);
    EXPECT_NE(res->get_header_value("Location").find("error=invalid_target"), std::string::npos);
    Tokens t = s.flow(client, {}, {{"resource", bad}});
    EXPECT_EQ(t.status, 400) << bad;
    EXPECT_EQ(t.body.value("error", ""), "invalid_target");
  }
}

TEST(ReferenceTokenLifecycleResource, RefreshOutsideTheGrantIsInvalidTarget) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens t = s.flow(client, {{"resource", s.mcp()}});
  Tokens refused = s.refresh(client, t.refresh(), {{"resource", "https://other.example/"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body.value("error", ""), "invalid_target");
  EXPECT_EQ(s.refresh(client, t.refresh()).status, 200) << "the refusal rotated nothing";
}

TEST(ReferenceTokenLifecycleResourceFaults, RefreshResourceUnchecked) {
  Lifecycle s({Fault::RefreshResourceUnchecked});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client, {{"resource", s.mcp()}});
  Tokens other = s.refresh(client, t.refresh(), {{"resource", "https://other.example/"}});
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_EQ(s.introspect(other.access()).value("aud", ""), "https://other.example/");
}

TEST(ReferenceTokenLifecycleResourceFaults, ResourceRejected) {
  Lifecycle s({Fault::ResourceRejected});
  Registered client = s.register_client(false);
  auto res = s.authorize_raw(client, oauth::make_code_verifier(), {{"resource", s.mcp()}});
  ASSERT_TRUE(res && res->status == 302);
  EXPECT_NE(res->get_header_value("Location").find("error=invalid_target"), std::string::npos);
  Tokens t = s.flow(client, {}, {{"resource", s.mcp()}});
  EXPECT_EQ(t.status, 400);
  EXPECT_EQ(t.body.value("error", ""), "invalid_target");
  EXPECT_EQ(s.flow(client).status, 200) << "without resource the flow works";
}

TEST(ReferenceTokenLifecycleResourceFaults, ResourceUnvalidated) {
  Lifecycle s({Fault::ResourceUnvalidated});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client, {{"resource", "no-scheme"}}, {{"resource", "no-scheme"}});
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(s.introspect(t.access()).value("aud", ""), "no-scheme");
  Tokens f = s.flow(client, {}, {{"resource", "https://api.example/#frag"}});
  EXPECT_EQ(f.status, 200) << f.body;
}

TEST(ReferenceTokenLifecycleResourceFaults, AudienceUnbound) {
  Lifecycle s({Fault::AudienceUnbound});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client, {{"resource", "https://api.example/"}},
                    {{"resource", "https://elsewhere.example/"}});
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(s.introspect(t.access()).value("aud", ""), s.mcp());
  Tokens r = s.refresh(client, t.refresh(), {{"resource", "https://third.example/"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(s.introspect(r.access()).value("aud", ""), s.mcp());
}

// ---- introspection ----

TEST(ReferenceTokenLifecycleIntrospection, ActiveAccessToken) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens t = s.flow(client, {{"scope", "mcp:tools"}});
  auto res = s.introspect_raw(t.access());
  ASSERT_TRUE(res && res->status == 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  json body = json::parse(res->body);
  EXPECT_EQ(body["active"], true);
  EXPECT_EQ(body["scope"], "mcp:tools");
  EXPECT_EQ(body["client_id"], client.id);
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["sub"], "alice");
  EXPECT_EQ(body["aud"], s.mcp());
  EXPECT_EQ(body["iss"], s.base());
  ASSERT_TRUE(body["exp"].is_number_integer());
  ASSERT_TRUE(body["iat"].is_number_integer());
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  EXPECT_NEAR(body["iat"].get<long long>(), now, 5);
  EXPECT_NEAR(body["exp"].get<long long>(), now + 3600, 5);
}

TEST(ReferenceTokenLifecycleIntrospection, ActiveRefreshTokenWhateverTheHint) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  for (const char* hint : {"", "access_token", "refresh_token", "bogus"}) {
    json body = s.introspect(t.refresh(), {{"token_type_hint", hint}});
    EXPECT_EQ(body["active"], true) << hint;
    EXPECT_EQ(body["token_type"], "refresh_token") << hint;
    json access = s.introspect(t.access(), {{"token_type_hint", hint}});
    EXPECT_EQ(access["active"], true) << hint;
    EXPECT_EQ(access["token_type"], "Bearer") << hint;
  }
}

TEST(ReferenceTokenLifecycleIntrospection, InactiveIsOnlyActiveFalse) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  ASSERT_EQ(s.revoke(client, t.refresh())->status, 200);
  for (const std::string& token : {std::string("unknown-token"), t.access(), t.refresh()}) {
    auto res = s.introspect_raw(token);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, R"({"active":false})");
  }
}

TEST(ReferenceTokenLifecycleIntrospection, ExpiredTokenIsInactive) {
  ServerOptions options = Lifecycle::options_with({});
  options.access_token_lifetime = std::chrono::seconds(1);
  Lifecycle s(options);
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  EXPECT_EQ(s.introspect(t.access())["active"], true);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(s.introspect(t.access()), json({{"active", false}}));
  EXPECT_EQ(s.introspect(t.refresh())["active"], true) << "the refresh token lives longer";
}

TEST(ReferenceTokenLifecycleIntrospection, RotatedOutRefreshTokenIsInactive) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  ASSERT_EQ(s.refresh(client, t.refresh()).status, 200);
  EXPECT_EQ(s.introspect(t.refresh()), json({{"active", false}}));
}

TEST(ReferenceTokenLifecycleIntrospection, CallerAuthentication) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Registered confidential = s.register_client(true);
  Tokens t = s.flow(client);
  oauth::Params form = {{"token", t.access()}};

  // client_secret_post and the configured bearer token work; any confidential client may ask.
  oauth::Params post_form = form;
  post_form.emplace_back("client_id", confidential.id);
  post_form.emplace_back("client_secret", confidential.secret);
  EXPECT_EQ(s.post("/introspect", post_form)->status, 200);
  auto bearer = s.post("/introspect", form,
                       {{"Authorization", std::string("Bearer ") + kIntrospectionToken}});
  EXPECT_EQ(bearer->status, 200);
  EXPECT_EQ(json::parse(bearer->body)["active"], true);

  auto expect_basic_401 = [&](const httplib::Result& res, const char* what) {
    ASSERT_TRUE(res) << what;
    EXPECT_EQ(res->status, 401) << what;
    EXPECT_EQ(json::parse(res->body).value("error", ""), "invalid_client") << what;
    EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Basic realm=\"reference-server\"")
        << what;
  };
  expect_basic_401(s.post("/introspect", form), "no credentials");
  expect_basic_401(s.post("/introspect", form, Lifecycle::basic(confidential, "wrong")),
                   "wrong secret");
  expect_basic_401(s.post("/introspect", form, Lifecycle::basic({"nobody", "x"}, "x")),
                   "unknown client");
  expect_basic_401(s.post("/introspect", form, Lifecycle::basic(client, "")), "public client");
  oauth::Params public_form = form;
  public_form.emplace_back("client_id", client.id);
  auto pub = s.post("/introspect", public_form);
  EXPECT_EQ(pub->status, 401);
  EXPECT_EQ(json::parse(pub->body).value("error", ""), "invalid_client");

  auto wrong_bearer = s.post("/introspect", form, {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong_bearer->status, 401);
  EXPECT_EQ(wrong_bearer->get_header_value("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(json::parse(wrong_bearer->body).value("error", ""), "invalid_token");
}

TEST(ReferenceTokenLifecycleIntrospection, MalformedRequests) {
  Lifecycle s;
  auto missing =
      s.post("/introspect", {}, Lifecycle::basic(s.introspector(), s.introspector().secret));
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(json::parse(missing->body).value("error", ""), "invalid_request");
  auto json_body =
      s.http().Post("/introspect", Lifecycle::basic(s.introspector(), s.introspector().secret),
                    R"({"token":"x"})", "application/json");
  EXPECT_EQ(json_body->status, 400);
  EXPECT_EQ(json::parse(json_body->body).value("error", ""), "invalid_request");
}

TEST(ReferenceTokenLifecycleIntrospection, BearerDisabledWithoutConfiguredToken) {
  Lifecycle s(ServerOptions{}); // no introspection_token
  auto res = s.post("/introspect", {{"token", "x"}}, {{"Authorization", "Bearer anything"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
}

TEST(ReferenceTokenLifecycleIntrospectionFaults, Open) {
  Lifecycle s({Fault::IntrospectionOpen});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  auto res = s.post("/introspect", {{"token", t.access()}});
  ASSERT_TRUE(res && res->status == 200);
  EXPECT_EQ(json::parse(res->body)["active"], true);
  auto wrong = s.post("/introspect", {{"token", t.access()}}, {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong->status, 200);
}

TEST(ReferenceTokenLifecycleIntrospectionFaults, ActiveString) {
  Lifecycle s({Fault::IntrospectionActiveString});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  EXPECT_EQ(s.introspect(t.access())["active"], "true");
  EXPECT_EQ(s.introspect("unknown")["active"], "false");
}

TEST(ReferenceTokenLifecycleIntrospectionFaults, UnknownError) {
  Lifecycle s({Fault::IntrospectionUnknownError});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  EXPECT_EQ(s.introspect(t.access())["active"], true);
  auto res = s.introspect_raw("unknown");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body), json({{"error", "invalid_token"}}));
}

TEST(ReferenceTokenLifecycleIntrospectionFaults, InactiveVerbose) {
  Lifecycle s({Fault::IntrospectionInactiveVerbose});
  json body = s.introspect("unknown");
  EXPECT_EQ(body["active"], false);
  EXPECT_EQ(body.value("token_type", ""), "Bearer");
  EXPECT_TRUE(body.contains("error_description"));
}

TEST(ReferenceTokenLifecycleIntrospectionFaults, ExpString) {
  Lifecycle s({Fault::IntrospectionExpString});
  Registered client = s.register_client(false);
  json body = s.introspect(s.flow(client).access());
  ASSERT_TRUE(body["exp"].is_string());
  ASSERT_TRUE(body["iat"].is_string());
  EXPECT_GT(std::stoll(body["exp"].get<std::string>()), 1700000000LL);
}

TEST(ReferenceTokenLifecycleIntrospectionFaults, HintStrict) {
  Lifecycle s({Fault::IntrospectionHintStrict});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  EXPECT_EQ(s.introspect(t.refresh(), {{"token_type_hint", "access_token"}})["active"], false);
  EXPECT_EQ(s.introspect(t.access(), {{"token_type_hint", "refresh_token"}})["active"], false);
  EXPECT_EQ(s.introspect(t.refresh(), {{"token_type_hint", "refresh_token"}})["active"], true);
  EXPECT_EQ(s.introspect(t.refresh())["active"], true);
}

// ---- revocation ----

TEST(ReferenceTokenLifecycleRevocation, RefreshTokenRevokesTheGrant) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens first = s.flow(client);
  Tokens second = s.refresh(client, first.refresh());
  auto res = s.revoke(client, second.refresh(), {{"token_type_hint", "refresh_token"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_FALSE(s.active(second.refresh()));
  EXPECT_FALSE(s.active(second.access()));
  EXPECT_FALSE(s.active(first.access()));
  EXPECT_EQ(s.refresh(client, second.refresh()).status, 400);
}

TEST(ReferenceTokenLifecycleRevocation, AccessTokenAlone) {
  Lifecycle s;
  Registered client = s.register_client(true);
  Tokens t = s.flow(client);
  // Hints only order the search: a wrong or unknown one still finds the token.
  auto res = s.revoke(client, t.access(), {{"token_type_hint", "bogus"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(s.active(t.access()));
  EXPECT_TRUE(s.active(t.refresh()));
  Tokens t2 = s.flow(client);
  EXPECT_EQ(s.revoke(client, t2.access(), {{"token_type_hint", "refresh_token"}})->status, 200);
  EXPECT_FALSE(s.active(t2.access()));
}

TEST(ReferenceTokenLifecycleRevocation, UnknownAndRotatedTokensAre200) {
  Lifecycle s;
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  Tokens next = s.refresh(client, t.refresh());
  EXPECT_EQ(s.revoke(client, "unknown-token")->status, 200);
  EXPECT_EQ(s.revoke(client, t.refresh())->status, 200);
  EXPECT_TRUE(s.active(next.refresh())) << "revoking a rotated-out token is a no-op";
}

TEST(ReferenceTokenLifecycleRevocation, OtherClientsTokenIsRefused) {
  Lifecycle s;
  Registered owner = s.register_client(false);
  Registered other = s.register_client(false);
  Tokens t = s.flow(owner);
  for (const std::string& token : {t.access(), t.refresh()}) {
    auto res = s.revoke(other, token);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    json body = json::parse(res->body);
    EXPECT_EQ(body.value("error", ""), "invalid_request");
    EXPECT_EQ(body.value("error_description", ""), "the token was not issued to this client");
  }
  EXPECT_TRUE(s.active(t.access()));
  EXPECT_TRUE(s.active(t.refresh()));
}

TEST(ReferenceTokenLifecycleRevocation, ClientAuthentication) {
  Lifecycle s;
  Registered client = s.register_client(true);
  Tokens t = s.flow(client);
  oauth::Params form = {{"token", t.refresh()}};
  auto wrong = s.post("/revoke", form, Lifecycle::basic(client, "wrong"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(json::parse(wrong->body).value("error", ""), "invalid_client");
  EXPECT_EQ(wrong->get_header_value("WWW-Authenticate"), "Basic realm=\"reference-server\"");
  oauth::Params id_only = form;
  id_only.emplace_back("client_id", client.id);
  auto missing = s.post("/revoke", id_only);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(s.post("/revoke", form)->status, 401);
  EXPECT_TRUE(s.active(t.refresh()));

  oauth::Params post_form = id_only;
  post_form.emplace_back("client_secret", client.secret);
  EXPECT_EQ(s.post("/revoke", post_form)->status, 200);
  EXPECT_FALSE(s.active(t.refresh()));
}

TEST(ReferenceTokenLifecycleRevocation, MalformedRequests) {
  Lifecycle s;
  Registered client = s.register_client(false);
  auto missing = s.post("/revoke", {{"client_id", client.id}});
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(json::parse(missing->body).value("error", ""), "invalid_request");
  auto json_body = s.http().Post("/revoke", R"({"token":"x"})", "application/json");
  EXPECT_EQ(json_body->status, 400);
}

TEST(ReferenceTokenLifecycleRevocationFaults, Ignored) {
  Lifecycle s({Fault::RevocationIgnored});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  EXPECT_EQ(s.revoke(client, t.refresh())->status, 200);
  EXPECT_TRUE(s.active(t.refresh()));
  EXPECT_EQ(s.revoke(client, t.access())->status, 200);
  EXPECT_FALSE(s.active(t.access())) << "access-token revocation still works";
}

TEST(ReferenceTokenLifecycleRevocationFaults, AccessTokensIgnored) {
  Lifecycle s({Fault::RevocationAccessTokensIgnored});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  EXPECT_EQ(s.revoke(client, t.access())->status, 200);
  EXPECT_TRUE(s.active(t.access()));
  EXPECT_EQ(s.revoke(client, t.refresh())->status, 200);
  EXPECT_FALSE(s.active(t.refresh())) << "refresh-token revocation still works";
}

TEST(ReferenceTokenLifecycleRevocationFaults, KeepsAccessTokens) {
  Lifecycle s({Fault::RevocationKeepsAccessTokens});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  EXPECT_EQ(s.revoke(client, t.refresh())->status, 200);
  EXPECT_FALSE(s.active(t.refresh()));
  EXPECT_TRUE(s.active(t.access()));
}

TEST(ReferenceTokenLifecycleRevocationFaults, Unknown400) {
  Lifecycle s({Fault::RevocationUnknown400});
  Registered client = s.register_client(false);
  auto res = s.revoke(client, "unknown-token");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body).value("error", ""), "invalid_request");
  EXPECT_EQ(s.revoke(client, s.flow(client).refresh())->status, 200);
}

TEST(ReferenceTokenLifecycleRevocationFaults, HintStrict) {
  Lifecycle s({Fault::RevocationHintStrict});
  Registered client = s.register_client(false);
  Tokens t = s.flow(client);
  auto res = s.revoke(client, t.refresh(), {{"token_type_hint", "bogus"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body).value("error", ""), "unsupported_token_type");
  EXPECT_TRUE(s.active(t.refresh()));
  EXPECT_EQ(s.revoke(client, t.refresh(), {{"token_type_hint", "access_token"}})->status, 200);
  EXPECT_FALSE(s.active(t.refresh()));
}

TEST(ReferenceTokenLifecycleRevocationFaults, SkipsClientAuth) {
  Lifecycle s({Fault::RevocationSkipsClientAuth});
  Registered client = s.register_client(true);
  Tokens t = s.flow(client);
  auto res = s.post("/revoke", {{"token", t.refresh()}}, Lifecycle::basic(client, "wrong"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(s.active(t.refresh()));
  Tokens t2 = s.flow(client);
  EXPECT_EQ(s.post("/revoke", {{"token", t2.access()}, {"client_id", client.id}})->status, 200);
  EXPECT_FALSE(s.active(t2.access()));
}

TEST(ReferenceTokenLifecycleRevocationFaults, CrossClient) {
  Lifecycle s({Fault::RevocationCrossClient});
  Registered owner = s.register_client(false);
  Registered other = s.register_client(false);
  Tokens t = s.flow(owner);
  EXPECT_EQ(s.revoke(other, t.refresh())->status, 200);
  EXPECT_FALSE(s.active(t.refresh()));
  EXPECT_FALSE(s.active(t.access()));
}

} // namespace
