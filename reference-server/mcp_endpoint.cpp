// The MCP endpoint: bearer token authentication and authorization first (RFC 6750, OAuth 2.1 §5,
// MCP authorization), then the Streamable HTTP transport and a minimal MCP server, with the mcp-*
// faults and variants applied.
#include "mcp_endpoint.h"

#include "core/base64url.h"
#include "core/bounded_json.h"
#include "core/text.h"
#include "core/url.h"
#include "error_description.h"
#include "policy.h"
#include "protected_resource_metadata.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace refserver {
namespace {

using nlohmann::ordered_json;

// Enough for any test run; the oldest session is dropped beyond it so the map stays bounded.
constexpr size_t kMaxSessions = 1024;

constexpr std::string_view kLatestProtocolVersion = "2026-07-28";
constexpr std::string_view kProtocolVersions[] = {"2025-03-26", "2025-06-18", "2025-11-25",
                                                  "2026-07-28"};
// The only version the server speaks under mcp-negotiates-older-version.
constexpr std::string_view kOlderProtocolVersion = "2025-11-25";

constexpr std::string_view kEchoTool = "echo";
constexpr std::string_view kAdminReportTool = "admin_report";

// A quoted-string (RFC 9110 §5.6.4). Our values never contain '"' or '\', but escape anyway so a
// challenge can never be broken by one.
std::string quoted_string(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

struct Credentials {
  enum class Kind { None, Malformed, Token } kind = Kind::None;
  std::string token;   // Kind::Token
  std::string problem; // Kind::Malformed
};

// RFC 6750 §2.1: `Bearer 1*SP b64token`; the scheme is case-insensitive (RFC 9110 §11.1).
Credentials read_authorization(const std::vector<std::string>& headers, bool exact_scheme) {
  if (headers.empty()) return {};
  // RFC 6750 §3.1: more than one way of sending credentials is a malformed request; two
  // Authorization headers are the plainest case of it.
  if (headers.size() > 1)
    return {Credentials::Kind::Malformed, "", "more than one Authorization header"};
  std::string_view value = oauth::trim(headers.front());
  size_t space = value.find_first_of(" \t");
  std::string_view scheme = value.substr(0, space);
  bool bearer = exact_scheme ? scheme == "Bearer" : oauth::iequals(scheme, "Bearer");
  // Another scheme (Basic, DPoP, ...) carries no bearer credentials at all.
  if (!bearer) return {};
  std::string_view token =
      space == std::string_view::npos ? std::string_view{} : oauth::trim(value.substr(space));
  if (token.empty()) return {Credentials::Kind::Malformed, "", "the bearer token is empty"};
  return {Credentials::Kind::Token, std::string(token), ""};
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t end = text.find(separator, pos);
    out.push_back(oauth::trim(text.substr(pos, end - pos)));
    if (end == std::string_view::npos) return out;
    pos = end + 1;
  }
}

// Whether an Accept value admits a JSON response; a range with q=0 does not (RFC 9110 §12.5.1).
bool accepts_json(std::string_view accept) {
  for (std::string_view range : split(accept, ',')) {
    std::vector<std::string_view> parts = split(range, ';');
    std::string type = oauth::ascii_lower(parts.front());
    if (type != "application/json" && type != "application/*" && type != "*/*") continue;
    bool refused = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::string param = oauth::ascii_lower(parts[i]);
      if (param.starts_with("q=") && param.size() > 2 &&
          param.find_first_not_of("0.", 2) == std::string::npos)
        refused = true;
    }
    if (!refused) return true;
  }
  return false;
}

