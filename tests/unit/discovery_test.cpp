// Discovery candidates: the MCP order for root and path issuers (REQUIREMENTS.md META-02).
#include "oauth/discovery.h"

#include <gtest/gtest.h>

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

} // namespace
