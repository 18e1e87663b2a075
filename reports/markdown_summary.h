// The Markdown summary (--summary-md): what a CI page shows above the fold (a GitHub job summary,
// a merge request note): the target, the counts by outcome, and a table of the failures and
// errors with their requirement IDs. The JSON and HTML reports hold everything else.
#pragma once

#include "checks/result_record.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace conformance {

struct MarkdownSummaryLimits {
  std::size_t max_rows = 30;     // failure rows shown; the rest are counted
  std::size_t max_message = 300; // bytes of a message in a cell (cut between characters)
};

std::string markdown_summary(const RunRecord& record, const MarkdownSummaryLimits& limits = {});
// Writes atomically (temporary file, then rename); throws std::runtime_error on failure.
void write_markdown_summary(const RunRecord& record, const std::string& path);

// Text made inert inside a Markdown table cell: no cell break, no markup, no HTML (a message may
// quote what a hostile server sent), on one line, at most `cap` bytes.
std::string markdown_cell(std::string_view text, std::size_t cap);

} // namespace conformance
