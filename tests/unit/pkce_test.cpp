// PKCE and base64url: the RFC 7636 Appendix B vector and the verifier syntax rules.
#include "core/base64url.h"
#include "core/pkce.h"

#include <gtest/gtest.h>

namespace {

TEST(PkceUnit, AppendixBVector) {
  // RFC 7636 Appendix B: the published verifier and the challenge it must produce.
  EXPECT_EQ(oauth::s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  EXPECT_TRUE(oauth::s256_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                                  "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
  EXPECT_FALSE(oauth::s256_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl",
                                   "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
}

TEST(PkceUnit, GeneratedVerifiersAreValidAndDistinct) {
  std::string a = oauth::make_code_verifier();
  std::string b = oauth::make_code_verifier();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_TRUE(oauth::is_valid_verifier_syntax(a));
  EXPECT_NE(a, b);
}

TEST(PkceUnit, VerifierSyntax) {
  EXPECT_FALSE(oauth::is_valid_verifier_syntax(std::string(42, 'a')));
  EXPECT_TRUE(oauth::is_valid_verifier_syntax(std::string(43, 'a')));
  EXPECT_TRUE(oauth::is_valid_verifier_syntax(std::string(128, '~')));
  EXPECT_FALSE(oauth::is_valid_verifier_syntax(std::string(129, 'a')));
  EXPECT_FALSE(oauth::is_valid_verifier_syntax(std::string(42, 'a') + "+"));
  EXPECT_FALSE(oauth::is_valid_verifier_syntax(std::string(42, 'a') + "="));
}

TEST(Base64UrlUnit, RoundTripsWithoutPadding) {
  for (std::string input : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd"}) {
    std::string encoded = oauth::base64url_encode(input);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos) << encoded;
    auto decoded = oauth::base64url_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, input);
  }
  EXPECT_EQ(oauth::base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(oauth::base64url_decode("a").has_value());
  EXPECT_FALSE(oauth::base64url_decode("ab+c").has_value());
}

TEST(PkceUnit, ConstantTimeEquals) {
  EXPECT_TRUE(oauth::constant_time_equals("secret", "secret"));
  EXPECT_FALSE(oauth::constant_time_equals("secret", "secreT"));
  EXPECT_FALSE(oauth::constant_time_equals("secret", "secrets"));
}

} // namespace
