#include "drivers/manual_driver.h"

#include "core/url.h"
#include "http/redaction.h"

#include <arpa/inet.h>
#include <condition_variable>
#include <httplib.h>
#include <iostream>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace conformance {

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  close(fd);
  return port;
}

AuthorizationResult ManualDriver::authorize(const std::string& authorization_url,
                                            const std::string& redirect_uri) {
  AuthorizationResult result;
  auto parts = oauth::parse_url(redirect_uri);
  if (!parts || parts->scheme != "http" || !oauth::is_loopback_ip(parts->host) ||
      parts->port.empty())
    return result.driver_failed(
        "the manual driver needs an http loopback redirect URI with a port, got " + redirect_uri);
  std::string host = parts->host;
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = std::stoi(parts->port);

  std::mutex mutex;
  std::condition_variable arrived;
  std::optional<std::string> target; // path and query the browser asked for
  httplib::Server server;
  server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    if (req.path != parts->path) {
      res.status = 404; // e.g. /favicon.ico
      return;
    }
    res.set_content("<!doctype html><title>conformance</title><p>Authorization received. You "
                    "can close this window and return to the terminal.</p>",
                    "text/html; charset=utf-8");
    std::lock_guard lock(mutex);
    if (!target) target = req.target;
    arrived.notify_all();
  });
  // One request per connection, so stopping never waits for an idle browser connection.
  server.set_keep_alive_max_count(1);
  if (!server.bind_to_port(host, port))
    return result.driver_failed("cannot listen on " + host + ":" + std::to_string(port));
  std::thread listener([&] { server.listen_after_bind(); });

  std::ostream& out = options_.prompt ? *options_.prompt : std::cerr;
  out << "\nOpen this URL in a browser, sign in and approve (waiting " << options_.timeout.count()
      << " s):\n  " << authorization_url << "\n"
      << std::flush;
  {
    std::unique_lock lock(mutex);
    arrived.wait_for(lock, options_.timeout, [&] { return target.has_value(); });
  }
  server.stop();
  listener.join();
  if (!target)
    return result.driver_failed("no browser arrived at " + redirect_uri + " within " +
                                std::to_string(options_.timeout.count()) + " s");
  std::string origin = "http://" + parts->host + ":" + parts->port;
  arrive_at(result, origin + *target, redirect_uri);
  return result;
}

} // namespace conformance
