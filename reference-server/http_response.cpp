// Helpers for building transport-neutral responses.
#include "http_response.h"

#include "core/text.h"

#include <cctype>

namespace refserver {

void HttpResponse::set_header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (oauth::iequals(n, name)) return v;
  return std::nullopt;
}

HttpResponse json_response(int status, const nlohmann::ordered_json& body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump();
  return response;
}

HttpResponse json_error(int status, std::string_view error, std::string_view description) {
  nlohmann::ordered_json body;
  body["error"] = error;
  if (!description.empty()) body["error_description"] = description;
  HttpResponse response = json_response(status, body);
  response.set_header("Cache-Control", "no-store");
  return response;
}

void add_no_store(HttpResponse& response) {
  response.headers.reserve(response.headers.size() + 2); // one allocation, not two
  response.set_header("Cache-Control", "no-store");
  response.set_header("Pragma", "no-cache");
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  std::string out;
  for (char c : type)
    if (c != ' ' && c != '\t')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace refserver
