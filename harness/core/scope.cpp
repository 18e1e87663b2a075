#include "core/scope.h"

#include <algorithm>

namespace oauth {

std::vector<std::string> split_scope(std::string_view scope) {
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

std::string join_scope(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values)
    out += (out.empty() ? "" : " ") + v;
  return out;
}

} // namespace oauth
