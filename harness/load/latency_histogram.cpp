#include "load/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace conformance {
namespace {

constexpr std::uint64_t kSubBuckets = 1u << LatencyHistogram::kSubBucketBits; // 128
constexpr std::uint64_t kExact = 2 * kSubBuckets; // values below this have a bucket each
// The index of UINT64_MAX, the last bucket there can be.
const std::size_t kMaxIndex = LatencyHistogram::index_of(UINT64_MAX);

double ns_to_ms(double ns) { return ns / 1e6; }

} // namespace

std::size_t LatencyHistogram::index_of(std::uint64_t ns) {
  if (ns < kExact) return static_cast<std::size_t>(ns);
  // The shift that brings ns into [128, 256): its top 8 bits select the sub-bucket.
  int shift = std::bit_width(ns) - (kSubBucketBits + 1);
  std::uint64_t top = ns >> shift;
  return static_cast<std::size_t>(kExact + (shift - 1) * kSubBuckets + (top - kSubBuckets));
}

std::uint64_t LatencyHistogram::lower_bound_of(std::size_t index) {
  if (index < kExact) return index;
  std::uint64_t shift = (index - kExact) / kSubBuckets + 1;
  std::uint64_t top = kSubBuckets + (index - kExact) % kSubBuckets;
  return top << shift;
}

std::uint64_t LatencyHistogram::width_of(std::size_t index) {
  if (index < kExact) return 1;
  return std::uint64_t{1} << ((index - kExact) / kSubBuckets + 1);
}

void LatencyHistogram::record_ns(std::uint64_t ns) {
  std::size_t index = index_of(ns);
  if (index >= counts_.size()) counts_.resize(index + 1, 0);
  ++counts_[index];
  ++count_;
  min_ns_ = std::min(min_ns_, ns);
  max_ns_ = std::max(max_ns_, ns);
  sum_ns_ += static_cast<double>(ns);
}

void LatencyHistogram::record_ms(double ms) {
  double ns = std::isfinite(ms) ? std::max(0.0, ms * 1e6) : 0.0;
  record_ns(ns >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(std::llround(ns)));
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (std::size_t i = 0; i < other.counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ns_ = std::min(min_ns_, other.min_ns_);
  max_ns_ = std::max(max_ns_, other.max_ns_);
  sum_ns_ += other.sum_ns_;
}

double LatencyHistogram::min_ms() const { return count_ ? ns_to_ms(double(min_ns_)) : 0; }
double LatencyHistogram::max_ms() const { return count_ ? ns_to_ms(double(max_ns_)) : 0; }
double LatencyHistogram::mean_ms() const {
  return count_ ? ns_to_ms(sum_ns_ / static_cast<double>(count_)) : 0;
}

double LatencyHistogram::percentile_ms(double p) const {
  if (count_ == 0) return 0;
  if (p >= 1) return max_ms();
  auto rank = static_cast<std::uint64_t>(std::ceil(std::max(p, 0.0) * double(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    // The midpoint, but never outside what was actually recorded.
    double mid = double(lower_bound_of(i)) + double(width_of(i) - 1) / 2;
    return ns_to_ms(std::clamp(mid, double(min_ns_), double(max_ns_)));
  }
  return max_ms();
}

bool LatencyHistogram::operator==(const LatencyHistogram& other) const {
  if (count_ != other.count_ || (count_ && (min_ns_ != other.min_ns_ || max_ns_ != other.max_ns_)))
    return false;
  std::size_t n = std::max(counts_.size(), other.counts_.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t a = i < counts_.size() ? counts_[i] : 0;
    std::uint64_t b = i < other.counts_.size() ? other.counts_[i] : 0;
    if (a != b) return false;
  }
  return true;
}

nlohmann::json LatencyHistogram::to_json() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i]) buckets.push_back({i, counts_[i]});
  return {{"unit", "ns"},
          {"sub_bucket_bits", kSubBucketBits},
          {"relative_error", kRelativeError},
          {"count", count_},
          {"min_ns", count_ ? min_ns_ : 0},
          {"max_ns", max_ns_},
          {"sum_ns", sum_ns_},
          {"buckets", buckets}};
}

std::optional<LatencyHistogram> LatencyHistogram::from_json(const nlohmann::json& doc,
                                                            std::string* problem) {
  auto fail = [&](std::string why) -> std::optional<LatencyHistogram> {
    if (problem) *problem = std::move(why);
    return std::nullopt;
  };
  if (!doc.is_object()) return fail("the histogram is not a JSON object");
  if (doc.value("unit", "") != "ns") return fail("the histogram's unit is not \"ns\"");
  auto bits = doc.find("sub_bucket_bits");
  if (bits == doc.end() || !bits->is_number_integer() || bits->get<int>() != kSubBucketBits)
    return fail("the histogram has another layout (sub_bucket_bits is not " +
                std::to_string(kSubBucketBits) + ")");
  auto buckets = doc.find("buckets");
  if (buckets == doc.end() || !buckets->is_array()) return fail("the histogram has no buckets");
  LatencyHistogram h;
  for (const auto& bucket : *buckets) {
    if (!bucket.is_array() || bucket.size() != 2 || !bucket[0].is_number_unsigned() ||
        !bucket[1].is_number_unsigned())
      return fail("a histogram bucket is not [index, count]");
    auto index = bucket[0].get<std::uint64_t>();
    auto n = bucket[1].get<std::uint64_t>();
    if (index > kMaxIndex) return fail("a histogram bucket index is out of range");
    if (index >= h.counts_.size()) h.counts_.resize(static_cast<std::size_t>(index) + 1, 0);
    h.counts_[static_cast<std::size_t>(index)] += n;
    h.count_ += n;
  }
  auto number = [&](const char* name) -> std::optional<double> {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  };
  auto count = doc.find("count");
  if (count == doc.end() || !count->is_number_unsigned() ||
      count->get<std::uint64_t>() != h.count_)
    return fail("the histogram's count is not the sum of its buckets");
  auto min_ns = doc.find("min_ns"), max_ns = doc.find("max_ns");
  auto sum = number("sum_ns");
  if (min_ns == doc.end() || !min_ns->is_number_unsigned() || max_ns == doc.end() ||
      !max_ns->is_number_unsigned() || !sum)
    return fail("the histogram lacks min_ns, max_ns or sum_ns");
  if (h.count_) {
    h.min_ns_ = min_ns->get<std::uint64_t>();
    h.max_ns_ = max_ns->get<std::uint64_t>();
    if (h.min_ns_ > h.max_ns_) return fail("the histogram's min_ns exceeds its max_ns");
  }
  h.sum_ns_ = *sum;
  return h;
}

} // namespace conformance
