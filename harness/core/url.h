// URL and form helpers on libcurl's curl_url API and escaping.
// Shared by the harness and the reference server: pure, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauth {

// Ordered name/value pairs; duplicates are kept because OAuth judges them.
using Params = std::vector<std::pair<std::string, std::string>>;

struct UrlParts {
  std::string scheme;   // lower-cased by curl
  std::string host;     // as written (IPv6 keeps its brackets)
  std::string port;     // empty when the URL names none
  std::string path;     // raw, dot segments kept
  std::string query;    // raw, without '?'
  std::string fragment; // raw, without '#'
  bool has_query = false;
  bool has_fragment = false;
};

// Parses an absolute URL without normalising its path. Any scheme is accepted.
std::optional<UrlParts> parse_url(std::string_view url);

// Resolves `reference` (absolute or relative, e.g. a Location header) against `base`.
std::optional<std::string> resolve_url(std::string_view base, std::string_view reference);

// scheme://host[:port] of an absolute URL.
std::optional<std::string> origin_of(std::string_view url);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view text);
// Decodes %XX; with `plus_is_space` (form encoding) also '+' -> ' '.
std::string percent_decode(std::string_view text, bool plus_is_space);

// application/x-www-form-urlencoded (also used for query strings we build).
std::string form_encode(const Params& params);
Params parse_form(std::string_view body);

// Appends parameters to a URL's query, keeping an existing query and dropping nothing.
std::string append_query(std::string_view url, const Params& params);

std::optional<std::string> first_param(const Params& params, std::string_view name);
size_t count_param(const Params& params, std::string_view name);

// 127.0.0.0/8, [::1] (RFC 8252 §7.3 loopback IP literals); `localhost` is separate.
bool is_loopback_ip(std::string_view host);
bool is_loopback_host(std::string_view host); // loopback IP or "localhost"

} // namespace oauth
