// DCR: dynamic client registration (RFC 7591 §3), the way MCP clients use it.
#include "check.h"
#include "target.h"
#include "verifiers.h"

namespace conformance {
namespace {

// Registers a fresh public client with the body REQUIREMENTS.md DCR-01 gives.
HttpResponse register_fresh_client() {
  std::string endpoint = target().require_endpoint("registration_endpoint");
  auto r = target().http().post_json(endpoint, client_metadata(target().options().redirect_uri, ClientAuth::None));
  if (r.status == 401 && r.header("www-authenticate"))
    skip_check("the registration endpoint requires an initial access token (RFC 7591 §3), and none is configured");
  return r;
}

std::optional<std::string> client_id_of(const HttpResponse& r) {
  auto doc = r.json();
  if (!doc || !doc->is_object() || !doc->contains("client_id") || !(*doc)["client_id"].is_string()) return std::nullopt;
  return (*doc)["client_id"].get<std::string>();
}

} // namespace

CONFORMANCE_CHECK(Registration, AcceptsJsonClientMetadata, "DCR-01") {
  HttpResponse r = register_fresh_client();
  if (r.answered() && r.status / 100 == 2 && client_id_of(r)) pass("DCR-01", "registration accepted: HTTP " + std::to_string(r.status));
  else violation("DCR-01", "expected a JSON client metadata POST to register a client; got " + quote(r));
}

CONFORMANCE_CHECK(Registration, SuccessIsCreatedJson, "DCR-02") {
  HttpResponse r = register_fresh_client();
  if (!r.answered() || r.status / 100 != 2) cannot_run("registration did not succeed: " + quote(r));
  std::vector<std::string> problems;
  if (r.status != 201) problems.push_back("status " + std::to_string(r.status) + " (expected 201 Created)");
  if (!r.is_json_media_type()) problems.push_back("media type '" + r.media_type() + "'");
  auto doc = r.json();
  if (!doc || !doc->is_object()) problems.push_back("the body is not a JSON object");
  if (problems.empty()) pass("DCR-02", "201 Created with a JSON object");
  else violation("DCR-02", "successful registration answered with " + join(problems, "; "));
}

CONFORMANCE_CHECK(Registration, ResponseHasClientId, "DCR-03") {
  HttpResponse first = register_fresh_client();
  if (!first.answered() || first.status / 100 != 2) cannot_run("registration did not succeed: " + quote(first));
  auto id = client_id_of(first);
  if (!id || id->empty()) {
    violation("DCR-03", "the registration response has no non-empty client_id string: " + quote(first));
    return;
  }
  pass("DCR-03", "client_id issued");
  auto second = client_id_of(register_fresh_client());
  if (second && *second == *id) note("DCR-03", "registering twice returned the same client_id");
}

} // namespace conformance
