#include "http/redaction.h"

#include "core/multi_string_matcher.h"
#include "core/text.h"
#include "core/url.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace conformance {
namespace {

std::string lower(std::string_view s) {
  return oauth::ascii_lower(s);
}

// Rewrites a form/query string, keeping names and order but hiding secret values. Names are
// compared decoded, so a percent-encoded name hides nothing.
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

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Where an unquoted value ends: the delimiters of forms, queries, fragments, cookies, markup
// and prose.
bool ends_unquoted_value(char c) {
  switch (c) {
  case '&':
  case ';':
  case '#':
  case ',':
  case '"':
  case '\'':
  case '<':
  case '>':
  case ')':
  case ']':
  case '}':
  case ' ':
  case '\t':
  case '\r':
  case '\n':
    return true;
  default:
    return false;
  }
}

// The end of a quoted value starting after its opening quote at `from`: the next unescaped
// `quote`, or the end of the text (an unterminated value is hidden to the end).
size_t quoted_value_end(std::string_view text, size_t from, char quote) {
  for (size_t i = from; i < text.size(); ++i) {
    if (text[i] == '\\' && quote == '"') {
      ++i;
      continue;
    }
    if (text[i] == quote) return i;
  }
  return text.size();
}

// The forms a secret takes on the way into a report: as is, percent-encoded (upper- and
// lower-case hex; form encoding's '+' for a space), JSON-escaped (with and without \u escapes
// for non-ASCII, and with "\/" as some servers write a slash) and HTML-escaped.
std::vector<std::string> secret_forms(std::string_view value) {
  std::vector<std::string> forms{std::string(value)};
  std::string percent = oauth::percent_encode(value);
  forms.push_back(percent);
  std::string lower_hex = percent;
  for (size_t i = 0; i + 2 < lower_hex.size(); ++i)
    if (lower_hex[i] == '%')
      for (size_t j = i + 1; j <= i + 2; ++j)
        if (lower_hex[j] >= 'A' && lower_hex[j] <= 'F') lower_hex[j] = lower_hex[j] - 'A' + 'a';
  forms.push_back(lower_hex);
  std::string plus;
  for (size_t i = 0; i < percent.size(); ++i) {
    if (percent.compare(i, 3, "%20") == 0) {
      plus += '+';
      i += 2;
    } else {
      plus += percent[i];
    }
  }
  forms.push_back(plus);
  for (bool ascii : {false, true}) {
    std::string quoted =
        nlohmann::json(std::string(value)).dump(-1, ' ', ascii, nlohmann::json::error_handler_t::replace);
    std::string escaped = quoted.substr(1, quoted.size() - 2);
    forms.push_back(escaped);
    std::string slashes;
    for (char c : escaped) {
      if (c == '/') slashes += '\\';
      slashes += c;
    }
    forms.push_back(slashes);
  }
  for (const char* apostrophe : {"&#39;", "&#x27;"}) {
    std::string html;
    for (char c : value) {
      switch (c) {
      case '&': html += "&amp;"; break;
      case '<': html += "&lt;"; break;
      case '>': html += "&gt;"; break;
      case '"': html += "&quot;"; break;
      case '\'': html += apostrophe; break;
      default: html += c;
      }
    }
    forms.push_back(html);
  }
  return forms;
}

std::string replace_ranges(std::string_view text,
                           const std::vector<std::pair<size_t, size_t>>& ranges) {
  std::string out;
  size_t copied = 0;
  for (const auto& [begin, end] : ranges) {
    out.append(text.substr(copied, begin - copied));
    out += kRedacted;
    copied = end;
  }
  out.append(text.substr(copied));
  return out;
}

// Merges ranges (each list sorted) from several searches into one sorted, disjoint list.
std::vector<std::pair<size_t, size_t>> merge_ranges(std::vector<std::pair<size_t, size_t>> all) {
  std::sort(all.begin(), all.end());
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& range : all) {
    if (!out.empty() && range.first <= out.back().second)
      out.back().second = std::max(out.back().second, range.second);
    else
      out.push_back(range);
  }
  return out;
}

} // namespace

Redactor::Redactor() = default;
Redactor::~Redactor() = default;

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

void Redactor::add_forms_locked(std::string_view value) {
  for (std::string& form : secret_forms(value)) {
    if (form.empty()) continue;
    // The set's elements never move, so the batches refer to them instead of copying them.
    if (auto [it, added] = known_.insert(std::move(form)); added) pending_.push_back(*it);
  }
}

void Redactor::add_secret(std::string_view value) {
  if (value.empty()) return;
  std::lock_guard lock(mutex_);
  add_forms_locked(value);
}

void Redactor::add_possible_secret(std::string_view value) {
  if (value.size() < kMinPossibleSecret) return;
  std::lock_guard lock(mutex_);
  add_forms_locked(value);
}

void Redactor::index_pending_locked() const {
  if (pending_.empty()) return;
  Batch batch;
  batch.patterns = std::move(pending_);
  pending_.clear();
  // Keep each batch at most half the size of the one before it: merging then rebuilds a total
  // that at least doubles, so every pattern is rebuilt O(log n) times over a run.
  while (!batches_.empty() && batches_.back().patterns.size() <= 2 * batch.patterns.size()) {
    auto& previous = batches_.back().patterns;
    batch.patterns.insert(batch.patterns.end(), previous.begin(), previous.end());
    batches_.pop_back();
  }
  batch.matcher = std::make_shared<const oauth::MultiStringMatcher>(batch.patterns);
  batches_.push_back(std::move(batch));
}

