// Small ASCII text helpers for protocol tokens (header names, media types, schemes).
// Shared by the harness and the reference server: pure, no I/O.
#pragma once

#include <string>
#include <string_view>

namespace oauth {

std::string ascii_lower(std::string_view text);
// Without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view text);
bool iequals(std::string_view a, std::string_view b);

} // namespace oauth
