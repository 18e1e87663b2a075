// Client ID Metadata Documents in the reference server: the identifier rules, document
// validation, caching, the SSRF guard of the libcurl fetcher, and whole flows through an
// in-process server whose client documents a fixture serves on 127.0.0.1; for each cimd-* fault,
// the rule the clean server keeps and the way the fault breaks it, the consent pages included.
#include "../fixture_server.h"
#include "client_directory.h"
#include "client_metadata_document.h"
#include "client_metadata_fetcher.h"
#include "core/pkce.h"
#include "core/special_use_address.h"
#include "core/url.h"
#include "login_spa.h"
#include "metadata_endpoint.h"
#include "server.h"

#include <atomic>
#include <functional>
#include <gtest/gtest.h>
#include <httplib.h>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <variant>

namespace {

using namespace refserver;
using nlohmann::json;

constexpr const char* kDocumentPath = "/client.json";
constexpr const char* kRegisteredRedirect = "http://127.0.0.1/callback";
// A loopback redirect URI may name any port (RFC 8252 §7.3); the registered one names none.
constexpr const char* kRequestedRedirect = "http://127.0.0.1:49152/callback";

json valid_document(const std::string& client_id) {
  return {{"client_id", client_id},
          {"client_name", "CIMD test client"},
          {"redirect_uris", {kRegisteredRedirect}},
          {"grant_types", {"authorization_code", "refresh_token"}},
          {"response_types", {"code"}},
          {"token_endpoint_auth_method", "none"}};
}

// httplib's stop() does nothing until the listening thread has started, so a fixture stopped
// before any request reached it could wait forever on its thread: wait for it first.
void wait_until_listening(FixtureServer& fixture) {
  while (!fixture.routes().is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// A fixture answering /client.json with `respond(its own URL, response)`; counts requests.
class DocumentHost {
public:
  explicit DocumentHost(std::function<void(const std::string&, httplib::Response&)> respond) {
    fixture_.routes().Get(kDocumentPath,
                          [this, respond](const httplib::Request&, httplib::Response& res) {
                            ++hits_;
                            respond(url(), res);
                          });
    fixture_.start();
    wait_until_listening(fixture_);
  }
  std::string url() const { return fixture_.url(kDocumentPath); }
  int hits() const { return hits_; }

private:
  std::atomic<int> hits_{0}; // declared first so that it outlives the fixture's threads
  FixtureServer fixture_;
};

std::unique_ptr<DocumentHost> serve_json(std::function<json(const std::string&)> make) {
  return std::make_unique<DocumentHost>([make](const std::string& own, httplib::Response& res) {
    res.set_content(make(own).dump(), "application/json");
  });
}

struct Reference {
  // `tweak` adjusts the options further (the login modes).
  explicit Reference(bool allow_http_loopback, std::set<Fault> faults = {},
                     const std::function<void(ServerOptions&)>& tweak = {}) {
    ServerOptions options;
    options.cimd_allow_http_loopback = allow_http_loopback;
    options.faults = std::move(faults);
    if (tweak) tweak(options);
    server = std::make_unique<ReferenceServer>(options);
    server->start();
    client = std::make_unique<httplib::Client>(server->base_url());
    client->set_follow_location(false);
  }
  std::unique_ptr<ReferenceServer> server;
  std::unique_ptr<httplib::Client> client;
};

struct AuthorizeResult {
  int status = 0;
  std::string location; // empty when the answer carried none
  std::string body;
  oauth::Params response; // the redirect's query parameters
};

AuthorizeResult authorize(httplib::Client& http, const std::string& client_id,
                          const std::string& verifier,
                          const std::string& redirect_uri = kRequestedRedirect) {
  oauth::Params params = {
      {"response_type", "code"},         {"client_id", client_id},
      {"redirect_uri", redirect_uri},    {"code_challenge", oauth::s256_challenge(verifier)},
      {"code_challenge_method", "S256"}, {"state", "xyz"}};
  auto res = http.Get("/authorize?" + oauth::form_encode(params));
  AuthorizeResult out;
  if (!res) return out;
  out.status = res->status;
  out.location = res->get_header_value("Location");
  out.body = res->body;
  if (auto parts = oauth::parse_url(out.location)) out.response = oauth::parse_form(parts->query);
  return out;
}

httplib::Result redeem(httplib::Client& http, const std::string& client_id, const std::string& code,
                       const std::string& verifier, const httplib::Headers& headers = {}) {
  oauth::Params form = {{"grant_type", "authorization_code"},
                        {"code", code},
                        {"redirect_uri", kRequestedRedirect},
                        {"client_id", client_id},
                        {"code_verifier", verifier}};
  return http.Post("/token", headers, oauth::form_encode(form),
                   "application/x-www-form-urlencoded");
}

json server_metadata(httplib::Client& http) {
  auto res = http.Get("/.well-known/oauth-authorization-server");
  if (!res || res->status != 200) return json();
  return json::parse(res->body);
}

// The unknown-client answer: the server's own page, never a redirect (OAuth 2.1 §4.1.2.1),
// naming why the document could not be used.
void expect_error_page(const AuthorizeResult& result, const std::string& reason) {
  EXPECT_EQ(result.status, 400);
  EXPECT_TRUE(result.location.empty()) << "redirected to " << result.location;
  EXPECT_NE(result.body.find(reason), std::string::npos) << result.body;
}

// ---- whole flows through the server ----

TEST(ReferenceCimd, DocumentClientGetsCodeAndTokens) {
  auto host = serve_json(valid_document);
  Reference ref(true);
  EXPECT_EQ(server_metadata(*ref.client).value("client_id_metadata_document_supported", false),
            true);

  const std::string verifier = oauth::make_code_verifier();
  AuthorizeResult auth = authorize(*ref.client, host->url(), verifier);
  ASSERT_EQ(auth.status, 302);
  EXPECT_TRUE(auth.location.starts_with(kRequestedRedirect)) << auth.location;
  auto code = oauth::first_param(auth.response, "code");
  ASSERT_TRUE(code) << auth.location;
  EXPECT_EQ(oauth::first_param(auth.response, "state").value_or(""), "xyz");

  auto res = redeem(*ref.client, host->url(), *code, verifier);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body.value("token_type", ""), "Bearer");
  EXPECT_FALSE(body.value("access_token", "").empty());
  EXPECT_TRUE(body.contains("refresh_token")) << "the document lists refresh_token";
  // The valid document was cached (no Cache-Control: the five minute default): one fetch.
  EXPECT_EQ(host->hits(), 1);
}

TEST(ReferenceCimd, WrongVerifierIsRefusedForDocumentClient) {
  auto host = serve_json(valid_document);
  Reference ref(true);
  AuthorizeResult auth = authorize(*ref.client, host->url(), oauth::make_code_verifier());
  auto code = oauth::first_param(auth.response, "code");
  ASSERT_TRUE(code) << auth.location;
  auto res = redeem(*ref.client, host->url(), *code, oauth::make_code_verifier());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST(ReferenceCimd, MismatchedClientIdIsRefused) {
  auto host = serve_json([](const std::string& own) { return valid_document(own + "x"); });
  Reference ref(true);
  expect_error_page(authorize(*ref.client, host->url(), oauth::make_code_verifier()),
                    "client_id is not the URL");
}

TEST(ReferenceCimd, SharedSecretAuthMethodIsRefused) {
  auto host = serve_json([](const std::string& own) {
    json doc = valid_document(own);
    doc["token_endpoint_auth_method"] = "client_secret_basic";
    return doc;
  });
  Reference ref(true);
  expect_error_page(authorize(*ref.client, host->url(), oauth::make_code_verifier()),
                    "uses a shared secret");
}

TEST(ReferenceCimd, ClientSecretMemberIsRefused) {
  auto host = serve_json([](const std::string& own) {
    json doc = valid_document(own);
    doc["client_secret"] = "not-so-secret";
    return doc;
  });
  Reference ref(true);
  expect_error_page(authorize(*ref.client, host->url(), oauth::make_code_verifier()),
                    "contains a client_secret");
}

TEST(ReferenceCimd, DocumentOverFiveKibibytesIsRefused) {
  auto host = serve_json([](const std::string& own) {
    json doc = valid_document(own);
    doc["padding"] = std::string(6000, 'x');
    return doc;
  });
  Reference ref(true);
  expect_error_page(authorize(*ref.client, host->url(), oauth::make_code_verifier()),
                    "larger than 5120 bytes");
}

TEST(ReferenceCimd, RedirectFromDocumentUrlIsRefused) {
  // The redirect target would serve a valid document for the original URL: only the 302 is wrong.
  FixtureServer target;
  std::string original;
  target.routes().Get("/moved.json", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(valid_document(original).dump(), "application/json");
  });
  target.start();
  wait_until_listening(target); // it is never asked, so stopping it must not race its start
  DocumentHost host([&](const std::string&, httplib::Response& res) {
    res.set_redirect(target.url("/moved.json"), 302);
  });
  original = host.url();
  Reference ref(true);
  expect_error_page(authorize(*ref.client, host.url(), oauth::make_code_verifier()),
                    "answered HTTP 302");
  EXPECT_EQ(host.hits(), 1);
}

TEST(ReferenceCimd, ClientIdWithFragmentIsRefused) {
  auto host = serve_json(valid_document);
  Reference ref(true);
  expect_error_page(authorize(*ref.client, host->url() + "#frag", oauth::make_code_verifier()),
                    "must not contain a fragment");
  EXPECT_EQ(host->hits(), 0) << "an invalid client_id URL is never fetched";
}

TEST(ReferenceCimd, LoopbackDocumentRefusedWithoutTestingOption) {
  auto host = serve_json(valid_document);
  Reference ref(false);
  expect_error_page(authorize(*ref.client, host->url(), oauth::make_code_verifier()),
                    "must use the https scheme");
  EXPECT_EQ(host->hits(), 0);
}

TEST(ReferenceCimd, FailedFetchIsNotCached) {
  std::atomic<bool> broken{true};
  DocumentHost host([&](const std::string& own, httplib::Response& res) {
    if (broken) {
      res.status = 500;
      return;
    }
    res.set_content(valid_document(own).dump(), "application/json");
  });
  Reference ref(true);
  expect_error_page(authorize(*ref.client, host.url(), oauth::make_code_verifier()),
                    "answered HTTP 500");
  broken = false;
  EXPECT_EQ(authorize(*ref.client, host.url(), oauth::make_code_verifier()).status, 302);
  EXPECT_EQ(host.hits(), 2);
}

TEST(ReferenceCimd, CimdNotAdvertisedFaultOnlyDropsTheMetadataMember) {
  auto host = serve_json(valid_document);
  Reference ref(true, {Fault::CimdNotAdvertised});
  EXPECT_FALSE(server_metadata(*ref.client).contains("client_id_metadata_document_supported"));
  EXPECT_EQ(authorize(*ref.client, host->url(), oauth::make_code_verifier()).status, 302);
}

TEST(ReferenceCimd, CleanServerDoesNotAdvertiseDpop) {
  Reference ref(false);
  EXPECT_FALSE(server_metadata(*ref.client).contains("dpop_signing_alg_values_supported"));
}

TEST(ReferenceCimd, DpopAdvertisedIgnoredFaultIssuesBearerTokens) {
  auto host = serve_json(valid_document);
  Reference ref(true, {Fault::DpopAdvertisedIgnored});
  EXPECT_EQ(server_metadata(*ref.client).value("dpop_signing_alg_values_supported", json()),
            json::array({"ES256"}));
  const std::string verifier = oauth::make_code_verifier();
  auto code = oauth::first_param(authorize(*ref.client, host->url(), verifier).response, "code");
  ASSERT_TRUE(code);
  // Any proof at all: the faulty server does not even look at it.
  auto res = redeem(*ref.client, host->url(), *code, verifier,
                    {{"DPoP", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body).value("token_type", ""), "Bearer");
}

// ---- identifier rules ----

TEST(ReferenceCimd, IdentifierRules) {
  for (const char* ok : {"https://client.example/meta.json", "https://client.example:8443/a/b",
                         "https://client.example/a?b=c", "https://client.example/",
                         "https://client.example/a/.well-known/x"})
    EXPECT_FALSE(client_id_url_problem(ok, false)) << ok;
  for (const char* bad :
       {"http://client.example/meta.json", "https://client.example", "https://client.example?x=1",
        "https://client.example/meta.json#frag", "https://user@client.example/meta.json",
        "https://user:pw@client.example/meta.json", "https://client.example/a/../b",
        "https://client.example/./b", "https://client.example/a/%2E%2e/b",
        "https://client.example/a/..", "HTTPS://client.example/meta.json", "https:///meta.json",
        "https://client.example/a b", "http://127.0.0.1:8080/client.json"})
    EXPECT_TRUE(client_id_url_problem(bad, false)) << bad;
}

TEST(ReferenceCimd, HttpLoopbackRuleIsNarrow) {
  EXPECT_FALSE(client_id_url_problem("http://127.0.0.1:8080/client.json", true));
  for (const char* bad : {"http://127.0.0.1/client.json", "http://localhost:8080/client.json",
                          "http://10.0.0.1:8080/client.json", "http://[::1]:8080/client.json",
                          "http://127.0.0.1:8080/a/../client.json"})
    EXPECT_TRUE(client_id_url_problem(bad, true)) << bad;
}

// ---- document validation ----

FetchedDocument ok_response(const json& doc, std::string cache_control = "") {
  FetchedDocument out;
  out.status = 200;
  out.body = doc.dump();
  out.cache_control = std::move(cache_control);
  return out;
}

TEST(ReferenceCimd, ValidDocumentMakesPublicClient) {
  const std::string id = "https://client.example/meta.json";
  json doc = valid_document(id);
  doc["grant_types"] = {"authorization_code"};
  auto result = client_from_document(id, ok_response(doc));
  auto* client = std::get_if<std::shared_ptr<const Client>>(&result);
  ASSERT_TRUE(client) << std::get<std::string>(result);
  EXPECT_FALSE((*client)->is_confidential());
  EXPECT_EQ((*client)->client_id, id);
  EXPECT_EQ((*client)->auth_method, "none");
  EXPECT_EQ((*client)->grant_types, std::vector<std::string>{"authorization_code"});
  EXPECT_EQ((*client)->response_types, std::vector<std::string>{"code"});
  EXPECT_EQ((*client)->client_name, "CIMD test client");
}

TEST(ReferenceCimd, InvalidDocumentsAreRefused) {
  const std::string id = "https://client.example/meta.json";
  auto refused = [&](const FetchedDocument& fetched) {
    return std::holds_alternative<std::string>(client_from_document(id, fetched));
  };
  auto with = [&](const char* member, json value) {
    json doc = valid_document(id);
    if (value.is_null())
      doc.erase(member);
    else
      doc[member] = std::move(value);
    return ok_response(doc);
  };
  EXPECT_TRUE(refused(with("client_id", nullptr)));
  EXPECT_TRUE(refused(with("client_id", id + "/")));
  EXPECT_TRUE(refused(with("redirect_uris", nullptr)));
  EXPECT_TRUE(refused(with("redirect_uris", json::array())));
  EXPECT_TRUE(refused(with("redirect_uris", "https://app.example/cb")));
  EXPECT_TRUE(refused(with("redirect_uris", {"https://app.example/cb#f"})));
  EXPECT_TRUE(refused(with("token_endpoint_auth_method", "client_secret_post")));
  EXPECT_TRUE(refused(with("token_endpoint_auth_method", "private_key_jwt")));
  EXPECT_TRUE(refused(with("client_secret", "s3cret")));
  EXPECT_TRUE(refused(with("client_name", 7)));
  EXPECT_FALSE(refused(with("token_endpoint_auth_method", nullptr)));

  FetchedDocument array = ok_response(json::array());
  EXPECT_TRUE(refused(array));
  FetchedDocument redirect = ok_response(valid_document(id));
  redirect.status = 302;
  EXPECT_TRUE(refused(redirect));
  FetchedDocument big = ok_response(valid_document(id));
  big.body += std::string(kMaxMetadataDocumentBytes, ' ');
  EXPECT_TRUE(refused(big));
  FetchedDocument failed;
  failed.error = "timed out";
  EXPECT_TRUE(refused(failed));
}

// ---- caching ----

TEST(ReferenceCimd, DocumentLifetimeFollowsCacheControl) {
  using std::chrono::seconds;
  EXPECT_EQ(document_lifetime(""), kDefaultDocumentLifetime);
  EXPECT_EQ(document_lifetime("public"), kDefaultDocumentLifetime);
  EXPECT_EQ(document_lifetime("max-age=60"), seconds(60));
  EXPECT_EQ(document_lifetime("public, Max-Age=\"120\""), seconds(120));
  EXPECT_EQ(document_lifetime("max-age=99999999999999999999"), kMaxDocumentLifetime);
  EXPECT_EQ(document_lifetime("max-age=90000"), kMaxDocumentLifetime);
  EXPECT_EQ(document_lifetime("max-age=0"), seconds(0));
  EXPECT_EQ(document_lifetime("no-store"), seconds(0));
  EXPECT_EQ(document_lifetime("max-age=600, no-store"), seconds(0));
  EXPECT_EQ(document_lifetime("no-cache"), seconds(0));
  EXPECT_EQ(document_lifetime("max-age=soon"), seconds(0));
}

struct FakeFetcher : ClientMetadataFetcher {
  FetchedDocument next;
  int calls = 0;
  FetchedDocument fetch(const std::string&) override {
    ++calls;
    return next;
  }
};

struct DirectoryFixture {
  DirectoryFixture() : fetcher(std::make_shared<FakeFetcher>()) {
    directory = std::make_unique<ClientDirectory>(options, store, fetcher, [this] { return now; });
  }
  ServerOptions options;
  Store store;
  std::shared_ptr<FakeFetcher> fetcher;
  Clock::time_point now = Clock::now();
  std::unique_ptr<ClientDirectory> directory;
  const std::string id = "https://client.example/meta.json";
};

TEST(ReferenceCimd, CacheHonoursMaxAge) {
  DirectoryFixture f;
  f.fetcher->next = ok_response(valid_document(f.id), "max-age=60");
  EXPECT_TRUE(f.directory->find(f.id).client);
  f.now += std::chrono::seconds(59);
  EXPECT_TRUE(f.directory->find(f.id).client);
  EXPECT_EQ(f.fetcher->calls, 1);
  f.now += std::chrono::seconds(2);
  EXPECT_TRUE(f.directory->find(f.id).client);
  EXPECT_EQ(f.fetcher->calls, 2);
}

TEST(ReferenceCimd, CacheDefaultsToFiveMinutes) {
  DirectoryFixture f;
  f.fetcher->next = ok_response(valid_document(f.id));
  f.directory->find(f.id);
  f.now += std::chrono::seconds(299);
  f.directory->find(f.id);
  EXPECT_EQ(f.fetcher->calls, 1);
  f.now += std::chrono::seconds(2);
  f.directory->find(f.id);
  EXPECT_EQ(f.fetcher->calls, 2);
}

TEST(ReferenceCimd, NoStoreIsFetchedEveryTime) {
  DirectoryFixture f;
  f.fetcher->next = ok_response(valid_document(f.id), "no-store");
  EXPECT_TRUE(f.directory->find(f.id).client);
  EXPECT_TRUE(f.directory->find(f.id).client);
  EXPECT_EQ(f.fetcher->calls, 2);
}

TEST(ReferenceCimd, FailuresAreNeverCached) {
  DirectoryFixture f;
  f.fetcher->next = ok_response(valid_document(f.id + "x"), "max-age=3600");
  ClientLookup first = f.directory->find(f.id);
  EXPECT_FALSE(first.client);
  EXPECT_FALSE(first.problem.empty());
  f.fetcher->next = ok_response(valid_document(f.id), "max-age=3600");
  EXPECT_TRUE(f.directory->find(f.id).client);
  EXPECT_EQ(f.fetcher->calls, 2);
}

TEST(ReferenceCimd, OpaqueClientIdsAreNeverFetched) {
  DirectoryFixture f;
  EXPECT_FALSE(f.directory->find("abc123").client);
  EXPECT_FALSE(f.directory->find("https://client.example/a#b").client);
  EXPECT_EQ(f.fetcher->calls, 0);
}

// ---- the SSRF guard ----

TEST(ReferenceCimd, SpecialUseAddressesAreRecognised) {
  for (const char* inward : {"127.0.0.1",
                             "127.5.6.7",
                             "10.1.2.3",
                             "172.16.0.1",
                             "172.31.255.255",
                             "192.168.1.1",
                             "169.254.169.254",
                             "0.0.0.0",
                             "100.64.0.1",
                             "224.0.0.1",
                             "255.255.255.255",
                             "::",
                             "::1",
                             "fe80::1",
                             "fc00::1",
                             "fd12:3456::1",
                             "::ffff:127.0.0.1",
                             "::ffff:10.0.0.1",
                             "64:ff9b::a00:1",
                             "2002:7f00:1::1",
                             "2001:db8::1",
                             "ff02::1",
                             "not-an-address"})
    EXPECT_TRUE(oauth::special_use_address(std::string_view(inward))) << inward;
  for (const char* outward : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "192.169.0.1",
                              "2606:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8"})
    EXPECT_FALSE(oauth::special_use_address(std::string_view(outward))) << outward;
}

TEST(ReferenceCimd, FetcherRefusesLoopbackBeforeConnecting) {
  auto host = serve_json(valid_document);
  std::string port = oauth::parse_url(host->url())->port;
  CurlMetadataFetcher strict(false);
  // The refusal message shows the address check stopped these before any connection.
  for (const std::string& url :
       {"https://127.0.0.1:" + port + "/client.json", "https://localhost:" + port + "/client.json",
        "https://[::1]:" + port + "/client.json"}) {
    FetchedDocument fetched = strict.fetch(url);
    EXPECT_EQ(fetched.status, 0) << url;
    EXPECT_NE(fetched.error.find("refusing to connect"), std::string::npos) << fetched.error;
    EXPECT_NE(fetched.error.find("loopback"), std::string::npos) << fetched.error;
  }
  FetchedDocument http = strict.fetch(host->url());
  EXPECT_NE(http.error.find("only https"), std::string::npos) << http.error;
  EXPECT_EQ(host->hits(), 0);

  // The testing option opens exactly http://127.0.0.1:PORT, not https to a loopback name.
  CurlMetadataFetcher testing(true);
  EXPECT_NE(testing.fetch("https://localhost:" + port + "/client.json").error.find("refusing"),
            std::string::npos);
  EXPECT_EQ(host->hits(), 0);
  FetchedDocument fetched = testing.fetch(host->url());
  EXPECT_EQ(fetched.status, 200) << fetched.error;
  EXPECT_EQ(host->hits(), 1);
}

TEST(ReferenceCimd, FetcherCapsTheBody) {
  DocumentHost host([](const std::string&, httplib::Response& res) {
    res.set_content(std::string(kMaxMetadataDocumentBytes + 1, 'x'), "application/json");
  });
  FetchedDocument fetched = CurlMetadataFetcher(true).fetch(host.url());
  EXPECT_NE(fetched.error.find("larger"), std::string::npos) << fetched.error;
  EXPECT_LE(fetched.body.size(), kMaxMetadataDocumentBytes);
}

TEST(ReferenceCimd, FetcherCapsAChunkedBody) {
  // No Content-Length to refuse up front: the cap has to hold while the body streams in.
  DocumentHost host([](const std::string&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink& sink) {
      std::string chunk(1024, 'x');
      for (int i = 0; i < 64; ++i)
        if (!sink.write(chunk.data(), chunk.size())) return false;
      sink.done();
      return true;
    });
  });
  FetchedDocument fetched = CurlMetadataFetcher(true).fetch(host.url());
  EXPECT_NE(fetched.error.find("larger"), std::string::npos) << fetched.error;
  EXPECT_EQ(fetched.status, 0);
}

