// Renders the HTML report in headless Chromium and reads back the DOM it built: the page
// parses as intended (every check is there, the hostile text stayed text) in a real browser.
#include "html_report.h"
#include "report_tools.h"
#include "unit/html_report_sample.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

namespace conformance {
namespace {

TEST(HtmlRender, ChromiumBuildsEveryCheck) {
  auto dir =
      std::filesystem::temp_directory_path() / ("html_render_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto page = dir / "report.html";
  RunRecord record = testing_sample::sample_record();
  write_html_report(record, page.string());

  ProcessResult browser = testing_tools::chromium_dump_dom(page, dir);
  std::filesystem::remove_all(dir);
  const std::string& dom = browser.out;
  ASSERT_FALSE(browser.timed_out);
  ASSERT_NE(dom.find("</html>"), std::string::npos) << dom.substr(0, 2000) << browser.err;
  for (const auto& c : record.checks)
    EXPECT_NE(dom.find(c.suite + "." + c.name), std::string::npos) << c.name;
  // The hostile text is still text: no script element came out of it.
  EXPECT_EQ(dom.find("<script"), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;alert('x')&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(dom.find("id=\"f-fail\""), std::string::npos);
}

} // namespace
} // namespace conformance
