// DPoP proofs: the JWT's header, claims and ES256 signature (RFC 9449 §4.2).
#include "core/base64url.h"
#include "oauth/dpop.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

nlohmann::json part(const std::string& jws, int index) {
  size_t start = 0;
  for (int i = 0; i < index; ++i)
    start = jws.find('.', start) + 1;
  size_t end = jws.find('.', start);
  return nlohmann::json::parse(*oauth::base64url_decode(jws.substr(start, end - start)));
}

TEST(DpopUnit, ProofCarriesKeyMethodAndUrl) {
  conformance::DpopKey key;
  std::string proof = key.proof("POST", "https://as.example/token?x=1#f");
  nlohmann::json header = part(proof, 0), claims = part(proof, 1);
  EXPECT_EQ(header["typ"], "dpop+jwt");
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["jwk"]["kty"], "EC");
  EXPECT_EQ(header["jwk"]["crv"], "P-256");
  EXPECT_EQ(oauth::base64url_decode(header["jwk"]["x"].get<std::string>())->size(), 32u);
  EXPECT_FALSE(header["jwk"].contains("d")) << "the private key must never leave";
  EXPECT_EQ(claims["htm"], "POST");
  EXPECT_EQ(claims["htu"], "https://as.example/token");
  EXPECT_TRUE(claims["iat"].is_number_integer());
  EXPECT_NE(claims["jti"], part(key.proof("POST", "https://as.example/token"), 1)["jti"]);
}

TEST(DpopUnit, SignatureVerifiesAndTamperingIsDetected) {
  conformance::DpopKey key;
  std::string proof = key.proof("POST", "https://as.example/token");
  EXPECT_TRUE(key.verifies(proof));
  std::string tampered = proof;
  tampered[tampered.find('.') + 3] ^= 1; // change one claim character
  EXPECT_FALSE(key.verifies(tampered));
  conformance::DpopKey other;
  EXPECT_FALSE(other.verifies(proof));
}

} // namespace
