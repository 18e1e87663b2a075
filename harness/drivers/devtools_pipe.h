// The Chrome DevTools Protocol over Chromium's --remote-debugging-pipe: JSON messages, each
// ended by a NUL byte, commands with ids and answers that name them, events in between.
// Everything blocks with a deadline; nothing from the browser is trusted to be small or shallow.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace conformance {

using Deadline = std::chrono::steady_clock::time_point;

// The browser answered a command with an error, went away, or did not answer in time.
class DevToolsError : public std::runtime_error {
public:
  enum class Kind { Answer, Closed, Timeout, Malformed };
  DevToolsError(Kind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

private:
  Kind kind_;
};

class DevToolsPipe {
public:
  // Uses (does not own) `write_fd` for commands and `read_fd` for answers and events.
  DevToolsPipe(int write_fd, int read_fd);

  // Sends a command to the browser, or to the page `session` is attached to; returns its id.
  int send(std::string_view method, const nlohmann::json& params, const std::string& session = {},
           Deadline deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10));
  // Receives events that arrive while an answer is awaited. It may send() but never wait: a
  // page blocked on a request the harness must answer would otherwise never answer us.
  using EventHandler = std::function<void(nlohmann::json& event)>;
  // The answer's `result` to command `id`; events that come first go to `on_event`, or are
  // queued for next_event() when there is none.
  nlohmann::json result_of(int id, Deadline deadline, const EventHandler& on_event = {});
  nlohmann::json call(std::string_view method, const nlohmann::json& params,
                      const std::string& session, Deadline deadline,
                      const EventHandler& on_event = {}) {
    return result_of(send(method, params, session, deadline), deadline, on_event);
  }
  // Keeps the answer to `id` (sent earlier) until result_of(id) asks for it, whatever is
  // awaited meanwhile: how a tab is prepared in the background while another is in use.
  void keep_answer(int id) { kept_.insert(id); }

  // The next event (queued or read now), or nullopt once `deadline` passes.
  std::optional<nlohmann::json> next_event(Deadline deadline);

  // A message larger than this ends the connection (a full-page PNG is a few MiB in base64).
  static constexpr size_t kMaxMessageBytes = 64 * 1024 * 1024;

private:
  // Stores an answer that keep_answer() asked for; false when nobody waits for it.
  bool file_kept_answer(nlohmann::json& message);
  // Reads until one whole message is buffered, or the deadline; nullopt at the deadline.
  std::optional<nlohmann::json> read_message(Deadline deadline);

  int write_fd_;
  int read_fd_;
  int next_id_ = 1;
  std::string buffer_;
  std::deque<nlohmann::json> events_;
  std::set<int> kept_;                     // ids whose answers are kept
  std::map<int, nlohmann::json> answers_; // kept answers not yet asked for
};

} // namespace conformance
