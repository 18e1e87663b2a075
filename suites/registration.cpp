// DCR: dynamic client registration (RFC 7591 §3), the way MCP clients use it.
#include "checks/check.h"
#include "checks/run_wide_check.h"
#include "checks/verifiers.h"
#include "core/text.h"
#include "under_test/target.h"

#include <functional>

namespace conformance {
namespace {

HttpResponse register_metadata(const nlohmann::json& metadata) {
  return target().post_registration(metadata);
}

// Whether the server registers the body with application_type native (asked once a run).
bool native_application_type_accepted() {
  static std::optional<bool> accepted;
  if (!accepted) {
    HttpResponse r =
        register_metadata(client_metadata(target().options().redirect_uri, ClientAuth::None));
    accepted = r.status != 400;
  }
  return *accepted;
}

// The catalogue's DCR-01 body as MCP clients send it since 2026-07-28: with application_type
// native for the loopback redirect (MCP 2026-07-28 ClientReg §3.1), which an OpenID-style server
// needs before it takes a loopback redirect (its default, web, may not have one). On a server
// that refuses the member, the body clients sent before, so that a check's request carries only
// the fault it is about (DCR-12 judges the refusal itself).
nlohmann::json dcr01_body(ClientAuth auth = ClientAuth::None) {
  nlohmann::json body = client_metadata(target().options().redirect_uri, auth);
  if (!native_application_type_accepted()) body.erase("application_type");
  return body;
}

// A registration as MCP clients make it: `body`, and where the server refuses it with
// application_type, the same body without that member, as clients before 2026-07-28 send it
// (DCR-12 judges the refusal). `sent` ends as the body that was answered.
HttpResponse register_as_mcp_client(nlohmann::json& sent) {
  HttpResponse r = register_metadata(sent);
  if (r.status == 400 && sent.contains("application_type")) {
    sent.erase("application_type");
    r = register_metadata(sent);
  }
  if (r.status == 401 && r.header("www-authenticate"))
    skip_check("the registration endpoint requires an initial access token (RFC 7591 §3), and none "
               "is configured");
  return r;
}

// Registers a fresh public client with the DCR-01 body.
HttpResponse register_fresh_client() {
  nlohmann::json body = dcr01_body();
  return register_as_mcp_client(body);
}

std::optional<std::string> client_id_of(const HttpResponse& r) {
  auto doc = r.json();
  if (!doc || !doc->is_object() || !doc->contains("client_id") || !(*doc)["client_id"].is_string())
    return std::nullopt;
  return (*doc)["client_id"].get<std::string>();
}

} // namespace

CONFORMANCE_CHECK(Registration, AcceptsJsonClientMetadata, "DCR-01") {
  HttpResponse r = register_fresh_client();
  if (r.answered() && r.status / 100 == 2 && client_id_of(r))
    pass("DCR-01", "registration accepted: HTTP " + std::to_string(r.status));
  else
    violation("DCR-01",
              "expected a JSON client metadata POST to register a client; got " + quote(r));
}

CONFORMANCE_CHECK(Registration, SuccessIsCreatedJson, "DCR-02") {
  HttpResponse r = register_fresh_client();
  if (!r.answered() || r.status / 100 != 2) cannot_run("registration did not succeed: " + quote(r));
  std::vector<std::string> problems;
  if (r.status != 201)
    problems.push_back("status " + std::to_string(r.status) + " (expected 201 Created)");
  if (!r.is_json_media_type()) problems.push_back("media type '" + r.media_type() + "'");
  auto doc = r.json();
  if (!doc || !doc->is_object()) problems.push_back("the body is not a JSON object");
  if (problems.empty())
    pass("DCR-02", "201 Created with a JSON object");
  else
    violation("DCR-02", "successful registration answered with " + join(problems, "; "));
}

CONFORMANCE_CHECK(Registration, ResponseHasClientId, "DCR-03") {
  HttpResponse first = register_fresh_client();
  if (!first.answered() || first.status / 100 != 2)
    cannot_run("registration did not succeed: " + quote(first));
  auto id = client_id_of(first);
  if (!id || id->empty()) {
    violation("DCR-03",
              "the registration response has no non-empty client_id string: " + quote(first));
    return;
  }
  pass("DCR-03", "client_id issued");
  auto second = client_id_of(register_fresh_client());
  if (second && *second == *id) note("DCR-03", "registering twice returned the same client_id");
}

CONFORMANCE_CHECK(Registration, ResponseEchoesMetadata, "DCR-04") {
  nlohmann::json sent = dcr01_body();
  HttpResponse r = register_as_mcp_client(sent);
  auto doc = r.json();
  if (r.status / 100 != 2 || !doc || !doc->is_object())
    cannot_run("registration did not succeed: " + quote(r));
  std::vector<std::string> missing, changed;
  for (const auto& [member, value] : sent.items()) {
    if (!doc->contains(member))
      missing.push_back(member);
    else if ((*doc)[member] != value)
      changed.push_back(member + " " + value.dump() + " -> " + (*doc)[member].dump());
  }
  if (missing.empty())
    pass("DCR-04", "every submitted member is in the response");
  else
    violation("DCR-04", "the registration response omits submitted metadata: " + join(missing));
  if (!changed.empty()) note("DCR-04", "the server replaced values: " + join(changed, "; "));
}

CONFORMANCE_CHECK(Registration, SecretComesWithExpiry, "DCR-05") {
  nlohmann::json body = dcr01_body(ClientAuth::SecretBasic);
  HttpResponse r = register_as_mcp_client(body);
  auto doc = r.json();
  if (r.status / 100 != 2 || !doc || !doc->is_object())
    cannot_run("registration did not succeed: " + quote(r));
  if (!doc->contains("client_secret"))
    skip_check("no client_secret was issued for a client_secret_basic client");
  if (doc->contains("client_secret_expires_at") && (*doc)["client_secret_expires_at"].is_number())
    pass("DCR-05", "client_secret_expires_at is " + (*doc)["client_secret_expires_at"].dump());
  else
    violation("DCR-05", "a client_secret was issued without a numeric client_secret_expires_at");
  if (r.has_cache_directive("no-store"))
    pass("DCR-05", "the response with the secret is not cacheable");
  else
    violation("DCR-05", "the response carrying client_secret lacks Cache-Control: no-store",
              Level::Should);
}

CONFORMANCE_CHECK(Registration, PublicClientWorksWithPkceAlone, "DCR-06") {
  // A web-style public client (https redirect, no application_type): what browser-based MCP clients
  // register.
  nlohmann::json metadata = client_metadata("https://harness.example/public-cb", ClientAuth::None);
  metadata.erase("application_type");
  HttpResponse r = register_metadata(metadata);
  auto doc = r.json();
  if (r.status / 100 != 2 || !doc || !doc->contains("client_id"))
    cannot_run("registration did not succeed: " + quote(r));
  std::string method = doc->value("token_endpoint_auth_method", std::string("(absent)"));
  if (method != "none")
    note("DCR-06", "token_endpoint_auth_method none was answered with " + method);
  TestClient client;
  client.client_id = (*doc)["client_id"].get<std::string>();
  client.redirect_uri = "https://harness.example/public-cb";
  CodeGrant grant = obtain_code(client);
  HttpResponse token = redeem(grant);
  if (token.status == 200)
    pass("DCR-06", "a client registered with method none redeemed a code with PKCE alone");
  else
    violation(
        "DCR-06",
        "a client registered with token_endpoint_auth_method none could not redeem a code with "
        "PKCE and no secret: " +
            quote(token));
}

// Judged by difference: the same body with and without the unknown member, so a refusal that has
// another cause is not blamed on the member.
CONFORMANCE_CHECK(Registration, UnknownMembersAreIgnored, "DCR-07") {
  nlohmann::json metadata = dcr01_body();
  HttpResponse base = register_as_mcp_client(metadata);
  if (base.status / 100 != 2 || !client_id_of(base))
    skip_check("the body without the unknown member was refused too (" + quote(base, 80) +
               "), so what the member changes cannot be told");
  metadata["x_harness_ext"] = "1";
  HttpResponse r = register_metadata(metadata);
  if (r.status / 100 == 2 && client_id_of(r))
    pass("DCR-07", "an unknown member was ignored: HTTP " + std::to_string(r.status));
  else
    violation("DCR-07",
              "the same body registers without x_harness_ext, but adding that unknown member made "
              "registration fail: " +
                  quote(r),
              Comparison{"HTTP 201, as without the member", quote(r, 80)});
}

CONFORMANCE_CHECK(Registration, ErrorsAreJsonObjects, "DCR-08") {
  nlohmann::json bad_uri = dcr01_body();
  bad_uri["redirect_uris"] = {"javascript:alert(1)"};
  HttpResponse bad = register_metadata(bad_uri); // first: it skips where registration is closed
  std::string endpoint = target().require_endpoint("registration_endpoint");
  HeaderList headers = target().registration_headers();
  headers.emplace_back("Content-Type", "application/json");
  HttpResponse not_json = target().http().send({"POST", endpoint, headers, "{not json"});
  int judged = 0;
  for (const HttpResponse* r : {&not_json, &bad}) {
    if (r->answered() && r->status / 100 == 2) continue;
    judge_registration_error_format(*r);
    ++judged;
  }
  if (judged == 0)
    violation("DCR-08", "neither a malformed JSON body nor a javascript: redirect URI was refused");
}

// DCR-08's pass criterion covers every registration another check saw refused (DCR-09, DCR-10,
// the redirect URI rules): judged once, after them all.
CONFORMANCE_RUN_WIDE_CHECK(DuringTheRun, RegistrationErrorsAreJsonObjects, "DCR-08") {
  judge_deferred_findings();
}

CONFORMANCE_CHECK(Registration, InvalidRedirectUrisAreNamed, "DCR-09") {
  for (const char* uri : {"javascript:alert(1)", "https://c.example/cb#f", "http://c.example/cb"}) {
    // The URI is the only fault: the rest is what a client with that redirect would send.
    nlohmann::json metadata = client_metadata(std::vector<std::string>{uri}, ClientAuth::None);
    expect_registration_error(register_metadata(metadata), "DCR-09", {"invalid_redirect_uri"},
                              std::string("redirect_uris [\"") + uri + "\"]");
  }
}

CONFORMANCE_CHECK(Registration, InconsistentMetadataIsRefusedOrCorrected, "DCR-10") {
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> spoil;
    std::function<bool(const nlohmann::json&)> corrected; // the response shows a sane substitute
    // Accepting invalid values breaks a MUST; keeping grant and response types consistent is a
    // SHOULD (RFC 7591 §2.1).
    Level accepted_as_sent = Level::Must;
  };
  const Case cases[] = {
      {"token_endpoint_auth_method \"bogus\"",
       [](nlohmann::json& m) { m["token_endpoint_auth_method"] = "bogus"; },
       [](const nlohmann::json& d) {
         return d.value("token_endpoint_auth_method", std::string()) != "bogus";
       }},
      {"grant_types [authorization_code] with response_types [token]",
       [](nlohmann::json& m) {
         m["grant_types"] = {"authorization_code"};
         m["response_types"] = {"token"};
       },
       [](const nlohmann::json& d) {
         auto rt = d.find("response_types");
         return rt == d.end() || std::find(rt->begin(), rt->end(), "token") == rt->end();
       },
       Level::Should},
      {"redirect_uris as a string", [](nlohmann::json& m) { m["redirect_uris"] = "not-an-array"; },
       [](const nlohmann::json& d) {
         return d.contains("redirect_uris") && d["redirect_uris"].is_array();
       }},
  };
  for (const auto& c : cases) {
    nlohmann::json metadata = dcr01_body();
    c.spoil(metadata);
    HttpResponse r = register_metadata(metadata);
    auto doc = r.json();
    if (r.status / 100 == 2 && doc && doc->is_object()) {
      if (c.corrected(*doc))
        pass("DCR-10", std::string(c.what) + " was accepted with a visible correction");
      else
        violation("DCR-10", std::string(c.what) + " was accepted as sent", c.accepted_as_sent);
      continue;
    }
    expect_registration_error(r, "DCR-10", {"invalid_client_metadata"}, c.what);
  }
}

