// A minimal MCP client for the protected-resource checks: JSON-RPC 2.0 over the Streamable HTTP
// transport (MCP basic/transports), where each request is a POST that the server answers with
// either a JSON body or an event stream carrying the response. It never decides anything about
// authorization itself; checks pass the Authorization header (or none) explicitly.
#pragma once

#include "http/http_client.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace conformance {

struct McpReply {
  HttpResponse response;
  // The JSON-RPC response object, from a JSON body or the first event-stream message with an id.
  std::optional<nlohmann::json> message;
  std::optional<std::string> session_id; // Mcp-Session-Id, when the server sent one

  bool ok() const; // 2xx and a JSON-RPC `result`
  // One line for messages: the HTTP summary plus the JSON-RPC error, if any.
  std::string describe() const;
};

class McpClient {
public:
  // `protocol_version` is offered in initialize. Afterwards every request carries the version the
  // server answered with (MCP lifecycle: the server may pick another it supports), and the
  // offered one only until a server has answered.
  McpClient(HttpClient& http, std::string url, std::string protocol_version);

  const std::string& url() const { return url_; }

  // POSTs one JSON-RPC request. `headers` carries the credentials under test (Authorization, a
  // session id); `url` overrides the endpoint (e.g. to add a query).
  McpReply request(const std::string& method, const nlohmann::json& params,
                   const HeaderList& headers = {}, const std::string& url = {});
  // Offers the protocol version; on success remembers the one the server chose and sends the
  // notifications/initialized notification that completes the handshake (MCP lifecycle).
  McpReply initialize(const HeaderList& headers = {}, const std::string& url = {});
  // POSTs one JSON-RPC notification (no id); servers answer 202 Accepted.
  HttpResponse notify(const std::string& method, const HeaderList& headers = {},
                      const std::string& url = {});
  // The version requests carry now: the negotiated one, else the offered one.
  const std::string& protocol_version() const;

  static HeaderList bearer(const std::string& access_token);
  static HeaderList with_session(HeaderList headers, const std::optional<std::string>& session);

private:
  HttpClient& http_;
  std::string url_;
  HttpRequest post(const nlohmann::json& message, bool with_version, const HeaderList& headers,
                   const std::string& url) const;

  std::string protocol_version_;
  std::optional<std::string> negotiated_;
  int next_id_ = 1;
};

// The JSON-RPC message in an event stream (text/event-stream): the first `data:` event that
// parses as a JSON object with an `id`.
std::optional<nlohmann::json> first_event_stream_message(const std::string& body);

} // namespace conformance
