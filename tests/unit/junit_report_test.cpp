#include "../report_tools.h"
#include "attachment_sample.h"
#include "junit_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace conformance {
namespace {

// Markup and quotes, valid non-ASCII ("é"), bytes that are not UTF-8 (0xFF, a lone
// continuation byte, an overlong '/', a surrogate), control characters XML 1.0 forbids
// (NUL, 0x01, ESC) and U+FFFE, as a broken or hostile server might send them.
const char kHostileBytes[] = "<b>x</b> & \"q\" 'a' caf\xC3\xA9 ]]> \xFF\x80 \xC0\xAF \xED\xA0\x80 "
                             "nul\0one\x01"
                             "esc\x1B"
                             "fffe\xEF\xBF\xBE end";
const std::string kHostile(kHostileBytes, sizeof kHostileBytes - 1);

Exchange exchange(int status, std::string body) {
  Exchange e;
  e.method = "POST";
  e.url = "http://127.0.0.1:9/token?a=1&b=<2>";
  e.request_headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  e.request_body = "grant_type=authorization_code&code=[redacted]";
  e.status = status;
  e.response_headers = {{"content-type", "application/json"}, {"x-evil", kHostile}};
  e.response_body = std::move(body);
  e.duration_ms = 4.2;
  return e;
}

CheckResult check(std::string suite, std::string name, Outcome outcome,
                  std::vector<std::string> requirements, std::string message) {
  CheckResult c;
  c.suite = std::move(suite);
  c.name = std::move(name);
  c.requirements = std::move(requirements);
  c.level = "MUST";
  c.outcome = outcome;
  c.message = std::move(message);
  c.duration_ms = 1234;
  return c;
}

RunRecord sample() {
  RunRecord r;
  r.tool_version = "0.9.0-test";
  r.base_url = "http://127.0.0.1:9";
  r.issuer = "http://127.0.0.1:9";
  r.metadata_url = "http://127.0.0.1:9/.well-known/oauth-authorization-server";
  r.profile = "oauth-2.1";
  r.started_at = "2025-01-02T03:04:05Z";
  r.finished_at = "2025-01-02T03:04:09Z";
  r.interrupted_by = 2;
  r.stale_baseline = {"TOKEN-09: no longer fails"};

  r.checks.push_back(check("Pkce", "S256IsAccepted", Outcome::Pass, {"PKCE-01"}, ""));
  r.checks.back().findings.push_back({"PKCE-01", "MUST", Outcome::Pass, "accepted"});
  r.checks.back().evidence.push_back(exchange(200, "{\"access_token\":\"[redacted]\"}"));

  auto fail = check("Token", "CodeIsSingleUse", Outcome::Fail, {"TOKEN-03", "PKCE-01"},
                    "expected 400 invalid_grant, got 200: " + kHostile);
  fail.findings.push_back({"TOKEN-03", "MUST", Outcome::Fail, "code reused; " + kHostile});
  fail.findings.push_back({"PKCE-01", "MUST", Outcome::Pass, "verifier checked"});
  fail.evidence.push_back(exchange(200, "{\"token_type\":\"bearer\"}"));
  // 100 KiB of 'A' then a multi-byte character straddling nothing in particular.
  fail.evidence.push_back(exchange(200, std::string(100 * 1024, 'A') + "TAIL-NOT-SHOWN"));
  Exchange refused;
  refused.method = "GET";
  refused.url = "http://127.0.0.1:9/down";
  refused.transport_error = "connection refused";
  fail.evidence.push_back(refused);
  r.checks.push_back(fail);

  r.checks.push_back(
      check("Metadata", "CacheHeaders", Outcome::Warn, {"META-02"}, "no Cache-Control"));
  r.checks.back().level = "SHOULD";
  r.checks.back().findings.push_back({"META-02", "SHOULD", Outcome::Warn, "no Cache-Control"});
  r.checks.push_back(check("Metadata", "OptionalFields", Outcome::Info, {"META-03"}, "absent"));
  r.checks.push_back(
      check("Dcr", "RegistersClient", Outcome::Skip, {"DCR-01"}, "no registration <endpoint>"));
  r.checks.push_back(
      check("Token", "RefreshRotates", Outcome::Error, {"TOKEN-07"}, "token endpoint sent HTML"));
  r.checks.back().findings.push_back({"TOKEN-07", "MUST", Outcome::Error, "not JSON"});
  auto unfinished = check("Token", "SlowCheck", Outcome::Error, {"TOKEN-08"},
                          "the run was interrupted while this check ran");
  unfinished.unfinished = true;
  r.checks.push_back(unfinished);
  return r;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("junit_report_test_" + std::to_string(getpid()) + "_" + name);
}

// xmllint's verdict on the file against the JUnit 10 schema; its messages in `output`.
int xmllint(const std::filesystem::path& file, std::string& output) {
  ProcessResult result = testing_tools::validate_junit(file);
  output = result.out + result.err;
  return result.exit_code;
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(JunitReport, ValidatesAgainstTheJunit10Schema) {
  auto path = temp_path("sample.xml");
  write_junit_report(sample(), path.string());
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  std::string output;
  EXPECT_EQ(xmllint(path, output), 0) << output;
  std::filesystem::remove(path);
}

TEST(JunitReport, EmptyRecordValidates) {
  auto path = temp_path("empty.xml");
  write_junit_report(RunRecord{}, path.string());
  std::string output;
  EXPECT_EQ(xmllint(path, output), 0) << output;
  EXPECT_NE(read(path).find("<testsuites name=\"conformance\" tests=\"0\""), std::string::npos);
  std::filesystem::remove(path);
}

TEST(JunitReport, SuitesAndTotals) {
  std::string xml = to_junit_xml(sample());
  EXPECT_NE(xml.find("<testsuites name=\"conformance\" tests=\"7\" failures=\"1\" errors=\"2\" "
                     "time=\"8.638\">"),
            std::string::npos)
      << xml.substr(0, 300);
  EXPECT_EQ(count(xml, "<testsuite "), 4u);
  EXPECT_NE(xml.find("<testsuite name=\"Token\" tests=\"3\" failures=\"1\" errors=\"2\" "
                     "time=\"3.702\" skipped=\"0\" timestamp=\"2025-01-02T03:04:05\""),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"Dcr\" tests=\"1\" failures=\"0\" errors=\"0\" "
                     "time=\"1.234\" skipped=\"1\""),
            std::string::npos);
  EXPECT_NE(xml.find("<testcase name=\"S256IsAccepted\" classname=\"conformance.Pkce\" "
                     "time=\"1.234\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<property name=\"started_at\" value=\"2025-01-02T03:04:05Z\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<property name=\"interrupted_by_signal\" value=\"2\"/>"), std::string::npos);
  EXPECT_NE(
      xml.find("<property name=\"CodeIsSingleUse.requirements\" value=\"TOKEN-03,PKCE-01\"/>"),
      std::string::npos);
  EXPECT_NE(xml.find("<property name=\"CacheHeaders.outcome\" value=\"warn\"/>"),
            std::string::npos);
}

TEST(JunitReport, OutcomesMapToJunitElements) {
  std::string xml = to_junit_xml(sample());
  EXPECT_EQ(count(xml, "<failure "), 1u);
  EXPECT_EQ(count(xml, "<error "), 2u);
  EXPECT_EQ(count(xml, "<skipped "), 1u);
  EXPECT_NE(xml.find("<failure message=\"expected 400 invalid_grant, got 200: "),
            std::string::npos);
  // The failure's body lists the failed findings only.
  auto failure = xml.substr(xml.find("<failure "));
  failure = failure.substr(0, failure.find("</failure>"));
  EXPECT_NE(failure.find("TOKEN-03 (MUST): code reused; "), std::string::npos);
  EXPECT_EQ(failure.find("verifier checked"), std::string::npos);
  EXPECT_NE(xml.find("<error message=\"token endpoint sent HTML\" type=\"error\">TOKEN-07 (MUST): "
                     "not JSON\n</error>"),
            std::string::npos);
  EXPECT_NE(xml.find("<error message=\"interrupted\" type=\"interrupted\">"), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"no registration &lt;endpoint&gt;\"/>"), std::string::npos);
  // A warning passes but leads its system-out and is counted on the suite.
  EXPECT_NE(xml.find("<system-out>WARN: META-02 (SHOULD): no Cache-Control\n"), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"warnings\" value=\"1\"/>"), std::string::npos);
}

