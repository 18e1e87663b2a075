// The DevTools pipe against a fake browser: two OS pipes, with the test writing the browser's
// NUL-ended messages and reading the commands the harness sent.
#include "drivers/devtools_pipe.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace conformance {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class FakeBrowser : public testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(pipe(commands_), 0);
    ASSERT_EQ(pipe(answers_), 0);
    pipe_ = std::make_unique<DevToolsPipe>(commands_[1], answers_[0]);
  }
  void TearDown() override {
    pipe_.reset();
    for (int fd : {commands_[0], commands_[1], answers_[0], answers_[1]}) close(fd);
  }
  // The browser says `message` (a NUL ends it, as over --remote-debugging-pipe).
  void say(const std::string& message) {
    std::string bytes = message + '\0';
    ASSERT_EQ(write(answers_[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  // Everything the harness has sent so far.
  std::string sent() {
    fcntl(commands_[0], F_SETFL, fcntl(commands_[0], F_GETFL) | O_NONBLOCK);
    std::string out;
    char chunk[4096];
    for (ssize_t n; (n = read(commands_[0], chunk, sizeof chunk)) > 0;) out.append(chunk, n);
    return out;
  }
  static Deadline soon() { return std::chrono::steady_clock::now() + 200ms; }

  int commands_[2] = {-1, -1};
  int answers_[2] = {-1, -1};
  std::unique_ptr<DevToolsPipe> pipe_;
};

TEST_F(FakeBrowser, CommandsAreNulEndedJsonWithIdsAndSessions) {
  int first = pipe_->send("Page.enable", json::object(), "S1");
  int second = pipe_->send("Browser.getVersion", json::object());
  EXPECT_EQ(second, first + 1);
  std::string bytes = sent();
  ASSERT_EQ(bytes.back(), '\0');
  auto end = bytes.find('\0');
  json one = json::parse(bytes.substr(0, end));
  EXPECT_EQ(one.at("method"), "Page.enable");
  EXPECT_EQ(one.at("sessionId"), "S1");
  EXPECT_EQ(one.at("id"), first);
  json two = json::parse(bytes.substr(end + 1, bytes.size() - end - 2));
  EXPECT_FALSE(two.contains("sessionId"));
}

TEST_F(FakeBrowser, EventsBeforeAnAnswerGoToTheHandlerOrTheQueue) {
  int id = pipe_->send("Page.navigate", {{"url", "about:blank"}});
  say(R"({"method":"Page.frameStartedLoading","params":{}})");
  say(R"({"id":)" + std::to_string(id) + R"(,"result":{"frameId":"F"}})");
  json result = pipe_->result_of(id, soon());
  EXPECT_EQ(result.at("frameId"), "F");
  auto event = pipe_->next_event(soon());
  ASSERT_TRUE(event);
  EXPECT_EQ(event->at("method"), "Page.frameStartedLoading");
  EXPECT_FALSE(pipe_->next_event(soon())); // nothing more: the deadline ends the wait

  int again = pipe_->send("Runtime.evaluate", json::object());
  say(R"({"method":"Fetch.requestPaused","params":{"requestId":"R"}})");
  say(R"({"id":)" + std::to_string(again) + R"(,"result":{}})");
  int seen = 0;
  pipe_->result_of(again, soon(), [&](json& e) { seen += e.at("method") == "Fetch.requestPaused"; });
  EXPECT_EQ(seen, 1);
  EXPECT_FALSE(pipe_->next_event(soon()));
}

TEST_F(FakeBrowser, AKeptAnswerWaitsWhileAnotherIsAwaited) {
  int background = pipe_->send("Target.createTarget", json::object());
  pipe_->keep_answer(background);
  int now = pipe_->send("Fetch.enable", json::object());
  say(R"({"id":)" + std::to_string(background) + R"(,"result":{"targetId":"T2"}})");
  say(R"({"id":)" + std::to_string(now) + R"(,"result":{"ok":true}})");
  EXPECT_EQ(pipe_->result_of(now, soon()).at("ok"), true);
  EXPECT_EQ(pipe_->result_of(background, soon()).at("targetId"), "T2");
}

TEST_F(FakeBrowser, AKeptAnswerSurvivesEventWaitsToo) {
  int background = pipe_->send("Target.createTarget", json::object());
  pipe_->keep_answer(background);
  say(R"({"id":)" + std::to_string(background) + R"(,"result":{"targetId":"T3"}})");
  say(R"({"method":"Page.loadEventFired","params":{}})");
  auto event = pipe_->next_event(soon());
  ASSERT_TRUE(event);
  EXPECT_EQ(event->at("method"), "Page.loadEventFired");
  EXPECT_EQ(pipe_->result_of(background, soon()).at("targetId"), "T3");
}

TEST_F(FakeBrowser, AnAnswerNobodyKeptIsDropped) {
  int abandoned = pipe_->send("Page.navigate", json::object());
  int now = pipe_->send("Page.enable", json::object());
  say(R"({"id":)" + std::to_string(abandoned) + R"(,"result":{}})");
  say(R"({"id":)" + std::to_string(now) + R"(,"result":{}})");
  pipe_->result_of(now, soon());
  try {
    pipe_->result_of(abandoned, soon());
    FAIL() << "a dropped answer was delivered";
  } catch (const DevToolsError& e) {
    EXPECT_EQ(e.kind(), DevToolsError::Kind::Timeout);
  }
}

TEST_F(FakeBrowser, ErrorsMalformedMessagesAndClosingAreTypedErrors) {
  int id = pipe_->send("Page.navigate", json::object());
  say(R"({"id":)" + std::to_string(id) + R"(,"error":{"code":-32000,"message":"Cannot navigate"}})");
  try {
    pipe_->result_of(id, soon());
    FAIL();
  } catch (const DevToolsError& e) {
    EXPECT_EQ(e.kind(), DevToolsError::Kind::Answer);
    EXPECT_STREQ(e.what(), "Cannot navigate");
  }
  say("[1,2,3]");
  try {
    pipe_->next_event(soon());
    FAIL();
  } catch (const DevToolsError& e) {
    EXPECT_EQ(e.kind(), DevToolsError::Kind::Malformed);
  }
  // Nesting deeper than any DevTools message is refused, not recursed into.
  say(std::string(20000, '[') + std::string(20000, ']')); // within one pipe buffer
  EXPECT_THROW(pipe_->next_event(soon()), DevToolsError);
  close(answers_[1]);
  answers_[1] = -1;
  try {
    pipe_->next_event(soon());
    FAIL();
  } catch (const DevToolsError& e) {
    EXPECT_EQ(e.kind(), DevToolsError::Kind::Closed);
  }
}

} // namespace
} // namespace conformance
