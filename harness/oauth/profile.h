// Profiles (DESIGN.md "Profile"): which specification versions a run applies. A catalogue row
// whose level changes between versions takes it from the profile, and the MCP client offers the
// profile's protocol version.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace conformance {

enum class Profile { OAuth21, Mcp20250326, Mcp20250618, Mcp20251125, Mcp20260728 };

inline constexpr std::array<Profile, 5> kAllProfiles = {Profile::OAuth21, Profile::Mcp20250326,
                                                        Profile::Mcp20250618, Profile::Mcp20251125,
                                                        Profile::Mcp20260728};
inline constexpr Profile kDefaultProfile = Profile::Mcp20260728;

// The spelling used by --profile, the config file and suites/requirements.json: "oauth2.1",
// "mcp-2025-03-26", ...
std::string_view profile_name(Profile profile);
std::optional<Profile> parse_profile(std::string_view name);
// "oauth2.1, mcp-2025-03-26, ..." for messages and --help.
std::string profile_names();

// The MCP protocol version a client offers in initialize: the profile's own version, or the
// 2025-11-25 one for the plain OAuth 2.1 profile, which names none.
std::string_view mcp_protocol_version_for(Profile profile);

} // namespace conformance
