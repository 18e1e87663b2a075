#include "http/curl_transfer.h"

#include "core/special_use_address.h"
#include "core/text.h"
#include "core/url.h"

#include <algorithm>
#include <arpa/inet.h>
#include <mutex>
#include <sys/socket.h>

namespace conformance {

void curl_global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlTransfer::~CurlTransfer() {
  curl_slist_free_all(headers_);
  curl_slist_free_all(resolve_);
}

namespace {

// TLS as the options say. A CA bundle is trusted beside the system's (libcurl's default CA
// directory stays in use), never instead of it.
void set_tls(CURL* curl, const TlsOptions& tls) {
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, tls.insecure ? 0L : 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, tls.insecure ? 0L : 2L);
  if (!tls.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
    if (const char* capath = curl_version_info(CURLVERSION_NOW)->capath)
      curl_easy_setopt(curl, CURLOPT_CAPATH, capath);
  }
  if (!tls.client_cert.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, tls.client_cert.c_str());
  if (!tls.client_key.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, tls.client_key.c_str());
}

// One line that names why TLS failed, in words an operator can act on.
std::string tls_failure(CURL* curl, CURLcode result, const char* detail) {
  long verify = 0;
  curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &verify);
  std::string text = detail && *detail ? detail : curl_easy_strerror(result);
  std::string reason;
  // X509_V_ERR_* values (OpenSSL's x509_vfy.h), the ones operators meet.
  switch (verify) {
  case 2:  // unable to get issuer certificate
  case 19: // self-signed certificate in chain
  case 20: // unable to get local issuer certificate
  case 21: // unable to verify the first certificate
    reason = "unknown issuer: the certificate is not signed by a trusted CA (add it with --cacert)";
    break;
  case 18: // self-signed certificate
    reason = "self-signed certificate (trust it with --cacert)";
    break;
  case 10: // certificate has expired
    reason = "expired certificate";
    break;
  case 9: // certificate is not yet valid
    reason = "certificate not yet valid";
    break;
  default:
    if (text.find("subject name") != std::string::npos ||
        text.find("does not match") != std::string::npos)
      reason = "name mismatch: the certificate does not name this host";
  }
  return "TLS: " + (reason.empty() ? text : reason + " (" + text + ")");
}

} // namespace

size_t CurlTransfer::on_body(char* data, size_t size, size_t count, void* self) {
  auto* t = static_cast<CurlTransfer*>(self);
  size_t n = size * count;
  size_t used = t->header_bytes_ + t->response_.body.size();
  size_t room = t->cap_ - std::min(t->cap_, used);
  if (n > room) {
    t->response_.body.append(data, room);
    t->over_cap_ = true;
    return 0; // aborts the transfer: a hostile server cannot make us buffer without bound
  }
  t->response_.body.append(data, n);
  return n;
}

