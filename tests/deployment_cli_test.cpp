// `conformance` against deployments as teams run them, from the outside: HTTPS with a private CA
// (an untrusted, expired or misnamed certificate ends the run with exit 2 and one line naming
// the reason; --cacert makes it work, --insecure runs and says so in every report), and rate
// limits (a wait beyond --max-wait ends the checks it hits in error naming the limit, never in
// a failure, and the summary counts the rate-limited responses). `conformance bench` honours
// --cacert too. Certificates come from tests/tls_fixture.h; the TLS tests skip without openssl.
#include "drivers/subprocess.h"
#include "report_tools.h"
#include "tls_fixture.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using conformance::BackgroundProcess;
using conformance::ProcessResult;
using conformance::run_process;
using conformance::testing_tools::make_test_pki;
using conformance::testing_tools::ScratchDir;
using conformance::testing_tools::TlsFixture;
using nlohmann::json;
using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string port_of(const std::string& url) {
  return url.substr(url.rfind(':') + 1);
}

// The reference server over HTTPS with the given certificate, at https://127.0.0.1:PORT.
class HttpsDeployment : public testing::Test {
protected:
  static void SetUpTestSuite() {
    if (!conformance::testing_tools::openssl_available()) return;
    dir_ = new ScratchDir("deployment-cli-test");
    pki_ = new TlsFixture(make_test_pki(dir_->path(), {"as.conformance.test"}));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!pki_) GTEST_SKIP() << "openssl cannot be run";
  }

  // Starts the server with `cert` (the CA-signed server certificate unless given); its URL.
  std::string start_server(const std::string& cert = "") {
    server_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{
        REFERENCE_SERVER_BIN, "--port", "0", "--tls-cert", cert.empty() ? pki_->server_cert : cert,
        "--tls-key", pki_->server_key});
    std::string url = server_->first_line(10s);
    EXPECT_EQ(url.rfind("https://127.0.0.1:", 0), 0u) << url;
    return url;
  }

  // A run that cannot start: exit 2 within the timeout, one line on stderr containing `reason`.
  // (The bench announces its plan on stderr first: there the reason is the last line.)
  static void expect_cannot_run(const std::vector<std::string>& argv, const std::string& reason) {
    ProcessResult r = run_process(argv, 60s);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    ASSERT_FALSE(r.err.empty());
    ASSERT_EQ(r.err.back(), '\n') << r.err;
    size_t last = r.err.rfind('\n', r.err.size() - 2);
    std::string line = last == std::string::npos ? r.err : r.err.substr(last + 1);
    if (argv.size() < 2 || argv[1] != "bench") {
      EXPECT_EQ(line, r.err) << "expected one line, got: " << r.err;
    }
    EXPECT_NE(line.find(reason), std::string::npos) << r.err;
  }

  static inline ScratchDir* dir_ = nullptr;
  static inline TlsFixture* pki_ = nullptr;
  std::unique_ptr<BackgroundProcess> server_;
};

TEST_F(HttpsDeployment, UntrustedCertificateEndsTheRunNamingTheReason) {
  std::string url = start_server();
  // The system store does not know the test CA, and neither does an unrelated one.
  expect_cannot_run({CONFORMANCE_BIN, "--base-url", url, "--timeout", "5"}, "unknown issuer");
  expect_cannot_run(
      {CONFORMANCE_BIN, "--base-url", url, "--timeout", "5", "--cacert", pki_->other_ca_cert},
      "unknown issuer");
  // The certificate names as.conformance.test and 127.0.0.1, not this host.
  expect_cannot_run({CONFORMANCE_BIN, "--base-url", "https://wrong.conformance.test:" + port_of(url),
                     "--resolve", "wrong.conformance.test:" + port_of(url) + ":127.0.0.1",
                     "--timeout", "5", "--cacert", pki_->ca_cert},
                    "name mismatch");
  // A --cacert that is not there is the operator's mistake, said before anything is sent.
  expect_cannot_run({CONFORMANCE_BIN, "--base-url", url, "--cacert", dir_->file("missing.pem")},
                    "missing.pem");
}

