// Transport-neutral responses: the endpoint services build these and server.cpp copies them into
// httplib, which keeps the protocol logic callable (and benchmarkable) without sockets.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace refserver {

struct HttpResponse {
  int status = 200;
  std::string content_type; // empty with an empty body (e.g. a redirect)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void set_header(std::string name, std::string value);
  // Case-insensitive lookup of the first header with this name.
  std::optional<std::string> header(std::string_view name) const;
};

HttpResponse json_response(int status, const nlohmann::ordered_json& body);

// {"error": ..., "error_description": ...} with Cache-Control: no-store.
HttpResponse json_error(int status, std::string_view error, std::string_view description);

// The no-store pair the token and registration endpoints put on responses carrying secrets.
void add_no_store(HttpResponse& response);

std::string html_escape(std::string_view text);

// The media type of a Content-Type value: lower-cased, parameters and whitespace dropped.
std::string media_type(std::string_view content_type);

} // namespace refserver
