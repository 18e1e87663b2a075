#include "oauth/profile.h"

namespace conformance {

std::string_view profile_name(Profile profile) {
  switch (profile) {
  case Profile::OAuth21:
    return "oauth2.1";
  case Profile::Mcp20250326:
    return "mcp-2025-03-26";
  case Profile::Mcp20250618:
    return "mcp-2025-06-18";
  case Profile::Mcp20251125:
    return "mcp-2025-11-25";
  case Profile::Mcp20260728:
    return "mcp-2026-07-28";
  }
  return "mcp-2026-07-28";
}

std::optional<Profile> parse_profile(std::string_view name) {
  for (Profile p : kAllProfiles)
    if (profile_name(p) == name) return p;
  return std::nullopt;
}

std::string profile_names() {
  std::string out;
  for (Profile p : kAllProfiles)
    out += (out.empty() ? "" : ", ") + std::string(profile_name(p));
  return out;
}

std::string_view mcp_protocol_version_for(Profile profile) {
  if (profile == Profile::OAuth21) return "2025-11-25";
  return profile_name(profile).substr(4); // "mcp-2025-06-18" -> "2025-06-18"
}

} // namespace conformance
