#include "http/redaction.h"

#include "core/text.h"
#include "core/url.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace conformance {
namespace {

// Deeper JSON than any OAuth or MCP message is shown cut short rather than walked.
constexpr int kMaxJsonDepth = 64;

std::string lower(std::string_view s) {
  return oauth::ascii_lower(s);
}

// OAuth puts secrets in JSON as string members (access_token, client_secret...). An authorization
// code never travels as a JSON member, so `code` is left alone there: a JSON-RPC error's numeric
// code is not a secret (a code the harness learnt is still hidden by value, redact_text).
bool is_secret_json_member(std::string_view key, const nlohmann::json& value) {
  return value.is_string() && lower(key) != "code" && Redactor::is_secret_name(key);
}

void redact_json(nlohmann::json& node, int depth) {
  if (depth > kMaxJsonDepth) {
    node = "[nested too deep to show]";
    return;
  }
  if (node.is_object()) {
    for (auto& [key, value] : node.items()) {
      if (is_secret_json_member(key, value))
        value = std::string(kRedacted);
      else
        redact_json(value, depth + 1);
    }
  } else if (node.is_array()) {
    for (auto& item : node)
      redact_json(item, depth + 1);
  }
}

// Rewrites a form/query string, keeping names and order but hiding secret values.
std::string redact_form(std::string_view form) {
  std::string out;
  size_t start = 0;
  while (start <= form.size()) {
    size_t end = form.find('&', start);
    if (end == std::string_view::npos) end = form.size();
    std::string_view pair = form.substr(start, end - start);
    size_t eq = pair.find('=');
    std::string name = oauth::percent_decode(pair.substr(0, eq), true);
    if (!out.empty() || start > 0) out += '&';
    if (eq != std::string_view::npos && Redactor::is_secret_name(name)) {
      out.append(pair.substr(0, eq + 1));
      out += kRedacted;
    } else {
      out.append(pair);
    }
    start = end + 1;
  }
  return out;
}

} // namespace

bool Redactor::is_secret_name(std::string_view name) {
  static const std::array<std::string_view, 15> names = {"code",
                                                         "code_verifier",
                                                         "client_secret",
                                                         "access_token",
                                                         "refresh_token",
                                                         "id_token",
                                                         "password",
                                                         "token",
                                                         "assertion",
                                                         "client_assertion",
                                                         "subject_token",
                                                         "device_code",
                                                         "registration_access_token",
                                                         "initial_access_token",
                                                         "passwd"};
  std::string key = lower(name);
  return std::find(names.begin(), names.end(), key) != names.end();
}

void Redactor::add_secret(std::string_view value) {
  // Very short values would redact unrelated text and protect nothing.
  if (value.size() < 6) return;
  std::lock_guard lock(mutex_);
  secrets_.emplace(value);
  // Secrets also travel percent-encoded (in URLs and forms).
  std::string encoded = oauth::percent_encode(value);
  if (encoded != value) secrets_.insert(std::move(encoded));
}

std::string Redactor::redact_text(std::string_view text) const {
  std::string out(text);
  std::lock_guard lock(mutex_);
  for (const auto& secret : secrets_) {
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), kRedacted);
      pos += kRedacted.size();
    }
  }
  return out;
}

std::string Redactor::redact_url(std::string_view url) const {
  std::string text(url);
  size_t q = text.find('?');
  size_t hash = text.find('#');
  std::string head = text.substr(0, std::min(q, hash));
  std::string result = head;
  if (q != std::string::npos && (hash == std::string::npos || q < hash)) {
    size_t end = hash == std::string::npos ? text.size() : hash;
    result += '?' + redact_form(std::string_view(text).substr(q + 1, end - q - 1));
  }
  if (hash != std::string::npos) // implicit-style fragments carry tokens as parameters
    result += '#' + redact_form(std::string_view(text).substr(hash + 1));
  return redact_text(result);
}

std::string Redactor::redact_body(std::string_view body, std::string_view content_type) const {
  std::string type = lower(content_type);
  if (type.find("json") != std::string::npos) {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (!doc.is_discarded()) {
      redact_json(doc, 0);
      return redact_text(doc.dump());
    }
  }
  if (type.find("x-www-form-urlencoded") != std::string::npos)
    return redact_text(redact_form(body));
  return redact_text(body);
}

void Redactor::add_secret_header(std::string_view name) {
  std::lock_guard lock(mutex_);
  secret_headers_.insert(lower(name));
}

std::string Redactor::redact_header(std::string_view name, std::string_view value) const {
  std::string key = lower(name);
  {
    std::lock_guard lock(mutex_);
    if (secret_headers_.count(key)) return std::string(kRedacted);
  }
  if (key == "authorization" || key == "proxy-authorization") {
    // Keep the scheme: whether a client used Basic or Bearer is evidence, the credential is not.
    size_t space = value.find(' ');
    if (space == std::string_view::npos) return std::string(kRedacted);
    return std::string(value.substr(0, space + 1)) + std::string(kRedacted);
  }
  if (key == "cookie") return std::string(kRedacted);
  if (key == "set-cookie") {
    // The cookie's name and attributes are evidence (SEC and PRS rows judge them); its value is
    // not.
    size_t eq = value.find('=');
    size_t semi = value.find(';');
    if (eq == std::string_view::npos) return std::string(kRedacted);
    std::string out(value.substr(0, eq + 1));
    out += kRedacted;
    if (semi != std::string_view::npos) out += value.substr(semi);
    return out;
  }
  if (key == "location" || key == "content-location" || key == "referer") return redact_url(value);
  return redact_text(value);
}

Exchange Redactor::redact(Exchange exchange) const {
  auto content_type_of = [](const HeaderList& headers) {
    for (const auto& [n, v] : headers)
      if (lower(n) == "content-type") return v;
    return std::string();
  };
  std::string request_type = content_type_of(exchange.request_headers);
  std::string response_type = content_type_of(exchange.response_headers);
  exchange.url = redact_url(exchange.url);
  for (auto& [n, v] : exchange.request_headers)
    v = redact_header(n, v);
  for (auto& [n, v] : exchange.response_headers)
    v = redact_header(n, v);
  exchange.request_body = redact_body(exchange.request_body, request_type);
  exchange.response_body = redact_body(exchange.response_body, response_type);
  exchange.transport_error = redact_text(exchange.transport_error);
  return exchange;
}

Redactor& redactor() {
  static Redactor instance;
  return instance;
}

} // namespace conformance
