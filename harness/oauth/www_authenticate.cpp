#include "oauth/www_authenticate.h"

#include "core/text.h"

#include <cctype>

namespace conformance {
namespace {

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_token68_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-._~+/").find(c) != std::string_view::npos;
}

class Parser {
public:
  explicit Parser(std::string_view text) : s_(text) {}

  void parse(ChallengeList& out) {
    skip_separators();
    while (pos_ < s_.size()) {
      std::string scheme = token();
      if (scheme.empty()) return fail(out, "expected an auth-scheme");
      Challenge challenge;
      challenge.scheme = scheme;
      bool had_space = skip_spaces();
      if (had_space && pos_ < s_.size() && s_[pos_] != ',') {
        if (!parse_params_or_token68(challenge)) return fail(out, "malformed auth-params");
      }
      out.challenges.push_back(std::move(challenge));
      skip_separators();
    }
  }

private:
  void fail(ChallengeList& out, const std::string& what) {
    if (out.problem.empty())
      out.problem = what + " at offset " + std::to_string(pos_) + " of '" + std::string(s_) + "'";
  }
  bool skip_spaces() {
    size_t start = pos_;
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t'))
      ++pos_;
    return pos_ > start;
  }
  void skip_separators() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == ','))
      ++pos_;
  }
  std::string token() {
    size_t start = pos_;
    while (pos_ < s_.size() && is_tchar(s_[pos_]))
      ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  // After "scheme SP": a token68, or auth-params until the next challenge begins (a token
  // followed by a space and no "=").
  bool parse_params_or_token68(Challenge& challenge) {
    size_t start = pos_;
    // token68: its characters, optional trailing '=', then end or a comma.
    size_t p = pos_;
    while (p < s_.size() && is_token68_char(s_[p]))
      ++p;
    size_t body_end = p;
    while (p < s_.size() && s_[p] == '=')
      ++p;
    size_t q = p;
    while (q < s_.size() && (s_[q] == ' ' || s_[q] == '\t'))
      ++q;
    if (body_end > start && (q == s_.size() || s_[q] == ',')) {
      // A lone word, possibly with '=' padding, and nothing else: a token68. ("abc=" is not an
      // auth-param: RFC 9110 allows no empty unquoted value.)
      challenge.token68 = std::string(s_.substr(start, p - start));
      pos_ = p;
      return true;
    }
    pos_ = start;
    while (true) {
      size_t param_start = pos_;
      std::string name = token();
      if (name.empty()) return false;
      skip_spaces();
      if (pos_ >= s_.size() || s_[pos_] != '=') {
        // The start of the next challenge: give the token back.
        pos_ = param_start;
        return !challenge.params.empty();
      }
      ++pos_;
      skip_spaces();
      std::string value;
      if (pos_ < s_.size() && s_[pos_] == '"') {
        ++pos_;
        bool closed = false;
        while (pos_ < s_.size()) {
          char c = s_[pos_++];
          if (c == '\\' && pos_ < s_.size()) {
            value += s_[pos_++];
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value += c;
          }
        }
        if (!closed) return false;
      } else {
        value = token();
        if (value.empty()) return false;
      }
      challenge.params.emplace_back(oauth::ascii_lower(name), std::move(value));
      skip_spaces();
      if (pos_ >= s_.size()) return true;
      if (s_[pos_] != ',') return false;
      // Skip the comma(s) and see whether another param or a new challenge follows.
      skip_separators();
      if (pos_ >= s_.size()) return true;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

} // namespace

std::optional<std::string> Challenge::param(std::string_view name) const {
  for (const auto& [n, v] : params)
    if (n == name) return v;
  return std::nullopt;
}

size_t Challenge::count(std::string_view name) const {
  size_t n = 0;
  for (const auto& [k, v] : params)
    n += k == name;
  return n;
}

bool Challenge::is(std::string_view scheme_name) const {
  return oauth::iequals(scheme, scheme_name);
}

const Challenge* ChallengeList::find(std::string_view scheme) const {
  for (const Challenge& c : challenges)
    if (c.is(scheme)) return &c;
  return nullptr;
}

ChallengeList parse_www_authenticate(const std::vector<std::string>& header_values) {
  ChallengeList out;
  for (const std::string& value : header_values)
    Parser(value).parse(out);
  return out;
}

} // namespace conformance