TEST(JunitReport, SystemOutHasHeaderAndEvidence) {
  std::string xml = to_junit_xml(sample());
  EXPECT_NE(xml.find("check: Token.CodeIsSingleUse\noutcome: fail\nrequirements: TOKEN-03, "
                     "PKCE-01\nlevel: MUST\n"),
            std::string::npos);
  EXPECT_NE(xml.find("&gt; POST http://127.0.0.1:9/token?a=1&amp;b=&lt;2&gt;\n"
                     "Content-Type: application/x-www-form-urlencoded\n\n"
                     "grant_type=authorization_code&amp;code=[redacted]\n&lt; 200\n"),
            std::string::npos);
  EXPECT_NE(xml.find("&gt; GET http://127.0.0.1:9/down\n&lt; (no response)\n! connection refused"),
            std::string::npos);
  // Bodies are capped at 64 KiB with a note.
  EXPECT_EQ(xml.find("TAIL-NOT-SHOWN"), std::string::npos);
  EXPECT_NE(xml.find("[body truncated for the report: 65536 of 102414 bytes shown]"),
            std::string::npos);
}

TEST(JunitReport, EscapesAndCleansServerText) {
  std::string xml = to_junit_xml(sample());
  EXPECT_NE(xml.find("&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;a&#39; caf\xC3\xA9 ]]&gt; "
                     "\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD"
                     "\xEF\xBF\xBD nulone"
                     "escfffe end"),
            std::string::npos);
  EXPECT_EQ(xml.find("<b>"), std::string::npos);
  EXPECT_EQ(xml.find("]]>"), std::string::npos);
  auto control = std::find_if(xml.begin(), xml.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t';
  });
  EXPECT_EQ(control, xml.end()) << static_cast<int>(*control);
  EXPECT_EQ(xml.find("\xEF\xBF\xBE"), std::string::npos);
  EXPECT_EQ(xml.find("\xFF"), std::string::npos);
}

