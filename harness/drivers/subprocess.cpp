#include "drivers/subprocess.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <set>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace conformance {
namespace {

// The inherited environment with `extra` set on top, as "NAME=VALUE" strings.
std::vector<std::string>
environment_with(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [n, v] : extra)
      replaced = replaced || n == name;
    if (!replaced) out.push_back(std::move(entry));
  }
  for (const auto& [n, v] : extra)
    out.push_back(n + "=" + v);
  return out;
}

// `in_fd` < 0 gives the child /dev/null as stdin.
pid_t spawn(const std::vector<std::string>& argv, int out_fd, int err_fd, int close_a, int close_b,
            const std::vector<std::pair<std::string, std::string>>& extra_env = {}, int in_fd = -1,
            int close_c = -1) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, close_a);
  if (close_b != close_a) posix_spawn_file_actions_addclose(&actions, close_b);
  if (in_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
    posix_spawn_file_actions_addclose(&actions, close_c);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env = environment_with(extra_env);
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  // Its own process group, so a timeout also stops whatever it started (a script's children).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  int rc = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::mutex child_groups_mutex;
std::set<pid_t>& child_groups() {
  static std::set<pid_t> groups; // never destroyed before the watchdog's last use
  return groups;
}

} // namespace

void register_child_group(pid_t group) {
  std::lock_guard lock(child_groups_mutex);
  child_groups().insert(group);
}

void unregister_child_group(pid_t group) {
  std::lock_guard lock(child_groups_mutex);
  child_groups().erase(group);
}

void kill_child_groups() {
  std::lock_guard lock(child_groups_mutex);
  for (pid_t group : child_groups())
    kill(-group, SIGKILL);
}

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const ProcessOptions& options) {
  if (argv.empty()) throw std::runtime_error("no program to run");
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
  pid_t pid;
  try {
    pid = spawn(argv, out[1], err[1], out[0], err[0], options.environment);
  } catch (...) {
    for (int fd : {out[0], out[1], err[0], err[1]})
      close(fd);
    throw;
  }
  close(out[1]);
  close(err[1]);
  ProcessResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        std::string& sink = i == 0 ? result.out : result.err;
        size_t room = options.max_output_bytes - std::min(sink.size(), options.max_output_bytes);
        sink.append(buf, std::min(room, static_cast<size_t>(n)));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int code = wait_exit(pid);
  result.exit_code = result.timed_out ? -1 : code;
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv) {
  int out[2], in[2];
  if (pipe(out) != 0 || pipe(in) != 0) throw std::runtime_error("pipe failed");
  // The parent holds the write end of the child's stdin: a server that watches stdin stops by
  // itself when this process goes away, however it ends.
  fcntl(in[1], F_SETFD, FD_CLOEXEC);
  int devnull = open("/dev/null", O_WRONLY);
  pid_ = spawn(argv, out[1], devnull, out[0], out[0], {}, in[0], in[1]);
  close(out[1]);
  close(in[0]);
  close(devnull);
  stdout_fd_ = out[0];
  stdin_fd_ = in[1];
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    kill(pid_, SIGCONT); // a stopped process handles SIGTERM only once it runs again
    for (int i = 0; i < 50; ++i) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      usleep(100'000);
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      wait_exit(pid_);
    }
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
  if (stdin_fd_ >= 0) close(stdin_fd_);
}

std::string BackgroundProcess::first_line(std::chrono::milliseconds timeout) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char c;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd fd{stdout_fd_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
    if (read(stdout_fd_, &c, 1) != 1) return "";
    if (c == '\n') return line;
    line += c;
  }
}

void BackgroundProcess::send_signal(int signo) {
  if (pid_ > 0) kill(pid_, signo);
}

int BackgroundProcess::signal_and_wait(int signo, std::chrono::milliseconds timeout) {
  send_signal(signo);
  return wait_for_exit(timeout);
}

int BackgroundProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    usleep(20'000);
  }
  kill(pid_, SIGKILL);
  wait_exit(pid_);
  pid_ = -1;
  return -1;
}

} // namespace conformance
