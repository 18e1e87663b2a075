#include "drivers/devtools_pipe.h"

#include "core/bounded_json.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace conformance {
namespace {

int millis_until(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long>(left.count(), 60'000));
}

} // namespace

DevToolsPipe::DevToolsPipe(int write_fd, int read_fd) : write_fd_(write_fd), read_fd_(read_fd) {
  // A browser that died (or never started) must show up as a write error, not kill the harness
  // with SIGPIPE: the process ignores it, as libcurl also asks of its users.
  std::signal(SIGPIPE, SIG_IGN);
  // Non-blocking both ways, so a browser that stops reading or writing cannot outlast a deadline.
  for (int fd : {write_fd_, read_fd_})
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int DevToolsPipe::send(std::string_view method, const nlohmann::json& params,
                       const std::string& session, Deadline deadline) {
  int id = next_id_++;
  nlohmann::json message = {{"id", id}, {"method", method}, {"params", params}};
  if (!session.empty()) message["sessionId"] = session;
  // Page text can hold invalid UTF-8; replace it rather than throw.
  std::string bytes = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  bytes.push_back('\0');
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = write(write_fd_, bytes.data() + sent, bytes.size() - sent);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      throw DevToolsError(DevToolsError::Kind::Closed,
                          "the browser closed its DevTools pipe (" +
                              std::string(std::strerror(errno)) + ")");
    pollfd fd{write_fd_, POLLOUT, 0};
    if (poll(&fd, 1, millis_until(deadline)) == 0 && millis_until(deadline) == 0)
      throw DevToolsError(DevToolsError::Kind::Timeout,
                          "the browser stopped reading DevTools commands");
  }
  return id;
}

std::optional<nlohmann::json> DevToolsPipe::read_message(Deadline deadline) {
  char chunk[65536];
  while (true) {
    size_t end = buffer_.find('\0');
    if (end != std::string::npos) {
      std::string_view text(buffer_.data(), end);
      nlohmann::json message = oauth::parse_bounded_json(text);
      if (message.is_discarded() || !message.is_object()) {
        std::string start(text.substr(0, 80));
        buffer_.erase(0, end + 1);
        throw DevToolsError(DevToolsError::Kind::Malformed,
                            "the browser sent a DevTools message that is not a JSON object (" +
                                start + ")");
      }
      buffer_.erase(0, end + 1);
      return message;
    }
    if (buffer_.size() > kMaxMessageBytes)
      throw DevToolsError(DevToolsError::Kind::Malformed,
                          "the browser sent a DevTools message over 64 MiB");
    ssize_t n = read(read_fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0)
      throw DevToolsError(DevToolsError::Kind::Closed, "the browser closed its DevTools pipe");
    if (errno != EAGAIN && errno != EINTR)
      throw DevToolsError(DevToolsError::Kind::Closed,
                          "reading from the browser failed: " + std::string(std::strerror(errno)));
    int wait = millis_until(deadline);
    if (wait == 0) return std::nullopt;
    pollfd fd{read_fd_, POLLIN, 0};
    poll(&fd, 1, wait);
  }
}

bool DevToolsPipe::file_kept_answer(nlohmann::json& message) {
  auto found = message.find("id");
  if (found == message.end() || !found->is_number_integer()) return false;
  int id = found->get<int>();
  if (!kept_.erase(id)) return false;
  answers_.emplace(id, std::move(message));
  return true;
}

nlohmann::json DevToolsPipe::result_of(int id, Deadline deadline, const EventHandler& on_event) {
  while (on_event && !events_.empty()) {
    nlohmann::json queued = std::move(events_.front());
    events_.pop_front();
    on_event(queued);
  }
  std::optional<nlohmann::json> message;
  if (auto kept = answers_.find(id); kept != answers_.end()) {
    message = std::move(kept->second);
    answers_.erase(kept);
  }
  kept_.erase(id);
  while (!message) {
    message = read_message(deadline);
    if (!message)
      throw DevToolsError(DevToolsError::Kind::Timeout,
                          "the browser did not answer a DevTools command in time");
    auto found = message->find("id");
    if (found == message->end()) {
      if (on_event)
        on_event(*message);
      else
        events_.push_back(std::move(*message));
      message.reset();
      continue;
    }
    if (!found->is_number_integer() || found->get<int>() != id) {
      file_kept_answer(*message); // or an abandoned command's
      message.reset();
    }
  }
  if (auto error = message->find("error"); error != message->end()) {
    std::string text = error->is_object() ? error->value("message", "") : "";
    throw DevToolsError(DevToolsError::Kind::Answer, text.empty() ? "error" : text);
  }
  auto result = message->find("result");
  return result == message->end() ? nlohmann::json::object() : std::move(*result);
}

std::optional<nlohmann::json> DevToolsPipe::next_event(Deadline deadline) {
  while (events_.empty()) {
    auto message = read_message(deadline);
    if (!message) return std::nullopt;
    if (!message->contains("id"))
      events_.push_back(std::move(*message));
    else
      file_kept_answer(*message);
  }
  nlohmann::json event = std::move(events_.front());
  events_.pop_front();
  return event;
}

} // namespace conformance
