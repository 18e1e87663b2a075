// How a report names an attachment's saved file: the HTML and JSON reports relative to their own
// directory (so the report and its files move together), JUnit absolute (its consumers want it).
#pragma once

#include <filesystem>
#include <string>

namespace conformance {

// `file` as a report in `report_dir` names it: relative to that directory, or as recorded when
// the directory is unknown (empty). Empty when `file` is.
std::string relative_attachment_path(const std::string& file,
                                     const std::filesystem::path& report_dir);
// `file` made absolute against the working directory. Empty when `file` is.
std::string absolute_attachment_path(const std::string& file);

} // namespace conformance
