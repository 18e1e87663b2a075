#include "oauth/mcp_client.h"

#include "core/bounded_json.h"
#include "core/text.h"

namespace conformance {

bool McpReply::ok() const {
  return response.status >= 200 && response.status < 300 && message && message->is_object() &&
         message->contains("result");
}

std::string McpReply::describe() const {
  std::string out = response.summary();
  if (message && message->is_object() && message->contains("error"))
    out += ", JSON-RPC error " + (*message)["error"].dump();
  return out;
}

McpClient::McpClient(HttpClient& http, std::string url, std::string protocol_version)
    : http_(http), url_(std::move(url)), protocol_version_(std::move(protocol_version)) {}

HeaderList McpClient::bearer(const std::string& access_token) {
  return {{"Authorization", "Bearer " + access_token}};
}

HeaderList McpClient::with_session(HeaderList headers, const std::optional<std::string>& session) {
  if (session) headers.emplace_back("Mcp-Session-Id", *session);
  return headers;
}

const std::string& McpClient::protocol_version() const {
  return negotiated_ ? *negotiated_ : protocol_version_;
}

HttpRequest McpClient::post(const nlohmann::json& message, bool with_version,
                            const HeaderList& headers, const std::string& url) const {
  HttpRequest request;
  request.method = "POST";
  request.url = url.empty() ? url_ : url;
  // Streamable HTTP: the client accepts both a JSON reply and an event stream.
  request.headers = {{"Content-Type", "application/json"},
                     {"Accept", "application/json, text/event-stream"}};
  if (with_version) request.headers.emplace_back("MCP-Protocol-Version", protocol_version());
  request.headers.insert(request.headers.end(), headers.begin(), headers.end());
  request.body = message.dump();
  return request;
}

McpReply McpClient::request(const std::string& method, const nlohmann::json& params,
                            const HeaderList& headers, const std::string& url) {
  nlohmann::json message = {{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method}};
  if (!params.is_null()) message["params"] = params;
  McpReply reply;
  reply.response = http_.send(post(message, method != "initialize", headers, url));
  reply.session_id = reply.response.header("mcp-session-id");
  if (reply.response.media_type() == "text/event-stream")
    reply.message = first_event_stream_message(reply.response.body);
  else if (auto doc = reply.response.json(); doc && doc->is_object())
    reply.message = std::move(*doc);
  return reply;
}

McpReply McpClient::initialize(const HeaderList& headers, const std::string& url) {
  nlohmann::json params = {{"protocolVersion", protocol_version_},
                           {"capabilities", nlohmann::json::object()},
                           {"clientInfo", {{"name", "conformance"}, {"version", "1"}}}};
  McpReply reply = request("initialize", params, headers, url);
  if (!reply.ok()) return reply;
  const nlohmann::json& result = (*reply.message)["result"];
  if (auto v = result.find("protocolVersion"); v != result.end() && v->is_string())
    negotiated_ = v->get<std::string>();
  notify("notifications/initialized", with_session(headers, reply.session_id), url);
  return reply;
}

HttpResponse McpClient::notify(const std::string& method, const HeaderList& headers,
                               const std::string& url) {
  nlohmann::json message = {{"jsonrpc", "2.0"}, {"method", method}};
  return http_.send(post(message, true, headers, url));
}

std::optional<nlohmann::json> first_event_stream_message(const std::string& body) {
  // Events are separated by blank lines; a `data:` field may span several lines.
  std::string data;
  auto flush = [&]() -> std::optional<nlohmann::json> {
    if (data.empty()) return std::nullopt;
    auto doc = oauth::parse_bounded_json(data);
    data.clear();
    if (!doc.is_discarded() && doc.is_object() && doc.contains("id")) return doc;
    return std::nullopt;
  };
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string_view line(body.data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (auto doc = flush()) return doc;
    } else if (line.rfind("data:", 0) == 0) {
      std::string_view value = line.substr(5);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (!data.empty()) data += '\n';
      data += value;
    }
    pos = end + 1;
  }
  return flush();
}

} // namespace conformance
