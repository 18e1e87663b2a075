// The result record (DESIGN.md): the one structure every report renders. Reports
// include only this header; suites never know about report formats.
#pragma once

#include "http/evidence.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

enum class Outcome { Pass, Fail, Warn, Info, Skip, Error };
std::string_view outcome_name(Outcome outcome);
// How bad an outcome is when several are combined: fail > error > warn > info > pass > skip.
int severity(Outcome outcome);
Outcome worst(Outcome a, Outcome b);

// One judgement of one requirement inside a check.
struct Finding {
  std::string requirement;
  std::string level; // MUST / SHOULD / MAY as applied
  Outcome outcome = Outcome::Pass;
  std::string message;
  // When the verdict compared one thing (a status, an error code, a header): what the
  // requirement asks for and what came back. Both empty otherwise.
  std::string expected;
  std::string actual;
};

struct CheckResult {
  std::string suite; // GoogleTest suite = catalogue area, e.g. "Pkce"
  std::string name;  // e.g. "PlainMethodIsRejected"
  std::vector<std::string> requirements;
  std::string level; // the strongest level among the requirements, for the profile
  Outcome outcome = Outcome::Skip;
  std::string message;
  double duration_ms = 0;
  bool unfinished = false;    // the run was interrupted while this check ran
  bool known_failure = false; // a failure the --baseline accepts
  std::vector<Finding> findings;
  std::vector<Exchange> evidence;
  std::vector<Attachment> attachments; // screenshots and the like, in the order they were made
};

struct RequirementResult {
  Outcome outcome = Outcome::Skip;
  std::vector<std::string> checks; // "Suite.Name" of every check that judged it
};

// What a report shows about a catalogue row, copied from the catalogue so reports need nothing
// else of the harness.
struct RequirementInfo {
  std::string area_name; // "PKCE", "Redirect URI", ...
  std::string level;     // as applied under the run's profile: MUST / SHOULD / MAY
  std::string source;    // spec sections, e.g. "RFC 7636 §4.6; 2.1-13 §4.1.3"
  std::string summary;   // the catalogue's paraphrase
};

struct RunRecord {
  std::string tool_name = "conformance";
  std::string tool_version;
  std::string catalogue_version; // suites/requirements.json's: runs judged by one catalogue compare
  std::string base_url;
  std::string issuer;
  std::string metadata_url;
  std::string mcp_url;               // MCP mode only
  std::string resource_metadata_url; // MCP mode only: the protected resource metadata used
  std::string profile;
  bool strict = false;
  std::string started_at; // ISO 8601 UTC
  std::string finished_at;
  std::vector<CheckResult> checks;
  // Every requirement a check cites, by ID.
  std::map<std::string, RequirementInfo> requirements;
  // Set when SIGINT or SIGTERM ended the run early (the signal number).
  int interrupted_by = 0;
  // With --baseline: entries that matched no failure ("requirement" or "check" name: note).
  std::vector<std::string> stale_baseline;
  // --insecure: TLS certificates were not verified, so nothing about TLS was judged.
  bool tls_unverified = false;
  // Responses that rate-limited the harness (429, or 503 with Retry-After).
  long rate_limited_responses = 0;

  std::map<Outcome, int> summary() const;
  // A requirement's outcome is the worst among the findings of the checks that cite it.
  std::map<std::string, RequirementResult> requirement_results() const;
};

// Receives results as the run goes (console, live reports) and the finished record.
class ResultSink {
public:
  virtual ~ResultSink() = default;
  virtual void on_check_started(const std::string& /*suite*/, const std::string& /*name*/) {}
  virtual void on_check_finished(const CheckResult& result) = 0;
  virtual void on_run_finished(const RunRecord& record) = 0;
};

} // namespace conformance
