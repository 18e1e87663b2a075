// The HTML report: one self-contained page for people (inline CSS only, no script, nothing
// fetched), so it opens offline and under a strict Content-Security-Policy. Collapsing uses
// <details>, filtering by outcome uses radio inputs and CSS.
#pragma once

#include "checks/result_record.h"

#include <string>

namespace conformance {

std::string to_html(const RunRecord& record);
// Writes atomically (temporary file, then rename); throws std::runtime_error on failure.
void write_html_report(const RunRecord& record, const std::string& path);

} // namespace conformance
