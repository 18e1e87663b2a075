#include "utf8_text.h"

namespace conformance {

std::size_t utf8_sequence(std::string_view s, std::uint32_t* code_point) {
  if (s.empty()) return 0;
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(0);
  std::size_t len;
  std::uint32_t cp;
  // The second byte's range excludes overlong forms, surrogates and values past U+10FFFF
  // (RFC 3629 §4), so no decoded value needs checking afterwards.
  unsigned lo = 0x80, hi = 0xBF;
  if (b0 < 0x80) {
    len = 1, cp = b0;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  if (len > 1 && (byte(1) < lo || byte(1) > hi)) return 0;
  for (std::size_t i = 1; i < len; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (code_point) *code_point = cp;
  return len;
}

std::string_view utf8_prefix(std::string_view s, std::size_t cap) {
  if (s.size() <= cap) return s;
  std::size_t end = cap;
  // Step back over continuation bytes so the last character stays whole.
  for (int k = 0; k < 3 && end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80; ++k)
    --end;
  return s.substr(0, end);
}

std::string_view markup_entity(std::uint32_t code_point) {
  switch (code_point) {
  case '&':
    return "&amp;";
  case '<':
    return "&lt;";
  case '>':
    return "&gt;";
  case '"':
    return "&quot;";
  case '\'':
    return "&#39;";
  default:
    return {};
  }
}

} // namespace conformance
