// WWW-Authenticate parsing (RFC 9110 §11.6.1, §11.3): a header value holds one or more
// challenges, each a scheme followed by either a token68 or comma-separated auth-params whose
// values are tokens or quoted strings. The protected-resource checks judge the Bearer challenge
// (RFC 6750 §3) and read resource_metadata (RFC 9728 §5.1) from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conformance {

struct Challenge {
  std::string scheme;  // as sent; compare case-insensitively
  std::string token68; // set instead of params for e.g. "Negotiate abc=="
  std::vector<std::pair<std::string, std::string>> params; // names lower-cased, values unquoted

  // The first value of the parameter, if present.
  std::optional<std::string> param(std::string_view name) const;
  size_t count(std::string_view name) const;
  bool is(std::string_view scheme_name) const; // case-insensitive scheme match
};

struct ChallengeList {
  std::vector<Challenge> challenges;
  std::string problem; // set when some part could not be parsed; what did parse is kept

  // The first challenge with the given scheme.
  const Challenge* find(std::string_view scheme) const;
};

// Parses every WWW-Authenticate value of a response (a server may send several headers).
ChallengeList parse_www_authenticate(const std::vector<std::string>& header_values);

} // namespace conformance
