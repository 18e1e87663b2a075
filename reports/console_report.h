// The live console: one line per check as it finishes, then the totals and the
// failures with their requirement IDs. Colour only on a terminal, never with NO_COLOR.
#pragma once

#include "checks/result_record.h"

#include <cstdio>

namespace conformance {

class ConsoleReport : public ResultSink {
public:
  // `quiet` prints only the summary.
  explicit ConsoleReport(std::FILE* out = stdout, bool quiet = false);
  void on_check_finished(const CheckResult& result) override;
  void on_run_finished(const RunRecord& record) override;

private:
  std::FILE* out_;
  bool quiet_;
  bool colour_;
};

} // namespace conformance
