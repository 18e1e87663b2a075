// The reference OAuth 2.1 authorization server: wires the endpoint services to an HTTP listener
// running on background threads. Embeddable in tests; main.cpp wraps it as a binary.
#pragma once

#include "options.h"

#include <memory>
#include <string>

namespace refserver {

class ClientMetadataFetcher;

class ReferenceServer {
public:
  explicit ReferenceServer(ServerOptions options);
  // With a replacement for the libcurl client metadata document fetcher (tests).
  ReferenceServer(ServerOptions options, std::shared_ptr<ClientMetadataFetcher> fetcher);
  ~ReferenceServer(); // stops the server
  ReferenceServer(const ReferenceServer&) = delete;
  ReferenceServer& operator=(const ReferenceServer&) = delete;

  // Loads the TLS certificate and key if configured, binds host:port (port 0 picks an ephemeral
  // port), starts listening on a background thread and returns the bound port. Throws
  // std::runtime_error if the certificate or key cannot be loaded or it cannot bind or listen,
  // and std::logic_error when called again after stop().
  int start();

  // "http://HOST:PORT", or "https://HOST:PORT" with TLS, where HOST is the public host (the bound
  // host unless options say otherwise); also the issuer. Empty before start().
  std::string base_url() const;

  // Idempotent; joins the listener and worker threads.
  void stop();

  const ServerOptions& options() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace refserver
