// The JSON report: the complete result record, for other tools to read.
#pragma once

#include "checks/result_record.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace conformance {

// Attachments' files are named relative to `report_dir`, the directory the JSON is written to
// (as recorded when it is empty); their bytes never go into the JSON.
nlohmann::json to_json(const RunRecord& record, const std::filesystem::path& report_dir = {});
nlohmann::json to_json(const Exchange& exchange);
// Writes atomically (temporary file, then rename); throws std::runtime_error on failure.
void write_json_report(const RunRecord& record, const std::string& path);

} // namespace conformance
