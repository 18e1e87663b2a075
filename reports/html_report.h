// The HTML report: one self-contained page for people (inline CSS only, no script, nothing
// fetched), so it opens offline and under a strict Content-Security-Policy. Collapsing uses
// <details>, filtering by outcome uses radio inputs and CSS. Screenshots are inlined as data:
// URIs; every attachment links to its saved file.
#pragma once

#include "checks/result_record.h"

#include <filesystem>
#include <string>

namespace conformance {

// Links to attachments' files are relative to `report_dir`, the directory the page is written
// to (as recorded when it is empty).
std::string to_html(const RunRecord& record, const std::filesystem::path& report_dir = {});
// Writes atomically (temporary file, then rename); throws std::runtime_error on failure.
void write_html_report(const RunRecord& record, const std::string& path);

} // namespace conformance
