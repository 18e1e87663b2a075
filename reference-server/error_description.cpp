// error_description sanitising (OAuth 2.1 §3.2.4, §4.1.2.1; RFC 6749 §5.2, §4.1.2.1), the
// error-description-* variants, and the error_uri page of error-uri-given.
#include "error_description.h"

#include "html_page.h"

#include <array>

namespace refserver {
namespace {

// The set OAuth defines for error_description: %x20-21 / %x23-5B / %x5D-7E.
bool allowed(char c) {
  return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

// The codes the server sends at the authorization and token endpoints, with a line each for the
// /errors page (RFC 6749 §4.1.2.1, §5.2, RFC 8707 §2).
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kErrorCodes = {{
    {"invalid_request", "The request is missing a parameter, repeats one or is malformed."},
    {"invalid_client", "The client could not be authenticated."},
    {"invalid_grant", "The code or refresh token is invalid, expired, used or not yours."},
    {"unauthorized_client", "The client may not use this grant or response type."},
    {"unsupported_grant_type", "This server does not support the grant type."},
    {"unsupported_response_type", "This server does not support the response type."},
    {"invalid_scope", "A requested scope is unknown or exceeds the grant."},
    {"invalid_target", "A requested resource is invalid or not part of the grant."},
    {"access_denied", "The user or the server refused the request."},
    {"server_error", "The server could not handle the request."},
}};

} // namespace

std::string error_description(const ServerOptions& options, std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    out += allowed(c) ? c : '?';
  // The fault: typographic quotes U+201C/U+201D (UTF-8 bytes) and a backslash, as a server
  // formatting its messages for humans might produce.
  if (options.has(Fault::ErrorDescriptionUnicode)) out = "\xe2\x80\x9c" + out + "\xe2\x80\x9d \\";
  return out;
}

std::optional<std::string> error_description_member(const ServerOptions& options,
                                                    std::string value) {
  // error_description is OPTIONAL wherever OAuth defines it (RFC 6749 §4.1.2.1, §5.2; RFC 6750
  // §3), and nothing requires it to say anything.
  if (value.empty() || options.has(Variant::ErrorDescriptionOmitted)) return std::nullopt;
  if (options.has(Variant::ErrorDescriptionEmpty)) return std::string();
  return value;
}

void add_error_description(const ServerOptions& options,
                           std::vector<std::pair<std::string, std::string>>& params,
                           std::string value) {
  if (auto member = error_description_member(options, std::move(value)))
    params.emplace_back("error_description", std::move(*member));
}

HttpResponse json_error(const ServerOptions& options, int status, std::string_view error,
                        std::string_view description) {
  auto member = error_description_member(options, std::string(description));
  if (!member || !member->empty()) return json_error(status, error, member.value_or(""));
  // json_error() leaves an empty description out; error-description-empty sends it.
  nlohmann::ordered_json body;
  body["error"] = error;
  body["error_description"] = "";
  HttpResponse response = json_response(status, body);
  response.set_header("Cache-Control", "no-store");
  return response;
}

std::string error_uri(std::string_view base_url, std::string_view error) {
  while (!base_url.empty() && base_url.back() == '/')
    base_url.remove_suffix(1);
  return std::string(base_url) + "/errors#" + std::string(error);
}

HttpResponse error_codes_page(const ServerOptions& options) {
  std::string body = "<h1>Error codes</h1>\n<dl>\n";
  for (const auto& [code, meaning] : kErrorCodes)
    body += "<dt id=\"" + html_escape(code) + "\"><code>" + html_escape(code) +
            "</code></dt>\n<dd>" + html_escape(meaning) + "</dd>\n";
  body += "</dl>\n";
  return html_page(options, 200, "Error codes", body);
}

} // namespace refserver
