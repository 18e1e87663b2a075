#include "http_client.h"

#include "redaction.h"
#include "text.h"

#include <algorithm>
#include <chrono>
#include <curl/curl.h>
#include <mutex>

namespace conformance {
namespace {

using oauth::trim;
std::string lower(std::string_view s) {
  return oauth::ascii_lower(s);
}

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  HttpResponse* response;
  size_t cap;
  bool over_cap = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  size_t room = t->cap - std::min(t->cap, t->response->body.size());
  if (n > room) {
    t->response->body.append(data, room);
    t->over_cap = true;
    return 0; // aborts the transfer: a hostile server cannot make us buffer without bound
  }
  t->response->body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear(); // a new status line (e.g. after 100-continue) starts over
    return n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos)
    t->response->headers.emplace_back(lower(trim(line.substr(0, colon))),
                                      std::string(trim(line.substr(colon + 1))));
  return n;
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
  global_init_once();
  handle_ = curl_easy_init();
  curl_easy_setopt(static_cast<CURL*>(handle_), CURLOPT_COOKIEFILE,
                   ""); // cookie engine on, no file
}

CookieJar::~CookieJar() {
  curl_easy_cleanup(static_cast<CURL*>(handle_));
}

HttpClient::HttpClient(HttpOptions options) : options_(options) {
  global_init_once();
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
  HttpResponse response;
  Transfer transfer{&response, options_.max_body_bytes};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L); // redirects are judged, never followed here
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options_.max_body_bytes));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "conformance/0.1 (OAuth 2.1 / MCP harness)");
  // Keep the body exactly as sent: no transparent decompression hides what the server did.
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
  curl_easy_setopt(curl, CURLOPT_NOBODY, 0L);
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "POST" || !request.body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }
  curl_slist* header_list = nullptr;
  bool has_accept = false;
  for (const auto& [name, value] : request.headers) {
    has_accept = has_accept || lower(name) == "accept";
    header_list = curl_slist_append(header_list, (name + ": " + value).c_str());
  }
  if (!has_accept)
    header_list =
        curl_slist_append(header_list, "Accept: application/json, text/html;q=0.9, */*;q=0.5");
  header_list = curl_slist_append(header_list, "Expect:"); // no 100-continue round trip
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);

  auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(curl);
  response.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  if (transfer.over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
    response.body_truncated = true;
    response.transport_error =
        "response body exceeds the " + std::to_string(options_.max_body_bytes) + "-byte cap";
  } else if (rc != CURLE_OK) {
    response.transport_error = curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT)
      response.transport_error =
          "timed out after " + std::to_string(options_.timeout.count()) + " ms";
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(header_list);

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
