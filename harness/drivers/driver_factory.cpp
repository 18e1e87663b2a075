#include "drivers/driver_factory.h"

#include "drivers/browser_driver.h"
#include "drivers/command_driver.h"
#include "drivers/form_driver.h"
#include "drivers/manual_driver.h"

namespace conformance {

std::string_view driver_kind_name(DriverKind kind) {
  switch (kind) {
  case DriverKind::Redirect:
    return "redirect";
  case DriverKind::Form:
    return "form";
  case DriverKind::Browser:
    return "browser";
  case DriverKind::Command:
    return "command";
  case DriverKind::Manual:
    return "manual";
  }
  return "redirect";
}

std::optional<DriverKind> parse_driver_kind(std::string_view name) {
  for (DriverKind kind :
       {DriverKind::Redirect, DriverKind::Form, DriverKind::Browser, DriverKind::Command,
        DriverKind::Manual})
    if (driver_kind_name(kind) == name) return kind;
  return std::nullopt;
}

std::unique_ptr<AuthorizationDriver> make_driver(const DriverSettings& settings, HttpClient& http) {
  switch (settings.kind) {
  case DriverKind::Form:
    return std::make_unique<FormDriver>(http, FormDriverOptions{settings.form_fields});
  case DriverKind::Browser: {
    BrowserDriverOptions options;
    options.fields = settings.form_fields;
    options.chromium = {find_chromium(settings.browser_executable)
                            .value_or(settings.browser_executable.empty()
                                          ? std::string("chromium")
                                          : settings.browser_executable),
                        settings.browser_headless};
    options.timeout = settings.timeout.value_or(std::chrono::seconds(60));
    return std::make_unique<BrowserDriver>(http, std::move(options));
  }
  case DriverKind::Command:
    return std::make_unique<CommandDriver>(CommandDriverOptions{
        settings.command, settings.timeout.value_or(std::chrono::seconds(120))});
  case DriverKind::Manual:
    return std::make_unique<ManualDriver>(
        ManualDriverOptions{settings.timeout.value_or(std::chrono::seconds(300))});
  case DriverKind::Redirect:
    break;
  }
  return std::make_unique<RedirectDriver>(http);
}

} // namespace conformance
