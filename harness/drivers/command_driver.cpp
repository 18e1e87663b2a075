#include "drivers/command_driver.h"

#include "core/bounded_json.h"
#include "core/text.h"
#include "core/url.h"
#include "drivers/subprocess.h"
#include "http/evidence.h"
#include "http/redaction.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
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
    auto doc = oauth::parse_bounded_json(line);
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

// The words of `line`, split at whitespace.
std::vector<std::string> words_of(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  for (std::string word; in >> word;)
    words.push_back(word);
  return words;
}

// `line` as a message may show it: every word may hold part of a URL, so each is redacted as one.
std::string shown(std::string_view line) {
  std::string out;
  for (const auto& word : words_of(line))
    out += (out.empty() ? "" : " ") + redactor().redact_url(word);
  return out;
}

// True for a line that claims the `stayed STATUS URL` ending (well-formed or not).
bool is_stayed_line(std::string_view line) {
  constexpr std::string_view kWord = "stayed";
  return line.substr(0, kWord.size()) == kWord &&
         (line.size() == kWord.size() || line[kWord.size()] == ' ' || line[kWord.size()] == '\t');
}

// Fills `result` from a `stayed STATUS URL` line (the contract is in the header) and returns "",
// or returns why the line is malformed. Strict, because a line read wrongly would turn a server
// that redirected into one that refused: only an exact status and an absolute URL that is not the
// redirect URI are taken.
std::string stay_at_server(AuthorizationResult& result, std::string_view line,
                           const std::string& redirect_uri) {
  std::vector<std::string> words = words_of(line);
  std::string printed = "printed \"" + shown(line) + "\"";
  if (words.size() != 3) return printed + ", which is not `stayed STATUS URL`";
  const std::string& status = words[1];
  const std::string& url = words[2];
  bool digits = status.size() == 3 && std::all_of(status.begin(), status.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
  // 1xx responses are interim: a browser never stays on one.
  if (!digits || status < "200" || status > "599")
    return printed + ": the status must be a three-digit HTTP status from 200 to 599";
  auto parts = oauth::parse_url(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https") || parts->host.empty())
    return printed + ": the URL must be an absolute http or https URL";
  // A browser at the redirect URI was sent to the client: that is a redirect, not a stay (the
  // rest of the client's origin may be the server's own, when both share a host).
  if (location_reaches(url, redirect_uri))
    return printed + ", but that URL is the redirect URI " + redirect_uri +
           ": print the URL alone when the browser was sent to the client";
  result.ending = AuthorizationResult::Ending::StoppedAtServer;
  result.last_url = url;
  result.last_response = HttpResponse{};
  result.last_response.status = std::stoi(status);
  // The program saw a page there; the verifiers judge a page that stays by its status and media
  // type, as they do the form driver's. A 3xx without a Location has no page to speak of.
  if (result.last_response.status / 100 != 3)
    result.last_response.headers = {{"content-type", "text/html"}};
  return "";
}

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
  if (is_stayed_line(url)) {
    std::string malformed = stay_at_server(result, url, redirect_uri);
    if (malformed.empty()) return result;
    return result.driver_failed(program + " " + malformed + "; stderr: " + tail(run.err));
  }
  // A URL holds no whitespace: such a line is a message, not where the browser went.
  if (url.find_first_of(" \t") != std::string::npos)
    return result.driver_failed(
        program + " printed \"" + shown(url) +
        "\", which is neither a URL nor `stayed STATUS URL`; stderr: " + tail(run.err));
  if (arrive_at(result, url, redirect_uri)) return result;
  return result.driver_failed(program + " printed " + redactor().redact_url(url) +
                              ", which is not the redirect URI " + redirect_uri);
}

} // namespace conformance
