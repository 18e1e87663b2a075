#include "checks/check_listener.h"

namespace conformance {

void CheckListener::OnTestProgramStart(const testing::UnitTest& unit) {
  std::lock_guard lock(mutex_);
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t)
      if (const testing::TestInfo& info = *suite.GetTestInfo(t); info.should_run())
        selected_.emplace_back(info.test_suite_name(), info.name());
  }
}

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
    ended_.emplace(info.test_suite_name(), info.name());
    running_.reset();
    finished = &record_.checks.back();
  }
  for (ResultSink* sink : sinks_)
    sink->on_check_finished(*finished);
}

namespace {

CheckResult placeholder(const std::pair<std::string, std::string>& test, Outcome outcome,
                        std::string message) {
  CheckResult c;
  c.suite = std::string(report_suite_name(test.first));
  c.name = test.second;
  if (const CheckInfo* info = find_check(test.first, test.second))
    c.requirements = info->requirements;
  c.outcome = outcome;
  c.message = std::move(message);
  return c;
}

} // namespace

RunRecord CheckListener::snapshot(bool with_not_run) const {
  std::lock_guard lock(mutex_);
  RunRecord copy = record_;
  if (running_) {
    copy.checks.push_back(
        placeholder(*running_, Outcome::Error, "the run was interrupted while this check ran"));
    copy.checks.back().unfinished = true;
  }
  if (with_not_run)
    for (const TestKey& test : selected_)
      if (!ended_.count(test) && test != running_)
        copy.checks.push_back(placeholder(
            test, Outcome::Skip, "not run: the run was interrupted before this check started"));
  return copy;
}

} // namespace conformance
