#include "http/http_client.h"

#include "core/bounded_json.h"
#include "core/text.h"
#include "http/curl_transfer.h"
#include "http/redaction.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <thread>

namespace conformance {
namespace {

using oauth::trim;
std::string lower(std::string_view s) {
  return oauth::ascii_lower(s);
}

std::atomic<long> rate_limited{0};

bool is_rate_limited(const HttpResponse& r) {
  return r.status == 429 || (r.status == 503 && r.header("retry-after"));
}

// A non-negative whole number of seconds, or nullopt.
std::optional<long long> seconds_in(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(std::string(text));
}

// How long the server asks the client to wait: Retry-After as seconds or an HTTP date (RFC 9110
// §10.2.3), else the reset of the RateLimit headers (draft-ietf-httpapi-ratelimit-headers: a
// RateLimit-Reset of seconds, or a reset/t parameter of RateLimit).
std::optional<std::chrono::seconds> requested_wait(const HttpResponse& r) {
  if (auto after = r.header("retry-after")) {
    if (auto s = seconds_in(*after)) return std::chrono::seconds(*s);
    std::tm tm{};
    if (strptime(std::string(trim(*after)).c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
      long long delta = static_cast<long long>(timegm(&tm)) - std::time(nullptr);
      return std::chrono::seconds(std::max(0LL, delta));
    }
  }
  if (auto reset = r.header("ratelimit-reset"))
    if (auto s = seconds_in(*reset)) return std::chrono::seconds(*s);
  if (auto policy = r.header("ratelimit"))
    for (std::string_view key : {"reset=", "t="}) {
      size_t at = policy->find(key);
      if (at == std::string::npos || (at > 0 && std::isalnum(static_cast<unsigned char>(
                                                    (*policy)[at - 1]))))
        continue;
      std::string_view rest = std::string_view(*policy).substr(at + key.size());
      if (auto s = seconds_in(rest.substr(0, rest.find_first_of(",;"))))
        return std::chrono::seconds(*s);
    }
  return std::nullopt;
}

// The rate limit as the server stated it, for messages.
std::string rate_limit_policy(const HttpResponse& r) {
  std::string out;
  for (const char* name : {"Retry-After", "RateLimit", "RateLimit-Policy", "RateLimit-Reset"})
    if (auto v = r.header(name)) out += std::string(out.empty() ? "" : ", ") + name + ": " + *v;
  return out.empty() ? "no Retry-After or RateLimit header" : out;
}

// The origin of `url` in one spelling (lower case, no default port), so that two URLs of one
// server count as one: "" when it is not a URL.
std::string server_key(std::string_view url) {
  auto parts = oauth::parse_url(url);
  if (!parts || parts->host.empty()) return "";
  std::string scheme = lower(parts->scheme), host = lower(parts->host);
  bool default_port = (scheme == "https" && parts->port == "443") ||
                      (scheme == "http" && parts->port == "80");
  return scheme + "://" + host + (parts->port.empty() || default_port ? "" : ":" + parts->port);
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

} // namespace

long rate_limited_responses() {
  return rate_limited.load();
}

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
  auto doc = oauth::parse_bounded_json(body);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

std::string HttpResponse::json_refusal() const {
  return oauth::json_too_deep(body) ? oauth::json_depth_refusal() : std::string();
}

std::string HttpResponse::summary() const {
  if (!transport_error.empty()) return "no response (" + transport_error + ")";
  std::string out = "HTTP " + std::to_string(status);
  std::string type = media_type();
  if (!type.empty()) out += " " + type;
  // A message that says "not JSON" of a body a reader sees is JSON needs the reason.
  if (std::string why = json_refusal(); !why.empty()) out += " (" + why + ")";
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

void HttpClient::add_server_origin(const std::string& url) {
  std::string key = server_key(url);
  if (!key.empty() && !options_.server_origins.empty() && !is_server_origin(key))
    options_.server_origins.push_back(key);
}

bool HttpClient::is_server_origin(const std::string& key) const {
  const auto& origins = options_.server_origins;
  return origins.empty() ||
         std::any_of(origins.begin(), origins.end(),
                     [&](const std::string& o) { return server_key(o) == key; });
}

HttpResponse HttpClient::send(const HttpRequest& request, CookieJar* jar) {
  std::string origin = server_key(request.url);
  if (!is_server_origin(origin)) return transfer(request, jar, /*foreign=*/true);
  ServerState& server = servers_[origin];
  if (!server.stopped.empty()) throw HttpGiveUp(server.stopped);
  HttpRequest sent = request;
  sent.headers.insert(sent.headers.end(), options_.extra_headers.begin(),
                      options_.extra_headers.end());
  auto wait_for_pace = [&] {
    if (options_.pace.count() > 0 && server.last_request.time_since_epoch().count() > 0)
      std::this_thread::sleep_until(server.last_request + options_.pace);
    server.last_request = std::chrono::steady_clock::now();
  };
  wait_for_pace();
  HttpResponse response = transfer(sent, jar);

  // A rate limit is not the server's answer to the conformance question: wait it out once.
  if (is_rate_limited(response)) {
    ++rate_limited;
    auto wait = requested_wait(response);
    if (wait && *wait > options_.max_wait)
      throw HttpGiveUp("the server rate-limited the harness (" + response.summary() + ", " +
                       rate_limit_policy(response) + "): it asks to wait " +
                       std::to_string(wait->count()) + " s, beyond --max-wait " +
                       std::to_string(options_.max_wait.count()) + " s");
    std::this_thread::sleep_for(wait.value_or(std::chrono::seconds(1)));
    wait_for_pace();
    response = transfer(sent, jar);
    if (is_rate_limited(response)) {
      ++rate_limited;
      throw HttpGiveUp("the server rate-limited the harness again after the wait it asked for (" +
                       response.summary() + ", " + rate_limit_policy(response) + ")");
    }
  }

  // A server that stopped answering ends every later check at once, not after its timeout each.
  if (!response.answered() && !response.body_truncated) {
    if (options_.give_up_after_failures > 0 && server.answered &&
        ++server.failures_in_a_row >= options_.give_up_after_failures) {
      // Only this request may have been dropped (a gateway resetting a hostile one): a GET the
      // server answered before tells the two apart.
      std::string probed;
      if (!server.probe_url.empty()) {
        wait_for_pace();
        HttpResponse probe =
            transfer({"GET", server.probe_url, options_.extra_headers, ""}, nullptr);
        if (probe.answered()) {
          server.failures_in_a_row = 0;
          return response;
        }
        probed = "; a GET of " + server.probe_url + ", answered earlier, went unanswered too: " +
                 probe.transport_error;
      }
      std::string during = evidence_sink() ? evidence_sink()->where() : "";
      server.stopped = "the server stopped answering at " + now_utc() +
                       (during.empty() ? "" : ", during " + during) + " (" +
                       response.transport_error + probed + ")";
      throw HttpGiveUp(server.stopped);
    }
  } else {
    server.failures_in_a_row = 0;
    server.answered = true;
    if (server.probe_url.empty() && request.method == "GET" && response.status < 500)
      server.probe_url = request.url;
  }
  return response;
}

namespace {

// "a=1; b=2" (a Cookie header): each value may be a session credential.
void remember_cookie_values(std::string_view header) {
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find(';', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view pair = header.substr(start, end - start);
    if (size_t eq = pair.find('='); eq != std::string_view::npos)
      redactor().add_possible_secret(oauth::trim(pair.substr(eq + 1)));
    start = end + 1;
  }
}

std::string unbracketed(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return oauth::ascii_lower(host);
}

bool host_is_allowed(const HttpOptions& options, const std::string& url) {
  auto parts = oauth::parse_url(url);
  if (!parts) return false;
  std::string host = unbracketed(parts->host);
  return std::any_of(options.allowed_hosts.begin(), options.allowed_hosts.end(),
                     [&](const std::string& allowed) { return unbracketed(allowed) == host; });
}

} // namespace

HttpResponse HttpClient::transfer(const HttpRequest& request, CookieJar* jar, bool foreign) {
  // The client's own handle starts clean each time; a jar's handle keeps its cookies, so every
  // option below is set explicitly rather than relying on a reset.
  CURL* curl = static_cast<CURL*>(jar ? jar->handle() : handle_);
  if (!jar) curl_easy_reset(curl);
  // Whatever credential goes out is a secret before any answer can echo it: a Bearer token, a
  // Basic credential exactly as encoded (base64 of the client's id and secret), a cookie. A
  // check's deliberately wrong one ("Bearer x") is no secret, hence the credential-sized floor.
  for (const auto& [name, value] : request.headers) {
    if (oauth::iequals(name, "authorization") || oauth::iequals(name, "proxy-authorization")) {
      size_t space = value.find(' ');
      redactor().add_possible_secret(
          oauth::trim(space == std::string::npos ? value : value.substr(space)));
    } else if (oauth::iequals(name, "cookie")) {
      remember_cookie_values(value);
    }
  }
  CurlTransfer transfer;
  if (options_.guard_addresses)
    transfer.guard_addresses(options_.permitted_address_kinds.get(),
                             host_is_allowed(options_, request.url));
  transfer.prepare(curl, request, options_);
  auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(curl);
  HttpResponse response = transfer.finish(
      curl, rc,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());

  // Session cookies are credentials: their values are hidden wherever a server echoes them,
  // not only in the Cookie and Set-Cookie headers. A browser keeps some 180 cookies per site
  // (RFC 6265 §6.1 asks for at least 50) and drops the rest, so those few are what a session
  // can carry; a server that sets thousands per answer does not make each one a secret.
  constexpr size_t kCookiesKept = 180;
  size_t cookies = 0;
  for (const auto& value : response.headers_named("set-cookie")) {
    if (++cookies > kCookiesKept) break;
    size_t eq = value.find('=');
    size_t end = value.find(';');
    if (eq != std::string::npos && eq < end)
      redactor().add_possible_secret(oauth::trim(value.substr(eq + 1, end - eq - 1)));
  }

  Exchange exchange;
  exchange.method = request.method;
  exchange.url = request.url;
  exchange.request_headers = request.headers;
  exchange.request_body = request.body;
  exchange.status = response.status;
  exchange.response_headers = response.headers;
  // Another origin's answer (an upstream identity provider, or wherever a hostile server sent
  // the harness) is not the servers' evidence: its status, headers and URL are kept, not its body.
  if (foreign && !options_.server_origins.empty() && !response.body.empty())
    exchange.response_body = "[" + std::to_string(response.body.size()) +
                             "-byte body from " + oauth::origin_of(request.url).value_or("?") +
                             " not kept: only the servers under test's bodies go into reports]";
  else
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
