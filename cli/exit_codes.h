// The exit codes of both programs (DESIGN.md "Exit codes"); 128 + N when signal N ended a run.
#pragma once

namespace conformance {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailures = 1;  // a failure (run), or failed flows (bench)
inline constexpr int kExitCannotRun = 2; // bad arguments or settings, nothing to test

} // namespace conformance
