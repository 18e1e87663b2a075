#include "core/base64url.h"

#include <cctype>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdexcept>
#include <vector>

namespace oauth {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string url(text);
  while (!url.empty() && url.back() == '=')
    url.pop_back();
  if (text.size() - url.size() > 2) return std::nullopt;
  for (char& c : url) {
    if (c == '+')
      c = '-';
    else if (c == '/')
      c = '_';
    else if (c == '-' || c == '_')
      return std::nullopt; // not in the standard alphabet
  }
  return base64url_decode(url);
}

void base64url_encode_to(const unsigned char* bytes, size_t count, char* out) {
  // A table of our own rather than EVP_EncodeBlock: that one writes the standard alphabet and
  // padding, which then cost a second pass (and, for a std::string, a second buffer) to undo.
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t i = 0;
  for (; i + 3 <= count; i += 3) {
    const unsigned group = unsigned{bytes[i]} << 16 | unsigned{bytes[i + 1]} << 8 | bytes[i + 2];
    *out++ = kAlphabet[group >> 18];
    *out++ = kAlphabet[(group >> 12) & 0x3f];
    *out++ = kAlphabet[(group >> 6) & 0x3f];
    *out++ = kAlphabet[group & 0x3f];
  }
  if (const size_t rest = count - i; rest > 0) {
    const unsigned group = unsigned{bytes[i]} << 16 | (rest == 2 ? unsigned{bytes[i + 1]} << 8 : 0);
    *out++ = kAlphabet[group >> 18];
    *out++ = kAlphabet[(group >> 12) & 0x3f];
    if (rest == 2) *out++ = kAlphabet[(group >> 6) & 0x3f];
  }
}

std::string base64url_encode(std::string_view bytes) {
  std::string out(base64url_length(bytes.size()), '\0');
  base64url_encode_to(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      out.data());
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string std_b64(text);
  for (char& c : std_b64) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!(std::isalnum(static_cast<unsigned char>(c))))
      return std::nullopt;
  }
  size_t padding = (4 - std_b64.size() % 4) % 4;
  std_b64.append(padding, '=');
  std::string out(3 * std_b64.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(std_b64.data()),
                          static_cast<int>(std_b64.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string random_base64url(size_t count) {
  // Tokens and verifiers are 32 bytes or fewer; only unusual sizes go to the heap.
  unsigned char small[64];
  std::vector<unsigned char> large;
  unsigned char* buf = small;
  if (count > sizeof small) {
    large.resize(count);
    buf = large.data();
  }
  if (RAND_bytes(buf, static_cast<int>(count)) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string out(base64url_length(count), '\0');
  base64url_encode_to(buf, count, out.data());
  OPENSSL_cleanse(buf, count); // the bytes are the secret; keep no copy
  return out;
}

} // namespace oauth
