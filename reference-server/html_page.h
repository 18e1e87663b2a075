// HTML pages the server renders itself (error, login and consent pages): one plain layout, and
// headers that forbid framing (clickjacking), loading anything external, leaking the URL through
// Referer, and caching.
#pragma once

#include "http_response.h"
#include "options.h"

#include <optional>
#include <string>
#include <string_view>

namespace refserver {

// What a page rendered by a script (--login-spa) adds to the layout: <main> gets id="app" for
// the script to render into, the script at `src` (a path on this server) is loaded, and the CSP
// lets scripts come from 'self' and lets them fetch from 'self' and `connect_extra`.
struct PageScript {
  std::string_view src;
  std::string_view connect_extra; // one more CSP source for connect-src, or empty
};

// A complete page around `body_html`, which the caller has already escaped. `form_action` lists
// extra CSP sources a form on the page may end up at: browsers check form-action against every
// redirect that follows a submission, so a consent page must allow the client's redirect URI.
// `options` carries the page faults (no-frame-protection, page-loads-third-party).
HttpResponse html_page(const ServerOptions& options, int status, std::string_view title,
                       std::string_view body_html, std::string_view form_action = {},
                       const std::optional<PageScript>& script = std::nullopt);

// An error page showing `title` and `detail`, both escaped.
HttpResponse html_error_page(const ServerOptions& options, int status, std::string_view title,
                             std::string_view detail);

// A CSP source expression covering where `uri` points (its origin for http and https, else its
// scheme), or empty when no safe expression can be formed.
std::string csp_source_for(std::string_view uri);

} // namespace refserver
