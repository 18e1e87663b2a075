// One request's reads and writes on a gated connection, with the body limits.
#include "connection_stream.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

namespace refserver {
namespace {

const char* reason_phrase(int status) {
  switch (status) {
  case 400:
    return "Bad Request";
  case 408:
    return "Request Timeout";
  case 413:
    return "Payload Too Large";
  case 414:
    return "URI Too Long";
  case 431:
    return "Request Header Fields Too Large";
  case 503:
    return "Service Unavailable";
  default:
    return "Error";
  }
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length)
                : getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  if (rc != 0) return;
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host, sizeof host, service,
                  sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return;
  ip = host;
  port = std::atoi(service);
}

std::vector<std::string> values_of(const httplib::Request& request, const char* name) {
  std::vector<std::string> out;
  auto [first, last] = request.headers.equal_range(name);
  for (auto it = first; it != last; ++it)
    out.push_back(it->second);
  return out;
}

} // namespace

std::string refusal_bytes(int status, const HttpResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  for (const auto& [name, value] : response.headers)
    out += name + ": " + value + "\r\n";
  if (!response.content_type.empty()) out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  return out + response.body;
}

ConnectionStream::ConnectionStream(Connection& connection, size_t head_length, BodyLimits limits,
                                   const Refusal& refusal)
    : connection_(connection), head_left_(head_length), limits_(limits), refusal_(refusal),
      // Framing gets as many bytes again as the payload: far more than any client's chunking
      // needs, and still a bound on a body of one-byte chunks or endless extensions.
      meter_(limits.max_bytes, limits.max_bytes) {}

void ConnectionStream::begin_body(const httplib::Request& request) {
  framing_known_ = true;
  framing_ =
      body_framing(values_of(request, "Content-Length"), values_of(request, "Transfer-Encoding"));
  body_deadline_ = IoClock::now() + limits_.timeout;
}

bool ConnectionStream::reusable() const {
  if (refused_ || failed_ || head_left_ > 0 || !framing_known_ || framing_.close_after)
    return false;
  switch (framing_.kind) {
  case Framing::None:
    return true;
  case Framing::Length:
    return body_read_ == framing_.length;
  case Framing::Chunked:
    return meter_.complete() && !meter_.malformed();
  default:
    return false;
  }
}

ssize_t ConnectionStream::refuse(int status, std::string_view description) {
  refused_ = true;
  connection_.send_all(refusal_bytes(status, refusal_(status, description)),
                       IoClock::now() + limits_.write_timeout);
  return -1;
}

ssize_t ConnectionStream::fill(char* ptr, size_t size, IoClock::time_point deadline) {
  while (connection_.inbox().empty()) {
    IoStep step = connection_.receive(16 * 1024);
    if (step.n > 0) break;
    if (step.n == 0) return 0;
    if (step.wait == 0 || !connection_.wait(step.wait, deadline)) return -1;
  }
  std::string_view inbox = connection_.inbox();
  const size_t n = std::min(size, inbox.size());
  std::memcpy(ptr, inbox.data(), n);
  connection_.consume(n);
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (refused_ || failed_) return -1;
  if (head_left_ > 0) {
    // The gate dispatched this connection only once the whole head was in the inbox, so this
    // never waits (httplib reads the head a byte at a time: no clock reading per byte).
    const ssize_t n = fill(ptr, std::min(size, head_left_), IoClock::time_point{});
    if (n <= 0) return failed_ = true, -1;
    head_left_ -= static_cast<size_t>(n);
    return n;
  }
  // httplib reads a body only after setup_request; anything else is past this request.
  if (!framing_known_) return 0;

  size_t wanted = 0;
  switch (framing_.kind) {
  case Framing::None:
    return 0;
  case Framing::Invalid:
    return refuse(400, framing_.problem);
  case Framing::Length:
    // Refused before a byte of it is read; httplib itself would read it all to skip it.
    if (framing_.length > limits_.max_bytes)
      return refuse(413, "the request body is larger than " + std::to_string(limits_.max_bytes) +
                             " bytes");
    wanted = static_cast<size_t>(std::min<uint64_t>(size, framing_.length - body_read_));
    break;
  case Framing::Chunked:
    // httplib 0.11 caps only Content-Length bodies; the meter stops a chunked one at the chunk
    // that would carry it past the cap.
    if (meter_.over_limit())
      return refuse(413, "the chunked request body is larger than " +
                             std::to_string(limits_.max_bytes) +
                             " bytes, or its framing is out of proportion");
    wanted = std::min(size, meter_.allowance());
    break;
  }
  if (wanted == 0) return 0;

  // Bytes already received need no deadline (nor a clock reading).
  const IoClock::time_point deadline =
      connection_.inbox().empty() ? std::min(IoClock::now() + limits_.read_timeout, body_deadline_)
                                  : IoClock::time_point{};
  const ssize_t n = fill(ptr, wanted, deadline);
  if (n < 0 && IoClock::now() >= body_deadline_)
    return refuse(408, "the request body did not arrive in time");
  if (n <= 0) {
    failed_ = true;
    return n;
  }
  body_read_ += static_cast<uint64_t>(n);
  if (framing_.kind == Framing::Chunked) meter_.feed(std::string_view(ptr, static_cast<size_t>(n)));
  return n;
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  // After a refusal, httplib still writes the answer it makes of the failed read: it must not
  // follow ours on the wire.
  if (refused_) return static_cast<ssize_t>(size);
  if (failed_) return -1;
  if (!connection_.send_all(std::string_view(ptr, size), IoClock::now() + limits_.write_timeout))
    return failed_ = true, -1;
  return static_cast<ssize_t>(size);
}

bool ConnectionStream::is_readable() const {
  if (!connection_.inbox().empty()) return true;
  if (connection_.ssl() && SSL_pending(connection_.ssl()) > 0) return true;
  return connection_.wait(POLLIN, IoClock::now() + limits_.read_timeout);
}

bool ConnectionStream::is_writable() const {
  return !refused_ && !failed_;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  address_of(connection_.fd(), true, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  address_of(connection_.fd(), false, ip, port);
}

socket_t ConnectionStream::socket() const {
  return connection_.fd();
}

} // namespace refserver