TEST(ReferenceCimd, FetcherReportsCacheControlAndDoesNotFollowRedirects) {
  DocumentHost host([](const std::string&, httplib::Response& res) {
    res.set_header("Cache-Control", "max-age=42");
    res.set_redirect("/elsewhere", 302);
  });
  FetchedDocument fetched = CurlMetadataFetcher(true).fetch(host.url());
  EXPECT_EQ(fetched.status, 302) << fetched.error;
  EXPECT_EQ(fetched.cache_control, "max-age=42");
}

// ---- the CIMD faults: each rule kept by the clean server, broken by its fault ----

// A fixture answering whatever paths a test publishes (404 elsewhere), counting the requests
// each path gets, so "fetched", "never fetched" and "fetched again" are observed.
class Publisher {
public:
  using Respond = std::function<void(httplib::Response&)>;
  Publisher() {
    fixture_.routes().Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      ++hits_[req.path];
      auto it = routes_.find(req.path);
      if (it == routes_.end()) {
        res.status = 404;
        return;
      }
      it->second(res);
    });
    fixture_.start();
    wait_until_listening(fixture_);
  }
  std::string url(const std::string& path) const { return fixture_.url(path); }
  std::string port() const { return oauth::parse_url(fixture_.url("/"))->port; }
  void publish(const std::string& path, Respond respond) {
    std::lock_guard lock(mutex_);
    routes_[path] = std::move(respond);
  }
  void publish_json(const std::string& path, const json& doc,
                    const std::string& cache_control = "") {
    publish(path, [body = doc.dump(), cache_control](httplib::Response& res) {
      if (!cache_control.empty()) res.set_header("Cache-Control", cache_control);
      res.set_content(body, "application/json");
    });
  }
  int hits(const std::string& path) {
    std::lock_guard lock(mutex_);
    return hits_[path];
  }
  int total() {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& [path, count] : hits_)
      n += count;
    return n;
  }

