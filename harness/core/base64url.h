// base64url (RFC 4648 §5, no padding) and standard base64; decoding uses OpenSSL's codec.
// Shared by the harness and the reference server: pure, no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace oauth {

std::string base64url_encode(std::string_view bytes);

// The unpadded base64url length of `count` bytes.
constexpr size_t base64url_length(size_t count) {
  return count / 3 * 4 + (count % 3 == 0 ? 0 : count % 3 + 1);
}

// Writes exactly base64url_length(count) characters to `out`, without a terminator, so hot
// paths can encode into a buffer of their own (e.g. on the stack) instead of a new string.
void base64url_encode_to(const unsigned char* bytes, size_t count, char* out);

// The standard alphabet with padding (RFC 4648 §4), as HTTP Basic uses it (RFC 7617 §2).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// Returns nullopt on characters outside the base64url alphabet or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

// `count` bytes from OpenSSL's CSPRNG, base64url-encoded. Throws on RNG failure.
std::string random_base64url(size_t count);

} // namespace oauth
