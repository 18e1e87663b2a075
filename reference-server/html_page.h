// HTML pages the server renders itself (error, login and consent pages): one plain layout, and
// headers that forbid framing (clickjacking), loading anything external, leaking the URL through
// Referer, and caching.
#pragma once

#include "http_response.h"
#include "options.h"

#include <string>
#include <string_view>

namespace refserver {

// A complete page around `body_html`, which the caller has already escaped. `form_action` lists
// extra CSP sources a form on the page may end up at: browsers check form-action against every
// redirect that follows a submission, so a consent page must allow the client's redirect URI.
// `options` carries the page faults (no-frame-protection, page-loads-third-party).
HttpResponse html_page(const ServerOptions& options, int status, std::string_view title,
                       std::string_view body_html, std::string_view form_action = {});

// An error page showing `title` and `detail`, both escaped.
HttpResponse html_error_page(const ServerOptions& options, int status, std::string_view title,
                             std::string_view detail);

// A CSP source expression covering where `uri` points (its origin for http and https, else its
// scheme), or empty when no safe expression can be formed.
std::string csp_source_for(std::string_view uri);

} // namespace refserver
