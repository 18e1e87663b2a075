// The JSON report names a check's attachments (their files relative to the report, their size)
// and never carries their bytes.
#include "attachment_sample.h"
#include "json_report.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

namespace conformance {
namespace {

using testing_sample::screenshot;

RunRecord record_with_screenshots() {
  RunRecord r;
  r.base_url = "http://127.0.0.1:9";
  CheckResult c;
  c.suite = "Authorization";
  c.name = "SignsIn";
  c.outcome = Outcome::Error;
  c.attachments.push_back(
      screenshot("/srv/out/report-files/Authorization.SignsIn-screenshot-1.png"));
  c.attachments.push_back(screenshot()); // not saved
  r.checks.push_back(c);
  CheckResult plain;
  plain.suite = "Pkce";
  plain.name = "S256IsAccepted";
  plain.outcome = Outcome::Pass;
  r.checks.push_back(plain);
  return r;
}

TEST(JsonReport, AttachmentsAreNamedNotCarried) {
  nlohmann::json doc = to_json(record_with_screenshots(), "/srv/out");
  const nlohmann::json& attachments = doc.at("checks").at(0).at("attachments");
  ASSERT_EQ(attachments.size(), 2u);
  EXPECT_EQ(attachments.at(0),
            nlohmann::json({{"name", "screenshot"},
                            {"media_type", "image/png"},
                            {"caption", screenshot().caption},
                            {"file", "report-files/Authorization.SignsIn-screenshot-1.png"},
                            {"bytes", 73}}));
  EXPECT_TRUE(attachments.at(1).at("file").is_null());
  EXPECT_FALSE(attachments.at(0).contains("data"));
  EXPECT_EQ(doc.dump().find(testing_sample::kTinyPngBase64.substr(0, 24)), std::string::npos);
  EXPECT_EQ(doc.dump().find("PNG"), std::string::npos);
  EXPECT_FALSE(doc.at("checks").at(1).contains("attachments")); // none: no member
  // Another directory, or none known.
  EXPECT_EQ(to_json(record_with_screenshots(), "/srv/json")["checks"][0]["attachments"][0]["file"],
            "../out/report-files/Authorization.SignsIn-screenshot-1.png");
  EXPECT_EQ(to_json(record_with_screenshots())["checks"][0]["attachments"][0]["file"],
            "/srv/out/report-files/Authorization.SignsIn-screenshot-1.png");
}

TEST(JsonReport, WrittenFileNamesAttachmentsFromItsDirectory) {
  auto dir =
      std::filesystem::temp_directory_path() / ("json_report_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  RunRecord record = record_with_screenshots();
  record.checks[0].attachments[0].file = (dir / "r-files" / "a.png").string();
  std::string path = (dir / "r.json").string();
  write_json_report(record, path);
  std::ifstream in(path);
  nlohmann::json doc = nlohmann::json::parse(in);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(doc["checks"][0]["attachments"][0]["file"], "r-files/a.png");
}

} // namespace
} // namespace conformance
