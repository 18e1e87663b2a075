#include "oauth/oauth_client.h"

#include "core/base64url.h"
#include "core/pkce.h"
#include "http/redaction.h"

namespace conformance {

std::string_view client_auth_name(ClientAuth auth) {
  switch (auth) {
  case ClientAuth::None:
    return "none";
  case ClientAuth::SecretBasic:
    return "client_secret_basic";
  case ClientAuth::SecretPost:
    return "client_secret_post";
  }
  return "none";
}

nlohmann::json client_metadata(const std::string& redirect_uri, ClientAuth auth) {
  return client_metadata(std::vector<std::string>{redirect_uri}, auth);
}

nlohmann::json client_metadata(const std::vector<std::string>& redirect_uris, ClientAuth auth) {
  nlohmann::json grant_types = {"authorization_code", "refresh_token"};
  nlohmann::json metadata = {{"redirect_uris", redirect_uris},
                             {"client_name", "mcp-harness"},
                             {"grant_types", grant_types},
                             {"response_types", {"code"}},
                             {"token_endpoint_auth_method", client_auth_name(auth)}};
  // MCP 2026-07-28 clients declare native apps; loopback redirects are native by nature, and an
  // OpenID-style server (default web) may refuse them otherwise. Other redirects stay web.
  auto parts = oauth::parse_url(redirect_uris.empty() ? "" : redirect_uris.front());
  if (parts && oauth::is_loopback_host(parts->host)) metadata["application_type"] = "native";
  return metadata;
}

Registration register_client(HttpClient& http, const std::string& registration_endpoint,
                             const nlohmann::json& metadata, ClientAuth auth,
                             const std::optional<std::string>& initial_access_token) {
  HeaderList headers;
  if (initial_access_token)
    headers.emplace_back("Authorization", "Bearer " + *initial_access_token);
  Registration out{http.post_json(registration_endpoint, metadata, std::move(headers)),
                   std::nullopt, ""};
  const HttpResponse& r = out.response;
  if (!r.answered()) {
    out.problem = "registration request got " + r.summary();
    return out;
  }
  auto doc = r.json();
  if (r.status / 100 != 2 || !doc || !doc->is_object()) {
    out.problem = "registration was refused: " + r.summary() + " " + r.body.substr(0, 200);
    return out;
  }
  if (!doc->contains("client_id") || !(*doc)["client_id"].is_string() ||
      (*doc)["client_id"].get<std::string>().empty()) {
    out.problem = "registration response has no client_id string";
    return out;
  }
  TestClient client;
  client.client_id = (*doc)["client_id"].get<std::string>();
  client.auth = auth;
  // RFC 7591 §3.2.1: the server may register another method than the one asked for (say
  // client_secret_post where Basic was asked); the client then authenticates as registered.
  if (auto method = doc->find("token_endpoint_auth_method"); method != doc->end())
    for (ClientAuth known : {ClientAuth::SecretBasic, ClientAuth::SecretPost})
      if (auth != ClientAuth::None && *method == client_auth_name(known)) client.auth = known;
  // A client_credentials-only client registers no redirect URI.
  if (auto uris = metadata.find("redirect_uris"); uris != metadata.end() && uris->is_array()) {
    for (const auto& uri : *uris)
      if (uri.is_string()) client.redirect_uris.push_back(uri.get<std::string>());
    if (!client.redirect_uris.empty()) client.redirect_uri = client.redirect_uris.front();
  }
  client.registration = *doc;
  if (auth != ClientAuth::None) {
    if (!doc->contains("client_secret") || !(*doc)["client_secret"].is_string()) {
      out.problem = "a confidential client was registered but no client_secret was issued";
      return out;
    }
    client.client_secret = (*doc)["client_secret"].get<std::string>();
    redactor().add_secret(client.client_secret);
  }
  out.client = std::move(client);
  return out;
}

Pkce Pkce::fresh() {
  return from_verifier(oauth::make_code_verifier());
}

Pkce Pkce::from_verifier(std::string verifier) {
  redactor().add_secret(verifier);
  Pkce p{std::move(verifier), ""};
  p.challenge = oauth::s256_challenge(p.verifier);
  return p;
}

oauth::Params AuthorizationRequest::params() const {
  oauth::Params out;
  auto put = [&](const char* name, const std::optional<std::string>& value) {
    if (value) out.emplace_back(name, *value);
  };
  put("response_type", response_type);
  put("client_id", client_id);
  put("redirect_uri", redirect_uri);
  put("scope", scope);
  put("state", state);
  put("code_challenge", code_challenge);
  if (code_challenge) put("code_challenge_method", code_challenge_method);
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

AuthorizationRequest authorization_request(const TestClient& client, const Pkce& pkce) {
  AuthorizationRequest request;
  request.client_id = client.client_id;
  request.redirect_uri = client.redirect_uri;
  request.state = oauth::random_base64url(16);
  request.code_challenge = pkce.challenge;
  return request;
}

std::string authorization_url(const std::string& authorization_endpoint,
                              const AuthorizationRequest& request) {
  return oauth::append_query(authorization_endpoint, request.params());
}

oauth::Params code_grant(const std::string& code, const std::optional<std::string>& redirect_uri,
                         const std::optional<std::string>& verifier) {
  oauth::Params form{{"grant_type", "authorization_code"}, {"code", code}};
  if (redirect_uri) form.emplace_back("redirect_uri", *redirect_uri);
  if (verifier) form.emplace_back("code_verifier", *verifier);
  return form;
}

std::string basic_authorization(const std::string& client_id, const std::string& secret) {
  return "Basic " + oauth::base64_encode(oauth::percent_encode(client_id) + ":" +
                                         oauth::percent_encode(secret));
}

void add_client_authentication(const TestClient& client, oauth::Params& form, HeaderList& headers) {
  switch (client.auth) {
  case ClientAuth::None:
    form.emplace_back("client_id", client.client_id);
    break;
  case ClientAuth::SecretPost:
    form.emplace_back("client_id", client.client_id);
    form.emplace_back("client_secret", client.client_secret);
    break;
  case ClientAuth::SecretBasic:
    headers.emplace_back("Authorization",
                         basic_authorization(client.client_id, client.client_secret));
    break;
  }
}

HttpResponse token_request(HttpClient& http, const std::string& token_endpoint,
                           const TestClient& client, oauth::Params form, HeaderList headers) {
  add_client_authentication(client, form, headers);
  // Codes and verifiers sent here are secrets even when the server never echoes them. They are
  // known by value already (learnt where they were issued or made); this net is for the rest,
  // which may be a check's deliberate dummy (password=p), so it takes credential-sized values.
  for (const auto& [name, value] : form)
    if (Redactor::is_secret_name(name)) redactor().add_possible_secret(value);
  HttpResponse response = http.post_form(token_endpoint, form, std::move(headers));
  if (auto doc = response.json(); doc && doc->is_object())
    for (const char* member : {"access_token", "refresh_token", "id_token"})
      if (doc->contains(member) && (*doc)[member].is_string())
        redactor().add_secret((*doc)[member].get<std::string>());
  return response;
}

} // namespace conformance
