#include "html_report.h"

#include "attachment_paths.h"
#include "report_file.h"
#include "utf8_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace conformance {
namespace {

// A hostile server's bodies can be huge; the report shows this much of each and says so.
constexpr std::size_t kBodyCap = 64 * 1024;
constexpr std::size_t kTextCap = 64 * 1024; // messages and header values
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
// A screenshot is inlined up to this size (a third more as base64); a larger one is only linked,
// so a run full of them still gives a page a browser opens.
constexpr std::size_t kInlineImageCap = 4 * 1024 * 1024;

// The display order: what needs attention first.
constexpr std::array<Outcome, 6> kOrder = {Outcome::Fail, Outcome::Error, Outcome::Warn,
                                           Outcome::Info, Outcome::Skip,  Outcome::Pass};

int rank(Outcome o) {
  return static_cast<int>(std::find(kOrder.begin(), kOrder.end(), o) - kOrder.begin());
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Appends `text` as HTML text or attribute value: markup characters escaped, invalid UTF-8
// and control characters (other than tab and line breaks) replaced by U+FFFD.
void esc(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      std::size_t len = utf8_sequence(text.substr(i));
      if (len == 0) {
        out += kReplacement;
        ++i;
      } else {
        out.append(text.substr(i, len));
        i += len;
      }
      continue;
    }
    ++i;
    if (std::string_view entity = markup_entity(u); !entity.empty()) {
      out += entity;
      continue;
    }
    switch (c) {
    case '\t':
    case '\n':
    case '\r':
      out += c;
      break;
    default:
      if (u < 0x20 || u == 0x7F)
        out += kReplacement;
      else
        out += c;
    }
  }
}

std::string esc(std::string_view text) {
  std::string out;
  esc(out, text);
  return out;
}

// Appends at most `cap` bytes of `text` (cut on a UTF-8 boundary), escaped; true when cut.
bool esc_capped(std::string& out, std::string_view text, std::size_t cap) {
  std::string_view shown = utf8_prefix(text, cap);
  esc(out, shown);
  return shown.size() < text.size();
}

// An element ID from any text: letters, digits, '-' and '.' kept, everything else as _xx, so
// distinct texts give distinct IDs.
std::string anchor(std::string_view prefix, std::string_view text) {
  static const char* hex = "0123456789abcdef";
  std::string out(prefix);
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.') {
      out += c;
    } else {
      out += '_';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string check_key(const CheckResult& c) {
  return c.suite + "." + c.name;
}

std::string badge(Outcome o) {
  std::string name(outcome_name(o));
  return "<span class=\"badge o-" + name + "\">" + upper(name) + "</span>";
}

std::string milliseconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  return buf;
}

std::string base64(std::string_view bytes) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size())
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kDigits[(n >> 18) & 63];
    out += kDigits[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kDigits[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[n & 63] : '=';
  }
  return out;
}

// The media type an image is inlined under: raster formats browsers decode, spelled by us, so
// nothing a driver wrote reaches the src attribute. Empty for anything else (SVG included).
std::string_view inline_image_type(std::string_view media_type) {
  std::string type;
  for (char c : media_type.substr(0, media_type.find(';')))
    if (c != ' ') type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view known : {"image/png", "image/jpeg", "image/gif", "image/webp"})
    if (type == known) return known;
  return {};
}

// A file path as a URL path: anything but unreserved characters and '/' percent-encoded.
std::string url_path(std::string_view path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/';
}

