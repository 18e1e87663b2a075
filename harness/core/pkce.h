// PKCE (RFC 7636): verifier generation, the S256 transform and its verification.
// Shared by the harness (client side) and the reference server (server side).
#pragma once

#include <string>
#include <string_view>

namespace oauth {

// A 43-character verifier: 32 bytes from RAND_bytes, base64url (RFC 7636 §4.1).
std::string make_code_verifier();

// BASE64URL(SHA256(ASCII(verifier))), RFC 7636 §4.2.
std::string s256_challenge(std::string_view verifier);

// True when `verifier` is 43..128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1).
bool is_valid_verifier_syntax(std::string_view verifier);

// Recomputes the S256 challenge and compares it in constant time.
bool s256_matches(std::string_view verifier, std::string_view expected_challenge);

// Constant-time equality for secrets (lengths are not secret).
bool constant_time_equals(std::string_view a, std::string_view b);

} // namespace oauth
