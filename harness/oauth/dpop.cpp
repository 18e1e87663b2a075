#include "oauth/dpop.h"

#include "core/base64url.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdexcept>
#include <vector>

namespace conformance {
namespace {

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1)
    throw std::runtime_error("cannot read the DPoP key");
  std::string bytes(32, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()), 32);
  BN_free(bn);
  return bytes;
}

std::string without_query(const std::string& url) {
  size_t cut = url.find_first_of("?#");
  return cut == std::string::npos ? url : url.substr(0, cut);
}

} // namespace

struct DpopKey::Impl {
  EVP_PKEY* key = nullptr;
};

DpopKey::DpopKey() : impl_(std::make_unique<Impl>()) {
  impl_->key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!impl_->key) throw std::runtime_error("cannot generate a P-256 key");
}

DpopKey::~DpopKey() {
  EVP_PKEY_free(impl_->key);
}

std::string DpopKey::public_jwk() const {
  // Members in lexicographic order, as the RFC 7638 thumbprint input wants them.
  nlohmann::json jwk = {
      {"crv", "P-256"},
      {"kty", "EC"},
      {"x", oauth::base64url_encode(bn_param(impl_->key, OSSL_PKEY_PARAM_EC_PUB_X))},
      {"y", oauth::base64url_encode(bn_param(impl_->key, OSSL_PKEY_PARAM_EC_PUB_Y))}};
  return jwk.dump();
}

std::string DpopKey::proof(const std::string& method, const std::string& url) const {
  nlohmann::json header = {
      {"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", nlohmann::json::parse(public_jwk())}};
  nlohmann::json claims = {{"jti", oauth::random_base64url(16)},
                           {"htm", method},
                           {"htu", without_query(url)},
                           {"iat", static_cast<long long>(std::time(nullptr))}};
  std::string signing_input =
      oauth::base64url_encode(header.dump()) + "." + oauth::base64url_encode(claims.dump());

  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t der_size = 0;
  std::vector<unsigned char> der;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, impl_->key) == 1 &&
            EVP_DigestSign(ctx, nullptr, &der_size,
                           reinterpret_cast<const unsigned char*>(signing_input.data()),
                           signing_input.size()) == 1;
  if (ok) {
    der.resize(der_size);
    ok = EVP_DigestSign(ctx, der.data(), &der_size,
                        reinterpret_cast<const unsigned char*>(signing_input.data()),
                        signing_input.size()) == 1;
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("cannot sign the DPoP proof");
  // JWS ES256 wants the raw 32-byte r and s, not OpenSSL's DER (RFC 7518 §3.4).
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_size));
  if (!sig) throw std::runtime_error("cannot decode the ECDSA signature");
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return signing_input + "." + oauth::base64url_encode(raw);
}

bool DpopKey::verifies(const std::string& compact_jws) const {
  size_t last_dot = compact_jws.rfind('.');
  if (last_dot == std::string::npos) return false;
  auto raw = oauth::base64url_decode(compact_jws.substr(last_dot + 1));
  if (!raw || raw->size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw->data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw->data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_size = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  std::string input = compact_jws.substr(0, last_dot);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, impl_->key) == 1 &&
      EVP_DigestVerify(ctx, der, static_cast<size_t>(der_size),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

} // namespace conformance
