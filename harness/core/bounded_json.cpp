#include "core/bounded_json.h"

#include <string>

namespace oauth {

int json_nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
    case '"':
      in_string = true;
      break;
    case '[':
    case '{':
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return limit + 1;
      }
      break;
    case ']':
    case '}':
      if (depth > 0) --depth;
      break;
    default:
      break;
    }
  }
  return deepest;
}

std::string json_depth_refusal(int limit) {
  return "JSON nested deeper than " + std::to_string(limit) + " levels (not parsed)";
}

} // namespace oauth
