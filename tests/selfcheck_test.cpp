// The self-check (DESIGN.md convention 8), two-sided: the whole suite against the clean
// reference server (nothing fails or warns), against each fault in fixtures/faults.json
// (exactly the mapped requirements fail or warn), and against each variant in
// fixtures/variants.json, a behaviour the specifications allow (nothing fails, warns or errs,
// even under --strict).
#include "drivers/subprocess.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>

namespace {

using conformance::BackgroundProcess;
using conformance::ProcessResult;
using conformance::run_process;

using nlohmann::json;
using namespace std::chrono_literals;

struct FaultCase {
  std::string fault; // empty for the clean server
  std::set<std::string> caught_by;
  bool login_form = false;  // server --login-form, harness --driver form
  bool from_mcp_url = true; // harness starts from --mcp-url (MCP mode), else from --base-url
  std::vector<std::string> harness_args; // a fault's extra conformance flags (faults.json)
};

// GoogleTest prints a parameter's bytes unless told how to name it.
void PrintTo(const FaultCase& c, std::ostream* os) {
  *os << (c.fault.empty() ? "clean server" : c.fault) << (c.login_form ? " (login form)" : "")
      << (c.from_mcp_url ? "" : " (--base-url only)");
}

// Short, so CODE-04 (code expiry) is judged within seconds on every run.
constexpr const char* kCodeLifetime = "2";

json load_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

std::vector<FaultCase> cases() {
  // The clean server three ways: from the MCP server, through the login form, and from the
  // authorization server alone (the PRS checks then skip).
  std::vector<FaultCase> out{
      {"", {}, false, true, {}}, {"", {}, true, true, {}}, {"", {}, false, false, {}}};
  const json table = load_json(FAULTS_JSON); // named: a temporary would die before the loop body
  for (const auto& [name, entry] : table.at("faults").items())
    out.push_back({name, entry.at("caught_by").get<std::set<std::string>>(),
                   entry.value("mode", "") == "login-form", true,
                   entry.value("harness_args", std::vector<std::string>{})});
  return out;
}

std::string case_name(const testing::TestParamInfo<FaultCase>& info) {
  if (info.param.fault.empty())
    return info.param.login_form     ? "CleanServerLoginForm"
           : info.param.from_mcp_url ? "CleanServer"
                                     : "CleanServerBaseUrlOnly";
  std::string name;
  bool upper = true;
  for (char c : info.param.fault) {
    if (c == '-') {
      upper = true;
      continue;
    }
    name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return name;
}

struct SuiteRun {
  ProcessResult process;
  json record;
};

SuiteRun run_suite(const std::vector<std::string>& server_args,
                   const std::vector<std::string>& conformance_args, bool from_mcp_url) {
  std::vector<std::string> argv{REFERENCE_SERVER_BIN, "--port", "0", "--code-lifetime",
                                kCodeLifetime};
  argv.insert(argv.end(), server_args.begin(), server_args.end());
  BackgroundProcess server(argv);
  std::string url = server.first_line(10s);
  EXPECT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << "reference server printed '" << url << "'";
  std::string report =
      (std::filesystem::temp_directory_path() /
       ("selfcheck-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()) + ".json"))
          .string();
  std::vector<std::string> cmd{CONFORMANCE_BIN, "--json", report, "--code-lifetime", kCodeLifetime};
  if (from_mcp_url) {
    // The reference server's operator facts: the tool that needs mcp:admin, and that mcp:admin
    // includes mcp:tools.
    cmd.insert(cmd.end(), {"--mcp-url", url + "/mcp", "--tool-scope", "admin_report=mcp:admin",
                           "--scope-implies", "mcp:admin=mcp:tools"});
  } else {
    cmd.insert(cmd.end(), {"--base-url", url});
  }
  cmd.insert(cmd.end(), conformance_args.begin(), conformance_args.end());
  SuiteRun run{run_process(cmd, 300s), json()};
  if (std::filesystem::exists(report)) {
    run.record = load_json(report);
    std::filesystem::remove(report);
  }
  return run;
}

std::set<std::string> failing_or_warning(const json& record) {
  std::set<std::string> out;
  for (const auto& [id, r] : record.at("requirements").items())
    if (r.at("outcome") == "fail" || r.at("outcome") == "warn") out.insert(id);
  return out;
}

std::string explain(const json& record) {
  std::string out;
  for (const auto& c : record.at("checks"))
    if (c.at("outcome") != "pass")
      out += "  " + c.at("outcome").get<std::string>() + " " + c.at("suite").get<std::string>() +
             "." + c.at("name").get<std::string>() + ": " + c.at("message").get<std::string>() +
             "\n";
  return out;
}

// The server's login and consent pages, and the form driver signing in as its test user.
void with_login_form(std::vector<std::string>& server_args,
                     std::vector<std::string>& harness_args) {
  server_args.push_back("--login-form");
  for (const char* arg : {"--driver", "form", "--form-field", "username=alice", "--form-field",
                          "password=wonderland"})
    harness_args.push_back(arg);
}

class SelfCheck : public testing::TestWithParam<FaultCase> {};

TEST_P(SelfCheck, ExactlyTheMappedRequirementsFailOrWarn) {
  const FaultCase& c = GetParam();
  std::vector<std::string> server_args;
  std::vector<std::string> harness_args;
  if (!c.fault.empty()) server_args = {"--fault", c.fault};
  // Faults run under --strict so a SHOULD-level catch also turns the exit code to 1.
  if (!c.fault.empty()) harness_args.push_back("--strict");
  if (c.login_form) with_login_form(server_args, harness_args);
  harness_args.insert(harness_args.end(), c.harness_args.begin(), c.harness_args.end());
  SuiteRun run = run_suite(server_args, harness_args, c.from_mcp_url);
  ASSERT_FALSE(run.process.timed_out);
  ASSERT_FALSE(run.record.is_null()) << "no JSON report; stderr: " << run.process.err;
  EXPECT_EQ(run.process.exit_code, c.fault.empty() ? 0 : 1) << run.process.out;
  EXPECT_EQ(failing_or_warning(run.record), c.caught_by) << explain(run.record);
  EXPECT_EQ(run.record.at("summary").at("error"), 0) << explain(run.record);
  if (c.fault.empty()) {
    EXPECT_GE(run.record.at("checks").size(), 25u);
    EXPECT_EQ(run.record.at("summary").at("fail"), 0);
    EXPECT_EQ(run.record.at("summary").at("warn"), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(ReferenceServer, SelfCheck, testing::ValuesIn(cases()), case_name);

// A variant: the server does something the specifications allow; the harness must stay quiet.
struct VariantCase {
  std::string variant;
  bool login_form = false;
  std::vector<std::string> harness_args;
};

void PrintTo(const VariantCase& c, std::ostream* os) {
  *os << c.variant << (c.login_form ? " (login form)" : "");
}

std::vector<VariantCase> variant_cases() {
  std::vector<VariantCase> out;
  const json table = load_json(VARIANTS_JSON); // named: a temporary would die before the loop
  for (const auto& [name, entry] : table.at("variants").items())
    out.push_back({name, entry.value("mode", "") == "login-form",
                   entry.value("harness_args", std::vector<std::string>{})});
  return out;
}

std::string variant_case_name(const testing::TestParamInfo<VariantCase>& info) {
  FaultCase as_fault{info.param.variant, {}, false, true, {}};
  return case_name(testing::TestParamInfo<FaultCase>(as_fault, info.index));
}

class SelfCheckVariant : public testing::TestWithParam<VariantCase> {};

TEST_P(SelfCheckVariant, AllowedBehaviourRaisesNothing) {
  const VariantCase& c = GetParam();
  std::vector<std::string> server_args{"--variant", c.variant};
  std::vector<std::string> harness_args{"--strict"};
  if (c.login_form) with_login_form(server_args, harness_args);
  harness_args.insert(harness_args.end(), c.harness_args.begin(), c.harness_args.end());
  SuiteRun run = run_suite(server_args, harness_args, true);
  ASSERT_FALSE(run.process.timed_out);
  ASSERT_FALSE(run.record.is_null()) << "no JSON report; stderr: " << run.process.err;
  const json& summary = run.record.at("summary");
  EXPECT_EQ(summary.at("fail"), 0) << explain(run.record);
  EXPECT_EQ(summary.at("warn"), 0) << explain(run.record);
  EXPECT_EQ(summary.at("error"), 0) << explain(run.record);
  EXPECT_EQ(run.process.exit_code, 0) << run.process.out;
}

INSTANTIATE_TEST_SUITE_P(ReferenceServer, SelfCheckVariant, testing::ValuesIn(variant_cases()),
                         variant_case_name);
// That fixtures/faults.json and the server's fault list name the same faults is a unit test
// (tests/unit/fault_map_test.cpp), so a missing mapping fails before any run.

} // namespace
