#include "check_listener.h"

namespace conformance {

void CheckListener::OnTestStart(const testing::TestInfo& info) {
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
  record_.checks.push_back(std::move(result));
  for (ResultSink* sink : sinks_)
    sink->on_check_finished(record_.checks.back());
}

} // namespace conformance
