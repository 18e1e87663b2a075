#include "startup.h"

#include "oauth/discovery.h"
#include "server.h" // the bundled reference server

namespace conformance {

BundledServer::BundledServer(std::unique_ptr<refserver::ReferenceServer> server)
    : server_(std::move(server)) {}

BundledServer::~BundledServer() {
  server_->stop();
}

std::string BundledServer::base_url() const {
  return server_->base_url();
}

std::unique_ptr<BundledServer> start_bundled_server_if_needed(Settings& settings) {
  RunOptions& run = settings.run;
  if (!run.base_url.empty() || run.mcp_url) return nullptr;
  refserver::ServerOptions options;
  options.port = settings.bundled.port;
  options.threads = settings.bundled.threads;
  options.cimd_allow_http_loopback = true;
  if (!settings.cimd.listen_host) settings.cimd.listen_host = "127.0.0.1";
  auto server = std::make_unique<refserver::ReferenceServer>(options);
  try {
    server->start();
  } catch (const std::exception& e) {
    throw StartupError("cannot start the bundled reference server: " + std::string(e.what()));
  }
  auto bundled = std::make_unique<BundledServer>(std::move(server));
  // Only the MCP endpoint: the authorization server is found from it, as MCP clients find it.
  run.mcp_url = bundled->base_url() + "/mcp";
  run.facts.tool_scopes.emplace("admin_report", "mcp:admin");
  run.facts.scope_implies.emplace_back("mcp:admin", "mcp:tools");
  return bundled;
}

std::unique_ptr<ClientDocumentServer> start_document_server_if_configured(const Settings& settings) {
  const CimdSettings& cimd = settings.cimd;
  if (!cimd.listen_host) return nullptr;
  try {
    return std::make_unique<ClientDocumentServer>(
        DocumentServerOptions{*cimd.listen_host, cimd.listen_port, cimd.base_url.value_or("")});
  } catch (const std::runtime_error& e) {
    throw StartupError(e.what());
  }
}

std::optional<ResourceDiscovery> locate_authorization_server(RunOptions& run, HttpClient& http) {
  if (!run.mcp_url) return std::nullopt;
  ResourceDiscovery resource =
      discover_resource(http, *run.mcp_url, std::string(mcp_protocol_version_for(run.profile)));
  // MCP 2025-03-26 predates protected resource metadata: the MCP server's origin is the start.
  if (run.base_url.empty() && run.profile == Profile::Mcp20250326) {
    run.base_url =
        authorization_server_for_2025_03_26(http, resource.mcp_url, resource.authorization_server);
    run.base_url_from_resource_metadata = true;
    return resource;
  }
  if (run.base_url.empty()) {
    if (!resource.authorization_server)
      throw StartupError(resource.failure + " (give --base-url to name the authorization server)");
    run.base_url = *resource.authorization_server;
    run.base_url_from_resource_metadata = true;
  }
  return resource;
}

} // namespace conformance
