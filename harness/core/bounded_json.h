// JSON from the network with a bounded nesting depth. nlohmann's parser is iterative, but
// copying, comparing, dumping and walking a document recurse once per level: a 10 KB body of
// nested brackets would overflow the stack. Every JSON the harness or the reference server
// parses from outside goes through here, so deeper documents are refused before they exist.
// Shared by the harness and the reference server: pure, no I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace oauth {

// Far deeper than any OAuth, OIDC or MCP message (metadata and JSON-RPC nest a handful of
// levels; tool input schemas a few dozen at most), far shallower than what hurts a stack.
inline constexpr int kMaxJsonDepth = 128;

// The deepest nesting of arrays and objects in `text`, counted lexically (strings skipped,
// nothing allocated), in one pass; it stops at the first level beyond `limit` and returns
// limit + 1 then. Text that is not JSON still gets a number; parsing judges validity.
int json_nesting_depth(std::string_view text, int limit = kMaxJsonDepth);

inline bool json_too_deep(std::string_view text, int limit = kMaxJsonDepth) {
  return json_nesting_depth(text, limit) > limit;
}

// Parses `text` without exceptions: a discarded value (is_discarded()) when it is not JSON or
// nests deeper than `limit`.
template <class Json = nlohmann::json>
Json parse_bounded_json(std::string_view text, int limit = kMaxJsonDepth) {
  if (json_too_deep(text, limit)) return Json(Json::value_t::discarded);
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// A sentence for a finding or an error: "nested deeper than 128 levels".
std::string json_depth_refusal(int limit = kMaxJsonDepth);

} // namespace oauth
