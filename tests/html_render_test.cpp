// Renders the HTML report in headless Chromium and reads back the DOM it built: the page
// parses as intended (every check is there, the hostile text stayed text) in a real browser.
#include "html_report.h"
#include "unit/html_report_sample.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

namespace conformance {
namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 65536> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    out.append(buf.data(), n);
  ::pclose(pipe);
  return out;
}

TEST(HtmlRender, ChromiumBuildsEveryCheck) {
  auto dir =
      std::filesystem::temp_directory_path() / ("html_render_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "profile");
  auto page = dir / "report.html";
  RunRecord record = testing_sample::sample_record();
  write_html_report(record, page.string());

  // Chromium wants a writable profile; the timeout bounds a hung browser.
  std::string dom =
      run("HOME='" + dir.string() +
          "' timeout 60 '" CHROMIUM_BIN "' --headless --no-sandbox --disable-gpu --no-first-run "
          "--user-data-dir='" +
          (dir / "profile").string() + "' --dump-dom 'file://" + page.string() + "' 2>/dev/null");
  std::filesystem::remove_all(dir);
  ASSERT_NE(dom.find("</html>"), std::string::npos) << dom.substr(0, 2000);
  for (const auto& c : record.checks)
    EXPECT_NE(dom.find(c.suite + "." + c.name), std::string::npos) << c.name;
  // The hostile text is still text: no script element came out of it.
  EXPECT_EQ(dom.find("<script"), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;alert('x')&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(dom.find("id=\"f-fail\""), std::string::npos);
}

} // namespace
} // namespace conformance
