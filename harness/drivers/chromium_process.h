// Headless Chromium as a child process for the browser driver: found on PATH or where the
// operator says, started with the DevTools protocol on a pipe (fds 3 and 4, so no port is
// opened and no WebSocket is needed), in a profile and a process group of its own, and ended
// with every process it started.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

namespace conformance {

// The Chromium to run: `configured` (a path, or a name looked up on PATH) when given, else the
// first of chromium, chromium-browser, google-chrome-stable, google-chrome on PATH. nullopt
// when there is none (or `configured` is not an executable file).
std::optional<std::string> find_chromium(const std::string& configured = {});

struct ChromiumOptions {
  std::string executable; // as find_chromium returned it
  bool headless = true;   // false shows the window (debugging a login on a desktop)
};

class ChromiumProcess {
public:
  // Starts it; throws std::runtime_error saying why it could not.
  explicit ChromiumProcess(const ChromiumOptions& options);
  ~ChromiumProcess(); // SIGKILL to its process group, then the profile is removed
  ChromiumProcess(const ChromiumProcess&) = delete;
  ChromiumProcess& operator=(const ChromiumProcess&) = delete;

  int command_fd() const { return command_fd_; } // the harness writes protocol messages here
  int event_fd() const { return event_fd_; }     // and reads answers and events here
  pid_t pid() const { return pid_; }
  // Whether the browser process has exited (reaps it if so).
  bool exited();
  // The last lines Chromium wrote to stderr, for a message when it died.
  std::string stderr_tail() const;

private:
  pid_t pid_ = -1;
  int command_fd_ = -1;
  int event_fd_ = -1;
  std::string profile_dir_;
};

} // namespace conformance
