// DPoP proofs (RFC 9449 §4): a JWT signed with a fresh ES256 key whose public JWK rides
// in the header, binding one request (method + URL) to that key. Used to see whether a
// server that advertises DPoP actually issues sender-constrained tokens (SEC-09).
#pragma once

#include <memory>
#include <string>

namespace conformance {

class DpopKey {
public:
  DpopKey(); // a new P-256 key pair from OpenSSL
  ~DpopKey();
  DpopKey(const DpopKey&) = delete;
  DpopKey& operator=(const DpopKey&) = delete;

  // The public key as a JWK object text: {"crv":"P-256","kty":"EC","x":"…","y":"…"}.
  std::string public_jwk() const;
  // A proof for `method` at `url` (query and fragment are dropped, RFC 9449 §4.2).
  std::string proof(const std::string& method, const std::string& url) const;
  // Checks an ES256 JWS made by this key (for tests of the proof itself).
  bool verifies(const std::string& compact_jws) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace conformance
