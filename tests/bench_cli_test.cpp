// `conformance bench` from the outside: each mode against the reference server writes the JSON
// figures it promises, the form driver gets through a login page under load, failures are
// counted by kind (and fail the run), and SIGINT still prints and writes what was measured.
#include "drivers/subprocess.h"
#include "fixture_server.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

namespace {

using conformance::BackgroundProcess;
using conformance::ProcessResult;
using conformance::run_process;
using nlohmann::json;
using namespace std::chrono_literals;

std::string temp_json(const std::string& name) {
  return testing::TempDir() + "bench-" + std::to_string(::getpid()) + "-" + name + ".json";
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, false);
}

class BenchCli : public testing::Test {
protected:
  void SetUp() override {
    server_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{REFERENCE_SERVER_BIN, "--port", "0"});
    url_ = server_->first_line(10s);
    ASSERT_FALSE(url_.empty());
  }
  std::unique_ptr<BackgroundProcess> server_;
  std::string url_;
};

void expect_figures(const json& doc, const std::vector<std::string>& steps) {
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_GT(doc.at("requests_per_second").get<double>(), 0);
  EXPECT_GT(doc.at("flows_per_second").get<double>(), 0);
  EXPECT_TRUE(doc.at("errors").is_object());
  EXPECT_TRUE(doc.at("errors").empty()) << doc.at("errors").dump();
  for (const auto& step : steps) {
    const json& s = doc.at("latency_ms").at(step);
    EXPECT_GT(s.at("count").get<long>(), 0) << step;
    EXPECT_LE(s.at("p50").get<double>(), s.at("p90").get<double>()) << step;
    EXPECT_LE(s.at("p90").get<double>(), s.at("p99").get<double>()) << step;
    EXPECT_LE(s.at("p99").get<double>(), s.at("max").get<double>()) << step;
  }
  EXPECT_EQ(doc.at("latency_ms").size(), steps.size()) << doc.at("latency_ms").dump();
}

