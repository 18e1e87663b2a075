// The `conformance bench` subcommand (see bench.h for what it measures).
#pragma once

namespace conformance {

// argv[0] is "bench"; returns the exit code: 0 every flow succeeded, 1 some failed (the errors
// are listed by kind), 2 it could not run, 130/143 SIGINT/SIGTERM ended it early (the figures
// measured so far are still printed and written).
int bench_main(int argc, char** argv);

} // namespace conformance
