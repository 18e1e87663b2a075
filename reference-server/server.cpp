// HTTP glue: routes httplib requests to the transport-neutral endpoint services.
#include "server.h"

#include "authorization_endpoint.h"
#include "client_directory.h"
#include "client_metadata_fetcher.h"
#include "core/text.h"
#include "error_description.h"
#include "gated_server.h"
#include "html_page.h"
#include "introspection_endpoint.h"
#include "login_flow.h"
#include "login_spa.h"
#include "mcp_endpoint.h"
#include "metadata_endpoint.h"
#include "policy.h"
#include "protected_resource_metadata.h"
#include "registration_endpoint.h"
#include "revocation_endpoint.h"
#include "store.h"
#include "token_endpoint.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <httplib.h>
#include <mutex>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <utility>
#include <vector>

namespace refserver {
namespace {

void send(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [name, value] : from.headers)
    to.set_header(name.c_str(), value);
  if (!from.content_type.empty())
    to.set_content(from.body, from.content_type.c_str());
  else
    to.body = from.body;
}

struct Route {
  std::string path;
  std::vector<std::string> methods;
};

// Served only under the oidc-discovery-incomplete fault.
constexpr const char* kOidcDiscoveryPath = "/.well-known/openid-configuration";

// Every path served, with its methods. HEAD is listed only where it is harmless: a HEAD to
// /authorize must not run the GET handler and mint a code whose response nobody reads.
std::vector<Route> routes(const ServerOptions& options) {
  // OPTIONS: the CORS preflight of browser-based clients, which metadata-no-cors does not answer.
  const std::vector<std::string> metadata_methods =
      options.has(Variant::MetadataNoCors) ? std::vector<std::string>{"GET", "HEAD"}
                                           : std::vector<std::string>{"GET", "HEAD", "OPTIONS"};
  const std::string at(endpoint_prefix(options)); // the path the OAuth endpoints live under
  std::vector<Route> out = {
      // OAuth 2.1 §3.1: the authorization endpoint takes GET and may take a form POST.
      {at + "/authorize", {"GET", "POST"}},
      // OAuth 2.1 §3.2: POST only; token-accepts-get also lets GET through.
      {at + "/token", options.has(Fault::TokenAcceptsGet) ? std::vector<std::string>{"POST", "GET"}
                                                          : std::vector<std::string>{"POST"}},
      {at + "/register", {"POST"}},
      // RFC 7662 §2.1 and RFC 7009 §2.1: POST only.
      {at + "/introspect", {"POST"}},
      {at + "/revoke", {"POST"}},
  };
  // no-metadata-default-endpoints publishes none, so those URLs answer 404.
  if (std::string path = metadata_path(options); !path.empty())
    out.push_back({path, metadata_methods});
  if (options.has(Fault::OidcDiscoveryIncomplete))
    out.push_back({kOidcDiscoveryPath, metadata_methods});
  // MCP Streamable HTTP: POST carries messages, GET asks for an SSE stream, DELETE ends a
  // session; the MCP service authenticates each before looking at the method.
  out.push_back({std::string(kMcpPath), {"POST", "GET", "DELETE"}});
  if (!options.has(Variant::NoMetadataDefaultEndpoints))
    for (const std::string& path : protected_resource_metadata_paths(options))
      out.push_back({path, metadata_methods});
  // The page the error_uri of error-uri-given points at.
  if (options.has(Variant::ErrorUriGiven)) out.push_back({"/errors", {"GET", "HEAD"}});
  if (options.login_spa) {
    // The form POSTs of --login-form are not served: the only way through is the JSON API.
    for (const char* path : {"/login", "/consent", "/login/api/context", "/consent/api/context"})
      out.push_back({path, {"GET"}});
    for (const char* path : {"/login/api/username", "/login/api/password", "/consent/api/decision"})
      out.push_back({path, {"POST"}});
    for (std::string_view path :
         {LoginSpaService::kLoginScriptPath, LoginSpaService::kConsentScriptPath})
      out.push_back({std::string(path), {"GET", "HEAD"}});
  } else if (options.login_form) {
    out.push_back({"/login", {"GET", "POST"}});
    out.push_back({"/consent", {"GET", "POST"}});
  }
  return out;
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values)
    out += (out.empty() ? "" : ", ") + v;
  return out;
}

