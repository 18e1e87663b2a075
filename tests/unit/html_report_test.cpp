#include "attachment_sample.h"
#include "html_report.h"
#include "html_report_sample.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace conformance {
namespace {

using testing_sample::sample_record;
using testing_sample::screenshot;

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

TEST(HtmlReport, IsOneDocumentNamingTheTarget) {
  std::string html = to_html(sample_record());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const char* text : {"http://127.0.0.1:9/mcp", "mcp-2025-11-25", "2025-01-02T03:04:05Z",
                           "2025-01-02T03:04:09Z", "0.9.0-test", "interrupted by signal 15"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
}

TEST(HtmlReport, EveryCheckNameAppears) {
  RunRecord record = sample_record();
  std::string html = to_html(record);
  for (const auto& c : record.checks)
    EXPECT_NE(html.find(c.suite + "." + c.name), std::string::npos) << c.name;
}

TEST(HtmlReport, LoadsAndRunsNothing) {
  std::string html = to_html(sample_record());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("javascript:"), std::string::npos);
  // The only outside links are the spec sections in the requirements table.
  std::regex href("href=\"(http[^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator();
       ++it) {
    std::string url = (*it)[1];
    EXPECT_TRUE(url.rfind("https://www.rfc-editor.org/rfc/", 0) == 0 ||
                url.rfind("https://datatracker.ietf.org/doc/html/", 0) == 0 ||
                url.rfind("https://modelcontextprotocol.io/specification/", 0) == 0)
        << url;
  }
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
}

TEST(HtmlReport, HostileTextIsEscaped) {
  std::string html = to_html(sample_record());
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("alert('x')"), std::string::npos);
  EXPECT_EQ(html.find("\"quoted\""), std::string::npos);
  std::string escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot; "
                        "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD end";
  // Message, finding, requirement paraphrase and a response header of each exchange.
  EXPECT_GE(count(html, escaped), 4u);
  EXPECT_NE(html.find("/token?a=1&amp;b=&lt;2&gt;"), std::string::npos);
}

TEST(HtmlReport, OutputIsValidUtf8) {
  RunRecord record = sample_record();
  record.checks[0].message = std::string("nul\0byte \xC0\xAF overlong \xED\xA0\x80 surrogate "
                                         "\xF0\x9F\x98\x80 ok \xE2\x82",
                                         46);
  std::string html = to_html(record);
  for (std::size_t i = 0; i < html.size();) {
    unsigned char b = static_cast<unsigned char>(html[i]);
    ASSERT_NE(b, 0) << "at " << i;
    std::size_t len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    ASSERT_TRUE(b < 0x80 || (b >= 0xC2 && b <= 0xF4)) << "at " << i;
    for (std::size_t k = 1; k < len; ++k)
      ASSERT_EQ(static_cast<unsigned char>(html[i + k]) & 0xC0, 0x80) << "at " << i;
    ASSERT_FALSE(b == 0xED && static_cast<unsigned char>(html[i + 1]) >= 0xA0) << "at " << i;
    i += len;
  }
  EXPECT_NE(html.find("\xF0\x9F\x98\x80 ok"), std::string::npos);
}

TEST(HtmlReport, FailuresComeFirst) {
  std::string html = to_html(sample_record());
  std::vector<std::string> order = {"Token.CodeIsSingleUse",   "Revocation.Interrupted",
                                    "Revocation.RevokesToken", "Metadata.CacheHeaders",
                                    "Metadata.OptionalFields", "Dcr.RegistersClient",
                                    "Pkce.S256IsAccepted"};
  std::size_t checks = html.find("<section id=\"checks\">");
  ASSERT_NE(checks, std::string::npos);
  std::size_t last = checks;
  for (const auto& name : order) {
    std::size_t at = html.find("<span class=\"name\">" + name + "</span>", checks);
    ASSERT_NE(at, std::string::npos) << name;
    EXPECT_GT(at, last) << name;
    last = at;
  }
}