private:
  // Declared before the fixture, so that they outlive its threads.
  std::mutex mutex_;
  std::map<std::string, Respond> routes_;
  std::map<std::string, int> hits_;
  FixtureServer fixture_;
};

bool issued_code(const AuthorizeResult& result) {
  return result.status == 302 && oauth::first_param(result.response, "code").has_value();
}

// Authorize, then redeem the code as a public client (no client authentication at all).
void expect_public_flow(httplib::Client& http, const std::string& client_id) {
  const std::string verifier = oauth::make_code_verifier();
  AuthorizeResult auth = authorize(http, client_id, verifier);
  ASSERT_TRUE(issued_code(auth)) << auth.status << " " << auth.body;
  auto res = redeem(http, client_id, *oauth::first_param(auth.response, "code"), verifier);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

std::string register_public_client(httplib::Client& http) {
  auto res = http.Post(
      "/register",
      json{{"redirect_uris", {kRegisteredRedirect}}, {"token_endpoint_auth_method", "none"}}.dump(),
      "application/json");
  EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
  return res ? json::parse(res->body).value("client_id", "") : "";
}

TEST(ReferenceCimd, AdvertisedNotFetchedFaultTreatsUrlsAsUnknown) {
  auto host = serve_json(valid_document);
  Reference ref(true, {Fault::CimdAdvertisedNotFetched});
  EXPECT_EQ(server_metadata(*ref.client).value("client_id_metadata_document_supported", false),
            true);
  AuthorizeResult auth = authorize(*ref.client, host->url(), oauth::make_code_verifier());
  expect_error_page(auth, "No client is registered with this id.");
  EXPECT_EQ(auth.body.find("metadata document"), std::string::npos) << auth.body;
  EXPECT_EQ(host->hits(), 0);
  // Registered clients are untouched.
  expect_public_flow(*ref.client, register_public_client(*ref.client));
}

TEST(ReferenceCimd, ClientIdWithExtraQueryIsAMismatch) {
  auto host = serve_json([](const std::string& own) { return valid_document(own + "?x"); });
  Reference clean(true);
  expect_error_page(authorize(*clean.client, host->url(), oauth::make_code_verifier()),
                    "client_id is not the URL");
  Reference faulty(true, {Fault::CimdClientIdMismatchAccepted});
  expect_public_flow(*faulty.client, host->url());
}

TEST(ReferenceCimd, RedirectUriOutsideTheDocumentIsRefused) {
  auto host = serve_json(valid_document);
  Reference ref(true);
  expect_error_page(
      authorize(*ref.client, host->url(), oauth::make_code_verifier(), "http://127.0.0.1/other"),
      "does not match a URI registered");
  EXPECT_TRUE(issued_code(authorize(*ref.client, host->url(), oauth::make_code_verifier())));
}

TEST(ReferenceCimd, RedirectUriUncheckedFaultOnlyConcernsDocumentClients) {
  Store store;
  ServerOptions options;
  options.faults = {Fault::CimdRedirectUriUnchecked};
  const ServerOptions clean_options;
  ClientDirectory faulty(options, store, nullptr);
  ClientDirectory clean(clean_options, store, nullptr);
  Client document;
  document.client_id = "https://client.example/meta.json";
  EXPECT_TRUE(faulty.is_document_client(document));
  EXPECT_TRUE(faulty.redirect_uri_unchecked(document));
  EXPECT_FALSE(clean.redirect_uri_unchecked(document));
  Client opaque;
  opaque.client_id = "abc123";
  EXPECT_FALSE(faulty.is_document_client(opaque));
  EXPECT_FALSE(faulty.redirect_uri_unchecked(opaque));
}

// Needs authorization_endpoint.cpp to consult ClientDirectory::redirect_uri_unchecked.
TEST(ReferenceCimd, RedirectUriUncheckedFaultIssuesCodesAnywhere) {
  auto host = serve_json(valid_document);
  Reference ref(true, {Fault::CimdRedirectUriUnchecked});
  AuthorizeResult auth =
      authorize(*ref.client, host->url(), oauth::make_code_verifier(), "http://127.0.0.1/other");
  EXPECT_TRUE(issued_code(auth)) << auth.status << " " << auth.body;
  EXPECT_TRUE(auth.location.starts_with("http://127.0.0.1/other?")) << auth.location;
  // A registered client still gets exact matching.
  expect_error_page(authorize(*ref.client, register_public_client(*ref.client),
                              oauth::make_code_verifier(), "http://127.0.0.1/other"),
                    "does not match a URI registered");
}

// The documents CIMD-04 sends: each refused by the clean server; the fault accepts the
// shared-secret ones (as a public client) and still refuses the broken ones.
TEST(ReferenceCimd, SharedSecretDocumentsRefusedUnlessTheFault) {
  const std::string id = "https://client.example/meta.json";
  const ServerOptions clean;
  ServerOptions faulty;
  faulty.faults = {Fault::CimdSharedSecretAccepted};
  auto with = [&](const char* member, json value) {
    json doc = valid_document(id);
    doc[member] = std::move(value);
    return ok_response(doc);
  };
  std::vector<FetchedDocument> secret_kinds = {
      with("token_endpoint_auth_method", "client_secret_basic"),
      with("token_endpoint_auth_method", "client_secret_post"),
      with("token_endpoint_auth_method", "client_secret_jwt"), with("client_secret", "s3cret")};
  for (const FetchedDocument& fetched : secret_kinds) {
    EXPECT_TRUE(std::holds_alternative<std::string>(client_from_document(id, fetched, clean)))
        << fetched.body;
    auto result = client_from_document(id, fetched, faulty);
    auto* client = std::get_if<std::shared_ptr<const Client>>(&result);
    ASSERT_TRUE(client) << fetched.body;
    EXPECT_EQ((*client)->auth_method, "none");
    EXPECT_FALSE((*client)->is_confidential());
  }
  FetchedDocument not_json = ok_response(valid_document(id));
  not_json.body = "{\"client_id\": ";
  json no_uris = valid_document(id);
  no_uris.erase("redirect_uris");
  for (const FetchedDocument& fetched : {not_json, ok_response(no_uris)}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(client_from_document(id, fetched, clean)));
    EXPECT_TRUE(std::holds_alternative<std::string>(client_from_document(id, fetched, faulty)));
  }
  // private_key_jwt is no shared secret: the fault does not make it acceptable.
  EXPECT_TRUE(std::holds_alternative<std::string>(
      client_from_document(id, with("token_endpoint_auth_method", "private_key_jwt"), faulty)));
}

