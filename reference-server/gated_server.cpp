// The gated httplib servers: accepted sockets go to the gate, complete heads come back to
// httplib's request processing on the gate's workers.
#include "gated_server.h"

#include <chrono>
#include <sys/socket.h>
#include <type_traits>
#include <unistd.h>
#include <utility>

namespace refserver {
namespace {

// The task queue httplib's accept loop feeds. Each task it enqueues is a call of
// process_and_close_socket(sock), which here only admits the socket to the gate: cheap and
// non-blocking, so it runs at once on the accept thread. The gate's own pool does the work.
// httplib calls shutdown() when the server stops, after the accept loop has ended.
class GateQueue final : public httplib::TaskQueue {
public:
  GateQueue(std::unique_ptr<ConnectionGate> gate, ConnectionGate*& slot)
      : gate_(std::move(gate)), slot_(slot) {
    slot_ = gate_.get();
  }
  ~GateQueue() override { slot_ = nullptr; }

  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override { gate_->stop(); }

private:
  std::unique_ptr<ConnectionGate> gate_;
  ConnectionGate*& slot_;
};

template <class Base> class GatedServer final : public Base {
public:
  static constexpr bool kTls = std::is_base_of_v<httplib::SSLServer, Base>;

  template <class... Args>
  explicit GatedServer(GateSettings settings, Args&&... args)
      : Base(std::forward<Args>(args)...), settings_(std::move(settings)) {
    // Read when listening starts, so the timeouts set after construction apply.
    this->new_task_queue = [this] {
      // httplib 0.11 listens with a backlog of 5 (compiled into the library): a burst of new
      // connections beyond it has its SYNs dropped and waits a second for the retransmit.
      // Listening again on the bound socket only raises the backlog.
      ::listen(this->svr_sock_, SOMAXCONN);
      GateLimits limits = settings_.limits;
      limits.idle_timeout = std::chrono::seconds(this->keep_alive_timeout_sec_);
      SSL_CTX* tls = nullptr;
      if constexpr (kTls) tls = this->ssl_context();
      auto gate = std::make_unique<ConnectionGate>(
          limits, settings_.workers, tls,
          [this](ConnectionGate& gate, std::unique_ptr<Connection> connection, size_t head) {
            serve(gate, std::move(connection), head);
          },
          settings_.refusal);
      return new GateQueue(std::move(gate), gate_);
    };
  }

private:
  bool process_and_close_socket(socket_t sock) override {
    if (!gate_) {
      ::close(sock);
      return false;
    }
    gate_->admit(sock);
    return true;
  }

  // Requests on a worker, then the connection goes back to the gate (kept alive or to linger)
  // or is closed.
  void serve(ConnectionGate& gate, std::unique_ptr<Connection> connection, size_t head_length) {
    // The next request of a kept-alive connection is served here too when it comes at once.
    while (serve_one(gate, connection, head_length)) {
      std::optional<size_t> next = gate.next_head(*connection);
      if (!next) {
        gate.resume(std::move(connection));
        return;
      }
      head_length = *next;
    }
  }

  // One request. True when the connection stays open for another; otherwise it was handed to
  // linger or is closed here.
  bool serve_one(ConnectionGate& gate, std::unique_ptr<Connection>& connection,
                 size_t head_length) {
    BodyLimits body = settings_.body;
    body.read_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::seconds(this->read_timeout_sec_) +
        std::chrono::microseconds(this->read_timeout_usec_));
    body.write_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::seconds(this->write_timeout_sec_) +
        std::chrono::microseconds(this->write_timeout_usec_));
    ConnectionStream stream(*connection, head_length, body, settings_.refusal);
    const bool last = ++connection->requests_served >= this->keep_alive_max_count_ ||
                      gate.stopping() || this->svr_sock_ == INVALID_SOCKET;
    bool closed = false;
    const bool written =
        this->process_request(stream, last, closed, [&](httplib::Request& request) {
          if constexpr (kTls) request.ssl = connection->ssl();
          stream.begin_body(request);
        });
    if (stream.refused() || (written && (!stream.reusable() || closed || last))) {
      gate.linger(std::move(connection)); // unread input may follow: close without a reset
      return false;
    }
    if (!written) connection.reset(); // the client is gone
    return written;
  }

  GateSettings settings_;
  ConnectionGate* gate_ = nullptr; // while listening
};

} // namespace

std::unique_ptr<httplib::Server> make_gated_server(GateSettings settings) {
  return std::make_unique<GatedServer<httplib::Server>>(std::move(settings));
}

std::unique_ptr<httplib::Server> make_gated_tls_server(GateSettings settings,
                                                       const std::function<bool(SSL_CTX&)>& setup) {
  return std::make_unique<GatedServer<httplib::SSLServer>>(std::move(settings), setup);
}

} // namespace refserver
