// The one HTTP client (DESIGN.md convention 6): libcurl easy API, never follows
// redirects, a timeout and a body cap on every request, and every exchange
// recorded as redacted evidence on the running check.
#pragma once

#include "core/url.h"
#include "http/evidence.h"

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

struct TlsOptions {
  std::string ca_file;      // a PEM bundle trusted beside the system's (private or staging CAs)
  bool insecure = false;    // no certificate verification at all: only when asked for
  std::string client_cert;  // a client certificate (PEM) for servers that ask for one
  std::string client_key;   // and its key
};

// Kinds of special-use address ("loopback", "private"...; see core/special_use_address.h).
struct AddressKinds {
  std::mutex mutex;
  std::set<std::string> kinds;
};

struct HttpOptions {
  std::chrono::milliseconds timeout{10'000};
  // The whole response, header lines included: a server cannot make the harness hold more.
  size_t max_body_bytes = 1024 * 1024;
  // The header lines alone. Servers and gateways refuse far less in requests (8-16 KiB per line
  // is usual), so an answer beyond this is hostile or broken, not evidence worth keeping.
  size_t max_header_bytes = 64 * 1024;
  TlsOptions tls;
  // "HOST:PORT:ADDRESS" entries, as curl's --resolve: where a name is reached.
  std::vector<std::string> resolve;

  // The origins of the servers under test ("https://as.example.com:443" form, see
  // oauth::origin_of). Only requests to them get `extra_headers`, count towards giving up on a
  // server that stopped answering, and are paced; empty means every origin (preflight, bench).
  std::vector<std::string> server_origins;
  HeaderList extra_headers; // what a gateway in front of the servers wants on every request

  // A 429 (or a 503 with Retry-After) is waited out and retried once when the server asks for
  // at most this long; a longer wait ends the check in error (HttpGiveUp).
  std::chrono::seconds max_wait{30};
  // At least this long between two requests to one server (strict rate limits).
  std::chrono::milliseconds pace{0};
  // After this many transfers in a row to one server end without a response (a server that
  // answered before), a plain GET of a URL it answered before is sent; if that goes unanswered
  // too, the server is taken to have stopped, and every later request to it fails at once
  // (0: never). The probe keeps a server that drops one hostile request from ending the run.
  // An origin that never answered is a dead endpoint, for the checks to judge.
  int give_up_after_failures = 0;

  // The redirect guard. When on, no connection is made to a loopback, private, link-local or
  // other special-use address unless the URL's host is one of `allowed_hosts` (the servers the
  // operator named, and --allow-host), or the address is of a kind an allowed host was reached
  // at (an authorization server on loopback may send the browser to loopback). A hostile server
  // cannot point the harness at an internal service and have its answer copied into a report.
  bool guard_addresses = false;
  std::vector<std::string> allowed_hosts; // as in URLs, without brackets; case-insensitive
  // What the allowed hosts were reached at, learnt as they are connected to and shared by every
  // client made from these options (copies share it).
  std::shared_ptr<AddressKinds> permitted_address_kinds = std::make_shared<AddressKinds>();
};

// Thrown by HttpClient::send when a request cannot be judged at all: the server stopped
// answering, or it keeps rate-limiting beyond what the harness will wait. The running check
// ends in error with this message.
class HttpGiveUp : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// How many responses were rate-limited (429, or 503 with Retry-After) in this process: the run
// summary shows it, so a user sees at once why checks errored.
long rate_limited_responses();

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
  // The redirect guard refused to connect (transport_error says where and why).
  bool address_refused = false;
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
  // The body parsed as JSON (any media type); nullopt when it does not parse or nests deeper
  // than oauth::kMaxJsonDepth (json_refusal() then says so).
  std::optional<nlohmann::json> json() const;
  // Why a body that looks like JSON was not parsed ("JSON nested deeper than ..."), or empty.
  std::string json_refusal() const;
  bool is_redirect() const { return status >= 300 && status < 400; }
  // One line for messages: "HTTP 400 application/json" (and json_refusal() if any) or the
  // transport error.
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
  // Sends with the options' TLS, resolve, rate-limit and give-up rules; throws HttpGiveUp (see
  // above) only when options.give_up_after_failures or a rate limit says so.
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

  // Adds the origin of `url` to the servers under test (their headers, pacing and give-up
  // bookkeeping), when the options name any.
  void add_server_origin(const std::string& url);

private:
  // `foreign`: the request goes to an origin that is not a server under test, whose body is
  // then not copied into the evidence.
  HttpResponse transfer(const HttpRequest& request, CookieJar* jar, bool foreign = false);
  bool is_server_origin(const std::string& origin) const;

  HttpOptions options_;
  void* handle_; // CURL*, reused so connections stay alive between requests
  struct ServerState {
    int failures_in_a_row = 0;
    bool answered = false; // only a server that answered once can stop answering
    std::string probe_url; // the first URL it answered a plain GET of: the liveness probe
    std::string stopped; // why it is given up on ("the server stopped answering at ..."), or ""
    std::chrono::steady_clock::time_point last_request;
  };
  std::map<std::string, ServerState> servers_; // by origin
};

} // namespace conformance
