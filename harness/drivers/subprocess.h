// Child processes: one-shot commands with a deadline and an output cap (the command driver runs
// the operator's login program this way; the tests run the project's binaries), and background
// servers whose first stdout line is read (the reference server prints its base URL there).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace conformance {

struct ProcessResult {
  int exit_code = -1; // -1 when killed or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

struct ProcessOptions {
  // Added to (or replacing in) the inherited environment.
  std::vector<std::pair<std::string, std::string>> environment;
  // Output beyond this many bytes per stream is dropped (the child keeps running until done).
  size_t max_output_bytes = 64 * 1024 * 1024;
};

// Runs argv[0] (looked up in PATH when it has no slash) with the given arguments; kills it after
// `timeout`. Throws std::runtime_error when it cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const ProcessOptions& options = {});

// Process groups of long-lived helpers (the browser driver's Chromium). An interrupted run exits
// from a watchdog thread without unwinding the stack, so it ends them here first: SIGKILL to
// every group still registered. Safe to call from any thread, any number of times.
void register_child_group(pid_t group);
void unregister_child_group(pid_t group);
void kill_child_groups();

class BackgroundProcess {
public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess(); // SIGTERM, then SIGKILL if it lingers
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  // The first line on stdout, or "" if none arrives in time.
  std::string first_line(std::chrono::milliseconds timeout);
  // Sends `signo` and waits for the exit: the exit status, or -1 if it was killed by a signal
  // or did not exit within `timeout` (then it is killed).
  int signal_and_wait(int signo, std::chrono::milliseconds timeout);
  // Sends `signo` without waiting (SIGSTOP freezes it; the destructor still ends it).
  void send_signal(int signo);
  // Waits for the exit: the exit status, or -1 if it was killed by a signal or did not exit
  // within `timeout` (then it is killed).
  int wait_for_exit(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stdin_fd_ = -1;
};

} // namespace conformance
