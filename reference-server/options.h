// Runtime configuration of the reference server, filled by main.cpp or by tests directly.
#pragma once

#include "faults.h"
#include "variants.h"

#include <chrono>
#include <cstddef>
#include <set>
#include <string>

namespace refserver {

struct ServerOptions {
  std::string host = "127.0.0.1"; // the address bound
  int port = 0;                   // 0 picks an ephemeral port
  // The host name the server's own URLs carry (base URL, issuer, every advertised endpoint)
  // instead of `host`, so a test can present a non-loopback issuer that clients reach through
  // a name override (curl --resolve) while the server still binds loopback. Empty: `host`.
  std::string public_host;
  // PEM certificate (chain, leaf first) and unencrypted PEM private key, both or neither. With
  // them the server speaks only HTTPS and its URLs use https://; a missing, unreadable,
  // passphrase-protected or mismatched pair makes start() throw.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::chrono::seconds code_lifetime{60};
  std::chrono::seconds access_token_lifetime{3600};
  std::chrono::seconds refresh_token_lifetime{86400};
  std::set<Fault> faults;
  std::set<Variant> variants; // spec-allowed behaviours that differ from the clean server
  // Limits on what a client sends before a handler sees it (connection_gate.h): a body's
  // payload, chunked or not (413); a head's header fields and bytes, request line included
  // (431); the time its head, and then its body, may take to arrive (408).
  size_t max_body_bytes = 64 * 1024;
  size_t max_header_count = 100;
  size_t max_header_bytes = 32 * 1024;
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};
  // Dynamically registered clients held at most; at the cap a registration evicts the least
  // recently used client that holds no live code or token, or is refused (503) when none is idle.
  size_t max_clients = 10000;
  int threads = 8;
  bool log_requests = false; // one line per request on stderr; never includes secrets
  // Interactive mode: /authorize sends the user agent through a login page and a consent page
  // instead of approving at once. The only account is the test user with this password.
  bool login_form = false;
  // The same flow with pages a script renders from a JSON API (login_spa.h), so only a real
  // browser gets through. Implies login_form's parking; with both, the script pages are served.
  bool login_spa = false;
  std::string login_password = "wonderland";
  // Testing only: also accept http://127.0.0.1:PORT/... as client metadata document URLs and
  // fetch them, skipping the SSRF refusal for exactly that address, so tests can serve
  // documents from a local fixture without TLS. Never for a deployment.
  bool cimd_allow_http_loopback = false;
  // A bearer token that authorises a resource server to call /introspect (RFC 7662 §2.1) without
  // being a registered client. Empty: only confidential clients may introspect.
  std::string introspection_token;
  // The initial access token /register requires (RFC 7591 §3). Empty: registration is open.
  std::string registration_token;
  // The Retry-After (seconds) of the authorize-rate-limited variant's 429s: 1 is a limit a
  // client waits out, an hour one it must give up on.
  int rate_limit_retry_after = 1;
  // Which authorization requests the variant limits: every Nth. Sparse by default so a self-check
  // meets the limit a few times without waiting a second per flow.
  int rate_limit_every = 8;

  bool tls() const { return !tls_cert_file.empty() || !tls_key_file.empty(); }
  // Whether /authorize parks valid requests behind the login and consent pages.
  bool interactive_login() const { return login_form || login_spa; }
  bool has(Fault f) const { return faults.count(f) != 0; }
  bool has(Variant v) const { return variants.count(v) != 0; }
};

} // namespace refserver
