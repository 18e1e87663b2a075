// Asking the server about a token (REQUIREMENTS.md "ORC"): introspection (RFC 7662), revocation
// (RFC 7009), and the validity oracle the lifecycle checks use to see whether a token still
// works. The oracle prefers introspection when the harness can authenticate to it, then the MCP
// server, then (for refresh tokens) a refresh attempt, and always says which one decided.
#pragma once

#include "under_test/target.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

// Configured (--introspection-url / --revocation-url), else advertised in the metadata.
std::optional<std::string> introspection_endpoint();
std::optional<std::string> revocation_endpoint();
// The same, or the check is skipped with the reason.
std::string require_introspection_endpoint();
std::string require_revocation_endpoint();

// The harness's confidential role whose authentication method the metadata `member` (e.g.
// "introspection_endpoint_auth_methods_supported") offers: Basic where listed or where the
// member is absent (RFC 8414 §2's default), else Post; nullopt when it offers neither.
std::optional<ClientRole> confidential_role_for(std::string_view member);
// Who revokes: the public client where the revocation endpoint takes `none` (or says nothing:
// RFC 7009 §2.1 lets a public client name itself), else a confidential client the metadata
// allows. Skips the check when the metadata allows none the harness has.
ClientRole revocation_role();
// A second client of the same kind as `role` (for cross-client checks), registered on first use.
const TestClient& another_client_like(ClientRole role);

// Who calls the introspection endpoint: the operator's credentials, or the harness's own
// confidential test client, authenticating as the metadata says the endpoint accepts.
struct IntrospectionCaller {
  std::string who; // for messages, never a secret
  std::optional<TestClient> client;
  std::optional<std::string> bearer_token;
  // The operator's credentials (a resource server's) see every token. The harness's own client
  // may be shown only its own: RFC 7662 §2.2 and §4 let a server answer active:false for a
  // token the caller is not entitled to, so such an answer about another client's token proves
  // nothing.
  bool sees_all_tokens = false;

  bool entitled_to(const TestClient& owner) const {
    return sees_all_tokens || (client && client->client_id == owner.client_id);
  }
};
// nullopt when there are no operator credentials and no confidential client can be registered.
std::optional<IntrospectionCaller> introspection_caller();
IntrospectionCaller require_introspection_caller();
// The client whose tokens `caller` may be asked about: the caller itself when it is the
// harness's client, else the public client.
const TestClient& token_owner_for(const IntrospectionCaller& caller);

struct Introspection {
  HttpResponse response;
  std::optional<nlohmann::json> body; // a JSON object
  std::optional<bool> active;         // set only when `active` is a JSON boolean
};
Introspection introspect(const IntrospectionCaller& caller, const std::string& token,
                         const std::optional<std::string>& hint = std::nullopt);
// POSTs to the introspection endpoint with exactly the given headers and form (no caller
// credentials added): for the checks that probe authentication itself.
HttpResponse introspect_raw(const oauth::Params& form, HeaderList headers = {});

// Revocation as `client` would request it (its own authentication).
HttpResponse revoke(const TestClient& client, const std::string& token,
                    const std::optional<std::string>& hint = std::nullopt);

struct Validity {
  std::optional<bool> valid; // nullopt: no oracle could tell
  std::string oracle;        // which oracle decided, e.g. "introspection"
  std::string detail;        // what it answered

  std::string describe() const; // "valid (oracle: introspection, ...)"
};
// An access token issued to `owner`: introspection (where its answer is conclusive for that
// owner), else the MCP server (initialize with the token).
Validity access_token_validity(const std::string& access_token, const TestClient& owner);
// A refresh token: introspection, else a refresh attempt by `owner` (which, if it succeeds,
// rotates the token: callers must not rely on it afterwards).
Validity refresh_token_validity(const TestClient& owner, const std::string& refresh_token);

// The audience of an access token: introspection's `aud`, else the `aud` claim of an unverified
// JWT. `source` says which; `values` is nullopt when neither told.
struct Audience {
  std::optional<std::vector<std::string>> values;
  std::string source;
  bool contains(const std::string& resource) const;
};
Audience access_token_audience(const std::string& access_token, const TestClient& owner);

} // namespace conformance
