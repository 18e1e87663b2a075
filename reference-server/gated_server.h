// httplib::Server and httplib::SSLServer with their connections run through a ConnectionGate.
// httplib 0.11 offers no hook on how it reads a request head, and its implementation lives in
// the shared library, so the system header cannot be patched; what it does offer is the virtual
// process_and_close_socket() its accept loop calls for each socket, and the protected
// process_request() that parses and routes one request from any httplib::Stream. These servers
// override the first to hand the socket to the gate, and call the second from the gate's
// workers with a ConnectionStream: routes, handlers and settings stay httplib's, while heads,
// bodies and idle connections are bounded here.
#pragma once

#include "connection_gate.h"
#include "connection_stream.h"

#include <functional>
#include <httplib.h>
#include <memory>
#include <openssl/ssl.h>

namespace refserver {

struct GateSettings {
  GateLimits limits; // idle_timeout is taken from the server's keep-alive timeout
  BodyLimits body;   // read and write timeouts are taken from the server's
  size_t workers = 8;
  Refusal refusal;
};

std::unique_ptr<httplib::Server> make_gated_server(GateSettings settings);
// `setup` configures the SSL_CTX, as httplib::SSLServer's callback constructor does.
std::unique_ptr<httplib::Server> make_gated_tls_server(GateSettings settings,
                                                       const std::function<bool(SSL_CTX&)>& setup);

} // namespace refserver
