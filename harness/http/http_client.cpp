#include "http/http_client.h"

#include "core/text.h"
#include "http/curl_transfer.h"
#include "http/redaction.h"

#include <algorithm>
#include <chrono>

namespace conformance {
namespace {

using oauth::trim;
std::string lower(std::string_view s) {
  return oauth::ascii_lower(s);
}

} // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  std::string key = lower(name);
  for (const auto& [n, v] : headers)
    if (n == key) return v;
  return std::nullopt;
}

std::vector<std::string> HttpResponse::headers_named(std::string_view name) const {
  std::string key = lower(name);
  std::vector<std::string> out;
  for (const auto& [n, v] : headers)
    if (n == key) out.push_back(v);
  return out;
}

std::string HttpResponse::media_type() const {
  std::string type = header("content-type").value_or("");
  return lower(trim(type.substr(0, type.find(';'))));
}

bool HttpResponse::is_json_media_type() const {
  std::string type = media_type();
  return type == "application/json" || (type.size() > 5 && type.ends_with("+json"));
}

bool HttpResponse::is_html_media_type() const {
  std::string type = media_type();
  return type == "text/html" || type == "application/xhtml+xml";
}

bool HttpResponse::has_cache_directive(std::string_view directive) const {
  for (const auto& value : headers_named("cache-control")) {
    size_t start = 0;
    while (start <= value.size()) {
      size_t end = value.find(',', start);
      if (end == std::string::npos) end = value.size();
      std::string_view item = trim(std::string_view(value).substr(start, end - start));
      if (oauth::iequals(item.substr(0, item.find('=')), directive)) return true;
      start = end + 1;
    }
  }
  return false;
}

std::optional<nlohmann::json> HttpResponse::json() const {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

std::string HttpResponse::summary() const {
  if (!transport_error.empty()) return "no response (" + transport_error + ")";
  std::string out = "HTTP " + std::to_string(status);
  std::string type = media_type();
  if (!type.empty()) out += " " + type;
  return out;
}

CookieJar::CookieJar() {
  curl_global_init_once();
  handle_ = curl_easy_init();
  curl_easy_setopt(static_cast<CURL*>(handle_), CURLOPT_COOKIEFILE,
                   ""); // cookie engine on, no file
}

CookieJar::~CookieJar() {
  curl_easy_cleanup(static_cast<CURL*>(handle_));
}

HttpClient::HttpClient(HttpOptions options) : options_(options) {
  curl_global_init_once();
  handle_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(static_cast<CURL*>(handle_));
}

HttpResponse HttpClient::send(const HttpRequest& request, CookieJar* jar) {
  // The client's own handle starts clean each time; a jar's handle keeps its cookies, so every
  // option below is set explicitly rather than relying on a reset.
  CURL* curl = static_cast<CURL*>(jar ? jar->handle() : handle_);
  if (!jar) curl_easy_reset(curl);
  CurlTransfer transfer;
  transfer.prepare(curl, request, options_);
  auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(curl);
  HttpResponse response = transfer.finish(
      curl, rc,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());

  // Session cookies are credentials: their values are hidden wherever a server echoes them,
  // not only in the Cookie and Set-Cookie headers.
  for (const auto& value : response.headers_named("set-cookie")) {
    size_t eq = value.find('=');
    size_t end = value.find(';');
    if (eq != std::string::npos && eq < end)
      redactor().add_secret(oauth::trim(value.substr(eq + 1, end - eq - 1)));
  }

  Exchange exchange;
  exchange.method = request.method;
  exchange.url = request.url;
  exchange.request_headers = request.headers;
  exchange.request_body = request.body;
  exchange.status = response.status;
  exchange.response_headers = response.headers;
  exchange.response_body = response.body;
  exchange.response_truncated = response.body_truncated;
  exchange.transport_error = response.transport_error;
  exchange.duration_ms = response.duration_ms;
  record_exchange(std::move(exchange));
  return response;
}

HttpResponse HttpClient::get(const std::string& url, HeaderList headers, CookieJar* jar) {
  return send({"GET", url, std::move(headers), ""}, jar);
}

HttpResponse HttpClient::post_form(const std::string& url, const oauth::Params& form,
                                   HeaderList headers, CookieJar* jar) {
  headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return send({"POST", url, std::move(headers), oauth::form_encode(form)}, jar);
}

HttpResponse HttpClient::post_json(const std::string& url, const nlohmann::json& body,
                                   HeaderList headers) {
  headers.emplace_back("Content-Type", "application/json");
  return send({"POST", url, std::move(headers), body.dump()});
}

} // namespace conformance
