#include "json_report.h"

#include "attachment_paths.h"
#include "report_file.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace conformance {
namespace {

nlohmann::json headers_json(const HeaderList& headers) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, value] : headers)
    out.push_back({{"name", name}, {"value", value}});
  return out;
}

} // namespace

nlohmann::json to_json(const Exchange& e) {
  nlohmann::json request = {
      {"method", e.method}, {"url", e.url}, {"headers", headers_json(e.request_headers)}};
  if (!e.request_body.empty()) request["body"] = e.request_body;
  nlohmann::json out = {{"request", request}, {"duration_ms", e.duration_ms}};
  if (e.status != 0) {
    out["response"] = {{"status", e.status},
                       {"headers", headers_json(e.response_headers)},
                       {"body", e.response_body},
                       {"truncated", e.response_truncated}};
  }
  if (!e.transport_error.empty()) out["error"] = e.transport_error;
  return out;
}

nlohmann::json to_json(const RunRecord& record, const std::filesystem::path& report_dir) {
  nlohmann::json summary = nlohmann::json::object();
  for (const auto& [outcome, count] : record.summary())
    summary[std::string(outcome_name(outcome))] = count;
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : record.checks) {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : c.findings) {
      nlohmann::json finding = {{"requirement", f.requirement},
                                {"level", f.level},
                                {"outcome", outcome_name(f.outcome)},
                                {"message", f.message}};
      if (!f.expected.empty() || !f.actual.empty()) {
        finding["expected"] = f.expected;
        finding["actual"] = f.actual;
      }
      findings.push_back(std::move(finding));
    }
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& e : c.evidence)
      evidence.push_back(to_json(e));
    nlohmann::json check = {{"suite", c.suite},
                            {"name", c.name},
                            {"requirements", c.requirements},
                            {"level", c.level},
                            {"outcome", outcome_name(c.outcome)},
                            {"message", c.message},
                            {"duration_ms", static_cast<long long>(c.duration_ms + 0.5)},
                            {"findings", findings},
                            {"evidence", evidence}};
    if (!c.attachments.empty()) {
      nlohmann::json attachments = nlohmann::json::array();
      for (const auto& a : c.attachments) {
        std::string file = relative_attachment_path(a.file, report_dir);
        attachments.push_back({{"name", a.name},
                               {"media_type", a.media_type},
                               {"caption", a.caption},
                               {"file", file.empty() ? nlohmann::json() : nlohmann::json(file)},
                               {"bytes", a.data.size()}});
      }
      check["attachments"] = std::move(attachments);
    }
    if (c.unfinished) check["unfinished"] = true;
    if (c.known_failure) check["known_failure"] = true;
    checks.push_back(std::move(check));
  }
  nlohmann::json requirements = nlohmann::json::object();
  for (const auto& [id, r] : record.requirement_results())
    requirements[id] = {{"outcome", outcome_name(r.outcome)}, {"checks", r.checks}};
  nlohmann::json out = {
      {"tool",
       {{"name", record.tool_name},
        {"version", record.tool_version},
        {"catalogue_version", record.catalogue_version}}},
      {"target",
       {{"base_url", record.base_url},
        {"issuer", record.issuer},
        {"metadata_url", record.metadata_url},
        {"mcp_url", record.mcp_url.empty() ? nlohmann::json() : nlohmann::json(record.mcp_url)},
        {"resource_metadata_url", record.resource_metadata_url.empty()
                                      ? nlohmann::json()
                                      : nlohmann::json(record.resource_metadata_url)}}},
      {"profile", record.profile},
      {"strict", record.strict},
      {"tls_verified", !record.tls_unverified},
      {"rate_limited_responses", record.rate_limited_responses},
      {"started_at", record.started_at},
      {"finished_at", record.finished_at},
      {"summary", summary},
      {"checks", checks},
      {"requirements", requirements}};
  if (record.interrupted_by != 0) out["interrupted_by_signal"] = record.interrupted_by;
  if (!record.stale_baseline.empty()) out["stale_baseline"] = record.stale_baseline;
  return out;
}

void write_json_report(const RunRecord& record, const std::string& path) {
  // Evidence may hold any bytes a hostile server sent; invalid UTF-8 becomes U+FFFD.
  nlohmann::json doc = to_json(record, std::filesystem::absolute(path).parent_path());
  write_report_file(path, doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + '\n');
}

} // namespace conformance
