// The command driver: hands the authorization URL to the operator's own program (a browser
// automation script, an AS-specific hook) and takes the final redirect URL it prints. The harness
// stays black-box; only the login step is delegated.
#pragma once

#include "drivers/authorization_driver.h"

#include <chrono>
#include <string>
#include <vector>

namespace conformance {

struct CommandDriverOptions {
  std::vector<std::string> argv; // the program and its fixed arguments
  std::chrono::seconds timeout{120};
};

// Runs `argv... AUTHORIZATION_URL` with CONFORMANCE_AUTHORIZATION_URL and
// CONFORMANCE_REDIRECT_URI in its environment. The last non-empty line of its stdout says how the
// program's browser ended, in one of two ways:
//  - the URL the user agent was finally sent to (the redirect URI with code or error): ends as
//    RedirectedToClient (or ClientOriginOtherPath);
//  - `stayed STATUS URL` when the server kept the browser on a page of its own instead of sending
//    it on (an error page for an unknown client or an unregistered redirect URI): STATUS is the
//    page's three-digit HTTP status (200-599) and URL the absolute http(s) URL that answered with
//    it, which must not be the redirect URI itself. Ends as StoppedAtServer with that status and
//    URL, judged like a page the form driver stays on: a 2xx, 4xx or 5xx is taken as a text/html
//    page (the body stays unknown). The URL is redacted wherever it is shown.
// A non-zero exit, a timeout or an unusable line (including a malformed `stayed` line) ends as
// DriverFailed, with the program's stderr.
//
// The program may also say what it did: CONFORMANCE_EXCHANGE_LOG names a file it can append
// one JSON object per line to, one per HTTP exchange, and the harness adds them to the check's
// evidence (redacted like its own). Members, all optional but `url`: "method", "url", "status"
// (a number), "request_headers" and "response_headers" (objects of strings), "request_body",
// "response_body", "duration_ms", "error" (why no response came). At most 1,000 lines and
// 4 MiB are read; a line that is not such an object is skipped.
class CommandDriver : public AuthorizationDriver {
public:
  explicit CommandDriver(CommandDriverOptions options) : options_(std::move(options)) {}
  std::string_view name() const override { return "command"; }
  bool sees_pages() const override { return false; }
  using AuthorizationDriver::authorize;
  AuthorizationResult authorize(const std::string& authorization_url,
                                const std::string& redirect_uri) override;

private:
  CommandDriverOptions options_;
};

} // namespace conformance
