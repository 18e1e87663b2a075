// The `conformance diff` subcommand: compares two JSON result records (run_diff.h).
#pragma once

namespace conformance {

// argv[0] is "diff"; returns the exit code: 0 no new failure, 1 a failure or error that is new
// and not accepted by the NEW run's baseline, 2 an input could not be read or is not a result
// record, or a report could not be written.
int diff_main(int argc, char** argv);

} // namespace conformance
