// `conformance` against servers that are broken or malicious in one way each (hostile_server.h):
// the run never crashes or runs away (an exit code of 0, 1 or 2, a bounded time and peak memory),
// every report is written and valid, and nothing the server handed out as a secret, nor the
// client credentials the harness sent, appears in any output.
#include "drivers/subprocess.h"
#include "hostile_server.h"
#include "report_tools.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/resource.h>

namespace {

using conformance::ProcessResult;
using conformance::run_process;
using conformance::testing_tools::HostileServer;
using conformance::testing_tools::Hostility;
using namespace std::chrono_literals;
using nlohmann::json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Peak resident memory of the largest child this test process has waited for, in MiB. Each
// test runs in a process of its own under ctest, so that child is the harness run.
long peak_child_mib() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss / 1024;
}

struct HostileRun {
  ProcessResult result;
  std::chrono::steady_clock::duration took{};
  json record;                                     // the JSON report
  std::vector<std::pair<std::string, std::string>> outputs; // every output, by name
};

// Bounds that hold with a wide margin on a shared two-core machine: a clean run of this server
// takes a few seconds and under 40 MiB. The sanitizer build (an unoptimised build whose every
// allocation carries shadow memory and a quarantine) is given three times as much of both.
#ifdef CONFORMANCE_SANITIZED
constexpr int kSanitizerFactor = 3;
#else
constexpr int kSanitizerFactor = 1;
#endif
constexpr auto kTimeBound = 90s * kSanitizerFactor;
constexpr long kMemoryBoundMib = 400 * kSanitizerFactor;

