// Renders the HTML report in headless Chromium and reads back the DOM it built: the page
// parses as intended (every check is there, the hostile text stayed text) in a real browser, and
// an inlined screenshot decodes under the page's own Content-Security-Policy.
#include "html_report.h"
#include "report_tools.h"
#include "unit/attachment_sample.h"
#include "unit/html_report_sample.h"

#include <filesystem>
#include <fstream>
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

// The inlined screenshot decodes in a real browser under the report's own policy. The report
// runs no script, so a wrapper page (with no policy) loads it in a frame and, once everything
// has loaded, writes the image's decoded size into its own DOM for --dump-dom. A copy whose
// policy forbids data: images is the control: its probe must read 0x0.
TEST(HtmlRender, InlinedScreenshotDecodesUnderTheReportsPolicy) {
  auto dir = std::filesystem::temp_directory_path() /
             ("html_render_image_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  RunRecord record = testing_sample::sample_record();
  record.checks[1].attachments.push_back(
      testing_sample::screenshot((dir / "report-files" / "screenshot-1.png").string()));
  write_html_report(record, (dir / "report.html").string());
  std::string html = to_html(record, dir);
  const std::string policy = "img-src data:;";
  ASSERT_NE(html.find(policy), std::string::npos);
  std::ofstream(dir / "blocked.html")
      << html.replace(html.find(policy), policy.size(), "img-src 'none';");
  std::ofstream(dir / "probe.html") << R"html(<!DOCTYPE html><html><body>
<iframe id="report" src="report.html"></iframe><iframe id="blocked" src="blocked.html"></iframe>
<script>
addEventListener('load', () => {
  for (const id of ['report', 'blocked']) {
    const img = document.getElementById(id).contentDocument.querySelector('figure.att img');
    const p = document.createElement('p');
    p.id = 'probe-' + id;
    p.textContent = id + ' ' + (img ? img.naturalWidth + 'x' + img.naturalHeight : 'none');
    document.body.append(p);
  }
});
</script></body></html>)html";

  // file: pages are each their own origin unless the browser is told otherwise.
  ProcessResult browser =
      testing_tools::chromium_dump_dom(dir / "probe.html", dir, {"--allow-file-access-from-files"});
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(browser.timed_out);
  std::size_t probes = browser.out.find("<p id=\"probe");
  std::string shown = browser.out.substr(probes == std::string::npos ? 0 : probes, 2000);
  EXPECT_NE(browser.out.find("<p id=\"probe-report\">report 3x2</p>"), std::string::npos)
      << shown << browser.err;
  EXPECT_NE(browser.out.find("<p id=\"probe-blocked\">blocked 0x0</p>"), std::string::npos)
      << shown << browser.err;
}

} // namespace
} // namespace conformance
