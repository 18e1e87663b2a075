// Redaction of secrets before anything leaves the process (DESIGN.md "Evidence"):
// credentials are removed by their structural position (headers, form and query
// parameters, JSON members) and, as a second net, every secret value the run has
// seen is replaced wherever it appears (an echo in an error page, say).
#pragma once

#include "http/evidence.h"

#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace conformance {

inline constexpr std::string_view kRedacted = "[REDACTED]";

class Redactor {
public:
  // Remembers a secret value (code, token, verifier, client secret, password).
  void add_secret(std::string_view value);
  // A header whose value is always hidden where it travels (an operator's gateway key).
  void add_secret_header(std::string_view name);

  std::string redact_text(std::string_view text) const;
  std::string redact_url(std::string_view url) const;
  std::string redact_body(std::string_view body, std::string_view content_type) const;
  std::string redact_header(std::string_view name, std::string_view value) const;
  Exchange redact(Exchange exchange) const;

  // Parameter and JSON member names whose values are always secret.
  static bool is_secret_name(std::string_view name);

private:
  // Longest first, so a secret that contains another is replaced whole.
  struct LongestFirst {
    bool operator()(const std::string& a, const std::string& b) const {
      return a.size() != b.size() ? a.size() > b.size() : a < b;
    }
  };
  mutable std::mutex mutex_;
  std::set<std::string, LongestFirst> secrets_;
  std::set<std::string> secret_headers_; // lower-case names
};

Redactor& redactor();

} // namespace conformance
