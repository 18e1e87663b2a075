// `conformance bench merge`: reports read back from their JSON add up exactly, and reports that
// cannot be added (another mode or server, runs that did not overlap) are refused.
#include "load/bench_merge.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <random>

namespace {

using namespace conformance;
using namespace std::chrono_literals;

BenchReport shard_report(int index, std::vector<double>& all, std::mt19937_64& random) {
  BenchReport r;
  r.mode = BenchMode::Flow;
  r.base_url = "http://127.0.0.1:8080";
  r.concurrency = 4;
  r.threads = 2;
  r.shard = {index, 3};
  r.started_at = std::chrono::system_clock::time_point(1'800'000'000s) + index * 10ms;
  r.finished_at = r.started_at + 10s;
  r.load.elapsed_s = 10;
  std::lognormal_distribution<double> ms(0.5, 0.9);
  long flows = 1000 * index;
  for (long i = 0; i < flows; ++i) {
    double v = ms(random);
    all.push_back(v);
    r.load.latency["flow"].record_ms(v);
    r.load.latency["token"].record_ms(v / 3);
  }
  r.load.flows = flows;
  r.load.requests = 3 * flows;
  r.load.failed_flows = index;
  r.load.errors["token: HTTP 400 invalid_grant"] = index;
  r.load.generator_cpu_s = 1.5;
  return r;
}

TEST(BenchMerge, ThreeShardsAddUpExactly) {
  std::mt19937_64 random(11);
  std::vector<double> all;
  std::vector<BenchReport> shards;
  for (int i = 1; i <= 3; ++i) {
    BenchReport written = shard_report(i, all, random);
    // Through the JSON, as the command line reads them.
    shards.push_back(bench_report_from_json(to_json(written)));
    EXPECT_TRUE(shards.back().load.latency.at("flow") == written.load.latency.at("flow"));
  }
  BenchReport merged = merge_bench_reports(shards);
  EXPECT_EQ(merged.merged_from, 3);
  EXPECT_EQ(merged.load.flows, 6000);
  EXPECT_EQ(merged.load.requests, 18000);
  EXPECT_EQ(merged.load.failed_flows, 6);
  EXPECT_EQ(merged.load.errors.at("token: HTTP 400 invalid_grant"), 6);
  EXPECT_EQ(merged.concurrency, 12);
  EXPECT_EQ(merged.threads, 6);
  EXPECT_DOUBLE_EQ(merged.load.generator_cpu_s, 4.5);
  EXPECT_EQ(merged.load.latency.at("flow").count(), 6000u);
  // Over the span they ran in: from the first start to the last end.
  EXPECT_NEAR(merged.load.elapsed_s, 10.02, 1e-9);
  std::sort(all.begin(), all.end());
  for (double p : {0.5, 0.9, 0.99, 0.999}) {
    double exact = all[static_cast<size_t>(std::ceil(p * double(all.size()))) - 1];
    EXPECT_NEAR(merged.load.latency.at("flow").percentile_ms(p), exact,
                exact * LatencyHistogram::kRelativeError + 1e-6)
        << p;
  }
  // And the merged report reads back as itself.
  BenchReport again = bench_report_from_json(to_json(merged));
  EXPECT_EQ(again.merged_from, 3);
  EXPECT_TRUE(again.load.latency.at("flow") == merged.load.latency.at("flow"));
}

TEST(BenchMerge, RefusesReportsThatDidNotRunTogether) {
  std::mt19937_64 random(1);
  std::vector<double> all;
  BenchReport a = shard_report(1, all, random), b = shard_report(2, all, random);
  b.started_at = a.finished_at + 1s;
  b.finished_at = b.started_at + 10s;
  EXPECT_THROW(merge_bench_reports({a, b}), BenchError);
  b = shard_report(2, all, random);
  b.mode = BenchMode::Token;
  EXPECT_THROW(merge_bench_reports({a, b}), BenchError);
  b = shard_report(2, all, random);
  b.base_url = "http://127.0.0.1:9090";
  EXPECT_THROW(merge_bench_reports({a, b}), BenchError);
  b = shard_report(2, all, random);
  b.rate = 100;
  EXPECT_THROW(merge_bench_reports({a, b}), BenchError);
}

TEST(BenchMerge, NamesWhatAReportLacks) {
  std::mt19937_64 random(1);
  std::vector<double> all;
  nlohmann::json doc = to_json(shard_report(1, all, random));
  for (const char* member : {"mode", "started_at", "latency_histograms", "flows"}) {
    nlohmann::json broken = doc;
    broken.erase(member);
    try {
      bench_report_from_json(broken);
      ADD_FAILURE() << "accepted a report without " << member;
    } catch (const BenchError& e) {
      EXPECT_NE(std::string(e.what()).find(member), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(bench_report_from_json(nlohmann::json::array()), BenchError);
}

} // namespace
