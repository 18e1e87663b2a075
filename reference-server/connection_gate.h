// Keeps slow and hostile clients away from the worker threads. httplib 0.11 gives each accepted
// connection a worker that blocks reading its request head, with no limit on the head's size or
// duration, and keeps that worker while the connection idles between requests: a few dozen
// clients trickling headers hold every worker. The gate instead waits for request heads on one
// thread with poll(), for every connection at once (the TLS handshake included), and hands a
// connection to the worker pool only when a complete head is in its inbox. Heads over the field
// or byte limit are answered 431 (RFC 6585 §5), an overlong request line 414, and a head not in
// by its deadline 408 (RFC 9110 §15.5.9); each such connection is then closed after a short
// lingering drain, so the client reads the answer instead of a reset. Idle keep-alive
// connections also wait here, not on a worker.
#pragma once

#include "connection.h"
#include "connection_stream.h"
#include "request_framing.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <httplib.h>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace refserver {

struct GateLimits {
  HeadLimits head;
  // From accepting a connection (for a kept-alive one, from its next request's first byte)
  // to the blank line that ends the head.
  std::chrono::milliseconds head_timeout{10000};
  // How long a kept-alive connection may idle before its next request begins.
  std::chrono::milliseconds idle_timeout{5000};
  // Connections waiting for a head at most; beyond it the one closest to its deadline goes, so
  // a flood of idle connections cannot exhaust descriptors.
  size_t max_waiting = 512;
};

class ConnectionGate {
public:
  // Runs on a worker for a connection whose inbox starts with a complete head of
  // `head_length` bytes; it hands the connection back (resume, linger) or drops it.
  using Serve =
      std::function<void(ConnectionGate& gate, std::unique_ptr<Connection>, size_t head_length)>;

  // Starts the gate thread and `workers` worker threads.
  ConnectionGate(GateLimits limits, size_t workers, SSL_CTX* tls, Serve serve, Refusal refusal);
  ~ConnectionGate(); // stop()
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  // A newly accepted socket (the gate owns it from now on).
  void admit(int fd);
  // A connection that answered a request and stays open: wait for its next request.
  void resume(std::unique_ptr<Connection> connection);
  // Called by the worker that answered a request on a kept-alive plain-TCP connection, before
  // resume(): waits up to a couple of milliseconds for the next request's complete head, so a
  // client that sends its next request at once (a flow's next step, a load generator) is
  // served on the same worker, without the trip through the gate thread and the queue (two
  // thread wake-ups, which cost more than the request). Only while another worker is free, so
  // holding one never makes a new connection wait, and never past the short window, so a
  // trickling client ends up in the gate as before. Returns the head's length (the inbox then
  // starts with it), or nullopt: then resume() (or linger, if the head is over a limit: the gate
  // finds that out again and refuses it).
  std::optional<size_t> next_head(Connection& connection);
  // A connection to close without a reset: end our side, then discard what the client still
  // sends, briefly.
  void linger(std::unique_ptr<Connection> connection);

  // Closes every waiting connection, then lets the workers finish what they hold. Idempotent.
  void stop();
  bool stopping() const { return stopping_; }

private:
  enum class Phase { Handshake, Idle, Head, Linger };
  struct Waiting {
    std::unique_ptr<Connection> connection;
    Phase phase;
    IoClock::time_point deadline;
    short events; // what poll() waits for
    HeadScanner scanner;
    bool check_inbox = false; // a pipelined head may be in the inbox already
    bool gone = false;        // dispatched to a worker, or to be closed
    size_t lingered = 0;      // bytes discarded while lingering
  };

  void hand_over(Waiting waiting);
  void run();
  // Moves a connection on after poll() reported it: reads, handshakes, dispatches a complete
  // head, refuses one over a limit, or marks it gone. False when it left.
  bool advance(Waiting& waiting, IoClock::time_point now);
  bool read_head(Waiting& waiting, IoClock::time_point now);
  void expire(Waiting& waiting, IoClock::time_point now);
  void refuse(Waiting& waiting, int status, std::string_view description, IoClock::time_point now);
  void dispatch(Waiting& waiting, size_t skip, size_t length);

  GateLimits limits_;
  SSL_CTX* tls_;
  Serve serve_;
  Refusal refusal_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<Waiting> incoming_; // guarded by mutex_
  bool closed_ = false;           // guarded by mutex_: the gate thread has ended
  std::vector<Waiting> waiting_;  // the gate thread's own
  std::unique_ptr<httplib::ThreadPool> workers_;
  size_t worker_count_ = 1;
  std::atomic<size_t> busy_workers_{0}; // serving a request, or holding for the next one
  std::thread thread_;
  std::once_flag stopped_;
};

} // namespace refserver
