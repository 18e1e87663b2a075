// A hand-built result record with one check of every kind, shared by the HTML report's unit
// test and its headless-browser test.
#pragma once

#include "checks/result_record.h"

#include <string>

namespace conformance::testing_sample {

// Markup, quotes and bytes that are not UTF-8 (0xFF, a lone continuation byte), as a broken
// or hostile server might send them; "é" is valid UTF-8 and must survive.
inline const std::string kHostile =
    "<script>alert('x')</script> & \"quoted\" caf\xC3\xA9 \xFF\x80 end";

inline Exchange sample_exchange(int status, std::string body) {
  Exchange e;
  e.method = "POST";
  e.url = "http://127.0.0.1:9/token?a=1&b=<2>";
  e.request_headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Authorization", "[redacted]"}};
  e.request_body = "grant_type=authorization_code&code=[redacted]";
  e.status = status;
  e.response_headers = {{"content-type", "application/json"}, {"x-evil", kHostile}};
  e.response_body = std::move(body);
  e.duration_ms = 4.2;
  return e;
}

inline CheckResult sample_check(std::string suite, std::string name, Outcome outcome,
                                std::vector<std::string> requirements, std::string message) {
  CheckResult c;
  c.suite = std::move(suite);
  c.name = std::move(name);
  c.requirements = std::move(requirements);
  c.level = "MUST";
  c.outcome = outcome;
  c.message = std::move(message);
  c.duration_ms = 12;
  return c;
}

inline RunRecord sample_record() {
  RunRecord r;
  r.tool_version = "0.9.0-test";
  r.base_url = "http://127.0.0.1:9";
  r.issuer = "http://127.0.0.1:9";
  r.metadata_url = "http://127.0.0.1:9/.well-known/oauth-authorization-server";
  r.mcp_url = "http://127.0.0.1:9/mcp";
  r.profile = "mcp-2025-11-25";
  r.strict = true;
  r.started_at = "2025-01-02T03:04:05Z";
  r.finished_at = "2025-01-02T03:04:09Z";
  r.interrupted_by = 15;

  r.checks.push_back(sample_check("Pkce", "S256IsAccepted", Outcome::Pass, {"PKCE-01"}, ""));
  r.checks.back().findings.push_back({"PKCE-01", "MUST", Outcome::Pass, "accepted"});
  r.checks.back().evidence.push_back(sample_exchange(200, "{\"access_token\":\"[redacted]\"}"));

  auto fail = sample_check("Token", "CodeIsSingleUse", Outcome::Fail, {"TOKEN-03", "PKCE-01"},
                           "second redemption succeeded: " + kHostile);
  fail.findings.push_back({"TOKEN-03", "MUST", Outcome::Fail, "code reused; " + kHostile});
  fail.evidence.push_back(sample_exchange(200, "{\"token_type\":\"bearer\"}"));
  fail.evidence.push_back(sample_exchange(200, std::string(100 * 1024, 'A') + "TAIL-NOT-SHOWN"));
  Exchange refused;
  refused.method = "GET";
  refused.url = "http://127.0.0.1:9/down";
  refused.transport_error = "connection refused";
  fail.evidence.push_back(refused);
  r.checks.push_back(fail);

  r.checks.push_back(
      sample_check("Metadata", "CacheHeaders", Outcome::Warn, {"META-02"}, "no Cache-Control"));
  r.checks.back().level = "SHOULD";
  r.checks.back().findings.push_back({"META-02", "SHOULD", Outcome::Warn, "no Cache-Control"});
  r.checks.push_back(sample_check("Metadata", "OptionalFields", Outcome::Info, {"META-03"},
                                  "registration_endpoint absent"));
  r.checks.back().findings.push_back({"META-03", "MAY", Outcome::Info, "absent"});
  r.checks.push_back(sample_check("Dcr", "RegistersClient", Outcome::Skip, {"DCR-01"},
                                  "no registration endpoint"));
  r.checks.push_back(
      sample_check("Revocation", "RevokesToken", Outcome::Error, {"REV-01"}, "timed out"));
  auto unfinished = sample_check("Revocation", "Interrupted", Outcome::Error, {"REV-01"},
                                 "interrupted by signal 15");
  unfinished.unfinished = true;
  r.checks.push_back(unfinished);

  r.requirements["PKCE-01"] = {"PKCE", "MUST", "RFC 7636 §4.6; 2.1-13 §4.1.3 (-15 §4.1.2)",
                               "The AS supports S256."};
  r.requirements["TOKEN-03"] = {"Token endpoint", "MUST", "2.1-13 §4.1.3, §7.5.3; RFC 6749 §10.5",
                                "A code is " + kHostile};
  r.requirements["META-02"] = {"Metadata and discovery", "SHOULD", "MCP/2025-06-18 §2.2(4)",
                               "Metadata is cacheable."};
  r.requirements["META-03"] = {"Metadata and discovery", "MAY", "OIDC-Disc §3", "Optional."};
  r.requirements["DCR-01"] = {"Dynamic registration", "MUST", "CIMD-00 §4; RFC 7591 §3",
                              "Registers."};
  r.requirements["REV-01"] = {"Revocation", "MUST", "RFC 7009 §2.1", "Revokes."};
  return r;
}

} // namespace conformance::testing_sample
