#include "check_listener.h"

namespace conformance {

void CheckListener::OnTestStart(const testing::TestInfo& info) {
  {
    std::lock_guard lock(mutex_);
    running_.emplace(info.test_suite_name(), info.name());
  }
  context_ = std::make_unique<CheckContext>(info.test_suite_name(), info.name());
  skip_message_.clear();
  set_current_check(context_.get());
  set_evidence_sink(context_.get());
  started_ = std::chrono::steady_clock::now();
  for (ResultSink* sink : sinks_)
    sink->on_check_started(info.test_suite_name(), info.name());
}

void CheckListener::OnTestPartResult(const testing::TestPartResult& part) {
  if (!context_) return;
  std::string message = part.message() ? part.message() : "";
  if (part.skipped()) {
    skip_message_ = message;
    return;
  }
  // GoogleTest puts "Failed\n" before a message, so the marker is looked for anywhere.
  if (part.failed() && message.find(kVerdictMarker) == std::string::npos)
    context_->unexpected_failure(message); // not raised by a verdict: a harness defect
}

void CheckListener::OnTestEnd(const testing::TestInfo& info) {
  if (!context_) return;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
                  .count();
  set_current_check(nullptr);
  set_evidence_sink(nullptr);
  CheckResult result = context_->finish(info.result()->Skipped(), skip_message_, ms);
  context_.reset();
  const CheckResult* finished;
  {
    std::lock_guard lock(mutex_);
    record_.checks.push_back(std::move(result));
    running_.reset();
    finished = &record_.checks.back();
  }
  for (ResultSink* sink : sinks_)
    sink->on_check_finished(*finished);
}

RunRecord CheckListener::snapshot() const {
  std::lock_guard lock(mutex_);
  RunRecord copy = record_;
  if (running_) {
    CheckResult unfinished;
    unfinished.suite = std::string(report_suite_name(running_->first));
    unfinished.name = running_->second;
    if (const CheckInfo* info = find_check(running_->first, running_->second))
      unfinished.requirements = info->requirements;
    unfinished.outcome = Outcome::Error;
    unfinished.unfinished = true;
    unfinished.message = "the run was interrupted while this check ran";
    copy.checks.push_back(std::move(unfinished));
  }
  return copy;
}

} // namespace conformance
