// The protected MCP endpoint (/mcp, Streamable HTTP transport answering with JSON only): a
// resource server that checks bearer tokens issued by this server (RFC 6750, RFC 8707 audience,
// MCP authorization) and then serves a tiny MCP server with two tools, echo and admin_report.
#pragma once

#include "http_response.h"
#include "options.h"
#include "store.h"

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace refserver {

struct McpRequest {
  std::string method;                          // the HTTP method
  std::vector<std::string> authorization;      // every Authorization header value, in order
  std::string query;                           // the raw query string, without '?'
  std::optional<std::string> session_id;       // Mcp-Session-Id
  std::optional<std::string> accept;           // Accept
  std::optional<std::string> protocol_version; // MCP-Protocol-Version
  std::string content_type;                    // Content-Type; empty when absent
  std::string body;
};

class McpService {
public:
  McpService(const ServerOptions& options, Store& store, std::string_view base_url);

  // Authenticates first, then handles the method and the JSON-RPC message: every request is
  // authorised on its own (MCP authorization, token requirements).
  HttpResponse handle(const McpRequest& request);

private:
  // Whom a request acts for.
  struct Caller {
    std::string client_id;
    std::vector<std::string> scopes;
    bool anonymous = false; // only under mcp-open-initialize
  };
  struct Session {
    Caller creator;
    // notifications/initialized has arrived (read only by mcp-requires-initialized-notification).
    bool initialized = false;
    bool usable_by(const Caller& caller) const;
  };

  // A caller, or the response refusing the request.
  std::variant<Caller, HttpResponse> authenticate(const McpRequest& request);
  bool audience_matches(const TokenRecord& token) const;
  bool has_scope(const Caller& caller, std::string_view scope) const;

  HttpResponse serve_post(const McpRequest& request, const Caller& caller);
  HttpResponse end_session(const McpRequest& request, const Caller& caller);

  // The challenges (RFC 6750 §3, RFC 9728 §5.1).
  using Params = std::vector<std::pair<std::string, std::string>>;
  HttpResponse no_credentials() const;
  HttpResponse invalid_request(std::string_view description) const;
  HttpResponse invalid_token(std::string_view description) const;
  HttpResponse insufficient_scope(std::string_view scope) const;
  void add_metadata_url(Params& params) const;
  HttpResponse challenge(int status, std::string_view error, std::string_view description,
                         const Params& params) const;

  std::string open_session(const Caller& creator);
  // Whether the session `id` exists and `caller` may use it.
  bool session_usable(const std::string& id, const Caller& caller);
  std::optional<Caller> session_creator(const std::string& id);
  // Records notifications/initialized for the session; whether it had arrived.
  void mark_initialized(const std::string& id);
  bool session_initialized(const std::string& id);

  const ServerOptions& options_;
  Store& store_;
  const std::string resource_;     // the canonical URI of the MCP endpoint
  const std::string metadata_url_; // named in resource_metadata
  std::mutex sessions_mutex_;
  std::unordered_map<std::string, Session> sessions_;
  std::deque<std::string> session_order_; // oldest first, for eviction at the cap
};

} // namespace refserver