CONFORMANCE_CHECK(Registration, ClientCannotChooseItsId, "DCR-11") {
  nlohmann::json metadata = dcr01_body();
  metadata["client_id"] = "admin";
  HttpResponse r = register_metadata(metadata);
  auto id = client_id_of(r);
  if (r.status / 100 == 2 && id && *id == "admin")
    violation("DCR-11", "the client chose its own client_id \"admin\"");
  else if (r.status / 100 == 2)
    pass("DCR-11", "the requested client_id was ignored: the server issued its own");
  else
    pass("DCR-11", "a registration naming its own client_id was refused: " + r.summary());
}

CONFORMANCE_CHECK(Registration, NativeApplicationTypeIsAccepted, "DCR-12") {
  nlohmann::json native = dcr01_body();
  native["application_type"] = "native";
  HttpResponse r = register_metadata(native);
  if (r.status / 100 == 2)
    pass("DCR-12", "application_type native with a loopback redirect is accepted");
  else
    violation("DCR-12", "application_type native with a loopback redirect was refused: " + quote(r),
              Level::Should);
  nlohmann::json plain = dcr01_body();
  plain.erase("application_type");
  HttpResponse without = register_metadata(plain);
  note("DCR-12", std::string("without application_type the same registration is ") +
                     (without.status / 100 == 2 ? "accepted" : "refused: " + quote(without, 80)));
}

} // namespace conformance
