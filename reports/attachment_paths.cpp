#include "attachment_paths.h"

namespace conformance {

namespace fs = std::filesystem;

std::string relative_attachment_path(const std::string& file, const fs::path& report_dir) {
  if (file.empty() || report_dir.empty()) return file;
  // Lexical, not canonical: the file may be gone by the time a report is rendered again.
  fs::path relative = fs::absolute(file).lexically_normal().lexically_relative(
      fs::absolute(report_dir).lexically_normal());
  return relative.empty() ? absolute_attachment_path(file) : relative.generic_string();
}

std::string absolute_attachment_path(const std::string& file) {
  if (file.empty()) return file;
  return fs::absolute(file).lexically_normal().generic_string();
}

} // namespace conformance
