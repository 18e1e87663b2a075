// The Markdown summary: counts, a failure table that a hostile message cannot break out of, a cap
// on rows, and known failures listed apart.
#include "markdown_summary.h"

#include <gtest/gtest.h>

namespace conformance {
namespace {

CheckResult check(std::string suite, std::string name, Outcome outcome, std::string message,
                  std::vector<std::string> ids = {"PKCE-01"}) {
  CheckResult c;
  c.suite = std::move(suite);
  c.name = std::move(name);
  c.outcome = outcome;
  c.message = std::move(message);
  c.requirements = ids;
  c.level = "MUST";
  return c;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
    ++n;
  return n;
}

TEST(MarkdownSummary, CountsAndOneRowPerFailureNamingTheFailingRequirements) {
  RunRecord record;
  record.base_url = "https://as.example";
  record.profile = "mcp-2026-07-28";
  record.tool_version = "1.2.3";
  record.checks.push_back(check("Pkce", "S256IsAdvertised", Outcome::Pass, ""));
  CheckResult failing =
      check("Pkce", "PlainIsRefused", Outcome::Fail, "plain was accepted", {"PKCE-02", "PKCE-03"});
  failing.findings.push_back({"PKCE-02", "MUST", Outcome::Pass, "ok", "", ""});
  failing.findings.push_back({"PKCE-03", "SHOULD", Outcome::Fail, "accepted", "", ""});
  record.checks.push_back(failing);
  record.checks.push_back(check("Token", "NoStore", Outcome::Error, "", {"TOKEN-02"}));
  record.checks.push_back(check("Token", "Casing", Outcome::Warn, "Bearer vs bearer"));
  std::string md = markdown_summary(record);
  EXPECT_NE(md.find("## Conformance: 2 checks failing"), std::string::npos) << md;
  EXPECT_NE(md.find("Target https://as.example, profile mcp-2026-07-28"), std::string::npos) << md;
  EXPECT_NE(md.find("| pass | fail | error | warn | info | skip |\n|---|---|---|---|---|---|\n"
                    "| 1 | 1 | 1 | 1 | 0 | 0 |"),
            std::string::npos)
      << md;
  // Only the finding that failed names its requirement and level; an error with no finding
  // names every ID the check cites.
  EXPECT_NE(md.find("| Pkce.PlainIsRefused | PKCE-03 | SHOULD | fail | plain was accepted |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| Token.NoStore | TOKEN-02 | MUST | error | (no message) |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("Casing"), std::string::npos) << "a warning is not in the failure table";
}

TEST(MarkdownSummary, AMessageCannotBreakTheTableOrInjectMarkup) {
  std::string hostile =
      "a | b\n| c | d |\r\n<img src=x onerror=alert(1)> `code` [link](javascript:x) "
      "**bold** \\| \x01"
      "end";
  std::string cell = markdown_cell(hostile, 1000);
  EXPECT_EQ(cell.find('\n'), std::string::npos);
  EXPECT_EQ(cell.find('<'), std::string::npos);
  EXPECT_EQ(cell.find('\x01'), std::string::npos);
  // Every | is escaped, so the row keeps its five cells.
  for (std::size_t p = cell.find('|'); p != std::string::npos; p = cell.find('|', p + 1))
    EXPECT_EQ(cell[p - 1], '\\') << cell;
  EXPECT_NE(cell.find("&lt;img"), std::string::npos);
  EXPECT_NE(cell.find("\\`code\\`"), std::string::npos);
  EXPECT_NE(cell.find("\\[link\\](javascript:x)"), std::string::npos);
  EXPECT_NE(cell.find("\\*\\*bold\\*\\*"), std::string::npos);
  EXPECT_NE(cell.find("\\\\\\|"), std::string::npos) << "a backslash cannot un-escape the pipe";
}

TEST(MarkdownSummary, LongMessagesAreCutBetweenCharacters) {
  std::string text(298, 'x');
  text += "\xc3\xa9\xc3\xa9"; // é é: the cap falls inside the second one
  std::string cell = markdown_cell(text, 301);
  EXPECT_EQ(cell, std::string(298, 'x') + "\xc3\xa9" + "…");
  EXPECT_EQ(markdown_cell("short", 300), "short");
}

TEST(MarkdownSummary, RowsAreCappedAndTheRestCounted) {
  RunRecord record;
  for (int i = 0; i < 45; ++i)
    record.checks.push_back(check("Area", "Check" + std::to_string(i), Outcome::Fail, "no"));
  std::string md = markdown_summary(record, {10, 300});
  EXPECT_EQ(count(md, "| Area.Check"), 10u);
  EXPECT_NE(md.find("… and 35 more in the JSON and HTML reports."), std::string::npos) << md;
  EXPECT_EQ(count(markdown_summary(record), "| Area.Check"), 30u) << "the default cap";
}

TEST(MarkdownSummary, BaselineAcceptedFailuresAndStaleEntriesAreListedApart) {
  RunRecord record;
  CheckResult known = check("Dcr", "OpenRegistration", Outcome::Fail, "known");
  known.known_failure = true;
  record.checks.push_back(known);
  record.stale_baseline.push_back("PKCE-09: fixed upstream");
  std::string md = markdown_summary(record);
  EXPECT_NE(md.find("## Conformance: no new failure, 1 known failure, 1 stale baseline entry\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("### Failures and errors"), std::string::npos);
  auto accepted = md.find("### Known failures accepted by the baseline");
  ASSERT_NE(accepted, std::string::npos);
  EXPECT_NE(md.find("| Dcr.OpenRegistration | PKCE-01 | MUST | fail | known |", accepted),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- PKCE-09: fixed upstream"), std::string::npos);
}

TEST(MarkdownSummary, InterruptedRunsAndUnverifiedTlsAreSaid) {
  RunRecord record;
  record.interrupted_by = 15;
  record.tls_unverified = true;
  record.rate_limited_responses = 3;
  std::string md = markdown_summary(record);
  EXPECT_NE(md.find("## Conformance: interrupted, no failure\n"), std::string::npos) << md;
  EXPECT_NE(md.find("interrupted by signal 15"), std::string::npos);
  EXPECT_NE(md.find("--insecure"), std::string::npos);
  EXPECT_NE(md.find("3 responses rate-limited"), std::string::npos);
}

} // namespace
} // namespace conformance
