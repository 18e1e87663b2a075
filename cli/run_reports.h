// The end of a conformance run, whether it ran through or was interrupted: the baseline applied,
// attachments saved, the console summary, every requested report written, and the exit code.
#pragma once

#include "checks/baseline.h"
#include "checks/result_record.h"
#include "console_report.h"

#include <optional>
#include <string>

namespace conformance {

struct ReportOutputs {
  std::string json, junit, html, summary_md, write_baseline; // empty: not requested
};

struct Finishing {
  ReportOutputs outputs;
  std::optional<Baseline> baseline;
  ConsoleReport* console = nullptr;
  bool allow_stale = false;
};

// Returns the exit code: 1 for a failure the baseline does not accept (or a stale entry without
// --allow-stale), 2 when a report or an attachment cannot be written, 128 + N when signal N
// interrupted the run.
int finish_run(RunRecord& record, const Finishing& finishing);

} // namespace conformance
