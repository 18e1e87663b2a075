// Redaction: secrets never survive into evidence, whatever position they travel in.
#include "http/redaction.h"

#include <gtest/gtest.h>

namespace {

using conformance::Exchange;
using conformance::Redactor;

TEST(RedactionUnit, HidesSecretsByPosition) {
  Redactor r;
  Exchange e;
  e.method = "POST";
  e.url = "https://as.example/cb?code=SPLxlOBeZQQYbYS6WxSbIA&state=xyz";
  e.request_headers = {{"Authorization", "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"},
                       {"Content-Type", "application/x-www-form-urlencoded"},
                       {"Cookie", "session=abcdef123456"}};
  e.request_body = "grant_type=authorization_code&code=SPLxlOBeZQQYbYS6WxSbIA&code_verifier="
                   "verifier-value-123&client_secret=hunter2hunter2";
  e.response_headers = {{"content-type", "application/json"},
                        {"set-cookie", "sid=s3cr3tvalue; HttpOnly; Path=/"}};
  e.response_body =
      R"({"access_token":"2YotnFZFEjr1zCsicMWpAA","refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","token_type":"Bearer"})";
  Exchange out = r.redact(e);
  std::string all = out.url + out.request_body + out.response_body;
  for (const auto& [n, v] : out.request_headers)
    all += n + v;
  for (const auto& [n, v] : out.response_headers)
    all += n + v;
  for (const char* secret : {"SPLxlOBeZQQYbYS6WxSbIA", "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
                             "abcdef123456", "verifier-value-123", "hunter2hunter2", "s3cr3tvalue",
                             "2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA"})
    EXPECT_EQ(all.find(secret), std::string::npos) << secret << " leaked: " << all;
  // What is evidence stays: the auth scheme, cookie attributes, non-secret parameters.
  EXPECT_NE(all.find("Basic [REDACTED]"), std::string::npos);
  EXPECT_NE(all.find("HttpOnly"), std::string::npos);
  EXPECT_NE(all.find("state=xyz"), std::string::npos);
  EXPECT_NE(all.find("Bearer"), std::string::npos);
}

// OAuth parameters are hidden where OAuth puts them; a JSON-RPC error's numeric `code` is
// evidence, and a JSON string member named like a token is still hidden.
TEST(RedactionUnit, JsonRpcErrorCodesStayVisible) {
  Redactor r;
  std::string body = r.redact_body(
      R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found"},)"
      R"("result":{"access_token":"2YotnFZFEjr1zCsicMWpAA"}})",
      "application/json");
  EXPECT_NE(body.find("-32601"), std::string::npos) << body;
  EXPECT_EQ(body.find("2YotnFZFEjr1zCsicMWpAA"), std::string::npos) << body;
  // Hidden once: the form pass and the named-value pass do not stack markers.
  EXPECT_EQ(r.redact_url("https://c.example/cb?code=SPLxlOBeZQQYbYS6WxSbIA&state=s1"),
            "https://c.example/cb?code=[REDACTED]&state=s1");
  EXPECT_EQ(r.redact_url("https://c.example/cb?code=SPLxlOBeZQQYbYS6WxSbIA"),
            "https://c.example/cb?code=[REDACTED]");
}

TEST(RedactionUnit, HidesKnownSecretValuesWhereverTheyAppear) {
  Redactor r;
  r.add_secret("a-client-secret-value");
  std::string page = "<p>Unknown secret a-client-secret-value for client</p>";
  EXPECT_EQ(r.redact_text(page).find("a-client-secret-value"), std::string::npos);
  // Percent-encoded echoes are caught too.
  r.add_secret("sec ret/value+1");
  EXPECT_EQ(r.redact_text("x=sec%20ret%2Fvalue%2B1").find("ret"), std::string::npos);
}

// A secret travels in other clothes: JSON-escaped, percent-encoded with lower-case hex, HTML-
// escaped in a page. Each form is hidden; so is a secret of any length the harness knows.
TEST(RedactionUnit, HidesEncodedFormsAndShortSecrets) {
  Redactor r;
  r.add_secret("se\"cr\\et/ü");
  EXPECT_EQ(r.redact_text(R"({"echo":"se\"cr\\et/ü"})"), R"({"echo":"[REDACTED]"})");
  EXPECT_EQ(r.redact_text(R"({"echo":"se\"cr\\et\/\u00fc"})"), R"({"echo":"[REDACTED]"})");
  EXPECT_EQ(r.redact_text("x=se%22cr%5cet%2f%c3%bc"), "x=[REDACTED]");
  EXPECT_EQ(r.redact_text("<input value=\"se&quot;cr\\et/ü\">"), "<input value=\"[REDACTED]\">");
  r.add_secret("pw5");
  EXPECT_EQ(r.redact_text("you typed pw5"), "you typed [REDACTED]");
  // A secret that is part of the marker is still hidden, and a second pass leaves the marker be.
  r.add_secret("RED");
  std::string once = r.redact_text("RED alert");
  EXPECT_EQ(once, "[REDACTED] alert");
  EXPECT_EQ(r.redact_text(once), once);
  // A possible secret (a cookie's value) needs the length of a credential.
  r.add_possible_secret("en");
  EXPECT_EQ(r.redact_text("lang=en"), "lang=en");
}

// Credentials are hidden by the name they travel under whatever the body's declared type:
// JSON served as text/plain, JSON with trailing bytes, a JSON array, a form in a text page.
TEST(RedactionUnit, HidesNamedCredentialsInAnyBody) {
  Redactor r;
  for (const char* type : {"text/plain", "", "application/octet-stream", "text/html"}) {
    std::string body = r.redact_body(
        R"([{"client_secret": "s3cr3t-one", "registration_access_token":"rat-x\"two"}] trailing)"
        "\naccess_token=at-three&state=ok\nrefresh_token: rt-four\n",
        type);
    for (const char* secret : {"s3cr3t-one", "rat-x", "two", "at-three", "rt-four"})
      EXPECT_EQ(body.find(secret), std::string::npos) << secret << " in " << body;
    EXPECT_NE(body.find("state=ok"), std::string::npos) << body;
    EXPECT_NE(body.find("trailing"), std::string::npos) << body;
  }
  // A member named like a credential whose value is a number or null is evidence.
  EXPECT_EQ(r.redact_body(R"({"error":{"code":-32600},"token":null,"code":"x"})", "text/plain"),
            R"({"error":{"code":-32600},"token":null,"code":"x"})");
}