TEST(ReferenceCimd, SharedSecretFaultFlowWorksAsPublicClient) {
  auto host = serve_json([](const std::string& own) {
    json doc = valid_document(own);
    doc["token_endpoint_auth_method"] = "client_secret_basic";
    doc["client_secret"] = "published-for-all";
    return doc;
  });
  Reference ref(true, {Fault::CimdSharedSecretAccepted});
  expect_public_flow(*ref.client, host->url());
}

// CIMD-05's shape: the redirect target is on the same listener and names the original URL.
TEST(ReferenceCimd, RedirectToAnotherPathIsNotFollowedUnlessTheFault) {
  Publisher docs;
  const std::string original = docs.url("/cimd/moved.json");
  docs.publish("/cimd/moved.json", [&](httplib::Response& res) {
    res.set_redirect(docs.url("/cimd/target.json"), 302);
  });
  docs.publish_json("/cimd/target.json", valid_document(original));

  Reference clean(true);
  expect_error_page(authorize(*clean.client, original, oauth::make_code_verifier()),
                    "answered HTTP 302");
  EXPECT_EQ(docs.hits("/cimd/moved.json"), 1);
  EXPECT_EQ(docs.hits("/cimd/target.json"), 0);
  for (int status : {404, 500}) {
    const std::string path = "/cimd/status-" + std::to_string(status) + ".json";
    docs.publish(path, [status](httplib::Response& res) { res.status = status; });
    expect_error_page(authorize(*clean.client, docs.url(path), oauth::make_code_verifier()),
                      "answered HTTP " + std::to_string(status));
  }

  Reference faulty(true, {Fault::CimdRedirectFollowed});
  expect_public_flow(*faulty.client, original);
  EXPECT_GE(docs.hits("/cimd/target.json"), 1);
}

