// A finding that compared one thing carries what was expected and what came back; every report
// shows the two, the HTML as two aligned lines, all escaped like the rest of the server's bytes.
#include "html_report.h"
#include "json_report.h"
#include "junit_report.h"

#include <gtest/gtest.h>

namespace {

using namespace conformance;

RunRecord record_with_comparison() {
  RunRecord r;
  r.base_url = "http://127.0.0.1:9";
  CheckResult c;
  c.suite = "Token";
  c.name = "FailedClientAuthIsInvalidClient";
  c.requirements = {"TOKEN-12"};
  c.level = "MUST";
  c.outcome = Outcome::Fail;
  c.message = "TOKEN-12: a failed Basic authentication must be 401; got 400";
  c.findings.push_back({"TOKEN-12", "MUST", Outcome::Fail,
                        "a failed Basic authentication must be 401; got 400", "HTTP 401",
                        "HTTP 400 <b>&"});
  c.findings.push_back({"TOKEN-12", "MUST", Outcome::Pass, "refused", "", ""});
  r.checks.push_back(c);
  r.requirements["TOKEN-12"] = {"Token endpoint", "MUST", "RFC 6749 §5.2", "401 for Basic."};
  return r;
}

TEST(FindingComparison, JsonCarriesExpectedAndActualOnlyWhenPresent) {
  nlohmann::json doc = to_json(record_with_comparison());
  const auto& findings = doc.at("checks").at(0).at("findings");
  EXPECT_EQ(findings.at(0).at("expected"), "HTTP 401");
  EXPECT_EQ(findings.at(0).at("actual"), "HTTP 400 <b>&");
  EXPECT_FALSE(findings.at(1).contains("expected"));
}

TEST(FindingComparison, JunitFailureShowsThemAligned) {
  std::string xml = to_junit_xml(record_with_comparison());
  EXPECT_NE(xml.find("\n    expected: HTTP 401\n    actual:   HTTP 400 &lt;b&gt;&amp;"),
            std::string::npos)
      << xml;
}

TEST(FindingComparison, HtmlShowsTwoAlignedLines) {
  std::string html = to_html(record_with_comparison());
  EXPECT_NE(html.find("<div class=\"cmp\"><span>expected</span><code>HTTP 401</code>"
                      "<span>actual</span><code>HTTP 400 &lt;b&gt;&amp;</code></div>"),
            std::string::npos);
  EXPECT_EQ(html.find("<b>&"), std::string::npos);
}

} // namespace
