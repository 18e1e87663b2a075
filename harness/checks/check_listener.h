// Turns GoogleTest's test events into check results (DESIGN.md convention 7): it
// opens a CheckContext per test, routes evidence to it, and hands each finished
// CheckResult to the run record and the report sinks.
#pragma once

#include "checks/check.h"

#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

namespace conformance {

class CheckListener : public testing::EmptyTestEventListener {
public:
  CheckListener(RunRecord& record, std::vector<ResultSink*> sinks)
      : record_(record), sinks_(std::move(sinks)) {}

  void OnTestProgramStart(const testing::UnitTest& unit) override;
  void OnTestStart(const testing::TestInfo& info) override;
  void OnTestPartResult(const testing::TestPartResult& part) override;
  void OnTestEnd(const testing::TestInfo& info) override;

  // The record so far, safe to call from another thread (the interruption handler): finished
  // checks as they are, the running one marked unfinished and, when `with_not_run`, every
  // selected check that never started as a skip saying so, so reports still list every check.
  RunRecord snapshot(bool with_not_run = false) const;

private:
  mutable std::mutex mutex_; // guards record_ and running_ against snapshot()
  using TestKey = std::pair<std::string, std::string>; // GoogleTest suite and name
  std::optional<TestKey> running_;
  std::vector<TestKey> selected_; // what the filter selected, in GoogleTest's order
  std::set<TestKey> ended_;
  RunRecord& record_;
  std::vector<ResultSink*> sinks_;
  std::unique_ptr<CheckContext> context_;
  std::string skip_message_;
  std::chrono::steady_clock::time_point started_;
};

} // namespace conformance
