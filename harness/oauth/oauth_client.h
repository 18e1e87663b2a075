// The OAuth test client: registers itself by DCR (RFC 7591), builds authorization
// requests with PKCE, and sends token requests with the client's authentication.
#pragma once

#include "http/http_client.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace conformance {

enum class ClientAuth { None, SecretBasic, SecretPost };
std::string_view client_auth_name(ClientAuth auth); // the RFC 7591 method name

struct TestClient {
  std::string client_id;
  std::string client_secret; // empty for public clients
  ClientAuth auth = ClientAuth::None;
  std::string redirect_uri; // the one its requests use
  // Every redirect URI it is registered with, redirect_uri first (an operator's client may have
  // several: the redirect checks look for the kind they need among them).
  std::vector<std::string> redirect_uris;
  nlohmann::json registration; // the server's registration response
};

// What current MCP clients send when they register (DCR-01's body).
nlohmann::json client_metadata(const std::string& redirect_uri, ClientAuth auth);
// The same for several redirect URIs (application_type follows the first).
nlohmann::json client_metadata(const std::vector<std::string>& redirect_uris, ClientAuth auth);

struct Registration {
  HttpResponse response;
  std::optional<TestClient> client; // set when the server issued a usable client_id
  std::string problem;              // why not, when it did not
};
// `initial_access_token`: the bearer token a protected registration endpoint wants (RFC 7591 §3).
Registration register_client(HttpClient& http, const std::string& registration_endpoint,
                             const nlohmann::json& metadata, ClientAuth auth,
                             const std::optional<std::string>& initial_access_token = {});

struct Pkce {
  std::string verifier;
  std::string challenge;
  static Pkce fresh();                             // RAND_bytes verifier, S256 challenge
  static Pkce from_verifier(std::string verifier); // S256 of a given verifier
};

struct AuthorizationRequest {
  std::optional<std::string> response_type = "code";
  std::optional<std::string> client_id;
  std::optional<std::string> redirect_uri;
  std::optional<std::string> scope;
  std::optional<std::string> state;
  std::optional<std::string> code_challenge;
  std::optional<std::string> code_challenge_method = "S256";
  oauth::Params extra; // appended as given (duplicates and unknown parameters included)

  oauth::Params params() const;
};

// A well-formed request for `client` with `pkce` and a fresh random state.
AuthorizationRequest authorization_request(const TestClient& client, const Pkce& pkce);
std::string authorization_url(const std::string& authorization_endpoint,
                              const AuthorizationRequest& request);

// The authorization_code grant form (RFC 6749 §4.1.3 with PKCE's code_verifier).
oauth::Params code_grant(const std::string& code, const std::optional<std::string>& redirect_uri,
                         const std::optional<std::string>& verifier);

// Adds `client`'s authentication to a request for the token, introspection or revocation
// endpoint: client_id in the body for public clients, Basic or a body secret otherwise.
void add_client_authentication(const TestClient& client, oauth::Params& form, HeaderList& headers);

// POSTs `form` to the token endpoint, authenticating as `client` (client_id in the body
// for public clients, Basic or body secret for confidential ones). Any token in the
// response is remembered as a secret for redaction.
HttpResponse token_request(HttpClient& http, const std::string& token_endpoint,
                           const TestClient& client, oauth::Params form, HeaderList headers = {});

// Basic credentials per RFC 6749 §2.3.1: id and secret form-urlencoded, then base64.
std::string basic_authorization(const std::string& client_id, const std::string& secret);

} // namespace conformance
