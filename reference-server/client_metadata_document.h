// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, MCP 2025-11-25
// authorization §5.1): a client_id that is an https URL names a JSON document describing a public
// client. This file holds the transport-neutral half: which client_id URLs are acceptable, how a
// fetched document becomes a Client, and how long it may be cached. The fetch itself goes through
// the ClientMetadataFetcher interface (client_metadata_fetcher.h has the libcurl one), so the
// protocol logic and its tests need no network.
#pragma once

#include "options.h"
#include "store.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace refserver {

// Documents are small; anything larger is refused rather than truncated (CIMD -01 §4 lets the
// server cap the size, and a cap bounds what an unauthenticated request can make us download).
inline constexpr size_t kMaxMetadataDocumentBytes = 5 * 1024;
// What the cimd-no-size-cap fault reads instead: big enough to show the cap is gone, small
// enough that a test of it stays cheap.
inline constexpr size_t kUncappedMetadataDocumentBytes = 4 * 1024 * 1024;
// Cache lifetimes (CIMD §4.4): the default when the response says nothing, and a ceiling so a
// document that changes is eventually seen.
inline constexpr std::chrono::seconds kDefaultDocumentLifetime{5 * 60};
inline constexpr std::chrono::seconds kMaxDocumentLifetime{24 * 60 * 60};

// What a fetch produced. Only a 200 with a body within the cap can yield a client.
struct FetchedDocument {
  int status = 0;            // HTTP status; 0 when no response was obtained
  std::string body;          // at most max_document_bytes()
  std::string cache_control; // Cache-Control value(s), comma-joined; empty when absent
  std::string error;         // why no usable response: refused address, timeout, too large...
};

// Retrieves a client metadata document. Implementations must not follow redirects and must
// apply the size cap (both only relaxed by faults); the libcurl one also enforces the SSRF rules.
class ClientMetadataFetcher {
public:
  virtual ~ClientMetadataFetcher() = default;
  // `url` has already passed client_id_url_problem().
  virtual FetchedDocument fetch(const std::string& url) = 0;
};

// Whether the client_id is meant as a URL at all (it starts with an http or https scheme, in
// any case). Other client_ids are looked up in the store only.
bool looks_like_url(std::string_view client_id);

// The body size a fetch may read and a document may have: kMaxMetadataDocumentBytes, or
// kUncappedMetadataDocumentBytes under cimd-no-size-cap.
size_t max_document_bytes(const ServerOptions& options);

// Whether the URL's authority, as written, is exactly 127.0.0.1:PORT (userinfo aside): the one
// shape the testing-only http exception admits. The parsed host is no use for this, since the
// URL parser turns 127.1, 2130706433, 0x7f000001 and 0177.0.0.1 into 127.0.0.1.
bool names_test_loopback_literally(std::string_view url);

// The host (with a port when the URL names one, without userinfo) a client_id URL points at, as
// the consent page shows it; empty when it is no URL.
std::string client_id_host(std::string_view client_id);

// Why `client_id` is not an acceptable client identifier URL, or nullopt. The rules of CIMD §3:
// https, a path, no fragment, no userinfo, no "." or ".." path segments (also percent-encoded).
// With options.cimd_allow_http_loopback (testing only) http://127.0.0.1:PORT/... is accepted
// as well, spelled exactly so. The cimd-url-rules-skipped and cimd-loopback-fetched faults
// relax these rules.
std::optional<std::string> client_id_url_problem(std::string_view client_id,
                                                 const ServerOptions& options);
// The clean rules, with or without the testing-only http exception.
std::optional<std::string> client_id_url_problem(std::string_view client_id,
                                                 bool allow_http_loopback);

// The public client a fetched document describes (CIMD §4.1), or why it cannot be used. The
// options carry the faults that loosen the validation.
std::variant<std::shared_ptr<const Client>, std::string>
client_from_document(std::string_view client_id, const FetchedDocument& fetched,
                     const ServerOptions& options);
// The clean validation.
std::variant<std::shared_ptr<const Client>, std::string>
client_from_document(std::string_view client_id, const FetchedDocument& fetched);

// How long a document fetched with this Cache-Control may be reused: zero for no-store,
// no-cache or max-age=0, max-age capped at kMaxDocumentLifetime, kDefaultDocumentLifetime when
// there is no max-age.
std::chrono::seconds document_lifetime(std::string_view cache_control);

} // namespace refserver
