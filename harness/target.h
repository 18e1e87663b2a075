// The target (DESIGN.md "Target"): what the run knows about the server under test:
// the discovered metadata, the test clients (registered on first use), the driver.
#pragma once

#include "authorization_driver.h"
#include "discovery.h"
#include "form_driver.h"
#include "http_client.h"
#include "mcp_client.h"
#include "oauth_client.h"
#include "resource_discovery.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace conformance {

struct RunOptions {
  std::string base_url;
  HttpOptions http;
  std::string profile;
  bool strict = false;
  // The scope ordinary authorization requests ask for; none when unset (servers without a
  // default scope need one, RFC 6749 §3.3). Requests that set their own scope keep it.
  std::optional<std::string> flow_scope;
  // The loopback redirect URI the harness registers; never fetched (DESIGN.md "Driver").
  std::string redirect_uri = "http://127.0.0.1/callback";
  // The server's authorization code lifetime, when the operator states it: CODE-04 waits
  // that long (plus a margin) to test expiry; without it CODE-04 is skipped.
  std::optional<std::chrono::seconds> code_lifetime;
  // How the harness gets through the authorization endpoint: "redirect" (auto-consent
  // servers) or "form" (sign in and consent with `form_fields`, by input name).
  std::string driver = "redirect";
  std::map<std::string, std::string> form_fields;
  // The command driver's program and arguments.
  std::vector<std::string> command;
  // How long one login may take with the command (default 120 s) or manual (300 s) driver.
  std::optional<std::chrono::seconds> driver_timeout;

  // "dynamic": the harness registers its clients by DCR. "static": only the clients below, by
  // role ("public", "second", "basic", "post"), as the operator registered them.
  std::string registration = "dynamic";
  std::map<std::string, TestClient> static_clients;

  // MCP mode (--mcp-url): the MCP server under test. Ordinary flows then send its canonical URI
  // as `resource` on the authorization and token requests, as MCP clients do.
  std::optional<std::string> mcp_url;
  // Leave `resource` out of ordinary flows (for servers that refuse it; RES-01 still tries it).
  bool omit_resource = false;
  // The MCP protocol version offered in initialize (follows the profile).
  std::string mcp_protocol_version = "2025-11-25";

  // Operator facts a black box cannot guess.
  std::optional<std::string> second_resource;     // another resource the AS mints tokens for (RS2)
  std::map<std::string, std::string> tool_scopes; // MCP tool -> a scope it needs (PRS-17)
  // broader scope -> a narrower scope it includes (PRS-19)
  std::vector<std::pair<std::string, std::string>> scope_implies;
  std::optional<std::string> introspection_endpoint; // when not advertised
  std::optional<std::string> revocation_endpoint;    // when not advertised
  // Introspection caller credentials: a client id and secret (HTTP Basic), or a bearer token.
  // Without them the harness introspects as its own confidential test client.
  std::optional<std::string> introspection_client_id;
  std::optional<std::string> introspection_client_secret;
  std::optional<std::string> introspection_token;
};

class Target {
public:
  Target(RunOptions options, Discovery discovery,
         std::optional<ResourceDiscovery> resource = std::nullopt);

  const RunOptions& options() const { return options_; }
  HttpClient& http() { return http_; }
  AuthorizationDriver& driver() { return *driver_; }
  const Discovery& discovery() const { return discovery_; }
  const nlohmann::json& metadata() const { return discovery_.metadata; }
  // The issuer the server claims (metadata `issuer`), or the base URL's if absent.
  std::string issuer() const;
  // A string member of the metadata, e.g. "token_endpoint".
  std::optional<std::string> endpoint(std::string_view member) const;
  // The endpoint, or the check is skipped with a reason naming the member.
  std::string require_endpoint(std::string_view member) const;

  // Test clients, registered by DCR on first use and reused for the run. Checks that need
  // one are skipped when the server offers no registration, and end in error when
  // registration fails (the evidence is on the check that first asked).
  const TestClient& client(std::string_view role); // "public", "second", "basic", "post"
  // A client registered with the given metadata on first use, cached under `role`
  // (e.g. a client whose only redirect URI is https://harness.example/cb).
  const TestClient& client_registered_as(std::string_view role, const nlohmann::json& metadata,
                                         ClientAuth auth = ClientAuth::None);

  // MCP mode: how the MCP server was discovered, or nullptr without --mcp-url.
  const ResourceDiscovery* resource() const { return resource_ ? &*resource_ : nullptr; }
  // The MCP server's canonical URI; the check is skipped without --mcp-url.
  const std::string& require_mcp_url() const;
  // A client for the MCP endpoint; the check is skipped without --mcp-url.
  McpClient& mcp();
  // What ordinary flows send as `resource`: the MCP server's URI in MCP mode, else nothing.
  std::vector<std::string> flow_resources() const;
  // The second resource (RS2): the operator's, or a made-up one the AS may still accept.
  std::string second_resource() const;
  bool second_resource_configured() const { return options_.second_resource.has_value(); }
  // Scopes a client could ask for: the protected resource's scopes_supported in MCP mode, else
  // the authorization server's, without offline_access (it asks for a refresh token, not access).
  std::vector<std::string> access_scopes() const;

private:
  RunOptions options_;
  Discovery discovery_;
  HttpClient http_;
  std::unique_ptr<AuthorizationDriver> driver_;
  std::map<std::string, TestClient, std::less<>> clients_;
  std::map<std::string, std::string, std::less<>> client_failures_;
  std::optional<ResourceDiscovery> resource_;
  std::unique_ptr<McpClient> mcp_;
};

Target& target();
void set_target(Target* target);

// --- flows built on the target, shared by many checks ---

// What an ordinary flow asks for; unset members take the run's defaults.
struct FlowShape {
  std::optional<std::string> scope;
  std::optional<std::vector<std::string>> resources; // default: Target::flow_resources()
};

struct CodeGrant {
  TestClient client;
  std::vector<std::string> resources; // sent on the authorization request; redeem() repeats them
  Pkce pkce;
  AuthorizationRequest request;
  AuthorizationResult authorization;
  std::string code;
};
// Drives a well-formed authorization for `client`; `code` stays empty when none arrives (the
// outcome is in `authorization`).
CodeGrant attempt_code(const TestClient& client, const Pkce& pkce = Pkce::fresh(),
                       const FlowShape& shape = {});
// The same, but a missing code ends the check in error: a prerequisite failed.
CodeGrant obtain_code(const TestClient& client, const Pkce& pkce = Pkce::fresh(),
                      const FlowShape& shape = {});
// Runs `request` through the driver.
AuthorizationResult authorize(const AuthorizationRequest& request, const std::string& redirect_uri);
// Redeems `grant` at the token endpoint; `form` defaults to the well-formed exchange.
HttpResponse redeem(const CodeGrant& grant);
HttpResponse send_token_request(const TestClient& client, oauth::Params form,
                                HeaderList headers = {});

} // namespace conformance
