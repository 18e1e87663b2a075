#include "core/url.h"

#include <curl/curl.h>
#include <memory>

namespace oauth {
namespace {

struct UrlHandleDeleter {
  void operator()(CURLU* h) const { curl_url_cleanup(h); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlHandleDeleter>;

std::optional<std::string> get_part(CURLU* h, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(h, part, &value, 0) != CURLUE_OK) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

constexpr unsigned kParseFlags = CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS;

UrlHandle parse_handle(std::string_view url) {
  UrlHandle h(curl_url());
  if (!h) return nullptr;
  std::string copy(url);
  if (curl_url_set(h.get(), CURLUPART_URL, copy.c_str(), kParseFlags) != CURLUE_OK) return nullptr;
  return h;
}

} // namespace

std::optional<UrlParts> parse_url(std::string_view url) {
  UrlHandle h = parse_handle(url);
  if (!h) return std::nullopt;
  UrlParts parts;
  parts.scheme = get_part(h.get(), CURLUPART_SCHEME).value_or("");
  parts.host = get_part(h.get(), CURLUPART_HOST).value_or("");
  parts.port = get_part(h.get(), CURLUPART_PORT).value_or("");
  parts.path = get_part(h.get(), CURLUPART_PATH).value_or("");
  if (auto q = get_part(h.get(), CURLUPART_QUERY)) {
    parts.query = *q;
    parts.has_query = true;
  }
  if (auto f = get_part(h.get(), CURLUPART_FRAGMENT)) {
    parts.fragment = *f;
    parts.has_fragment = true;
  }
  return parts;
}

std::optional<std::string> resolve_url(std::string_view base, std::string_view reference) {
  UrlHandle h = parse_handle(base);
  if (!h) return std::nullopt;
  std::string ref(reference);
  // Without PATH_AS_IS here: RFC 3986 §5.2 reference resolution removes dot segments.
  if (curl_url_set(h.get(), CURLUPART_URL, ref.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
    return std::nullopt;
  return get_part(h.get(), CURLUPART_URL);
}

std::optional<std::string> origin_of(std::string_view url) {
  auto parts = parse_url(url);
  if (!parts || parts->host.empty()) return std::nullopt;
  std::string origin = parts->scheme + "://" + parts->host;
  if (!parts->port.empty()) origin += ":" + parts->port;
  return origin;
}

std::string percent_encode(std::string_view text) {
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (!escaped) return {};
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string input(text);
  if (plus_is_space)
    for (char& c : input)
      if (c == '+') c = ' ';
  int length = 0;
  char* decoded =
      curl_easy_unescape(nullptr, input.data(), static_cast<int>(input.size()), &length);
  if (!decoded) return input;
  std::string out(decoded, static_cast<size_t>(length));
  curl_free(decoded);
  return out;
}

std::string form_encode(const Params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += percent_encode(name);
    out += '=';
    out += percent_encode(value);
  }
  return out;
}

Params parse_form(std::string_view body) {
  Params out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view name = pair.substr(0, eq);
      std::string_view value =
          eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      out.emplace_back(percent_decode(name, true), percent_decode(value, true));
    }
    start = end + 1;
  }
  return out;
}

std::string append_query(std::string_view url, const Params& params) {
  std::string base(url);
  std::string fragment;
  if (size_t hash = base.find('#'); hash != std::string::npos) {
    fragment = base.substr(hash);
    base.resize(hash);
  }
  std::string encoded = form_encode(params);
  if (!encoded.empty()) {
    // No separator only after an empty query or a trailing '&': a query that merely ends in
    // '?' ("?a?") still needs one, or the first parameter would join its last.
    const size_t question = base.find('?');
    if (question == std::string::npos) base += '?';
    else if (question + 1 != base.size() && base.back() != '&') base += '&';
    base += encoded;
  }
  return base + fragment;
}

std::optional<std::string> first_param(const Params& params, std::string_view name) {
  for (const auto& [n, v] : params)
    if (n == name) return v;
  return std::nullopt;
}

size_t count_param(const Params& params, std::string_view name) {
  size_t n = 0;
  for (const auto& p : params)
    if (p.first == name) ++n;
  return n;
}

bool is_loopback_ip(std::string_view host) {
  if (host == "[::1]" || host == "::1") return true;
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || is_loopback_ip(host);
}

} // namespace oauth
