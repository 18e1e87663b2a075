#include "drivers/chromium_process.h"

#include "drivers/subprocess.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace conformance {
namespace {

bool executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::optional<std::string> on_path(const std::string& name) {
  if (name.find('/') != std::string::npos)
    return executable_file(name) ? std::optional(name) : std::nullopt;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

// What makes Chromium a quiet, self-contained renderer. Every request a page makes is answered
// by the harness through the DevTools Fetch domain (browser_driver.cpp), so the browser itself
// needs no network at all: its resolver knows no names and its proxy is a closed port, so
// nothing of its own (updates, metrics, safe browsing, prefetching) can reach anywhere.
std::vector<std::string> chromium_arguments(const ChromiumOptions& options,
                                            const std::string& profile_dir) {
  std::vector<std::string> args = {
      options.executable,
      "--remote-debugging-pipe",
      "--user-data-dir=" + profile_dir,
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      "--disable-default-apps",
      "--disable-domain-reliability",
      "--disable-client-side-phishing-detection",
      "--disable-breakpad",
      "--disable-dev-shm-usage", // containers' /dev/shm is often 64 MiB
      "--disable-gpu",
      "--mute-audio",
      "--hide-scrollbars",
      "--metrics-recording-only",
      "--password-store=basic",
      "--use-mock-keychain",
      "--no-pings",
      "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,"
      "CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
      "--host-resolver-rules=MAP * ~NOTFOUND",
      "--proxy-server=http://127.0.0.1:9",
      "--window-size=1280,900",
  };
  if (options.headless) args.push_back("--headless");
  // Chromium refuses to start as root with its sandbox on (CI containers run as root).
  if (geteuid() == 0) args.push_back("--no-sandbox");
  args.push_back("about:blank");
  return args;
}

// A pipe whose ends sit at descriptors 10 and above with close-on-exec set, so the child can
// move one end to 3 or 4 with dup2 (which clears the flag) without colliding with the other.
void high_pipe(int fds[2]) {
  int raw[2];
  if (pipe(raw) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  for (int i = 0; i < 2; ++i) {
    fds[i] = fcntl(raw[i], F_DUPFD_CLOEXEC, 10);
    close(raw[i]);
  }
  if (fds[0] < 0 || fds[1] < 0) throw std::runtime_error("cannot place the DevTools pipe");
}

} // namespace

std::optional<std::string> find_chromium(const std::string& configured) {
  if (!configured.empty()) return on_path(configured);
  for (const char* name : {"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"})
    if (auto found = on_path(name)) return found;
  return std::nullopt;
}

ChromiumProcess::ChromiumProcess(const ChromiumOptions& options) {
  std::string pattern = (std::filesystem::temp_directory_path() / "conformance-browser-XXXXXX");
  if (!mkdtemp(pattern.data()))
    throw std::runtime_error("cannot create a browser profile directory: " +
                             std::string(std::strerror(errno)));
  profile_dir_ = pattern;
  std::vector<std::string> args = chromium_arguments(options, profile_dir_);
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  int commands[2], events[2];
  high_pipe(commands); // harness writes [1], Chromium reads [0] as fd 3
  high_pipe(events);   // Chromium writes [1] as fd 4, harness reads [0]
  std::string log = profile_dir_ + "/stderr.log";
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec: this process may have other threads.
    setpgid(0, 0);                   // its own group: our Ctrl-C is not its, and a kill gets all
    prctl(PR_SET_PDEATHSIG, SIGKILL); // and it dies with us even if we are killed outright
    if (getppid() != parent) _exit(127);
    // Standard streams first: the log or /dev/null may sit at 3 or 4, which the pipe takes next.
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    if (dup2(commands[0], 3) < 0 || dup2(events[1], 4) < 0) _exit(127);
    execve(argv[0], argv.data(), environ);
    _exit(127);
  }
  int fork_errno = errno;
  close(commands[0]);
  close(events[1]);
  if (log_fd >= 0) close(log_fd);
  if (null_fd >= 0) close(null_fd);
  if (pid_ < 0) {
    close(commands[1]);
    close(events[0]);
    std::filesystem::remove_all(profile_dir_);
    throw std::runtime_error("cannot start " + options.executable + ": " +
                             std::strerror(fork_errno));
  }
  setpgid(pid_, pid_); // also here, so the group exists before we could kill it
  register_child_group(pid_);
  command_fd_ = commands[1];
  event_fd_ = events[0];
}

ChromiumProcess::~ChromiumProcess() {
  if (command_fd_ >= 0) close(command_fd_);
  if (event_fd_ >= 0) close(event_fd_);
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    unregister_child_group(pid_);
  }
  std::error_code ignored;
  std::filesystem::remove_all(profile_dir_, ignored);
}

bool ChromiumProcess::exited() {
  if (pid_ <= 0) return true;
  int status;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  kill(-pid_, SIGKILL); // what it started may outlive it
  unregister_child_group(pid_);
  pid_ = -1;
  return true;
}

std::string ChromiumProcess::stderr_tail() const {
  std::ifstream in(profile_dir_ + "/stderr.log");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    // Headless Chromium complains about D-Bus on every machine without a desktop session.
    if (line.find("dbus") != std::string::npos || line.find("D-Bus") != std::string::npos)
      continue;
    lines.push_back(line);
    if (lines.size() > 5) lines.erase(lines.begin());
  }
  std::string out;
  for (const std::string& l : lines)
    out += (out.empty() ? "" : " | ") + l.substr(0, 300);
  return out;
}

} // namespace conformance
