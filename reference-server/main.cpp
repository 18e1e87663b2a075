// The reference-server binary: parses flags (faults and variants included), starts the server
// (over HTTPS with --tls-cert/--tls-key), prints its base URL as the first line of stdout and
// runs until SIGINT or SIGTERM.
#include "conformance_version.h"
#include "faults.h"
#include "options.h"
#include "server.h"
#include "variants.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <pthread.h>
#include <string>
#include <vector>

namespace {

// "a, b, c": the names of a fault or variant table, for an error message.
template <typename Table> std::string names_of(const Table& table) {
  std::string out;
  for (const auto& info : table) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Reference OAuth 2.1 authorization server with switchable deliberate faults and "
               "spec-allowed variants"};
  refserver::ServerOptions options;
  long long code_lifetime = options.code_lifetime.count();
  long long access_token_lifetime = options.access_token_lifetime.count();
  long long refresh_token_lifetime = options.refresh_token_lifetime.count();
  std::vector<std::string> fault_names;
  bool list_faults = false;
  std::vector<std::string> variant_names;
  bool list_variants = false;
  bool verbose = false;

  app.add_option("--host", options.host,
                 "Address to bind; also the issuer's host unless --public-host is given")
      ->capture_default_str();
  app.add_option("--public-host", options.public_host,
                 "Host name the server's URLs (issuer, endpoints) carry instead of --host, e.g. "
                 "a name clients map to the bound address (curl --resolve)");
  // Not checked here: start() loads both and fails (exit 1) saying which file is wrong and why.
  auto* tls_cert = app.add_option("--tls-cert", options.tls_cert_file,
                                  "PEM certificate (chain) to serve HTTPS with; needs --tls-key");
  auto* tls_key = app.add_option("--tls-key", options.tls_key_file,
                                 "Unencrypted PEM private key of --tls-cert; needs --tls-cert");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  app.add_option("--port", options.port, "TCP port; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--code-lifetime", code_lifetime, "Authorization code lifetime in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--access-token-lifetime", access_token_lifetime,
                 "Access token lifetime in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--refresh-token-lifetime", refresh_token_lifetime,
                 "Refresh token lifetime in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--threads", options.threads, "Worker threads")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--fault", fault_names, "Switch on a deliberate fault (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--variant", variant_names,
                 "Switch on a behaviour the specifications allow but the clean server does not "
                 "have (repeatable)")
      ->allow_extra_args(false);
  app.add_flag("--login-form", options.login_form,
               "Send /authorize through a login page and a consent page (user alice) instead of "
               "approving at once");
  app.add_flag("--login-spa", options.login_spa,
               "Like --login-form, but the login and consent pages are rendered by JavaScript "
               "from a JSON API (username, then password; Allow/Deny), so only a real browser "
               "gets through");
  app.add_option("--login-password", options.login_password,
                 "Password of the test user alice on the login page (either mode)")
      ->capture_default_str();
  app.add_option("--introspection-token", options.introspection_token,
                 "Bearer token that also authorises calls to /introspect (default: none, only "
                 "confidential clients may introspect)");
  app.add_option("--registration-token", options.registration_token,
                 "Initial access token /register requires (RFC 7591 §3; default: open "
                 "registration)");
  app.add_option("--max-clients", options.max_clients,
                 "Most dynamically registered clients held; at the cap a registration evicts the "
                 "least recently used client holding no live code or token, or is answered 503 "
                 "with Retry-After while every client holds one")
      ->check(CLI::Range(size_t{1}, size_t{100000000}))
      ->capture_default_str();
  app.add_option("--rate-limit-retry-after", options.rate_limit_retry_after,
                 "Retry-After, in seconds, of the 429s the authorize-rate-limited variant sends")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  app.add_option("--rate-limit-every", options.rate_limit_every,
                 "The authorize-rate-limited variant answers every Nth authorization request 429")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_flag("--cimd-allow-http-loopback", options.cimd_allow_http_loopback,
               "Testing only: also accept and fetch http://127.0.0.1:PORT/... client metadata "
               "document URLs as client_id, bypassing the SSRF guard for that address");
  app.add_flag("--list-faults", list_faults,
               "Print each fault, what it does and the rule it breaks, then exit");
  app.add_flag("--list-variants", list_variants,
               "Print each variant and what the server does differently, then exit");
  app.add_flag("--verbose", verbose, "Log one line per request to stderr");
  app.set_version_flag("--version", "reference-server " CONFORMANCE_VERSION);
  CLI11_PARSE(app, argc, argv);

  if (list_faults) {
    for (const auto& info : refserver::fault_table())
      std::cout << info.name << '\t' << info.misbehaviour << " (breaks: " << info.rule << ")\n";
    return 0;
  }
  if (list_variants) {
    for (const auto& info : refserver::variant_table())
      std::cout << info.name << '\t' << info.behaviour << '\n';
    return 0;
  }
  for (const std::string& name : fault_names) {
    auto fault = refserver::fault_from_name(name);
    if (!fault) {
      std::cerr << "unknown fault '" << name
                << "'; valid faults: " << names_of(refserver::fault_table()) << '\n';
      return 2;
    }
    options.faults.insert(*fault);
  }
  for (const std::string& name : variant_names) {
    auto variant = refserver::variant_from_name(name);
    if (!variant) {
      std::cerr << "unknown variant '" << name
                << "'; valid variants: " << names_of(refserver::variant_table()) << '\n';
      return 2;
    }
    options.variants.insert(*variant);
  }
  options.code_lifetime = std::chrono::seconds(code_lifetime);
  options.access_token_lifetime = std::chrono::seconds(access_token_lifetime);
  options.refresh_token_lifetime = std::chrono::seconds(refresh_token_lifetime);
  options.log_requests = verbose;

  // Block the stop signals before any thread exists so every thread inherits the mask and
  // sigwait() below is the only place they are delivered.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client hanging up mid-response must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);

  refserver::ReferenceServer server(options);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "reference-server: " << e.what() << '\n';
    return 1;
  }
  // The harness reads this line to find the server; nothing else goes to stdout.
  std::cout << server.base_url() << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  return 0;
}
