#include "junit_report.h"

#include "attachment_paths.h"
#include "report_file.h"
#include "utf8_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <vector>

namespace conformance {
namespace {

// Bodies are shown up to this size; the rest is dropped with a note.
constexpr std::size_t kBodyCap = 64 * 1024;

bool xml_char(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Any bytes a server sent become well-formed XML 1.0 character data: markup characters are
// escaped (no CDATA, so "]]>" needs no care), bytes that are not UTF-8 become U+FFFD and
// characters XML 1.0 forbids (most control characters, U+FFFE, U+FFFF) are dropped. In
// attributes, tab and line breaks are character references so parsers keep them.
std::string escape(std::string_view text, bool attribute = false) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    std::size_t n = utf8_sequence(text.substr(i), &cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (std::string_view entity = markup_entity(cp); !entity.empty()) {
      out += entity;
    } else if (xml_char(cp)) {
      switch (cp) {
      case '\r':
        out += "&#13;"; // a literal CR would be normalised away
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      default:
        out.append(text.substr(i, n));
      }
    }
    i += n;
  }
  return out;
}

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + escape(value, true) + "\"";
}

// A fixed-point number, never negative, whatever the locale.
std::string fixed(double value, int precision) {
  double v = std::isfinite(value) && value > 0 ? value : 0.0;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision);
  return ec == std::errc() ? std::string(buf, end) : "0";
}

// Seconds with millisecond precision, as JUnit's time attributes want.
std::string seconds(double ms) {
  return fixed(ms / 1000.0, 3);
}

// The schema's timestamp is a plain string, but JUnit consumers following the Ant schema
// expect xs:dateTime without a zone; started_at is UTC, so only the "Z" goes.
std::string timestamp(const std::string& iso) {
  if (!iso.empty() && (iso.back() == 'Z' || iso.back() == 'z'))
    return iso.substr(0, iso.size() - 1);
  return iso;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : sep) + item;
  return out;
}

// "REQ-ID (LEVEL): message", then the expected and actual values aligned beneath when present.
std::string finding_line(const Finding& f) {
  std::string line = f.requirement + " (" + f.level + "): " + f.message;
  if (!f.expected.empty() || !f.actual.empty())
    line += "\n    expected: " + f.expected + "\n    actual:   " + f.actual;
  return line;
}

// A body shown up to kBodyCap bytes, cut on a UTF-8 boundary, with the cut noted.
void append_body(std::string& out, const std::string& body, bool truncated_by_harness) {
  if (body.empty() && !truncated_by_harness) return;
  std::size_t shown = utf8_prefix(body, kBodyCap).size();
  out += "\n";
  out.append(body, 0, shown);
  if (!body.empty() && body.back() != '\n' && shown == body.size()) out += "\n";
  if (shown < body.size())
    out += "\n[body truncated for the report: " + std::to_string(shown) + " of " +
           std::to_string(body.size()) + " bytes shown]\n";
  if (truncated_by_harness) out += "[body truncated: it hit the harness's size cap]\n";
}

void append_exchange(std::string& out, const Exchange& e) {
  out += "> " + e.method + " " + e.url + "\n";
  for (const auto& [name, value] : e.request_headers)
    out += name + ": " + value + "\n";
  append_body(out, e.request_body, false);
  if (e.status != 0) {
    out += "< " + std::to_string(e.status) + "\n";
    for (const auto& [name, value] : e.response_headers)
      out += name + ": " + value + "\n";
    append_body(out, e.response_body, e.response_truncated);
  } else {
    out += "< (no response)\n";
  }
  if (!e.transport_error.empty()) out += "! " + e.transport_error + "\n";
  out += "(" + fixed(e.duration_ms, 1) + " ms)\n\n";
}

// The testcase's system-out, raw (escaped by the caller): warnings first so they are seen,
// then a header naming requirements, level and outcome, then the findings and the evidence.
std::string system_out(const CheckResult& c) {
  std::string out;
  bool warned = false;
  for (const auto& f : c.findings)
    if (f.outcome == Outcome::Warn) {
      out += "WARN: " + finding_line(f) + "\n";
      warned = true;
    }
  if (c.outcome == Outcome::Warn && !warned) out += "WARN: " + c.message + "\n";
  out += "check: " + c.suite + "." + c.name + "\n";
  out += "outcome: " + std::string(outcome_name(c.outcome)) + "\n";
  out += "requirements: " + join(c.requirements, ", ") + "\n";
  out += "level: " + c.level + "\n";
  if (!c.message.empty()) out += "message: " + c.message + "\n";
  if (c.known_failure) out += "known failure: accepted by the baseline\n";
  if (c.unfinished) out += "unfinished: the run was interrupted while this check ran\n";
  if (!c.findings.empty()) {
    out += "\nfindings:\n";
    for (const auto& f : c.findings)
      out += "  " + upper(outcome_name(f.outcome)) + " " + finding_line(f) + "\n";
  }
  if (!c.attachments.empty()) {
    // [[ATTACHMENT|path]] is the Jenkins JUnit Attachments plugin's line (GitLab reads it too):
    // the path must be absolute, since CI resolves it from wherever it runs.
    out += "\nattachments:\n";
    for (const auto& a : c.attachments) {
      out += "  " + a.name + " (" + a.media_type + "): " + a.caption + "\n";
      if (!a.file.empty()) out += "[[ATTACHMENT|" + absolute_attachment_path(a.file) + "]]\n";
    }
  }
  if (!c.evidence.empty()) {
    out += "\nevidence (" + std::to_string(c.evidence.size()) + " exchanges):\n";
    for (const auto& e : c.evidence)
      append_exchange(out, e);
  }
  return out;
}

