// Cookie header parsing for the login pages, kept here so the services stay transport-neutral.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace refserver {

// The value of cookie `name` in a Cookie request header ("a=1; b=2"), if present. Names are
// case-sensitive (RFC 6265 §5.4); the first occurrence wins.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

} // namespace refserver
