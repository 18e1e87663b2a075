// The browser driver's decisions on a rendered page, without a browser: which input each
// configured field goes into (name, id, autocomplete, type, label), which control is pressed
// for a sign-in step, an approval or a denial, and when there is nothing to do.
#include "drivers/browser_page_plan.h"

#include <gtest/gtest.h>

namespace {

using namespace conformance;
using Kind = PagePlan::Kind;

const std::map<std::string, std::string> kFields = {{"username", "alice"},
                                                    {"password", "wonderland"}};

PageInput input(int index, std::string name, std::string id, std::string autocomplete,
                std::string type, std::string label, int form = 0) {
  return {index, name, id, autocomplete, type, label, form};
}

PageControl button(int index, std::string text, int form = 0, bool submit = true) {
  return {index, false, submit, text, "", "", form};
}

TEST(BrowserPagePlan, MatchesFieldsByNameIdAutocompleteTypeAndLabel) {
  EXPECT_EQ(field_match_score("username", input(0, "username", "", "", "text", "")), 100);
  EXPECT_EQ(field_match_score("username", input(0, "", "username", "", "text", "")), 90);
  EXPECT_EQ(field_match_score("username", input(0, "login", "", "username", "text", "")), 70);
  EXPECT_EQ(field_match_score("username", input(0, "", "", "", "email", "")), 50);
  EXPECT_EQ(field_match_score("username", input(0, "", "", "", "text", "Your username")), 40);
  EXPECT_EQ(field_match_score("password", input(0, "", "", "current-password", "password", "")),
            70);
  EXPECT_EQ(field_match_score("password", input(0, "pw", "", "", "password", "")), 60);
  // A user name never goes into a password box, nor a password into a visible one.
  EXPECT_EQ(field_match_score("username", input(0, "", "", "", "password", "Username")), 0);
  EXPECT_EQ(field_match_score("password", input(0, "", "", "", "text", "Password hint")), 0);
  EXPECT_EQ(field_match_score("username", input(0, "q", "search", "", "search", "Search")), 0);
}

TEST(BrowserPagePlan, ASignInPageFillsBothAndPressesItsSubmitButton) {
  PageSnapshot page;
  page.inputs = {input(0, "q", "", "", "search", "Search", 0),
                 input(1, "", "email", "username", "email", "Email", 1),
                 input(2, "", "pw", "current-password", "password", "Password", 1)};
  page.controls = {button(3, "Search", 0), button(4, "Forgot password?", 1, false),
                   button(5, "Sign in", 1)};
  PagePlan plan = plan_page(page, kFields, ConsentDecision::Approve);
  EXPECT_EQ(plan.kind, Kind::SignIn);
  std::vector<std::pair<int, std::string>> fills = {{1, "username"}, {2, "password"}};
  EXPECT_EQ(plan.fills, fills);
  EXPECT_EQ(plan.press, 5);
}

TEST(BrowserPagePlan, AUsernameStepAloneIsASignInStep) {
  PageSnapshot page;
  page.inputs = {input(0, "identifier", "", "username", "text", "Email or phone", -1)};
  page.controls = {button(1, "Create account", -1, false), button(2, "Next", -1, false)};
  PagePlan plan = plan_page(page, kFields, ConsentDecision::Deny);
  EXPECT_EQ(plan.kind, Kind::SignIn); // signing in comes before any decision
  ASSERT_EQ(plan.fills.size(), 1u);
  EXPECT_EQ(plan.fills[0].second, "username");
  EXPECT_EQ(plan.press, 2);
}

TEST(BrowserPagePlan, WithoutAButtonEnterSubmits) {
  PageSnapshot page;
  page.inputs = {input(0, "password", "", "", "password", "")};
  PagePlan plan = plan_page(page, kFields, ConsentDecision::Approve);
  EXPECT_EQ(plan.kind, Kind::SignIn);
  EXPECT_FALSE(plan.press);
}

TEST(BrowserPagePlan, ConsentApprovesOrDeclinesAsAsked) {
  PageSnapshot page;
  page.controls = {button(0, "Don't allow"), button(1, "Allow access")};
  PagePlan approve = plan_page(page, kFields, ConsentDecision::Approve);
  EXPECT_EQ(approve.kind, Kind::Consent);
  EXPECT_EQ(approve.press, 1);
  EXPECT_FALSE(approve.declined);
  PagePlan deny = plan_page(page, kFields, ConsentDecision::Deny);
  EXPECT_EQ(deny.press, 0);
  EXPECT_TRUE(deny.declined);
}

TEST(BrowserPagePlan, ADeclineLinkCountsOnlyWhenNoButtonDeclines) {
  PageSnapshot page;
  page.controls = {button(0, "Continue"), {1, true, false, "[ Cancel ]", "", "", -1}};
  EXPECT_EQ(plan_page(page, kFields, ConsentDecision::Deny).press, 1);
  page.controls.push_back(button(2, "Deny"));
  EXPECT_EQ(plan_page(page, kFields, ConsentDecision::Deny).press, 2);
}

TEST(BrowserPagePlan, NothingToDoOnAnUnrelatedPage) {
  PageSnapshot page;
  page.inputs = {input(0, "ticket", "", "", "text", "Ticket number")};
  page.controls = {button(1, "Help")};
  EXPECT_EQ(plan_page(page, kFields, ConsentDecision::Approve).kind, Kind::Nothing);
}

TEST(BrowserPagePlan, SnapshotsComeFromThePageScriptsJson) {
  auto page = snapshot_from_json(nlohmann::json::parse(R"({
    "url": "http://127.0.0.1/login", "title": "Sign in", "alert": "Wrong password",
    "inputs": [{"index": 0, "name": "u", "id": "", "type": "TEXT", "autocomplete": "Username",
                "label": "User", "form": 0}],
    "controls": [{"index": 1, "link": false, "submit": true, "text": "Go", "form": 0}, 7]})"));
  EXPECT_EQ(page.title, "Sign in");
  EXPECT_EQ(page.alert, "Wrong password");
  ASSERT_EQ(page.inputs.size(), 1u);
  EXPECT_EQ(page.inputs[0].type, "text");
  EXPECT_EQ(page.inputs[0].autocomplete, "username");
  ASSERT_EQ(page.controls.size(), 1u); // the stray 7 is ignored
  EXPECT_TRUE(snapshot_from_json(nlohmann::json("nonsense")).inputs.empty());
  EXPECT_NE(page_signature(page), page_signature(PageSnapshot{}));
}

} // namespace
