// The manual driver: a person completes the login in their own browser. The harness prints the
// authorization URL, waits for the browser to arrive at the loopback redirect URI (RFC 8252
// §7.3), answers it with a short page, and takes the code or error from that request. For a few
// checks at a time (--gtest_filter), when nothing else can get through a server's pages.
#pragma once

#include "drivers/authorization_driver.h"

#include <chrono>
#include <functional>
#include <ostream>
#include <string>

namespace conformance {

struct ManualDriverOptions {
  std::chrono::seconds timeout{300}; // per authorization
  std::ostream* prompt = nullptr;    // where the URL is shown (stderr when null)
};

class ManualDriver : public AuthorizationDriver {
public:
  explicit ManualDriver(ManualDriverOptions options) : options_(options) {}
  std::string_view name() const override { return "manual"; }
  bool sees_pages() const override { return false; }
  using AuthorizationDriver::authorize;
  // `redirect_uri` must be http on a loopback address with an explicit port, which the driver
  // listens on for the duration of one authorization.
  AuthorizationResult authorize(const std::string& authorization_url,
                                const std::string& redirect_uri) override;

private:
  ManualDriverOptions options_;
};

// A free TCP port on 127.0.0.1 for the manual driver's redirect URI.
int free_loopback_port();

} // namespace conformance