// The query parsed from the raw request target rather than taken from httplib's params map:
// duplicates and exact values matter to OAuth.
oauth::Params query_params(const httplib::Request& req) {
  std::string_view target = req.target;
  size_t question = target.find('?');
  return oauth::parse_form(question == std::string_view::npos ? std::string_view{}
                                                              : target.substr(question + 1));
}

bool is_form(const httplib::Request& req) {
  return media_type(req.get_header_value("Content-Type")) == "application/x-www-form-urlencoded";
}

// A form POST to the token, introspection or revocation endpoint.
ClientRequest client_request(const httplib::Request& req) {
  ClientRequest out;
  out.form_encoded = is_form(req);
  if (out.form_encoded) out.params = oauth::parse_form(req.body);
  out.query = query_params(req);
  out.authorization = req.get_header_value("Authorization");
  return out;
}

SpaRequest spa_request(const httplib::Request& req) {
  SpaRequest out;
  out.query = query_params(req);
  out.cookie = req.get_header_value("Cookie");
  out.content_type = req.get_header_value("Content-Type");
  out.csrf_token = req.get_header_value("X-CSRF-Token");
  out.body = req.body;
  return out;
}

BrowserRequest browser_request(const httplib::Request& req) {
  BrowserRequest out;
  out.query = query_params(req);
  out.form_encoded = req.method == "POST" && is_form(req);
  if (out.form_encoded) out.form = oauth::parse_form(req.body);
  out.cookie = req.get_header_value("Cookie");
  return out;
}

// Every Authorization header is kept: a repeated one is a malformed request (RFC 6750 §3.1).
McpRequest mcp_request(const httplib::Request& req) {
  McpRequest out;
  out.method = req.method;
  auto [first, last] = req.headers.equal_range("Authorization");
  for (auto it = first; it != last; ++it)
    out.authorization.push_back(it->second);
  size_t question = req.target.find('?');
  if (question != std::string::npos) out.query = req.target.substr(question + 1);
  if (req.has_header("Mcp-Session-Id")) out.session_id = req.get_header_value("Mcp-Session-Id");
  if (req.has_header("Accept")) out.accept = req.get_header_value("Accept");
  if (req.has_header("MCP-Protocol-Version"))
    out.protocol_version = req.get_header_value("MCP-Protocol-Version");
  out.content_type = req.get_header_value("Content-Type");
  out.body = req.body;
  return out;
}

// A JSON error whose description goes through error_description() and the error-description-*
// variants, as every other endpoint's does.
HttpResponse described_error(const ServerOptions& options, int status, std::string_view error,
                             std::string_view text) {
  return json_error(options, status, error, error_description(options, text));
}

std::string url_host(const std::string& host) {
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

// A host name or address literal as --public-host may give it: nothing that could end the
// authority part of a URL or smuggle userinfo, a path or whitespace into the issuer.
bool is_plain_host(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
           c == ':';
  });
}

// The reason of the oldest queued OpenSSL error (the one that says what went wrong first),
// clearing the queue.
std::string openssl_reason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  // A file that cannot be opened is reported as an errno value.
  if (ERR_GET_LIB(code) == ERR_LIB_SYS) return std::strerror(ERR_GET_REASON(code));
  const char* reason = ERR_reason_error_string(code);
  if (reason) return reason;
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

// How the connection gate bounds what clients send before a handler sees it; its refusals
// (413, 431, 414, 408, 400) carry the same JSON error as every other endpoint.
GateSettings gate_settings(const ServerOptions& options) {
  GateSettings out;
  out.limits.head.max_fields = options.max_header_count;
  out.limits.head.max_bytes = options.max_header_bytes;
  out.limits.head_timeout = options.head_timeout;
  out.body.max_bytes = options.max_body_bytes;
  out.body.timeout = options.body_timeout;
  out.workers = static_cast<size_t>(std::max(1, options.threads));
  out.refusal = [&options](int status, std::string_view description) {
    return described_error(options, status, "invalid_request", description);
  };
  return out;
}

