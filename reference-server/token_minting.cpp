// Random values and lifetimes of issued codes and tokens.
#include "token_minting.h"

#include "base64url.h"

namespace refserver {

std::string new_token_value(const ServerOptions& options) {
  // RFC 6749 §10.10 bounds the chance of guessing a token by 2^-128; 32 bytes leaves margin.
  return oauth::random_base64url(options.has(Fault::WeakTokens) ? 8 : 32);
}

std::chrono::seconds access_token_lifetime(const ServerOptions& options) {
  if (options.has(Fault::LongLivedAccessTokens)) return std::chrono::hours(24);
  return options.access_token_lifetime;
}

} // namespace refserver
