// `conformance --driver browser` end to end: without Chromium it refuses with exit 2; where it
// cannot sign in the check ends in error with a screenshot the reports keep; an interrupted run
// leaves no Chromium behind. The Chromium-driven cases skip where it is not installed.
#include "drivers/subprocess.h"
#include "process_tools.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <thread>

namespace {

using conformance::BackgroundProcess;
using conformance::ProcessOptions;
using conformance::ProcessResult;
using conformance::run_process;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(BrowserCli, WithoutChromiumTheBrowserDriverRefusesWithExit2) {
  ProcessResult named = run_process({CONFORMANCE_BIN, "--driver", "browser", "--form-field",
                                     "username=alice", "--browser-executable",
                                     "/nonexistent/chromium"},
                                    60s);
  EXPECT_EQ(named.exit_code, 2) << named.out << named.err;
  EXPECT_NE(named.err.find("/nonexistent/chromium' is not an executable file"), std::string::npos)
      << named.err;
  ProcessOptions no_path;
  no_path.environment = {{"PATH", "/nonexistent"}};
  ProcessResult searched = run_process(
      {CONFORMANCE_BIN, "--driver", "browser", "--form-field", "username=alice"}, 60s, no_path);
  EXPECT_EQ(searched.exit_code, 2) << searched.out << searched.err;
  EXPECT_NE(searched.err.find("needs Chromium, and none is on PATH"), std::string::npos)
      << searched.err;
  EXPECT_NE(searched.err.find("apt-get install chromium"), std::string::npos) << searched.err;
}

class BrowserRun : public testing::Test {
protected:
  void SetUp() override {
#ifndef CHROMIUM_BIN
    GTEST_SKIP() << "Chromium is not installed";
#endif
    dir_ = fs::path(testing::TempDir()) / ("browser-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(BrowserRun, ASignInThatFailsEndsInErrorWithAScreenshotInTheReports) {
  BackgroundProcess server({REFERENCE_SERVER_BIN, "--port", "0", "--login-spa"});
  std::string url = server.first_line(10s);
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  ProcessResult r = run_process(
      {CONFORMANCE_BIN, "--mcp-url", url + "/mcp", "--driver", "browser", "--form-field",
       "username=alice", "--form-field", "password=not-the-password", "--gtest_filter=Pkce.*",
       "--json", (dir_ / "report.json").string(), "--html", (dir_ / "report.html").string()},
      300s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::ifstream in(dir_ / "report.json");
  json record = json::parse(in);
  int with_screenshot = 0;
  for (const auto& c : record.at("checks")) {
    if (!c.contains("attachments")) continue;
    EXPECT_EQ(c.at("outcome"), "error") << c.dump();
    EXPECT_NE(c.at("message").get<std::string>().find("Sign in"), std::string::npos) << c.dump();
    for (const auto& a : c.at("attachments")) {
      EXPECT_EQ(a.at("media_type"), "image/png");
      fs::path file = dir_ / a.at("file").get<std::string>();
      std::ifstream png(file, std::ios::binary);
      std::string magic(8, '\0');
      png.read(magic.data(), 8);
      EXPECT_EQ(magic, std::string("\x89PNG\r\n\x1a\n", 8)) << file;
      ++with_screenshot;
    }
  }
  EXPECT_GE(with_screenshot, 1) << r.out;
  std::ifstream html_in(dir_ / "report.html");
  std::string html((std::istreambuf_iterator<char>(html_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("data:image/png;base64,iVBORw0KGgo"), std::string::npos);
  // The password typed into the page is in no report.
  std::string everything = record.dump() + html;
  EXPECT_EQ(everything.find("not-the-password"), std::string::npos);
}

TEST_F(BrowserRun, AnInterruptedRunLeavesNoChromiumBehind) {
  BackgroundProcess server({REFERENCE_SERVER_BIN, "--port", "0", "--login-spa"});
  std::string url = server.first_line(10s);
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  BackgroundProcess run({CONFORMANCE_BIN, "--mcp-url", url + "/mcp", "--driver", "browser",
                         "--form-field", "username=alice", "--form-field", "password=wonderland",
                         "--json", (dir_ / "interrupted.json").string()});
  // Wait until the run has a browser: a child of the run's process that leads its own group.
  pid_t conformance_pid = 0, browser_group = 0;
  for (auto until = std::chrono::steady_clock::now() + 90s;
       !browser_group && std::chrono::steady_clock::now() < until;) {
    for (const auto& p : conformance::testing_tools::children_of(::getpid()))
      if (p.name == "conformance") conformance_pid = p.pid;
    if (conformance_pid)
      for (const auto& p : conformance::testing_tools::children_of(conformance_pid))
        if (p.group == p.pid) browser_group = p.group;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_NE(browser_group, 0) << "the run never started a browser";
  std::this_thread::sleep_for(1s); // in the middle of a flow
  EXPECT_EQ(run.signal_and_wait(SIGINT, 30s), 128 + SIGINT);
  bool alive = true;
  for (int i = 0; i < 50 && (alive = conformance::testing_tools::group_alive(browser_group)); ++i)
    std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(alive) << "Chromium's process group " << browser_group << " outlived the run";
  // And the reports were still written.
  EXPECT_TRUE(fs::exists(dir_ / "interrupted.json"));
}

} // namespace