// The listener: plain or TLS, both behind the connection gate (gated_server.h), the TLS one
// with the configured certificate and key, loaded here (not by httplib's path constructor) so a
// failure says which file and why.
std::unique_ptr<httplib::Server> make_listener(const ServerOptions& options) {
  if (!options.tls()) return make_gated_server(gate_settings(options));
  if (options.tls_cert_file.empty() || options.tls_key_file.empty())
    throw std::runtime_error("TLS needs both a certificate (--tls-cert) and a private key "
                             "(--tls-key)");
  std::string problem;
  auto server = make_gated_tls_server(gate_settings(options), [&](SSL_CTX& ctx) {
    ERR_clear_error();
    // OAuth 2.1 §1.5 defers to BCP 195 (RFC 9325 §3.1.1), which rules out anything below
    // TLS 1.2; compression is off because of CRIME (RFC 9325 §3.3).
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx,
                        SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
    // A passphrase-protected key must fail to load, not make OpenSSL prompt on the terminal.
    SSL_CTX_set_default_passwd_cb(&ctx, [](char*, int, int, void*) { return 0; });
    if (SSL_CTX_use_certificate_chain_file(&ctx, options.tls_cert_file.c_str()) != 1) {
      problem = "cannot load the TLS certificate " + options.tls_cert_file + ": " +
                openssl_reason() + " (a PEM certificate chain is expected)";
      return false;
    }
    if (SSL_CTX_use_PrivateKey_file(&ctx, options.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      problem = "cannot load the TLS private key " + options.tls_key_file + ": " +
                openssl_reason() + " (an unencrypted PEM private key matching " +
                options.tls_cert_file + " is expected)";
      return false;
    }
    if (SSL_CTX_check_private_key(&ctx) != 1) {
      problem = "the TLS private key " + options.tls_key_file + " does not match the certificate " +
                options.tls_cert_file + ": " + openssl_reason();
      return false;
    }
    return true;
  });
  if (!server->is_valid())
    throw std::runtime_error(problem.empty() ? "cannot set up TLS: " + openssl_reason() : problem);
  return server;
}

// Paths are attacker-controlled; keep the log one line of printable text.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text)
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

} // namespace

struct ReferenceServer::Impl {
  Impl(ServerOptions opts, std::shared_ptr<ClientMetadataFetcher> fetcher)
      : options(std::move(opts)),
        clients(options, store,
                fetcher ? std::move(fetcher)
                        : std::make_shared<CurlMetadataFetcher>(options)) {
  }

  ServerOptions options;
  Store store;
  ClientDirectory clients; // the store plus client metadata documents
  // Built in start(): plain or TLS, depending on the options. Routes are installed the same way
  // on either, through the httplib::Server base.
  std::unique_ptr<httplib::Server> server;
  // Built in start(): the issuer depends on the port actually bound.
  std::unique_ptr<MetadataService> metadata;
  std::unique_ptr<RegistrationService> registration;
  std::unique_ptr<AuthorizationService> authorization;
  std::unique_ptr<TokenService> token;
  std::unique_ptr<IntrospectionService> introspection;
  std::unique_ptr<RevocationService> revocation;
  std::unique_ptr<ProtectedResourceMetadataService> resource_metadata;
  std::unique_ptr<McpService> mcp;
  std::unique_ptr<LoginService> login;        // only with options.interactive_login()
  std::unique_ptr<LoginSpaService> login_spa; // only with options.login_spa, over `login`

  std::mutex lifecycle;
  std::thread listener;
  std::atomic<bool> listen_returned{false};
  std::atomic<long> authorization_requests{0}; // for the authorize-rate-limited variant
  bool started = false;
  bool stopped = false;
  int port = 0;
  std::string base_url;

  void install_routes();
  void handle_authorize(const AuthorizationRequest& request, httplib::Response& res);
};

void ReferenceServer::Impl::handle_authorize(const AuthorizationRequest& request,
                                             httplib::Response& res) {
  if (options.has(Variant::AuthorizeRateLimited) &&
      authorization_requests++ % options.rate_limit_every == options.rate_limit_every - 1) {
    // The variant: a gateway's limit on authorization requests, stated both as Retry-After
    // (RFC 9110 §10.2.3) and as the httpapi RateLimit fields.
    std::string wait = std::to_string(options.rate_limit_retry_after);
    HttpResponse limited;
    limited.status = 429;
    limited.set_header("Content-Type", "text/plain; charset=utf-8");
    limited.set_header("Retry-After", wait);
    limited.set_header("RateLimit-Policy", "\"authorize\";q=1;w=" + wait);
    limited.set_header("RateLimit", "\"authorize\";r=0;t=" + wait);
    limited.body = "Too many authorization requests; retry in " + wait + " s\n";
    send(limited, res);
    return;
  }
  HttpResponse response = login ? login->authorize(request) : authorization->authorize(request);
  if (options.has(Fault::AuthorizeCors)) response.set_header("Access-Control-Allow-Origin", "*");
  send(response, res);
}