HostileRun run_against(HostileServer& server, const std::string& name,
                       std::vector<std::string> extra_args = {}) {
  std::filesystem::path dir =
      testing::TempDir() + "hostile-" + name + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  HostileRun run;
  auto started = std::chrono::steady_clock::now();
  std::vector<std::string> argv = {CONFORMANCE_BIN, "--base-url", server.url(), "--timeout", "5",
                                   "--json", (dir / "report.json").string(), "--junit",
                                   (dir / "report.xml").string(), "--html",
                                   (dir / "report.html").string()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  run.result = run_process(argv, kTimeBound + 30s);
  run.took = std::chrono::steady_clock::now() - started;
  run.outputs = {{"stdout", run.result.out}, {"stderr", run.result.err}};
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    run.outputs.emplace_back(entry.path().filename().string(), read_file(entry.path()));
  if (std::filesystem::exists(dir / "report.json"))
    run.record = json::parse(read_file(dir / "report.json"), nullptr, false);
  if (std::filesystem::exists(dir / "report.xml")) {
    ProcessResult lint = conformance::testing_tools::validate_junit(dir / "report.xml");
    EXPECT_EQ(lint.exit_code, 0) << lint.err;
  }
  std::filesystem::remove_all(dir);
  return run;
}

// What every hostile run must show, whatever the server did.
void expect_contained(HostileServer& server, const HostileRun& run, bool reports_expected = true) {
  EXPECT_FALSE(run.result.timed_out);
  EXPECT_TRUE(run.result.exit_code == 0 || run.result.exit_code == 1 || run.result.exit_code == 2)
      << "exit " << run.result.exit_code << "\n" << run.result.err;
  EXPECT_LT(run.took, kTimeBound);
  EXPECT_LT(peak_child_mib(), kMemoryBoundMib);
  std::cout << "the run took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(run.took).count()
            << " ms, peak memory " << peak_child_mib() << " MiB, exit " << run.result.exit_code
            << "\n";
  if (run.record.is_object() && run.record.contains("checks")) {
    // Where the time went, for whoever has to make a slow mode fast.
    std::vector<std::pair<double, std::string>> slowest;
    for (const auto& check : run.record["checks"])
      slowest.emplace_back(check.value("duration_ms", 0.0),
                           check.value("suite", "") + "." + check.value("name", ""));
    std::sort(slowest.rbegin(), slowest.rend());
    for (size_t i = 0; i < std::min<size_t>(3, slowest.size()); ++i)
      std::cout << "  " << slowest[i].second << ": " << slowest[i].first << " ms\n";
  }
  if (reports_expected) {
    EXPECT_FALSE(run.record.is_discarded()) << "the JSON report does not parse";
    EXPECT_EQ(run.outputs.size(), 5u) << "a report is missing: " << run.result.err;
  }
  std::vector<std::string> credentials = server.authorizations();
  for (const auto& [name, text] : run.outputs) {
    size_t planted = text.find("PLANTED-");
    EXPECT_EQ(planted, std::string::npos)
        << "a planted secret in " << name << ": "
        << text.substr(planted == std::string::npos ? 0 : (planted > 80 ? planted - 80 : 0), 200);
    for (const std::string& credential : credentials)
      EXPECT_EQ(text.find(credential), std::string::npos)
          << "the client credential " << credential << " sent to the server is in " << name;
    EXPECT_EQ(text.find("INTERNAL-SERVICE-PAGE"), std::string::npos) << name;
    EXPECT_EQ(text.find("FOREIGN-BODY-MARKER"), std::string::npos) << name;
  }
}

std::string all_messages(const json& record) {
  std::string out;
  if (!record.is_object() || !record.contains("checks")) return out;
  for (const auto& check : record["checks"])
    out += check.value("message", "") + "\n";
  return out;
}

// The control: the server's ordinary behaviour gets an ordinary run (it fails checks, being
// minimal, but echoes the Basic credential the harness sent, which must stay hidden).
TEST(HostileServer, ControlRunIsContained) {
  HostileServer server(Hostility::None);
  HostileRun run = run_against(server, "none");
  expect_contained(server, run);
  EXPECT_FALSE(server.authorizations().empty()) << "no Basic credential was sent: nothing tested";
  EXPECT_GT(run.record["summary"]["pass"].get<int>(), 10) << run.result.out;
}

TEST(HostileServer, DeeplyNestedMetadataIsRefusedWithAReason) {
  HostileServer server(Hostility::DeepJsonMetadata);
  HostileRun run = run_against(server, "deep-metadata");
  expect_contained(server, run, /*reports_expected=*/false);
  EXPECT_EQ(run.result.exit_code, 2) << run.result.out << run.result.err;
  EXPECT_NE(run.result.err.find("nested deeper than 128 levels"), std::string::npos)
      << run.result.err;
}

TEST(HostileServer, DeeplyNestedTokenResponseIsContained) {
  HostileServer server(Hostility::DeepJsonToken);
  HostileRun run = run_against(server, "deep-token");
  expect_contained(server, run);
  EXPECT_NE(all_messages(run.record).find("nested deeper than 128 levels"), std::string::npos);
}

// The form driver reads every page it meets (title, forms, links), so it meets these whole.
TEST(HostileServer, DeeplyNestedPageIsContained) {
  HostileServer server(Hostility::DeepHtml);
  expect_contained(server, run_against(server, "deep-html", {"--driver", "form", "--form-field", "username=alice"}));
}

TEST(HostileServer, PageOfUnclosedTagsIsContained) {
  HostileServer server(Hostility::UnclosedTags);
  expect_contained(server, run_against(server, "unclosed-tags", {"--driver", "form", "--form-field", "username=alice"}));
}

TEST(HostileServer, ThousandsOfCookiesAreContained) {
  HostileServer server(Hostility::ManyCookies);
  HostileRun run = run_against(server, "cookies");
  expect_contained(server, run);
  EXPECT_GT(run.record["summary"]["pass"].get<int>(), 10) << run.result.out;
}

TEST(HostileServer, HugeResponseHeadersAreCutOff) {
  for (Hostility mode : {Hostility::HugeHeaders, Hostility::LongHeaderLine}) {
    HostileServer server(mode);
    HostileRun run = run_against(server, "headers");
    expect_contained(server, run);
    std::string messages = all_messages(run.record);
    EXPECT_TRUE(messages.find("response headers exceed the 65536-byte cap") != std::string::npos ||
                messages.find("header line is longer than libcurl accepts") != std::string::npos)
        << messages.substr(0, 2000);
  }
}

TEST(HostileServer, SecretsInPlainTextBodiesStayHidden) {
  HostileServer server(Hostility::PlainTextSecrets);
  expect_contained(server, run_against(server, "plain-text"));
}

TEST(HostileServer, CodeInAFragmentFirstRedirectStaysHidden) {
  HostileServer server(Hostility::FragmentFirst);
  expect_contained(server, run_against(server, "fragment-first"));
}

TEST(HostileServer, RedirectToAnInternalAddressIsNotFollowed) {
  HostileServer server(Hostility::InternalRedirect);
  HostileRun run = run_against(server, "internal");
  expect_contained(server, run);
  EXPECT_EQ(server.internal_hits(), 0);
  EXPECT_NE(all_messages(run.record).find("redirected to an address the harness does not follow: "
                                          "http://0.0.0.0:"),
            std::string::npos)
      << all_messages(run.record).substr(0, 2000);
}

TEST(HostileServer, AnotherOriginsPageIsNotCopiedIntoReports) {
  HostileServer server(Hostility::ForeignBody);
  HostileRun run = run_against(server, "foreign");
  expect_contained(server, run);
  EXPECT_NE(run.outputs[2].second.find("not kept: only the servers under test"), std::string::npos)
      << "the foreign answer left no trace at all";
}

} // namespace
