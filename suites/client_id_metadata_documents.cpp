// CIMD: client ID metadata documents (draft-ietf-oauth-client-id-metadata-document -00, which
// MCP 2025-11-25 cites, and -01), judged with documents the harness serves itself
// (hosting/client_document_server.h). Each check publishes what it needs under a path of its
// own, names the URL as client_id, and watches which requests reach the document server: what
// the authorization server fetched is observed, not guessed.
//
// Nothing here names an address the run does not own: documents live under the operator's
// --cimd-base-url (or the listener's own loopback address), and the SSRF probes use loopback
// spellings of the listener's port. Private, link-local and public addresses are never handed to
// the server, so those parts of CIMD-07 are not judged (README, "Client ID metadata documents").
#include "checks/check.h"
#include "checks/verifiers.h"
#include "core/base64url.h"
#include "core/text.h"
#include "core/url.h"
#include "hosting/client_document_server.h"
#include "http/redaction.h"
#include "under_test/target.h"

#include <algorithm>

namespace conformance {
namespace {

using nlohmann::json;

constexpr const char* kHowToEnable =
    "serve client documents with --cimd-listen HOST:PORT and --cimd-base-url https://PUBLIC-URL "
    "(a reverse proxy or tunnel to that listener; README \"Client ID metadata documents\")";

// The run's document server, once the server has said it takes URL client_ids; else a skip.
ClientDocumentServer& documents() {
  auto supported = target().metadata().find("client_id_metadata_document_supported");
  if (supported == target().metadata().end() || *supported != true)
    skip_check("the server does not advertise client_id_metadata_document_supported (META-10 "
               "judges the flag), so URL client_ids are not expected to work");
  ClientDocumentServer* server = client_documents();
  if (!server) skip_check("no document server: " + std::string(kHowToEnable));
  return *server;
}

// A fresh directory for one check's documents, so no check sees another's (or an earlier run's)
// cached document.
std::string fresh_directory(const ClientDocumentServer& server, std::string_view check) {
  return server.url("/cimd/" + oauth::random_base64url(9) + "/" + std::string(check));
}

// A document as an MCP client publishes it: a public client with the run's loopback redirect.
json valid_document(const std::string& client_id, const std::string& redirect_uri) {
  return {{"client_id", client_id},
          {"client_name", "conformance harness test client"},
          {"redirect_uris", json::array({redirect_uri})},
          {"token_endpoint_auth_method", "none"},
          {"grant_types", json::array({"authorization_code", "refresh_token"})},
          {"response_types", json::array({"code"})}};
}

HostedResponse json_document(const json& document, HeaderList headers = {}) {
  return {200, "application/json", std::move(headers), document.dump()};
}

// The client a document URL stands for: public, no secret.
TestClient document_client(const std::string& client_id, const std::string& redirect_uri) {
  return TestClient{client_id, "", ClientAuth::None, redirect_uri, {redirect_uri}, {}};
}

// One authorization with a URL client_id, and what reached the document server meanwhile.
struct Attempt {
  CodeGrant grant;
  std::vector<DocumentFetch> fetches;

