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

// Who calls the introspection endpoint: the operator's credentials, or the harness's own
// confidential test client.
struct IntrospectionCaller {
  std::string who; // for messages, never a secret
  std::optional<TestClient> client;
  std::optional<std::string> bearer_token;
};
// nullopt when there are no operator credentials and no confidential client can be registered.
std::optional<IntrospectionCaller> introspection_caller();
IntrospectionCaller require_introspection_caller();

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
// An access token: introspection, else the MCP server (initialize with the token).
Validity access_token_validity(const std::string& access_token);
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
Audience access_token_audience(const std::string& access_token);

} // namespace conformance
