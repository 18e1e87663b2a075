// One libcurl transfer configured the way every request of the harness is: no redirect followed,
// a timeout and a cap on the response (headers and body together, and on the headers alone),
// headers collected lower-cased. Shared by the blocking HttpClient
// (easy interface) and the bench load generator (multi interface), so both send the same bytes
// and enforce the same limits.
#pragma once

#include "http/http_client.h"

#include <curl/curl.h>
#include <string>
#include <vector>

namespace conformance {

void curl_global_init_once();

// The state of one transfer in flight: where the answer accumulates and what the request
// needs kept alive (its header list) until the transfer ends.
class CurlTransfer {
public:
  CurlTransfer() = default;
  ~CurlTransfer();
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  // Sets every option on `curl` for `request` (all of them explicitly, so a handle that keeps
  // its cookies or connection between transfers needs no reset). `request` must outlive the
  // transfer: libcurl reads its URL and body in place.
  void prepare(CURL* curl, const HttpRequest& request, const HttpOptions& options);
  // Keep only the response headers with these (lower-case) names; all of them when empty. The
  // load generator needs two or three, and copying the rest costs more than the request.
  void keep_only_headers(std::vector<std::string> names) { wanted_headers_ = std::move(names); }
  // The redirect guard (HttpOptions::guard_addresses): refuses special-use addresses of kinds
  // not in `permitted_kinds`; when `host_allowed`, records the kinds this host is reached at
  // instead. Both must outlive the transfer.
  void guard_addresses(AddressKinds* permitted_kinds, bool host_allowed) {
    permitted_kinds_ = permitted_kinds;
    host_allowed_ = host_allowed;
  }
  // The response, once libcurl reports the transfer done with `result`.
  HttpResponse finish(CURL* curl, CURLcode result, double duration_ms);

private:
  static size_t on_body(char* data, size_t size, size_t count, void* self);
  static size_t on_header(char* data, size_t size, size_t count, void* self);
  static curl_socket_t on_open_socket(void* self, curlsocktype purpose, curl_sockaddr* address);

  HttpResponse response_;
  size_t cap_ = 0;
  size_t header_cap_ = 0;
  size_t header_bytes_ = 0; // received for this response, every header line counted
  long timeout_ms_ = 0;
  bool over_cap_ = false;
  bool over_header_cap_ = false;
  curl_slist* headers_ = nullptr;
  curl_slist* resolve_ = nullptr;
  char error_[CURL_ERROR_SIZE] = {};
  std::vector<std::string> wanted_headers_;
  AddressKinds* permitted_kinds_ = nullptr;
  bool host_allowed_ = false;
  std::string refused_; // "10.0.0.5 (private)" when the guard refused to connect
  std::string host_;
};

} // namespace conformance
