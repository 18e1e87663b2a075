#include "run_reports.h"

#include "attachment_files.h"
#include "exit_codes.h"
#include "http/http_client.h"
#include "html_report.h"
#include "json_report.h"
#include "junit_report.h"
#include "markdown_summary.h"

#include <iostream>

namespace conformance {

int finish_run(RunRecord& record, const Finishing& f) {
  record.rate_limited_responses = rate_limited_responses();
  std::optional<BaselineOutcome> judged;
  if (f.baseline) {
    judged = apply_baseline(*f.baseline, record);
    for (const BaselineEntry& e : judged->stale)
      record.stale_baseline.push_back((e.check.empty() ? e.requirement : e.check) +
                                      (e.note.empty() ? "" : ": " + e.note));
  }
  // Attachments are saved before anything is printed or written, so every report names their
  // files; one that cannot be saved costs no report.
  bool cannot_save = false;
  std::string attachments = attachment_directory(f.outputs);
  if (!attachments.empty()) {
    try {
      save_attachments(record, attachments);
    } catch (const std::exception& e) {
      std::cerr << "conformance: " << e.what() << "\n";
      cannot_save = true;
    }
  }
  f.console->set_attachment_directory(attachments);
  f.console->on_run_finished(record);
  int exit_code = kExitOk;
  for (const auto& c : record.checks)
    if ((c.outcome == Outcome::Fail || c.outcome == Outcome::Error) && !c.known_failure)
      exit_code = kExitFailures;
  if (judged && !judged->stale.empty() && !f.allow_stale) exit_code = kExitFailures;
  if (cannot_save) exit_code = kExitCannotRun;
  if (record.interrupted_by != 0) exit_code = 128 + record.interrupted_by;

  auto write = [&](const std::string& path, auto writer) {
    if (path.empty()) return;
    try {
      writer(record, path);
    } catch (const std::exception& e) {
      std::cerr << "conformance: " << e.what() << "\n";
      if (record.interrupted_by == 0) exit_code = kExitCannotRun;
    }
  };
  write(f.outputs.json, write_json_report);
  write(f.outputs.junit, write_junit_report);
  write(f.outputs.html, write_html_report);
  write(f.outputs.summary_md, write_markdown_summary);
  write(f.outputs.write_baseline, write_baseline);
  return exit_code;
}

} // namespace conformance