TEST(ReferenceCimd, FollowedRedirectsStillMeetTheAddressGuard) {
  Publisher docs;
  const std::string port = docs.port();
  ServerOptions options;
  options.cimd_allow_http_loopback = true;
  options.faults = {Fault::CimdRedirectFollowed};
  CurlMetadataFetcher fetcher(options);
  docs.publish_json("/target.json", valid_document("x"));
  docs.publish("/to-target",
               [&](httplib::Response& res) { res.set_redirect(docs.url("/target.json"), 307); });
  FetchedDocument followed = fetcher.fetch(docs.url("/to-target"));
  EXPECT_EQ(followed.status, 200) << followed.error;
  EXPECT_EQ(docs.hits("/target.json"), 1);
  // A hop to a loopback spelling the testing exception does not cover, or to https loopback,
  // is refused before any connection, as the first request would be.
  docs.publish("/to-localhost", [&](httplib::Response& res) {
    res.set_redirect("http://localhost:" + port + "/target.json", 302);
  });
  EXPECT_NE(fetcher.fetch(docs.url("/to-localhost")).error.find("only https"), std::string::npos);
  docs.publish("/to-https", [&](httplib::Response& res) {
    res.set_redirect("https://127.0.0.1:" + port + "/target.json", 302);
  });
  EXPECT_NE(fetcher.fetch(docs.url("/to-https")).error.find("refusing to connect"),
            std::string::npos);
  EXPECT_EQ(docs.hits("/target.json"), 1);
  // A loop ends after a few hops with the last redirect, not with a hang.
  docs.publish("/loop", [&](httplib::Response& res) { res.set_redirect(docs.url("/loop"), 302); });
  EXPECT_EQ(fetcher.fetch(docs.url("/loop")).status, 302);
  EXPECT_EQ(docs.hits("/loop"), 6);
}

