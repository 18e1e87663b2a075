// error_description sanitising (OAuth 2.1 §3.2.4, §4.1.2.1; RFC 6749 §5.2, §4.1.2.1).
#include "error_description.h"

namespace refserver {
namespace {

// The set OAuth defines for error_description: %x20-21 / %x23-5B / %x5D-7E.
bool allowed(char c) {
  return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

} // namespace

std::string error_description(const ServerOptions& options, std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    out += allowed(c) ? c : '?';
  // The fault: typographic quotes U+201C/U+201D (UTF-8 bytes) and a backslash, as a server
  // formatting its messages for humans might produce.
  if (options.has(Fault::ErrorDescriptionUnicode)) out = "\xe2\x80\x9c" + out + "\xe2\x80\x9d \\";
  return out;
}

} // namespace refserver
