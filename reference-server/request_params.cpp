// Parameter rules shared by the authorization and token endpoints.
#include "request_params.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
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

bool has_empty_value(const oauth::Params& params) {
  return std::any_of(params.begin(), params.end(), [](const auto& p) { return p.second.empty(); });
}

const std::string* find_param(const oauth::Params& params, std::string_view name) {
  for (const auto& [n, v] : params)
    if (n == name) return &v;
  return nullptr;
}

std::optional<std::string> repeated_parameter(const oauth::Params& params) {
  // A legitimate request has a handful of parameters: comparing each with those before it is
  // cheaper than building a hash set, and the bound keeps the worst case at a few hundred
  // comparisons. Longer lists take the set, which stays linear.
  constexpr size_t kQuadraticLimit = 16;
  if (params.size() <= kQuadraticLimit) {
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string& name = params[i].first;
      if (name == "resource") continue;
      for (size_t j = 0; j < i; ++j)
        if (params[j].first == name) return name;
    }
    return std::nullopt;
  }
  std::unordered_set<std::string_view> seen;
  for (const auto& [name, value] : params)
    if (name != "resource" && !seen.insert(name).second) return name;
  return std::nullopt;
}

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  // Parameters are nearly always ASCII: skip eight bytes at a time while no high bit is set.
  while (text.size() - i >= 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof word);
    if (word & 0x8080808080808080u) break;
    i += 8;
  }
  while (i < text.size()) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    size_t length;
    unsigned char min_second = 0x80, max_second = 0xbf; // ranges from RFC 3629 §4
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) min_second = 0xa0; // overlong
      if (lead == 0xed) max_second = 0x9f; // UTF-16 surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) min_second = 0x90; // overlong
      if (lead == 0xf4) max_second = 0x8f; // above U+10FFFF
    } else {
      return false; // continuation byte, overlong C0/C1 or F5..FF
    }
    if (text.size() - i < length) return false;
    if (byte(i + 1) < min_second || byte(i + 1) > max_second) return false;
    for (size_t k = 2; k < length; ++k)
      if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return false;
    i += length;
  }
  return true;
}

bool is_valid_resource(std::string_view value) {
  auto parts = oauth::parse_url(value);
  return parts && !parts->has_fragment && value.find('#') == std::string_view::npos;
}

std::optional<std::string> malformed_parameters(const oauth::Params& params) {
  for (const auto& [name, value] : params) {
    if (name.size() > kMaxParameterBytes || value.size() > kMaxParameterBytes)
      return "a parameter is longer than " + std::to_string(kMaxParameterBytes) + " bytes";
    if (!is_valid_utf8(name) || !is_valid_utf8(value)) return "a parameter is not valid UTF-8";
  }
  return std::nullopt;
}

} // namespace refserver
