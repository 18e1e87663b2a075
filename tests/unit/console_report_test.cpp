#include "attachment_sample.h"
#include "console_report.h"

#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <pty.h>
#include <string>
#include <unistd.h>

namespace conformance {
namespace {

CheckResult result(std::string suite, std::string name, Outcome outcome, std::string id,
                   std::string message = "") {
  CheckResult c;
  c.suite = std::move(suite);
  c.name = std::move(name);
  c.outcome = outcome;
  c.requirements = {std::move(id)};
  c.message = std::move(message);
  return c;
}

RunRecord sample() {
  RunRecord r;
  r.base_url = "http://127.0.0.1:9";
  r.profile = "oauth2.1";
  r.checks.push_back(result("Pkce", "S256IsAccepted", Outcome::Pass, "PKCE-01"));
  r.checks.push_back(result("AuthorizationCode", "CodeIsSingleUse", Outcome::Fail, "CODE-01",
                            "second redemption got 200"));
  r.checks.push_back(result("Token", "NoStore", Outcome::Warn, "TOKEN-06", "no Cache-Control"));
  r.checks.push_back(result("Token", "Broken", Outcome::Error, "TOKEN-07", "sent HTML"));
  r.checks.back().known_failure = true;
  return r;
}

// Everything a report writes to a stream, captured through a temporary file.
class Captured {
public:
  Captured() : file_(std::tmpfile()) {}
  ~Captured() { std::fclose(file_); }
  std::FILE* stream() { return file_; }
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0)
      out.append(buf, n);
    return out;
  }

private:
  std::FILE* file_;
};

void feed(ConsoleReport& console, const RunRecord& r) {
  for (const auto& c : r.checks)
    console.on_check_finished(c);
  console.on_run_finished(r);
}

TEST(ConsoleReport, OneLinePerCheckThenSummaryAndFailures) {
  Captured out;
  ConsoleReport console(out.stream());
  feed(console, sample());
  std::string text = out.text();
  EXPECT_NE(text.find("PASS  Pkce.S256IsAccepted [PKCE-01]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL  AuthorizationCode.CodeIsSingleUse [CODE-01]\n      second "
                      "redemption got 200\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("4 checks against http://127.0.0.1:9 (profile oauth2.1): 1 pass 1 fail 1 "
                      "warn 0 info 0 skip 1 error\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Failures:\n  FAIL AuthorizationCode.CodeIsSingleUse [CODE-01]\n"
                      "  ERROR Token.Broken [TOKEN-07] (known: in the baseline)\n"),
            std::string::npos)
      << text;
  // Not a terminal: no escape sequences.
  EXPECT_EQ(text.find('\033'), std::string::npos);
}

TEST(ConsoleReport, QuietPrintsOnlyTheSummary) {
  Captured out;
  ConsoleReport console(out.stream(), true);
  feed(console, sample());
  std::string text = out.text();
  EXPECT_EQ(text.find("PASS  Pkce.S256IsAccepted"), std::string::npos) << text;
  EXPECT_NE(text.find("4 checks against"), std::string::npos) << text;
  EXPECT_NE(text.find("  FAIL AuthorizationCode.CodeIsSingleUse [CODE-01]"), std::string::npos);
}

// Files are saved after the checks' live lines, so they are listed with the failures.
TEST(ConsoleReport, SavedScreenshotsAreListedUnderTheirFailure) {
  RunRecord r = sample();
  r.checks[3].attachments.push_back(testing_sample::screenshot("out-files/Token.Broken-1.png"));
  r.checks[3].attachments.push_back(testing_sample::screenshot("out-files/Token.Broken-2.png"));
  r.checks[0].attachments.push_back(testing_sample::screenshot("out-files/Pkce.Passed-1.png"));
  Captured out;
  ConsoleReport console(out.stream());
  console.set_attachment_directory("out-files");
  feed(console, r);
  std::string text = out.text();
  EXPECT_NE(text.find("  ERROR Token.Broken [TOKEN-07] (known: in the baseline)\n"
                      "    screenshot: out-files/Token.Broken-1.png\n"
                      "    screenshot: out-files/Token.Broken-2.png\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Pkce.Passed-1.png"), std::string::npos) << text; // a pass is not listed
}

TEST(ConsoleReport, UnsavedScreenshotSaysHowToKeepIt) {
  RunRecord r = sample();
  r.checks[1].attachments.push_back(testing_sample::screenshot());
  {
    Captured out;
    ConsoleReport console(out.stream(), true);
    feed(console, r);
    std::string text = out.text();
    EXPECT_NE(text.find("  FAIL AuthorizationCode.CodeIsSingleUse [CODE-01]\n"
                        "    screenshot taken; give --html, --json or --junit to keep it\n"),
              std::string::npos)
        << text;
  }
  // A report was asked for but the file could not be written: say so, not how to ask.
  Captured out;
  ConsoleReport console(out.stream(), true);
  console.set_attachment_directory("out-files");
  feed(console, r);
  std::string text = out.text();
  EXPECT_NE(text.find("    screenshot not saved in out-files (see the error above)\n"),
            std::string::npos)
      << text;
}

// Colour is decided from the stream: a pseudo-terminal gets it, unless NO_COLOR is set.
std::string through_terminal(bool no_colour) {
  int master = -1, slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return "openpty failed";
  if (no_colour)
    ::setenv("NO_COLOR", "1", 1);
  else
    ::unsetenv("NO_COLOR");
  std::FILE* terminal = ::fdopen(slave, "w");
  {
    ConsoleReport console(terminal);
    console.on_check_finished(sample().checks[1]);
  }
  std::fclose(terminal);
  ::unsetenv("NO_COLOR");
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(master, buf, sizeof buf)) > 0)
    text.append(buf, static_cast<std::size_t>(n));
  ::close(master);
  return text;
}

TEST(ConsoleReport, ColourOnlyOnATerminalAndNeverWithNoColor) {
  std::string coloured = through_terminal(false);
  EXPECT_NE(coloured.find("\033[1;31mFAIL "), std::string::npos) << coloured;
  std::string plain = through_terminal(true);
  EXPECT_NE(plain.find("FAIL  AuthorizationCode.CodeIsSingleUse"), std::string::npos) << plain;
  EXPECT_EQ(plain.find('\033'), std::string::npos) << plain;
}

} // namespace
} // namespace conformance
