// The `browser` authorization driver (DESIGN.md "Driver"): headless Chromium over the DevTools
// protocol, for sign-in pages that only a browser gets through (rendered by scripts, submitted
// with fetch, a username page before a password page). The browser renders and runs scripts;
// the harness fetches: every request a page makes is paused (Fetch domain), sent by the run's
// HttpClient (its TLS settings, redirect guard, timeouts, size caps and evidence) and answered
// with what came back. So the browser needs no network of its own, and the client's redirect
// URI is recorded the moment anything asks for it, never loaded.
#pragma once

#include "drivers/authorization_driver.h"
#include "drivers/chromium_process.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace conformance {

struct BrowserDriverOptions {
  // The sign-in fields, as for the form driver; matched to inputs by name, id, autocomplete,
  // type (password, email) and label text.
  std::map<std::string, std::string> fields;
  ChromiumOptions chromium;
  std::chrono::seconds timeout{60}; // one whole authorization, every page and request in it
  int max_actions = 8;              // fills and presses per authorization (sign-in steps, consent)
  // A page has settled when it has loaded and nothing happened (no request, no navigation) for
  // this long; scripts that render after a fetch get this long to do it.
  std::chrono::milliseconds quiet{150};
  // How long a settled page may take to show something to fill or press before the driver
  // gives up on it (slow single-page applications render late).
  std::chrono::milliseconds render_wait{3000};
};

class BrowserDriver : public AuthorizationDriver {
public:
  // Sends every request through `http`, which must outlive the driver; Chromium starts at the
  // first authorization and stops with the driver.
  BrowserDriver(HttpClient& http, BrowserDriverOptions options);
  ~BrowserDriver() override;
  std::string_view name() const override { return "browser"; }
  bool can_decline() const override { return true; }
  AuthorizationResult authorize(const std::string& authorization_url,
                                const std::string& redirect_uri) override;
  AuthorizationResult authorize(const std::string& authorization_url,
                                const std::string& redirect_uri, ConsentDecision decision) override;

  struct Browser; // the Chromium process and its DevTools pipe

private:
  Browser& browser(); // starts it when it is not running

  HttpClient& http_;
  HttpClient resources_; // the same options with room for scripts and style sheets
  BrowserDriverOptions options_;
  std::unique_ptr<Browser> browser_;
};

} // namespace conformance
