// The httplib::Stream a worker hands to httplib for one request on a gated connection. The head
// is already in the connection's inbox (the gate waited for it); the body is read only as its
// framing allows and within the body limits. A body over a limit, sent too slowly or framed
// unreadably is refused by the stream itself, before more of it is read: it writes the refusal
// (413, 408 or 400, with Connection: close), fails httplib's read, and swallows what httplib then
// writes, so exactly one response leaves and the connection is closed after it.
#pragma once

#include "connection.h"
#include "http_response.h"
#include "request_framing.h"

#include <chrono>
#include <functional>
#include <httplib.h>
#include <string>
#include <string_view>

namespace refserver {

// The response a limit sends, built by the server so it looks like its other errors.
using Refusal = std::function<HttpResponse(int status, std::string_view description)>;

// The bytes of a refusal on the wire: status line, its headers, Content-Length and
// Connection: close.
std::string refusal_bytes(int status, const HttpResponse& response);

struct BodyLimits {
  size_t max_bytes = 64 * 1024;                  // the payload, chunked or not
  std::chrono::milliseconds timeout{10000};      // for the whole body, from the end of the head
  std::chrono::milliseconds read_timeout{5000};  // a read that makes no progress
  std::chrono::milliseconds write_timeout{5000}; // a write that makes no progress
};

class ConnectionStream final : public httplib::Stream {
public:
  ConnectionStream(Connection& connection, size_t head_length, BodyLimits limits,
                   const Refusal& refusal);

  // Called once the head is parsed (httplib's setup_request hook): the headers say how the
  // body is framed.
  void begin_body(const httplib::Request& request);

  // The stream answered (a limit) and the connection must close.
  bool refused() const { return refused_; }
  // The connection can carry another request: its head and exactly its body were read, and
  // nothing failed.
  bool reusable() const;

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override;

private:
  ssize_t refuse(int status, std::string_view description);
  // Up to `size` bytes from the inbox, receiving more when it is empty.
  ssize_t fill(char* ptr, size_t size, IoClock::time_point deadline);

  Connection& connection_;
  size_t head_left_;
  BodyLimits limits_;
  const Refusal& refusal_;
  bool framing_known_ = false;
  BodyFraming framing_;
  ChunkedMeter meter_;
  uint64_t body_read_ = 0;
  IoClock::time_point body_deadline_{};
  bool refused_ = false;
  bool failed_ = false;
};

} // namespace refserver
