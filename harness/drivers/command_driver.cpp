#include "drivers/command_driver.h"

#include "core/text.h"
#include "drivers/subprocess.h"
#include "http/redaction.h"

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
  process.max_output_bytes = 1024 * 1024;
  ProcessResult run;
  try {
    run = run_process(argv, options_.timeout, process);
  } catch (const std::exception& e) {
    return result.driver_failed(e.what());
  }
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
