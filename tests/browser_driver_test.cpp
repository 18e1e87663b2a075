// The browser driver against pages that exist only once a script runs (fixtures/pages/
// spa_signin.html: an e-mail step, a password step and a consent step, rendered late and
// submitted with fetch), served by a loopback fixture: it reaches a code, declines when asked,
// fails with a screenshot where it cannot sign in, keeps flows apart, and leaves no Chromium
// behind. Skipped where Chromium is not installed.
#include "fixture_server.h"
#include "drivers/browser_driver.h"
#include "http/redaction.h"
#include "process_tools.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <sstream>
#include <unistd.h>

namespace {

using namespace conformance;
using Ending = AuthorizationResult::Ending;
using nlohmann::json;

constexpr const char* kPassword = "correct horse battery";
constexpr const char* kCallback = "http://127.0.0.1:9/callback";

std::string fixture_page(const std::string& name) {
  std::ifstream in(std::string(FIXTURES_DIR) + "/pages/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Collect : EvidenceSink {
  std::vector<Exchange> exchanges;
  std::vector<Attachment> attachments;
  void record(Exchange e) override { exchanges.push_back(std::move(e)); }
  void attach(Attachment a) override { attachments.push_back(std::move(a)); }
};

// The sign-in application's server: /authorize sends the browser to the page; the API walks
// e-mail, password and decision, and answers with where to go next.
class ScriptSignIn {
public:
  ScriptSignIn() {
    auto& r = server_.routes();
    r.Get("/authorize", [this](const httplib::Request& req, httplib::Response& res) {
      // A cookie from an earlier flow means the browser was shared: refuse, so a test sees it.
      if (req.get_header_value("Cookie").find("flow=") != std::string::npos) {
        res.status = 400;
        res.set_content("<title>Shared browser</title><p>cookie from another flow</p>",
                        "text/html");
        return;
      }
      res.status = 302;
      res.set_header("Set-Cookie", "flow=" + std::to_string(++flows_) + "; Path=/; HttpOnly");
      res.set_header("Location", "/signin?request=r" + std::to_string(flows_));
    });
    r.Get("/signin", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(fixture_page("spa_signin.html"), "text/html");
    });
    r.Get("/broken", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<title>Help desk</title><input name=ticket><button>Help</button>",
                      "text/html");
    });
    r.Post("/api/identify", [this](const httplib::Request& req, httplib::Response& res) {
      email_ = json::parse(req.body).value("email", "");
      res.set_content(R"({"next":"password"})", "application/json");
    });
    r.Post("/api/password", [this](const httplib::Request& req, httplib::Response& res) {
      ++password_attempts_;
      if (email_ != "alice@example.test" || json::parse(req.body).value("password", "") != kPassword) {
        res.status = 401;
        res.set_content(R"({"error":"Wrong e-mail or password."})", "application/json");
        return;
      }
      res.set_content(R"({"next":"consent"})", "application/json");
    });
    r.Post("/api/decide", [this](const httplib::Request& req, httplib::Response& res) {
      bool allow = json::parse(req.body).value("allow", false);
      std::string target = std::string(kCallback) +
                           (allow ? "?code=script-code-1&state=s" : "?error=access_denied&state=s");
      if (redirect_decision_) {
        // As a server that answers the decision with a redirect: fetch re-posts to the client.
        res.status = 307;
        res.set_header("Location", target);
        return;
      }
      res.set_content(json{{"redirect_to", target}}.dump(), "application/json");
    });
    server_.start();
  }
  std::string url(const std::string& path) const { return server_.url(path); }
  bool redirect_decision_ = false;
  int password_attempts_ = 0;

private:
  FixtureServer server_;
  int flows_ = 0;
  std::string email_;
};

std::map<std::string, std::string> fields(const std::string& password = kPassword) {
  return {{"username", "alice@example.test"}, {"password", password}};
}

BrowserDriverOptions options(std::map<std::string, std::string> f = fields()) {
  BrowserDriverOptions o;
  o.fields = std::move(f);
  o.chromium.executable = find_chromium().value_or("");
  o.timeout = std::chrono::seconds(45);
  return o;
}

class BrowserDriverTest : public testing::Test {
protected:
  void SetUp() override {
    if (!find_chromium()) GTEST_SKIP() << "Chromium is not installed";
    set_evidence_sink(&sink_);
  }
  void TearDown() override { set_evidence_sink(nullptr); }
  Collect sink_;
  ScriptSignIn app_;
  HttpClient http_;
};

TEST_F(BrowserDriverTest, ScriptRenderedStepsReachACode) {
  BrowserDriver driver(http_, options());
  AuthorizationResult r = driver.authorize(app_.url("/authorize"), kCallback);
  ASSERT_EQ(r.ending, Ending::RedirectedToClient) << r.describe();
  EXPECT_EQ(r.code(), "script-code-1");
  EXPECT_FALSE(r.declined);
  // Every step's page was seen, in order.
  std::vector<std::string> expected = {"Sign in - Script Identity", "Enter your password",
                                       "Allow access?"};
  EXPECT_EQ(r.pages, expected);
  // The page and the API calls are evidence; the typed password is not.
  bool saw_password_call = false;
  for (const Exchange& e : sink_.exchanges) {
    EXPECT_EQ(e.request_body.find(kPassword), std::string::npos) << e.url;
    saw_password_call = saw_password_call || e.url.find("/api/password") != std::string::npos;
  }
  EXPECT_TRUE(saw_password_call);
  EXPECT_TRUE(sink_.attachments.empty());
}