// A catalogue source such as "RFC 7636 §4.6; 2.1-13 §4.1.3 (-15 §4.1.2)" with each section
// linked where the document has known anchors. A section belongs to the document named last
// before it; any other word (another document, "vs", "App.") ends that, and parentheses
// restore the document they interrupted.
void source_html(std::string& out, std::string_view s) {
  static constexpr std::string_view kSection = "\xC2\xA7"; // §
  std::string doc;                                         // URL to append "#section-x" to
  std::vector<std::string> saved;
  std::string plain;
  auto flush = [&] {
    esc(out, plain);
    plain.clear();
  };
  std::size_t i = 0;
  while (i < s.size()) {
    std::string_view rest = s.substr(i);
    bool boundary = i == 0 || !is_word(s[i - 1]);
    if (boundary && starts_with(rest, "RFC ")) {
      std::size_t n = 4;
      while (n < rest.size() && is_digit(rest[n]))
        ++n;
      if (n >= 7 && n <= 9 && (n == rest.size() || !is_word(rest[n]))) {
        doc = "https://www.rfc-editor.org/rfc/rfc" + std::string(rest.substr(4, n - 4));
        plain += rest.substr(0, n);
        i += n;
        continue;
      }
    }
    if (boundary && starts_with(rest, "2.1-13") && (rest.size() == 6 || !is_word(rest[6]))) {
      doc = "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13";
      plain += rest.substr(0, 6);
      i += 6;
      continue;
    }
    if (boundary && starts_with(rest, "MCP/") && rest.size() >= 14) {
      std::string_view version = rest.substr(4, 10);
      bool date = true;
      for (std::size_t k = 0; k < version.size(); ++k)
        date = date && (k == 4 || k == 7 ? version[k] == '-' : is_digit(version[k]));
      if (date && (rest.size() == 14 || !is_word(rest[14]))) {
        flush();
        out += "<a href=\"https://modelcontextprotocol.io/specification/";
        out += version;
        out += "/basic/authorization\">MCP/";
        out += version;
        out += "</a>";
        doc.clear(); // its sections are our numbering, not the page's anchors
        i += 14;
        continue;
      }
    }
    if (starts_with(rest, kSection)) {
      std::size_t n = kSection.size();
      while (n < rest.size() &&
             (std::isalnum(static_cast<unsigned char>(rest[n])) || rest[n] == '.'))
        ++n;
      std::string_view section = rest.substr(kSection.size(), n - kSection.size());
      while (!section.empty() && section.back() == '.') {
        section.remove_suffix(1);
        --n;
      }
      if (!doc.empty() && !section.empty()) {
        flush();
        out += "<a href=\"" + doc + "#section-";
        esc(out, section);
        out += "\">";
        esc(out, rest.substr(0, n));
        out += "</a>";
      } else {
        plain += rest.substr(0, n);
      }
      i += n;
      continue;
    }
    char c = s[i];
    if (c == '(') {
      saved.push_back(doc);
    } else if (c == ')' && !saved.empty()) {
      doc = saved.back();
      saved.pop_back();
    } else if (is_word(c) && boundary) {
      std::size_t n = 0;
      while (n < rest.size() && is_word(rest[n]))
        ++n;
      plain += rest.substr(0, n);
      doc.clear();
      i += n;
      continue;
    }
    plain += c;
    ++i;
  }
  flush();
}

