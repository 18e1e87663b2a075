// The error_description text every error response carries, restricted to the character set
// OAuth allows there (with the error-description-unicode fault applied).
#pragma once

#include "options.h"

#include <string>
#include <string_view>

namespace refserver {

// `text` with every character outside the error_description set (printable ASCII without `"`
// and `\`) replaced by '?', so untrusted input quoted in a message cannot break the rule. Under
// the error-description-unicode fault the result is wrapped in curly quotes and a backslash.
std::string error_description(const ServerOptions& options, std::string_view text);

} // namespace refserver
