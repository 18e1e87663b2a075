// Parameter rules shared by the authorization and token endpoints.
#include "request_params.h"

#include <string_view>
#include <unordered_set>

namespace refserver {

oauth::Params drop_empty(const oauth::Params& params) {
  oauth::Params out;
  out.reserve(params.size());
  for (const auto& p : params)
    if (!p.second.empty()) out.push_back(p);
  return out;
}

std::optional<std::string> repeated_parameter(const oauth::Params& params) {
  std::unordered_set<std::string_view> seen;
  for (const auto& [name, value] : params)
    if (name != "resource" && !seen.insert(name).second) return name;
  return std::nullopt;
}

} // namespace refserver
