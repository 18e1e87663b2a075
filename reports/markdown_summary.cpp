#include "markdown_summary.h"

#include "report_file.h"
#include "utf8_text.h"

#include <algorithm>
#include <vector>

namespace conformance {
namespace {

bool failing(const CheckResult& c) {
  return c.outcome == Outcome::Fail || c.outcome == Outcome::Error;
}

// The requirement IDs a failing check is failing for: those of its failing findings, or every
// ID it cites when the check failed as a whole (an error before any finding).
std::string failing_ids(const CheckResult& c) {
  std::vector<std::string> ids;
  auto add = [&](const std::string& id) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  for (const Finding& f : c.findings)
    if (f.outcome == Outcome::Fail || f.outcome == Outcome::Error) add(f.requirement);
  if (ids.empty())
    for (const std::string& id : c.requirements)
      add(id);
  std::string out;
  for (const std::string& id : ids)
    out += (out.empty() ? "" : ", ") + id;
  return out;
}

std::string failing_level(const CheckResult& c) {
  for (const char* level : {"MUST", "SHOULD", "MAY"})
    for (const Finding& f : c.findings)
      if ((f.outcome == Outcome::Fail || f.outcome == Outcome::Error) && f.level == level)
        return level;
  return c.level;
}

std::string outcome_word(Outcome o) {
  return std::string(outcome_name(o));
}

void row(std::string& out, const CheckResult& c, const MarkdownSummaryLimits& limits) {
  out += "| " + markdown_cell(c.suite + "." + c.name, 200) + " | " +
         markdown_cell(failing_ids(c), 200) + " | " + markdown_cell(failing_level(c), 16) + " | " +
         outcome_word(c.outcome) + " | " +
         markdown_cell(c.message.empty() ? "(no message)" : c.message, limits.max_message) + " |\n";
}

// A heading and a table of failing checks, at most limits.max_rows of them, then a count of the
// rest ("… and N more" + `where_the_rest_is`); nothing when there are none.
void check_table(std::string& out, const char* heading,
                 const std::vector<const CheckResult*>& checks, const MarkdownSummaryLimits& limits,
                 const char* where_the_rest_is) {
  if (checks.empty()) return;
  out += std::string("### ") + heading +
         "\n\n| Check | Requirements | Level | Outcome | Message |\n|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < checks.size() && i < limits.max_rows; ++i)
    row(out, *checks[i], limits);
  if (checks.size() > limits.max_rows)
    out += "\n… and " + std::to_string(checks.size() - limits.max_rows) + " more" +
           where_the_rest_is + ".\n";
  out += "\n";
}

} // namespace

std::string markdown_cell(std::string_view text, std::size_t cap) {
  std::string_view cut = utf8_prefix(text, cap);
  std::string out;
  out.reserve(cut.size() + 16);
  bool space = false;
  for (std::size_t i = 0; i < cut.size(); ++i) {
    char ch = cut[i];
    auto byte = static_cast<unsigned char>(ch);
    bool c1 = byte == 0xC2 && i + 1 < cut.size() &&
              static_cast<unsigned char>(cut[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(cut[i + 1]) <= 0x9F;
    // Line breaks, tabs and the other C0, DEL and C1 controls (which could move a terminal's
    // cursor when the file is printed) become one space.
    if (byte < 0x20 || byte == 0x7F || c1) {
      if (c1) ++i;
      if (!space) out += ' ';
      space = true;
      continue;
    }
    space = false;
    if (ch == '<' || ch == '>' || ch == '&') { // no HTML: GitHub renders some inside Markdown
      out += markup_entity(byte);
      continue;
    }
    switch (ch) {
    // CommonMark lets any ASCII punctuation be escaped; these are the ones that would start
    // markup, a link, or end the cell.
    case '|':
    case '\\':
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
    case '~':
    case '#':
    case '!':
      out += '\\';
      out += ch;
      break;
    default:
      out += ch;
    }
  }
  if (cut.size() < text.size()) out += "…";
  return out;
}

std::string markdown_summary(const RunRecord& record, const MarkdownSummaryLimits& limits) {
  auto counts = record.summary();
  std::vector<const CheckResult*> failures, accepted;
  for (const CheckResult& c : record.checks)
    if (failing(c)) (c.known_failure ? accepted : failures).push_back(&c);

  // The heading says what gates the release: failures the baseline does not accept, then what
  // it does accept, then stale entries (which fail the run unless --allow-stale).
  std::string out = "## Conformance: ";
  auto plural = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  if (record.interrupted_by != 0) out += "interrupted, ";
  out += failures.empty() ? (accepted.empty() ? "no failure" : "no new failure")
                          : plural(failures.size(), "check failing", "checks failing");
  if (!accepted.empty()) out += ", " + plural(accepted.size(), "known failure", "known failures");
  if (!record.stale_baseline.empty())
    out += ", " +
           plural(record.stale_baseline.size(), "stale baseline entry", "stale baseline entries");
  out += "\n\n";
  std::string target = record.mcp_url.empty() ? record.base_url : record.mcp_url;
  out += "Target " + markdown_cell(target, 500);
  if (!record.mcp_url.empty())
    out += " (authorization server " + markdown_cell(record.base_url, 500) + ")";
  out += ", profile " + markdown_cell(record.profile, 64) + (record.strict ? " (strict)" : "") +
         ", " + markdown_cell(record.tool_name + " " + record.tool_version, 120) + ", " +
         markdown_cell(record.started_at, 40) + ".\n\n";

  out += "| pass | fail | error | warn | info | skip |\n|---|---|---|---|---|---|\n|";
  for (Outcome o :
       {Outcome::Pass, Outcome::Fail, Outcome::Error, Outcome::Warn, Outcome::Info, Outcome::Skip})
    out += " " + std::to_string(counts[o]) + " |";
  out += "\n\n";

  if (record.interrupted_by != 0)
    out += "> The run was interrupted by signal " + std::to_string(record.interrupted_by) +
           ": the checks after the last one recorded did not run.\n\n";
  if (record.tls_unverified)
    out += "> TLS certificates were not verified (--insecure): nothing about TLS was judged.\n\n";
  if (record.rate_limited_responses > 0)
    out += "> " + std::to_string(record.rate_limited_responses) +
           " responses rate-limited the harness (429, or 503 with Retry-After).\n\n";

  check_table(out, "Failures and errors", failures, limits, " in the JSON and HTML reports");
  check_table(out, "Known failures accepted by the baseline", accepted, limits, "");
  if (!record.stale_baseline.empty()) {
    out += "### Baseline entries that matched no failure\n\n";
    for (std::size_t i = 0; i < record.stale_baseline.size() && i < limits.max_rows; ++i)
      out += "- " + markdown_cell(record.stale_baseline[i], limits.max_message) + "\n";
    if (record.stale_baseline.size() > limits.max_rows)
      out +=
          "- … and " + std::to_string(record.stale_baseline.size() - limits.max_rows) + " more\n";
    out += "\n";
  }
  return out;
}

void write_markdown_summary(const RunRecord& record, const std::string& path) {
  write_report_file(path, markdown_summary(record));
}

} // namespace conformance
