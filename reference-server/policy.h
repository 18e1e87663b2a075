// Fixed policy of the reference server: the scopes it knows, the default scope and the test user
// that the auto-approving authorization endpoint signs in.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace refserver {

inline constexpr std::array<std::string_view, 3> kSupportedScopes = {"mcp:tools", "mcp:admin",
                                                                     "offline_access"};
inline constexpr std::string_view kDefaultScope = "mcp:tools";
inline constexpr std::string_view kTestSubject = "alice";

inline bool is_supported_scope(std::string_view scope) {
  return std::find(kSupportedScopes.begin(), kSupportedScopes.end(), scope) !=
         kSupportedScopes.end();
}

// Scope values are space-delimited (RFC 6749 §3.3). Runs of spaces are tolerated and repeated
// values collapse, keeping first-seen order.
inline std::vector<std::string> split_scope(std::string_view scope) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < scope.size()) {
    size_t end = scope.find(' ', pos);
    if (end == std::string_view::npos) end = scope.size();
    std::string value(scope.substr(pos, end - pos));
    if (!value.empty() && std::find(out.begin(), out.end(), value) == out.end())
      out.push_back(std::move(value));
    pos = end + 1;
  }
  return out;
}

inline std::string join_scope(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) {
    if (!out.empty()) out += ' ';
    out += v;
  }
  return out;
}

} // namespace refserver
