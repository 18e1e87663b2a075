// The gate thread: poll() over every connection that is between requests, and the worker pool
// it dispatches complete request heads to.
#include "connection_gate.h"

#include <algorithm>
#include <csignal>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace refserver {
namespace {

// A refused client gets this long (and this many discarded bytes) to read its answer and
// hang up before the connection is closed under it, which would reset it (RFC 9112 §9.6).
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 16 << 20;
constexpr size_t kReceiveChunk = 16 * 1024;
// How long a worker that just answered waits for the same connection's next request: longer
// than a client takes to send its next step, far shorter than anything a person would notice.
constexpr std::chrono::milliseconds kHoldForNextRequest{2};

// Threads started while this lives do not take SIGPIPE: OpenSSL writes with write(2), which
// cannot be told MSG_NOSIGNAL, and a client hanging up mid-response must not kill a process
// that embeds the server without ignoring the signal.
class SigpipeBlocked {
public:
  SigpipeBlocked() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &saved_);
  }
  ~SigpipeBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

private:
  sigset_t saved_;
};

} // namespace

ConnectionGate::ConnectionGate(GateLimits limits, size_t workers, SSL_CTX* tls, Serve serve,
                               Refusal refusal)
    : limits_(limits), tls_(tls), serve_(std::move(serve)), refusal_(std::move(refusal)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  SigpipeBlocked blocked;
  worker_count_ = std::max<size_t>(workers, 1);
  workers_ = std::make_unique<httplib::ThreadPool>(worker_count_);
  thread_ = std::thread([this] { run(); });
}

ConnectionGate::~ConnectionGate() {
  stop();
}

void ConnectionGate::stop() {
  std::call_once(stopped_, [this] {
    stopping_ = true;
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    // Workers finish the requests they hold; what they hand back now is closed.
    workers_->shutdown();
    ::close(wake_fd_);
  });
}

void ConnectionGate::hand_over(Waiting waiting) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return; // stopped: the connection closes as it goes out of scope
    incoming_.push_back(std::move(waiting));
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
}

void ConnectionGate::admit(int fd) {
  auto connection = std::make_unique<Connection>(fd, tls_);
  const Phase phase = tls_ ? Phase::Handshake : Phase::Head;
  hand_over({std::move(connection), phase, IoClock::now() + limits_.head_timeout, POLLIN,
             HeadScanner(limits_.head)});
}

void ConnectionGate::resume(std::unique_ptr<Connection> connection) {
  const IoClock::time_point now = IoClock::now();
  // A pipelined request may already be in the inbox; its head deadline starts now.
  const bool started = !connection->inbox().empty();
  hand_over({std::move(connection), started ? Phase::Head : Phase::Idle,
             now + (started ? limits_.head_timeout : limits_.idle_timeout), POLLIN,
             HeadScanner(limits_.head), /*check_inbox=*/true});
}

void ConnectionGate::linger(std::unique_ptr<Connection> connection) {
  connection->shutdown_write();
  hand_over({std::move(connection), Phase::Linger, IoClock::now() + kLingerTime, POLLIN,
             HeadScanner(limits_.head)});
}

void ConnectionGate::dispatch(Waiting& waiting, size_t skip, size_t length) {
  waiting.connection->consume(skip);
  // std::function wants a copyable callable; the connection rides in a shared holder.
  auto holder = std::make_shared<std::unique_ptr<Connection>>(std::move(waiting.connection));
  workers_->enqueue([this, holder, length] {
    ++busy_workers_;
    serve_(*this, std::move(*holder), length);
    --busy_workers_;
  });
  waiting.gone = true;
}

std::optional<size_t> ConnectionGate::next_head(Connection& connection) {
  // TLS may hold a decrypted record that poll() cannot see: those go back through the gate.
  if (stopping_ || connection.ssl() || busy_workers_.load() >= worker_count_) return std::nullopt;
  HeadScanner scanner(limits_.head);
  const IoClock::time_point until = IoClock::now() + kHoldForNextRequest;
  while (true) {
    const HeadScan scan = scanner.scan(connection.inbox());
    if (scan.status == HeadStatus::Complete) {
      connection.consume(scan.skip);
      return scan.length;
    }
    if (scan.status != HeadStatus::Incomplete || connection.inbox().size() > limits_.head.max_bytes)
      return std::nullopt; // the gate refuses it, with its usual answer
    if (!connection.wait(POLLIN, until)) return std::nullopt;
    if (connection.receive(kReceiveChunk).n <= 0) return std::nullopt; // closed, or nothing yet
  }
}

void ConnectionGate::refuse(Waiting& waiting, int status, std::string_view description,
                            IoClock::time_point now) {
  // Best effort and non-blocking: a refusal is a few hundred bytes, which fit in any socket
  // buffer; a client that does not read them loses nothing it was owed.
  const std::string bytes = refusal_bytes(status, refusal_(status, description));
  std::string_view rest = bytes;
  while (!rest.empty()) {
    IoStep step = waiting.connection->send(rest.data(), rest.size());
    if (step.n <= 0) break;
    rest.remove_prefix(static_cast<size_t>(step.n));
  }
  waiting.connection->shutdown_write();
  waiting.phase = Phase::Linger;
  waiting.deadline = now + kLingerTime;
  waiting.events = POLLIN;
}