std::string Redactor::redact_values(std::string_view text) const {
  std::vector<std::shared_ptr<const oauth::MultiStringMatcher>> matchers;
  {
    std::lock_guard lock(mutex_);
    index_pending_locked();
    for (const Batch& batch : batches_)
      matchers.push_back(batch.matcher);
  }
  std::vector<std::pair<size_t, size_t>> ranges;
  for (const auto& matcher : matchers) {
    auto found = matcher->covered_ranges(text);
    ranges.insert(ranges.end(), found.begin(), found.end());
  }
  if (ranges.empty()) return std::string(text);
  if (matchers.size() > 1) ranges = merge_ranges(std::move(ranges));
  // Text is redacted more than once (when recorded, and when its check ends): a short secret
  // such as "RED" must not be found again inside the marker that already replaced something.
  std::vector<std::pair<size_t, size_t>> markers;
  for (size_t at = text.find(kRedacted); at != std::string_view::npos;
       at = text.find(kRedacted, at + kRedacted.size()))
    markers.emplace_back(at, at + kRedacted.size());
  if (!markers.empty())
    std::erase_if(ranges, [&](const auto& range) {
      auto inside = std::upper_bound(markers.begin(), markers.end(),
                                     std::make_pair(range.first, static_cast<size_t>(-1)));
      return inside != markers.begin() && std::prev(inside)->second >= range.second;
    });
  if (ranges.empty()) return std::string(text);
  return replace_ranges(text, ranges);
}

std::string Redactor::redact_named_values(std::string_view text, bool prose) {
  std::vector<std::pair<size_t, size_t>> hidden;
  size_t i = 0;
  while (i < text.size()) {
    if (!is_name_char(text[i])) {
      ++i;
      continue;
    }
    size_t name_start = i, name_end = i;
    while (name_end < text.size() && is_name_char(text[name_end]))
      ++name_end;
    std::string_view name = text.substr(name_start, name_end - name_start);
    size_t k = name_end;
    i = name_end;
    if (!is_secret_name(name)) continue;
    // "name" as a JSON member or a quoted key: the closing quote matches the opening one.
    bool quoted_name = name_start > 0 && k < text.size() &&
                       (text[k] == '"' || text[k] == '\'') && text[name_start - 1] == text[k];
    if (quoted_name) ++k;
    while (k < text.size() && is_blank(text[k]))
      ++k;
    if (k >= text.size() || (text[k] != '=' && text[k] != ':')) continue;
    // In the harness's own sentences "the access token: HTTP 200" is prose, not a credential;
    // a body quoted there still carries its members quoted.
    if (prose && text[k] == ':' && !quoted_name) continue;
    char separator = text[k++];
    // A JSON-RPC error's numeric `code`, or "error code: 400" in prose, is evidence; an
    // authorization code travels as a parameter (code=...), never as a member.
    if (separator == ':' && lower(name) == "code") continue;
    while (k < text.size() && is_blank(text[k]))
      ++k;
    // Already hidden by an earlier pass (the URL's form pass): "[REDACTED" is not a value.
    if (text.substr(k).starts_with(kRedacted)) {
      i = k + kRedacted.size();
      continue;
    }
    if (k < text.size() && (text[k] == '"' || text[k] == '\'')) {
      size_t end = quoted_value_end(text, k + 1, text[k]);
      if (end > k + 1) hidden.emplace_back(k + 1, end);
      i = end;
    } else if (separator == '=' || !quoted_name) {
      // Unquoted: a parameter's value, or "password: hunter2" in text. An unquoted value after
      // a quoted member name is a number, a boolean or null: evidence, not a credential.
      size_t end = k;
      while (end < text.size() && !ends_unquoted_value(text[end]))
        ++end;
      if (end > k) hidden.emplace_back(k, end);
      i = end;
    }
  }
  if (hidden.empty()) return std::string(text);
  return replace_ranges(text, hidden);
}

std::string Redactor::redact_text(std::string_view text) const {
  return redact_values(redact_named_values(text, /*prose=*/true));
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
  // A fragment before the query ("cb#x?code=...") hides nothing from the form pass above.
  return redact_values(redact_named_values(result));
}

std::string Redactor::redact_body(std::string_view body, std::string_view content_type) const {
  // The declared type decides nothing: a token response served as text/plain, JSON with
  // trailing bytes or an array carries the same members.
  if (lower(content_type).find("x-www-form-urlencoded") != std::string::npos)
    return redact_values(redact_named_values(redact_form(body)));
  return redact_values(redact_named_values(body));
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
    if (semi != std::string_view::npos) out += redact_values(value.substr(semi));
    return out;
  }
  if (key == "location" || key == "content-location" || key == "referer") return redact_url(value);
  return redact_values(redact_named_values(value));
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
  exchange.transport_error = redact_values(redact_named_values(exchange.transport_error));
  return exchange;
}

Redactor& redactor() {
  static Redactor instance;
  return instance;
}

} // namespace conformance
