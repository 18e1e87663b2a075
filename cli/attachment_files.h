// Attachments (a browser's screenshots) saved as files beside the reports, so every report can
// name them: in "<stem>-files/" next to the first requested report of --html, --json, --junit.
#pragma once

#include "checks/result_record.h"
#include "run_reports.h"

#include <string>

namespace conformance {

// "<dir of the report>/<its stem>-files" for the first of outputs.html, .json, .junit that is
// set; empty when none is.
std::string attachment_directory(const ReportOutputs& outputs);

// "<Suite>.<Name>-<name>-<k>.<ext>" (k from 1 within the check; png, jpg, else bin), every
// character outside [A-Za-z0-9._-] as '_'.
std::string attachment_file_name(const CheckResult& check, const Attachment& attachment, int k);

// Saves every attachment that has data and no file yet into `directory` (created when missing,
// not its parents, as a report's own directory must exist) and sets its `file`. Keeps going past
// a file it cannot write, then throws std::runtime_error naming the first; what was saved stays.
void save_attachments(RunRecord& record, const std::string& directory);

} // namespace conformance
