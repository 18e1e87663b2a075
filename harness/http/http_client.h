// The one HTTP client (DESIGN.md convention 6): libcurl easy API, never follows
// redirects, a timeout and a body cap on every request, and every exchange
// recorded as redacted evidence on the running check.
#pragma once

#include "core/url.h"
#include "http/evidence.h"

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace conformance {

struct HttpOptions {
  std::chrono::milliseconds timeout{10'000};
  size_t max_body_bytes = 1024 * 1024;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HeaderList headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;     // 0 when no response arrived
  HeaderList headers; // names lower-cased, in arrival order
  std::string body;
  bool body_truncated = false; // the server sent more than max_body_bytes
  std::string transport_error; // connection refused, timeout, TLS, body cap...
  double duration_ms = 0;

  bool answered() const { return transport_error.empty() && status != 0; }
  std::optional<std::string> header(std::string_view name) const; // first one, case-insensitive
  std::vector<std::string> headers_named(std::string_view name) const;
  // The media type without parameters, lower-cased ("application/json").
  std::string media_type() const;
  bool is_json_media_type() const; // application/json or +json
  bool is_html_media_type() const; // text/html or application/xhtml+xml
  // True when any Cache-Control header carries `directive` (e.g. "no-store"), case-insensitively.
  bool has_cache_directive(std::string_view directive) const;
  // The body parsed as JSON (any media type); nullopt when it does not parse.
  std::optional<nlohmann::json> json() const;
  bool is_redirect() const { return status >= 300 && status < 400; }
  // One line for messages: "HTTP 400 application/json" or the transport error.
  std::string summary() const;
};

// Cookies for one user agent (a browser session), on libcurl's cookie engine: the jar
// owns a connection handle of its own whose cookies nothing else sees.
class CookieJar {
public:
  CookieJar();
  ~CookieJar();
  CookieJar(const CookieJar&) = delete;
  CookieJar& operator=(const CookieJar&) = delete;
  void* handle() const { return handle_; }

private:
  void* handle_; // CURL* with the cookie engine on; never reset, or the cookies would go
};

class HttpClient {
public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const HttpOptions& options() const { return options_; }

  HttpResponse send(const HttpRequest& request, CookieJar* jar = nullptr);
  HttpResponse get(const std::string& url, HeaderList headers = {}, CookieJar* jar = nullptr);
  HttpResponse post_form(const std::string& url, const oauth::Params& form, HeaderList headers = {},
                         CookieJar* jar = nullptr);
  HttpResponse post_json(const std::string& url, const nlohmann::json& body,
                         HeaderList headers = {});

private:
  HttpOptions options_;
  void* handle_; // CURL*, reused so connections stay alive between requests
};

} // namespace conformance
