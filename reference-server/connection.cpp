// Non-blocking plain and TLS I/O on one client connection.
#include "connection.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace refserver {

Connection::Connection(int fd, SSL_CTX* tls) : fd_(fd) {
  const int flags = fcntl(fd_, F_GETFL, 0);
  if (flags >= 0) fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  if (tls) {
    ssl_ = SSL_new(tls);
    if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) {
      broken_ = true; // never fall back to plain text on a TLS port
    } else {
      SSL_set_accept_state(ssl_);
    }
  }
}

Connection::~Connection() {
  if (ssl_) {
    // Only a connection that got through the handshake has a session to end.
    if (handshaken_ && !write_shut_) SSL_shutdown(ssl_);
    SSL_free(ssl_);
  }
  ::close(fd_);
}

IoStep Connection::ssl_step(int result) {
  if (result > 0) return {result, 0};
  const int error = SSL_get_error(ssl_, result);
  ERR_clear_error();
  switch (error) {
  case SSL_ERROR_WANT_READ:
    return {-1, POLLIN};
  case SSL_ERROR_WANT_WRITE:
    return {-1, POLLOUT};
  case SSL_ERROR_ZERO_RETURN:
    return {0, 0};
  default:
    return {-1, 0};
  }
}

IoStep Connection::handshake() {
  if (broken_) return {-1, 0};
  if (!ssl_) return {1, 0};
  if (handshaken_) return {1, 0};
  ERR_clear_error();
  IoStep step = ssl_step(SSL_do_handshake(ssl_));
  if (step.n > 0) handshaken_ = true;
  if (step.n == 0) step.n = -1; // a peer that leaves mid-handshake failed it
  return step;
}

IoStep Connection::receive(size_t max) {
  if (broken_ || !handshaken()) return {-1, 0};
  if (inbox_pos_ > 0 && inbox_pos_ * 2 >= inbox_.size()) {
    inbox_.erase(0, inbox_pos_);
    inbox_pos_ = 0;
  }
  const size_t old = inbox_.size();
  max = std::max<size_t>(max, 1);
  inbox_.resize(old + max);
  IoStep step;
  if (ssl_) {
    ERR_clear_error();
    step = ssl_step(
        SSL_read(ssl_, inbox_.data() + old, static_cast<int>(std::min<size_t>(max, 1 << 20))));
  } else {
    const ssize_t n = ::recv(fd_, inbox_.data() + old, max, 0);
    if (n >= 0)
      step = {n, 0};
    else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
      step = {-1, POLLIN};
    else
      step = {-1, 0};
  }
  inbox_.resize(old + static_cast<size_t>(std::max<ssize_t>(step.n, 0)));
  return step;
}

IoStep Connection::send(const char* data, size_t size) {
  if (broken_ || !handshaken()) return {-1, 0};
  if (ssl_) {
    ERR_clear_error();
    return ssl_step(SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, 1 << 20))));
  }
  // MSG_NOSIGNAL: a client that hung up must not raise SIGPIPE in the embedding process.
  const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
  if (n >= 0) return {n, 0};
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {-1, POLLOUT};
  return {-1, 0};
}

IoStep Connection::discard(size_t max) {
  char buffer[16384];
  const ssize_t n = ::recv(fd_, buffer, std::min(max, sizeof buffer), 0);
  if (n >= 0) return {n, 0};
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {-1, POLLIN};
  return {-1, 0};
}

bool Connection::wait(short events, IoClock::time_point deadline) const {
  while (true) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - IoClock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60000)));
    if (ready > 0) return true; // errors and hang-ups too: the next I/O step reports them
    if (ready < 0 && errno != EINTR) return false;
  }
}

bool Connection::send_all(std::string_view data, IoClock::time_point deadline) {
  while (!data.empty()) {
    IoStep step = send(data.data(), data.size());
    if (step.n > 0) {
      data.remove_prefix(static_cast<size_t>(step.n));
    } else if (step.wait == 0 || !wait(step.wait, deadline)) {
      return false;
    }
  }
  return true;
}

void Connection::shutdown_write() {
  if (write_shut_) return;
  write_shut_ = true;
  if (ssl_ && handshaken_) {
    ERR_clear_error();
    SSL_shutdown(ssl_); // close_notify, best effort: the socket is non-blocking
  }
  ::shutdown(fd_, SHUT_WR);
}

void Connection::consume(size_t n) {
  inbox_pos_ = std::min(inbox_.size(), inbox_pos_ + n);
  if (inbox_pos_ == inbox_.size()) {
    inbox_.clear();
    inbox_pos_ = 0;
  }
}

} // namespace refserver