bool ConnectionGate::read_head(Waiting& waiting, IoClock::time_point now) {
  Connection& connection = *waiting.connection;
  const HeadLimits& head = limits_.head;
  while (true) {
    const HeadScan scan = waiting.scanner.scan(connection.inbox());
    switch (scan.status) {
    case HeadStatus::Complete:
      dispatch(waiting, scan.skip, scan.length);
      return false;
    case HeadStatus::TooManyFields:
      refuse(waiting, 431,
             "the request has more than " + std::to_string(head.max_fields) + " header fields",
             now);
      return true;
    case HeadStatus::TooLarge:
      refuse(waiting, 431,
             "the request head is larger than " + std::to_string(head.max_bytes) + " bytes", now);
      return true;
    case HeadStatus::RequestLineTooLong:
      refuse(waiting, 414,
             "the request line is longer than " + std::to_string(head.max_request_line) + " bytes",
             now);
      return true;
    case HeadStatus::Incomplete:
      break;
    }
    // Never more than one byte past the limit is held, whatever the client sends.
    const size_t held = connection.inbox().size();
    const size_t room = head.max_bytes + 1 > held ? head.max_bytes + 1 - held : 1;
    const IoStep step = connection.receive(std::min(room, kReceiveChunk));
    if (step.n > 0) {
      if (waiting.phase == Phase::Idle) {
        waiting.phase = Phase::Head;
        waiting.deadline = now + limits_.head_timeout;
      }
      continue;
    }
    if (step.n < 0 && step.wait != 0) {
      waiting.events = step.wait;
      return true;
    }
    waiting.gone = true; // closed by the client, or broken
    return false;
  }
}

bool ConnectionGate::advance(Waiting& waiting, IoClock::time_point now) {
  switch (waiting.phase) {
  case Phase::Handshake: {
    const IoStep step = waiting.connection->handshake();
    if (step.n <= 0) {
      if (step.wait == 0) {
        waiting.gone = true;
        return false;
      }
      waiting.events = step.wait;
      return true;
    }
    waiting.phase = Phase::Head;
    return read_head(waiting, now); // the client may have sent its request with the handshake
  }
  case Phase::Idle:
  case Phase::Head:
    return read_head(waiting, now);
  case Phase::Linger:
    while (true) {
      const IoStep step = waiting.connection->discard(kReceiveChunk);
      if (step.n > 0) {
        waiting.lingered += static_cast<size_t>(step.n);
        if (waiting.lingered <= kLingerBytes) continue;
      } else if (step.n < 0 && step.wait != 0) {
        return true;
      }
      waiting.gone = true;
      return false;
    }
  }
  return true;
}

void ConnectionGate::expire(Waiting& waiting, IoClock::time_point now) {
  if (waiting.phase == Phase::Head)
    refuse(waiting, 408,
           "the request head did not arrive within " +
               std::to_string(limits_.head_timeout.count()) + " ms",
           now);
  else
    waiting.gone = true; // an idle connection, a stalled handshake, or the end of a linger
}

void ConnectionGate::run() {
  std::vector<pollfd> polled;
  while (!stopping_) {
    const IoClock::time_point arrival = IoClock::now();
    {
      std::lock_guard lock(mutex_);
      for (Waiting& waiting : incoming_)
        waiting_.push_back(std::move(waiting));
      incoming_.clear();
    }
    for (Waiting& waiting : waiting_)
      if (waiting.check_inbox) {
        waiting.check_inbox = false;
        if (!waiting.connection->inbox().empty()) read_head(waiting, arrival);
      }
    std::erase_if(waiting_, [](const Waiting& w) { return w.gone; });
    while (waiting_.size() > limits_.max_waiting)
      waiting_.erase(std::min_element(waiting_.begin(), waiting_.end(),
                                      [](auto& a, auto& b) { return a.deadline < b.deadline; }));

    polled.assign(1, pollfd{wake_fd_, POLLIN, 0});
    IoClock::time_point next = IoClock::time_point::max();
    for (const Waiting& waiting : waiting_) {
      polled.push_back({waiting.connection->fd(), waiting.events, 0});
      next = std::min(next, waiting.deadline);
    }
    int timeout = -1;
    if (next != IoClock::time_point::max())
      timeout = static_cast<int>(std::clamp<long long>(
          std::chrono::ceil<std::chrono::milliseconds>(next - IoClock::now()).count(), 0, 60000));
    if (::poll(polled.data(), polled.size(), timeout) < 0 && errno != EINTR) break;
    if (polled[0].revents) {
      uint64_t count;
      [[maybe_unused]] ssize_t ignored = ::read(wake_fd_, &count, sizeof count);
    }

    const IoClock::time_point now = IoClock::now();
    for (size_t i = 0; i < waiting_.size(); ++i) {
      Waiting& waiting = waiting_[i];
      if (polled[i + 1].revents) advance(waiting, now);
      // Also after progress: a client trickling bytes keeps its socket readable every round.
      if (!waiting.gone && now >= waiting.deadline) expire(waiting, now);
    }
    std::erase_if(waiting_, [](const Waiting& w) { return w.gone; });
  }
  std::lock_guard lock(mutex_);
  closed_ = true;
  incoming_.clear();
  waiting_.clear();
}

} // namespace refserver
