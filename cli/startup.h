// From settings to a server to test, shared by `conformance` and `conformance bench`: the bundled
// reference server when the settings name none, and, from an MCP URL, the authorization server
// found the way MCP clients find it.
#pragma once

#include "hosting/client_document_server.h"
#include "http/http_client.h"
#include "oauth/resource_discovery.h"
#include "settings.h"

#include <memory>
#include <optional>
#include <stdexcept>

namespace refserver {
class ReferenceServer;
}

namespace conformance {

// The run cannot start; the message is the one line the program prints before exiting 2.
class StartupError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The bundled server, running for as long as this lives.
class BundledServer {
public:
  explicit BundledServer(std::unique_ptr<refserver::ReferenceServer> server);
  ~BundledServer();
  BundledServer(const BundledServer&) = delete;
  BundledServer& operator=(const BundledServer&) = delete;
  std::string base_url() const;

private:
  std::unique_ptr<refserver::ReferenceServer> server_;
};

// When the settings name neither a base URL nor an MCP URL: starts the reference server in this
// process and points the settings at its MCP endpoint, with the operator facts only it can know
// (its admin tool needs mcp:admin, which includes mcp:tools). It fetches client metadata documents
// from http://127.0.0.1 for testing, and, unless the settings name a listener, the run serves
// them on a free loopback port, so the CIMD checks run too. Null when a URL was given; a
// StartupError when the server cannot start (a port that is taken, say).
std::unique_ptr<BundledServer> start_bundled_server_if_needed(Settings& settings);

// The document server for the CIMD checks when the settings ask for one (cimd.listen); null
// otherwise, a StartupError when it cannot listen.
std::unique_ptr<ClientDocumentServer> start_document_server_if_configured(const Settings& settings);

// MCP mode: discovers the protected resource behind `run.mcp_url` and, when `run.base_url` is
// empty, takes the authorization server from its metadata (under MCP 2025-03-26, from the MCP
// server's origin instead). Nullopt without an MCP URL; a StartupError when no authorization
// server can be found.
std::optional<ResourceDiscovery> locate_authorization_server(RunOptions& run, HttpClient& http);

} // namespace conformance
