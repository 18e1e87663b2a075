// SIGINT and SIGTERM for both programs: the handler only records the signal (all a handler may
// safely do); the program polls it, finishes what it can (the reports, the figures so far) and
// exits 128 + the signal.
#pragma once

#include <atomic>

namespace conformance {

void install_interruption_handlers();
// The signal that asked the program to stop, or 0.
int interrupting_signal();
// Set once a signal arrived, for loops that poll a flag (the bench's load generator).
const std::atomic<bool>& interruption_requested();

} // namespace conformance
