// Cookie header parsing (RFC 6265 §4.2.1, §5.4).
#include "cookies.h"

#include "core/text.h"

namespace refserver {

std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name) {
  size_t pos = 0;
  while (pos <= cookie_header.size()) {
    size_t end = cookie_header.find(';', pos);
    if (end == std::string_view::npos) end = cookie_header.size();
    std::string_view pair = oauth::trim(cookie_header.substr(pos, end - pos));
    size_t equals = pair.find('=');
    if (equals != std::string_view::npos && oauth::trim(pair.substr(0, equals)) == name) {
      std::string_view value = oauth::trim(pair.substr(equals + 1));
      // A quoted value is allowed by the cookie-value grammar; the quotes are not part of it.
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return std::string(value);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

} // namespace refserver