TEST(ReferenceCimd, FailuresCachedFaultRemembersAnInvalidDocument) {
  DirectoryFixture f;
  f.options.faults = {Fault::CimdFailuresCached};
  json broken = valid_document(f.id);
  broken.erase("redirect_uris");
  f.fetcher->next = ok_response(broken);
  EXPECT_FALSE(f.directory->find(f.id).client);
  f.fetcher->next = ok_response(valid_document(f.id));
  ClientLookup again = f.directory->find(f.id);
  EXPECT_FALSE(again.client);
  EXPECT_NE(again.problem.find("redirect_uris"), std::string::npos) << again.problem;
  EXPECT_EQ(f.fetcher->calls, 1);
  f.now += kDefaultDocumentLifetime + std::chrono::seconds(1);
  EXPECT_TRUE(f.directory->find(f.id).client);
  EXPECT_EQ(f.fetcher->calls, 2);
}

// CIMD-06 (a) through the server: invalid first, fixed, then authorized again at once.
TEST(ReferenceCimd, FixedDocumentIsUsedAtOnceUnlessFailuresCached) {
  for (bool fault : {false, true}) {
    Publisher docs;
    const std::string id = docs.url("/cimd/fixed.json");
    json broken = valid_document(id);
    broken.erase("redirect_uris");
    docs.publish_json("/cimd/fixed.json", broken);
    Reference ref(true, fault ? std::set<Fault>{Fault::CimdFailuresCached} : std::set<Fault>{});
    expect_error_page(authorize(*ref.client, id, oauth::make_code_verifier()), "redirect_uris");
    docs.publish_json("/cimd/fixed.json", valid_document(id));
    AuthorizeResult again = authorize(*ref.client, id, oauth::make_code_verifier());
    EXPECT_EQ(issued_code(again), !fault) << "fault " << fault << ": " << again.body;
    EXPECT_EQ(docs.hits("/cimd/fixed.json"), fault ? 1 : 2);
  }
}

TEST(ReferenceCimd, NoStoreIgnoredFaultCachesFiveMinutes) {
  DirectoryFixture f;
  f.options.faults = {Fault::CimdNoStoreIgnored};
  for (const char* cache_control : {"no-store", "max-age=0", "max-age=60"}) {
    f.now += kMaxDocumentLifetime; // whatever was cached before is gone
    const int before = f.fetcher->calls;
    f.fetcher->next = ok_response(valid_document(f.id), cache_control);
    EXPECT_TRUE(f.directory->find(f.id).client);
    f.now += kDefaultDocumentLifetime - std::chrono::seconds(1);
    EXPECT_TRUE(f.directory->find(f.id).client);
    EXPECT_EQ(f.fetcher->calls, before + 1) << cache_control;
  }
}

// CIMD-06 (b) through the server: a no-store document changes its redirect_uris.
TEST(ReferenceCimd, NoStoreDocumentIsFetchedAgainUnlessTheFault) {
  for (bool fault : {false, true}) {
    Publisher docs;
    const std::string id = docs.url("/cimd/no-store.json");
    docs.publish_json("/cimd/no-store.json", valid_document(id), "no-store");
    Reference ref(true, fault ? std::set<Fault>{Fault::CimdNoStoreIgnored} : std::set<Fault>{});
    EXPECT_TRUE(issued_code(authorize(*ref.client, id, oauth::make_code_verifier())));
    json changed = valid_document(id);
    changed["redirect_uris"] = {"http://127.0.0.1/changed"};
    docs.publish_json("/cimd/no-store.json", changed, "no-store");
    AuthorizeResult again =
        authorize(*ref.client, id, oauth::make_code_verifier(), "http://127.0.0.1/changed");
    EXPECT_EQ(issued_code(again), !fault) << "fault " << fault << ": " << again.body;
    EXPECT_EQ(docs.hits("/cimd/no-store.json"), fault ? 1 : 2);
  }
}