// The findings with `outcome`, one "REQ-ID (LEVEL): message" a line.
std::string findings_body(const CheckResult& c, Outcome outcome) {
  std::string out;
  for (const auto& f : c.findings)
    if (f.outcome == outcome) out += finding_line(f) + "\n";
  return out;
}

void append_testcase(std::string& out, const CheckResult& c) {
  out += "    <testcase" + attr("name", c.name) + attr("classname", "conformance." + c.suite) +
         attr("time", seconds(c.duration_ms)) + ">\n";
  std::string known = c.known_failure ? "[known failure, in the baseline] " : "";
  if (c.unfinished) {
    out += "      <error" + attr("message", "interrupted") + attr("type", "interrupted") + ">" +
           escape(c.message) + "</error>\n";
  } else if (c.outcome == Outcome::Fail) {
    out += "      <failure" + attr("message", known + c.message) +
           attr("type", c.level.empty() ? "fail" : c.level) + ">" +
           escape(findings_body(c, Outcome::Fail)) + "</failure>\n";
  } else if (c.outcome == Outcome::Error) {
    out += "      <error" + attr("message", known + c.message) + attr("type", "error") + ">" +
           escape(findings_body(c, Outcome::Error)) + "</error>\n";
  } else if (c.outcome == Outcome::Skip) {
    out += "      <skipped" + attr("message", c.message) + "/>\n";
  }
  out += "      <system-out>" + escape(system_out(c)) + "</system-out>\n";
  out += "    </testcase>\n";
}

struct Property {
  std::string name;
  std::string value;
};

// What the run was, repeated in every testsuite: <testsuites> has no properties.
std::vector<Property> run_properties(const RunRecord& r) {
  std::vector<Property> props = {{"tool", r.tool_name},
                                 {"tool_version", r.tool_version},
                                 {"catalogue_version", r.catalogue_version},
                                 {"base_url", r.base_url},
                                 {"issuer", r.issuer},
                                 {"metadata_url", r.metadata_url}};
  if (!r.mcp_url.empty()) props.push_back({"mcp_url", r.mcp_url});
  if (!r.resource_metadata_url.empty())
    props.push_back({"resource_metadata_url", r.resource_metadata_url});
  props.push_back({"profile", r.profile});
  props.push_back({"strict", r.strict ? "true" : "false"});
  props.push_back({"started_at", r.started_at});
  props.push_back({"finished_at", r.finished_at});
  if (r.interrupted_by != 0)
    props.push_back({"interrupted_by_signal", std::to_string(r.interrupted_by)});
  props.push_back({"tls_verified", r.tls_unverified ? "false" : "true"});
  if (r.rate_limited_responses > 0)
    props.push_back({"rate_limited_responses", std::to_string(r.rate_limited_responses)});
  for (std::size_t i = 0; i < r.stale_baseline.size(); ++i)
    props.push_back({"stale_baseline." + std::to_string(i + 1), r.stale_baseline[i]});
  return props;
}

struct Counts {
  int tests = 0, failures = 0, errors = 0, skipped = 0, warnings = 0;
  double ms = 0;
  void add(const CheckResult& c) {
    ++tests;
    if (c.unfinished || c.outcome == Outcome::Error)
      ++errors;
    else if (c.outcome == Outcome::Fail)
      ++failures;
    else if (c.outcome == Outcome::Skip)
      ++skipped;
    else if (c.outcome == Outcome::Warn)
      ++warnings;
    if (std::isfinite(c.duration_ms) && c.duration_ms > 0) ms += c.duration_ms;
  }
};

} // namespace

std::string to_junit_xml(const RunRecord& record) {
  // Suites in the order their first check ran.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CheckResult*>> by_suite;
  Counts total;
  for (const auto& c : record.checks) {
    auto& list = by_suite[c.suite];
    if (list.empty()) order.push_back(c.suite);
    list.push_back(&c);
    total.add(c);
  }
  const std::vector<Property> run = run_properties(record);

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", record.tool_name) +
         attr("tests", std::to_string(total.tests)) +
         attr("failures", std::to_string(total.failures)) +
         attr("errors", std::to_string(total.errors)) + attr("time", seconds(total.ms)) + ">\n";
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& checks = by_suite[order[i]];
    Counts n;
    for (const auto* c : checks)
      n.add(*c);
    out += "  <testsuite" + attr("name", order[i]) + attr("tests", std::to_string(n.tests)) +
           attr("failures", std::to_string(n.failures)) + attr("errors", std::to_string(n.errors)) +
           attr("time", seconds(n.ms)) + attr("skipped", std::to_string(n.skipped)) +
           attr("timestamp", timestamp(record.started_at)) + attr("id", std::to_string(i)) +
           attr("package", "conformance") + ">\n";
    out += "    <properties>\n";
    std::vector<Property> props = run;
    // Warnings pass in JUnit terms; the count keeps them visible on the suite.
    props.push_back({"warnings", std::to_string(n.warnings)});
    for (const auto* c : checks) {
      props.push_back({c->name + ".requirements", join(c->requirements, ",")});
      props.push_back({c->name + ".level", c->level});
      props.push_back({c->name + ".outcome", std::string(outcome_name(c->outcome))});
    }
    for (const auto& p : props)
      out += "      <property" + attr("name", p.name) + attr("value", p.value) + "/>\n";
    out += "    </properties>\n";
    for (const auto* c : checks)
      append_testcase(out, *c);
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

void write_junit_report(const RunRecord& record, const std::string& path) {
  write_report_file(path, to_junit_xml(record));
}

} // namespace conformance
