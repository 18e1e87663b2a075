// The target (DESIGN.md "Target"): what the run knows about the server under test:
// the discovered metadata, the test clients (registered on first use), the driver.
#pragma once

#include "authorization_driver.h"
#include "discovery.h"
#include "http_client.h"
#include "form_driver.h"
#include "oauth_client.h"

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
  // The loopback redirect URI the harness registers; never fetched (DESIGN.md "Driver").
  std::string redirect_uri = "http://127.0.0.1/callback";
  // The server's authorization code lifetime, when the operator states it: CODE-04 waits
  // that long (plus a margin) to test expiry; without it CODE-04 is skipped.
  std::optional<std::chrono::seconds> code_lifetime;
  // How the harness gets through the authorization endpoint: "redirect" (auto-consent
  // servers) or "form" (sign in and consent with `form_fields`, by input name).
  std::string driver = "redirect";
  std::map<std::string, std::string> form_fields;
};

class Target {
public:
  Target(RunOptions options, Discovery discovery);

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

private:
  RunOptions options_;
  Discovery discovery_;
  HttpClient http_;
  std::unique_ptr<AuthorizationDriver> driver_;
  std::map<std::string, TestClient, std::less<>> clients_;
  std::map<std::string, std::string, std::less<>> client_failures_;
};

Target& target();
void set_target(Target* target);

// --- flows built on the target, shared by many checks ---

struct CodeGrant {
  TestClient client;
  Pkce pkce;
  AuthorizationRequest request;
  AuthorizationResult authorization;
  std::string code;
};
// Drives a well-formed authorization for `client` (optionally adjusted by `tweak`) and
// returns the code. Ends the check in error when no code arrives: a prerequisite failed.
CodeGrant obtain_code(const TestClient& client, const Pkce& pkce = Pkce::fresh());
// Runs `request` through the driver.
AuthorizationResult authorize(const AuthorizationRequest& request, const std::string& redirect_uri);
// Redeems `grant` at the token endpoint; `form` defaults to the well-formed exchange.
HttpResponse redeem(const CodeGrant& grant);
HttpResponse send_token_request(const TestClient& client, oauth::Params form,
                                HeaderList headers = {});

} // namespace conformance
