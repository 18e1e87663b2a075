#include "load/bench_merge.h"

#include <algorithm>

namespace conformance {
namespace {

using nlohmann::json;

const json& member(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end()) throw BenchError(std::string("no \"") + name + "\" member");
  return *it;
}

template <typename T> T number(const json& doc, const char* name) {
  const json& value = member(doc, name);
  if (!value.is_number()) throw BenchError(std::string("\"") + name + "\" is not a number");
  return value.get<T>();
}

std::string text(const json& doc, const char* name) {
  const json& value = member(doc, name);
  if (!value.is_string()) throw BenchError(std::string("\"") + name + "\" is not a string");
  return value.get<std::string>();
}

std::chrono::system_clock::time_point timestamp(const json& doc, const char* name) {
  auto t = parse_utc_timestamp(text(doc, name));
  if (!t) throw BenchError(std::string("\"") + name + "\" is not a UTC timestamp");
  return *t;
}

std::map<std::string, long> counts(const json& doc, const char* name) {
  std::map<std::string, long> out;
  auto it = doc.find(name);
  if (it == doc.end()) return out;
  if (!it->is_object()) throw BenchError(std::string("\"") + name + "\" is not an object");
  for (const auto& [kind, n] : it->items()) {
    if (!n.is_number_integer()) throw BenchError(std::string("a count in \"") + name + "\" is not a number");
    out[kind] = n.get<long>();
  }
  return out;
}

std::string describe(const BenchReport& r) {
  return std::string(bench_mode_name(r.mode)) + " mode against " + r.base_url + " (" +
         (r.rate ? "open" : "closed") + " loop)";
}

BenchReport report_from_json(const json& doc) {
  if (!doc.is_object()) throw BenchError("not a bench report (a JSON object)");
  BenchReport r;
  std::string mode = text(doc, "mode");
  if (mode == "flow") r.mode = BenchMode::Flow;
  else if (mode == "token") r.mode = BenchMode::Token;
  else if (mode == "metadata") r.mode = BenchMode::Metadata;
  else throw BenchError("unknown mode \"" + mode + "\"");
  r.base_url = text(doc, "base_url");
  r.metadata_url = doc.value("metadata_url", "");
  r.client_id = doc.value("client_id", "");
  r.concurrency = number<int>(doc, "concurrency");
  r.threads = number<int>(doc, "threads");
  if (const json& rate = member(doc, "rate_per_s"); !rate.is_null()) {
    if (!rate.is_number()) throw BenchError("\"rate_per_s\" is not a number");
    r.rate = rate.get<double>();
  }
  if (auto shard = doc.find("shard"); shard != doc.end() && shard->is_object())
    r.shard = {number<int>(*shard, "index"), number<int>(*shard, "count")};
  r.merged_from = doc.value("merged_from", 1);
  if (auto d = doc.find("duration_s"); d != doc.end() && d->is_number()) r.duration_s = d->get<double>();
  if (auto f = doc.find("flows_requested"); f != doc.end() && f->is_number_integer())
    r.flows_requested = f->get<long>();
  r.interrupted = doc.value("interrupted", false);
  r.started_at = timestamp(doc, "started_at");
  r.finished_at = timestamp(doc, "finished_at");
  r.load.elapsed_s = number<double>(doc, "elapsed_s");
  r.load.requests = number<long>(doc, "requests");
  r.load.builtin_requests = doc.value("builtin_client_requests", 0L);
  if (doc.value("http_client", "builtin") == "libcurl") r.http_client = LoadClient::Libcurl;
  r.load.flows = number<long>(doc, "flows");
  r.load.failed_flows = number<long>(doc, "failed_flows");
  r.load.started_late = doc.value("started_late", 0L);
  r.load.errors = counts(doc, "errors");
  r.collection_errors = counts(doc, "collection_errors");
  const json& histograms = member(doc, "latency_histograms");
  if (!histograms.is_object()) throw BenchError("\"latency_histograms\" is not an object");
  for (const auto& [step, h] : histograms.items()) {
    std::string problem;
    auto histogram = LatencyHistogram::from_json(h, &problem);
    if (!histogram) throw BenchError("latency histogram \"" + step + "\": " + problem);
    r.load.latency[step] = std::move(*histogram);
  }
  if (auto cpu = doc.find("generator_cpu"); cpu != doc.end() && cpu->is_object())
    r.load.generator_cpu_s = number<double>(*cpu, "cpu_s");
  if (auto cpu = doc.find("server_cpu"); cpu != doc.end() && cpu->is_object())
    r.server_cpu = ServerCpu{text(*cpu, "source"), number<double>(*cpu, "cpu_s")};
  return r;
}

} // namespace

