// A throwaway cpp-httplib server on an ephemeral loopback port, for unit tests
// that need a peer misbehaving in one precise way.
#pragma once

#include <httplib.h>
#include <stdexcept>
#include <string>
#include <thread>

class FixtureServer {
public:
  FixtureServer() = default;
  ~FixtureServer() { stop(); }
  httplib::Server& routes() { return server_; }
  // Binds 127.0.0.1 on an ephemeral port and serves on a background thread.
  void start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("fixture server could not bind");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // bind_to_any_port already listens: connections queue until the thread accepts them.
  }
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};
