// PKCE hot paths (RFC 7636 §4.1, §4.2, §4.6): the S256 challenge, its constant-time verification
// at the token endpoint, and verifier generation, next to a baseline that does only the
// transform: OpenSSL's one-shot SHA256() and a base64url of the digest, both on the stack. The
// ratios to that baseline are what to watch; absolute times depend on the machine. (On OpenSSL 3
// the one-shot call looks the digest up and allocates a context each time, so a path that
// avoids that can come in under the baseline.)
#include "core/pkce.h"

#include <benchmark/benchmark.h>
#include <cstddef>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string>

namespace {

// The RFC 7636 Appendix B verifier: 43 characters, the shortest a client may send.
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr size_t kVerifierLength = sizeof kVerifier - 1;
static_assert(kVerifierLength == 43);

// The baselines' base64url: OpenSSL's encoder into a stack buffer, then the URL-safe alphabet
// and no padding (RFC 4648 §5), and nothing the compiler may drop as dead.
inline void encode_and_keep(const unsigned char (&digest)[SHA256_DIGEST_LENGTH]) {
  // 32 bytes encode to 44 characters with one '=', plus EVP_EncodeBlock's terminating NUL.
  unsigned char encoded[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
  int length = EVP_EncodeBlock(encoded, digest, SHA256_DIGEST_LENGTH);
  while (length > 0 && encoded[length - 1] == '=')
    --length;
  for (int i = 0; i < length; ++i) {
    if (encoded[i] == '+')
      encoded[i] = '-';
    else if (encoded[i] == '/')
      encoded[i] = '_';
  }
  unsigned char* out = encoded;
  benchmark::DoNotOptimize(out);
  benchmark::DoNotOptimize(length);
  benchmark::ClobberMemory();
}

void BM_Sha256Base64urlBaseline(benchmark::State& state) {
  for (auto _ : state) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(kVerifier), kVerifierLength, digest);
    encode_and_keep(digest);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256Base64urlBaseline);
// Also on one and two threads in real time: OpenSSL 3's one-shot SHA256() fetches the digest
// under a shared lock on every call, so this floor scales worse than the verify path below.
BENCHMARK(BM_Sha256Base64urlBaseline)->Threads(1)->Threads(2)->UseRealTime();

// The same floor without the one-shot call's per-call lookup and allocation: SHA-256 through a
// digest fetched once and one reused context, then the same base64url. What the verify path
// costs beyond this is its own (the comparison, the string views), so this is the ratio that
// says how close to the bare transform verification is.
void BM_Sha256Base64urlBaselineFetched(benchmark::State& state) {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  for (auto _ : state) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    unsigned int digest_length = 0;
    EVP_DigestInit_ex2(ctx, md, nullptr);
    EVP_DigestUpdate(ctx, kVerifier, kVerifierLength);
    EVP_DigestFinal_ex(ctx, digest, &digest_length);
    encode_and_keep(digest);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256Base64urlBaselineFetched);

void BM_PkceS256Challenge(benchmark::State& state) {
  for (auto _ : state) {
    std::string challenge = oauth::s256_challenge(kVerifier);
    benchmark::DoNotOptimize(challenge);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PkceS256Challenge);

void BM_PkceS256Verify(benchmark::State& state) {
  // The matching challenge, so the whole comparison runs, as on the token endpoint's success
  // path.
  const std::string challenge = oauth::s256_challenge(kVerifier);
  for (auto _ : state) {
    bool matches = oauth::s256_matches(kVerifier, challenge);
    benchmark::DoNotOptimize(matches);
    if (!matches) {
      state.SkipWithError("the verifier did not match its own challenge");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PkceS256Verify);
// Shares nothing between threads, so it shows how far this machine lets CPU-bound work scale:
// the ceiling to read BM_CodeRedeem's Threads(2) against.
BENCHMARK(BM_PkceS256Verify)->Threads(1)->Threads(2)->UseRealTime();

void BM_PkceVerifierGenerate(benchmark::State& state) {
  for (auto _ : state) {
    std::string verifier = oauth::make_code_verifier();
    benchmark::DoNotOptimize(verifier);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PkceVerifierGenerate);

} // namespace
