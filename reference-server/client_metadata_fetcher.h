// The libcurl ClientMetadataFetcher. Any unauthenticated party can make the server fetch a URL
// by naming it as client_id, so the fetch is fenced in (CIMD -01 §6.5): the host is resolved
// here and refused when any of its addresses is loopback, private, link-local or otherwise
// special-use, and curl is then pinned to exactly the checked addresses, so a second DNS answer
// (rebinding) cannot redirect the connection. No redirects, no proxies, a 5 s timeout and a
// 5 KiB body cap.
#pragma once

#include "client_metadata_document.h"

#include <chrono>

namespace refserver {

class CurlMetadataFetcher : public ClientMetadataFetcher {
public:
  // `allow_http_loopback` (testing only) additionally fetches http://127.0.0.1:PORT/ URLs,
  // skipping the loopback refusal for exactly that address.
  explicit CurlMetadataFetcher(bool allow_http_loopback,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

  FetchedDocument fetch(const std::string& url) override;

private:
  bool allow_http_loopback_;
  std::chrono::milliseconds timeout_;
};

} // namespace refserver
