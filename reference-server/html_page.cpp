// The shared page layout and the security headers every HTML response carries.
#include "html_page.h"

#include "core/text.h"
#include "core/url.h"

#include <algorithm>
#include <cctype>

namespace refserver {
namespace {

// Inline only: the CSP allows no external style sheet, script, font or image.
constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}"
    ".page{display:flex;justify-content:center;padding:4rem 1rem}"
    ".card{background:#fff;border:1px solid #d8dbe0;border-radius:8px;padding:2rem;"
    "max-width:26rem;width:100%}"
    "h1{font-size:1.4rem;margin-top:0}h2{font-size:1rem}"
    ".field{margin-bottom:1rem}.field label{display:block;margin-bottom:.25rem}"
    ".field input{width:100%;box-sizing:border-box;padding:.4rem}"
    ".error{color:#a00}.actions{display:flex;gap:.5rem}"
    "button{padding:.5rem 1rem}";

// Where the page-loads-third-party fault pulls a style sheet and a script from.
constexpr std::string_view kCdnOrigin = "https://cdn.example.com";

// Characters that cannot end a CSP source expression or start a new directive.
bool csp_safe(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' ||
           c == ':' || c == '/';
  });
}

} // namespace

HttpResponse html_page(const ServerOptions& options, int status, std::string_view title,
                       std::string_view body_html, std::string_view form_action,
                       const std::optional<PageScript>& script) {
  const bool framable = options.has(Fault::NoFrameProtection);
  const bool third_party = options.has(Fault::PageLoadsThirdParty);
  HttpResponse response;
  response.status = status;
  response.content_type = "text/html; charset=utf-8";
  std::string csp = framable ? "" : "frame-ancestors 'none'; ";
  // The page-loads-third-party fault widens the policy so the CDN files actually load.
  csp += "default-src 'none'; style-src 'unsafe-inline'";
  if (third_party) csp += " " + std::string(kCdnOrigin);
  std::string script_src = script ? "'self'" : "";
  if (third_party) script_src += (script_src.empty() ? "" : " ") + std::string(kCdnOrigin);
  if (!script_src.empty()) csp += "; script-src " + script_src;
  if (script) {
    csp += "; connect-src 'self'";
    if (!script->connect_extra.empty()) csp += " " + std::string(script->connect_extra);
  }
  csp += "; form-action 'self'";
  if (!form_action.empty()) csp += " " + std::string(form_action);
  response.set_header("Content-Security-Policy", csp);
  // X-Frame-Options for user agents that predate frame-ancestors.
  if (!framable) response.set_header("X-Frame-Options", "DENY");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Content-Type-Options", "nosniff");
  std::string head_extra, body_extra;
  if (third_party) {
    head_extra = "<link rel=\"stylesheet\" href=\"" + std::string(kCdnOrigin) + "/style.css\">\n";
    body_extra = "<script src=\"" + std::string(kCdnOrigin) + "/app.js\"></script>\n";
  }
  if (script) body_extra += "<script src=\"" + html_escape(script->src) + "\"></script>\n";
  response.body = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>" +
                  html_escape(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n" +
                  head_extra + "</head>\n<body>\n<div class=\"page\">\n<main" +
                  (script ? " id=\"app\"" : "") + " class=\"card\">\n" + std::string(body_html) +
                  "</main>\n</div>\n" + body_extra + "</body>\n</html>\n";
  return response;
}

HttpResponse html_error_page(const ServerOptions& options, int status, std::string_view title,
                             std::string_view detail) {
  return html_page(options, status, title,
                   "<h1>" + html_escape(title) + "</h1>\n<p>" + html_escape(detail) + "</p>\n");
}

std::string csp_source_for(std::string_view uri) {
  size_t colon = uri.find(':');
  if (colon == std::string_view::npos) return "";
  std::string scheme = oauth::ascii_lower(uri.substr(0, colon));
  if (scheme == "http" || scheme == "https") {
    auto parts = oauth::parse_url(uri);
    // IPv6 literals have no CSP host-source form; fall back to the scheme.
    if (parts && !parts->host.empty() && parts->host.front() != '[') {
      std::string origin = scheme + "://" + parts->host;
      if (!parts->port.empty()) origin += ":" + parts->port;
      if (csp_safe(origin)) return origin;
    }
  }
  return csp_safe(scheme) ? scheme + ":" : "";
}

} // namespace refserver