// The loopback spellings of CIMD-07, for a document published at /cimd/loop.json.
std::vector<std::string> loopback_spellings(const std::string& port) {
  std::vector<std::string> out;
  for (const char* scheme : {"http", "https"})
    for (const char* host :
         {"127.1", "localhost", "[::1]", "2130706433", "0x7f000001", "0177.0.0.1"})
      out.push_back(std::string(scheme) + "://" + host + ":" + port + "/cimd/loop.json");
  return out;
}

TEST(ReferenceCimd, HttpExceptionIsForTheLiteral127001Only) {
  for (const std::string& spelled : loopback_spellings("8080")) {
    if (!spelled.starts_with("http:")) continue; // https passes these rules; the fetcher refuses
    EXPECT_TRUE(client_id_url_problem(spelled, true)) << spelled;
  }
  EXPECT_TRUE(client_id_url_problem("http://127.000.000.001:8080/a", true));
  EXPECT_TRUE(client_id_url_problem("http://127.0.0.1.:8080/a", true));
  EXPECT_TRUE(client_id_url_problem("http://127.0.0.1:/a", true));
  EXPECT_FALSE(client_id_url_problem("http://127.0.0.1:1/a", true));
  // The fetcher judges the text as well, not the parsed (normalised) host.
  Publisher docs;
  CurlMetadataFetcher fetcher(true);
  for (const std::string& spelled : loopback_spellings(docs.port()))
    EXPECT_FALSE(fetcher.fetch(spelled).error.empty()) << spelled;
  EXPECT_EQ(docs.total(), 0);
}

TEST(ReferenceCimd, LoopbackSpellingsRefusedWithoutAConnection) {
  Publisher docs;
  Reference ref(true);
  for (const std::string& url : loopback_spellings(docs.port())) {
    docs.publish_json("/cimd/loop.json", valid_document(url));
    AuthorizeResult auth = authorize(*ref.client, url, oauth::make_code_verifier());
    EXPECT_EQ(auth.status, 400) << url;
    EXPECT_TRUE(auth.location.empty()) << url;
  }
  EXPECT_EQ(docs.total(), 0);
}

TEST(ReferenceCimd, LoopbackFetchedFaultFetchesOtherSpellings) {
  Publisher docs;
  const std::string port = docs.port();
  Reference ref(true, {Fault::CimdLoopbackFetched});
  for (const char* host : {"127.1", "localhost", "2130706433", "0x7f000001", "0177.0.0.1"}) {
    const std::string spelled = "http://" + std::string(host) + ":" + port + "/cimd/loop.json";
    docs.publish_json("/cimd/loop.json", valid_document(spelled));
    EXPECT_TRUE(issued_code(authorize(*ref.client, spelled, oauth::make_code_verifier())))
        << spelled;
  }
  EXPECT_EQ(docs.hits("/cimd/loop.json"), 5);
  // Only loopback is let through: other special-use addresses are still refused unconnected.
  ServerOptions options;
  options.faults = {Fault::CimdLoopbackFetched};
  CurlMetadataFetcher fetcher(options);
  for (const char* url : {"https://10.0.0.1:1/a.json", "https://169.254.169.254:1/a.json",
                          "https://[fe80::1]:1/a.json"}) {
    FetchedDocument fetched = fetcher.fetch(url);
    EXPECT_NE(fetched.error.find("refusing to connect"), std::string::npos) << fetched.error;
  }
  // And http still needs the testing option.
  EXPECT_TRUE(client_id_url_problem("http://localhost:" + port + "/a", options));
}

json padded_document(const std::string& own, size_t bytes) {
  json doc = valid_document(own);
  doc["client_name"] = std::string(bytes, 'n');
  return doc;
}

TEST(ReferenceCimd, MegabyteDocumentRefusedUnlessNoSizeCap) {
  auto host = serve_json([](const std::string& own) { return padded_document(own, 1 << 20); });
  Reference clean(true);
  expect_error_page(authorize(*clean.client, host->url(), oauth::make_code_verifier()),
                    "larger than 5120 bytes");
  Reference faulty(true, {Fault::CimdNoSizeCap});
  expect_public_flow(*faulty.client, host->url());
}

TEST(ReferenceCimd, NoSizeCapFaultStillStopsAtFourMebibytes) {
  DocumentHost host([](const std::string& own, httplib::Response& res) {
    res.set_content(padded_document(own, kUncappedMetadataDocumentBytes).dump(),
                    "application/json");
  });
  ServerOptions options;
  options.cimd_allow_http_loopback = true;
  options.faults = {Fault::CimdNoSizeCap};
  FetchedDocument fetched = CurlMetadataFetcher(options).fetch(host.url());
  EXPECT_NE(fetched.error.find("larger than 4194304"), std::string::npos) << fetched.error;
}

TEST(ReferenceCimd, UrlRulesSkippedFaultKeepsSchemeAndHostRules) {
  ServerOptions faulty;
  faulty.faults = {Fault::CimdUrlRulesSkipped};
  for (const char* ok :
       {"https://client.example", "https://client.example/meta.json#frag",
        "https://user:pw@client.example/meta.json", "https://client.example/a/../b"})
    EXPECT_FALSE(client_id_url_problem(ok, faulty)) << ok;
  for (const char* bad :
       {"http://client.example/meta.json", "https:///meta.json", "https://client.example/a b",
        "http://127.0.0.1:8080/client.json", "https://user@/meta.json"})
    EXPECT_TRUE(client_id_url_problem(bad, faulty)) << bad;
  // With the testing option, the exception still looks past the userinfo to 127.0.0.1:PORT.
  faulty.cimd_allow_http_loopback = true;
  EXPECT_FALSE(client_id_url_problem("http://u:p@127.0.0.1:8080/ui.json", faulty));
  EXPECT_TRUE(client_id_url_problem("http://127.0.0.1:8080@evil.example/ui.json", faulty));
}

