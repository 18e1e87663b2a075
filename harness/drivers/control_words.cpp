#include "drivers/control_words.h"

#include <algorithm>
#include <cctype>

namespace conformance {
namespace {

bool has_word(const std::vector<std::string>& words,
              std::initializer_list<std::string_view> wanted) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
    return std::find(wanted.begin(), wanted.end(), w) != wanted.end();
  });
}

} // namespace

std::vector<std::string> words_of(std::initializer_list<std::string_view> texts) {
  std::vector<std::string> out;
  for (std::string_view text : texts) {
    std::string word;
    for (size_t i = 0; i <= text.size(); ++i) {
      char c = i < text.size() ? text[i] : ' ';
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'') {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (!word.empty()) {
        out.push_back(word);
        word.clear();
      }
    }
  }
  return out;
}

bool deny_words(const std::vector<std::string>& words) {
  return has_word(words, {"deny", "cancel", "reject", "decline", "no", "don't", "dont"});
}

bool approve_words(const std::vector<std::string>& words) {
  return !deny_words(words) && has_word(words, {"approve", "allow", "accept", "consent",
                                                "authorize", "authorise", "yes", "continue",
                                                "grant"});
}

bool sign_in_words(const std::vector<std::string>& words) {
  if (deny_words(words)) return false;
  if (has_word(words, {"next", "continue", "login", "signin", "logon", "submit", "verify",
                       "proceed", "go"}))
    return true;
  // Two-word forms: "sign in", "log in", "log on".
  for (size_t i = 0; i + 1 < words.size(); ++i)
    if ((words[i] == "sign" || words[i] == "log") && (words[i + 1] == "in" || words[i + 1] == "on"))
      return true;
  return false;
}

} // namespace conformance