void ReferenceServer::Impl::install_routes() {
  httplib::Server& http = *server;
  // Unknown paths and wrong methods are answered before httplib reads a body, so the status
  // does not depend on whether the request carried one.
  http.set_pre_routing_handler(
      [this, table = routes(options)](const httplib::Request& req, httplib::Response& res) {
        const Route* route = nullptr;
        for (const Route& r : table)
          if (req.path == r.path) route = &r;
        if (!route) {
          send(described_error(options, 404, "not_found", "no such endpoint"), res);
          return httplib::Server::HandlerResponse::Handled;
        }
        const auto& methods = route->methods;
        if (std::find(methods.begin(), methods.end(), req.method) != methods.end()) {
          // httplib would inflate a gzip, deflate or br body with no limit on the result, so a
          // small compressed body could fill memory; no endpoint here needs one (RFC 9110
          // §15.5.16, §12.5.3: 415, naming the one coding accepted).
          if (req.has_header("Content-Encoding") &&
              !oauth::iequals(oauth::trim(req.get_header_value("Content-Encoding")), "identity")) {
            HttpResponse response = described_error(options, 415, "invalid_request",
                                                    "compressed request bodies are not accepted");
            response.set_header("Accept-Encoding", "identity");
            send(response, res);
            return httplib::Server::HandlerResponse::Handled;
          }
          return httplib::Server::HandlerResponse::Unhandled;
        }
        const std::string at(endpoint_prefix(options));
        if (req.path == at + "/token") {
          send(token->method_not_allowed(), res);
        } else if (req.path == at + "/authorize" && req.method == "OPTIONS" &&
                   options.has(Fault::AuthorizeCors)) {
          // The fault: a CORS preflight is granted, so scripts on any origin may call /authorize.
          HttpResponse response;
          response.status = 204;
          response.set_header("Access-Control-Allow-Origin", "*");
          response.set_header("Access-Control-Allow-Methods", "GET, POST");
          send(response, res);
        } else {
          // Includes OPTIONS: the authorization and login pages are navigated to, never fetched
          // cross-origin, so they answer no preflight and send no Access-Control-* header.
          HttpResponse response =
              described_error(options, 405, "invalid_request", "method not allowed");
          response.set_header("Allow", join(methods));
          send(response, res);
        }
        return httplib::Server::HandlerResponse::Handled;
      });

  // The oidc-discovery-incomplete fault serves the same document as OpenID configuration.
  // httplib reads the paths as regular expressions; their unescaped dots cannot widen the match
  // because the pre-routing handler has already required the exact path.
  for (const std::string& path : {metadata_path(options), std::string(kOidcDiscoveryPath)}) {
    if (path.empty()) continue; // no-metadata-default-endpoints
    http.Get(path, [this](const httplib::Request& req, httplib::Response& res) {
      send(metadata->metadata({req.has_header("MCP-Protocol-Version")}), res);
    });
    http.Options(path, [this](const httplib::Request& req, httplib::Response& res) {
      send(metadata->preflight(req.get_header_value("Access-Control-Request-Headers")), res);
    });
  }

  if (options.has(Variant::ErrorUriGiven))
    http.Get("/errors", [this](const httplib::Request&, httplib::Response& res) {
      send(error_codes_page(options), res);
    });

  // Every OAuth endpoint lives under this path (metadata-not-at-origin-root moves them).
  const std::string at(endpoint_prefix(options));

  http.Post(at + "/register", [this](const httplib::Request& req, httplib::Response& res) {
    send(registration->register_client({req.get_header_value("Content-Type"), req.body,
                                        req.get_header_value("Authorization")}),
         res);
  });

  http.Get(at + "/authorize", [this](const httplib::Request& req, httplib::Response& res) {
    handle_authorize({query_params(req)}, res);
  });

  // The POST form of the authorization request carries its parameters in the body only.
  http.Post(at + "/authorize", [this](const httplib::Request& req, httplib::Response& res) {
    if (!is_form(req)) {
      HttpResponse response =
          html_error_page(options, 400, "Invalid request",
                          "The request body must be application/x-www-form-urlencoded.");
      if (options.has(Fault::AuthorizeCors))
        response.set_header("Access-Control-Allow-Origin", "*");
      send(response, res);
      return;
    }
    handle_authorize({oauth::parse_form(req.body)}, res);
  });

  if (login_spa) {
    // HTTP glue only: each route hands a SpaRequest to the service.
    auto route = [this](HttpResponse (LoginSpaService::*handler)(const SpaRequest&)) {
      return [this, handler](const httplib::Request& req, httplib::Response& res) {
        send((login_spa.get()->*handler)(spa_request(req)), res);
      };
    };
    http.Get("/login", route(&LoginSpaService::login_page));
    http.Get("/consent", route(&LoginSpaService::consent_page));
    http.Get("/login/api/context", route(&LoginSpaService::login_context));
    http.Post("/login/api/username", route(&LoginSpaService::submit_username));
    http.Post("/login/api/password", route(&LoginSpaService::submit_password));
    http.Get("/consent/api/context", route(&LoginSpaService::consent_context));
    http.Post("/consent/api/decision", route(&LoginSpaService::submit_decision));
    http.Get(std::string(LoginSpaService::kLoginScriptPath),
             [](const httplib::Request&, httplib::Response& res) {
               send(LoginSpaService::login_script(), res);
             });
    http.Get(std::string(LoginSpaService::kConsentScriptPath),
             [](const httplib::Request&, httplib::Response& res) {
               send(LoginSpaService::consent_script(), res);
             });
  } else if (login) {
    http.Get("/login", [this](const httplib::Request& req, httplib::Response& res) {
      send(login->login_page(browser_request(req)), res);
    });
    http.Post("/login", [this](const httplib::Request& req, httplib::Response& res) {
      send(login->login_submit(browser_request(req)), res);
    });
    http.Get("/consent", [this](const httplib::Request& req, httplib::Response& res) {
      send(login->consent_page(browser_request(req)), res);
    });
    http.Post("/consent", [this](const httplib::Request& req, httplib::Response& res) {
      send(login->consent_submit(browser_request(req)), res);
    });
  }

  http.Post(at + "/token", [this](const httplib::Request& req, httplib::Response& res) {
    TokenRequest request = client_request(req);
    // A DPoP header is never read: this server does not do DPoP (RFC 9449), so it issues Bearer
    // tokens and, unless dpop-advertised-ignored is on, does not advertise DPoP either.
    send(token->token(request), res);
  });

  http.Post(at + "/introspect", [this](const httplib::Request& req, httplib::Response& res) {
    send(introspection->introspect(client_request(req)), res);
  });

  http.Post(at + "/revoke", [this](const httplib::Request& req, httplib::Response& res) {
    send(revocation->revoke(client_request(req)), res);
  });

  // Only reachable under token-accepts-get (routes() refuses GET otherwise): the query string
  // is taken as the form body.
  http.Get(at + "/token", [this](const httplib::Request& req, httplib::Response& res) {
    TokenRequest request;
    request.params = query_params(req);
    request.authorization = req.get_header_value("Authorization");
    send(token->token(request), res);
  });

  for (const std::string& path : protected_resource_metadata_paths(options)) {
    http.Get(path, [this](const httplib::Request&, httplib::Response& res) {
      send(resource_metadata->metadata(), res);
    });
    http.Options(path, [this](const httplib::Request& req, httplib::Response& res) {
      send(resource_metadata->preflight(req.get_header_value("Access-Control-Request-Headers")),
           res);
    });
  }

  auto mcp_handler = [this](const httplib::Request& req, httplib::Response& res) {
    send(mcp->handle(mcp_request(req)), res);
  };
  http.Post(std::string(kMcpPath), mcp_handler);
  http.Get(std::string(kMcpPath), mcp_handler);
  http.Delete(std::string(kMcpPath), mcp_handler);

  // Fills in bodies httplib leaves empty (unknown path, oversized body, malformed request);
  // responses our handlers built are left untouched.
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const char* error = res.status == 404   ? "not_found"
                            : res.status >= 500 ? "server_error"
                                                : "invalid_request";
        res.set_content(nlohmann::json{{"error", error}}.dump(), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));

  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        // Whatever a handler had set (e.g. a half-built redirect) must not leak out.
        res.headers.clear();
        res.status = 500;
        res.set_content(R"({"error":"server_error"})", "application/json");
      });

  if (options.log_requests)
    http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      // Only method, path and status: queries and bodies carry codes, tokens and secrets.
      std::fprintf(stderr, "%s %s %d\n", printable(req.method).c_str(), printable(req.path).c_str(),
                   res.status);
    });
}

