// Redaction of secrets before anything leaves the process (DESIGN.md "Evidence"):
// credentials are removed by their structural position (headers, parameters and members named
// like credentials, in any body whatever its declared type) and, as a second net, every secret
// value the run has learnt is replaced wherever it appears, in the encodings it travels in
// (percent- and form-encoded, JSON- and HTML-escaped; Basic credentials as they were sent).
#pragma once

#include "http/evidence.h"

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace oauth {
class MultiStringMatcher;
}

namespace conformance {

inline constexpr std::string_view kRedacted = "[REDACTED]";

class Redactor {
public:
  Redactor();
  ~Redactor();

  // A value the harness knows is secret (a code, token, verifier, client secret, password, a
  // configured credential): hidden however short it is.
  void add_secret(std::string_view value);
  // A value that may be a credential (a cookie's value): hidden only when long enough to be one
  // (kMinPossibleSecret), since hiding "en" of lang=en everywhere would leave nothing readable.
  void add_possible_secret(std::string_view value);
  static constexpr size_t kMinPossibleSecret = 8;
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
  // Hides values that follow a credential's name in any text: `name=value` (forms, queries,
  // also in a fragment that comes before a query), `"name": "value"` (JSON, even broken or
  // served as text/plain), `name: value` (text, unless `prose`: the harness's own messages).
  // Linear, no parsing, no recursion.
  static std::string redact_named_values(std::string_view text, bool prose = false);
  // Only the learnt values.
  std::string redact_values(std::string_view text) const;
  void add_forms_locked(std::string_view value);

  // The secrets' forms, searched by a few matchers built over growing batches (each at most
  // half the size of the one before it, merged when that stops holding): adding a secret costs
  // amortised time linear in its length, and a search costs one pass per matcher.
  struct Batch {
    std::vector<std::string_view> patterns; // in known_
    std::shared_ptr<const oauth::MultiStringMatcher> matcher;
  };
  void index_pending_locked() const;

  mutable std::mutex mutex_;
  // Every form of every secret, once. Never erased: pending_ and the batches point into it.
  std::unordered_set<std::string> known_;
  mutable std::vector<std::string_view> pending_; // forms not yet in a batch (in known_)
  mutable std::vector<Batch> batches_;
  std::unordered_set<std::string> secret_headers_; // lower-case names
};

Redactor& redactor();

} // namespace conformance
