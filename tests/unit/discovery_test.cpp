// Discovery candidates: the MCP order for root and path issuers (REQUIREMENTS.md META-02), and
// the MCP 2025-03-26 way, from the MCP server's origin with default endpoints (META-13), against
// the reference server and its variant and fault for it.
#include "../fixture_server.h"
#include "oauth/discovery.h"
#include "options.h"
#include "server.h"

#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <set>

namespace {

using conformance::discovery_candidates;
using conformance::WellKnownKind;

TEST(DiscoveryUnit, RootIssuerTriesTwoUrls) {
  auto c = discovery_candidates("https://as.example");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].url, "https://as.example/.well-known/oauth-authorization-server");
  EXPECT_EQ(c[1].url, "https://as.example/.well-known/openid-configuration");
}

TEST(DiscoveryUnit, PathIssuerInsertsThenAppends) {
  auto c = discovery_candidates("https://as.example:8443/tenant/one");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].kind, WellKnownKind::OAuthPathInserted);
  EXPECT_EQ(c[0].url, "https://as.example:8443/.well-known/oauth-authorization-server/tenant/one");
  EXPECT_EQ(c[1].url, "https://as.example:8443/.well-known/openid-configuration/tenant/one");
  EXPECT_EQ(c[2].url, "https://as.example:8443/tenant/one/.well-known/openid-configuration");
}

TEST(DiscoveryUnit, TrailingSlashIsDroppedFirst) {
  EXPECT_EQ(conformance::issuer_from_base_url("https://as.example/t/"), "https://as.example/t");
  EXPECT_EQ(discovery_candidates("https://as.example/").size(), 2u);
}

using conformance::Profile;

TEST(LegacyDiscovery, AuthorizationBaseUrlDropsThePath) {
  EXPECT_EQ(conformance::authorization_base_url("https://api.example/v1/mcp"),
            "https://api.example");
  EXPECT_EQ(conformance::authorization_base_url("http://127.0.0.1:8080/mcp?x=1"),
            "http://127.0.0.1:8080");
}

TEST(LegacyDiscovery, DefaultEndpointMetadataNamesOnlyTheThreeEndpoints) {
  auto doc = conformance::default_endpoint_metadata("https://api.example/");
  EXPECT_EQ(doc.size(), 3u);
  EXPECT_EQ(doc["authorization_endpoint"], "https://api.example/authorize");
  EXPECT_EQ(doc["token_endpoint"], "https://api.example/token");
  EXPECT_EQ(doc["registration_endpoint"], "https://api.example/register");
  EXPECT_FALSE(doc.contains("issuer")) << "no issuer is claimed for the server";
}

// The reference server in this process, with the given variants and faults.
class Reference {
public:
  explicit Reference(std::set<refserver::Variant> variants,
                     std::set<refserver::Fault> faults = {}) {
    refserver::ServerOptions options;
    options.variants = std::move(variants);
    options.faults = std::move(faults);
    server_ = std::make_unique<refserver::ReferenceServer>(options);
    server_->start();
  }
  std::string base() const { return server_->base_url(); }

private:
  std::unique_ptr<refserver::ReferenceServer> server_;
};

TEST(LegacyDiscovery, A404GivesTheDefaultEndpointsUnder20250326Only) {
  Reference server({refserver::Variant::NoMetadataDefaultEndpoints});
  conformance::HttpClient http{conformance::HttpOptions{}};
  auto d = conformance::discover_for_profile(http, server.base(), Profile::Mcp20250326);
  EXPECT_FALSE(d.found());
  ASSERT_TRUE(d.usable()) << d.failure;
  EXPECT_TRUE(d.default_endpoints);
  EXPECT_TRUE(d.metadata_url.empty());
  EXPECT_EQ(d.metadata["token_endpoint"], server.base() + "/token");
  ASSERT_EQ(d.attempts.size(), 1u) << "2025-03-26 clients know only the RFC 8414 URL";
  for (Profile later : {Profile::Mcp20250618, Profile::Mcp20251125, Profile::Mcp20260728})
    EXPECT_FALSE(conformance::discover_for_profile(http, server.base(), later).usable());
  EXPECT_EQ(
      conformance::authorization_server_for_2025_03_26(http, server.base() + "/mcp", std::nullopt),
      server.base());
}

TEST(LegacyDiscovery, OnlyA404FallsBack) {
  FixtureServer broken;
  broken.routes().Get("/.well-known/oauth-authorization-server",
                      [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  broken.start();
  conformance::HttpClient http{conformance::HttpOptions{}};
  auto d = conformance::discover_for_profile(http, broken.url(), Profile::Mcp20250326);
  EXPECT_FALSE(d.usable());
  EXPECT_FALSE(d.failure.empty());
}

TEST(LegacyDiscovery, TheOriginsOwnMetadataComesFirst) {
  Reference server({});
  conformance::HttpClient http{conformance::HttpOptions{}};
  auto d = conformance::discover_for_profile(http, server.base(), Profile::Mcp20250326);
  ASSERT_TRUE(d.found()) << d.failure;
  EXPECT_FALSE(d.default_endpoints);
  EXPECT_EQ(conformance::authorization_server_for_2025_03_26(
                http, server.base() + "/mcp", std::string("https://elsewhere.invalid/as")),
            server.base());
}

TEST(LegacyDiscovery, AServerOffTheOriginIsFoundThroughResourceMetadata) {
  Reference server({}, {refserver::Fault::MetadataNotAtOriginRoot});
  conformance::HttpClient http{conformance::HttpOptions{}};
  std::string listed = server.base() + "/oauth2";
  EXPECT_EQ(conformance::authorization_server_for_2025_03_26(http, server.base() + "/mcp", listed),
            listed);
  auto d = conformance::discover_for_profile(http, listed, Profile::Mcp20250326);
  ASSERT_TRUE(d.found()) << d.failure;
  EXPECT_EQ(d.metadata["token_endpoint"], listed + "/token");
  // What 2025-03-26 clients get at the origin: nothing, and default endpoints that are not there.
  EXPECT_TRUE(conformance::discover_for_profile(http, server.base(), Profile::Mcp20250326)
                  .default_endpoints);
}

} // namespace