size_t CurlTransfer::on_header(char* data, size_t size, size_t count, void* self) {
  auto* t = static_cast<CurlTransfer*>(self);
  size_t n = size * count;
  std::string_view line(data, n);
  // Every line counts, interim responses' too: thousands of headers must not cost gigabytes.
  t->header_bytes_ += n;
  if (t->header_bytes_ > t->header_cap_ || t->header_bytes_ > t->cap_) {
    t->over_header_cap_ = true;
    return 0; // aborts the transfer
  }
  if (line.rfind("HTTP/", 0) == 0) {
    t->response_.headers.clear(); // a new status line (e.g. after 100-continue) starts over
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string_view name = oauth::trim(line.substr(0, colon));
  if (!t->wanted_headers_.empty() &&
      std::none_of(t->wanted_headers_.begin(), t->wanted_headers_.end(),
                   [&](const std::string& wanted) { return oauth::iequals(wanted, name); }))
    return n;
  t->response_.headers.emplace_back(oauth::ascii_lower(name),
                                    std::string(oauth::trim(line.substr(colon + 1))));
  return n;
}

curl_socket_t CurlTransfer::on_open_socket(void* self, curlsocktype, curl_sockaddr* address) {
  auto* t = static_cast<CurlTransfer*>(self);
  if (t->permitted_kinds_) {
    if (auto kind = oauth::special_use_address(&address->addr)) {
      std::lock_guard lock(t->permitted_kinds_->mutex);
      if (t->host_allowed_) {
        t->permitted_kinds_->kinds.insert(*kind);
      } else if (!t->permitted_kinds_->kinds.count(*kind)) {
        char ip[INET6_ADDRSTRLEN] = "?";
        const sockaddr* a = &address->addr;
        if (a->sa_family == AF_INET)
          inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a)->sin_addr, ip, sizeof ip);
        else if (a->sa_family == AF_INET6)
          inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr, ip, sizeof ip);
        t->refused_ = std::string(ip) + " (" + *kind + ")";
        return CURL_SOCKET_BAD; // never connected
      }
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

void CurlTransfer::prepare(CURL* curl, const HttpRequest& request, const HttpOptions& options) {
  response_ = HttpResponse{};
  over_cap_ = false;
  over_header_cap_ = false;
  header_bytes_ = 0;
  cap_ = options.max_body_bytes;
  header_cap_ = options.max_header_bytes;
  timeout_ms_ = static_cast<long>(options.timeout.count());
  curl_slist_free_all(headers_);
  headers_ = nullptr;

  curl_slist_free_all(resolve_);
  resolve_ = nullptr;
  error_[0] = '\0';

  refused_.clear();
  auto parts = oauth::parse_url(request.url);
  host_ = parts ? parts->host : "";
  // Set on every transfer (a cookie jar's handle is never reset): the guard or libcurl's own.
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, permitted_kinds_ ? on_open_socket : nullptr);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, permitted_kinds_ ? this : nullptr);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_);
  set_tls(curl, options.tls);
  for (const std::string& entry : options.resolve)
    resolve_ = curl_slist_append(resolve_, entry.c_str());
  if (resolve_) curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve_);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L); // redirects are judged, never followed here
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(cap_));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
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
  bool has_accept = false, has_user_agent = false;
  for (const auto& [name, value] : request.headers) {
    has_accept = has_accept || oauth::iequals(name, "accept");
    has_user_agent = has_user_agent || oauth::iequals(name, "user-agent");
    headers_ = curl_slist_append(headers_, (name + ": " + value).c_str());
  }
  if (!has_accept)
    headers_ = curl_slist_append(headers_, "Accept: application/json, text/html;q=0.9, */*;q=0.5");
  headers_ = curl_slist_append(headers_, "Expect:"); // no 100-continue round trip
  // As a header line rather than CURLOPT_USERAGENT, which libcurl formats anew for every
  // transfer through its own printf: a tenth of the load generator's instructions per request.
  if (!has_user_agent) headers_ = curl_slist_append(headers_, "User-Agent: conformance/0.1");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers_);
}

HttpResponse CurlTransfer::finish(CURL* curl, CURLcode result, double duration_ms) {
  HttpResponse response = std::move(response_);
  response.duration_ms = duration_ms;
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  if (!refused_.empty()) {
    response.address_refused = true;
    response.transport_error =
        "not connected to " + host_ + " at " + refused_ +
        ": the harness follows a server to a loopback, private or link-local address only when "
        "the servers under test are on one too, or with --allow-host " + host_;
  } else if (over_header_cap_) {
    response.body_truncated = true;
    response.transport_error = "response headers exceed the " +
                               std::to_string(std::min(header_cap_, cap_)) + "-byte cap";
  } else if (result == CURLE_OUT_OF_MEMORY) {
    // What libcurl reports for one header line beyond its own limit (100 KB), before any
    // callback sees it.
    response.transport_error = "a response header line is longer than libcurl accepts (over "
                               "100 KB; " + std::string(curl_easy_strerror(result)) + ")";
  } else if (over_cap_ || result == CURLE_FILESIZE_EXCEEDED) {
    response.body_truncated = true;
    response.transport_error = "response body exceeds the " + std::to_string(cap_) + "-byte cap";
  } else if (result == CURLE_PEER_FAILED_VERIFICATION || result == CURLE_SSL_CONNECT_ERROR ||
             result == CURLE_SSL_CERTPROBLEM || result == CURLE_SSL_CACERT_BADFILE ||
             result == CURLE_SSL_ISSUER_ERROR || result == CURLE_SSL_CLIENTCERT) {
    response.transport_error = tls_failure(curl, result, error_);
  } else if (result != CURLE_OK) {
    response.transport_error = curl_easy_strerror(result);
    if (result == CURLE_OPERATION_TIMEDOUT)
      response.transport_error = "timed out after " + std::to_string(timeout_ms_) + " ms";
  }
  // The handle may outlive this transfer's lists.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_RESOLVE, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, nullptr);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, nullptr);
  curl_slist_free_all(headers_);
  headers_ = nullptr;
  curl_slist_free_all(resolve_);
  resolve_ = nullptr;
  return response;
}

} // namespace conformance
