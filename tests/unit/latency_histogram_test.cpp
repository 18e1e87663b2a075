// The bench's latency histogram: its layout, its stated error bound against exact percentiles,
// exact merging, and reading back what it wrote (and refusing what it did not).
#include "load/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <random>

namespace {

using conformance::LatencyHistogram;

// Nearest rank over sorted samples, as the histogram defines its percentiles.
double exact_percentile(const std::vector<double>& sorted, double p) {
  auto rank = static_cast<size_t>(std::ceil(p * double(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

TEST(LatencyHistogram, LayoutCoversEveryValueWithBoundedWidth) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t v = random() >> (random() % 64);
    size_t index = LatencyHistogram::index_of(v);
    std::uint64_t lower = LatencyHistogram::lower_bound_of(index);
    std::uint64_t width = LatencyHistogram::width_of(index);
    ASSERT_LE(lower, v) << v;
    ASSERT_LE(v - lower, width - 1) << v;
    if (v >= 256) {
      ASSERT_LE(double(width), double(lower) / 128) << v;
    }
  }
  // Consecutive buckets tile the line with no gap or overlap.
  for (size_t i = 0; i + 1 < LatencyHistogram::index_of(UINT64_MAX); ++i)
    ASSERT_EQ(LatencyHistogram::lower_bound_of(i) + LatencyHistogram::width_of(i),
              LatencyHistogram::lower_bound_of(i + 1))
        << i;
  EXPECT_LT(LatencyHistogram::index_of(UINT64_MAX), 7500u);
}

TEST(LatencyHistogram, PercentilesAreWithinTheStatedErrorOfTheExactOnes) {
  std::mt19937_64 random(42);
  // Latencies as services have them: a log-normal body around 1 ms and a long tail.
  std::lognormal_distribution<double> body(0.0, 0.8);
  std::exponential_distribution<double> tail(0.01);
  std::vector<double> samples;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    double ms = i % 50 == 0 ? tail(random) : body(random);
    samples.push_back(ms);
    h.record_ms(ms);
  }
  std::sort(samples.begin(), samples.end());
  EXPECT_EQ(h.count(), samples.size());
  for (double p : {0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999}) {
    double exact = exact_percentile(samples, p);
    // The bound, plus the nanosecond the samples are rounded to.
    EXPECT_NEAR(h.percentile_ms(p), exact, exact * LatencyHistogram::kRelativeError + 1e-6)
        << "p" << p;
  }
  EXPECT_NEAR(h.max_ms(), samples.back(), 1e-6);
  EXPECT_NEAR(h.min_ms(), samples.front(), 1e-6);
  EXPECT_EQ(h.percentile_ms(1.0), h.max_ms());
}

TEST(LatencyHistogram, MergingIsExact) {
  std::mt19937_64 random(3);
  std::lognormal_distribution<double> ms(1.0, 1.2);
  LatencyHistogram all, parts[3], merged;
  for (int i = 0; i < 30000; ++i) {
    double v = ms(random);
    all.record_ms(v);
    parts[i % 3].record_ms(v);
  }
  for (const auto& part : parts)
    merged.merge(part);
  EXPECT_TRUE(merged == all);
  EXPECT_EQ(merged.count(), 30000u);
  for (double p : {0.5, 0.99, 0.999})
    EXPECT_EQ(merged.percentile_ms(p), all.percentile_ms(p));
}

TEST(LatencyHistogram, ReadsBackWhatItWrote) {
  LatencyHistogram h;
  for (double v : {0.0, 0.0001, 0.25, 1.0, 1.5, 40.0, 12345.0})
    h.record_ms(v);
  std::string problem;
  auto back = LatencyHistogram::from_json(h.to_json(), &problem);
  ASSERT_TRUE(back) << problem;
  EXPECT_TRUE(*back == h);
  EXPECT_EQ(back->percentile_ms(0.5), h.percentile_ms(0.5));
  EXPECT_DOUBLE_EQ(back->mean_ms(), h.mean_ms());
  // An empty one too.
  auto empty = LatencyHistogram::from_json(LatencyHistogram().to_json(), &problem);
  ASSERT_TRUE(empty) << problem;
  EXPECT_EQ(empty->count(), 0u);
  EXPECT_EQ(empty->percentile_ms(0.99), 0);
}

TEST(LatencyHistogram, RefusesWhatItCannotRead) {
  LatencyHistogram h;
  h.record_ms(2);
  auto broken = [&](auto change) {
    nlohmann::json doc = h.to_json();
    change(doc);
    std::string problem;
    auto back = LatencyHistogram::from_json(doc, &problem);
    EXPECT_FALSE(back) << doc.dump();
    EXPECT_FALSE(problem.empty());
  };
  broken([](nlohmann::json& d) { d["sub_bucket_bits"] = 5; });
  broken([](nlohmann::json& d) { d["count"] = 2; });
  broken([](nlohmann::json& d) { d["buckets"] = {{999999, 1}}; });
  broken([](nlohmann::json& d) { d["buckets"] = {{1, -1}}; });
  broken([](nlohmann::json& d) { d["buckets"] = "many"; });
  broken([](nlohmann::json& d) { d["unit"] = "ms"; });
  broken([](nlohmann::json& d) { d.erase("max_ns"); });
}

} // namespace
