// Metadata and JSON from a server: the response helpers the checks judge with (json(),
// summary(), quote()), the metadata verifiers, the event-stream reader of the MCP client, and
// the way a response becomes report evidence (redacted, then serialised). Input: a content
// type, NUL, a body.
#include "fuzz_input.h"

#include "checks/verifiers.h"
#include "core/bounded_json.h"
#include "http/http_client.h"
#include "http/redaction.h"
#include "json_report.h"
#include "oauth/mcp_client.h"

#include <nlohmann/json.hpp>

namespace {

// The document's real depth, walked with an explicit stack (recursing is what the bound is for).
int depth_of(const nlohmann::json& doc) {
  int deepest = 0;
  std::vector<std::pair<const nlohmann::json*, int>> stack{{&doc, 1}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (!node->is_structured()) continue;
    deepest = std::max(deepest, depth);
    for (const auto& child : *node) stack.push_back({&child, depth + 1});
  }
  return deepest;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto input = fuzzing::sections(data, size, 2);
  conformance::HttpResponse response;
  response.status = 200;
  response.headers = {{"content-type", input[0]}, {"cache-control", "no-store"}};
  response.body = input[1];

  // Refused documents never exist; accepted ones are within the bound the code relies on.
  const auto doc = response.json();
  if (doc && depth_of(*doc) > oauth::kMaxJsonDepth)
    fuzzing::violated("a document deeper than kMaxJsonDepth was parsed");
  if (!doc && oauth::json_too_deep(response.body) && response.json_refusal().empty())
    fuzzing::violated("a too-deep body was refused without saying why");
  (void)response.summary();
  (void)response.media_type();
  (void)response.is_json_media_type();
  (void)conformance::quote(response);
  if (doc && doc->is_object()) {
    (void)conformance::issuer_problems(*doc, "https://as.example");
    (void)conformance::required_member_problems(*doc);
    (void)doc->dump();
  }
  (void)conformance::first_event_stream_message(response.body);

  // As evidence: redaction by member name and by value, then the JSON report's form.
  conformance::Redactor redactor;
  redactor.add_secret("s3cr3t-client-secret");
  conformance::Exchange exchange;
  exchange.method = "GET";
  exchange.url = "https://as.example/.well-known/oauth-authorization-server";
  exchange.status = response.status;
  exchange.response_headers = response.headers;
  exchange.response_body = response.body;
  const auto redacted = redactor.redact(std::move(exchange));
  (void)conformance::to_json(redacted).dump(-1, ' ', false,
                                            nlohmann::json::error_handler_t::replace);
  return 0;
}
