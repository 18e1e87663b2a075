// RFC 7591 registration: validates client metadata, stores the client, echoes the metadata.
#include "registration_endpoint.h"

#include "core/base64url.h"
#include "core/bounded_json.h"
#include "core/pkce.h"
#include "core/text.h"
#include "core/url.h"
#include "error_description.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <memory>

namespace refserver {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> kAuthMethods = {"none", "client_secret_post",
                                                          "client_secret_basic"};
constexpr std::array<std::string_view, 3> kGrantTypes = {"authorization_code", "refresh_token",
                                                         "client_credentials"};
// Schemes that execute or embed content instead of navigating to a client.
constexpr std::array<std::string_view, 7> kForbiddenSchemes = {
    "javascript", "data", "vbscript", "file", "about", "blob", "filesystem"};
// Members the server decides; a client sending them does not get to choose (RFC 9700 §4.15.1
// for client_id).
constexpr std::array<std::string_view, 6> kServerControlled = {"client_id",
                                                               "client_secret",
                                                               "client_id_issued_at",
                                                               "client_secret_expires_at",
                                                               "registration_access_token",
                                                               "registration_client_uri"};

// Client metadata this server understands: RFC 7591 §2 plus application_type from OpenID
// Connect Dynamic Client Registration. Only the dcr-rejects-unknown-members fault consults it.
constexpr std::array<std::string_view, 17> kKnownMembers = {"redirect_uris",
                                                            "token_endpoint_auth_method",
                                                            "grant_types",
                                                            "response_types",
                                                            "client_name",
                                                            "client_uri",
                                                            "logo_uri",
                                                            "scope",
                                                            "contacts",
                                                            "tos_uri",
                                                            "policy_uri",
                                                            "jwks_uri",
                                                            "jwks",
                                                            "software_id",
                                                            "software_version",
                                                            "software_statement",
                                                            "application_type"};
// Human-readable members that may carry a language tag, e.g. client_name#fr (RFC 7591 §2.2).
constexpr std::array<std::string_view, 5> kLocalizable = {"client_name", "client_uri", "logo_uri",
                                                          "tos_uri", "policy_uri"};

template <class Array> bool contains(const Array& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool is_known_member(std::string_view name) {
  if (contains(kKnownMembers, name) || contains(kServerControlled, name)) return true;
  size_t hash = name.find('#');
  return hash != std::string_view::npos && contains(kLocalizable, name.substr(0, hash));
}

// Reads an optional array-of-strings member. False when present with the wrong shape.
bool read_string_array(const json& doc, const char* name,
                       std::optional<std::vector<std::string>>& out) {
  auto it = doc.find(name);
  if (it == doc.end()) return true;
  if (!it->is_array()) return false;
  std::vector<std::string> values;
  for (const json& v : *it) {
    if (!v.is_string()) return false;
    values.push_back(v.get<std::string>());
  }
  out = std::move(values);
  return true;
}

bool is_scheme_syntax(std::string_view scheme) {
  if (scheme.empty() || !std::isalpha(static_cast<unsigned char>(scheme[0]))) return false;
  return std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

} // namespace

std::optional<std::string> redirect_uri_problem(std::string_view uri,
                                                const ServerOptions& options) {
  if (uri.empty()) return "redirect URI is empty";
  for (char c : uri)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return "redirect URI contains whitespace or control characters";
  // RFC 6749 §3.1.2: the endpoint URI must be absolute and must not include a fragment.
  const bool fragments_and_relative = options.has(Fault::DcrAcceptsFragment);
  if (!fragments_and_relative && uri.find('#') != std::string_view::npos)
    return "redirect URI must not contain a fragment";
  size_t colon = uri.find(':');
  if (colon == std::string_view::npos || !is_scheme_syntax(uri.substr(0, colon))) {
    if (fragments_and_relative) return std::nullopt;
    return "redirect URI must be an absolute URI";
  }
  std::string scheme(uri.substr(0, colon));
  for (char& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (contains(kForbiddenSchemes, scheme))
    return "redirect URI scheme " + scheme + " is not allowed";

  if (scheme == "https" || scheme == "http") {
    auto parts = oauth::parse_url(uri);
    if (uri.substr(colon, 3) != "://" || !parts || parts->host.empty())
      return "redirect URI must be an absolute URI with a host";
    // OAuth 2.1 §2.3.1 / RFC 8252 §8.3: plain http only where the traffic never leaves the host.
    if (scheme == "http" && !oauth::is_loopback_host(parts->host) &&
        !options.has(Fault::DcrAcceptsHttpRedirect))
      return "http redirect URIs are only allowed for loopback hosts";
    return std::nullopt;
  }
  // RFC 8252 §7.1: private-use schemes must be reverse domain names the client controls.
  if (scheme.find('.') == std::string::npos && !options.has(Fault::DcrAcceptsDotlessScheme))
    return "private-use URI schemes must be in reverse domain name form (e.g. com.example.app)";
  if (colon + 1 == uri.size()) return "redirect URI has no path";
  return std::nullopt;
}

RegistrationService::RegistrationService(const ServerOptions& options, Store& store)
    : options_(options), store_(store) {}

HttpResponse RegistrationService::register_client(const RegistrationRequest& request) const {
  // Protected registration (RFC 7591 §3): only a caller holding the initial access token may
  // register, as production servers that advertise their endpoint often require. RFC 6750 §3
  // challenges a request without it.
  if (!options_.registration_token.empty()) {
    std::string_view header = oauth::trim(request.authorization);
    std::string_view scheme = header.substr(0, header.find(' '));
    std::string_view presented =
        oauth::iequals(scheme, "Bearer") ? oauth::trim(header.substr(scheme.size())) : "";
    if (!oauth::constant_time_equals(presented, options_.registration_token)) {
      HttpResponse response = json_error(401, "invalid_token", "");
      response.set_header("WWW-Authenticate",
                          presented.empty() ? "Bearer" : "Bearer error=\"invalid_token\"");
      return response;
    }
  }
  auto error = [&](std::string_view code, std::string_view description) {
    if (!options_.has(Fault::DcrErrorsPlainText))
      return json_error(options_, 400, code, error_description(options_, description));
    // The fault: the bare error code, as a framework's default error handler might send it.
    HttpResponse response;
    response.status = 400;
    response.content_type = "text/plain";
    response.body = std::string(code);
    response.set_header("Cache-Control", "no-store");
    return response;
  };
  const bool lenient = options_.has(Fault::DcrAcceptsInconsistentMetadata);

  if (media_type(request.content_type) != "application/json")
    return error("invalid_client_metadata", "the request body must be application/json");
  // Echoing metadata copies and dumps it, recursing once per level, so nesting beyond any real
  // metadata is invalid client metadata (RFC 7591 §3.2.2) before the document is built.
  if (oauth::json_too_deep(request.body))
    return error("invalid_client_metadata", "the request body is " + oauth::json_depth_refusal());
  // The parser also refuses bytes that are not UTF-8 and unpaired surrogate escapes.
  json doc = oauth::parse_bounded_json(request.body);
  if (doc.is_discarded() || !doc.is_object())
    return error("invalid_client_metadata", "the request body must be a JSON object");

  if (options_.has(Fault::DcrRejectsUnknownMembers))
    for (auto it = doc.begin(); it != doc.end(); ++it)
      if (!is_known_member(it.key()))
        return error("invalid_client_metadata", "unknown client metadata: " + it.key());

  std::optional<std::vector<std::string>> redirect_uris;
  if (auto it = doc.find("redirect_uris"); lenient && it != doc.end() && it->is_string()) {
    // The dcr-accepts-inconsistent-metadata fault: a lone string passes as one URI.
    redirect_uris = std::vector<std::string>{it->get<std::string>()};
  } else if (!read_string_array(doc, "redirect_uris", redirect_uris)) {
    return error("invalid_client_metadata", "redirect_uris must be an array of strings");
  }

  // RFC 7591 §2: an absent method means client_secret_basic.
  std::string auth_method = "client_secret_basic";
  if (auto it = doc.find("token_endpoint_auth_method"); it != doc.end()) {
    if (!it->is_string() || (!lenient && !contains(kAuthMethods, it->get<std::string>())))
      return error("invalid_client_metadata", "unsupported token_endpoint_auth_method");
    auth_method = it->get<std::string>();
  }

  std::optional<std::vector<std::string>> grant_types_in;
  if (!read_string_array(doc, "grant_types", grant_types_in))
    return error("invalid_client_metadata", "grant_types must be an array of strings");
  std::vector<std::string> grant_types =
      grant_types_in.value_or(std::vector<std::string>{"authorization_code"});
  if (grant_types.empty()) return error("invalid_client_metadata", "grant_types must not be empty");
  for (const std::string& g : grant_types)
    if (!contains(kGrantTypes, g))
      return error("invalid_client_metadata", "unsupported grant type: " + g);
  const bool uses_code = contains(grant_types, "authorization_code");

  std::optional<std::vector<std::string>> response_types_in;
  if (!read_string_array(doc, "response_types", response_types_in))
    return error("invalid_client_metadata", "response_types must be an array of strings");
  // The RFC 7591 default is ["code"]; a client that does not use the code grant gets none, so
  // that the default never makes its own registration inconsistent.
  std::vector<std::string> response_types = response_types_in.value_or(
      uses_code ? std::vector<std::string>{"code"} : std::vector<std::string>{});
  for (const std::string& r : response_types)
    if (r != "code") return error("invalid_client_metadata", "unsupported response type: " + r);
  // RFC 7591 §2.1: authorization_code goes with the code response type and vice versa.
  if (uses_code != contains(response_types, "code") && !lenient)
    return error("invalid_client_metadata",
                 "grant_types and response_types are inconsistent (authorization_code needs code)");
  if (contains(grant_types, "client_credentials") && auth_method == "none")
    return error("invalid_client_metadata", "client_credentials requires client authentication");

  if (auto it = doc.find("scope"); it != doc.end() && !it->is_string())
    return error("invalid_client_metadata", "scope must be a string");
  if (auto it = doc.find("client_name"); it != doc.end() && !it->is_string())
    return error("invalid_client_metadata", "client_name must be a string");

  // RFC 7591 §3.2.2 has a dedicated code for redirect URI problems.
  const char* redirect_error = options_.has(Fault::DcrRedirectErrorCodeGeneric)
                                   ? "invalid_client_metadata"
                                   : "invalid_redirect_uri";
  if (redirect_uris)
    for (const std::string& uri : *redirect_uris)
      if (auto problem = redirect_uri_problem(uri, options_))
        return error(redirect_error, *problem);
  if (uses_code && (!redirect_uris || redirect_uris->empty()) &&
      !options_.has(Fault::DcrRedirectUrisOptional))
    return error("invalid_redirect_uri", "the authorization_code grant needs redirect_uris");
  // dcr-loopback-needs-native: OpenID Connect Registration §2 makes web the default
  // application_type and reserves http loopback redirects for native ones, and RFC 7591 §2 lets a
  // server refuse metadata it will not accept.
  if (options_.has(Variant::DcrLoopbackNeedsNative) && redirect_uris &&
      doc.value("application_type", json()) != "native")
    for (const std::string& uri : *redirect_uris)
      if (auto parts = oauth::parse_url(uri);
          parts && parts->scheme == "http" && oauth::is_loopback_host(parts->host))
        return error("invalid_redirect_uri",
                     "http loopback redirect URIs need application_type native");
  // After the redirect URI checks, so those keep their own error code under this fault.
  if (auto it = doc.find("application_type");
      it != doc.end() && *it == "native" && options_.has(Fault::DcrRejectsNative))
    return error("invalid_client_metadata", "native applications cannot register");

  // The dcr-web-clients-confidential fault: a public client whose redirect URIs are all https
  // is taken for a web server and handed a secret (native apps keep what they asked for).
  if (options_.has(Fault::DcrWebClientsConfidential) && auth_method == "none" && redirect_uris &&
      !redirect_uris->empty() && doc.value("application_type", json()) != "native" &&
      std::all_of(redirect_uris->begin(), redirect_uris->end(),
                  [](const std::string& uri) { return uri.starts_with("https://"); }))
    auth_method = "client_secret_basic";
  // basic-not-offered: RFC 7591 §3.2.1 lets the server register other values than requested; a
  // client asking for client_secret_basic (or for nothing, which means it) gets the body method.
  if (options_.has(Variant::BasicNotOffered) && auth_method == "client_secret_basic")
    auth_method = "client_secret_post";

  auto client = std::make_shared<Client>();
  client->auth_method = auth_method;
  client->redirect_uris = redirect_uris.value_or(std::vector<std::string>{});
  client->grant_types = grant_types;
  client->response_types = response_types;
  if (auto it = doc.find("scope"); it != doc.end()) client->scope = it->get<std::string>();
  if (auto it = doc.find("client_name"); it != doc.end())
    client->client_name = it->get<std::string>();
  std::string secret;
  if (auth_method != "none") {
    secret = oauth::random_base64url(32);
    client->secret_digest = Client::digest_secret(secret);
  }
  // The dcr-client-chooses-id fault: the request's client_id is taken when it is free.
  RegisterOutcome outcome{RegisterStatus::IdTaken};
  if (auto it = doc.find("client_id"); options_.has(Fault::DcrClientChoosesId) && it != doc.end() &&
                                       it->is_string() && !it->get<std::string>().empty()) {
    client->client_id = it->get<std::string>();
    outcome = store_.register_client(client, options_.max_clients);
  }
  // 128 random bits: a collision is not a practical concern, but never overwrite a client.
  while (outcome.status == RegisterStatus::IdTaken) {
    client->client_id = oauth::random_base64url(16);
    outcome = store_.register_client(client, options_.max_clients);
  }
  if (outcome.status == RegisterStatus::Full) {
    // Nothing is wrong with the metadata: the server is full until some client's codes and
    // tokens lapse. The body keeps RFC 7591 §3.2.2's error object; the status and Retry-After
    // (RFC 9110 §15.6.4, §10.2.3) say when to try again, and temporarily_unavailable is the
    // registered OAuth code for a server that cannot serve for now (RFC 6749 §4.1.2.1).
    HttpResponse response = json_error(
        options_, 503, "temporarily_unavailable",
        error_description(options_, "the server holds its maximum of " +
                                        std::to_string(options_.max_clients) +
                                        " registered clients, all in use; try again later"));
    response.set_header("Retry-After", std::to_string(outcome.retry_after.count()));
    return response;
  }

  nlohmann::ordered_json out;
  out["client_id"] = client->client_id;
  out["client_id_issued_at"] = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  if (!secret.empty()) {
    out["client_secret"] = secret;
    // 0: never expires (RFC 7591 §3.2.1).
    if (!options_.has(Fault::DcrSecretWithoutExpiry)) out["client_secret_expires_at"] = 0;
  }
  if (!options_.has(Fault::DcrResponseMinimal)) {
    // redirect_uris as sent (only the lenient fault lets it be anything but an array).
    if (auto it = doc.find("redirect_uris"); it != doc.end()) out["redirect_uris"] = *it;
    out["token_endpoint_auth_method"] = auth_method;
    out["grant_types"] = grant_types;
    out["response_types"] = response_types;
    // RFC 7591 §3.2.1: echo the registered metadata, including members this server does not
    // use.
    for (auto it = doc.begin(); it != doc.end(); ++it)
      if (!out.contains(it.key()) && !contains(kServerControlled, it.key()))
        out[it.key()] = it.value();
  }

  HttpResponse response = json_response(options_.has(Fault::DcrStatus200) ? 200 : 201, out);
  add_no_store(response);
  return response;
}

} // namespace refserver
