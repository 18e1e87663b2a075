// The libcurl ClientMetadataFetcher. Any unauthenticated party can make the server fetch a URL
// by naming it as client_id, so the fetch is fenced in (CIMD -01 §6.5): the host is resolved
// here and refused when any of its addresses is loopback, private, link-local or otherwise
// special-use, and curl is then pinned to exactly the checked addresses, so a second DNS answer
// (rebinding) cannot redirect the connection. No redirects, no proxies, a 5 s timeout and a
// 5 KiB body cap. Three faults loosen this: cimd-redirect-followed (redirects followed, each
// hop fenced in the same way), cimd-loopback-fetched (loopback addresses let through) and
// cimd-no-size-cap (4 MiB).
#pragma once

#include "client_metadata_document.h"
#include "options.h"

#include <chrono>

namespace refserver {

class CurlMetadataFetcher : public ClientMetadataFetcher {
public:
  // options.cimd_allow_http_loopback (testing only) additionally fetches http://127.0.0.1:PORT/
  // URLs, skipping the loopback refusal for exactly that address; the CIMD faults of the
  // options apply as well. What is needed is copied: the options need not outlive the fetcher.
  explicit CurlMetadataFetcher(const ServerOptions& options,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The clean fetcher, with or without the testing-only exception.
  explicit CurlMetadataFetcher(bool allow_http_loopback,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

  FetchedDocument fetch(const std::string& url) override;

private:
  // One request; `location` receives the absolute target of a redirect answer.
  FetchedDocument fetch_once(const std::string& url, std::string& location);

  bool allow_http_loopback_;
  bool follow_redirects_ = false; // cimd-redirect-followed
  bool loopback_allowed_ = false; // cimd-loopback-fetched
  size_t max_bytes_ = kMaxMetadataDocumentBytes;
  std::chrono::milliseconds timeout_;
};

} // namespace refserver
