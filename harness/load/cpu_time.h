// CPU time of the server a bench loads, so a run can report what a flow costs it: a process on
// this machine by PID (from /proc), or the bundled reference server's threads inside this
// process (all of this process's CPU minus the bench's own threads).
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

namespace conformance {

// utime + stime of every thread of `pid`, dead ones included, from /proc/PID/stat; nullopt when
// the process does not exist or cannot be read.
std::optional<double> process_cpu_s(pid_t pid);
// This process's CPU time (getrusage), microsecond resolution.
double own_process_cpu_s();
// The calling thread's CPU time.
double own_thread_cpu_s();

} // namespace conformance
