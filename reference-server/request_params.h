// Rules shared by the authorization and token endpoints for decoded request parameters.
#pragma once

#include "url.h"

#include <optional>
#include <string>

namespace refserver {

// OAuth 2.1 §3.1: a parameter sent without a value counts as absent.
oauth::Params drop_empty(const oauth::Params& params);

// The first parameter name that occurs more than once (RFC 6749 §3.1, §3.2), if any. `resource`
// may repeat (RFC 8707 §2). Linear in the number of parameters, so a long query cannot stall a
// worker.
std::optional<std::string> repeated_parameter(const oauth::Params& params);

} // namespace refserver