TEST_F(HttpsDeployment, ExpiredCertificateEndsTheRunNamingTheReason) {
  std::string url = start_server(pki_->expired_server_cert);
  expect_cannot_run({CONFORMANCE_BIN, "--base-url", url, "--timeout", "5", "--cacert", pki_->ca_cert},
                    "expired");
}

TEST_F(HttpsDeployment, PrivateCaGivenByCacertIsTrusted) {
  std::string url = start_server();
  std::string stem = dir_->file("cacert");
  ProcessResult r = run_process({CONFORMANCE_BIN, "--base-url", url, "--cacert", pki_->ca_cert,
                                 "--json", stem + ".json", "--gtest_filter=Metadata.*"},
                                120s);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  json record = json::parse(read_file(stem + ".json"));
  EXPECT_EQ(record.at("tls_verified"), true);
  EXPECT_EQ(record.at("summary").at("error"), 0) << r.out;
  EXPECT_GT(record.at("summary").at("pass"), 0) << r.out;
  EXPECT_EQ(r.out.find("NOT verified"), std::string::npos) << r.out;
}

// --insecure is allowed when asked for, and every report says the certificates went unchecked;
// SEC-05 then judges nothing about TLS.
TEST_F(HttpsDeployment, InsecureRunsAndSaysSoInEveryReport) {
  std::string url = start_server();
  std::string stem = dir_->file("insecure");
  // as.conformance.test is not a loopback name, so SEC-05 judges the deployment's TLS.
  std::string host = "as.conformance.test:" + port_of(url);
  ProcessResult r = run_process(
      {CONFORMANCE_BIN, "--base-url", "https://" + host, "--resolve", host + ":127.0.0.1",
       "--insecure", "--json", stem + ".json", "--junit", stem + ".xml", "--html", stem + ".html",
       "--gtest_filter=Metadata.*:Security.TransportIsTls"},
      120s);
  EXPECT_NE(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("TLS certificates are NOT verified (--insecure)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("TLS certificates were NOT verified (--insecure)"), std::string::npos)
      << r.out;

  json record = json::parse(read_file(stem + ".json"));
  EXPECT_EQ(record.at("tls_verified"), false);
  bool judged = false;
  for (const auto& c : record.at("checks")) {
    if (c.at("name") != "TransportIsTls") continue;
    judged = true;
    EXPECT_EQ(c.at("outcome"), "info") << c.dump();
    EXPECT_NE(c.dump().find("--insecure"), std::string::npos) << c.dump();
  }
  EXPECT_TRUE(judged) << record.at("checks").dump();

  std::string junit = read_file(stem + ".xml");
  EXPECT_NE(junit.find("name=\"tls_verified\" value=\"false\""), std::string::npos);
  ProcessResult lint = conformance::testing_tools::validate_junit(stem + ".xml");
  EXPECT_EQ(lint.exit_code, 0) << lint.err;
  EXPECT_NE(read_file(stem + ".html").find("certificates NOT verified (--insecure)"),
            std::string::npos);
}

TEST_F(HttpsDeployment, BenchTrustsTheCacertAndRefusesWithoutIt) {
  std::string url = start_server();
  std::string out = dir_->file("bench.json");
  ProcessResult ok = run_process({CONFORMANCE_BIN, "bench", "--base-url", url, "--cacert",
                                  pki_->ca_cert, "--mode", "flow", "--flows", "20", "--json", out},
                                 120s);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  json doc = json::parse(read_file(out));
  EXPECT_EQ(doc.at("flows"), 20);
  EXPECT_EQ(doc.at("failed_flows"), 0) << doc.dump();
  expect_cannot_run({CONFORMANCE_BIN, "bench", "--base-url", url, "--timeout", "5", "--mode",
                     "flow", "--flows", "20"},
                    "unknown issuer");
}

// A server that rate-limits its authorization endpoint (the authorize-rate-limited variant, here
// with every second request answered 429). With Retry-After: 3600 (beyond the default
// --max-wait 30), the checks that meet the limit end in error naming it, quickly; none fails, and the reports count
// the rate-limited responses. With --max-wait 0 even Retry-After: 1 is too long. (With
// Retry-After: 1 and the default --max-wait, the variant self-check shows a clean run.)
TEST(RateLimitedDeployment, WaitBeyondMaxWaitEndsChecksInErrorNamingTheLimit) {
  struct Case {
    std::string retry_after;
    std::vector<std::string> harness_args;
    std::string beyond;
  };
  for (const Case& c : {Case{"3600", {}, "--max-wait 30"}, Case{"1", {"--max-wait", "0"}, "--max-wait 0"}}) {
    BackgroundProcess server({REFERENCE_SERVER_BIN, "--port", "0", "--variant",
                              "authorize-rate-limited", "--rate-limit-every", "2",
                              "--rate-limit-retry-after", c.retry_after,
                              "--code-lifetime", "2"});
    std::string url = server.first_line(10s);
    ASSERT_FALSE(url.empty());
    std::string stem = testing::TempDir() + "rate-limited-" + std::to_string(::getpid());
    std::vector<std::string> argv{CONFORMANCE_BIN, "--base-url", url, "--json", stem + ".json",
                                  "--junit", stem + ".xml", "--code-lifetime", "2",
                                  "--gtest_filter=AuthorizationCode.*"};
    argv.insert(argv.end(), c.harness_args.begin(), c.harness_args.end());
    auto started = std::chrono::steady_clock::now();
    ProcessResult r = run_process(argv, 120s);
    // Nothing is waited for: the time is the checks' own (CODE-04 waits out a 2 s lifetime).
    EXPECT_LT(std::chrono::steady_clock::now() - started, 60s);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    json record = json::parse(read_file(stem + ".json"));
    EXPECT_EQ(record.at("summary").at("fail"), 0) << r.out;
    int named = 0;
    for (const auto& check : record.at("checks")) {
      if (check.at("outcome") != "error") continue;
      std::string message = check.at("message").get<std::string>();
      if (message.find("rate-limited the harness") != std::string::npos &&
          message.find("Retry-After: " + c.retry_after) != std::string::npos &&
          message.find(c.beyond) != std::string::npos)
        ++named;
    }
    EXPECT_GE(named, 1) << record.at("checks").dump();
    EXPECT_GE(record.at("rate_limited_responses").get<long>(), named);
    EXPECT_NE(r.out.find("responses rate-limited the harness"), std::string::npos) << r.out;
    EXPECT_NE(read_file(stem + ".xml").find("name=\"rate_limited_responses\""),
              std::string::npos);
    for (const char* ext : {".json", ".xml"})
      std::filesystem::remove(stem + ext);
  }
}

// The same limit on every second authorization request with Retry-After: 1, within the default
// --max-wait: the harness waits each one out and retries, so the run is complete and correct,
// and the reports still count what was waited for.
TEST(RateLimitedDeployment, ShortRetryAfterIsWaitedOutForACompleteRun) {
  BackgroundProcess server({REFERENCE_SERVER_BIN, "--port", "0", "--variant",
                            "authorize-rate-limited", "--rate-limit-every", "2",
                            "--rate-limit-retry-after", "1", "--code-lifetime", "2"});
  std::string url = server.first_line(10s);
  ASSERT_FALSE(url.empty());
  std::string stem = testing::TempDir() + "rate-waited-" + std::to_string(::getpid());
  ProcessResult r = run_process({CONFORMANCE_BIN, "--base-url", url, "--json", stem + ".json",
                                 "--code-lifetime", "2", "--gtest_filter=AuthorizationCode.*"},
                                120s);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  json record = json::parse(read_file(stem + ".json"));
  const json& summary = record.at("summary");
  EXPECT_EQ(summary.at("pass").get<int>(), 7) << r.out;
  for (const char* outcome : {"fail", "warn", "error", "skip"})
    EXPECT_EQ(summary.at(outcome), 0) << outcome << "\n" << r.out;
  EXPECT_GE(record.at("rate_limited_responses").get<long>(), 3) << r.out;
  std::filesystem::remove(stem + ".json");
}

} // namespace