ordered_json rpc_result(const ordered_json& id, ordered_json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

// JSON-RPC 2.0 §5.1 error object.
ordered_json rpc_error(const ordered_json& id, int code, std::string_view message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

// The method of a JSON-RPC message, or empty when the body is not one.
std::string rpc_method(std::string_view body) {
  ordered_json message = oauth::parse_bounded_json<ordered_json>(body);
  if (!message.is_object() || !message.contains("method") || !message["method"].is_string())
    return "";
  return message["method"].get<std::string>();
}

// The tool a tools/call names, or empty.
std::string called_tool(const ordered_json& params) {
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) return "";
  return params["name"].get<std::string>();
}

ordered_json tool_list() {
  ordered_json echo = {
      {"name", kEchoTool},
      {"description", "Returns the text it is given (needs mcp:tools)."},
      {"inputSchema", {{"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}}}};
  ordered_json report = {
      {"name", kAdminReportTool},
      {"description", "Reports the server's state (needs mcp:admin)."},
      {"inputSchema", {{"type", "object"}, {"properties", ordered_json::object()}}}};
  return {{"tools", {echo, report}}};
}

ordered_json text_content(std::string text) {
  return {{"content", {{{"type", "text"}, {"text", std::move(text)}}}}};
}

} // namespace

McpService::McpService(const ServerOptions& options, Store& store, std::string_view base_url)
    : options_(options), store_(store), resource_(mcp_resource(base_url)),
      metadata_url_(resource_metadata_url(options, base_url)) {}

HttpResponse McpService::handle(const McpRequest& request) {
  auto authenticated = authenticate(request);
  if (auto* refusal = std::get_if<HttpResponse>(&authenticated)) return std::move(*refusal);
  const Caller& caller = std::get<Caller>(authenticated);

  // mcp-negotiates-older-version: MCP lifecycle (version negotiation) lets a server answer
  // initialize with the one version it supports, and the Streamable HTTP transport (protocol
  // version header) answers 400 to a version the server does not support. initialize itself is
  // where the version is negotiated, so its header is not judged.
  if (options_.has(Variant::McpNegotiatesOlderVersion) && request.protocol_version &&
      *request.protocol_version != kOlderProtocolVersion &&
      !(request.method == "POST" && rpc_method(request.body) == "initialize"))
    return json_response(400, rpc_error(nullptr, -32600,
                                        "Unsupported protocol version (supported: " +
                                            std::string(kOlderProtocolVersion) + ")"));

  // The transport (MCP basic/transports, Streamable HTTP). GET would open an SSE stream, which
  // this JSON-only server does not offer; DELETE ends a session.
  if (request.method == "POST") return serve_post(request, caller);
  if (!has_scope(caller, kMcpBaseScope)) return insufficient_scope(kMcpBaseScope);
  if (request.method == "DELETE") return end_session(request, caller);
  HttpResponse response =
      json_error(options_, 405, "method_not_allowed", "this server offers no SSE stream; use POST");
  response.set_header("Allow", "POST, DELETE");
  return response;
}

std::variant<McpService::Caller, HttpResponse> McpService::authenticate(const McpRequest& request) {
  Credentials credentials =
      read_authorization(request.authorization, options_.has(Fault::McpSchemeCaseSensitive));
  if (credentials.kind == Credentials::Kind::Malformed) {
    if (options_.has(Fault::McpMalformedAuth500)) return HttpResponse{.status = 500};
    return invalid_request(credentials.problem);
  }
  // OAuth 2.1 §5.1: a token in the query string is never read. The fault reads it when no
  // Authorization header was sent.
  if (credentials.kind == Credentials::Kind::None && request.authorization.empty() &&
      options_.has(Fault::McpQueryTokenAccepted)) {
    if (auto token = oauth::first_param(oauth::parse_form(request.query), "access_token"))
      credentials = {Credentials::Kind::Token, *token, ""};
  }

  if (credentials.kind == Credentials::Kind::None) {
    if (options_.has(Fault::McpSessionIsCredential) && request.session_id)
      if (auto creator = session_creator(*request.session_id)) return *creator;
    if (options_.has(Fault::McpOpenInitialize) && request.method == "POST" &&
        rpc_method(request.body) == "initialize")
      return Caller{.anonymous = true};
    return no_credentials();
  }

  std::optional<TokenRecord> token = store_.find_access_token(credentials.token);
  if (!token) {
    if (options_.has(Fault::McpUnknownToken500)) return HttpResponse{.status = 500};
    return invalid_token("the access token is unknown, expired or revoked");
  }
  if (!audience_matches(*token))
    return invalid_token("the access token was not issued for this resource");
  return Caller{.client_id = token->client_id, .scopes = split_scope(token->scope)};
}

// RFC 8707 §2, MCP authorization (token audience validation): the token must name this endpoint
// among its resources. A token without resources was issued for this server's only resource.
bool McpService::audience_matches(const TokenRecord& token) const {
  if (options_.has(Fault::McpAudienceUnchecked) || token.resources.empty()) return true;
  return std::any_of(token.resources.begin(), token.resources.end(), [&](const std::string& r) {
    return options_.has(Fault::ResourceCaseSensitive) ? r == resource_
                                                      : same_resource(r, resource_);
  });
}

// mcp:admin includes mcp:tools (MCP 2026-07-28 authorization §11.1.2).
bool McpService::has_scope(const Caller& caller, std::string_view scope) const {
  auto held = [&](std::string_view s) {
    return std::find(caller.scopes.begin(), caller.scopes.end(), s) != caller.scopes.end();
  };
  if (held(scope)) return true;
  return scope == kMcpBaseScope && held(kMcpAdminScope) &&
         !options_.has(Fault::McpScopeHierarchyIgnored);
}

HttpResponse McpService::serve_post(const McpRequest& request, const Caller& caller) {
  if (media_type(request.content_type) != "application/json")
    return json_error(options_, 415, "unsupported_media_type", "the body must be application/json");
  // Clients list application/json and text/event-stream; only a client that can take neither
  // JSON nor anything is refused (RFC 9110 §12.5.1).
  if (request.accept && !oauth::trim(*request.accept).empty() && !accepts_json(*request.accept))
    return json_error(options_, 406, "not_acceptable", "this server answers application/json only");

  // Too deeply nested JSON is refused as unparsable: copying or answering it would recurse once
  // per level.
  ordered_json message = oauth::parse_bounded_json<ordered_json>(request.body);
  if (message.is_discarded()) return json_response(400, rpc_error(nullptr, -32700, "Parse error"));
  // JSON-RPC 2.0 §4: an object with jsonrpc "2.0" and a method; MCP ids are strings or integers.
  const bool has_id = message.is_object() && message.contains("id");
  const bool id_valid = has_id && (message["id"].is_string() || message["id"].is_number_integer());
  if (!message.is_object() || message.value("jsonrpc", ordered_json()) != "2.0" ||
      !message.contains("method") || !message["method"].is_string() || (has_id && !id_valid))
    return json_response(
        400, rpc_error(id_valid ? message["id"] : ordered_json(), -32600, "Invalid Request"));
  const std::string method = message["method"].get<std::string>();
  const ordered_json id = has_id ? message["id"] : ordered_json();
  const ordered_json params = message.value("params", ordered_json::object());

  if (method == "tools/list" && options_.has(Fault::McpToolsListUnauthorized))
    return invalid_token("the access token is not valid for tools/list");
  // Everything needs mcp:tools (or mcp:admin, which includes it); the admin tool needs mcp:admin.
  std::string_view needed = method == "tools/call" && called_tool(params) == kAdminReportTool
                                ? kMcpAdminScope
                                : kMcpBaseScope;
  if (!caller.anonymous && !has_scope(caller, needed)) return insufficient_scope(needed);

  if (method == "initialize") {
    std::string version(kLatestProtocolVersion);
    if (options_.has(Variant::McpNegotiatesOlderVersion)) {
      version = kOlderProtocolVersion; // whatever the client offered
    } else if (params.is_object() && params.contains("protocolVersion") &&
               params["protocolVersion"].is_string()) {
      std::string requested = params["protocolVersion"].get<std::string>();
      if (std::find(std::begin(kProtocolVersions), std::end(kProtocolVersions), requested) !=
          std::end(kProtocolVersions))
        version = requested;
    }
    if (!has_id) return json_response(400, rpc_error(nullptr, -32600, "Invalid Request"));
    HttpResponse response = json_response(
        200, rpc_result(id, {{"protocolVersion", version},
                             {"capabilities", {{"tools", ordered_json::object()}}},
                             {"serverInfo", {{"name", "reference-server"}, {"version", "1"}}}}));
    response.set_header("Mcp-Session-Id", open_session(caller));
    return response;
  }

  // MCP transports, session management: an id the server does not know (ended, never issued,
  // or another client's) is answered 404; a request without one is served (lenient).
  if (request.session_id && !session_usable(*request.session_id, caller))
    return json_response(404, rpc_error(id, -32001, "Session not found"));

  // mcp-requires-initialized-notification: MCP lifecycle (initialization) has the client send
  // notifications/initialized before normal operation and only pings before that; a session
  // whose client skipped it gets a JSON-RPC error. 200, since the transport answers every
  // JSON-RPC request with a JSON-RPC response (basic/transports, sending messages to the server).
  const bool initialization_required =
      options_.has(Variant::McpRequiresInitializedNotification) && request.session_id;
  if (initialization_required && !has_id && method == "notifications/initialized")
    mark_initialized(*request.session_id);
  if (initialization_required && has_id && method != "ping" &&
      !session_initialized(*request.session_id))
    return json_response(200, rpc_error(id, -32600,
                                        "Invalid Request: the session is not initialized yet "
                                        "(send notifications/initialized first)"));

  // Notifications get no JSON-RPC response: 202 with no body.
  if (!has_id) return HttpResponse{.status = 202};

  if (method == "ping") return json_response(200, rpc_result(id, ordered_json::object()));
  if (method == "tools/list") return json_response(200, rpc_result(id, tool_list()));
  if (method == "tools/call") {
    std::string tool = called_tool(params);
    if (tool == kEchoTool) {
      ordered_json arguments = params.value("arguments", ordered_json::object());
      if (!arguments.is_object() || !arguments.contains("text") || !arguments["text"].is_string())
        return json_response(200, rpc_error(id, -32602, "echo needs a string argument text"));
      return json_response(200, rpc_result(id, text_content(arguments["text"].get<std::string>())));
    }
    if (tool == kAdminReportTool) {
      size_t sessions;
      {
        std::lock_guard lock(sessions_mutex_);
        sessions = sessions_.size();
      }
      return json_response(
          200, rpc_result(id, text_content("open sessions: " + std::to_string(sessions))));
    }
    return json_response(200, rpc_error(id, -32602, "unknown tool"));
  }
  return json_response(200, rpc_error(id, -32601, "Method not found"));
}

HttpResponse McpService::end_session(const McpRequest& request, const Caller& caller) {
  if (!request.session_id)
    return json_error(options_, 400, "invalid_request",
                      "Mcp-Session-Id is required to end a session");
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(*request.session_id);
  if (it == sessions_.end() || !it->second.usable_by(caller))
    return json_error(options_, 404, "not_found", "no such session");
  sessions_.erase(it);
  std::erase(session_order_, *request.session_id);
  return HttpResponse{.status = 200};
}

HttpResponse McpService::no_credentials() const {
  // RFC 6750 §3.1: a request without credentials gets no error code. The scope tells the client
  // what to ask for (MCP authorization, scope selection).
  Params params;
  if (options_.has(Fault::Mcp401ErrorCode)) params.emplace_back("error", "invalid_token");
  add_metadata_url(params);
  if (!options_.has(Fault::McpChallengeNoScope)) {
    params.emplace_back("scope", kMcpBaseScope);
    if (options_.has(Fault::McpChallengeRepeatedParam)) params.emplace_back("scope", kMcpBaseScope);
  }
  return challenge(401, "unauthorized", "an access token is required", params);
}

HttpResponse McpService::invalid_request(std::string_view description) const {
  Params params = {{"error", "invalid_request"}};
  add_error_description(options_, params, std::string(description));
  add_metadata_url(params);
  return challenge(400, "invalid_request", description, params);
}

HttpResponse McpService::invalid_token(std::string_view description) const {
  Params params = {{"error", "invalid_token"}};
  add_error_description(options_, params, std::string(description));
  add_metadata_url(params);
  return challenge(401, "invalid_token", description, params);
}

HttpResponse McpService::insufficient_scope(std::string_view scope) const {
  // RFC 6750 §3.1: 403 naming every scope the operation needs (MCP authorization, scope
  // challenge handling), so the client can ask for exactly that.
  const std::string description = "this operation needs the scope " + std::string(scope);
  const bool as_401 = options_.has(Fault::McpInsufficientScope401);
  const std::string error = as_401 ? "invalid_token" : "insufficient_scope";
  Params params = {{"error", error}, {"scope", std::string(scope)}};
  add_metadata_url(params);
  add_error_description(options_, params, description);
  return challenge(as_401 ? 401 : 403, error, description, params);
}

// RFC 9728 §5.1: every challenge names the resource's metadata (when there is some to name).
void McpService::add_metadata_url(Params& params) const {
  if (!options_.has(Fault::McpNoResourceMetadata) &&
      !options_.has(Variant::NoMetadataDefaultEndpoints))
    params.emplace_back("resource_metadata", metadata_url_);
}

// A JSON error body and `WWW-Authenticate: Bearer name="value", ...` (RFC 6750 §3).
HttpResponse McpService::challenge(int status, std::string_view error, std::string_view description,
                                   const Params& params) const {
  HttpResponse response = json_error(options_, status, error, description);
  std::string header = "Bearer";
  for (size_t i = 0; i < params.size(); ++i)
    header += (i ? ", " : " ") + params[i].first + "=" + quoted_string(params[i].second);
  response.set_header("WWW-Authenticate", header);
  return response;
}

std::string McpService::open_session(const Caller& creator) {
  std::string id = oauth::random_base64url(32);
  std::lock_guard lock(sessions_mutex_);
  if (sessions_.size() >= kMaxSessions) {
    sessions_.erase(session_order_.front());
    session_order_.pop_front();
  }
  sessions_.emplace(id, Session{creator});
  session_order_.push_back(id);
  return id;
}

// Sessions are bound to the client that created them, so a leaked session id is useless to
// another client (MCP security best practices, session hijacking). Only mcp-open-initialize
// creates anonymous sessions, which anyone may use.
bool McpService::Session::usable_by(const Caller& caller) const {
  return creator.anonymous || creator.client_id == caller.client_id;
}

bool McpService::session_usable(const std::string& id, const Caller& caller) {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(id);
  return it != sessions_.end() && it->second.usable_by(caller);
}

void McpService::mark_initialized(const std::string& id) {
  std::lock_guard lock(sessions_mutex_);
  if (auto it = sessions_.find(id); it != sessions_.end()) it->second.initialized = true;
}

bool McpService::session_initialized(const std::string& id) {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(id);
  return it != sessions_.end() && it->second.initialized;
}

std::optional<McpService::Caller> McpService::session_creator(const std::string& id) {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second.creator;
}

} // namespace refserver
