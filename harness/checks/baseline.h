// Baselines: the failures a team already knows about, so that a release gate fails only on new
// ones. A baseline lists entries by requirement ID or by check name ("Suite.Name"), each with a
// note saying why it is accepted. An entry that no longer matches a failure is stale: the server
// improved (or the check changed), and the baseline should be tightened.
#pragma once

#include "checks/result_record.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace conformance {

class BaselineError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct BaselineEntry {
  std::string requirement; // e.g. "PKCE-07"; or empty when `check` is set
  std::string check;       // e.g. "Pkce.PlainMethodIsRefused"
  std::string note;
};

struct Baseline {
  std::vector<BaselineEntry> entries;
};

// {"known_failures": [{"requirement": "PKCE-07", "note": "..."}, {"check": "Suite.Name", ...}]}
Baseline parse_baseline(const std::string& text);
Baseline load_baseline(const std::string& path);

struct BaselineOutcome {
  std::vector<std::string> known;   // "Suite.Name" of failing checks the baseline covers
  std::vector<std::string> unknown; // failing checks it does not cover: new failures
  std::vector<BaselineEntry> stale; // entries that matched no failure in this run
};

// A failing check (fail or error) is known when the baseline names the check, or names every
// requirement the check failed. Marks known checks in the record (CheckResult::known_failure).
BaselineOutcome apply_baseline(const Baseline& baseline, RunRecord& record);

// A baseline that accepts exactly this run's failures: by requirement ID where the check failed
// requirements, by check name for errors, with the check's message as the note.
std::string baseline_json(const RunRecord& record);
void write_baseline(const RunRecord& record, const std::string& path);

} // namespace conformance