BenchReport bench_report_from_json(const json& doc) {
  try {
    return report_from_json(doc);
  } catch (const json::exception& e) { // a member of the wrong type, read with a default
    throw BenchError(std::string("not a bench report: ") + e.what());
  }
}

BenchReport merge_bench_reports(const std::vector<BenchReport>& reports) {
  if (reports.empty()) throw BenchError("nothing to merge");
  const BenchReport& first = reports.front();
  BenchReport merged;
  merged.mode = first.mode;
  merged.base_url = first.base_url;
  merged.metadata_url = first.metadata_url;
  merged.client_id = reports.size() == 1 ? first.client_id : "";
  merged.started_at = first.started_at;
  merged.finished_at = first.finished_at;
  merged.merged_from = 0;
  merged.threads = 0;
  merged.concurrency = 0;
  merged.duration_s = first.duration_s;
  merged.http_client = first.http_client;
  if (first.rate) merged.rate = 0.0;
  for (const BenchReport& r : reports) {
    if (r.mode != first.mode || r.base_url != first.base_url ||
        r.rate.has_value() != first.rate.has_value())
      throw BenchError("cannot merge " + describe(r) + " with " + describe(first) +
                       ": the generators must run the same mode against the same server");
    merged.started_at = std::min(merged.started_at, r.started_at);
    merged.finished_at = std::max(merged.finished_at, r.finished_at);
  }
  // Generators that loaded the server together overlap: each began before every other ended.
  for (const BenchReport& r : reports)
    for (const BenchReport& other : reports)
      if (r.started_at >= other.finished_at)
        throw BenchError("the report that started at " + utc_timestamp(r.started_at) +
                         " began after another had finished (" + utc_timestamp(other.finished_at) +
                         "): these generators did not run together (use --start-at)");
  for (const BenchReport& r : reports) {
    merged.merged_from += r.merged_from;
    merged.threads += r.threads;
    merged.concurrency += r.concurrency;
    if (merged.rate) *merged.rate += *r.rate;
    merged.interrupted = merged.interrupted || r.interrupted;
    if (r.flows_requested)
      merged.flows_requested = merged.flows_requested.value_or(0) + *r.flows_requested;
    double elapsed = merged.load.elapsed_s;
    merged.load.merge(r.load);
    merged.load.elapsed_s = elapsed;
    for (const auto& [kind, n] : r.collection_errors)
      merged.collection_errors[kind] += n;
    // Every generator that measured the server saw all of its work, not a share: the longest
    // measurement stands for the whole, and a sum would count the work several times.
    if (r.server_cpu && (!merged.server_cpu || r.server_cpu->cpu_s > merged.server_cpu->cpu_s))
      merged.server_cpu = ServerCpu{r.server_cpu->source + ", the largest of the generators'",
                                    r.server_cpu->cpu_s};
  }
  // Throughput over the span in which any of them ran.
  merged.load.elapsed_s = std::chrono::duration<double>(merged.finished_at - merged.started_at).count();
  if (reports.size() == 1) merged.load.elapsed_s = first.load.elapsed_s;
  return merged;
}

} // namespace conformance
