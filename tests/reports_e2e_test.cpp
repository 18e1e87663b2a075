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
#include <vector>
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
         (dir_ / "report.html").string(), "--json", (dir_ / "report.json").string(),
         "--summary-md", (dir_ / "summary.md").string()},
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

// A Markdown table row's cells, with the summary's escapes undone.
std::vector<std::string> markdown_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size()) {
      cell += line[++i];
    } else if (c == '|') {
      cells.push_back(cell.substr(1, cell.size() - 2)); // the padding spaces
      cell.clear();
    } else if (c == '&') {
      std::size_t end = line.find(';', i);
      std::string entity = line.substr(i, end - i + 1);
      cell += entity == "&lt;" ? "<" : entity == "&gt;" ? ">" : "&";
      i = end;
    } else {
      cell += c;
    }
  }
  return cells;
}

TEST_F(ReportsEndToEnd, MarkdownSummaryTableMatchesTheJson) {
  std::string md = read_file(dir_ / "summary.md");
  ASSERT_FALSE(md.empty());
  // The counts row says what the JSON summary says.
  std::istringstream lines(md);
  std::string line;
  std::vector<std::vector<std::string>> tables;
  std::map<std::string, std::vector<std::string>> failures; // check -> cells
  bool in_failures = false;
  std::vector<std::string> counts_header, counts;
  while (std::getline(lines, line)) {
    if (line.rfind("### ", 0) == 0) in_failures = line == "### Failures and errors";
    if (line.empty() || line[0] != '|' || line.rfind("|---", 0) == 0) continue;
    auto cells = markdown_cells(line);
    if (counts_header.empty()) {
      counts_header = cells;
    } else if (counts.empty()) {
      counts = cells;
    } else if (in_failures && cells.size() == 5 && cells[0] != "Check") {
      failures[cells[0]] = cells;
    }
  }
  ASSERT_EQ(counts_header.size(), counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i)
    EXPECT_EQ(std::stoi(counts[i]), record_.at("summary").at(counts_header[i]).get<int>())
        << counts_header[i];
  // One row per failing or erring check of the JSON, with its outcome, level and message.
  std::size_t failing = 0;
  for (const auto& c : record_.at("checks")) {
    std::string outcome = c.at("outcome");
    if (outcome != "fail" && outcome != "error") continue;
    ++failing;
    std::string name = c.at("suite").get<std::string>() + "." + c.at("name").get<std::string>();
    auto row = failures.find(name);
    ASSERT_NE(row, failures.end()) << name << "\n" << md;
    EXPECT_EQ(row->second[3], outcome);
    std::string message = c.at("message");
    if (message.size() <= 300) {
      // On one line: a run of line breaks, tabs and other controls is one space.
      message = std::regex_replace(message, std::regex("[\x01-\x1f\x7f]+"), " ");
      EXPECT_EQ(row->second[4], message.empty() ? "(no message)" : message);
    }
    for (const auto& f : c.at("findings")) {
      if (f.at("outcome") == "fail") {
        EXPECT_NE(row->second[1].find(f.at("requirement").get<std::string>()), std::string::npos);
      }
    }
  }
  EXPECT_EQ(failures.size(), failing);
  ASSERT_TRUE(failures.count("AuthorizationCode.CodeIsSingleUse")) << md;
  EXPECT_EQ(failures["AuthorizationCode.CodeIsSingleUse"][1], "CODE-01");
  EXPECT_EQ(failures["AuthorizationCode.CodeIsSingleUse"][2], "MUST");
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
