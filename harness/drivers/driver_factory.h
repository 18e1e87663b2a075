// Which driver a run uses, as settings parsed at the edge, and the one place that makes it, so
// `conformance` and `conformance bench` get the same driver from the same settings.
#pragma once

#include "drivers/authorization_driver.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

enum class DriverKind {
  Redirect, // follow the server's own redirects (auto-consent servers)
  Form,     // sign in and consent by submitting the pages' forms
  Browser,  // sign in and consent in headless Chromium (pages that need JavaScript)
  Command,  // the operator's program does the login and prints the final redirect
  Manual    // a person, in a browser, comes back to a loopback port
};
std::string_view driver_kind_name(DriverKind kind); // "redirect", "form", ...
std::optional<DriverKind> parse_driver_kind(std::string_view name);
inline constexpr std::string_view kDriverKindNames =
    "redirect, form, browser, command or manual";

struct DriverSettings {
  DriverKind kind = DriverKind::Redirect;
  std::map<std::string, std::string> form_fields; // form and browser: the sign-in fields
  std::string browser_executable;                 // browser: Chromium's path; empty: on PATH
  bool browser_headless = true;                   // browser: false shows its window
  std::vector<std::string> command;               // command: the program and its arguments
  // How long one login may take with the command (default 120 s), manual (300 s) or browser
  // (60 s) driver.
  std::optional<std::chrono::seconds> timeout;
};

// The driver `settings` describe; the redirect and form drivers send through `http`, which must
// outlive the driver.
std::unique_ptr<AuthorizationDriver> make_driver(const DriverSettings& settings, HttpClient& http);

} // namespace conformance
