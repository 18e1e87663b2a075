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
  // `protocol_version` is offered in initialize and sent as MCP-Protocol-Version afterwards.
  McpClient(HttpClient& http, std::string url, std::string protocol_version);

  const std::string& url() const { return url_; }

  // POSTs one JSON-RPC request. `headers` carries the credentials under test (Authorization, a
  // session id); `url` overrides the endpoint (e.g. to add a query).
  McpReply request(const std::string& method, const nlohmann::json& params,
                   const HeaderList& headers = {}, const std::string& url = {});
  McpReply initialize(const HeaderList& headers = {}, const std::string& url = {});

  static HeaderList bearer(const std::string& access_token);
  static HeaderList with_session(HeaderList headers, const std::optional<std::string>& session);

private:
  HttpClient& http_;
  std::string url_;
  std::string protocol_version_;
  int next_id_ = 1;
};

// The JSON-RPC message in an event stream (text/event-stream): the first `data:` event that
// parses as a JSON object with an `id`.
std::optional<nlohmann::json> first_event_stream_message(const std::string& body);

} // namespace conformance
