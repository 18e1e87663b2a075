// `conformance diff`: what changed between two JSON result records (json_report.h) of the same
// suite, for a release gate that asks "did this build break anything the last one passed?".
// Pure: the records come in parsed, the renderings go out as text; the command line reads and
// writes the files.
#pragma once

#include "checks/result_record.h"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

// Each changed check lands in exactly one kind; the console, JSON and Markdown group by it.
enum class CheckChangeKind {
  NewFailure,         // now fail/error, before not (or the check is new): fails the diff
  AcceptedNewFailure, // a new failure the NEW run's --baseline accepts: does not fail the diff
  Fixed,              // was fail/error, now pass/warn/info
  StillFailing,       // fail -> error or error -> fail
  Changed,            // any other change among pass/warn/info, or from skip to one of them
  NoLongerJudged,     // now skip, before judged: not a fix, since nothing was verified
  Added,              // only in NEW and not failing (failing ones are new failures)
  Removed,            // only in OLD
};
std::string_view check_change_kind_name(CheckChangeKind kind); // "new_failure", ...

struct CheckChange {
  CheckChangeKind kind = CheckChangeKind::Changed;
  std::string check;                     // "Suite.Name"
  std::optional<Outcome> old_outcome;    // none: the check is new
  std::optional<Outcome> new_outcome;    // none: the check is gone
  std::vector<std::string> requirements; // the NEW record's (OLD's when removed)
  std::string level;
  std::string message;     // the NEW record's (OLD's when removed), as the report wrote it
  bool unfinished = false; // the NEW run was interrupted while this check ran
};

// A catalogue row whose combined outcome (the record's `requirements` map) differs.
struct RequirementChange {
  std::string id;
  std::optional<Outcome> old_outcome; // none: no check of OLD cited it
  std::optional<Outcome> new_outcome;
};

struct RunDiff {
  std::string old_started_at, new_started_at;
  // Differences of target, profile or strictness: worth a warning, not an error, since
  // comparing a staging run with a production run is legitimate.
  std::vector<std::string> notes;
  std::vector<CheckChange> checks; // by kind, then in NEW's run order (OLD's for removed)
  std::vector<RequirementChange> requirements; // by ID
  std::size_t unchanged = 0;                   // checks in both with the same outcome

  std::size_t count(CheckChangeKind kind) const;
  // What the release gate asks: a failure or error that is new and not accepted by a baseline.
  bool has_new_failures() const { return count(CheckChangeKind::NewFailure) > 0; }
};

// Throws std::runtime_error naming what is wrong ("checks[3].outcome is not a string") when
// `record` is not a result record. Only the members the diff reads are checked.
void validate_result_record(const nlohmann::json& record);

// Validates both (the error starts "OLD record: " or "NEW record: ") and compares them.
RunDiff compute_run_diff(const nlohmann::json& old_record, const nlohmann::json& new_record);

// Plain text, grouped, one line per change, no colour.
std::string run_diff_text(const RunDiff& diff);
nlohmann::json run_diff_json(const RunDiff& diff);
// For a CI step summary: counts, a table of new failures, one of fixes, a list of the rest.
std::string run_diff_markdown(const RunDiff& diff);

} // namespace conformance
