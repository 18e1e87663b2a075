// `conformance diff`: two records compare check by check into exactly one kind of change each,
// malformed records are refused with the reason, and the Markdown stays inert and bounded.
#include "run_diff.h"

#include <gtest/gtest.h>
#include <stdexcept>

namespace conformance {
namespace {

using nlohmann::json;

json check(const std::string& suite, const std::string& name, const std::string& outcome,
           const std::string& message = "", std::vector<std::string> requirements = {"PKCE-01"}) {
  return {{"suite", suite},           {"name", name},       {"requirements", requirements},
          {"level", "MUST"},          {"outcome", outcome}, {"message", message},
          {"findings", json::array()}};
}

// A record as json_report.cpp writes it, with the members the diff reads.
json record(json checks, json requirements = json::object()) {
  return {{"tool", {{"name", "conformance"}, {"version", "1.0.0"}}},
          {"target",
           {{"base_url", "http://127.0.0.1:8080"},
            {"issuer", "http://127.0.0.1:8080"},
            {"metadata_url", "http://127.0.0.1:8080/.well-known/oauth-authorization-server"},
            {"mcp_url", nullptr},
            {"resource_metadata_url", nullptr}}},
          {"profile", "mcp"},
          {"strict", false},
          {"started_at", "2026-01-01T00:00:00Z"},
          {"finished_at", "2026-01-01T00:01:00Z"},
          {"summary", json::object()},
          {"checks", std::move(checks)},
          {"requirements", std::move(requirements)}};
}

std::vector<std::string> names_of(const RunDiff& diff, CheckChangeKind kind) {
  std::vector<std::string> out;
  for (const CheckChange& c : diff.checks)
    if (c.kind == kind) out.push_back(c.check);
  return out;
}

std::string refusal(const json& old_record, const json& new_record) {
  try {
    compute_run_diff(old_record, new_record);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(RunDiff, OneNewFailureAndOneFixAmongUnchangedChecks) {
  json old_record =
      record({check("Pkce", "S256IsAccepted", "pass"),
              check("Pkce", "PlainIsRejected", "pass", "", {"PKCE-03"}),
              check("Token", "CodeIsSingleUse", "fail", "second use gave 200"),
              check("Metadata", "IssuerMatches", "warn", "trailing slash")},
             {{"PKCE-03", {{"outcome", "pass"}}}, {"TOKEN-02", {{"outcome", "fail"}}}});
  json new_record =
      record({check("Pkce", "S256IsAccepted", "pass"),
              check("Pkce", "PlainIsRejected", "fail", "plain was accepted", {"PKCE-03"}),
              check("Token", "CodeIsSingleUse", "pass"),
              check("Metadata", "IssuerMatches", "warn", "trailing slash")},
             {{"PKCE-03", {{"outcome", "fail"}}}, {"TOKEN-02", {{"outcome", "pass"}}}});
  RunDiff diff = compute_run_diff(old_record, new_record);
  ASSERT_EQ(diff.checks.size(), 2u);
  EXPECT_EQ(names_of(diff, CheckChangeKind::NewFailure),
            std::vector<std::string>{"Pkce.PlainIsRejected"});
  EXPECT_EQ(names_of(diff, CheckChangeKind::Fixed),
            std::vector<std::string>{"Token.CodeIsSingleUse"});
  const CheckChange& failure = diff.checks.at(0);
  EXPECT_EQ(failure.old_outcome, Outcome::Pass);
  EXPECT_EQ(failure.new_outcome, Outcome::Fail);
  EXPECT_EQ(failure.message, "plain was accepted");
  EXPECT_EQ(failure.requirements, std::vector<std::string>{"PKCE-03"});
  EXPECT_EQ(diff.unchanged, 2u);
  EXPECT_TRUE(diff.has_new_failures());
  EXPECT_TRUE(diff.notes.empty());
  ASSERT_EQ(diff.requirements.size(), 2u);
  EXPECT_EQ(diff.requirements[0].id, "PKCE-03");
  EXPECT_EQ(diff.requirements[0].new_outcome, Outcome::Fail);
  EXPECT_EQ(diff.requirements[1].id, "TOKEN-02");
  EXPECT_EQ(diff.requirements[1].new_outcome, Outcome::Pass);

  std::string text = run_diff_text(diff);
  EXPECT_NE(text.find("New failures (1):\n  Pkce.PlainIsRejected  pass → fail  [PKCE-03]  plain "
                      "was accepted\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Fixed (1):\n  Token.CodeIsSingleUse  fail → pass  [PKCE-01]\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("S256IsAccepted"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL: 1 new failure, 1 fixed, 2 unchanged"), std::string::npos) << text;
}

TEST(RunDiff, IdenticalRecordsHaveNoChanges) {
  json r = record({check("Pkce", "S256IsAccepted", "pass"), check("Token", "X", "fail")});
  RunDiff diff = compute_run_diff(r, r);
  EXPECT_TRUE(diff.checks.empty());
  EXPECT_TRUE(diff.requirements.empty());
  EXPECT_EQ(diff.unchanged, 2u);
  EXPECT_FALSE(diff.has_new_failures());
  EXPECT_NE(run_diff_markdown(diff).find("No check changed outcome."), std::string::npos);
  EXPECT_NE(run_diff_text(diff).find("OK: 0 new failures, 0 fixed, 2 unchanged"),
            std::string::npos);
}

TEST(RunDiff, AddedAndRemovedChecks) {
  json old_record = record({check("A", "Kept", "pass"), check("A", "Gone", "fail")});
  json new_record = record({check("A", "Kept", "pass"), check("A", "NewPasses", "pass"),
                            check("A", "NewFails", "error", "timed out")});
  RunDiff diff = compute_run_diff(old_record, new_record);
  EXPECT_EQ(names_of(diff, CheckChangeKind::Added), std::vector<std::string>{"A.NewPasses"});
  // A new check that fails is a new failure; a removed failing check is not a fix.
  EXPECT_EQ(names_of(diff, CheckChangeKind::NewFailure), std::vector<std::string>{"A.NewFails"});
  EXPECT_EQ(names_of(diff, CheckChangeKind::Removed), std::vector<std::string>{"A.Gone"});
  EXPECT_TRUE(names_of(diff, CheckChangeKind::Fixed).empty());
  for (const CheckChange& c : diff.checks) {
    if (c.kind == CheckChangeKind::Removed) {
      EXPECT_EQ(c.old_outcome, Outcome::Fail);
      EXPECT_FALSE(c.new_outcome);
    } else {
      EXPECT_FALSE(c.old_outcome) << c.check;
    }
  }
  std::string text = run_diff_text(diff);
  EXPECT_NE(text.find("  A.NewFails  absent → error  [PKCE-01]  timed out\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Removed (1):\n  A.Gone  fail → absent"), std::string::npos) << text;
}

TEST(RunDiff, SkippedIsNoLongerJudgedNotFixed) {
  json old_record = record({check("A", "WasFailing", "fail"), check("A", "WasPassing", "pass"),
                            check("A", "WasSkipped", "skip")});
  json new_record = record({check("A", "WasFailing", "skip", "not run: no DCR"),
                            check("A", "WasPassing", "skip"), check("A", "WasSkipped", "pass")});
  RunDiff diff = compute_run_diff(old_record, new_record);
  EXPECT_EQ(names_of(diff, CheckChangeKind::NoLongerJudged),
            (std::vector<std::string>{"A.WasFailing", "A.WasPassing"}));
  EXPECT_EQ(names_of(diff, CheckChangeKind::Changed), std::vector<std::string>{"A.WasSkipped"});
  EXPECT_TRUE(names_of(diff, CheckChangeKind::Fixed).empty());
  EXPECT_FALSE(diff.has_new_failures());
}

TEST(RunDiff, NewFailureTheBaselineAcceptsDoesNotFailTheDiff) {
  json accepted = check("A", "Known", "fail", "known issue");
  accepted["known_failure"] = true;
  RunDiff diff = compute_run_diff(record({check("A", "Known", "pass")}), record({accepted}));
  EXPECT_EQ(names_of(diff, CheckChangeKind::AcceptedNewFailure),
            std::vector<std::string>{"A.Known"});
  EXPECT_FALSE(diff.has_new_failures());
  EXPECT_NE(run_diff_text(diff).find("New failures accepted by the baseline (1):"),
            std::string::npos);
  EXPECT_EQ(run_diff_json(diff).at("counts").at("accepted_new_failure"), 1);
  EXPECT_EQ(run_diff_json(diff).at("new_failures"), false);
}

TEST(RunDiff, FailToErrorIsStillFailingChanged) {
  json old_record = record({check("A", "One", "fail"), check("A", "Two", "error"),
                            check("A", "Three", "pass"), check("A", "Four", "warn")});
  json new_record = record({check("A", "One", "error"), check("A", "Two", "fail"),
                            check("A", "Three", "warn"), check("A", "Four", "info")});
  RunDiff diff = compute_run_diff(old_record, new_record);
  EXPECT_EQ(names_of(diff, CheckChangeKind::StillFailing),
            (std::vector<std::string>{"A.One", "A.Two"}));
  EXPECT_EQ(names_of(diff, CheckChangeKind::Changed),
            (std::vector<std::string>{"A.Three", "A.Four"}));
  EXPECT_FALSE(diff.has_new_failures());
}

TEST(RunDiff, DifferentTargetsAndProfilesAreNotesNotErrors) {
  json old_record = record({check("A", "One", "pass")});
  json new_record = old_record;
  new_record["target"]["base_url"] = "https://auth.example.com";
  new_record["profile"] = "oauth21";
  RunDiff diff = compute_run_diff(old_record, new_record);
  ASSERT_EQ(diff.notes.size(), 2u);
  EXPECT_EQ(diff.notes[0],
            "target.base_url differs: http://127.0.0.1:8080 (OLD), https://auth.example.com (NEW)");
  EXPECT_EQ(diff.notes[1], "profile differs: mcp (OLD), oauth21 (NEW)");
  EXPECT_NE(run_diff_text(diff).find("warning: profile differs"), std::string::npos);
}

TEST(RunDiff, ANewCatalogueIsNotedSinceOutcomesMayMoveWithIt) {
  json old_record = record({check("A", "One", "pass")});
  old_record["tool"] = {{"name", "conformance"}, {"version", "1.0"}, {"catalogue_version", "1"}};
  json new_record = old_record;
  new_record["tool"]["version"] = "1.1"; // a new harness alone is not worth a warning
  EXPECT_TRUE(compute_run_diff(old_record, new_record).notes.empty());
  new_record["tool"]["catalogue_version"] = "2";
  RunDiff diff = compute_run_diff(old_record, new_record);
  ASSERT_EQ(diff.notes.size(), 1u);
  EXPECT_EQ(diff.notes[0], "tool.catalogue_version differs: 1 (OLD), 2 (NEW)");
  json bad = new_record;
  bad["tool"]["catalogue_version"] = 2;
  EXPECT_THROW(compute_run_diff(old_record, bad), std::runtime_error);
}

TEST(RunDiff, MalformedRecordsAreRefusedWithTheReason) {
  json good = record({check("A", "One", "pass")});
  EXPECT_EQ(refusal(json::array(), good), "OLD record: not a JSON object");
  EXPECT_EQ(refusal(good, "text"), "NEW record: not a JSON object");
  json no_checks = good;
  no_checks.erase("checks");
  EXPECT_EQ(refusal(good, no_checks), "NEW record: no \"checks\" array");
  json checks_object = good;
  checks_object["checks"] = json::object();
  EXPECT_EQ(refusal(good, checks_object), "NEW record: \"checks\" is not an array");
  json outcome_number = good;
  outcome_number["checks"][0]["outcome"] = 3;
  EXPECT_EQ(refusal(outcome_number, good), "OLD record: checks[0].outcome is not a string");
  json outcome_unknown = good;
  outcome_unknown["checks"][0]["outcome"] = "maybe";
  EXPECT_EQ(refusal(good, outcome_unknown),
            "NEW record: checks[0].outcome is not one of pass, fail, warn, info, skip, error");
  json check_string = good;
  check_string["checks"].push_back("Pkce.X");
  EXPECT_EQ(refusal(good, check_string), "NEW record: checks[1] is not an object");
  json no_suite = good;
  no_suite["checks"][0].erase("suite");
  EXPECT_EQ(refusal(good, no_suite), "NEW record: checks[0].suite is missing or not a string");
  json ids_string = good;
  ids_string["checks"][0]["requirements"] = "PKCE-01";
  EXPECT_EQ(refusal(good, ids_string), "NEW record: checks[0].requirements is not an array");
  json message_number = good;
  message_number["checks"][0]["message"] = 1;
  EXPECT_EQ(refusal(good, message_number), "NEW record: checks[0].message is not a string");
  json known_string = good;
  known_string["checks"][0]["known_failure"] = "yes";
  EXPECT_EQ(refusal(good, known_string),
            "NEW record: checks[0].known_failure is not true or false");
  json duplicate = good;
  duplicate["checks"].push_back(check("A", "One", "fail"));
  EXPECT_EQ(refusal(good, duplicate), "NEW record: checks[1]: A.One appears more than once");
  json requirement_outcome = good;
  requirement_outcome["requirements"] = {{"PKCE-01", {{"outcome", true}}}};
  EXPECT_EQ(refusal(good, requirement_outcome),
            "NEW record: requirements[\"PKCE-01\"].outcome is not a string");
  json target_number = good;
  target_number["target"]["base_url"] = 8080;
  EXPECT_EQ(refusal(good, target_number), "NEW record: target.base_url is not a string");
  EXPECT_THROW(validate_result_record(json::object()), std::runtime_error);
  EXPECT_NO_THROW(validate_result_record(good));
  // The fewest members the diff needs.
  EXPECT_NO_THROW(validate_result_record(
      json{{"checks", {{{"suite", "A"}, {"name", "B"}, {"outcome", "pass"}}}}}));
}

TEST(RunDiff, MarkdownEscapesTableSyntaxAndCapsRows) {
  json old_checks = json::array(), new_checks = json::array();
  for (int i = 0; i < 60; ++i) {
    std::string name = "Check" + std::to_string(i);
    old_checks.push_back(check("A", name, "pass"));
    new_checks.push_back(check("A", name, "fail", "a | b\nc <script> *x* `y` [l](u)"));
  }
  RunDiff diff = compute_run_diff(record(old_checks), record(new_checks));
  ASSERT_EQ(diff.count(CheckChangeKind::NewFailure), 60u);
  std::string md = run_diff_markdown(diff);
  EXPECT_EQ(md.rfind("## Conformance diff\n\n**FAIL**: 60 new failures, 0 fixed, 0 unchanged\n", 0),
            0u)
      << md;
  EXPECT_NE(md.find("| Check | Outcome | Requirements | Level | Message |"), std::string::npos);
  EXPECT_NE(
      md.find("| A.Check0 | pass → **fail** | PKCE-01 | MUST | a \\| b c &lt;script&gt; \\*x\\* "
              "\\`y\\` \\[l\\](u) |\n"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("A.Check49 |"), std::string::npos);
  EXPECT_EQ(md.find("A.Check50 |"), std::string::npos);
  EXPECT_NE(md.find("\n… and 10 more\n"), std::string::npos) << md;
  // Every table row has exactly the header's cells: no unescaped '|' and no raw newline.
  for (std::size_t at = md.find("\n| A."); at != std::string::npos;
       at = md.find("\n| A.", at + 1)) {
    std::string row = md.substr(at + 1, md.find('\n', at + 1) - at - 1);
    int cells = 0;
    for (std::size_t i = 0; i < row.size(); ++i)
      if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) ++cells;
    EXPECT_EQ(cells, 6) << row;
  }
}

TEST(RunDiff, MarkdownListsFixesAndOtherChanges) {
  json old_record = record(
      {check("A", "Fixed", "fail"), check("A", "Warned", "pass"), check("A", "Gone", "pass")});
  json new_record = record({check("A", "Fixed", "pass"), check("A", "Warned", "warn", "hm")});
  std::string md = run_diff_markdown(compute_run_diff(old_record, new_record));
  EXPECT_NE(md.find("### Fixed (1)\n\n| Check | Outcome | Requirements |\n|---|---|---|\n"
                    "| A.Fixed | fail → **pass** | PKCE-01 |\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("### Other changes (2)\n\n- A.Warned: pass → warn (changed; PKCE-01)\n"
                    "- A.Gone: pass → absent (removed; PKCE-01)\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("### New failures"), std::string::npos) << md;
}

TEST(RunDiff, ConsoleTextDropsControlCharactersAndTruncatesMessages) {
  std::string long_message(400, 'x');
  json new_record = record({check("A", "Bell\x1b[31m", "fail", "line one\nline two\x07"),
                            check("A", "Long", "fail", long_message)});
  std::string text = run_diff_text(compute_run_diff(record(json::array()), new_record));
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_NE(text.find("A.Bell [31m  absent → fail  [PKCE-01]  line one line two \n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(std::string(160, 'x') + "…\n"), std::string::npos);
  EXPECT_EQ(text.find(std::string(161, 'x')), std::string::npos);
}

TEST(RunDiff, JsonShape) {
  json old_record = record({check("A", "Broke", "pass"), check("A", "Mended", "error")},
                           {{"PKCE-01", {{"outcome", "pass"}}}});
  json new_record =
      record({check("A", "Broke", "fail", "why"), check("A", "Mended", "pass")},
             {{"PKCE-01", {{"outcome", "fail"}}}, {"PKCE-09", {{"outcome", "pass"}}}});
  new_record["interrupted_by_signal"] = 15;
  json doc = run_diff_json(compute_run_diff(old_record, new_record));
  EXPECT_EQ(doc.at("new_failures"), true);
  EXPECT_EQ(doc.at("counts"), json({{"new_failure", 1},
                                    {"accepted_new_failure", 0},
                                    {"fixed", 1},
                                    {"still_failing", 0},
                                    {"changed", 0},
                                    {"no_longer_judged", 0},
                                    {"added", 0},
                                    {"removed", 0},
                                    {"unchanged", 0}}));
  ASSERT_EQ(doc.at("checks").size(), 2u);
  EXPECT_EQ(doc.at("checks").at(0), json({{"check", "A.Broke"},
                                          {"change", "new_failure"},
                                          {"old", "pass"},
                                          {"new", "fail"},
                                          {"requirements", {"PKCE-01"}},
                                          {"level", "MUST"},
                                          {"message", "why"}}));
  EXPECT_EQ(doc.at("checks").at(1).at("change"), "fixed");
  EXPECT_EQ(doc.at("requirements"), json::parse(R"([{"id":"PKCE-01","old":"pass","new":"fail"},
                            {"id":"PKCE-09","old":null,"new":"pass"}])"));
  EXPECT_EQ(doc.at("old").at("started_at"), "2026-01-01T00:00:00Z");
  ASSERT_EQ(doc.at("notes").size(), 1u);
  EXPECT_NE(doc.at("notes").at(0).get<std::string>().find("NEW run was interrupted by signal 15"),
            std::string::npos);
}

} // namespace
} // namespace conformance
