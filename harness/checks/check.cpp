#include "checks/check.h"

#include "http/http_client.h"
#include "http/redaction.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>

namespace conformance {
namespace {

std::vector<CheckInfo>& registry() {
  static std::vector<CheckInfo> checks;
  return checks;
}

JudgingPolicy& policy() {
  static JudgingPolicy p;
  return p;
}

thread_local CheckContext* current = nullptr;

struct Ledger {
  std::mutex mutex;
  std::set<std::string, std::less<>> run_wide;
  std::vector<DeferredFinding> deferred;
};
Ledger& ledger() {
  static Ledger l;
  return l;
}

void add(std::string_view requirement, Outcome outcome, std::string message, Level level,
         Comparison compared = {}) {
  Finding finding{
      std::string(requirement), std::string(level_name(level)), outcome,
      std::move(message),       std::move(compared.expected),   std::move(compared.actual)};
  if (current && !current->declares(requirement) && is_run_wide(requirement)) {
    // Met on the way: the run-wide check judges it, this check's outcome stays its own.
    const Exchange* last = current->last_exchange();
    std::lock_guard lock(ledger().mutex);
    ledger().deferred.push_back({std::move(finding), current->full_name(),
                                 last ? std::optional<Exchange>(*last) : std::nullopt});
    return;
  }
  if (outcome == Outcome::Fail || outcome == Outcome::Error)
    ADD_FAILURE() << kVerdictMarker << requirement << ": " << finding.message;
  if (current) current->add_finding(std::move(finding));
}

Outcome violation_outcome(Level level) {
  if (level == Level::Should) return policy().strict ? Outcome::Fail : Outcome::Warn;
  if (level == Level::May) return Outcome::Info;
  return Outcome::Fail;
}

} // namespace

bool register_check(std::string suite, std::string name, std::vector<std::string> requirements) {
  registry().push_back({std::move(suite), std::move(name), std::move(requirements)});
  return true;
}

const std::vector<CheckInfo>& registered_checks() {
  return registry();
}

std::string_view report_suite_name(std::string_view gtest_suite) {
  size_t slash = gtest_suite.find('/');
  return slash == std::string_view::npos ? gtest_suite : gtest_suite.substr(slash + 1);
}

const CheckInfo* find_check(std::string_view gtest_suite, std::string_view gtest_name) {
  std::string_view suite = report_suite_name(gtest_suite);
  std::string_view name = gtest_name.substr(0, gtest_name.find('/'));
  for (const auto& c : registry())
    if (c.suite == suite && c.name == name) return &c;
  return nullptr;
}

void set_judging_policy(JudgingPolicy p) {
  policy() = std::move(p);
}
const JudgingPolicy& judging_policy() {
  return policy();
}

Level level_of(std::string_view requirement) {
  const Requirement* r = Catalogue::instance().find(requirement);
  if (!r) throw std::logic_error("check cites unknown requirement " + std::string(requirement));
  return r->level_for(policy().profile);
}

void pass(std::string_view requirement, std::string message) {
  add(requirement, Outcome::Pass, std::move(message), level_of(requirement));
}

void violation(std::string_view requirement, std::string message, std::optional<Level> level) {
  Level applied = level.value_or(level_of(requirement));
  add(requirement, violation_outcome(applied), std::move(message), applied);
}

void violation(std::string_view requirement, std::string message, Comparison compared,
               std::optional<Level> level) {
  Level applied = level.value_or(level_of(requirement));
  add(requirement, violation_outcome(applied), std::move(message), applied, std::move(compared));
}

void note(std::string_view requirement, std::string message) {
  add(requirement, Outcome::Info, std::move(message), level_of(requirement));
}

void remark(std::string text) {
  if (current) current->add_remark(std::move(text));
}

void skip_check(const std::string& reason) {
  throw CheckAborted(Outcome::Skip, reason);
}
void cannot_run(const std::string& reason) {
  throw CheckAborted(Outcome::Error, reason);
}

CheckContext::CheckContext(std::string suite, std::string name) {
  if (const CheckInfo* info = find_check(suite, name)) result_.requirements = info->requirements;
  result_.suite = std::string(report_suite_name(suite));
  result_.name = std::move(name);
}

void CheckContext::record(Exchange exchange) {
  // Reports stay readable, and a run's memory bounded: bodies beyond 64 KiB are shortened in
  // the evidence only.
  constexpr size_t kEvidenceBodyLimit = 64 * 1024;
  if (exchange.request_body.size() > kEvidenceBodyLimit) {
    exchange.request_body.resize(kEvidenceBodyLimit);
    exchange.request_body += " [shortened for the report]";
  }
  if (exchange.response_body.size() > kEvidenceBodyLimit) {
    exchange.response_body.resize(kEvidenceBodyLimit);
    exchange.response_truncated = true;
  }
  // And their headers to the first 16 KiB: a server that sends a thousand cookies per answer
  // must not make every exchange in the reports cost a hundred kilobytes.
  constexpr size_t kEvidenceHeaderLimit = 16 * 1024;
  for (HeaderList* headers : {&exchange.request_headers, &exchange.response_headers}) {
    size_t bytes = 0, kept = 0;
    while (kept < headers->size() &&
           (bytes += (*headers)[kept].first.size() + (*headers)[kept].second.size()) <=
               kEvidenceHeaderLimit)
      ++kept;
    if (kept == headers->size()) continue;
    size_t dropped = headers->size() - kept;
    headers->resize(kept);
    headers->emplace_back("x-conformance-note", std::to_string(dropped) +
                                                    " more headers not kept in the report");
  }
  result_.evidence.push_back(std::move(exchange));
}

void CheckContext::attach(Attachment attachment) {
  // A few screenshots per check at most; more would only repeat the same stuck page.
  constexpr size_t kMaxAttachments = 4;
  if (result_.attachments.size() < kMaxAttachments)
    result_.attachments.push_back(std::move(attachment));
}

void CheckContext::add_finding(Finding finding) {
  if (!declares(finding.requirement)) {
    // A check judging a row it does not declare would hide that verdict from --list, the
    // baseline and the reports' requirement tables: a harness defect, reported as such.
    unexpected_failure("a verdict on " + finding.requirement + ", which " + result_.suite + "." +
                       result_.name + " does not declare: " + finding.message);
    return;
  }
  result_.findings.push_back(std::move(finding));
}

void CheckContext::add_remark(std::string text) {
  if (std::find(remarks_.begin(), remarks_.end(), text) == remarks_.end())
    remarks_.push_back(std::move(text));
}

void CheckContext::abort_with(Outcome outcome, std::string message) {
  aborted_ = {outcome, std::move(message)};
}

void CheckContext::unexpected_failure(std::string message) {
  unexpected_.push_back(std::move(message));
}

CheckResult CheckContext::finish(bool gtest_skipped, const std::string& skip_message,
                                 double duration_ms) {
  CheckResult result = std::move(result_);
  result.duration_ms = duration_ms;
  Level strongest = Level::May;
  for (const auto& id : result.requirements)
    if (const Requirement* r = Catalogue::instance().find(id))
      strongest = std::min(strongest, r->level_for(policy().profile)); // Must < Should < May
  result.level = std::string(level_name(strongest));

  Outcome outcome = Outcome::Skip;
  bool judged = false;
  for (const auto& f : result.findings) {
    outcome = judged ? worst(outcome, f.outcome) : f.outcome;
    judged = true;
  }
  std::vector<std::string> messages;
  if (aborted_) {
    outcome = judged ? worst(outcome, aborted_->first) : aborted_->first;
    judged = true;
  } else if (gtest_skipped && !judged) {
    messages.push_back(skip_message.empty() ? "skipped" : skip_message);
  }
  for (const auto& u : unexpected_) {
    outcome = worst(outcome, Outcome::Error);
    messages.push_back("harness error: " + u);
    judged = true;
  }
  if (!judged && !gtest_skipped) {
    // A check that records no verdict asserts nothing: that is a harness defect, never a pass.
    outcome = Outcome::Error;
    messages.push_back("the check recorded no verdict");
  }
  for (const auto& f : result.findings)
    if (f.outcome == outcome) messages.push_back(f.requirement + ": " + f.message);
  if (aborted_ && (aborted_->first == outcome || messages.empty()))
    messages.push_back(aborted_->second);
  if (messages.empty())
    for (const auto& f : result.findings)
      messages.push_back(f.requirement + ": " + f.message);
  result.outcome = outcome;
  for (size_t i = 0; i < messages.size(); ++i)
    result.message += (i ? "; " : "") + messages[i];
  for (const std::string& r : remarks_)
    result.message += " (" + r + ")";
  // A secret can surface before the harness knows it is one: a redirect's body that repeats the
  // code is recorded before the driver reads the code from the Location. Every secret learnt
  // during the check is known now, so the evidence is redacted once more.
  for (Exchange& exchange : result.evidence)
    exchange = redactor().redact(std::move(exchange));
  result.message = redactor().redact_text(result.message);
  for (Attachment& a : result.attachments)
    a.caption = redactor().redact_text(a.caption);
  for (Finding& f : result.findings)
    f.message = redactor().redact_text(f.message);
  return result;
}

CheckContext* current_check() {
  return current;
}

void mark_run_wide(std::string_view requirement) {
  std::lock_guard lock(ledger().mutex);
  ledger().run_wide.emplace(requirement);
}

bool is_run_wide(std::string_view requirement) {
  std::lock_guard lock(ledger().mutex);
  return ledger().run_wide.count(requirement) > 0;
}

std::vector<DeferredFinding> take_deferred_findings(const CheckContext& taker) {
  std::lock_guard lock(ledger().mutex);
  std::vector<DeferredFinding> taken, kept;
  for (DeferredFinding& d : ledger().deferred)
    (taker.declares(d.finding.requirement) ? taken : kept).push_back(std::move(d));
  ledger().deferred = std::move(kept);
  return taken;
}

bool CheckContext::declares(std::string_view requirement) const {
  return std::find(result_.requirements.begin(), result_.requirements.end(), requirement) !=
         result_.requirements.end();
}

const Exchange* CheckContext::last_exchange() const {
  return result_.evidence.empty() ? nullptr : &result_.evidence.back();
}
void set_current_check(CheckContext* context) {
  current = context;
}

void run_check(const std::function<void()>& body) {
  try {
    body();
  } catch (const CheckAborted& aborted) {
    if (current) current->abort_with(aborted.outcome(), aborted.what());
    if (aborted.outcome() == Outcome::Skip) GTEST_SKIP() << aborted.what();
    ADD_FAILURE() << kVerdictMarker << aborted.what();
  } catch (const HttpGiveUp& gone) {
    // Not the server's answer to the check's question (rate limited, or it stopped answering):
    // the check cannot be judged.
    if (current) current->abort_with(Outcome::Error, gone.what());
    ADD_FAILURE() << kVerdictMarker << gone.what();
  } catch (const std::exception& e) {
    if (current) current->unexpected_failure(std::string("exception: ") + e.what());
    ADD_FAILURE() << kVerdictMarker << "harness exception: " << e.what();
  }
}

} // namespace conformance
