#include "under_test/target.h"

#include "checks/check.h"

namespace conformance {
namespace {
Target* current_target = nullptr;
}

std::string_view client_role_name(ClientRole role) {
  switch (role) {
  case ClientRole::Public:
    return "public";
  case ClientRole::Second:
    return "second";
  case ClientRole::Basic:
    return "basic";
  case ClientRole::Post:
    return "post";
  }
  return "public";
}

Target& target() {
  if (!current_target) throw std::logic_error("no target: the run has not been set up");
  return *current_target;
}
void set_target(Target* t) {
  current_target = t;
}

Target::Target(RunOptions options, Discovery discovery, std::optional<ResourceDiscovery> resource)
    : options_(std::move(options)), discovery_(std::move(discovery)), http_(options_.http),
      resource_(std::move(resource)) {
  if (options_.mcp_url) {
    options_.mcp_url = canonical_resource_uri(*options_.mcp_url);
    mcp_ = std::make_unique<McpClient>(http_, *options_.mcp_url,
                                       std::string(mcp_protocol_version_for(options_.profile)));
  }
  driver_ = make_driver(options_.driver, http_);
}

std::string Target::issuer() const {
  if (metadata().contains("issuer") && metadata()["issuer"].is_string())
    return metadata()["issuer"].get<std::string>();
  return discovery_.issuer;
}

std::optional<std::string> Target::endpoint(std::string_view member) const {
  auto it = metadata().find(member);
  if (it == metadata().end() || !it->is_string() || it->get<std::string>().empty())
    return std::nullopt;
  return it->get<std::string>();
}

std::string Target::require_endpoint(std::string_view member) const {
  auto value = endpoint(member);
  if (!value) skip_check("the metadata has no " + std::string(member));
  return *value;
}

std::optional<bool> Target::metadata_lists(std::string_view member, std::string_view value) const {
  auto it = metadata().find(member);
  if (it == metadata().end() || !it->is_array()) return std::nullopt;
  return std::find(it->begin(), it->end(), value) != it->end();
}

const TestClient* Target::static_client(ClientRole role) const {
  auto it = options_.static_clients.find(role);
  return it == options_.static_clients.end() ? nullptr : &it->second;
}

bool Target::can_register() const {
  return options_.registration == RegistrationMode::Dynamic && registration_unavailable_.empty() &&
         endpoint("registration_endpoint").has_value();
}

void Target::skip_registration(const std::string& what) const {
  if (options_.registration == RegistrationMode::Static)
    skip_check("needs " + what +
               ", and the configuration names none (clients.registration is "
               "static)");
  if (!registration_unavailable_.empty())
    skip_check("needs " + what + ": " + registration_unavailable_);
  skip_check("needs " + what + ", and the server advertises no registration_endpoint");
}

HeaderList Target::registration_headers() const {
  HeaderList headers;
  if (options_.initial_access_token)
    headers.emplace_back("Authorization", "Bearer " + *options_.initial_access_token);
  return headers;
}

HttpResponse Target::post_registration(const nlohmann::json& metadata) {
  if (!can_register()) skip_registration("dynamic client registration");
  HttpResponse r =
      http_.post_json(*endpoint("registration_endpoint"), metadata, registration_headers());
  if (note_protected_registration(r)) skip_registration("dynamic client registration");
  return r;
}

bool Target::note_protected_registration(const HttpResponse& response) {
  // RFC 7591 §3: a 401 with a challenge asks for an initial access token. Registration is then
  // unavailable for the run, and everything else goes on with the operator's clients.
  if (response.status != 401 || !response.header("www-authenticate")) return false;
  registration_unavailable_ =
      options_.initial_access_token
          ? "the registration endpoint refused the configured initial access token (" +
                response.summary() + ")"
          : "the registration endpoint requires an initial access token (RFC 7591 §3): give "
            "--initial-access-token, or the operator's clients in the --config file";
  return true;
}

const TestClient& Target::client(ClientRole role) {
  if (const TestClient* given = static_client(role)) return *given;
  std::string name(client_role_name(role));
  bool confidential = role == ClientRole::Basic || role == ClientRole::Post;
  if (!can_register()) {
    // A confidential client can run what a public one does, authenticating as configured.
    if (role == ClientRole::Public)
      for (ClientRole stand_in : {ClientRole::Basic, ClientRole::Post})
        if (const TestClient* c = static_client(stand_in)) {
          remark("the confidential client " + c->client_id + " (" +
                 std::string(client_auth_name(c->auth)) + ") stood in for a public client");
          return *c;
        }
    // The operator's one confidential client, sending its secret the other way (OAuth 2.1
    // §2.4.1 has servers accept it in the body; one held to its registered method says so).
    if (confidential)
      if (const TestClient* other =
              static_client(role == ClientRole::Basic ? ClientRole::Post : ClientRole::Basic)) {
        auto [it, added] = clients_.try_emplace("other-method " + name, *other);
        it->second.auth =
            role == ClientRole::Basic ? ClientAuth::SecretBasic : ClientAuth::SecretPost;
        remark("the operator's confidential client " + other->client_id + " (registered for " +
               std::string(client_auth_name(other->auth)) + ") authenticated with " +
               std::string(client_auth_name(it->second.auth)));
        return it->second;
      }
    skip_registration("a " + (confidential ? "confidential" : name) + " client (" + name + ")");
  }
  ClientAuth auth = role == ClientRole::Basic  ? ClientAuth::SecretBasic
                    : role == ClientRole::Post ? ClientAuth::SecretPost
                                               : ClientAuth::None;
  try {
    return client_registered_as(name, client_metadata(options_.redirect_uri, auth), auth);
  } catch (const CheckAborted& aborted) {
    // Registration turned out to need a token: from now on the operator's clients serve.
    if (aborted.outcome() != Outcome::Skip || registration_unavailable_.empty()) throw;
    return client(role);
  }
}

const TestClient* Target::try_client_registered_as(std::string_view purpose,
                                                   const nlohmann::json& metadata,
                                                   ClientAuth auth) {
  if (!can_register()) return nullptr;
  try {
    return &client_registered_as(purpose, metadata, auth);
  } catch (const CheckAborted& aborted) {
    if (aborted.outcome() != Outcome::Skip || registration_unavailable_.empty()) throw;
    return nullptr;
  }
}

const TestClient& Target::public_client() {
  if (const TestClient* given = static_client(ClientRole::Public)) return *given;
  if (!can_register()) skip_registration("a public client (the point of this check)");
  return client(ClientRole::Public);
}

const TestClient& Target::other_client(const TestClient& than) {
  auto differs = [&](const TestClient& c) { return c.client_id != than.client_id; };
  if (const TestClient* second = static_client(ClientRole::Second); second && differs(*second))
    return *second;
  if (can_register()) {
    try {
      const TestClient& second = client(ClientRole::Second);
      if (differs(second)) return second;
    } catch (const CheckAborted& aborted) {
      // Registration turned out to need a token: the operator's clients may still serve.
      if (aborted.outcome() != Outcome::Skip || registration_unavailable_.empty()) throw;
    }
  }
  for (const auto& [role, c] : options_.static_clients)
    if (differs(c)) {
      remark("the operator's " + std::string(client_role_name(role)) + " client " + c.client_id +
             " served as the other client");
      return c;
    }
  skip_registration("a second client, distinct from " + than.client_id);
}

const TestClient& Target::client_registered_as(std::string_view purpose,
                                               const nlohmann::json& metadata, ClientAuth auth) {
  if (auto it = clients_.find(purpose); it != clients_.end()) return it->second;
  if (auto it = client_failures_.find(purpose); it != client_failures_.end())
    cannot_run(it->second);
  if (!can_register()) skip_registration("a client registered for " + std::string(purpose));
  auto registration_endpoint = endpoint("registration_endpoint");
  auto registration =
      register_client(http_, *registration_endpoint, metadata, auth, options_.initial_access_token);
  if (!registration.client && registration.response.status == 400 &&
      metadata.contains("application_type")) {
    // Older and OIDC-style servers may refuse application_type (DCR-12 reports it); retry as
    // clients written before MCP 2026-07-28 register, so the rest of the run can go on.
    nlohmann::json without = metadata;
    without.erase("application_type");
    registration = register_client(http_, *registration_endpoint, without, auth,
                                   options_.initial_access_token);
  }
  if (!registration.client && note_protected_registration(registration.response))
    skip_registration("a client registered for " + std::string(purpose));
  if (!registration.client) {
    std::string why =
        "could not register the " + std::string(purpose) + " test client: " + registration.problem;
    client_failures_.emplace(std::string(purpose), why);
    cannot_run(why);
  }
  return clients_.emplace(std::string(purpose), std::move(*registration.client)).first->second;
}

const std::string& Target::require_mcp_url() const {
  if (!options_.mcp_url) skip_check("needs the MCP server: run with --mcp-url URL");
  return *options_.mcp_url;
}

McpClient& Target::mcp() {
  require_mcp_url();
  return *mcp_;
}

std::vector<std::string> Target::flow_resources() const {
  if (!options_.mcp_url || options_.omit_resource) return {};
  return {*options_.mcp_url};
}

std::string Target::second_resource() const {
  // .invalid never resolves (RFC 6761 §6.4), so nothing is ever sent to it.
  return options_.facts.second_resource.value_or("https://rs2.conformance.invalid/mcp");
}

std::vector<std::string> Target::access_scopes() const {
  const nlohmann::json* doc = resource_ && resource_->found() ? &resource_->metadata : &metadata();
  std::vector<std::string> out;
  if (auto it = doc->find("scopes_supported"); it != doc->end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string() && v.get<std::string>() != "offline_access" &&
          v.get<std::string>() != "openid")
        out.push_back(v.get<std::string>());
  return out;
}

AuthorizationResult authorize(const AuthorizationRequest& request,
                              const std::string& redirect_uri) {
  std::string endpoint = target().require_endpoint("authorization_endpoint");
  AuthorizationRequest sent = request;
  if (!sent.scope) sent.scope = target().options().flow_scope;
  return target().driver().authorize(authorization_url(endpoint, sent), redirect_uri);
}

CodeGrant attempt_code(const TestClient& client, const Pkce& pkce, const FlowShape& shape) {
  CodeGrant grant{client, shape.resources.value_or(target().flow_resources()),
                  pkce,   authorization_request(client, pkce),
                  {},     {}};
  grant.request.scope = shape.scope;
  for (const std::string& resource : grant.resources)
    grant.request.extra.emplace_back("resource", resource);
  grant.authorization = authorize(grant.request, client.redirect_uri);
  auto code = grant.authorization.code();
  if (grant.authorization.ending == AuthorizationResult::Ending::RedirectedToClient && code)
    grant.code = *code;
  return grant;
}

CodeGrant obtain_code(const TestClient& client, const Pkce& pkce, const FlowShape& shape) {
  CodeGrant grant = attempt_code(client, pkce, shape);
  if (grant.code.empty())
    cannot_run("prerequisite failed: a well-formed authorization request did not yield a code (" +
               grant.authorization.describe() + ")");
  return grant;
}

HttpResponse send_token_request(const TestClient& client, oauth::Params form, HeaderList headers) {
  std::string endpoint = target().require_endpoint("token_endpoint");
  return token_request(target().http(), endpoint, client, std::move(form), std::move(headers));
}

HttpResponse redeem(const CodeGrant& grant) {
  oauth::Params form = code_grant(grant.code, grant.request.redirect_uri, grant.pkce.verifier);
  // RFC 8707 §2.2: the token request names the resources again.
  for (const std::string& resource : grant.resources)
    form.emplace_back("resource", resource);
  return send_token_request(grant.client, std::move(form));
}

} // namespace conformance
