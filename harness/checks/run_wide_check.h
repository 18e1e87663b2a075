// Checks that judge what the whole run observed, for rows whose pass criterion is "every one
// seen during the run" (ERR-01: every token error). Other checks that meet such a row on the way
// hand their observation over (check.h); the run-wide check runs after every other check and
// reports them, so one defect is one failing check, not one per check that happened to see it.
#pragma once

#include "checks/check.h"

namespace conformance {

// Registers a run-wide check's requirements (so --list and the catalogue see them, and other
// checks defer to it) and its body, for register_run_wide_checks().
bool register_run_wide_check(const char* suite, const char* name,
                             std::vector<std::string> requirements, void (*body)(),
                             const char* file, int line);

// Adds every run-wide check to GoogleTest after the static ones, so they run last. Call once,
// after testing::InitGoogleTest and before the list or the run.
void register_run_wide_checks();

// Turns the observations others deferred into this check's verdicts: each violation (up to a
// few per requirement, with the exchange that showed it) and one pass per requirement summing
// up the rest. Skips when nothing was deferred.
void judge_deferred_findings();

} // namespace conformance

// Declares a run-wide check: CONFORMANCE_RUN_WIDE_CHECK(DuringTheRun, ErrorsAreWellFormed,
// "ERR-01") {...}. GoogleTest runs a suite's tests together, so a run-wide check needs a suite
// of run-wide checks only (DuringTheRun) to come last.
#define CONFORMANCE_RUN_WIDE_CHECK(Suite, Name, ...)                                               \
  static void Suite##Name##Body();                                                                 \
  [[maybe_unused]] static const bool Suite##Name##Registered =                                     \
      ::conformance::register_run_wide_check(#Suite, #Name, {__VA_ARGS__}, &Suite##Name##Body,     \
                                             __FILE__, __LINE__);                                  \
  static void Suite##Name##Body()
