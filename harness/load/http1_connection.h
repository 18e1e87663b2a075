// The load generator's own HTTP/1.1 client, for plain-http requests of flows that need no
// cookies (the metadata and token modes). libcurl spends about 12 µs of user CPU on every
// transfer setting it up again (parsing and rebuilding the URL, formatting headers through its
// own printf, handle bookkeeping): as much as the kernel's share of a request, and the reason
// the generator used to need 1.7 times wrk's CPU per request. Here the request is written in one
// send and the response parsed as it arrives, as wrk does.
//
// The same limits as every request of the harness (CurlTransfer): a timeout (the engine calls
// expire()), a cap on the whole response and one on its header lines, no redirect followed, and
// only the response headers the flows read are kept. No TLS, proxy, cookies or --resolve: the
// engine sends those requests through libcurl.
#pragma once

#include "http/http_client.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <vector>

namespace conformance {

// Where the requests for one host and port go, resolved once per event loop (a load run
// meets one or two servers; a lookup per connection would block the loop again and again).
class Http1Resolver {
public:
  struct Address {
    sockaddr_storage storage{};
    socklen_t length = 0;
  };
  // The first address `host` (as in the URL, IPv6 in brackets) and `port` resolve to, or
  // nullopt (remembered as well, so a name that does not resolve is not looked up per request).
  std::optional<Address> resolve(const std::string& host, const std::string& port);

private:
  std::map<std::string, std::optional<Address>> cache_;
};

// One keep-alive connection and the request in flight on it. It registers its socket with the
// event loop's epoll set itself; the event's data is tag_of(id, generation), so the loop can
// hand the event back to connection `id`, and an event read in the same batch as the close of
// an earlier socket of this connection is recognised as stale and dropped.
class Http1Connection {
public:
  using Clock = std::chrono::steady_clock;

  Http1Connection(int epoll_fd, std::uint32_t id, std::vector<std::string> wanted_headers);
  ~Http1Connection();
  Http1Connection(const Http1Connection&) = delete;
  Http1Connection& operator=(const Http1Connection&) = delete;

  // Epoll data of this client's sockets: bit 0 set (the loop's libcurl sockets have it clear),
  // the connection's id in the upper half.
  static std::uint64_t tag_of(std::uint32_t id, std::uint32_t generation);
  static bool is_tag(std::uint64_t data) { return data & 1u; }
  static std::uint32_t id_of(std::uint64_t tag) { return static_cast<std::uint32_t>(tag >> 32); }

  // Whether this client can send `request`: a plain-http URL, and no line break in the method,
  // URL or a header (which would split the request).
  static bool can_send(const HttpRequest& request);

  // Starts `request` (can_send() must hold). Returns true when it already ended (a connection
  // that failed at once): the caller then takes the response from its event loop, not from
  // inside this call, so a refused connection cannot recurse into the next flow.
  bool start(const HttpRequest& request, Http1Resolver& resolver, const HttpOptions& options,
             Clock::time_point now);
  // Epoll reported `events` with data `tag`. Returns true when the request in flight ended
  // (answered or failed). Between requests an event means the server closed or sent what it
  // should not: the connection is closed, and the next request opens a new one.
  bool on_events(std::uint64_t tag, std::uint32_t events);
  bool busy() const { return state_ != State::Idle && state_ != State::Closed; }
  Clock::time_point deadline() const { return deadline_; }
  // Ends the request in flight as timed out; the connection is closed.
  void expire();
  // The response of the request that ended.
  HttpResponse take_response();

private:
  enum class State { Closed, Idle, Connecting, Writing, Reading };
  enum class Body { None, Length, Chunked, UntilClose };
  enum class Chunk { Size, Data, DataEnd, Trailer };
  enum class Head { Final, Interim, Failed };

  bool open();
  void close_socket();
  void watch(std::uint32_t events);
  bool write_some();
  bool read_some();
  // Each returns true when the response is complete (or failed).
  bool parse(std::string_view data);
  Head parse_head();
  bool parse_body(std::string_view data);
  bool parse_chunked(std::string_view data);
  bool fail(std::string error);
  bool finish();
  // The response ended before it began on a connection used before: the server closed it
  // while idle, so the request is sent again, once, on a new connection (as libcurl does).
  bool retry_on_new_connection();
  bool over_cap(size_t more) const;
  std::string header_cap_error();
  std::string body_cap_error();

  int epoll_;
  std::uint32_t id_;
  std::vector<std::string> wanted_;
  int fd_ = -1;
  std::uint32_t generation_ = 0; // of the socket: one more each time one is opened
  std::uint32_t watched_ = 0;    // the events epoll has for it
  State state_ = State::Closed;
  Http1Resolver* resolver_ = nullptr;

  // The request.
  std::string url_; // the URL that host_ ... authority_ were made from
  std::string host_, port_, path_, authority_;
  std::optional<Http1Resolver::Address> address_;
  std::string out_;
  size_t written_ = 0;
  bool head_request_ = false;
  Clock::time_point deadline_;
  long timeout_ms_ = 0;
  size_t cap_ = 0, header_cap_ = 0;
  long requests_on_connection_ = 0; // answered on this socket
  bool retried_ = false;

  // The response.
  HttpResponse response_;
  std::string head_;
  size_t head_scanned_ = 0;
  bool head_done_ = false;
  size_t header_bytes_ = 0; // every head so far (interim ones too) and the trailers
  bool received_any_ = false;
  Body body_ = Body::None;
  size_t remaining_ = 0; // Length: bytes to come; Chunked: of the current chunk
  Chunk chunk_ = Chunk::Size;
  std::string line_; // a chunk-size or trailer line being assembled
  bool keep_alive_ = true;
};

} // namespace conformance
