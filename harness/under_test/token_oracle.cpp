#include "under_test/token_oracle.h"

#include "checks/check.h"
#include "core/base64url.h"
#include "core/bounded_json.h"
#include "http/redaction.h"
#include "oauth/resource_discovery.h"
#include "under_test/token_flows.h"

namespace conformance {
namespace {

std::optional<std::string> configured_or_advertised(const std::optional<std::string>& configured,
                                                    std::string_view member) {
  if (configured) return configured;
  return target().endpoint(member);
}

std::vector<std::string> audience_values(const nlohmann::json& aud) {
  std::vector<std::string> out;
  if (aud.is_string()) out.push_back(aud.get<std::string>());
  if (aud.is_array())
    for (const auto& v : aud)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// The payload of a JWT (RFC 7519 §3), decoded without verifying anything: only to read claims
// the token already shows to whoever holds it.
std::optional<nlohmann::json> jwt_payload(const std::string& token) {
  size_t first = token.find('.');
  if (first == std::string::npos) return std::nullopt;
  size_t second = token.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  auto decoded = oauth::base64url_decode(token.substr(first + 1, second - first - 1));
  if (!decoded) return std::nullopt;
  auto doc = oauth::parse_bounded_json(*decoded);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc;
}

} // namespace

std::optional<std::string> introspection_endpoint() {
  return configured_or_advertised(target().options().facts.introspection_endpoint,
                                  "introspection_endpoint");
}

std::optional<std::string> revocation_endpoint() {
  return configured_or_advertised(target().options().facts.revocation_endpoint,
                                  "revocation_endpoint");
}

std::string require_introspection_endpoint() {
  auto url = introspection_endpoint();
  if (!url)
    skip_check("no introspection_endpoint is advertised or configured (--introspection-url)");
  return *url;
}

std::string require_revocation_endpoint() {
  auto url = revocation_endpoint();
  if (!url) skip_check("no revocation_endpoint is advertised or configured (--revocation-url)");
  return *url;
}

std::optional<ClientRole> confidential_role_for(std::string_view member) {
  auto basic = target().metadata_lists(member, "client_secret_basic");
  if (basic.value_or(true)) return ClientRole::Basic;
  if (target().metadata_lists(member, "client_secret_post").value_or(false))
    return ClientRole::Post;
  return std::nullopt;
}

ClientRole revocation_role() {
  constexpr std::string_view member = "revocation_endpoint_auth_methods_supported";
  if (target().metadata_lists(member, "none").value_or(true)) return ClientRole::Public;
  auto role = confidential_role_for(member);
  if (!role)
    skip_check("the metadata's revocation_endpoint_auth_methods_supported offers no method the "
               "harness's clients use");
  return *role;
}

const TestClient& another_client_like(ClientRole role) {
  const TestClient& first = target().client(role);
  if (role == ClientRole::Public || !target().can_register()) return target().other_client(first);
  ClientAuth auth = role == ClientRole::Basic ? ClientAuth::SecretBasic : ClientAuth::SecretPost;
  return target().client_registered_as("second-" + std::string(client_role_name(role)),
                                       client_metadata(target().options().redirect_uri, auth),
                                       auth);
}

std::optional<IntrospectionCaller> introspection_caller() {
  const OperatorFacts& o = target().options().facts;
  if (o.introspection_token) {
    redactor().add_secret(*o.introspection_token);
    return IntrospectionCaller{"the configured bearer token", std::nullopt, o.introspection_token,
                               true};
  }
  if (o.introspection_client_id) {
    TestClient client;
    client.client_id = *o.introspection_client_id;
    client.client_secret = o.introspection_client_secret.value_or("");
    client.auth = client.client_secret.empty() ? ClientAuth::None : ClientAuth::SecretBasic;
    redactor().add_secret(client.client_secret);
    return IntrospectionCaller{"the configured client " + client.client_id, client, std::nullopt,
                               true};
  }
  // Many servers let any confidential client introspect; the harness's own is the fallback,
  // authenticating the way the metadata says the endpoint accepts.
  auto role = confidential_role_for("introspection_endpoint_auth_methods_supported");
  if (!role) return std::nullopt;
  try {
    const TestClient& own = target().client(*role);
    return IntrospectionCaller{"the harness's confidential client", own, std::nullopt, false};
  } catch (const CheckAborted&) {
    return std::nullopt;
  }
}

const TestClient& token_owner_for(const IntrospectionCaller& caller) {
  if (!caller.sees_all_tokens && caller.client)
    for (ClientRole role : {ClientRole::Basic, ClientRole::Post})
      if (target().client(role).client_id == caller.client->client_id) return target().client(role);
  return target().client(ClientRole::Public);
}

IntrospectionCaller require_introspection_caller() {
  auto caller = introspection_caller();
  if (!caller)
    skip_check("no introspection credentials: configure --introspection-client-id/-secret or "
               "--introspection-token (the harness could not register a confidential client)");
  return *caller;
}

HttpResponse introspect_raw(const oauth::Params& form, HeaderList headers) {
  return target().http().post_form(require_introspection_endpoint(), form, std::move(headers));
}

Introspection introspect(const IntrospectionCaller& caller, const std::string& token,
                         const std::optional<std::string>& hint) {
  oauth::Params form{{"token", token}};
  if (hint) form.emplace_back("token_type_hint", *hint);
  HeaderList headers;
  if (caller.bearer_token)
    headers.emplace_back("Authorization", "Bearer " + *caller.bearer_token);
  else if (caller.client)
    add_client_authentication(*caller.client, form, headers);
  Introspection out;
  out.response = introspect_raw(form, std::move(headers));
  if (auto doc = out.response.json(); doc && doc->is_object()) {
    out.body = *doc;
    if (auto it = doc->find("active"); it != doc->end() && it->is_boolean())
      out.active = it->get<bool>();
  }
  return out;
}

HttpResponse revoke(const TestClient& client, const std::string& token,
                    const std::optional<std::string>& hint) {
  oauth::Params form{{"token", token}};
  if (hint) form.emplace_back("token_type_hint", *hint);
  HeaderList headers;
  add_client_authentication(client, form, headers);
  return target().http().post_form(require_revocation_endpoint(), form, std::move(headers));
}

std::string Validity::describe() const {
  std::string state = !valid ? "unknown" : *valid ? "still valid" : "no longer valid";
  return state + " (oracle: " + oracle + (detail.empty() ? "" : ", " + detail) + ")";
}

namespace {
// Introspection as an oracle: only a 200 with a boolean `active` counts, and active:false only
// from a caller entitled to the owner's tokens; anything else leaves the decision to the next
// oracle (the INTRO checks judge such answers).
std::optional<Validity> introspection_oracle(const std::string& token, const TestClient& owner) {
  if (!introspection_endpoint()) return std::nullopt;
  auto caller = introspection_caller();
  if (!caller) return std::nullopt;
  Introspection result = introspect(*caller, token);
  if (result.response.status != 200 || !result.active) return std::nullopt;
  if (!*result.active && !caller->entitled_to(owner)) return std::nullopt;
  return Validity{*result.active, "introspection",
                  std::string("active: ") + (*result.active ? "true" : "false")};
}
} // namespace

Validity access_token_validity(const std::string& access_token, const TestClient& owner) {
  if (auto v = introspection_oracle(access_token, owner)) return *v;
  if (target().options().mcp_url) {
    McpReply reply = target().mcp().initialize(McpClient::bearer(access_token));
    if (reply.response.status >= 200 && reply.response.status < 300)
      return {true, "the MCP server", "initialize got " + reply.response.summary()};
    if (reply.response.status == 401) return {false, "the MCP server", "initialize got HTTP 401"};
    return {std::nullopt, "the MCP server", "initialize got " + reply.describe()};
  }
  return {std::nullopt, "none",
          "no introspection credentials and no --mcp-url to try the token at"};
}

Validity refresh_token_validity(const TestClient& owner, const std::string& refresh_token) {
  if (auto v = introspection_oracle(refresh_token, owner)) return *v;
  HttpResponse r = send_refresh(owner, refresh_token);
  if (r.status == 200) return {true, "a refresh attempt", "HTTP 200"};
  if (r.status >= 400 && r.status < 500) return {false, "a refresh attempt", r.summary()};
  return {std::nullopt, "a refresh attempt", r.summary()};
}

bool Audience::contains(const std::string& resource) const {
  if (!values) return false;
  for (const std::string& v : *values)
    if (canonical_resource_uri(v) == canonical_resource_uri(resource)) return true;
  return false;
}

Audience access_token_audience(const std::string& access_token, const TestClient& owner) {
  // An active:false about another client's token says nothing (see entitled_to): then the JWT.
  (void)owner;
  if (introspection_endpoint())
    if (auto caller = introspection_caller()) {
      Introspection result = introspect(*caller, access_token);
      if (result.active.value_or(false) && result.body && result.body->contains("aud"))
        return {audience_values((*result.body)["aud"]), "introspection"};
      if (result.active.value_or(false))
        return {std::vector<std::string>{}, "introspection (no aud member)"};
    }
  if (auto payload = jwt_payload(access_token); payload && payload->contains("aud"))
    return {audience_values((*payload)["aud"]), "the access token's JWT aud claim (unverified)"};
  return {std::nullopt, "neither introspection nor a JWT access token"};
}

} // namespace conformance