TEST(JunitReport, LineBreaksInAttributesSurvive) {
  RunRecord r;
  r.checks.push_back(check("A", "B", Outcome::Fail, {"X-1"}, "line1\nline2\r\tend"));
  std::string xml = to_junit_xml(r);
  EXPECT_NE(xml.find("message=\"line1&#10;line2&#13;&#9;end\""), std::string::npos);
}

TEST(JunitReport, SavedAttachmentsGetAnAttachmentLineAndStillValidate) {
  RunRecord r = sample();
  // The saved one by a relative path, as --junit out.xml puts it: the line must be absolute.
  r.checks[5].attachments.push_back(
      testing_sample::screenshot("out-files/Token.RefreshRotates-screenshot-1.png"));
  r.checks[5].attachments.push_back(testing_sample::screenshot()); // not saved: no line
  auto path = temp_path("attachments.xml");
  write_junit_report(r, path.string());
  std::string output;
  EXPECT_EQ(xmllint(path, output), 0) << output;
  std::string xml = read(path);
  std::filesystem::remove(path);
  std::string absolute =
      (std::filesystem::current_path() / "out-files/Token.RefreshRotates-screenshot-1.png")
          .lexically_normal()
          .string();
  EXPECT_NE(xml.find("\n[[ATTACHMENT|" + absolute + "]]\n"), std::string::npos) << xml;
  EXPECT_EQ(count(xml, "[[ATTACHMENT|"), 1u);
  EXPECT_EQ(count(xml, "  screenshot (image/png): where the browser driver stopped: "
                       "http://127.0.0.1:8080/login?a=1&amp;b=&lt;2&gt; &quot;Sign in&quot;\n"),
            2u);
  // In the testcase's own system-out, never its neighbour's.
  std::size_t testcase = xml.find("<testcase name=\"RefreshRotates\"");
  EXPECT_GT(xml.find("[[ATTACHMENT|"), testcase);
  EXPECT_LT(xml.find("[[ATTACHMENT|"), xml.find("</testcase>", testcase));
}

TEST(JunitReport, WriteFailureThrows) {
  EXPECT_THROW(write_junit_report(sample(), "/nonexistent-dir/for-sure/report.xml"),
               std::runtime_error);
}

} // namespace
} // namespace conformance
