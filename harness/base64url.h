// base64url (RFC 4648 §5, no padding) on OpenSSL's base64 codec.
// Shared by the harness and the reference server: pure, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace oauth {

std::string base64url_encode(std::string_view bytes);

// The standard alphabet with padding (RFC 4648 §4), as HTTP Basic uses it (RFC 7617 §2).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// Returns nullopt on characters outside the base64url alphabet or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

// `count` bytes from OpenSSL's CSPRNG, base64url-encoded. Throws on RNG failure.
std::string random_base64url(size_t count);

} // namespace oauth
