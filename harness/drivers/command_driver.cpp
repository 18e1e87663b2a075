#include "drivers/command_driver.h"

#include "core/text.h"
#include "drivers/subprocess.h"
#include "http/evidence.h"
#include "http/redaction.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace conformance {
namespace {

// The tail of a program's stderr, for a one-line message.
std::string tail(const std::string& text, size_t max = 400) {
  std::string t(oauth::trim(text));
  if (t.size() > max) t = "..." + t.substr(t.size() - max);
  for (char& c : t)
    if (c == '\n' || c == '\r') c = ' ';
  return t.empty() ? "(no stderr)" : t;
}

std::string last_line(const std::string& text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = text.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    std::string line(oauth::trim(std::string_view(text).substr(start, end - start)));
    if (!line.empty()) return line;
    if (start == 0) break;
    end = start - 1;
  }
  return "";
}

// A file the program may log its exchanges to, removed when this goes.
class ExchangeLog {
public:
  ExchangeLog() {
    const char* dir = std::getenv("TMPDIR");
    std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/conformance-exchanges-XXXXXX";
    int fd = mkstemp(pattern.data());
    if (fd >= 0) {
      close(fd);
      path_ = pattern;
    }
  }
  ~ExchangeLog() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  ExchangeLog(const ExchangeLog&) = delete;
  ExchangeLog& operator=(const ExchangeLog&) = delete;
  const std::string& path() const { return path_; }

  // Hands every well-formed line to the running check's evidence.
  void record_all() const {
    constexpr size_t kMaxLines = 1000;
    constexpr size_t kMaxBytes = 4 * 1024 * 1024;
    std::ifstream in(path_, std::ios::binary);
    std::string line;
    size_t lines = 0, bytes = 0;
    while (lines < kMaxLines && bytes < kMaxBytes && std::getline(in, line)) {
      ++lines;
      bytes += line.size() + 1;
      if (auto exchange = parse(line)) record_exchange(std::move(*exchange));
    }
  }

private:
  static HeaderList headers(const nlohmann::json& object) {
    HeaderList out;
    if (object.is_object())
      for (const auto& [name, value] : object.items())
        if (value.is_string()) out.emplace_back(name, value.get<std::string>());
    return out;
  }

  static std::optional<Exchange> parse(const std::string& line) {
    // Flat objects only: a program's log is not a place for deep nesting.
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("url") || !doc["url"].is_string())
      return std::nullopt;
    auto text = [&](const char* name) {
      auto it = doc.find(name);
      return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    Exchange e;
    e.method = text("method").empty() ? "GET" : text("method");
    e.url = text("url");
    if (doc.contains("status") && doc["status"].is_number_integer())
      e.status = doc["status"].get<int>();
    e.request_headers = headers(doc.value("request_headers", nlohmann::json()));
    e.response_headers = headers(doc.value("response_headers", nlohmann::json()));
    for (auto& [name, value] : e.response_headers)
      name = oauth::ascii_lower(name);
    e.request_body = text("request_body");
    e.response_body = text("response_body");
    e.transport_error = text("error");
    if (doc.contains("duration_ms") && doc["duration_ms"].is_number())
      e.duration_ms = doc["duration_ms"].get<double>();
    return e;
  }

  std::string path_;
};

} // namespace

AuthorizationResult CommandDriver::authorize(const std::string& authorization_url,
                                             const std::string& redirect_uri) {
  AuthorizationResult result;
  if (options_.argv.empty()) return result.driver_failed("no command configured");
  std::vector<std::string> argv = options_.argv;
  argv.push_back(authorization_url);
  ProcessOptions process;
  process.environment = {{"CONFORMANCE_AUTHORIZATION_URL", authorization_url},
                         {"CONFORMANCE_REDIRECT_URI", redirect_uri}};
  ExchangeLog log;
  if (!log.path().empty()) process.environment.emplace_back("CONFORMANCE_EXCHANGE_LOG", log.path());
  process.max_output_bytes = 1024 * 1024;
  ProcessResult run;
  try {
    run = run_process(argv, options_.timeout, process);
  } catch (const std::exception& e) {
    return result.driver_failed(e.what());
  }
  // Whatever the ending, what the program did is evidence.
  log.record_all();
  const std::string& program = options_.argv.front();
  if (run.timed_out)
    return result.driver_failed(program + " did not finish within " +
                                std::to_string(options_.timeout.count()) +
                                " s; stderr: " + tail(run.err));
  if (run.exit_code != 0)
    return result.driver_failed(program + " exited with status " + std::to_string(run.exit_code) +
                                "; stderr: " + tail(run.err));
  std::string url = last_line(run.out);
  if (url.empty())
    return result.driver_failed(program + " printed no URL; stderr: " + tail(run.err));
  if (arrive_at(result, url, redirect_uri)) return result;
  return result.driver_failed(program + " printed " + redactor().redact_url(url) +
                              ", which is not the redirect URI " + redirect_uri);
}

} // namespace conformance
