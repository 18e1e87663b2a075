// The target (DESIGN.md "Target"): what the run knows about the server under test:
// the discovered metadata, the test clients (registered on first use), the driver.
#pragma once

#include "drivers/authorization_driver.h"
#include "drivers/driver_factory.h"
#include "http/http_client.h"
#include "oauth/discovery.h"
#include "oauth/mcp_client.h"
#include "oauth/oauth_client.h"
#include "oauth/profile.h"
#include "oauth/resource_discovery.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace conformance {

// The harness's own test clients, by what the checks need of them.
enum class ClientRole {
  Public, // a public client (token_endpoint_auth_method none)
  Second, // another public client, for cross-client checks
  Basic,  // a confidential client that authenticates with client_secret_basic
  Post    // a confidential client that authenticates with client_secret_post
};
std::string_view client_role_name(ClientRole role); // "public", "second", "basic", "post"

// Where the test clients come from.
enum class RegistrationMode {
  Dynamic, // the harness registers them by DCR (RFC 7591)
  Static   // only the operator's clients, registered beforehand
};

// Facts about the deployment that a black box cannot guess, given by the operator.
struct OperatorFacts {
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

struct RunOptions {
  std::string base_url;
  // Whether base_url is the authorization server exactly as MCP clients will name it (from the
  // protected resource metadata, or under MCP 2025-03-26 the MCP server's origin) rather than
  // the operator's --base-url.
  bool base_url_from_resource_metadata = false;
  HttpOptions http;
  Profile profile = kDefaultProfile;
  bool strict = false;
  // The scope ordinary authorization requests ask for; none when unset (servers without a
  // default scope need one, RFC 6749 §3.3). Requests that set their own scope keep it.
  std::optional<std::string> flow_scope;
  // The loopback redirect URI the harness registers; never fetched (DESIGN.md "Driver").
  std::string redirect_uri = "http://127.0.0.1/callback";
  // The server's authorization code lifetime, when the operator states it: CODE-04 waits
  // that long (plus a margin) to test expiry; without it CODE-04 is skipped.
  std::optional<std::chrono::seconds> code_lifetime;
  // How the harness gets through the authorization endpoint.
  DriverSettings driver;

  RegistrationMode registration = RegistrationMode::Dynamic;
  // The operator's clients by role; with RegistrationMode::Static the only ones used.
  std::map<ClientRole, TestClient> static_clients;
  // The initial access token a protected registration endpoint requires (RFC 7591 §3).
  std::optional<std::string> initial_access_token;

  // MCP mode (--mcp-url): the MCP server under test. Ordinary flows then send its canonical URI
  // as `resource` on the authorization and token requests, as MCP clients do.
  std::optional<std::string> mcp_url;
  // Leave `resource` out of ordinary flows (for servers that refuse it; RES-01 still tries it).
  bool omit_resource = false;

  OperatorFacts facts;
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
  // Whether the metadata array `member` lists `value`; nullopt when the member is absent (the
  // caller applies RFC 8414's default for it).
  std::optional<bool> metadata_lists(std::string_view member, std::string_view value) const;

  // The test client for `role`: the operator's, or one registered by DCR on first use and
  // reused for the run. Checks that need one are skipped when there is none to be had, and end
  // in error when registration fails (the evidence is on the check that first asked). Where no
  // public client can be had, the operator's confidential client stands in for it (it
  // authenticates as configured, and the check's message says so): use public_client() where
  // being public is the point of the check.
  const TestClient& client(ClientRole role);
  // A public client and nothing else, or the check is skipped saying why.
  const TestClient& public_client();
  // A client other than `than` (for cross-client checks): the second client where there is one,
  // else any other the operator named. Skips when there is none.
  const TestClient& other_client(const TestClient& than);
  // The operator's client for `role`, or null.
  const TestClient* static_client(ClientRole role) const;
  // Whether the harness can register clients of its own: a registration endpoint, dynamic mode,
  // and no refusal for want of an initial access token.
  bool can_register() const;
  // POSTs client metadata to the registration endpoint, with the initial access token when one
  // is configured; skips when there is no endpoint.
  HttpResponse post_registration(const nlohmann::json& metadata);
  // The headers every registration request carries (the initial access token, if any).
  HeaderList registration_headers() const;
  // A client registered by DCR with the given metadata on first use, cached under `purpose`
  // (e.g. "https-callback": a client whose only redirect URI is https://harness.example/cb).
  const TestClient& client_registered_as(std::string_view purpose, const nlohmann::json& metadata,
                                         ClientAuth auth = ClientAuth::None);
  // The same, or null where the harness cannot register (no endpoint, static mode, or a
  // registration that turns out to need an initial access token), for checks that can fall back
  // on the operator's clients.
  const TestClient* try_client_registered_as(std::string_view purpose,
                                             const nlohmann::json& metadata,
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
  bool second_resource_configured() const { return options_.facts.second_resource.has_value(); }
  // Scopes a client could ask for: the protected resource's scopes_supported in MCP mode, else
  // the authorization server's, without offline_access (it asks for a refresh token, not access).
  std::vector<std::string> access_scopes() const;

private:
  RunOptions options_;
  Discovery discovery_;
  HttpClient http_;
  std::unique_ptr<AuthorizationDriver> driver_;
  // Why the harness cannot register, once it knows (say, a 401 asking for an initial access
  // token); empty while it can.
  std::string registration_unavailable_;
  [[noreturn]] void skip_registration(const std::string& what) const;
  // Records a 401 from the registration endpoint as "needs an initial access token"; true then.
  bool note_protected_registration(const HttpResponse& response);

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
