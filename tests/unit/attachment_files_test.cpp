// Attachments are saved beside the first requested report, in "<stem>-files/", under names made
// safe for any file system, and finish_run does it before any report is written.
#include "attachment_files.h"
#include "attachment_sample.h"
#include "console_report.h"
#include "html_report.h"
#include "run_reports.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <unistd.h>

namespace conformance {
namespace {

namespace fs = std::filesystem;
using testing_sample::kTinyPng;
using testing_sample::screenshot;

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() /
                 ("attachment_files_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CheckResult errored(std::string suite, std::string name) {
  CheckResult c;
  c.suite = std::move(suite);
  c.name = std::move(name);
  c.outcome = Outcome::Error;
  c.requirements = {"AUTHZ-01"};
  return c;
}

TEST(AttachmentFiles, DirectoryIsBesideTheFirstRequestedReport) {
  EXPECT_EQ(attachment_directory({"out/r.json", "out/r.xml", "html/report.html", ""}),
            "html/report-files");
  EXPECT_EQ(attachment_directory({"conformance.json", "conformance.xml", "", ""}),
            "conformance-files");
  EXPECT_EQ(attachment_directory({"", "ci/junit.xml", "", "baseline.json"}), "ci/junit-files");
  EXPECT_EQ(attachment_directory({"", "", "", "baseline.json"}), ""); // a baseline is no report
}

TEST(AttachmentFiles, NamesAreSanitised) {
  CheckResult c = errored("Redirect/Variants", "Near Miss/3");
  Attachment a = screenshot();
  EXPECT_EQ(attachment_file_name(c, a, 1), "Redirect_Variants.Near_Miss_3-screenshot-1.png");
  a.name = "../page \xC3\xA9";
  a.media_type = "image/JPEG";
  EXPECT_EQ(attachment_file_name(c, a, 2), "Redirect_Variants.Near_Miss_3-.._page___-2.jpg");
  a.media_type = "application/pdf";
  EXPECT_EQ(attachment_file_name(c, a, 3).substr(attachment_file_name(c, a, 3).size() - 4), ".bin");
  c.name = std::string(300, 'N');
  EXPECT_LE(attachment_file_name(c, a, 4).size(), 255u);
}

TEST(AttachmentFiles, SavesTheExactBytesIntoStemFiles) {
  fs::path dir = scratch("save");
  RunRecord record;
  record.checks.push_back(errored("Authorization", "SignsIn"));
  record.checks[0].attachments = {screenshot(), screenshot()};
  record.checks[0].attachments[1].data = "second";
  record.checks.push_back(errored("Consent", "Allows"));
  record.checks[1].attachments = {screenshot("/elsewhere/kept.png"), screenshot()};
  record.checks[1].attachments[1].data.clear(); // nothing to save
  std::string files = attachment_directory({"", "", (dir / "report.html").string(), ""});
  save_attachments(record, files);

  fs::path first = dir / "report-files" / "Authorization.SignsIn-screenshot-1.png";
  EXPECT_EQ(record.checks[0].attachments[0].file, first.string());
  EXPECT_EQ(read(first), kTinyPng);
  EXPECT_EQ(read(dir / "report-files" / "Authorization.SignsIn-screenshot-2.png"), "second");
  EXPECT_EQ(record.checks[1].attachments[0].file, "/elsewhere/kept.png"); // already saved
  EXPECT_EQ(record.checks[1].attachments[1].file, "");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "report-files"), fs::directory_iterator()),
            2);

  // The HTML beside it links to the file by a relative path, and a second save is a no-op.
  write_html_report(record, (dir / "report.html").string());
  EXPECT_NE(read(dir / "report.html")
                .find("href=\"report-files/Authorization.SignsIn-screenshot-1.png\""),
            std::string::npos);
  EXPECT_NO_THROW(save_attachments(record, files));
  fs::remove_all(dir);
}

TEST(AttachmentFiles, NoScreenshotNoDirectoryAndFailuresThrow) {
  fs::path dir = scratch("fail");
  RunRecord record;
  record.checks.push_back(errored("Authorization", "SignsIn"));
  save_attachments(record, (dir / "r-files").string());
  EXPECT_FALSE(fs::exists(dir / "r-files"));
  record.checks[0].attachments = {screenshot()};
  // Like a report, it needs its directory's parent to exist.
  EXPECT_THROW(save_attachments(record, (dir / "missing" / "r-files").string()),
               std::runtime_error);
  std::ofstream(dir / "r-files") << "a file in the way";
  EXPECT_THROW(save_attachments(record, (dir / "r-files").string()), std::runtime_error);
  EXPECT_EQ(record.checks[0].attachments[0].file, "");
  fs::remove_all(dir);
}

// finish_run saves before the console and the reports, so all of them name the file; a file it
// cannot save is an error on stderr that costs no report.
TEST(AttachmentFiles, FinishRunSavesThenEveryReportNamesTheFile) {
  fs::path dir = scratch("finish");
  RunRecord record;
  record.checks.push_back(errored("Authorization", "SignsIn"));
  record.checks[0].attachments = {screenshot()};
  std::FILE* console_out = std::tmpfile();
  ConsoleReport console(console_out, true);
  Finishing finishing;
  finishing.outputs = {(dir / "r.json").string(), (dir / "r.xml").string(), "", ""};
  finishing.console = &console;
  RunRecord first = record;
  EXPECT_EQ(finish_run(first, finishing), 1);
  fs::path saved = dir / "r-files" / "Authorization.SignsIn-screenshot-1.png";
  EXPECT_EQ(read(saved), kTinyPng);
  EXPECT_NE(
      read(dir / "r.json").find("\"file\": \"r-files/Authorization.SignsIn-screenshot-1.png\""),
      std::string::npos);
  EXPECT_NE(read(dir / "r.xml").find("[[ATTACHMENT|" + saved.lexically_normal().string() + "]]"),
            std::string::npos);
  std::fflush(console_out);
  std::rewind(console_out);
  char buf[4096] = {};
  std::string text(buf, std::fread(buf, 1, sizeof buf - 1, console_out));
  std::fclose(console_out);
  EXPECT_NE(text.find("    screenshot: " + saved.string() + "\n"), std::string::npos) << text;

  fs::remove_all(dir / "r-files");
  std::ofstream(dir / "r-files") << "a file in the way";
  fs::remove(dir / "r.json");
  std::FILE* second_out = std::tmpfile();
  ConsoleReport second_console(second_out, true);
  finishing.console = &second_console;
  RunRecord second = record;
  testing::internal::CaptureStderr();
  EXPECT_EQ(finish_run(second, finishing), 2);
  std::string err = testing::internal::GetCapturedStderr();
  std::fclose(second_out);
  EXPECT_NE(err.find("conformance: cannot create " + (dir / "r-files").string()), std::string::npos)
      << err;
  EXPECT_TRUE(fs::exists(dir / "r.json")); // the reports were still written
  fs::remove_all(dir);
}

} // namespace
} // namespace conformance
