// Client identifier URL rules, client metadata document validation and cache lifetimes (CIMD).
#include "client_metadata_document.h"

#include "core/bounded_json.h"
#include "core/text.h"
#include "core/url.h"
#include "registration_endpoint.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace refserver {
namespace {

using nlohmann::json;

// Far more than any real deployment needs; keeps the URL out of absurd territory before it is
// parsed, resolved or shown anywhere.
constexpr size_t kMaxClientIdUrlLength = 2048;

// A path segment that is "." or "..", also when its dots are percent-encoded: a server or proxy
// that decodes them would fetch a different document than the one the URL seems to name.
bool is_dot_segment(std::string_view segment) {
  std::string decoded;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() && segment[i + 1] == '2' &&
        (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
      decoded += '.';
      i += 2;
    } else {
      decoded += segment[i];
    }
  }
  return decoded == "." || decoded == "..";
}

bool has_dot_segment(std::string_view path) {
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (is_dot_segment(path.substr(pos, slash - pos))) return true;
    pos = slash + 1;
  }
  return false;
}

// The authority of a URL given without its "scheme://": up to the first "/", "?" or "#".
std::string_view authority_of(std::string_view rest) {
  return rest.substr(0, rest.find_first_of("/?#"));
}

// An optional array-of-strings member; false when present with another shape.
bool read_strings(const json& doc, const char* name, std::vector<std::string>& out) {
  auto it = doc.find(name);
  if (it == doc.end()) return true;
  if (!it->is_array()) return false;
  for (const json& value : *it) {
    if (!value.is_string()) return false;
    out.push_back(value.get<std::string>());
  }
  return true;
}

// An optional string member; false when present with another type.
bool read_string(const json& doc, const char* name, std::string& out) {
  auto it = doc.find(name);
  if (it == doc.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

} // namespace

bool looks_like_url(std::string_view client_id) {
  std::string prefix = oauth::ascii_lower(client_id.substr(0, 8));
  return prefix.starts_with("https://") || prefix.starts_with("http://");
}

size_t max_document_bytes(const ServerOptions& options) {
  return options.has(Fault::CimdNoSizeCap) ? kUncappedMetadataDocumentBytes
                                           : kMaxMetadataDocumentBytes;
}

bool names_test_loopback_literally(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view authority = authority_of(url.substr(scheme_end + 3));
  authority = authority.substr(authority.rfind('@') + 1); // npos + 1 == 0: no userinfo
  constexpr std::string_view kHost = "127.0.0.1:";
  if (!authority.starts_with(kHost)) return false;
  std::string_view port = authority.substr(kHost.size());
  return !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

std::string client_id_host(std::string_view client_id) {
  if (!looks_like_url(client_id)) return {};
  auto parts = oauth::parse_url(client_id);
  if (!parts || parts->host.empty()) return {};
  return parts->port.empty() ? parts->host : parts->host + ":" + parts->port;
}

std::optional<std::string> client_id_url_problem(std::string_view client_id,
                                                 const ServerOptions& options) {
  // cimd-url-rules-skipped drops the shape rules of CIMD §3 (path, fragment, userinfo, dot
  // segments); the scheme, host and SSRF rules still hold.
  const bool shape_rules = !options.has(Fault::CimdUrlRulesSkipped);
  if (client_id.size() > kMaxClientIdUrlLength) return "the client_id URL is too long";
  for (char c : client_id) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f)
      return "the client_id URL contains whitespace, control or non-ASCII characters";
  }
  // The scheme is compared in lower case only: the document must repeat the client_id exactly,
  // and no client has a reason to spell it otherwise.
  bool http = false;
  std::string_view rest;
  if (client_id.starts_with("https://")) {
    rest = client_id.substr(8);
  } else if (options.cimd_allow_http_loopback && client_id.starts_with("http://")) {
    rest = client_id.substr(7);
    http = true;
  } else {
    return "a client_id URL must use the https scheme";
  }
  if (shape_rules && client_id.find('#') != std::string_view::npos)
    return "a client_id URL must not contain a fragment";
  std::string_view authority = authority_of(rest);
  if (shape_rules && authority.find('@') != std::string_view::npos)
    return "a client_id URL must not contain a user name or password";
  if (authority.empty()) return "a client_id URL must name a host";
  if (shape_rules) {
    if (authority.size() == rest.size() || rest[authority.size()] != '/')
      return "a client_id URL must contain a path";
    std::string_view path = rest.substr(authority.size());
    path = path.substr(0, path.find_first_of("?#"));
    if (has_dot_segment(path)) return "a client_id URL must not contain . or .. path segments";
  }

  auto parts = oauth::parse_url(client_id);
  if (!parts || parts->host.empty()) return "the client_id is not a valid URL";
  if (http) {
    // The testing-only escape hatch is exactly one shape: the IPv4 loopback literal with a
    // port, spelled so, which is what a test fixture serving documents looks like. Judged on
    // the text, since the parser would read 127.1 or 2130706433 as 127.0.0.1 too.
    bool allowed = names_test_loopback_literally(client_id);
    // cimd-loopback-fetched: any spelling of a loopback host gets the exception.
    if (!allowed && options.has(Fault::CimdLoopbackFetched))
      allowed = oauth::is_loopback_host(oauth::ascii_lower(parts->host)) && !parts->port.empty();
    if (!allowed)
      return "a client_id URL must use the https scheme (http only for 127.0.0.1:PORT when "
             "testing)";
  }
  return std::nullopt;
}

std::optional<std::string> client_id_url_problem(std::string_view client_id,
                                                 bool allow_http_loopback) {
  ServerOptions options;
  options.cimd_allow_http_loopback = allow_http_loopback;
  return client_id_url_problem(client_id, options);
}

