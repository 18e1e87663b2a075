// The live console: one line per check as it finishes, then the totals and the
// failures with their requirement IDs and saved screenshots. Colour only on a terminal, never
// with NO_COLOR.
#pragma once

#include "checks/result_record.h"

#include <cstdio>
#include <string>
#include <utility>

namespace conformance {

class ConsoleReport : public ResultSink {
public:
  // `quiet` prints only the summary.
  explicit ConsoleReport(std::FILE* out = stdout, bool quiet = false);
  void on_check_finished(const CheckResult& result) override;
  void on_run_finished(const RunRecord& record) override;
  // Where attachments were to be saved (empty: no report file was requested), so the summary
  // can tell an attachment nobody asked to keep from one that could not be saved.
  void set_attachment_directory(std::string directory) {
    attachment_directory_ = std::move(directory);
  }

private:
  std::FILE* out_;
  bool quiet_;
  bool colour_;
  std::string attachment_directory_;
};

} // namespace conformance
