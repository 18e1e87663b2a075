// `conformance bench merge`: the reports of several generators that loaded one server together
// (shards on one machine or many) added up into one, exactly: counts and errors summed, latency
// histograms merged bucket by bucket, throughput over the span the shards ran in.
#pragma once

#include "load/bench.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace conformance {

// A report read back from the JSON that to_json() wrote; BenchError naming what is missing or
// malformed otherwise.
BenchReport bench_report_from_json(const nlohmann::json& doc);

// The reports added up. BenchError when they cannot be: another mode, server or loop kind, a
// histogram of another layout, or a report whose timed part did not overlap the others'.
BenchReport merge_bench_reports(const std::vector<BenchReport>& reports);

} // namespace conformance
