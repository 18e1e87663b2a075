// The `conformance` run (everything but `conformance bench`).
#pragma once

namespace conformance {

// Returns the exit code: 0 no failure, 1 a failure (or a result that contradicts the baseline),
// 2 it could not run, 130/143 SIGINT/SIGTERM ended it (the reports are still written).
int run_main(int argc, char** argv);

} // namespace conformance
