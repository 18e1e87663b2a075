// The `conformance` binary's contract: the catalogue it cites, its listing, and
// exit code 2 with a one-line reason when it cannot run.
#include "process.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(CliContract, EveryCitedRequirementIsInTheCatalogue) {
  std::ifstream in(REQUIREMENTS_JSON);
  json catalogue = json::parse(in);
  std::set<std::string> ids;
  for (const auto& r : catalogue.at("requirements"))
    ids.insert(r.at("id").get<std::string>());
  ASSERT_EQ(ids.size(), 150u);

  ProcessResult listed = run_process({CONFORMANCE_BIN, "--list", "--json"}, 30s);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json list = json::parse(listed.out);
  ASSERT_FALSE(list.at("checks").empty());
  std::set<std::string> names;
  for (const auto& check : list.at("checks")) {
    std::string name =
        check.at("suite").get<std::string>() + "." + check.at("name").get<std::string>();
    EXPECT_TRUE(names.insert(name).second) << "duplicate check " << name;
    EXPECT_EQ(name.find('_'), std::string::npos)
        << "GoogleTest names must not contain '_': " << name;
    EXPECT_FALSE(check.at("requirements").empty()) << name << " cites no requirement";
    for (const auto& id : check.at("requirements"))
      EXPECT_TRUE(ids.count(id.get<std::string>())) << name << " cites unknown requirement " << id;
  }
  // An excluded row is one no check judges; each says why.
  std::ifstream excluded_in(EXCLUDED_JSON);
  json excluded = json::parse(excluded_in);
  std::set<std::string> covered =
      list.at("requirements").at("covered").get<std::set<std::string>>();
  for (const auto& row : excluded.at("excluded")) {
    std::string id = row.at("id").get<std::string>();
    EXPECT_TRUE(ids.count(id)) << "excluded.json names unknown requirement " << id;
    EXPECT_FALSE(covered.count(id)) << id << " is excluded but a check cites it";
    EXPECT_FALSE(row.at("reason").get<std::string>().empty()) << id;
  }
}

TEST(CliContract, UnreachableServerExitsTwoWithOneLine) {
  auto started = std::chrono::steady_clock::now();
  ProcessResult r =
      run_process({CONFORMANCE_BIN, "--base-url", "http://127.0.0.1:1", "--timeout", "3"}, 30s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line, got: " << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

TEST(CliContract, UnreachableMcpServerExitsTwoWithOneLine) {
  ProcessResult r =
      run_process({CONFORMANCE_BIN, "--mcp-url", "http://127.0.0.1:1/mcp", "--timeout", "3"}, 30s);
  EXPECT_EQ(r.exit_code, 2);
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line, got: " << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1/mcp"), std::string::npos) << r.err;
}

TEST(CliContract, BadArgumentsExitTwo) {
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--tool-scope", "no-equals-sign"}, 10s).exit_code, 2);
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--scope-implies", "=narrow"}, 10s).exit_code, 2);
  EXPECT_EQ(
      run_process({CONFORMANCE_BIN, "--introspection-client-secret", "s3cret"}, 10s).exit_code, 2);
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--profile", "nonsense"}, 10s).exit_code, 2);
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--no-such-flag"}, 10s).exit_code, 2);
  EXPECT_EQ(run_process({CONFORMANCE_BIN, "--timeout", "-1"}, 10s).exit_code, 2);
}

TEST(CliContract, GtestFilterSelectsChecks) {
  // No --base-url: the bundled reference server is started in-process.
  std::string report = testing::TempDir() + "cli-filter.json";
  ProcessResult r = run_process({CONFORMANCE_BIN, "--gtest_filter=Pkce.*", "--json", report}, 120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::ifstream in(report);
  json record = json::parse(in);
  ASSERT_FALSE(record.at("checks").empty());
  for (const auto& c : record.at("checks"))
    EXPECT_EQ(c.at("suite"), "Pkce");
  for (const char* key : {"tool", "target", "profile", "summary", "checks"})
    EXPECT_TRUE(record.contains(key)) << key;
  EXPECT_EQ(record.at("tool").at("name"), "conformance");
  // The bundled server is tested from its MCP endpoint.
  EXPECT_TRUE(record.at("target").at("mcp_url").is_string());
  EXPECT_TRUE(record.at("target").at("resource_metadata_url").is_string());
}

} // namespace