// A fragment that comes before the query: the code in "cb#x?code=..." is still hidden.
TEST(RedactionUnit, FragmentFirstRedirectsAreRedacted) {
  Redactor r;
  std::string url = r.redact_url("http://127.0.0.1/cb#x?code=CODE-VALUE-1&state=s1");
  EXPECT_EQ(url.find("CODE-VALUE-1"), std::string::npos) << url;
  EXPECT_NE(url.find("state=s1"), std::string::npos) << url;
  EXPECT_EQ(r.redact_header("Refresh", "0; url=/cb?x=1&code=CODE-VALUE-2").find("CODE-VALUE-2"),
            std::string::npos);
}

// Thousands of secrets (a server that sets 2,000 cookies per response) are found in one pass:
// every one of them, overlapping ones included, and nothing else.
TEST(RedactionUnit, ManySecretsAreAllFoundAndOnlyThem) {
  Redactor r;
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    std::string value = "cookie-value-" + std::to_string(i * 7919) + "-x";
    r.add_possible_secret(value);
    if (i % 50 == 0) text += "[" + value + "]";
    if (i % 500 == 0) (void)r.redact_text("between batches"); // secrets arrive over a run
  }
  text += " plain words cookie-value- stay";
  std::string out = r.redact_text(text);
  EXPECT_EQ(out.find("cookie-value-0"), std::string::npos) << out.substr(0, 200);
  EXPECT_EQ(out.find("-x]"), std::string::npos) << out.substr(0, 200);
  EXPECT_NE(out.find("plain words cookie-value- stay"), std::string::npos);
  // Overlapping secrets are hidden as one run, leaving no piece of either.
  r.add_secret("abcdef-secret");
  r.add_secret("secret-ghijkl");
  EXPECT_EQ(r.redact_text("<abcdef-secret-ghijkl>"), "<[REDACTED]>");
}

TEST(RedactionUnit, ImplicitFragmentsAreRedacted) {
  Redactor r;
  std::string url = r.redact_url("https://c.example/cb#access_token=abcdefghij&token_type=bearer");
  EXPECT_EQ(url.find("abcdefghij"), std::string::npos);
  EXPECT_NE(url.find("token_type=bearer"), std::string::npos);
}

} // namespace

#include "checks/check.h"

namespace {

// A redirect body that repeats the code is recorded before the driver has read the code from the
// Location; the check's evidence is redacted again when it finishes.
const bool kLateRegistered = conformance::register_check("Redaction", "Late", {"TOKEN-02"});

TEST(RedactionUnit, SecretsLearntLaterInACheckAreRedactedWhenItEnds) {
  ASSERT_TRUE(kLateRegistered);
  conformance::CheckContext context("Redaction", "Late");
  Exchange e;
  e.method = "GET";
  e.url = "https://as.example/consent";
  e.response_body = "Redirecting to http://127.0.0.1/callback?state=s&c=LATE-SECRET-4711";
  context.record(e);
  conformance::redactor().add_secret("LATE-SECRET-4711");
  context.add_finding({"TOKEN-02", "MUST", conformance::Outcome::Pass, "saw LATE-SECRET-4711"});
  conformance::CheckResult result = context.finish(false, "", 1.0);
  ASSERT_EQ(result.evidence.size(), 1u);
  EXPECT_EQ(result.evidence[0].response_body.find("LATE-SECRET-4711"), std::string::npos);
  EXPECT_EQ(result.message.find("LATE-SECRET-4711"), std::string::npos);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].message.find("LATE-SECRET-4711"), std::string::npos);
}

} // namespace
