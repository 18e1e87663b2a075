// What a button or link says it does, from its words: the one vocabulary the form driver (on
// parsed HTML) and the browser driver (on a rendered page) share for pressing what a user would.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

// Lower-case words of the given texts ("Don't allow" -> don't, allow).
std::vector<std::string> words_of(std::initializer_list<std::string_view> texts);

// Declines: deny, cancel, reject, decline, no, don't.
bool deny_words(const std::vector<std::string>& words);
// Approves (approve, allow, accept, consent, authorize, yes, continue, grant) and does not
// decline: "Don't allow" says allow but means no.
bool approve_words(const std::vector<std::string>& words);
// Moves a sign-in on (next, continue, sign in, log in, login, submit, verify, proceed) and does
// not decline.
bool sign_in_words(const std::vector<std::string>& words);

} // namespace conformance
