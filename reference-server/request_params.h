// Rules shared by the authorization and token endpoints for decoded request parameters.
#pragma once

#include "core/url.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace refserver {

// OAuth 2.1 §3.1: a parameter sent without a value counts as absent.
oauth::Params drop_empty(const oauth::Params& params);
// Whether drop_empty would drop anything; when not, callers can keep reading `params` itself
// instead of paying for a copy of every name and value.
bool has_empty_value(const oauth::Params& params);

// The first value of parameter `name`, like oauth::first_param but without copying it; null
// when absent. Valid as long as `params` is.
const std::string* find_param(const oauth::Params& params, std::string_view name);

// The first parameter name that occurs more than once (RFC 6749 §3.1, §3.2), if any. `resource`
// may repeat (RFC 8707 §2). Linear in the number of parameters, so a long query cannot stall a
// worker.
std::optional<std::string> repeated_parameter(const oauth::Params& params);

// The longest parameter name or value accepted, in bytes. Nothing legitimate comes near it
// (verifiers stop at 128 characters), and it bounds what a request can make the server store.
inline constexpr size_t kMaxParameterBytes = 4096;

// Why the decoded parameters cannot be processed, if they cannot: a name or value that is not
// valid UTF-8 (e.g. a stray %FF) or longer than kMaxParameterBytes.
std::optional<std::string> malformed_parameters(const oauth::Params& params);

bool is_valid_utf8(std::string_view text);

// RFC 8707 §2: a resource indicator is an absolute URI without a fragment.
bool is_valid_resource(std::string_view value);

} // namespace refserver
