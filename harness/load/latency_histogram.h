// Latencies of a bench, kept as a log-linear histogram (the layout HdrHistogram made common):
// below 256 ns every nanosecond has its own bucket; above, each power of two is cut into 128
// equal buckets. Every bucket is at most 1/128 of its lower bound wide, and a value read back is
// the bucket's midpoint, so it is within 1/256 (0.4 %) of every sample the bucket holds. The
// layout is fixed, so histograms from several threads, runs or machines merge exactly by adding
// counts, and memory stays bounded (under 7,500 buckets for any 64-bit value) however long the
// run.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

class LatencyHistogram {
public:
  static constexpr int kSubBucketBits = 7;
  // The largest relative difference between a value read back and any sample in its bucket.
  static constexpr double kRelativeError = 1.0 / (2 << kSubBucketBits);

  void record_ns(std::uint64_t ns);
  void record_ms(double ms); // negative values count as 0
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  double min_ms() const;
  double max_ms() const;
  double mean_ms() const;
  // Nearest rank: the value below or at which a fraction p of the samples lie, read from its
  // bucket (exact for p = 1: the maximum). 0 when empty.
  double percentile_ms(double p) const;

  bool operator==(const LatencyHistogram& other) const;

  // {"unit": "ns", "sub_bucket_bits": 7, "relative_error": ..., "count", "min_ns", "max_ns",
  //  "sum_ns", "buckets": [[index, count], ...]} with only non-empty buckets.
  nlohmann::json to_json() const;
  // Nullopt, with the reason in `problem`, for a document this layout cannot read (another
  // sub_bucket_bits, counts that do not add up, an index out of range).
  static std::optional<LatencyHistogram> from_json(const nlohmann::json& doc,
                                                   std::string* problem);

  // The layout, exposed for tests.
  static std::size_t index_of(std::uint64_t ns);
  static std::uint64_t lower_bound_of(std::size_t index);
  static std::uint64_t width_of(std::size_t index);

private:
  std::vector<std::uint64_t> counts_; // grown to the highest index seen
  std::uint64_t count_ = 0;
  std::uint64_t min_ns_ = UINT64_MAX;
  std::uint64_t max_ns_ = 0;
  double sum_ns_ = 0;
};

} // namespace conformance
