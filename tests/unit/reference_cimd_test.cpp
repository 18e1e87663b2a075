// Client ID Metadata Documents in the reference server: the identifier rules, document
// validation, caching, the SSRF guard of the libcurl fetcher, and whole flows through an
// in-process server whose client documents a fixture serves on 127.0.0.1.
#include "../fixture_server.h"
#include "client_directory.h"
#include "client_metadata_document.h"
#include "client_metadata_fetcher.h"
#include "core/pkce.h"
#include "core/url.h"
#include "metadata_endpoint.h"
#include "server.h"
#include "core/special_use_address.h"

#include <atomic>
#include <functional>
#include <gtest/gtest.h>
#include <httplib.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
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
  explicit Reference(bool allow_http_loopback, std::set<Fault> faults = {}) {
    ServerOptions options;
    options.cimd_allow_http_loopback = allow_http_loopback;
    options.faults = std::move(faults);
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
                          const std::string& verifier) {
  oauth::Params params = {{"response_type", "code"},
                          {"client_id", client_id},
                          {"redirect_uri", kRequestedRedirect},
                          {"code_challenge", oauth::s256_challenge(verifier)},
                          {"code_challenge_method", "S256"},
                          {"state", "xyz"}};
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

} // namespace