TEST(HtmlReport, ChecksAndExchangesAreCollapsedWithCssFilters) {
  RunRecord record = sample_record();
  std::string html = to_html(record);
  EXPECT_EQ(count(html, "<details class=\"check "), record.checks.size());
  EXPECT_EQ(count(html, "<details class=\"ex\">"), 4u);
  // Failures open so their findings show; everything else and every exchange closed.
  EXPECT_NE(html.find("<details class=\"check o-fail\" id=\"check-Token.CodeIsSingleUse\" open>"),
            std::string::npos);
  EXPECT_NE(html.find("<details class=\"check o-pass\" id=\"check-Pkce.S256IsAccepted\">"),
            std::string::npos);
  EXPECT_NE(html.find("<input class=\"fi\" type=\"radio\" name=\"filter\" id=\"f-fail\""),
            std::string::npos);
  EXPECT_NE(html.find("#f-fail:checked~.checks .check:not(.o-fail){display:none}"),
            std::string::npos);
  EXPECT_NE(html.find("unfinished"), std::string::npos);
  EXPECT_NE(html.find("connection refused"), std::string::npos);
}

TEST(HtmlReport, LargeBodiesAreCapped) {
  std::string html = to_html(sample_record());
  EXPECT_EQ(html.find("TAIL-NOT-SHOWN"), std::string::npos);
  EXPECT_NE(html.find("Body shown up to 64 KiB of 102414 bytes."), std::string::npos);
  EXPECT_LT(html.size(), 200u * 1024);
}

TEST(HtmlReport, MatrixCountsAreasByOutcome) {
  std::string html = to_html(sample_record());
  std::size_t row = html.find("<tr><th scope=\"row\">Revocation</th>");
  ASSERT_NE(row, std::string::npos);
  std::string line = html.substr(row, html.find("</tr>", row) - row);
  EXPECT_NE(line.find("<td class=\"c n o-error\">2</td>"), std::string::npos) << line;
  EXPECT_EQ(count(line, "<td class=\"c z\">0</td>"), 5u) << line;
}

