// Every report file is written the same way: to PATH.tmp, then renamed over PATH, so a reader
// (a CI step, a browser) never sees half a report, and a failed write leaves no temporary file.
#pragma once

#include <string>
#include <string_view>

namespace conformance {

// Throws std::runtime_error naming the file when it cannot be written or renamed.
void write_report_file(const std::string& path, std::string_view text);

} // namespace conformance
