// Fixed policy of the reference server: the scopes it knows, the default scope and the test user
// that the auto-approving authorization endpoint signs in.
#pragma once

#include "core/scope.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace refserver {

inline constexpr std::array<std::string_view, 3> kSupportedScopes = {"mcp:tools", "mcp:admin",
                                                                     "offline_access"};
inline constexpr std::string_view kDefaultScope = "mcp:tools";
inline constexpr std::string_view kTestSubject = "alice";

// The protected MCP endpoint's path; its canonical resource URI is the base URL plus this path
// (MCP authorization, canonical server URI: no trailing slash).
inline constexpr std::string_view kMcpPath = "/mcp";
inline std::string mcp_resource(std::string_view base_url) {
  return std::string(base_url) + std::string(kMcpPath);
}
// Scopes the MCP endpoint knows: kMcpBaseScope for initialize and tools/list, kMcpAdminScope for
// the admin_report tool. The admin scope includes the base scope (a scope hierarchy, MCP
// 2026-07-28 authorization §11.1.2).
// Whether two resource identifiers name the same resource: scheme and host compare
// case-insensitively (RFC 3986 §6.2.2.1; MCP asks implementations to accept upper-case scheme and
// host), the rest exactly, so a trailing slash or a different path is another resource.
inline bool same_resource(std::string_view a, std::string_view b) {
  auto split = [](std::string_view uri) {
    size_t scheme_end = uri.find("://");
    size_t authority_end =
        scheme_end == std::string_view::npos ? 0 : uri.find_first_of("/?#", scheme_end + 3);
    if (authority_end == std::string_view::npos) authority_end = uri.size();
    return std::pair<std::string_view, std::string_view>{uri.substr(0, authority_end),
                                                         uri.substr(authority_end)};
  };
  auto [a_head, a_rest] = split(a);
  auto [b_head, b_rest] = split(b);
  return a_rest == b_rest && a_head.size() == b_head.size() &&
         std::equal(a_head.begin(), a_head.end(), b_head.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

inline constexpr std::string_view kMcpBaseScope = "mcp:tools";
inline constexpr std::string_view kMcpAdminScope = "mcp:admin";

inline bool is_supported_scope(std::string_view scope) {
  return std::find(kSupportedScopes.begin(), kSupportedScopes.end(), scope) !=
         kSupportedScopes.end();
}

using oauth::join_scope;
using oauth::split_scope;

} // namespace refserver
