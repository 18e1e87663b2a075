// Profiles (harness/oauth/profile.h) and the levels the catalogue gives their rows: the MCP
// 2025-03-26 profile is spelt, parsed and offered like the others, and the rows that later
// versions introduced are informational under it (suites/requirements.json profile_levels).
#include "checks/catalogue.h"
#include "oauth/profile.h"

#include <gtest/gtest.h>

namespace {

using conformance::Catalogue;
using conformance::Level;
using conformance::Profile;

TEST(ProfileNames, Mcp20250326IsSpeltParsedAndOffered) {
  EXPECT_EQ(conformance::profile_name(Profile::Mcp20250326), "mcp-2025-03-26");
  EXPECT_EQ(conformance::parse_profile("mcp-2025-03-26"), Profile::Mcp20250326);
  EXPECT_EQ(conformance::mcp_protocol_version_for(Profile::Mcp20250326), "2025-03-26");
  EXPECT_NE(conformance::profile_names().find("mcp-2025-03-26"), std::string::npos);
  for (Profile p : conformance::kAllProfiles)
    EXPECT_EQ(conformance::parse_profile(conformance::profile_name(p)), p);
}

Level level(const char* id, Profile profile) {
  const auto* row = Catalogue::instance().find(id);
  EXPECT_NE(row, nullptr) << id;
  return row ? row->level_for(profile) : Level::Must;
}

TEST(ProfileCatalogue, Meta13IsJudgedOnlyUnder20250326) {
  EXPECT_EQ(level("META-13", Profile::Mcp20250326), Level::Must);
  for (Profile p : conformance::kAllProfiles) {
    if (p != Profile::Mcp20250326) {
      EXPECT_EQ(level("META-13", p), Level::May);
    }
  }
  EXPECT_FALSE(Catalogue::instance().exclusion("META-13")) << "META-13 is judged now";
}

TEST(ProfileCatalogue, LaterMechanismsAreInformationalUnder20250326) {
  // Protected resource metadata and resource indicators (2025-06-18), CIMD and the scope
  // challenge (2025-11-25), iss (2026-07-28).
  for (const char* id : {"PRS-03", "PRS-04", "PRS-05", "PRS-06", "PRS-07", "PRS-08", "RES-01",
                         "RES-05", "CIMD-01", "CIMD-09", "META-10", "PRS-09", "PRS-17", "AUTHZ-10"})
    EXPECT_EQ(level(id, Profile::Mcp20250326), Level::May) << id;
  // What 2025-03-26 itself only recommends.
  for (const char* id : {"RT-02", "META-05", "PRS-12"})
    EXPECT_EQ(level(id, Profile::Mcp20250326), Level::Should) << id;
  // What it requires as every later version does.
  for (const char* id : {"PKCE-02", "PRS-01", "PRS-11", "PRS-16", "META-07", "SEC-05"})
    EXPECT_EQ(level(id, Profile::Mcp20250326), Level::Must) << id;
}

TEST(ProfileCatalogue, CimdIsOptionalBefore20251125ButItsRulesBindWhoeverOffersIt) {
  // Offering CIMD (CIMD-01) and the MCP consent rule (CIMD-09) arrive with 2025-11-25...
  for (Profile p : {Profile::OAuth21, Profile::Mcp20250326, Profile::Mcp20250618}) {
    EXPECT_EQ(level("CIMD-01", p), Level::May) << conformance::profile_name(p);
    EXPECT_EQ(level("CIMD-09", p), Level::May) << conformance::profile_name(p);
  }
  EXPECT_EQ(level("CIMD-01", Profile::Mcp20251125), Level::Should);
  // ...while the draft's own rules apply to any server that advertises support (META-10).
  for (Profile p : conformance::kAllProfiles)
    EXPECT_EQ(level("CIMD-02", p), Level::Must) << conformance::profile_name(p);
}

} // namespace