TEST_F(BrowserDriverTest, DeclinesWithTheCancelButtonWhenAsked) {
  BrowserDriver driver(http_, options());
  AuthorizationResult r =
      driver.authorize(app_.url("/authorize"), kCallback, ConsentDecision::Deny);
  ASSERT_EQ(r.ending, Ending::RedirectedToClient) << r.describe();
  EXPECT_EQ(r.error(), "access_denied");
  EXPECT_TRUE(r.declined);
}

TEST_F(BrowserDriverTest, ARedirectThatAnswersAFetchIsRecordedWithItsStatus) {
  app_.redirect_decision_ = true;
  BrowserDriver driver(http_, options());
  AuthorizationResult r = driver.authorize(app_.url("/authorize"), kCallback);
  ASSERT_EQ(r.ending, Ending::RedirectedToClient) << r.describe();
  EXPECT_EQ(r.code(), "script-code-1");
  EXPECT_EQ(r.post_redirect_statuses, std::vector<int>{307});
}

TEST_F(BrowserDriverTest, EveryAuthorizationGetsAFreshContext) {
  BrowserDriver driver(http_, options());
  for (int i = 0; i < 2; ++i) {
    AuthorizationResult r = driver.authorize(app_.url("/authorize"), kCallback);
    EXPECT_EQ(r.ending, Ending::RedirectedToClient) << "flow " << i << ": " << r.describe();
  }
}

TEST_F(BrowserDriverTest, AWrongPasswordEndsInDriverFailureWithAScreenshot) {
  BrowserDriver driver(http_, options(fields("not the password")));
  AuthorizationResult r = driver.authorize(app_.url("/authorize"), kCallback);
  ASSERT_EQ(r.ending, Ending::DriverFailed) << r.describe();
  EXPECT_NE(r.driver_error.find("/signin?request="), std::string::npos) << r.driver_error;
  EXPECT_NE(r.driver_error.find("Sign in - Script Identity"), std::string::npos) << r.driver_error;
  EXPECT_NE(r.driver_error.find("Wrong e-mail or password."), std::string::npos) << r.driver_error;
  // Refused credentials are not tried again: that could lock the account.
  EXPECT_EQ(app_.password_attempts_, 1);
  ASSERT_EQ(sink_.attachments.size(), 1u);
  const Attachment& shot = sink_.attachments[0];
  EXPECT_EQ(shot.media_type, "image/png");
  EXPECT_EQ(shot.data.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_NE(shot.caption.find("Sign in - Script Identity"), std::string::npos);
}

TEST_F(BrowserDriverTest, APageWithNothingToUseEndsInDriverFailure) {
  BrowserDriver driver(http_, options());
  AuthorizationResult r = driver.authorize(app_.url("/broken"), kCallback);
  ASSERT_EQ(r.ending, Ending::DriverFailed) << r.describe();
  EXPECT_NE(r.driver_error.find("nothing to fill or press"), std::string::npos) << r.driver_error;
  EXPECT_NE(r.driver_error.find("Help desk"), std::string::npos) << r.driver_error;
  EXPECT_EQ(sink_.attachments.size(), 1u);
}

TEST_F(BrowserDriverTest, TheServersErrorPageIsWhereItStopped) {
  BrowserDriver driver(http_, options());
  ASSERT_EQ(driver.authorize(app_.url("/authorize"), kCallback).ending,
            Ending::RedirectedToClient);
  // Same context cookie? No: a fresh one. An unknown page is the server's 404 answer.
  AuthorizationResult r = driver.authorize(app_.url("/nowhere"), kCallback);
  EXPECT_EQ(r.ending, Ending::StoppedAtServer) << r.describe();
  EXPECT_EQ(r.last_response.status, 404);
  EXPECT_TRUE(sink_.attachments.empty());
}

// The process groups of this process's children (Chromium leads its own).
std::set<int> child_groups() {
  std::set<int> groups;
  for (const auto& p : testing_tools::children_of(getpid()))
    groups.insert(p.group);
  return groups;
}

TEST_F(BrowserDriverTest, NoChromiumOutlivesTheDriver) {
  std::set<int> groups;
  {
    BrowserDriver driver(http_, options());
    ASSERT_EQ(driver.authorize(app_.url("/authorize"), kCallback).ending,
              Ending::RedirectedToClient);
    groups = child_groups();
    ASSERT_FALSE(groups.empty()) << "Chromium should be running while the driver lives";
  }
  // SIGKILL is delivered at once but a busy machine may take a moment to schedule the deaths.
  for (int g : groups) {
    bool alive = true;
    for (int i = 0; i < 50 && (alive = testing_tools::group_alive(g)); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(alive) << "process group " << g << " still has processes";
  }
}

TEST(BrowserDriverStart, AMissingExecutableIsADriverFailure) {
  HttpClient http;
  BrowserDriverOptions o;
  o.fields = fields();
  o.chromium.executable = "/nonexistent/chromium";
  BrowserDriver driver(http, o);
  AuthorizationResult r = driver.authorize("http://127.0.0.1:9/authorize", kCallback);
  EXPECT_EQ(r.ending, Ending::DriverFailed);
  EXPECT_NE(r.driver_error.find("/nonexistent/chromium"), std::string::npos) << r.driver_error;
}

} // namespace