ReferenceServer::ReferenceServer(ServerOptions options)
    : ReferenceServer(std::move(options), nullptr) {}

ReferenceServer::ReferenceServer(ServerOptions options,
                                 std::shared_ptr<ClientMetadataFetcher> fetcher)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(fetcher))) {}

ReferenceServer::~ReferenceServer() {
  stop();
}

int ReferenceServer::start() {
  std::lock_guard lock(impl_->lifecycle);
  Impl& s = *impl_;
  if (s.stopped) throw std::logic_error("ReferenceServer cannot be restarted after stop()");
  if (s.started) return s.port;

  const std::string& public_host =
      s.options.public_host.empty() ? s.options.host : s.options.public_host;
  if (!s.options.public_host.empty() && !is_plain_host(s.options.public_host))
    throw std::runtime_error("invalid public host name '" + printable(public_host) + "'");
  // Throws when the certificate or key cannot be loaded, before anything is bound.
  s.server = make_listener(s.options);
  httplib::Server& http = *s.server;

  // The workers are the gate's (options.threads); httplib's payload limit stays as a second
  // line behind the gate's body limits.
  http.set_payload_max_length(s.options.max_body_bytes);
  // A read or write that makes no progress for this long fails the request.
  http.set_read_timeout(5, 0);
  http.set_write_timeout(5, 0);
  http.set_keep_alive_max_count(1000);
  // How long a kept-alive connection may idle, in the gate, before its next request: long enough
  // for a client's next call in a flow, short enough that pooled connections do not pile up.
  http.set_keep_alive_timeout(1);
  // Headers and body leave in separate writes; without TCP_NODELAY each response waits
  // ~40 ms for the client's delayed ACK (Nagle), which would dominate every flow.
  http.set_tcp_nodelay(true);

  // httplib's default also sets SO_REUSEPORT, which would let a second server silently share
  // a port that is already taken; keep only SO_REUSEADDR so binding a busy port fails.
  http.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  if (s.options.port == 0) {
    s.port = http.bind_to_any_port(s.options.host);
    if (s.port <= 0) throw std::runtime_error("cannot bind to " + s.options.host);
  } else {
    if (!http.bind_to_port(s.options.host, s.options.port))
      throw std::runtime_error("cannot bind to " + s.options.host + ":" +
                               std::to_string(s.options.port));
    s.port = s.options.port;
  }
  s.base_url = std::string(s.options.tls() ? "https://" : "http://") + url_host(public_host) + ":" +
               std::to_string(s.port);

  s.metadata = std::make_unique<MetadataService>(s.options, s.base_url);
  s.registration = std::make_unique<RegistrationService>(s.options, s.store);
  s.authorization = std::make_unique<AuthorizationService>(
      s.options, s.store, s.clients, advertised_issuer(s.options, s.base_url));
  s.token = std::make_unique<TokenService>(s.options, s.store, s.clients, s.base_url);
  s.introspection = std::make_unique<IntrospectionService>(
      s.options, s.store, s.clients, advertised_issuer(s.options, s.base_url));
  s.revocation = std::make_unique<RevocationService>(s.options, s.store, s.clients);
  s.resource_metadata = std::make_unique<ProtectedResourceMetadataService>(s.options, s.base_url);
  s.mcp = std::make_unique<McpService>(s.options, s.store, s.base_url);
  if (s.options.interactive_login())
    s.login = std::make_unique<LoginService>(s.options, *s.authorization);
  if (s.options.login_spa) s.login_spa = std::make_unique<LoginSpaService>(s.options, *s.login);
  s.install_routes();

  s.listener = std::thread([&s] {
    s.server->listen_after_bind();
    s.listen_returned = true;
  });
  // httplib's stop() is a no-op until the accept loop runs, so wait for it; otherwise an early
  // stop() would leave the listener running forever.
  while (!http.is_running() && !s.listen_returned)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  s.started = true;
  if (!http.is_running()) {
    s.listener.join();
    s.stopped = true;
    throw std::runtime_error("cannot listen on " + s.base_url);
  }
  return s.port;
}

std::string ReferenceServer::base_url() const {
  std::lock_guard lock(impl_->lifecycle);
  return impl_->base_url;
}

void ReferenceServer::stop() {
  std::lock_guard lock(impl_->lifecycle);
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.server->stop();
  if (s.listener.joinable()) s.listener.join();
}

const ServerOptions& ReferenceServer::options() const {
  return impl_->options;
}

} // namespace refserver
