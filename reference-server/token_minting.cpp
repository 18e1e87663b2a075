// Random values and lifetimes of issued codes and tokens.
#include "token_minting.h"

#include "core/base64url.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdexcept>

namespace refserver {
namespace {

// RFC 6749 §10.10 bounds the chance of guessing a token by 2^-128; 32 bytes leaves margin.
constexpr size_t kTokenBytes = 32;

size_t token_bytes(const ServerOptions& options) {
  return options.has(Fault::WeakTokens) ? 8 : kTokenBytes;
}

} // namespace

std::string new_token_value(const ServerOptions& options) {
  return oauth::random_base64url(token_bytes(options));
}

std::pair<std::string, std::string> new_token_pair(const ServerOptions& options) {
  const size_t n = token_bytes(options);
  unsigned char random[2 * kTokenBytes];
  if (RAND_bytes(random, static_cast<int>(2 * n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  std::pair<std::string, std::string> out{std::string(oauth::base64url_length(n), '\0'),
                                          std::string(oauth::base64url_length(n), '\0')};
  oauth::base64url_encode_to(random, n, out.first.data());
  oauth::base64url_encode_to(random + n, n, out.second.data());
  // The bytes are the tokens; do not leave them on the stack.
  OPENSSL_cleanse(random, sizeof random);
  return out;
}

std::chrono::seconds access_token_lifetime(const ServerOptions& options) {
  if (options.has(Fault::LongLivedAccessTokens)) return std::chrono::hours(24);
  return options.access_token_lifetime;
}

} // namespace refserver