// CIMD-08's four shapes, each published so that a server skipping the rules would accept it.
TEST(ReferenceCimd, IdentifierShapesRefusedUnlessUrlRulesSkipped) {
  Publisher docs;
  const std::string root = docs.url("");
  const std::string fragment = docs.url("/cimd/frag.json") + "#x";
  const std::string userinfo = "http://u:p@127.0.0.1:" + docs.port() + "/cimd/ui.json";
  const std::string dotted = docs.url("/cimd/a/../dot.json");
  docs.publish_json("/", valid_document(root));
  docs.publish_json("/cimd/frag.json", valid_document(fragment));
  docs.publish_json("/cimd/ui.json", valid_document(userinfo));
  docs.publish_json("/cimd/dot.json", valid_document(dotted));
  docs.publish_json("/cimd/a/../dot.json", valid_document(dotted));

  Reference clean(true);
  expect_error_page(authorize(*clean.client, root, oauth::make_code_verifier()),
                    "must contain a path");
  expect_error_page(authorize(*clean.client, fragment, oauth::make_code_verifier()),
                    "must not contain a fragment");
  expect_error_page(authorize(*clean.client, userinfo, oauth::make_code_verifier()),
                    "must not contain a user name or password");
  expect_error_page(authorize(*clean.client, dotted, oauth::make_code_verifier()),
                    "must not contain . or .. path segments");
  EXPECT_EQ(docs.total(), 0);

  Reference faulty(true, {Fault::CimdUrlRulesSkipped});
  for (const std::string& id : {root, fragment, userinfo, dotted})
    EXPECT_TRUE(issued_code(authorize(*faulty.client, id, oauth::make_code_verifier()))) << id;
}

// ---- the consent page (CIMD-09) ----

std::string set_cookie_of(const httplib::Result& res) {
  std::string set = res ? res->get_header_value("Set-Cookie") : "";
  return set.substr(0, set.find(';'));
}

std::string request_id_of(const std::string& location) {
  auto parts = oauth::parse_url("http://x" + location);
  return parts ? oauth::first_param(oauth::parse_form(parts->query), "request").value_or("") : "";
}

// --login-form: /authorize, the login form, then the consent page's HTML.
std::string form_consent_page(httplib::Client& http, const std::string& client_id) {
  AuthorizeResult start = authorize(http, client_id, oauth::make_code_verifier());
  EXPECT_EQ(start.status, 303) << start.body;
  const std::string id = request_id_of(start.location);
  auto login = http.Get(start.location);
  if (!login) return "";
  const std::string marker = "name=\"csrf_token\" value=\"";
  size_t at = login->body.find(marker);
  EXPECT_NE(at, std::string::npos) << login->body;
  if (at == std::string::npos) return "";
  at += marker.size();
  const std::string csrf = login->body.substr(at, login->body.find('"', at) - at);
  auto signed_in = http.Post("/login", {{"Cookie", set_cookie_of(login)}},
                             oauth::form_encode({{"request", id},
                                                 {"csrf_token", csrf},
                                                 {"username", "alice"},
                                                 {"password", "wonderland"}}),
                             "application/x-www-form-urlencoded");
  EXPECT_TRUE(signed_in && signed_in->status == 303);
  if (!signed_in) return "";
  auto consent =
      http.Get(signed_in->get_header_value("Location"), {{"Cookie", set_cookie_of(signed_in)}});
  EXPECT_TRUE(consent && consent->status == 200);
  return consent ? consent->body : "";
}

// --login-spa: the API calls the scripts make, up to the consent context.
json spa_consent_context(httplib::Client& http, const std::string& client_id) {
  AuthorizeResult start = authorize(http, client_id, oauth::make_code_verifier());
  EXPECT_EQ(start.status, 303) << start.body;
  const std::string id = request_id_of(start.location);
  auto shell = http.Get(start.location);
  std::string cookie = set_cookie_of(shell);
  auto context =
      http.Get("/login/api/context?request=" + oauth::percent_encode(id), {{"Cookie", cookie}});
  if (!context) return json();
  httplib::Headers headers = {{"Cookie", cookie},
                              {"X-CSRF-Token", json::parse(context->body).value("csrf_token", "")}};
  http.Post("/login/api/username", headers, json{{"request", id}, {"username", "alice"}}.dump(),
            "application/json");
  auto password =
      http.Post("/login/api/password", headers,
                json{{"request", id}, {"password", "wonderland"}}.dump(), "application/json");
  EXPECT_TRUE(password && password->status == 200);
  auto consent = http.Get("/consent/api/context?request=" + oauth::percent_encode(id),
                          {{"Cookie", set_cookie_of(password)}});
  EXPECT_TRUE(consent && consent->status == 200);
  return consent ? json::parse(consent->body, nullptr, false) : json();
}

void login_form(ServerOptions& options) {
  options.login_form = true;
}
void login_spa(ServerOptions& options) {
  options.login_spa = true;
}

TEST(ReferenceCimd, ConsentPageNamesTheDocumentHost) {
  auto host = serve_json(valid_document);
  const std::string authority = "127.0.0.1:" + oauth::parse_url(host->url())->port;
  EXPECT_EQ(client_id_host(host->url()), authority);
  Reference clean(true, {}, login_form);
  std::string page = form_consent_page(*clean.client, host->url());
  EXPECT_NE(page.find("CIMD test client"), std::string::npos) << page;
  EXPECT_NE(page.find(host->url()), std::string::npos) << page;
  EXPECT_NE(page.find("published by <strong>" + authority + "</strong>"), std::string::npos)
      << page;

  Reference faulty(true, {Fault::CimdConsentHidesHost}, login_form);
  page = form_consent_page(*faulty.client, host->url());
  EXPECT_NE(page.find("<strong>CIMD test client</strong> wants"), std::string::npos) << page;
  EXPECT_EQ(page.find(host->url()), std::string::npos) << page;
  EXPECT_EQ(page.find(authority), std::string::npos) << page;
  // A registered client's page is unchanged under the fault.
  const std::string registered = register_public_client(*faulty.client);
  EXPECT_NE(form_consent_page(*faulty.client, registered).find("client ID <code>" + registered),
            std::string::npos);
}

TEST(ReferenceCimd, SpaConsentContextHidesTheIdOnlyUnderTheFault) {
  auto host = serve_json(valid_document);
  Reference clean(true, {}, login_spa);
  json context = spa_consent_context(*clean.client, host->url());
  EXPECT_EQ(context.value("client_id", ""), host->url()) << context.dump();
  EXPECT_EQ(context.value("client_name", ""), "CIMD test client");

  Reference faulty(true, {Fault::CimdConsentHidesHost}, login_spa);
  context = spa_consent_context(*faulty.client, host->url());
  EXPECT_EQ(context.value("client_id", "?"), "") << context.dump();
  EXPECT_EQ(context.value("client_name", ""), "CIMD test client");
  const std::string registered = register_public_client(*faulty.client);
  EXPECT_EQ(spa_consent_context(*faulty.client, registered).value("client_id", ""), registered);
}

TEST(ReferenceCimd, ConsentScriptShowsTheDocumentHost) {
  // The script derives the host from client_id; an empty client_id (the fault) shows neither.
  const std::string script(LoginSpaService::consent_script().body);
  EXPECT_NE(script.find("new URL(clientId).host"), std::string::npos);
  EXPECT_NE(script.find("', published by '"), std::string::npos);
}

} // namespace
