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

TEST(CommandDriver, StayedLineIsAPageTheServerKept) {
  // The server's own error page (e.g. for an unregistered redirect URI): no redirect happened.
  auto r = run(R"(echo "signing in"; echo "stayed 400 https://as.example/authorize?client_id=c")");
  ASSERT_EQ(r.ending, AuthorizationResult::Ending::StoppedAtServer) << r.describe();
  EXPECT_EQ(r.last_response.status, 400);
  EXPECT_EQ(r.last_url, "https://as.example/authorize?client_id=c");
  // Judged like the form driver's page that stays: an HTML page with that status.
  EXPECT_TRUE(r.last_response.answered());
  EXPECT_TRUE(r.last_response.is_html_media_type());
  EXPECT_FALSE(r.reached_client());
  EXPECT_TRUE(r.locations.empty());
  EXPECT_NE(r.describe().find("stayed at the server: HTTP 400"), std::string::npos) << r.describe();

  auto ok_page = run("echo 'stayed 200 http://127.0.0.1:8080/login'");
  ASSERT_EQ(ok_page.ending, AuthorizationResult::Ending::StoppedAtServer) << ok_page.describe();
  EXPECT_EQ(ok_page.last_response.status, 200);
  EXPECT_TRUE(ok_page.last_response.is_html_media_type());

  // A redirect without a Location stays too, but shows no page.
  auto no_location = run("echo 'stayed 302 https://as.example/authorize'");
  ASSERT_EQ(no_location.ending, AuthorizationResult::Ending::StoppedAtServer);
  EXPECT_EQ(no_location.last_response.status, 302);
  EXPECT_FALSE(no_location.last_response.header("content-type"));
}

TEST(CommandDriver, MalformedStayedLinesFail) {
  auto failed = [](const AuthorizationResult& r, const std::string& why) {
    EXPECT_EQ(r.ending, AuthorizationResult::Ending::DriverFailed) << r.describe();
    EXPECT_NE(r.describe().find(why), std::string::npos) << r.describe();
  };
  failed(run("echo 'stayed abc https://as.example/authorize'"), "three-digit HTTP status");
  failed(run("echo 'stayed 4000 https://as.example/authorize'"), "three-digit HTTP status");
  failed(run("echo 'stayed 40 https://as.example/authorize'"), "three-digit HTTP status");
  failed(run("echo 'stayed 100 https://as.example/authorize'"), "from 200 to 599");
  failed(run("echo 'stayed 600 https://as.example/authorize'"), "from 200 to 599");
  failed(run("echo 'stayed 400'"), "not `stayed STATUS URL`");
  failed(run("echo 'stayed'"), "not `stayed STATUS URL`");
  failed(run("echo 'stayed 400 https://as.example/a extra'"), "not `stayed STATUS URL`");
  failed(run("echo 'stayed 400 /authorize?client_id=c'"), "absolute http or https URL");
  failed(run("echo 'stayed 400 as.example/authorize'"), "absolute http or https URL");
  failed(run("echo 'stayed 400 ftp://as.example/authorize'"), "absolute http or https URL");
  // The browser at the redirect URI itself was sent to the client: not a page the server kept.
  failed(run(R"(echo "stayed 200 $CONFORMANCE_REDIRECT_URI?code=abc")"), "is the redirect URI");
  // `stayed` must be the whole first word; another line with words in it is no URL either.
  failed(run("echo 'stayedx 400 https://as.example/authorize'"), "neither a URL nor `stayed");
  failed(run("echo 'Stayed 400 https://as.example/authorize'"), "neither a URL nor `stayed");
  failed(run("echo 'login failed'"), "neither a URL nor `stayed");
  // A well-formed line does not rescue a failing program.
  failed(run("echo 'stayed 400 https://as.example/authorize'; exit 2"), "status 2");
}

TEST(CommandDriver, StayedUrlIsRedactedWhereShown) {
  // A malformed line is echoed in the message, its URL query redacted like the harness's own.
  auto r = run("echo 'stayed xyz https://as.example/authorize?code_verifier=SECRET-VERIFIER-9'");
  EXPECT_EQ(r.ending, AuthorizationResult::Ending::DriverFailed);
  EXPECT_NE(r.describe().find("https://as.example/authorize"), std::string::npos) << r.describe();
  EXPECT_EQ(r.describe().find("SECRET-VERIFIER-9"), std::string::npos) << r.describe();
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
