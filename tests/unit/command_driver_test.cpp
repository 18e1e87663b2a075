// The command driver against small shell programs standing in for an operator's login script.
#include "drivers/command_driver.h"
#include "http/evidence.h"

#include <gtest/gtest.h>

using namespace conformance;

namespace {
const std::string kRedirect = "http://127.0.0.1/callback";

AuthorizationResult run(const std::string& script, int timeout_seconds = 10) {
  CommandDriver driver({{"sh", "-c", script, "login"}, std::chrono::seconds(timeout_seconds)});
  return driver.authorize("https://as.example/authorize?client_id=c", kRedirect);
}
} // namespace

TEST(CommandDriver, LastLineIsTheFinalRedirect) {
  // The URL arrives as $1 and in the environment; progress lines before the URL are ignored.
  auto r = run(R"(test "$1" = "$CONFORMANCE_AUTHORIZATION_URL" || exit 3
                  echo "signing in"; echo "$CONFORMANCE_REDIRECT_URI?code=abc123&state=s"; echo)");
  EXPECT_EQ(r.ending, AuthorizationResult::Ending::RedirectedToClient) << r.describe();
  EXPECT_EQ(r.code(), "abc123");
  EXPECT_EQ(r.param("state"), "s");
}

TEST(CommandDriver, ErrorResponsesAreReportedLikeAnyOther) {
  auto r = run(R"(echo "$CONFORMANCE_REDIRECT_URI?error=access_denied")");
  EXPECT_EQ(r.ending, AuthorizationResult::Ending::RedirectedToClient);
  EXPECT_EQ(r.error(), "access_denied");
}

TEST(CommandDriver, FailuresCarryTheProgramsStderr) {
  auto failed = run("echo 'login page changed' >&2; exit 4");
  EXPECT_EQ(failed.ending, AuthorizationResult::Ending::DriverFailed);
  EXPECT_NE(failed.describe().find("status 4"), std::string::npos) << failed.describe();
  EXPECT_NE(failed.describe().find("login page changed"), std::string::npos);

  auto silent = run("true");
  EXPECT_EQ(silent.ending, AuthorizationResult::Ending::DriverFailed);
  EXPECT_NE(silent.describe().find("no URL"), std::string::npos);

  auto elsewhere = run("echo https://evil.example/cb?code=x");
  EXPECT_EQ(elsewhere.ending, AuthorizationResult::Ending::DriverFailed);
  EXPECT_NE(elsewhere.describe().find("not the redirect URI"), std::string::npos);

  auto missing = CommandDriver({{"/nonexistent/login-script"}, std::chrono::seconds(5)})
                     .authorize("https://as.example/authorize", kRedirect);
  EXPECT_EQ(missing.ending, AuthorizationResult::Ending::DriverFailed);
}

TEST(CommandDriver, HangingProgramIsStoppedAtTheTimeout) {
  auto start = std::chrono::steady_clock::now();
  auto r = run("sleep 30", 1);
  EXPECT_EQ(r.ending, AuthorizationResult::Ending::DriverFailed);
  EXPECT_NE(r.describe().find("did not finish"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

namespace {
// Collects what the driver records, as a running check would.
struct CollectingSink : EvidenceSink {
  std::vector<Exchange> exchanges;
  void record(Exchange exchange) override { exchanges.push_back(std::move(exchange)); }
};
} // namespace

TEST(CommandDriver, ExchangesTheProgramLogsBecomeEvidence) {
  CollectingSink sink;
  set_evidence_sink(&sink);
  auto r = run(R"(test -n "$CONFORMANCE_EXCHANGE_LOG" || exit 3
    printf '%s\n' '{"method":"GET","url":"https://as.example/login","status":200,"response_headers":{"Content-Type":"text/html"},"response_body":"<form>"}' >> "$CONFORMANCE_EXCHANGE_LOG"
    printf '%s\n' 'not json' '{"no":"url"}' >> "$CONFORMANCE_EXCHANGE_LOG"
    printf '%s\n' '{"method":"POST","url":"https://as.example/consent","status":303,"response_headers":{"Location":"http://127.0.0.1/callback?code=LOGGED-CODE-123&state=s"}}' >> "$CONFORMANCE_EXCHANGE_LOG"
    echo "$CONFORMANCE_REDIRECT_URI?code=LOGGED-CODE-123&state=s")");
  set_evidence_sink(nullptr);
  EXPECT_EQ(r.code(), "LOGGED-CODE-123");
  ASSERT_EQ(sink.exchanges.size(), 2u);
  EXPECT_EQ(sink.exchanges[0].url, "https://as.example/login");
  EXPECT_EQ(sink.exchanges[0].status, 200);
  EXPECT_EQ(sink.exchanges[1].method, "POST");
  // Redacted like the harness's own exchanges: the code in the Location is hidden.
  ASSERT_EQ(sink.exchanges[1].response_headers.size(), 1u);
  EXPECT_EQ(sink.exchanges[1].response_headers[0].second.find("LOGGED-CODE-123"),
            std::string::npos);
}
