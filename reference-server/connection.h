// One accepted client connection, plain or TLS, in non-blocking mode: what the connection gate
// waits on between requests and what a worker's stream reads and writes while serving one.
// Bytes received but not yet consumed stay in its inbox, so a pipelined request that arrived
// with the previous one is not lost.
#pragma once

#include <chrono>
#include <cstddef>
#include <openssl/ssl.h>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace refserver {

using IoClock = std::chrono::steady_clock;

// The result of one non-blocking step: bytes moved (> 0), the peer closed (0), or a failure
// (< 0); when `wait` is set the step would block, and poll() for `wait` says when to retry.
struct IoStep {
  ssize_t n = -1;
  short wait = 0;
};

class Connection {
public:
  // Takes ownership of `fd` (made non-blocking here); with `tls`, speaks TLS on it (the
  // handshake is driven by handshake()).
  Connection(int fd, SSL_CTX* tls);
  ~Connection(); // closes at once
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  SSL* ssl() const { return ssl_; }
  bool handshaken() const { return !broken_ && (!ssl_ || handshaken_); }

  IoStep handshake();
  // Appends at most `max` received bytes to the inbox.
  IoStep receive(size_t max);
  IoStep send(const char* data, size_t size);
  // Discards raw bytes the peer is still sending after it was refused.
  IoStep discard(size_t max);

  // Waits until poll() reports `events`; false on the deadline or an error.
  bool wait(short events, IoClock::time_point deadline) const;
  // Sends everything by the deadline (waiting as needed); false when it could not.
  bool send_all(std::string_view data, IoClock::time_point deadline);
  // Ends our side (TLS close_notify, then a TCP FIN) and keeps reading possible, for a
  // lingering close.
  void shutdown_write();

  // Received bytes not consumed yet.
  std::string_view inbox() const { return std::string_view(inbox_).substr(inbox_pos_); }
  void consume(size_t n);

  size_t requests_served = 0;

private:
  IoStep ssl_step(int result);

  int fd_;
  SSL* ssl_ = nullptr;
  bool handshaken_ = false;
  bool broken_ = false; // TLS could not be set up
  bool write_shut_ = false;
  std::string inbox_;
  size_t inbox_pos_ = 0;
};

} // namespace refserver