TEST(HtmlReport, RequirementsLinkToSpecSections) {
  std::string html = to_html(sample_record());
  std::size_t row = html.find("<tr id=\"req-PKCE-01\">");
  ASSERT_NE(row, std::string::npos);
  std::string line = html.substr(row, html.find("</tr>", row) - row);
  EXPECT_NE(line.find("badge o-pass"), std::string::npos) << line; // from its findings only
  EXPECT_NE(line.find("The AS supports S256."), std::string::npos);
  EXPECT_NE(line.find("<a href=\"https://www.rfc-editor.org/rfc/rfc7636#section-4.6\">§4.6</a>"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("<a href=\"https://datatracker.ietf.org/doc/html/"
                      "draft-ietf-oauth-v2-1-13#section-4.1.3\">§4.1.3</a>"),
            std::string::npos)
      << line;
  // A later draft's numbering is not the -13 draft's: no link inside the parentheses.
  EXPECT_EQ(line.find("#section-4.1.2\""), std::string::npos) << line;
  EXPECT_NE(line.find("href=\"#check-Pkce.S256IsAccepted\""), std::string::npos) << line;
  row = html.find("<tr id=\"req-TOKEN-03\">");
  ASSERT_NE(row, std::string::npos);
  line = html.substr(row, html.find("</tr>", row) - row);
  EXPECT_NE(line.find("badge o-fail"), std::string::npos) << line;
  EXPECT_NE(line.find("href=\"#check-Token.CodeIsSingleUse\""), std::string::npos) << line;

  EXPECT_NE(html.find("draft-ietf-oauth-v2-1-13#section-7.5.3\">§7.5.3</a>"), std::string::npos);
  EXPECT_NE(html.find("rfc6749#section-10.5\">§10.5</a>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://modelcontextprotocol.io/specification/2025-06-18/basic/"
                      "authorization\">MCP/2025-06-18</a>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>OIDC-Disc §3</td>"), std::string::npos);
  EXPECT_NE(html.find("CIMD-00 §4; RFC 7591 <a href=\"https://www.rfc-editor.org/rfc/rfc7591#"
                      "section-3\">§3</a>"),
            std::string::npos);
}

TEST(HtmlReport, ShowsBaselineMarks) {
  RunRecord record = sample_record();
  record.checks[1].known_failure = true;
  record.stale_baseline = {"check Pkce.Gone: <fixed>"};
  std::string html = to_html(record);
  EXPECT_NE(html.find("known failure (baseline)"), std::string::npos);
  EXPECT_NE(html.find("check Pkce.Gone: &lt;fixed&gt;"), std::string::npos);
}

TEST(HtmlReport, EmptyRecordStillRenders) {
  std::string html = to_html(RunRecord{});
  EXPECT_NE(html.find("No checks ran."), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(HtmlReport, ScreenshotIsInlinedWithItsCaptionAndARelativeLink) {
  RunRecord record = sample_record();
  record.checks[1].attachments.push_back(
      screenshot("/srv/out/report-files/Token.CodeIsSingleUse-screenshot-1.png"));
  std::string html = to_html(record, "/srv/out");
  std::size_t check = html.find("id=\"check-Token.CodeIsSingleUse\"");
  std::size_t figure = html.find("<h4>Attachments (1)</h4>\n<figure class=\"att\">");
  ASSERT_NE(figure, std::string::npos);
  EXPECT_GT(figure, check);
  EXPECT_LT(figure, html.find("<h4>HTTP exchanges", check)); // before the exchanges
  EXPECT_NE(html.find("<img src=\"data:image/png;base64," + testing_sample::kTinyPngBase64 +
                      "\" alt=\"screenshot\">"),
            std::string::npos);
  EXPECT_NE(
      html.find("<figcaption>where the browser driver stopped: "
                "http://127.0.0.1:8080/login?a=1&amp;b=&lt;2&gt; &quot;Sign in&quot; "
                "<a class=\"mono\" href=\"report-files/Token.CodeIsSingleUse-screenshot-1.png\">"
                "report-files/Token.CodeIsSingleUse-screenshot-1.png</a></figcaption>"),
      std::string::npos)
      << html.substr(figure, 600);
  EXPECT_EQ(html.find("<2>"), std::string::npos);
  EXPECT_EQ(count(html, " src="), 1u);
  // From another directory the link climbs out of it; with none known it is the path as saved.
  EXPECT_NE(to_html(record, "/srv/html").find("href=\"../out/report-files/Token."),
            std::string::npos);
  EXPECT_NE(to_html(record).find("href=\"/srv/out/report-files/Token."), std::string::npos);
}

TEST(HtmlReport, LargeAndNonImageAttachmentsAreOnlyLinked) {
  RunRecord record = sample_record();
  auto& attachments = record.checks[1].attachments;
  attachments.push_back(screenshot("out-files/big #1.png"));
  attachments.back().data = std::string(4 * 1024 * 1024 + 1, 'x');
  attachments.push_back(screenshot("out-files/trace.bin"));
  attachments.back().media_type = "application/zip";
  attachments.back().name = "trace<z>";
  attachments.push_back(screenshot("out-files/drawing.bin"));
  attachments.back().media_type = "image/svg+xml";
  attachments.push_back(screenshot()); // not saved, still shown
  std::string html = to_html(record, ".");
  EXPECT_EQ(count(html, " src="), 1u);
  EXPECT_NE(html.find("Not shown here: 4194305 bytes, over the 4 MiB shown inline"),
            std::string::npos);
  EXPECT_LT(html.size(), 200u * 1024);
  EXPECT_NE(html.find("href=\"out-files/big%20%231.png\">out-files/big #1.png</a>"),
            std::string::npos);
  EXPECT_NE(html.find("<p class=\"att\">trace&lt;z&gt; <span class=\"dur\">(application/zip, "
                      "73 bytes)</span> <a class=\"mono\" href=\"out-files/trace.bin\">"),
            std::string::npos);
  EXPECT_NE(html.find("(image/svg+xml, 73 bytes)"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"note\">(not saved)</span>"), std::string::npos);
}

TEST(HtmlReport, InlinedBytesArePaddedBase64) {
  RunRecord record;
  record.checks.push_back(testing_sample::sample_check("A", "B", Outcome::Error, {"X-1"}, ""));
  for (const char* bytes : {"M", "Ma", "Man", "\xFF\xFE\xFD\xFC"}) {
    record.checks[0].attachments.push_back(screenshot());
    record.checks[0].attachments.back().data = bytes;
  }
  std::string html = to_html(record);
  for (const char* encoded : {"TQ==", "TWE=", "TWFu", "//79/A=="})
    EXPECT_NE(html.find(std::string("base64,") + encoded + "\""), std::string::npos) << encoded;
}

TEST(HtmlReport, WritesAtomicallyAndReportsFailure) {
  auto dir =
      std::filesystem::temp_directory_path() / ("html_report_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "report.html").string();
  RunRecord record = sample_record();
  write_html_report(record, path);
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), to_html(record));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_THROW(write_html_report(record, (dir / "missing" / "report.html").string()),
               std::runtime_error);
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace conformance
