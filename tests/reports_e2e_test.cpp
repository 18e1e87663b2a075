// The reports of one real run against a faulty reference server, judged by outside tools: the
// JUnit file validates against the schema and records the failure, headless Chromium builds an
// HTML page holding every check, and the JSON summary says what the console said.
#include "drivers/subprocess.h"
#include "report_tools.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <unistd.h>

namespace {

using conformance::BackgroundProcess;
using conformance::ProcessResult;
using conformance::run_process;
using nlohmann::json;
using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class ReportsEndToEnd : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("reports-e2e-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    // codes-reusable breaks CODE-01 (a MUST): the run must fail and every report must say so.
    server_ =
        new BackgroundProcess({REFERENCE_SERVER_BIN, "--port", "0", "--fault", "codes-reusable"});
    std::string url = server_->first_line(10s);
    ASSERT_FALSE(url.empty());
    run_ = new ProcessResult(run_process(
        {CONFORMANCE_BIN, "--base-url", url, "--junit", (dir_ / "report.xml").string(), "--html",
         (dir_ / "report.html").string(), "--json", (dir_ / "report.json").string()},
        300s));
    std::ifstream in(dir_ / "report.json");
    record_ = json::parse(in, nullptr, false);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete run_;
    std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    ASSERT_FALSE(run_->timed_out);
    ASSERT_EQ(run_->exit_code, 1) << run_->out << run_->err;
    ASSERT_FALSE(record_.is_discarded()) << "no JSON record: " << run_->err;
  }

  static inline std::filesystem::path dir_;
  static inline BackgroundProcess* server_ = nullptr;
  static inline ProcessResult* run_ = nullptr;
  static inline json record_;
};

TEST_F(ReportsEndToEnd, JunitValidatesAndRecordsTheFailure) {
  ProcessResult lint = conformance::testing_tools::validate_junit(dir_ / "report.xml");
  EXPECT_EQ(lint.exit_code, 0) << lint.err;
  std::string xml = read_file(dir_ / "report.xml");
  // The failing check's testcase holds a <failure> naming the broken requirement.
  auto at = xml.find("<testcase name=\"CodeIsSingleUse\"");
  ASSERT_NE(at, std::string::npos);
  std::string testcase = xml.substr(at, xml.find("</testcase>", at) - at);
  EXPECT_NE(testcase.find("<failure message="), std::string::npos) << testcase.substr(0, 800);
  EXPECT_NE(testcase.find("CODE-01 (MUST)"), std::string::npos) << testcase.substr(0, 800);
  EXPECT_NE(xml.find("<property name=\"CodeIsSingleUse.outcome\" value=\"fail\"/>"),
            std::string::npos);
  // One testcase per check in the JSON record.
  std::size_t testcases = 0;
  for (auto p = xml.find("<testcase "); p != std::string::npos; p = xml.find("<testcase ", p + 1))
    ++testcases;
  EXPECT_EQ(testcases, record_.at("checks").size());
}

TEST_F(ReportsEndToEnd, JsonSummaryMatchesTheConsole) {
  // The console's summary line: "N checks against URL (profile P): 1 pass 2 fail ...".
  std::smatch m;
  std::regex line(R"((\d+) checks against \S+ \(profile [^)]*\):((?: \d+ [a-z]+)+))");
  ASSERT_TRUE(std::regex_search(run_->out, m, line)) << run_->out;
  EXPECT_EQ(std::stoul(m[1].str()), record_.at("checks").size());
  std::map<std::string, int> console;
  std::string counts = m[2].str();
  std::regex pair(R"((\d+) ([a-z]+))");
  for (std::sregex_iterator it(counts.begin(), counts.end(), pair), end; it != end; ++it)
    console[(*it)[2].str()] = std::stoi((*it)[1].str());
  std::map<std::string, int> summary;
  for (const auto& [outcome, n] : record_.at("summary").items())
    summary[outcome] = n.get<int>();
  for (const auto& [outcome, n] : console)
    EXPECT_EQ(summary[outcome], n) << outcome;
  EXPECT_GE(console["fail"], 1);
  // The console lists the failure with its requirement ID.
  EXPECT_NE(run_->out.find("FAIL AuthorizationCode.CodeIsSingleUse [CODE-01]"), std::string::npos)
      << run_->out;
}

#ifdef CHROMIUM_BIN
TEST_F(ReportsEndToEnd, ChromiumRendersEveryCheck) {
  ProcessResult browser =
      conformance::testing_tools::chromium_dump_dom(dir_ / "report.html", dir_ / "chromium");
  ASSERT_FALSE(browser.timed_out);
  const std::string& dom = browser.out;
  ASSERT_NE(dom.find("</html>"), std::string::npos) << browser.err.substr(0, 2000);
  for (const auto& c : record_.at("checks")) {
    std::string name = c.at("suite").get<std::string>() + "." + c.at("name").get<std::string>();
    EXPECT_NE(dom.find("<span class=\"name\">" + name + "</span>"), std::string::npos) << name;
  }
  EXPECT_NE(dom.find("id=\"check-AuthorizationCode.CodeIsSingleUse\""), std::string::npos);
  EXPECT_NE(dom.find("class=\"check o-fail\""), std::string::npos);
}
#endif

} // namespace
