// Runs the project's own binaries from tests: one-shot commands with a deadline,
// and background servers whose first stdout line is read (the reference server
// prints its base URL there).
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

struct ProcessResult {
  int exit_code = -1; // -1 when killed or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs argv[0] with the given arguments; kills it after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

class BackgroundProcess {
public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess(); // SIGTERM, then SIGKILL if it lingers
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  // The first line on stdout, or "" if none arrives in time.
  std::string first_line(std::chrono::milliseconds timeout);

private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};