TEST_F(BenchCli, FlowModeRunsCompleteFlows) {
  std::string out = temp_json("flow");
  ProcessResult r = run_process({CONFORMANCE_BIN, "bench", "--base-url", url_, "--mode", "flow",
                                 "--concurrency", "4", "--flows", "300", "--json", out},
                                120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json doc = read_json(out);
  expect_figures(doc, {"authorization", "flow", "token"});
  EXPECT_EQ(doc.at("mode"), "flow");
  EXPECT_EQ(doc.at("flows"), 300);
  EXPECT_EQ(doc.at("failed_flows"), 0);
  EXPECT_EQ(doc.at("requests"), 600); // one authorization request and one exchange per flow
  EXPECT_EQ(doc.at("latency_ms").at("token").at("count"), 300);
  EXPECT_NE(r.out.find("flows/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Errors: none"), std::string::npos) << r.out;
  std::filesystem::remove(out);
}

TEST_F(BenchCli, TokenModeTimesOnlyTheExchanges) {
  std::string out = temp_json("token");
  ProcessResult r = run_process({CONFORMANCE_BIN, "bench", "--base-url", url_, "--mode", "token",
                                 "--concurrency", "4", "--flows", "250", "--json", out},
                                120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json doc = read_json(out);
  expect_figures(doc, {"token"});
  EXPECT_EQ(doc.at("flows"), 250);
  EXPECT_EQ(doc.at("requests"), 250); // the collection requests are not timed or counted
  EXPECT_TRUE(doc.at("collection_errors").empty());
  std::filesystem::remove(out);
}

TEST_F(BenchCli, MetadataModeRunsForTheDuration) {
  std::string out = temp_json("metadata");
  ProcessResult r = run_process({CONFORMANCE_BIN, "bench", "--base-url", url_, "--mode", "metadata",
                                 "--concurrency", "4", "--duration", "1.5s", "--json", out},
                                120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json doc = read_json(out);
  expect_figures(doc, {"metadata"});
  EXPECT_NEAR(doc.at("elapsed_s").get<double>(), 1.5, 0.05);
  EXPECT_EQ(doc.at("duration_s"), 1.5);
  // Progress lines while it ran.
  EXPECT_NE(r.err.find("requests ("), std::string::npos) << r.err;
  std::filesystem::remove(out);
}

// A config naming only the MCP server: the authorization server is found from its protected
// resource metadata, and every flow asks for a token for that resource.
TEST_F(BenchCli, ConfigWithOnlyAnMcpUrlFindsTheAuthorizationServer) {
  std::string config = temp_json("config");
  std::ofstream(config) << json{{"mcp_url", url_ + "/mcp"}}.dump();
  std::string out = temp_json("mcp");
  ProcessResult r = run_process({CONFORMANCE_BIN, "bench", "--config", config, "--flows", "50",
                                 "--concurrency", "2", "--json", out},
                                120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json doc = read_json(out);
  expect_figures(doc, {"authorization", "flow", "token"});
  EXPECT_EQ(doc.at("base_url"), url_);
  EXPECT_EQ(doc.at("flows"), 50);
  std::filesystem::remove(config);
  std::filesystem::remove(out);
}

TEST(BenchCliForm, FormDriverSignsInUnderLoad) {
  BackgroundProcess server({REFERENCE_SERVER_BIN, "--port", "0", "--login-form"});
  std::string url = server.first_line(10s);
  ASSERT_FALSE(url.empty());
  std::string out = temp_json("form");
  ProcessResult r =
      run_process({CONFORMANCE_BIN, "bench", "--base-url", url, "--driver", "form", "--form-field",
                   "username=alice", "--form-field", "password=wonderland", "--concurrency", "4",
                   "--flows", "100", "--json", out},
                  120s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json doc = read_json(out);
  expect_figures(doc, {"authorization", "flow", "token"});
  EXPECT_EQ(doc.at("flows"), 100);
  // Login page, sign-in, consent, approval: several authorization requests per flow.
  EXPECT_GT(doc.at("latency_ms").at("authorization").at("count").get<long>(), 200);
  // The password typed into the form is a secret: it appears in no output.
  EXPECT_EQ(r.out.find("wonderland"), std::string::npos);
  EXPECT_EQ(r.err.find("wonderland"), std::string::npos);
  std::filesystem::remove(out);
}

// A server whose token endpoint refuses every third code: the failures are counted by kind,
// the successes still are, and the exit status says some flows failed.
// An authorization server whose token endpoint answers every third exchange with 400 and
// `refusal(request)` as the body, and issues tokens otherwise.
void serve_refusing_every_third(FixtureServer& fx, std::atomic<int>& exchanges,
                                std::function<std::string(const httplib::Request&)> refusal) {
  fx.routes().set_keep_alive_max_count(100000);
  fx.routes().set_tcp_nodelay(true);
  fx.routes().Get("/.well-known/oauth-authorization-server",
                  [&fx](const httplib::Request&, httplib::Response& res) {
                    json doc = {{"issuer", fx.url()},
                                {"authorization_endpoint", fx.url("/authorize")},
                                {"token_endpoint", fx.url("/token")},
                                {"registration_endpoint", fx.url("/register")}};
                    res.set_content(doc.dump(), "application/json");
                  });
  fx.routes().Post("/register", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(R"({"client_id":"bench-client","token_endpoint_auth_method":"none"})",
                    "application/json");
  });
  fx.routes().Get("/authorize", [](const httplib::Request& req, httplib::Response& res) {
    res.set_redirect(req.get_param_value("redirect_uri") + "?code=c-" +
                         req.get_param_value("state") + "&state=" + req.get_param_value("state"),
                     302);
  });
  fx.routes().Post(
      "/token", [&exchanges, refusal](const httplib::Request& req, httplib::Response& res) {
        if (++exchanges % 3 == 0) {
          res.status = 400;
          res.set_content(refusal(req), "application/json");
          return;
        }
        res.set_content(R"({"access_token":"at","token_type":"Bearer","expires_in":60})",
                        "application/json");
      });
  fx.start();
}

TEST(BenchCliErrors, FailuresAreCountedByKind) {
  FixtureServer fx;
  std::atomic<int> exchanges{0};
  serve_refusing_every_third(
      fx, exchanges, [](const httplib::Request&) { return R"({"error":"invalid_grant"})"; });
  std::string out = temp_json("errors");
  ProcessResult r = run_process({CONFORMANCE_BIN, "bench", "--base-url", fx.url(), "--flows", "90",
                                 "--concurrency", "3", "--json", out},
                                120s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  json doc = read_json(out);
  ASSERT_FALSE(doc.is_discarded()) << r.err;
  EXPECT_EQ(doc.at("flows"), 60);
  EXPECT_EQ(doc.at("failed_flows"), 30);
  EXPECT_EQ(doc.at("errors"), (json{{"token: HTTP 400 invalid_grant", 30}}));
  EXPECT_NE(r.out.find("token: HTTP 400 invalid_grant"), std::string::npos) << r.out;
  std::filesystem::remove(out);
}

// A server that echoes the code into `error`: the kind names no code (it is a credential, and
// every flow's differs), so the failures still count as one kind.
TEST(BenchCliErrors, PerFlowTextInAnErrorCodeIsNotEchoed) {
  FixtureServer fx;
  std::atomic<int> exchanges{0};
  serve_refusing_every_third(fx, exchanges, [](const httplib::Request& req) {
    return json{{"error", "bad code " + req.get_param_value("code")}}.dump();
  });
  std::string out = temp_json("echo");
  ProcessResult r = run_process({CONFORMANCE_BIN, "bench", "--base-url", fx.url(), "--flows", "30",
                                 "--concurrency", "3", "--json", out},
                                120s);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  json doc = read_json(out);
  ASSERT_FALSE(doc.is_discarded()) << r.err;
  EXPECT_EQ(doc.at("errors"), (json{{"token: HTTP 400 (a non-standard error code)", 10}}));
  EXPECT_EQ(r.out.find("c-"), std::string::npos) << r.out;
  std::filesystem::remove(out);
}

// Metadata whose endpoints are not strings: a clear refusal, not a crash.
TEST(BenchCliErrors, BrokenMetadataExitsTwoWithAReason) {
  FixtureServer fx;
  fx.routes().Get("/.well-known/oauth-authorization-server",
                  [&](const httplib::Request&, httplib::Response& res) {
                    res.set_content(R"({"issuer":"x","authorization_endpoint":5,)"
                                    R"("token_endpoint":["no"],"registration_endpoint":{}})",
                                    "application/json");
                  });
  fx.start();
  ProcessResult r =
      run_process({CONFORMANCE_BIN, "bench", "--base-url", fx.url(), "--flows", "5"}, 60s);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("registration_endpoint"), std::string::npos) << r.err;
}

TEST(BenchCliArguments, BadArgumentsExitTwo) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--duration", "soon"},
                                        {"--driver", "command"},
                                        {"--mode", "everything"},
                                        {"--duration", "1", "--flows", "5"},
                                        {"--concurrency", "0"},
                                        {"--shard", "4/3"},
                                        {"--shard", "1"},
                                        {"--start-at", "tomorrow"},
                                        {"--start-at", "2999-01-01T00:00:00Z"},
                                        {"--rate", "0"},
                                        {"--server-pid", "999999999"},
                                        {"--base-url", "http://127.0.0.1:1", "--flows", "1"}}) {
    args.insert(args.begin(), {CONFORMANCE_BIN, "bench"});
    ProcessResult r = run_process(args, 30s);
    EXPECT_EQ(r.exit_code, 2) << args[2] << ": " << r.out << r.err;
  }
}

// Three generators started as separate processes, each taking its share with --shard and
// beginning together at --start-at, merged by `bench merge`: the counts are the shards' sums, and
// the throughput is in the band of one generator running the combined concurrency.
TEST_F(BenchCli, ShardsMergeIntoOneRun) {
  using namespace std::chrono;
  const std::string start_at = [] {
    auto t = system_clock::to_time_t(system_clock::now() + 4s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(text);
  }();
  std::vector<std::string> outputs;
  for (int i = 1; i <= 3; ++i)
    outputs.push_back(temp_json("shard" + std::to_string(i)));
  std::vector<ProcessResult> results(3);
  std::vector<std::thread> shards;
  for (int i = 1; i <= 3; ++i)
    shards.emplace_back([&, i] {
      results[i - 1] = run_process(
          {CONFORMANCE_BIN, "bench", "--base-url", url_, "--mode", "flow", "--concurrency", "6",
           "--threads", "1", "--shard", std::to_string(i) + "/3", "--start-at", start_at,
           "--duration", "2", "--json", outputs[i - 1]},
          60s);
    });
  for (auto& t : shards)
    t.join();
  long flows = 0, requests = 0;
  unsigned long flow_samples = 0;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(results[i].exit_code, 0) << results[i].out << results[i].err;
    json doc = read_json(outputs[i]);
    EXPECT_EQ(doc.at("concurrency"), 2) << "shard " << i + 1 << " takes a third of 6";
    EXPECT_EQ(doc.at("shard").at("index"), i + 1);
    EXPECT_EQ(doc.at("shard").at("count"), 3);
    flows += doc.at("flows").get<long>();
    requests += doc.at("requests").get<long>();
    flow_samples += doc.at("latency_histograms").at("flow").at("count").get<unsigned long>();
    EXPECT_NE(results[i].out.find("shard " + std::to_string(i + 1) + "/3"), std::string::npos);
  }
  std::string merged_path = temp_json("merged");
  std::vector<std::string> merge{CONFORMANCE_BIN, "bench", "merge"};
  merge.insert(merge.end(), outputs.begin(), outputs.end());
  merge.insert(merge.end(), {"--json", merged_path});
  ProcessResult m = run_process(merge, 30s);
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  EXPECT_NE(m.out.find("merged from 3 generators"), std::string::npos) << m.out;
  json merged = read_json(merged_path);
  EXPECT_EQ(merged.at("flows").get<long>(), flows);
  EXPECT_EQ(merged.at("requests").get<long>(), requests);
  EXPECT_EQ(merged.at("latency_histograms").at("flow").at("count").get<unsigned long>(),
            flow_samples);
  EXPECT_EQ(flow_samples, static_cast<unsigned long>(flows));
  EXPECT_EQ(merged.at("concurrency"), 6);
  EXPECT_EQ(merged.at("merged_from"), 3);
  // They began together: the merged span is close to each shard's 2 s.
  EXPECT_LT(merged.at("elapsed_s").get<double>(), 3.0);

  std::string single_path = temp_json("single");
  ProcessResult single = run_process({CONFORMANCE_BIN, "bench", "--base-url", url_, "--mode",
                                      "flow", "--concurrency", "6", "--threads", "3",
                                      "--duration", "2", "--json", single_path},
                                     60s);
  ASSERT_EQ(single.exit_code, 0) << single.out << single.err;
  double one = read_json(single_path).at("flows_per_second").get<double>();
  double three = merged.at("flows_per_second").get<double>();
  // A wide band: the machine is shared, and the shards pay for three processes.
  EXPECT_GT(three, one / 3) << "merged " << three << " flows/s, single " << one;
  EXPECT_LT(three, one * 3) << "merged " << three << " flows/s, single " << one;
  for (const auto& path : outputs)
    std::filesystem::remove(path);
  std::filesystem::remove(merged_path);
  std::filesystem::remove(single_path);
}

// --server-pid samples that process's CPU time; the bundled server is measured in-process.
TEST_F(BenchCli, ServerCpuIsReportedPerFlow) {
  std::string out = temp_json("cpu");
  ProcessResult r = run_process({CONFORMANCE_BIN, "bench", "--base-url", url_, "--mode", "flow",
                                 "--concurrency", "4", "--duration", "2", "--server-pid",
                                 std::to_string(server_->pid()), "--json", out},
                                60s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json doc = read_json(out);
  ASSERT_TRUE(doc.at("server_cpu").is_object()) << doc.dump();
  EXPECT_EQ(doc.at("server_cpu").at("source"), "pid " + std::to_string(server_->pid()));
  EXPECT_GT(doc.at("server_cpu").at("ms_per_flow").get<double>(), 0);
  EXPECT_GT(doc.at("generator_cpu").at("us_per_request").get<double>(), 0);
  EXPECT_NE(r.out.find("ms/flow"), std::string::npos) << r.out;

  ProcessResult bundled = run_process({CONFORMANCE_BIN, "bench", "--mode", "metadata",
                                       "--duration", "1", "--json", out},
                                      60s);
  ASSERT_EQ(bundled.exit_code, 0) << bundled.out << bundled.err;
  doc = read_json(out);
  ASSERT_TRUE(doc.at("server_cpu").is_object()) << doc.dump();
  EXPECT_GT(doc.at("server_cpu").at("us_per_request").get<double>(), 0);
  std::filesystem::remove(out);
}

// --rate: an open loop, said so in the output and the JSON.
TEST_F(BenchCli, RateRunsAnOpenLoop) {
  std::string out = temp_json("rate");
  ProcessResult r = run_process({CONFORMANCE_BIN, "bench", "--base-url", url_, "--mode",
                                 "metadata", "--rate", "300", "--duration", "1", "--json", out},
                                60s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json doc = read_json(out);
  EXPECT_EQ(doc.at("loop"), "open");
  EXPECT_EQ(doc.at("rate_per_s"), 300.0);
  // About 300 due in a second; the tolerance is the machine's, not the generator's.
  EXPECT_GT(doc.at("requests").get<long>(), 200);
  EXPECT_LT(doc.at("requests").get<long>(), 320);
  EXPECT_NE(r.out.find("open loop at 300"), std::string::npos) << r.out;
  std::filesystem::remove(out);
}

TEST_F(BenchCli, InterruptStillReportsWhatWasMeasured) {
  std::string out = temp_json("interrupted");
  BackgroundProcess bench({CONFORMANCE_BIN, "bench", "--base-url", url_, "--mode", "metadata",
                           "--duration", "60", "--concurrency", "2", "--json", out});
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(bench.signal_and_wait(SIGINT, 20s), 128 + SIGINT);
  json doc = read_json(out);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc.at("interrupted"), true);
  EXPECT_GT(doc.at("requests").get<long>(), 0);
  EXPECT_LT(doc.at("elapsed_s").get<double>(), 30);
  std::filesystem::remove(out);
}

} // namespace
