#include "pkce.h"

#include "base64url.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace oauth {

std::string make_code_verifier() {
  return random_base64url(32);
}

std::string s256_challenge(std::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

bool is_valid_verifier_syntax(std::string_view verifier) {
  if (verifier.size() < 43 || verifier.size() > 128) return false;
  for (char c : verifier) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (!unreserved) return false;
  }
  return true;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool s256_matches(std::string_view verifier, std::string_view expected_challenge) {
  return constant_time_equals(s256_challenge(verifier), expected_challenge);
}

} // namespace oauth
