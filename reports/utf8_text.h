// UTF-8 as the report writers need it: servers send arbitrary bytes, and both HTML and XML
// must receive well-formed text, cut only between characters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace conformance {

// Length of the well-formed UTF-8 sequence at the start of `s` (1 for ASCII), or 0 when the
// bytes there are not UTF-8: overlong forms, surrogates, values past U+10FFFF, a cut sequence.
// Stores the code point in `*code_point` when given.
std::size_t utf8_sequence(std::string_view s, std::uint32_t* code_point = nullptr);

// The longest prefix of `s` of at most `cap` bytes that does not split a character.
std::string_view utf8_prefix(std::string_view s, std::size_t cap);

// The character reference for a markup character (& < > " '), valid in both HTML and XML, or
// empty for any other character.
std::string_view markup_entity(std::uint32_t code_point);

} // namespace conformance