  bool issued_code() const { return !grant.code.empty(); }
  // Whether a request for `url`'s target arrived (a fetch of that document).
  bool fetched(const std::string& url) const {
    std::string wanted = ClientDocumentServer::request_target(url);
    return std::any_of(fetches.begin(), fetches.end(),
                       [&](const DocumentFetch& f) { return f.target == wanted; });
  }
  // Connections that did not speak HTTP: a TLS handshake meant for an https URL on this port.
  bool non_http_connection() const {
    return std::any_of(fetches.begin(), fetches.end(),
                       [](const DocumentFetch& f) { return f.method.empty(); });
  }
  std::string describe() const { return grant.authorization.describe(); }
};

std::string describe_fetches(const std::vector<DocumentFetch>& fetches) {
  if (fetches.empty()) return "no request reached the document server";
  std::vector<std::string> parts;
  for (const DocumentFetch& f : fetches)
    parts.push_back(f.method.empty() ? "a connection that did not speak HTTP (TLS?) from " + f.peer
                                     : f.method + " " + f.target + " -> " +
                                           std::to_string(f.status) + " from " + f.peer);
  return join(parts, "; ");
}

// What the document server saw, as evidence of the running check: inbound requests shown like
// the harness's own exchanges, marked as the server's.
void record_fetches(const ClientDocumentServer& server, const std::vector<DocumentFetch>& fetches) {
  std::string origin = oauth::origin_of(server.base_url()).value_or(server.base_url());
  for (const DocumentFetch& f : fetches) {
    Exchange e;
    e.method = (f.method.empty() ? std::string("(not HTTP)") : f.method) +
               " (by the server under test)";
    e.url = origin + f.target;
    e.request_headers = f.headers;
    e.status = f.status;
    e.response_body = f.served ? "(a document this check published)" : "(not a published document)";
    record_exchange(std::move(e));
  }
}

Attempt attempt(ClientDocumentServer& server, const std::string& client_id,
                const std::string& redirect_uri) {
  size_t mark = server.fetch_count();
  Attempt a{attempt_code(document_client(client_id, redirect_uri)), {}};
  a.fetches = server.fetches_since(mark);
  record_fetches(server, a.fetches);
  require_server_answer(a.grant.authorization, "a client_id metadata document request");
  return a;
}

// Whether the server takes a valid document at all: without that, a refusal elsewhere proves
// nothing. Asked once a run.
bool valid_documents_work(ClientDocumentServer& server) {
  static std::optional<bool> works;
  if (!works) {
    std::string url = fresh_directory(server, "control.json");
    std::string redirect = target().options().redirect_uri;
    server.publish(url, json_document(valid_document(url, redirect)));
    works = attempt(server, url, redirect).issued_code();
  }
  return *works;
}

void require_valid_documents_work(ClientDocumentServer& server) {
  if (!valid_documents_work(server))
    skip_check("the server does not complete a flow with a valid client metadata document "
               "(CIMD-01), so a refusal here would prove nothing");
}

// In the loopback set-up (no --cimd-base-url) every verdict rests on the server allowing
// http://127.0.0.1 documents for testing, which a production server must refuse.
void remark_loopback(const ClientDocumentServer& server) {
  if (server.loopback_http())
    remark("documents served at " + server.base_url() +
           " (loopback http): this assumes the server allows that for testing");
}

// The loopback spellings of the listener (CIMD-07): hosts that all reach this machine. In the
// loopback set-up the plain 127.0.0.1 is the testing exemption itself, so it is left out.
std::vector<std::string> loopback_spellings(const ClientDocumentServer& server) {
  std::vector<std::string> hosts = {"127.1",      "localhost",  "[::1]",
                                    "2130706433", "0x7f000001", "0177.0.0.1"};
  if (!server.loopback_http()) hosts.insert(hosts.begin(), "127.0.0.1");
  return hosts;
}

// The start of every check but CIMD-01: the server, known to take a valid document.
ClientDocumentServer& documents_for_refusals() {
  ClientDocumentServer& server = documents();
  require_valid_documents_work(server);
  remark_loopback(server);
  return server;
}

} // namespace

CONFORMANCE_CHECK(ClientMetadata, ValidDocumentIsFetchedAndUsed, "CIMD-01") {
  ClientDocumentServer& server = documents();
  remark_loopback(server);
  std::string url = fresh_directory(server, "ok.json");
  std::string redirect = target().options().redirect_uri;
  server.publish(url, json_document(valid_document(url, redirect)));
  Attempt a = attempt(server, url, redirect);
  if (!a.issued_code()) {
    violation("CIMD-01", "a valid client metadata document at " + url +
                             " did not yield a code: " + a.describe() + "; " +
                             describe_fetches(a.fetches));
    return;
  }
  if (!a.fetched(url))
    note("CIMD-01", "a code was issued although no fetch of " + url +
                        " reached the document server (a cache between them?)");
  auto tokens = expect_token_success(redeem(a.grant), "CIMD-01",
                                     "the code of a client metadata document client");
  if (tokens)
    pass("CIMD-01", "the server fetched the document (" + describe_fetches(a.fetches) +
                        "), and the flow and the PKCE token exchange succeeded");
}

CONFORMANCE_CHECK(ClientMetadata, DocumentMustNameItsOwnUrl, "CIMD-02") {
  ClientDocumentServer& server = documents_for_refusals();
  std::string redirect = target().options().redirect_uri;
  std::string dir = fresh_directory(server, "");
  std::vector<std::pair<std::string, std::string>> cases = {
      {dir + "query.json", dir + "query.json?x"}, // one character more
      {dir + "other.json", dir + "somebody-else.json"}};
  std::vector<std::string> accepted;
  for (const auto& [url, claimed] : cases) {
    server.publish(url, json_document(valid_document(claimed, redirect)));
    Attempt a = attempt(server, url, redirect);
    if (a.issued_code()) accepted.push_back(url + " (its client_id: " + claimed + ")");
  }
  if (accepted.empty())
    pass("CIMD-02", "documents whose client_id differs from their URL were refused");
  else
    violation("CIMD-02", "a code was issued for " + join(accepted, ", ") +
                             ": the document's client_id must equal the URL it came from");
}

CONFORMANCE_CHECK(ClientMetadata, RedirectUriMustBeInTheDocument, "CIMD-03") {
  ClientDocumentServer& server = documents_for_refusals();
  std::string url = fresh_directory(server, "redirect.json");
  server.publish(url, json_document(valid_document(url, target().options().redirect_uri)));
  const std::string other = "http://127.0.0.1/harness-not-in-the-document";
  Attempt a = attempt(server, url, other);
  expect_no_redirect_to_client(a.grant.authorization, "CIMD-03", other,
                               "a redirect_uri the document does not list");
}

CONFORMANCE_CHECK(ClientMetadata, InvalidDocumentsAreRefused, "CIMD-04") {
  ClientDocumentServer& server = documents_for_refusals();
  std::string redirect = target().options().redirect_uri;
  std::string dir = fresh_directory(server, "");
  struct Case {
    std::string name, what;
    std::function<HostedResponse(const std::string& url)> body;
  };
  std::vector<Case> cases = {
      {"truncated.json", "a document that is not valid JSON",
       [&](const std::string& url) {
         std::string text = valid_document(url, redirect).dump();
         return HostedResponse{200, "application/json", {}, text.substr(0, text.size() / 2)};
       }},
      {"no-redirects.json", "a document without redirect_uris",
       [&](const std::string& url) {
         json doc = valid_document(url, redirect);
         doc.erase("redirect_uris");
         return json_document(doc);
       }},
      {"basic.json", "token_endpoint_auth_method client_secret_basic (a shared secret)",
       [&](const std::string& url) {
         json doc = valid_document(url, redirect);
         doc["token_endpoint_auth_method"] = "client_secret_basic";
         return json_document(doc);
       }},
      {"secret.json", "a client_secret member",
       [&](const std::string& url) {
         json doc = valid_document(url, redirect);
         doc["client_secret"] = "harness-" + oauth::random_base64url(12);
         return json_document(doc);
       }}};
  std::vector<std::string> accepted, refused;
  for (const Case& c : cases) {
    std::string url = dir + c.name;
    server.publish(url, c.body(url));
    Attempt a = attempt(server, url, redirect);
    (a.issued_code() ? accepted : refused).push_back(c.what);
  }
  if (accepted.empty())
    pass("CIMD-04", "refused: " + join(refused, "; "));
  else
    violation("CIMD-04", "a code was issued for " + join(accepted, "; "));
}

CONFORMANCE_CHECK(ClientMetadata, OnlyA200WithoutRedirectCounts, "CIMD-05") {
  ClientDocumentServer& server = documents_for_refusals();
  std::string redirect = target().options().redirect_uri;
  std::string dir = fresh_directory(server, "");
  // The redirect leads to a document that would be accepted: it names the first URL.
  std::string moved = dir + "moved.json", landing = dir + "landing.json";
  server.publish(moved, {302, "text/plain", {{"Location", landing}}, "moved\n"});
  server.publish(landing, json_document(valid_document(moved, redirect)));
  Attempt followed = attempt(server, moved, redirect);
  std::vector<std::string> problems;
  if (followed.fetched(landing))
    problems.push_back("it followed the 302 from " + moved + " to " + landing);
  if (followed.issued_code()) problems.push_back("a code was issued for the redirecting URL");
  for (int status : {404, 500}) {
    std::string url = dir + std::to_string(status) + ".json";
    server.publish(url, {status, "application/json", {}, valid_document(url, redirect).dump()});
    if (attempt(server, url, redirect).issued_code())
      problems.push_back("a code was issued for a document served with HTTP " +
                         std::to_string(status));
  }
  if (problems.empty())
    pass("CIMD-05", "a redirect was not followed, and 302, 404 and 500 answers were refused");
  else
    violation("CIMD-05", join(problems, "; "));
}

CONFORMANCE_CHECK(ClientMetadata, FailuresAreNotCachedAndNoStoreIsHonoured, "CIMD-06") {
  ClientDocumentServer& server = documents_for_refusals();
  std::string redirect = target().options().redirect_uri;
  // A failure, then the fix: the next request must see the fixed document.
  std::string fixed = fresh_directory(server, "fixed.json");
  json broken = valid_document(fixed, redirect);
  broken.erase("redirect_uris");
  server.publish(fixed, json_document(broken));
  if (attempt(server, fixed, redirect).issued_code())
    skip_check("a document without redirect_uris was accepted (CIMD-04), so a cached failure "
               "cannot be told from none");
  server.publish(fixed, json_document(valid_document(fixed, redirect)));
  Attempt again = attempt(server, fixed, redirect);
  if (again.issued_code())
    pass("CIMD-06", "after a failed fetch, the fixed document was fetched and used");
  else
    violation("CIMD-06",
              "the document was fixed after a failed fetch, but the next request was still "
              "refused (" + again.describe() + "; " + describe_fetches(again.fetches) +
                  "): a failure must not be cached",
              Level::Must);

  // no-store: a change must take effect on the next request.
  std::string changing = fresh_directory(server, "no-store.json");
  server.publish(changing, json_document(valid_document(changing, redirect),
                                         {{"Cache-Control", "no-store"}}));
  if (!attempt(server, changing, redirect).issued_code())
    cannot_run("a valid document served with Cache-Control: no-store was refused");
  const std::string moved_to = "http://127.0.0.1/harness-changed";
  server.publish(changing, json_document(valid_document(changing, moved_to),
                                         {{"Cache-Control", "no-store"}}));
  Attempt after = attempt(server, changing, moved_to);
  if (after.issued_code())
    pass("CIMD-06", "a no-store document was fetched again and its new redirect_uris applied");
  else
    violation("CIMD-06",
              "a document served with Cache-Control: no-store changed its redirect_uris, but the "
              "server still used the old one (" + after.describe() + "; " +
                  describe_fetches(after.fetches) + ")",
              Level::Should);
}

CONFORMANCE_CHECK(ClientMetadata, SpecialUseHostsAndHugeDocumentsAreRefused, "CIMD-07") {
  ClientDocumentServer& server = documents_for_refusals();
  std::string redirect = target().options().redirect_uri;
  std::string dir_path =
      "/cimd/" + oauth::random_base64url(9) + "/"; // the same path under every spelling
  const std::string scheme = server.loopback_http() ? "http" : "https";
  std::vector<std::string> fetched, accepted, refused;
  int n = 0;
  for (const std::string& host : loopback_spellings(server)) {
    std::string url = scheme + "://" + host + ":" + std::to_string(server.port()) + dir_path +
                      "ssrf-" + std::to_string(++n) + ".json";
    server.publish(url, json_document(valid_document(url, redirect)));
    Attempt a = attempt(server, url, redirect);
    if (a.fetched(url) || a.non_http_connection()) fetched.push_back(url);
    (a.issued_code() ? accepted : refused).push_back(url);
  }
  // An oversized document on the ordinary host: about 5 KB is the recommended cap.
  std::string large = server.url(dir_path + "large.json");
  json big = valid_document(large, redirect);
  big["client_name"] = std::string(1024 * 1024, 'a');
  server.publish(large, json_document(big));
  size_t mark = server.fetch_count();
  CodeGrant huge = attempt_code(document_client(large, redirect));
  record_fetches(server, server.fetches_since(mark));
  std::vector<std::string> problems;
  if (!fetched.empty())
    problems.push_back("the server connected to the harness's listener for " +
                       join(fetched, ", "));
  if (!accepted.empty()) problems.push_back("a code was issued for " + join(accepted, ", "));
  if (!problems.empty()) {
    violation("CIMD-07", "loopback client_id hosts must be refused without a fetch: " +
                             join(problems, "; "));
  } else {
    pass("CIMD-07", "refused without a connection: " + join(refused, ", "));
  }
  using Ending = AuthorizationResult::Ending;
  if (huge.authorization.ending == Ending::NoResponse) {
    violation("CIMD-07", "a 1 MiB document left the authorization request unanswered (" +
                             huge.authorization.describe() + ")",
              Level::Should);
    return;
  }
  require_server_answer(huge.authorization, "a request naming a 1 MiB document");
  if (!huge.code.empty())
    violation("CIMD-07", "a 1 MiB document was accepted; documents should be capped (about 5 KB)",
              Level::Should);
  else
    pass("CIMD-07", "a 1 MiB document was refused (" + huge.authorization.describe() + ")");
}

CONFORMANCE_CHECK(ClientMetadata, ClientIdUrlSyntaxIsEnforced, "CIMD-08") {
  ClientDocumentServer& server = documents_for_refusals();
  std::string redirect = target().options().redirect_uri;
  std::string base = server.base_url();
  std::string origin = oauth::origin_of(base).value_or(base);
  std::string dir_path = "/cimd/" + oauth::random_base64url(9) + "/";
  auto parts = oauth::parse_url(base);
  std::string authority = origin.substr(origin.find("://") + 3);
  std::string prefix = parts ? parts->path : "";
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  struct Case {
    std::string what, client_id;
    std::vector<std::string> served_at; // the targets a fetch of client_id may ask for
  };
  std::vector<Case> cases = {
      {"no path", origin, {"/"}},
      {"a fragment", base + dir_path + "fragment.json#x", {prefix + dir_path + "fragment.json"}},
      {"userinfo",
       origin.substr(0, origin.find("://") + 3) + "harness:pw@" + authority + prefix + dir_path +
           "userinfo.json",
       {prefix + dir_path + "userinfo.json"}},
      {"a dot-segment",
       base + dir_path + "a/../dot.json",
       {prefix + dir_path + "a/../dot.json", prefix + dir_path + "dot.json"}}};
  // https is the rule; the http spelling can only be tried where the documents are https.
  if (!server.loopback_http() && base.rfind("https://", 0) == 0)
    cases.push_back({"the http scheme", "http://" + base.substr(8) + dir_path + "http.json",
                     {prefix + dir_path + "http.json"}});
  std::vector<std::string> accepted, refused;
  for (const Case& c : cases) {
    for (const std::string& at : c.served_at)
      server.publish(origin + at, json_document(valid_document(c.client_id, redirect)));
    Attempt a = attempt(server, c.client_id, redirect);
    (a.issued_code() ? accepted : refused).push_back(c.what + " (" + c.client_id + ")");
    for (const std::string& at : c.served_at) server.withdraw(origin + at);
  }
  if (accepted.empty())
    pass("CIMD-08", "client_id URLs with " + join(refused, ", ") + " were refused");
  else
    violation("CIMD-08", "a code was issued for client_id URLs with " + join(accepted, ", "));
}

CONFORMANCE_CHECK(ClientMetadata, ConsentShowsTheClientHost, "CIMD-09") {
  ClientDocumentServer& server = documents_for_refusals();
  std::string url = fresh_directory(server, "consent.json");
  std::string redirect = target().options().redirect_uri;
  server.publish(url, json_document(valid_document(url, redirect)));
  Attempt a = attempt(server, url, redirect);
  const auto& texts = a.grant.authorization.page_texts;
  if (texts.empty())
    skip_check("no page was seen on the way (the " + std::string(target().driver().name()) +
               " driver, or a server that approves by itself); judging what consent shows "
               "needs --driver form or --driver browser");
  // The host a user should see; in the loopback set-up, with its port, since the redirect URI's
  // host is 127.0.0.1 too.
  auto parts = oauth::parse_url(url);
  std::string host = parts ? parts->host : url;
  std::string shown = server.loopback_http() && parts ? host + ":" + parts->port : host;
  bool found = std::any_of(texts.begin(), texts.end(), [&](const std::string& text) {
    return oauth::ascii_lower(text).find(oauth::ascii_lower(shown)) != std::string::npos;
  });
  if (found)
    pass("CIMD-09", "a page on the way shows the client_id's host \"" + shown + "\" (pages: " +
                        join(a.grant.authorization.pages, ", ") + ")");
  else
    // Best effort: the host may be in an image or a tooltip, so this is a SHOULD-level finding
    // that a person confirms.
    violation("CIMD-09",
              "no page on the way shows the client_id's host \"" + shown + "\" as text (pages: " +
                  join(a.grant.authorization.pages, ", ") +
                  "); anyone can publish a document with any client_name, so the user needs the "
                  "host. Best effort: a person should confirm what the consent screen shows",
              Level::Should);
}

} // namespace conformance
