// The JSON report: the complete result record, for other tools to read.
#pragma once

#include "checks/result_record.h"

#include <nlohmann/json.hpp>
#include <string>

namespace conformance {

nlohmann::json to_json(const RunRecord& record);
nlohmann::json to_json(const Exchange& exchange);
// Writes atomically (temporary file, then rename); throws std::runtime_error on failure.
void write_json_report(const RunRecord& record, const std::string& path);

} // namespace conformance
