// Turns GoogleTest's test events into check results (DESIGN.md convention 7): it
// opens a CheckContext per test, routes evidence to it, and hands each finished
// CheckResult to the run record and the report sinks.
#pragma once

#include "check.h"

#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <vector>

namespace conformance {

class CheckListener : public testing::EmptyTestEventListener {
public:
  CheckListener(RunRecord& record, std::vector<ResultSink*> sinks)
      : record_(record), sinks_(std::move(sinks)) {}

  void OnTestStart(const testing::TestInfo& info) override;
  void OnTestPartResult(const testing::TestPartResult& part) override;
  void OnTestEnd(const testing::TestInfo& info) override;

private:
  RunRecord& record_;
  std::vector<ResultSink*> sinks_;
  std::unique_ptr<CheckContext> context_;
  std::string skip_message_;
  std::chrono::steady_clock::time_point started_;
};

} // namespace conformance
