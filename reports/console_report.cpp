#include "console_report.h"

#include <cstdlib>
#include <unistd.h>

namespace conformance {
namespace {

const char* colour_of(Outcome outcome) {
  switch (outcome) {
  case Outcome::Pass:
    return "\033[32m";
  case Outcome::Fail:
    return "\033[1;31m";
  case Outcome::Warn:
    return "\033[33m";
  case Outcome::Info:
    return "\033[36m";
  case Outcome::Skip:
    return "\033[2m";
  case Outcome::Error:
    return "\033[1;35m";
  }
  return "";
}

std::string ids(const CheckResult& r) {
  std::string out;
  for (const auto& id : r.requirements)
    out += (out.empty() ? "" : ",") + id;
  return out;
}

std::string label(Outcome o) {
  std::string name(outcome_name(o));
  for (char& c : name)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

} // namespace

ConsoleReport::ConsoleReport(std::FILE* out, bool quiet) : out_(out), quiet_(quiet) {
  const char* no_colour = std::getenv("NO_COLOR");
  colour_ = isatty(fileno(out)) && !(no_colour && *no_colour);
}

void ConsoleReport::on_check_finished(const CheckResult& r) {
  if (quiet_) return;
  const char* on = colour_ ? colour_of(r.outcome) : "";
  const char* off = colour_ ? "\033[0m" : "";
  std::fprintf(out_, "%s%-5s%s %s.%s [%s]", on, label(r.outcome).c_str(), off, r.suite.c_str(),
               r.name.c_str(), ids(r).c_str());
  if (r.outcome != Outcome::Pass && !r.message.empty())
    std::fprintf(out_, "\n      %s", r.message.c_str());
  std::fprintf(out_, "\n");
  std::fflush(out_);
}

void ConsoleReport::on_run_finished(const RunRecord& record) {
  auto summary = record.summary();
  std::fprintf(out_, "\n%zu checks against %s (profile %s%s):", record.checks.size(),
               record.base_url.c_str(), record.profile.c_str(), record.strict ? ", strict" : "");
  for (Outcome o :
       {Outcome::Pass, Outcome::Fail, Outcome::Warn, Outcome::Info, Outcome::Skip, Outcome::Error})
    std::fprintf(out_, " %d %s", summary[o], std::string(outcome_name(o)).c_str());
  std::fprintf(out_, "\n");
  if (record.interrupted_by != 0)
    std::fprintf(out_, "Interrupted by signal %d: the checks after the last one listed did not run.\n",
                 record.interrupted_by);
  if (record.tls_unverified)
    std::fprintf(out_, "TLS certificates were NOT verified (--insecure).\n");
  if (record.rate_limited_responses > 0)
    std::fprintf(out_,
                 "%ld responses rate-limited the harness (429, or 503 with Retry-After); checks "
                 "that could not wait them out ended in error.\n",
                 record.rate_limited_responses);
  bool header = false;
  for (const auto& r : record.checks) {
    if (r.outcome != Outcome::Fail && r.outcome != Outcome::Error) continue;
    if (!header) std::fprintf(out_, "Failures:\n");
    header = true;
    std::fprintf(out_, "  %s %s.%s [%s]%s%s\n", label(r.outcome).c_str(), r.suite.c_str(),
                 r.name.c_str(), ids(r).c_str(), r.known_failure ? " (known: in the baseline)" : "",
                 r.unfinished ? " (unfinished)" : "");
    // Listed here, not under the check's live line: files are saved once the run is over.
    for (const auto& a : r.attachments) {
      if (!a.file.empty())
        std::fprintf(out_, "    %s: %s\n", a.name.c_str(), a.file.c_str());
      else if (a.data.empty())
        continue;
      else if (attachment_directory_.empty())
        std::fprintf(out_, "    %s taken; give --html, --json or --junit to keep it\n",
                     a.name.c_str());
      else
        std::fprintf(out_, "    %s not saved in %s (see the error above)\n", a.name.c_str(),
                     attachment_directory_.c_str());
    }
  }
  if (!record.stale_baseline.empty()) {
    std::fprintf(out_, "Stale baseline entries (they no longer fail; remove them):\n");
    for (const auto& entry : record.stale_baseline)
      std::fprintf(out_, "  %s\n", entry.c_str());
  }
  std::fflush(out_);
}

} // namespace conformance