std::variant<std::shared_ptr<const Client>, std::string>
client_from_document(std::string_view client_id, const FetchedDocument& fetched,
                     const ServerOptions& options) {
  if (!fetched.error.empty())
    return "the client metadata document could not be fetched: " + fetched.error;
  // CIMD -01 §4: only a 200 response carries the document; a redirect is not followed, since
  // the document would then not live at the URL that identifies the client.
  if (fetched.status != 200)
    return "the client metadata document URL answered HTTP " + std::to_string(fetched.status) +
           " instead of 200 (redirects are not followed)";
  if (fetched.body.size() > max_document_bytes(options))
    return "the client metadata document is larger than " +
           std::to_string(max_document_bytes(options)) + " bytes";

  // Anyone can make the server fetch a document, so one nested too deeply to handle safely is
  // refused as not JSON.
  if (oauth::json_too_deep(fetched.body))
    return "the client metadata document is not a JSON object: " + oauth::json_depth_refusal();
  json doc = oauth::parse_bounded_json(fetched.body);
  if (doc.is_discarded() || !doc.is_object())
    return std::string("the client metadata document is not a JSON object");

  // CIMD §4.1: the document must claim the very URL it was fetched from, compared as strings;
  // otherwise one site could describe itself as another client. The fault only skips the
  // comparison.
  auto id = doc.find("client_id");
  if (id == doc.end() || !id->is_string() ||
      (id->get<std::string>() != client_id && !options.has(Fault::CimdClientIdMismatchAccepted)))
    return std::string("the document's client_id is not the URL it was fetched from");

  // These clients have nowhere to receive a secret, so they are public: a shared secret in a
  // publicly readable document would be no secret at all. The fault ignores the secret and the
  // method and carries on with a public client.
  const bool secrets_ignored = options.has(Fault::CimdSharedSecretAccepted);
  if (doc.contains("client_secret") && !secrets_ignored)
    return std::string("the document contains a client_secret; such clients must be public");
  std::string auth_method = "none";
  if (!read_string(doc, "token_endpoint_auth_method", auth_method))
    return std::string("token_endpoint_auth_method must be a string");
  if (auth_method.starts_with("client_secret_")) {
    if (!secrets_ignored)
      return "token_endpoint_auth_method " + auth_method +
             " uses a shared secret, which a client metadata document cannot carry";
    auth_method = "none";
  }
  if (auth_method != "none")
    return "unsupported token_endpoint_auth_method " + auth_method + " (only none)";

  std::vector<std::string> redirect_uris;
  auto uris = doc.find("redirect_uris");
  if (uris == doc.end() || !read_strings(doc, "redirect_uris", redirect_uris) ||
      redirect_uris.empty())
    return std::string("redirect_uris must be a non-empty array of strings");
  // The same rules as dynamic registration, without any fault: the DCR faults stay confined to
  // /register.
  const ServerOptions strict;
  for (const std::string& uri : redirect_uris)
    if (auto problem = redirect_uri_problem(uri, strict)) return "redirect_uris: " + *problem;

  std::vector<std::string> grant_types;
  std::vector<std::string> response_types;
  if (!read_strings(doc, "grant_types", grant_types))
    return std::string("grant_types must be an array of strings");
  if (!read_strings(doc, "response_types", response_types))
    return std::string("response_types must be an array of strings");

  auto client = std::make_shared<Client>();
  client->client_id = std::string(client_id);
  client->auth_method = "none";
  client->redirect_uris = std::move(redirect_uris);
  client->grant_types = {"authorization_code"};
  if (std::find(grant_types.begin(), grant_types.end(), "refresh_token") != grant_types.end())
    client->grant_types.push_back("refresh_token");
  client->response_types = {"code"};
  if (!read_string(doc, "client_name", client->client_name))
    return std::string("client_name must be a string");
  if (!read_string(doc, "scope", client->scope)) return std::string("scope must be a string");
  return std::shared_ptr<const Client>(std::move(client));
}

std::variant<std::shared_ptr<const Client>, std::string>
client_from_document(std::string_view client_id, const FetchedDocument& fetched) {
  return client_from_document(client_id, fetched, ServerOptions{});
}

std::chrono::seconds document_lifetime(std::string_view cache_control) {
  std::optional<std::chrono::seconds> max_age;
  size_t pos = 0;
  while (pos < cache_control.size()) {
    size_t comma = cache_control.find(',', pos);
    if (comma == std::string_view::npos) comma = cache_control.size();
    std::string_view directive = oauth::trim(cache_control.substr(pos, comma - pos));
    pos = comma + 1;
    size_t equals = directive.find('=');
    std::string name = oauth::ascii_lower(oauth::trim(directive.substr(0, equals)));
    std::string_view value = equals == std::string_view::npos
                                 ? std::string_view{}
                                 : oauth::trim(directive.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    // no-cache would need revalidation on every use, which this server does not do: it is
    // treated like no-store.
    if (name == "no-store" || name == "no-cache") return std::chrono::seconds(0);
    if (name != "max-age") continue;
    // RFC 9111 §5.2.2.1: a max-age that is not a number makes the response stale at once.
    if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        }))
      return std::chrono::seconds(0);
    // Ten digits or more exceed the ceiling anyway; parsing them could overflow.
    while (value.size() > 1 && value.front() == '0')
      value.remove_prefix(1);
    long long seconds =
        value.size() > 9 ? kMaxDocumentLifetime.count() : std::stoll(std::string(value));
    std::chrono::seconds age(std::min<long long>(seconds, kMaxDocumentLifetime.count()));
    max_age = max_age ? std::min(*max_age, age) : age;
  }
  return max_age.value_or(kDefaultDocumentLifetime);
}

} // namespace refserver
