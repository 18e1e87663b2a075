// The check vocabulary: a check judges only what it declares, and a verdict that compared one
// thing carries what was expected and what came back.
#include "checks/check.h"

#include <gtest/gtest.h>

namespace {

using namespace conformance;

// Registered like a CONFORMANCE_CHECK, but run by hand so its outcome can be inspected.
const bool kRegistered = register_check("VocabularyProbe", "DeclaresPkce01", {"PKCE-01"});

CheckResult run_probe(const std::function<void()>& body) {
  CheckContext context("VocabularyProbe", "DeclaresPkce01");
  set_current_check(&context);
  body();
  set_current_check(nullptr);
  return context.finish(false, "", 0);
}

TEST(CheckVocabulary, AVerdictOnAnUndeclaredRequirementIsAHarnessError) {
  ASSERT_TRUE(kRegistered);
  CheckResult ok = run_probe([] { pass("PKCE-01", "held"); });
  EXPECT_EQ(ok.outcome, Outcome::Pass);

  CheckResult stray = run_probe([] {
    pass("PKCE-01", "held");
    pass("PKCE-02", "judged on the side");
  });
  EXPECT_EQ(stray.outcome, Outcome::Error);
  EXPECT_NE(stray.message.find("PKCE-02"), std::string::npos) << stray.message;
  EXPECT_NE(stray.message.find("does not declare"), std::string::npos) << stray.message;
  EXPECT_EQ(stray.requirements, std::vector<std::string>{"PKCE-01"});
  ASSERT_EQ(stray.findings.size(), 1u);
}

TEST(CheckVocabulary, AComparisonTravelsWithTheFinding) {
  // MAY level, so the verdict is info and raises no GoogleTest failure in this test.
  CheckResult r = run_probe([] {
    violation("PKCE-01", "refused with the wrong code",
              Comparison{"error=invalid_grant", "error=invalid_request"}, Level::May);
  });
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].outcome, Outcome::Info);
  EXPECT_EQ(r.findings[0].expected, "error=invalid_grant");
  EXPECT_EQ(r.findings[0].actual, "error=invalid_request");
}

} // namespace