constexpr std::string_view kStyle = R"css(
:root{--fail:#b00020;--error:#6a1b9a;--warn:#7a4f00;--info:#01579b;--skip:#5f6368;--pass:#1b5e20;
--line:#d0d4da;--soft:#f4f5f7;--text:#1d1f23;--muted:#555b63}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:1.2rem 1.5rem 3rem;font:15px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text);background:#fff}
h1{font-size:1.5rem;margin:0 0 .6rem}h2{font-size:1.2rem;margin:1.8rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h4{margin:.7rem 0 .2rem;font-size:.9rem}
a{color:#0b57d0}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.85rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--soft);border:1px solid var(--line);
border-radius:4px;padding:.5rem .6rem;margin:.2rem 0;max-height:32rem;overflow:auto}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;min-width:3.6em;text-align:center;padding:.05rem .4rem;border-radius:3px;
color:#fff;font-weight:700;font-size:.75rem;letter-spacing:.03em;vertical-align:1px;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
.o-fail.badge,td.o-fail.n{background:var(--fail)}.o-error.badge,td.o-error.n{background:var(--error)}
.o-warn.badge,td.o-warn.n{background:var(--warn)}.o-info.badge,td.o-info.n{background:var(--info)}
.o-skip.badge,td.o-skip.n{background:var(--skip)}.o-pass.badge,td.o-pass.n{background:var(--pass)}
.o-none.badge{background:#fff;color:var(--muted);border:1px solid var(--line)}
.totals{display:flex;flex-wrap:wrap;gap:.5rem;margin:.8rem 0}
.total{border:1px solid var(--line);border-radius:4px;padding:.3rem .6rem;font-size:1.05rem}
.total b{margin-left:.3rem}
.alert{border:2px solid var(--fail);color:var(--fail);padding:.4rem .7rem;border-radius:4px;font-weight:700}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top;
overflow-wrap:break-word}
table.req{table-layout:fixed}.w-id{width:7.5rem}.w-out{width:5.5rem}.w-lvl{width:5rem}
.w-area{width:8rem}.w-src{width:11rem}.w-chk{width:17rem}table.req td{overflow-wrap:anywhere}
th{background:var(--soft)}
table.matrix td.c,table.matrix th.c{text-align:right;width:4.5rem}
table.matrix td.n{color:#fff;font-weight:700;-webkit-print-color-adjust:exact;print-color-adjust:exact}
table.matrix td.z{color:#9aa0a6}
.fi{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.filters{display:flex;flex-wrap:wrap;gap:.4rem;margin:.4rem 0 .8rem}
.filters span{color:var(--muted);align-self:center}
.filters label{border:1px solid var(--line);border-radius:999px;padding:.15rem .7rem;cursor:pointer;background:#fff}
.filters label:hover{border-color:#888}
details.check{border:1px solid var(--line);border-left:5px solid var(--skip);border-radius:4px;margin:.35rem 0;background:#fff}
details.check.o-fail{border-left-color:var(--fail)}details.check.o-error{border-left-color:var(--error)}
details.check.o-warn{border-left-color:var(--warn)}details.check.o-info{border-left-color:var(--info)}
details.check.o-pass{border-left-color:var(--pass)}
details.check>summary{cursor:pointer;padding:.35rem .6rem;list-style-position:inside}
details.check>summary .name{font-weight:600;overflow-wrap:anywhere}
.reqs,.dur,.lvl{color:var(--muted);font-size:.85rem}
.tag{font-size:.75rem;border:1px solid var(--fail);color:var(--fail);border-radius:3px;padding:0 .3rem}
.tag.known{border-color:var(--muted);color:var(--muted)}
.msg{display:block;margin:.2rem 0 0 4.4em;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.9rem}
.cbody{padding:.2rem .8rem .7rem;border-top:1px solid var(--line)}
details.ex{border:1px solid var(--line);border-radius:4px;margin:.35rem 0}
details.ex>summary{cursor:pointer;padding:.2rem .5rem;overflow-wrap:anywhere}
details.ex>div{padding:0 .6rem .5rem}
.note{color:var(--muted);font-style:italic;font-size:.85rem}
.cmp{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .6rem;margin-top:.3rem}
.cmp span{color:var(--muted);font-size:.8rem}.cmp code{white-space:pre-wrap;overflow-wrap:anywhere}
figure.att{margin:.4rem 0 .6rem}
figure.att img{display:block;max-width:100%;height:auto;border:1px solid var(--line)}
figure.att figcaption,p.att{font-size:.85rem;overflow-wrap:anywhere;margin:.2rem 0}
details.reqs-all>summary{cursor:pointer;font-weight:600;margin:.3rem 0}
@media print{body{max-width:none;padding:0;font-size:11px}.fi,.filters{display:none}
details.check,details.ex,tr,figure.att{break-inside:avoid}pre{max-height:none;overflow:visible}
details::details-content{content-visibility:visible;display:block}a{color:inherit}}
)css";

void head(std::string& out, const RunRecord& r) {
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing loads and nothing runs, even if some text escaped escaping.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"referrer\" content=\"no-referrer\">\n";
  out += "<title>";
  esc(out, r.tool_name);
  out += " report: ";
  esc(out, r.mcp_url.empty() ? r.base_url : r.mcp_url);
  out += "</title>\n<style>";
  out += kStyle;
  // One rule set per outcome filter; the radio inputs come before what they filter.
  for (Outcome o : kOrder) {
    std::string n(outcome_name(o));
    out += "#f-" + n + ":checked~.checks .check:not(.o-" + n + "){display:none}\n";
  }
  out += "#f-problems:checked~.checks .check:not(.o-fail):not(.o-error):not(.o-warn)"
         "{display:none}\n";
  std::string on, focus;
  for (std::string n : {"all", "problems", "fail", "error", "warn", "info", "skip", "pass"}) {
    on +=
        std::string(on.empty() ? "" : ",") + "#f-" + n + ":checked~.filters label[for=f-" + n + "]";
    focus += std::string(focus.empty() ? "" : ",") + "#f-" + n +
             ":focus-visible~.filters label[for=f-" + n + "]";
  }
  out += on + "{background:#1d1f23;color:#fff;border-color:#1d1f23}\n";
  out += focus + "{outline:3px solid #0b57d0;outline-offset:2px}\n";
  out += "</style>\n</head>\n<body>\n";
}

void meta_row(std::string& out, std::string_view label, std::string_view value, bool mono) {
  out += "<dt>";
  out += label;
  out += "</dt><dd";
  out += mono ? " class=\"mono\">" : ">";
  esc(out, value);
  out += "</dd>\n";
}

void header(std::string& out, const RunRecord& r) {
  out += "<header>\n<h1>Authorization conformance report</h1>\n<dl class=\"meta\">\n";
  meta_row(out, "Base URL", r.base_url, true);
  if (!r.issuer.empty()) meta_row(out, "Issuer", r.issuer, true);
  if (!r.metadata_url.empty()) meta_row(out, "Metadata", r.metadata_url, true);
  if (!r.mcp_url.empty()) meta_row(out, "MCP server", r.mcp_url, true);
  if (!r.resource_metadata_url.empty())
    meta_row(out, "Resource metadata", r.resource_metadata_url, true);
  meta_row(out, "Profile", r.profile, false);
  meta_row(out, "Strict", r.strict ? "yes" : "no", false);
  if (r.tls_unverified) meta_row(out, "TLS", "certificates NOT verified (--insecure)", false);
  if (r.rate_limited_responses > 0)
    meta_row(out, "Rate-limited responses", std::to_string(r.rate_limited_responses), false);
  meta_row(out, "Started", r.started_at, false);
  meta_row(out, "Finished", r.finished_at.empty() ? "(not finished)" : r.finished_at, false);
  meta_row(out, "Tool",
           r.tool_name + " " + r.tool_version +
               (r.catalogue_version.empty() ? "" : ", catalogue " + r.catalogue_version),
           false);
  out += "</dl>\n</header>\n";
}

void totals(std::string& out, const RunRecord& r) {
  auto summary = r.summary();
  out += "<section id=\"summary\">\n<h2>Summary</h2>\n";
  if (r.interrupted_by != 0)
    out += "<p class=\"alert\">Run interrupted by signal " + std::to_string(r.interrupted_by) +
           "; the results below are incomplete.</p>\n";
  out += "<div class=\"totals\"><span class=\"total\">" + std::to_string(r.checks.size()) +
         " checks</span>";
  for (Outcome o : kOrder)
    out += "<span class=\"total\">" + badge(o) + "<b>" + std::to_string(summary[o]) + "</b></span>";
  out += "</div>\n";
  if (!r.stale_baseline.empty()) {
    out += "<p>Baseline entries that matched no failure:</p>\n<ul>\n";
    for (const auto& entry : r.stale_baseline)
      out += "<li class=\"mono\">" + esc(entry) + "</li>\n";
    out += "</ul>\n";
  }

  // Areas in the order the run met them, which is the catalogue's.
  std::vector<std::string> suites;
  std::map<std::string, std::map<Outcome, int>> counts;
  for (const auto& c : r.checks) {
    if (!counts.count(c.suite)) suites.push_back(c.suite);
    ++counts[c.suite][c.outcome];
  }
  out += "<table class=\"matrix\">\n<thead><tr><th>Area</th>";
  for (Outcome o : kOrder)
    out += "<th class=\"c\">" + std::string(outcome_name(o)) + "</th>";
  out += "<th class=\"c\">total</th></tr></thead>\n<tbody>\n";
  for (const auto& suite : suites) {
    out += "<tr><th scope=\"row\">";
    esc(out, suite);
    out += "</th>";
    int total = 0;
    for (Outcome o : kOrder) {
      int n = counts[suite][o];
      total += n;
      if (n == 0)
        out += "<td class=\"c z\">0</td>";
      else
        out += "<td class=\"c n o-" + std::string(outcome_name(o)) + "\">" + std::to_string(n) +
               "</td>";
    }
    out += "<td class=\"c\">" + std::to_string(total) + "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n</section>\n";
}

void headers_text(std::string& out, const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    esc(out, name);
    out += ": ";
    if (esc_capped(out, value, kTextCap)) out += " [...]";
    out += '\n';
  }
}

void body_text(std::string& out, std::string_view body, bool already_truncated) {
  if (body.empty()) return;
  out += "<pre>";
  bool cut = esc_capped(out, body, kBodyCap);
  out += "</pre>\n";
  if (cut)
    out += "<p class=\"note\">Body shown up to " + std::to_string(kBodyCap / 1024) + " KiB of " +
           std::to_string(body.size()) + " bytes.</p>\n";
  else if (already_truncated)
    out += "<p class=\"note\">The recorded body was truncated.</p>\n";
}

void exchange(std::string& out, const Exchange& e) {
  out += "<details class=\"ex\"><summary><span class=\"mono\">";
  esc(out, e.method);
  out += ' ';
  esc_capped(out, e.url, kTextCap);
  out += "</span> &rarr; ";
  if (e.status != 0)
    out += "<b>" + std::to_string(e.status) + "</b>";
  else
    out += "<b>no response</b>";
  out += " <span class=\"dur\">" + milliseconds(e.duration_ms) + "</span></summary>\n<div>\n";
  out += "<h4>Request</h4>\n<pre>";
  esc(out, e.method);
  out += ' ';
  esc_capped(out, e.url, kTextCap);
  out += '\n';
  headers_text(out, e.request_headers);
  out += "</pre>\n";
  body_text(out, e.request_body, false);
  out += "<h4>Response</h4>\n";
  if (e.status != 0) {
    out += "<pre>HTTP " + std::to_string(e.status) + '\n';
    headers_text(out, e.response_headers);
    out += "</pre>\n";
    body_text(out, e.response_body, e.response_truncated);
  }
  if (!e.transport_error.empty()) {
    out += "<p class=\"note\">Transport error: ";
    esc_capped(out, e.transport_error, kTextCap);
    out += "</p>\n";
  }
  out += "</div></details>\n";
}

// " <a href>path</a>" to the saved file, or a note that there is none.
void file_link(std::string& out, const Attachment& a, const std::filesystem::path& report_dir) {
  std::string path = relative_attachment_path(a.file, report_dir);
  if (path.empty()) {
    out += " <span class=\"note\">(not saved)</span>";
    return;
  }
  out += " <a class=\"mono\" href=\"";
  esc(out, url_path(path));
  out += "\">";
  esc(out, path);
  out += "</a>";
}

void attachment(std::string& out, const Attachment& a, const std::filesystem::path& report_dir) {
  std::string_view image = inline_image_type(a.media_type);
  if (image.empty()) {
    out += "<p class=\"att\">";
    esc(out, a.name);
    out += " <span class=\"dur\">(";
    esc(out, a.media_type);
    out += ", " + std::to_string(a.data.size()) + " bytes)</span>";
    file_link(out, a, report_dir);
    if (!a.caption.empty()) out += "<br>";
    esc_capped(out, a.caption, kTextCap);
    out += "</p>\n";
    return;
  }
  // An image without its bytes at hand (only a file) can only be linked.
  out += "<figure class=\"att\">";
  if (a.data.size() > kInlineImageCap) {
    out += "<p class=\"note\">Not shown here: " + std::to_string(a.data.size()) +
           " bytes, over the " + std::to_string(kInlineImageCap / (1024 * 1024)) +
           " MiB shown inline; open the file.</p>";
  } else if (!a.data.empty()) {
    out += "<img src=\"data:";
    out += image;
    out += ";base64," + base64(a.data) + "\" alt=\"";
    esc(out, a.name);
    out += "\">";
  }
  out += "<figcaption>";
  esc_capped(out, a.caption.empty() ? a.name : a.caption, kTextCap);
  file_link(out, a, report_dir);
  out += "</figcaption></figure>\n";
}

void requirement_links(std::string& out, const std::vector<std::string>& ids) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out += i == 0 ? "" : ", ";
    out += "<a href=\"#" + anchor("req-", ids[i]) + "\">";
    esc(out, ids[i]);
    out += "</a>";
  }
}

void check(std::string& out, const CheckResult& c, const std::string& id,
           const std::filesystem::path& report_dir) {
  std::string o(outcome_name(c.outcome));
  // Failures and errors open, so their findings show at once; their exchanges stay closed.
  bool open = c.outcome == Outcome::Fail || c.outcome == Outcome::Error;
  out += "<details class=\"check o-" + o + "\" id=\"" + id + "\"" + (open ? " open" : "") +
         ">\n<summary>" + badge(c.outcome) + " <span class=\"name\">";
  esc(out, check_key(c));
  out += "</span>";
  if (!c.requirements.empty()) {
    out += " <span class=\"reqs\">[";
    requirement_links(out, c.requirements);
    out += "]</span>";
  }
  if (!c.level.empty()) out += " <span class=\"lvl\">" + esc(c.level) + "</span>";
  out += " <span class=\"dur\">" + milliseconds(c.duration_ms) + "</span>";
  if (c.unfinished) out += " <span class=\"tag\">unfinished: the run stopped during it</span>";
  if (c.known_failure) out += " <span class=\"tag known\">known failure (baseline)</span>";
  if (!c.message.empty()) {
    out += "<span class=\"msg\">";
    if (esc_capped(out, c.message, kTextCap)) out += " [...]";
    out += "</span>";
  }
  out += "</summary>\n<div class=\"cbody\">\n";
  if (!c.findings.empty()) {
    out += "<h4>Findings</h4>\n<table><thead><tr><th>Outcome</th><th>Requirement</th><th>Level</th>"
           "<th>Message</th></tr></thead><tbody>\n";
    for (const auto& f : c.findings) {
      out += "<tr><td>" + badge(f.outcome) + "</td><td>";
      requirement_links(out, {f.requirement});
      out += "</td><td>";
      esc(out, f.level);
      out += "</td><td>";
      if (esc_capped(out, f.message, kTextCap)) out += " [...]";
      if (!f.expected.empty() || !f.actual.empty()) {
        out += "<div class=\"cmp\"><span>expected</span><code>";
        if (esc_capped(out, f.expected, kTextCap)) out += " [...]";
        out += "</code><span>actual</span><code>";
        if (esc_capped(out, f.actual, kTextCap)) out += " [...]";
        out += "</code></div>";
      }
      out += "</td></tr>\n";
    }
    out += "</tbody></table>\n";
  }
  // What the browser saw comes before the exchanges: it usually explains them.
  if (!c.attachments.empty()) {
    out += "<h4>Attachments (" + std::to_string(c.attachments.size()) + ")</h4>\n";
    for (const auto& a : c.attachments)
      attachment(out, a, report_dir);
  }
  if (!c.evidence.empty()) {
    out += "<h4>HTTP exchanges (" + std::to_string(c.evidence.size()) + ")</h4>\n";
    for (const auto& e : c.evidence)
      exchange(out, e);
  }
  if (c.findings.empty() && c.evidence.empty() && c.attachments.empty())
    out += "<p class=\"note\">No findings or HTTP exchanges recorded.</p>\n";
  out += "</div>\n</details>\n";
}

void checks(std::string& out, const RunRecord& r, const std::map<std::string, std::string>& ids,
            const std::filesystem::path& report_dir) {
  auto summary = r.summary();
  std::vector<const CheckResult*> sorted;
  for (const auto& c : r.checks)
    sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(), [](const CheckResult* a, const CheckResult* b) {
    if (rank(a->outcome) != rank(b->outcome)) return rank(a->outcome) < rank(b->outcome);
    if (a->suite != b->suite) return a->suite < b->suite;
    return a->name < b->name;
  });
  out += "<section id=\"checks\">\n<h2>Checks</h2>\n";
  int problems = summary[Outcome::Fail] + summary[Outcome::Error] + summary[Outcome::Warn];
  std::vector<std::pair<std::string, std::string>> filters = {
      {"all", "All (" + std::to_string(r.checks.size()) + ")"},
      {"problems", "Fail, error, warn (" + std::to_string(problems) + ")"}};
  for (Outcome o : kOrder)
    filters.emplace_back(std::string(outcome_name(o)),
                         upper(outcome_name(o)) + " (" + std::to_string(summary[o]) + ")");
  for (const auto& [key, label] : filters)
    out += "<input class=\"fi\" type=\"radio\" name=\"filter\" id=\"f-" + key + "\"" +
           (key == "all" ? " checked" : "") + " aria-label=\"Show " + label + "\">\n";
  out += "<div class=\"filters\"><span>Show:</span>";
  for (const auto& [key, label] : filters)
    out += "<label for=\"f-" + key + "\">" + label + "</label>";
  out += "</div>\n<div class=\"checks\">\n";
  for (const CheckResult* c : sorted)
    check(out, *c, ids.at(check_key(*c)), report_dir);
  if (r.checks.empty()) out += "<p class=\"note\">No checks ran.</p>\n";
  out += "</div>\n</section>\n";
}

void requirements(std::string& out, const RunRecord& r,
                  const std::map<std::string, std::string>& ids) {
  auto results = r.requirement_results();
  std::vector<std::string> all;
  for (const auto& [id, info] : r.requirements)
    all.push_back(id);
  for (const auto& [id, result] : results)
    if (!r.requirements.count(id)) all.push_back(id);
  std::sort(all.begin(), all.end());
  out += "<section id=\"requirements\">\n<h2>Requirements</h2>\n<details class=\"reqs-all\" open>"
         "<summary>" +
         std::to_string(all.size()) +
         " requirements cited by the checks</summary>\n<table class=\"req\">\n"
         "<colgroup><col class=\"w-id\"><col class=\"w-out\"><col class=\"w-lvl\"><col "
         "class=\"w-area\">"
         "<col><col class=\"w-src\"><col class=\"w-chk\">"
         "</colgroup>\n<thead><tr><th>ID</th>"
         "<th>Outcome</th><th>Level</th><th>Area</th><th>Requirement (paraphrase)</th>"
         "<th>Source</th><th>Checks</th></tr></thead>\n<tbody>\n";
  for (const auto& id : all) {
    auto info = r.requirements.find(id);
    auto result = results.find(id);
    out += "<tr id=\"" + anchor("req-", id) + "\"><td class=\"mono\">";
    esc(out, id);
    out += "</td><td>";
    if (result != results.end())
      out += badge(result->second.outcome);
    else
      out += "<span class=\"badge o-none\">NOT RUN</span>";
    out += "</td>";
    if (info != r.requirements.end()) {
      out += "<td>" + esc(info->second.level) + "</td><td>" + esc(info->second.area_name) +
             "</td><td>" + esc(info->second.summary) + "</td><td>";
      source_html(out, info->second.source);
      out += "</td>";
    } else {
      out += "<td></td><td></td><td class=\"note\">Not in the catalogue.</td><td></td>";
    }
    out += "<td>";
    if (result != results.end()) {
      bool first = true;
      for (const auto& name : result->second.checks) {
        out += first ? "" : "<br>";
        first = false;
        auto target = ids.find(name);
        if (target != ids.end()) out += "<a href=\"#" + target->second + "\">";
        esc(out, name);
        if (target != ids.end()) out += "</a>";
      }
    }
    out += "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n</details>\n</section>\n";
}

} // namespace

std::string to_html(const RunRecord& record, const std::filesystem::path& report_dir) {
  std::map<std::string, std::string> ids; // "Suite.Name" -> element ID
  for (const auto& c : record.checks)
    ids.emplace(check_key(c), anchor("check-", check_key(c)));
  std::string out;
  out.reserve(64 * 1024);
  head(out, record);
  header(out, record);
  out += "<main>\n";
  totals(out, record);
  checks(out, record, ids, report_dir);
  requirements(out, record, ids);
  out += "</main>\n<footer><p class=\"note\">Generated by ";
  esc(out, record.tool_name + " " + record.tool_version);
  out += ". Messages and evidence are as recorded, with secrets redacted.</p></footer>\n"
         "</body>\n</html>\n";
  return out;
}

void write_html_report(const RunRecord& record, const std::string& path) {
  write_report_file(path, to_html(record, std::filesystem::absolute(path).parent_path()));
}

} // namespace conformance
