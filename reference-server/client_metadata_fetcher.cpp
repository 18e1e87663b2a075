// libcurl fetch of client metadata documents with an SSRF guard and DNS pinning.
#include "client_metadata_fetcher.h"

#include "core/text.h"
#include "core/url.h"
#include "core/special_use_address.h"

#include <arpa/inet.h>
#include <cstring>
#include <curl/curl.h>
#include <memory>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <vector>

namespace refserver {
namespace {

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct AddrinfoDeleter {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

// An address curl may connect to: family plus the raw address bytes (the port is curl's).
struct Address {
  int family = 0;
  std::string bytes;
  std::string text; // for messages and CURLOPT_RESOLVE

  bool operator==(const Address& other) const {
    return family == other.family && bytes == other.bytes;
  }
};

std::optional<Address> address_of(const sockaddr* sa) {
  Address out;
  out.family = sa->sa_family;
  char text[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in*>(sa)->sin_addr;
    out.bytes.assign(reinterpret_cast<const char*>(&in), sizeof in);
    inet_ntop(AF_INET, &in, text, sizeof text);
  } else if (sa->sa_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    out.bytes.assign(reinterpret_cast<const char*>(&in6), sizeof in6);
    inet_ntop(AF_INET6, &in6, text, sizeof text);
  } else {
    return std::nullopt;
  }
  out.text = text;
  return out;
}

struct Transfer {
  std::vector<Address> allowed; // the checked addresses; the only ones a socket may be opened to
  size_t max_bytes = kMaxMetadataDocumentBytes;
  std::string body;
  bool too_large = false;
  std::string cache_control;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (transfer->body.size() + bytes > transfer->max_bytes) {
    transfer->too_large = true;
    return 0; // aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, bytes);
  return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  std::string_view line(data, bytes);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos &&
      oauth::iequals(oauth::trim(line.substr(0, colon)), "Cache-Control")) {
    if (!transfer->cache_control.empty()) transfer->cache_control += ", ";
    transfer->cache_control += oauth::trim(line.substr(colon + 1));
  }
  return bytes;
}

// The last line of defence: whatever curl resolved or was told, a socket is only opened to an
// address that passed the check. Pinning makes this redundant; it is cheap insurance.
curl_socket_t on_open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  auto target = address_of(&address->addr);
  if (!target) return CURL_SOCKET_BAD;
  bool allowed = false;
  for (const Address& a : transfer->allowed)
    allowed = allowed || a == *target;
  if (!allowed) return CURL_SOCKET_BAD;
  int type = address->socktype;
#ifdef SOCK_CLOEXEC
  type |= SOCK_CLOEXEC;
#endif
  return socket(address->family, type, address->protocol);
}

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

FetchedDocument failure(std::string error) {
  FetchedDocument out;
  out.error = std::move(error);
  return out;
}

// Hops a faulty fetcher follows before it gives up, as a browser would.
constexpr int kMaxRedirects = 5;

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

} // namespace

CurlMetadataFetcher::CurlMetadataFetcher(const ServerOptions& options,
                                         std::chrono::milliseconds timeout)
    : allow_http_loopback_(options.cimd_allow_http_loopback),
      follow_redirects_(options.has(Fault::CimdRedirectFollowed)),
      loopback_allowed_(options.has(Fault::CimdLoopbackFetched)),
      max_bytes_(max_document_bytes(options)), timeout_(timeout) {
  global_init_once();
}

CurlMetadataFetcher::CurlMetadataFetcher(bool allow_http_loopback,
                                         std::chrono::milliseconds timeout)
    : allow_http_loopback_(allow_http_loopback), timeout_(timeout) {
  global_init_once();
}

FetchedDocument CurlMetadataFetcher::fetch(const std::string& url) {
  std::string current = url;
  for (int hop = 0;; ++hop) {
    std::string location;
    FetchedDocument fetched = fetch_once(current, location);
    // cimd-redirect-followed: the next hop goes through fetch_once like the first, so it meets
    // the same scheme rule, address check and pinning; only the 200-only rule is lost.
    if (!follow_redirects_ || !is_redirect(fetched.status) || location.empty() ||
        hop == kMaxRedirects)
      return fetched;
    current = std::move(location);
  }
}

FetchedDocument CurlMetadataFetcher::fetch_once(const std::string& url, std::string& location) {
  // The caller checked the URL already; the scheme is re-checked here because it decides
  // whether the loopback exception applies, and a redirect target was never checked at all.
  auto parts = oauth::parse_url(url);
  if (!parts || parts->host.empty()) return failure("not a valid URL");
  const bool http = parts->scheme == "http";
  // The exception is judged on the URL as written: the parsed host of 127.1 is 127.0.0.1 too.
  const bool loopback_host = oauth::is_loopback_host(oauth::ascii_lower(parts->host));
  const bool http_allowed =
      http && allow_http_loopback_ && !parts->port.empty() &&
      (names_test_loopback_literally(url) || (loopback_allowed_ && loopback_host));
  if (parts->scheme != "https" && !http_allowed) return failure("only https URLs are fetched");
  std::string host = parts->host;
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  // curl never looks an IP literal up, so only host names need pinning.
  unsigned char scratch[sizeof(in6_addr)];
  const bool literal = inet_pton(AF_INET, host.c_str(), scratch) == 1 ||
                       inet_pton(AF_INET6, host.c_str(), scratch) == 1;
  const std::string port = !parts->port.empty() ? parts->port : http ? "80" : "443";

  // Resolve here rather than in curl, so that the addresses can be judged before any
  // connection. getaddrinfo has no timeout of its own; the system resolver's limits apply.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return failure("cannot resolve the host: " + std::string(gai_strerror(rc)));
  std::unique_ptr<addrinfo, AddrinfoDeleter> results(found);

  Transfer transfer;
  transfer.max_bytes = max_bytes_;
  for (const addrinfo* ai = results.get(); ai; ai = ai->ai_next) {
    auto address = address_of(ai->ai_addr);
    if (!address) continue;
    // Testing only: the fixture's own address, and nothing else, skips the refusal.
    const bool test_loopback = http && address->family == AF_INET && address->text == "127.0.0.1";
    if (!test_loopback)
      if (auto reason = oauth::special_use_address(ai->ai_addr))
        // One bad address refuses the host: a name that also points inward is not trusted.
        // cimd-loopback-fetched lets loopback through (private and the rest stay refused).
        if (!(loopback_allowed_ && *reason == "loopback"))
          return failure("refusing to connect to " + address->text + " (" + *reason + " address)");
    bool seen = false;
    for (const Address& a : transfer.allowed)
      seen = seen || a == *address;
    if (!seen) transfer.allowed.push_back(std::move(*address));
  }
  if (transfer.allowed.empty()) return failure("the host has no IPv4 or IPv6 address");

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return failure("cannot initialise libcurl");
  CURL* h = curl.get();

  // Pin the host name to the addresses just checked: curl will not ask DNS again.
  std::unique_ptr<curl_slist, CurlDeleter> resolve;
  if (!literal) {
    std::string entry = oauth::ascii_lower(host) + ":" + port + ":";
    for (size_t i = 0; i < transfer.allowed.size(); ++i) {
      const Address& a = transfer.allowed[i];
      entry += (i ? "," : "") + (a.family == AF_INET6 ? "[" + a.text + "]" : a.text);
    }
    resolve.reset(curl_slist_append(nullptr, entry.c_str()));
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve.get());
  }
  std::unique_ptr<curl_slist, CurlDeleter> headers(
      curl_slist_append(nullptr, "Accept: application/json"));

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "reference-server (OAuth client metadata fetcher)");
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, http ? "http" : "https");
  // CIMD -01 §4: only a 200 counts, so a redirect is reported as what it is.
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  // A proxy from the environment would make the address check meaningless.
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); // worker threads must not see SIGALRM
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes_));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &transfer);

  CURLcode rc = curl_easy_perform(h);
  if (transfer.too_large || rc == CURLE_FILESIZE_EXCEEDED)
    return failure("the document is larger than " + std::to_string(max_bytes_) + " bytes");
  if (rc != CURLE_OK) return failure(curl_easy_strerror(rc));

  FetchedDocument out;
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  out.status = static_cast<int>(status);
  out.body = std::move(transfer.body);
  out.cache_control = std::move(transfer.cache_control);
  // Where a redirect points, resolved by curl against the URL; only used when following.
  char* target = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &target) == CURLE_OK && target) location = target;
  return out;
}

} // namespace refserver
