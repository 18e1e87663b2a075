// PKCE verifiers, the S256 transform and its constant-time check, without heap allocation on
// the verification path: the token endpoint runs it on every authorization_code redemption.
#include "core/pkce.h"

#include "core/base64url.h"

#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdexcept>

namespace oauth {
namespace {

constexpr size_t kChallengeLength = base64url_length(SHA256_DIGEST_LENGTH);

// OpenSSL 3's one-shot SHA256() looks the implementation up by name (under a global read lock)
// and allocates a fresh context on every call, which costs several times the hash of a
// 43-character verifier. Fetching once and keeping one context per thread leaves the hash.
void sha256(std::string_view data, unsigned char (&digest)[SHA256_DIGEST_LENGTH]) {
  // Fetched once for the life of the process; never freed, as OpenSSL tears its providers down
  // at exit on its own.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  thread_local const std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  unsigned int length = 0;
  if (md == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1 || length != SHA256_DIGEST_LENGTH)
    throw std::runtime_error("SHA-256 failed");
}

void s256_challenge_to(std::string_view verifier, char (&out)[kChallengeLength]) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  sha256(verifier, digest);
  base64url_encode_to(digest, sizeof digest, out);
}

} // namespace

std::string make_code_verifier() {
  return random_base64url(32);
}

std::string s256_challenge(std::string_view verifier) {
  char challenge[kChallengeLength];
  s256_challenge_to(verifier, challenge);
  return std::string(challenge, sizeof challenge);
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
  char challenge[kChallengeLength];
  s256_challenge_to(verifier, challenge);
  return constant_time_equals(std::string_view(challenge, sizeof challenge), expected_challenge);
}

} // namespace oauth
