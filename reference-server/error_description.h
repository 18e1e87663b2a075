// The error_description text every error response carries, restricted to the character set
// OAuth allows there (with the error-description-unicode fault applied), how a response carries it
// at all (the error-description-omitted and error-description-empty variants), and the error_uri
// of the error-uri-given variant.
#pragma once

#include "http_response.h"
#include "options.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace refserver {

// `text` with every character outside the error_description set (printable ASCII without `"`
// and `\`) replaced by '?', so untrusted input quoted in a message cannot break the rule. Under
// the error-description-unicode fault the result is wrapped in curly quotes and a backslash.
std::string error_description(const ServerOptions& options, std::string_view text);

// The error_description member of a response that would carry `value`: nullopt (leave the member
// out) when `value` is empty or under error-description-omitted, "" under error-description-empty,
// otherwise `value` itself.
std::optional<std::string> error_description_member(const ServerOptions& options,
                                                    std::string value);

// Appends error_description=`value` to `params` (a redirect's query, a challenge's auth-params) as
// error_description_member() decides.
void add_error_description(const ServerOptions& options,
                           std::vector<std::pair<std::string, std::string>>& params,
                           std::string value);

// json_error() with the description carried as error_description_member() decides; `description`
// is passed as the endpoint has always sent it (through error_description() or not).
HttpResponse json_error(const ServerOptions& options, int status, std::string_view error,
                        std::string_view description);

// The error_uri of the error-uri-given variant: the /errors page of the server at `base_url` (a
// trailing slash, as an issuer may have, is ignored), anchored at the error code.
std::string error_uri(std::string_view base_url, std::string_view error);

// The /errors page those URIs point at (only served under error-uri-given): one entry per error
// code the server sends, each with an id the URI's fragment names.
HttpResponse error_codes_page(const ServerOptions& options);

} // namespace refserver
