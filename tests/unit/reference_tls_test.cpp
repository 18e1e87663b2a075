// The reference server over HTTPS (--tls-cert/--tls-key) and under a public host name
// (--public-host): it answers over TLS with the certificate it was given, every URL it advertises
// is https:// on the public host, an unusable certificate or key stops start() (and the binary)
// with a message naming the file, and metadata-plain-http-endpoint advertises one http:// URL.
// The certificates come from tests/tls_fixture.h, generated per run with the openssl CLI; the
// tests skip when openssl is missing.
#include "../tls_fixture.h"
#include "core/url.h"
#include "drivers/subprocess.h"
#include "faults.h"
#include "metadata_endpoint.h"
#include "server.h"

#include <chrono>
#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <httplib.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/x509_vfy.h>
#include <string>
#include <vector>

namespace {

using namespace refserver;
using conformance::testing_tools::make_test_pki;
using conformance::testing_tools::ScratchDir;
using conformance::testing_tools::TlsFixture;
using nlohmann::json;

constexpr const char* kPublicHost = "as.conformance.test";
constexpr const char* kMetadataPath = "/.well-known/oauth-authorization-server";
constexpr const char* kPrmPath = "/.well-known/oauth-protected-resource/mcp";
constexpr const char* kRedirect = "http://127.0.0.1/callback";

class ReferenceTls : public ::testing::Test {
protected:
  // One PKI for the whole suite: generating it costs a handful of openssl runs.
  static void SetUpTestSuite() {
    // A peer that hangs up mid-handshake must not kill the test process with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    if (!conformance::testing_tools::openssl_available()) return;
    dir_ = new ScratchDir("reference-tls-test");
    pki_ = new TlsFixture(make_test_pki(dir_->path(), {kPublicHost, "localhost"}));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!pki_)
      GTEST_SKIP() << "openssl (" << conformance::testing_tools::openssl_binary()
                   << ") cannot be run";
  }

  static ServerOptions tls_options(std::string cert = "", std::string key = "") {
    ServerOptions options;
    options.tls_cert_file = cert.empty() ? pki_->server_cert : cert;
    options.tls_key_file = key.empty() ? pki_->server_key : key;
    return options;
  }

  // An HTTPS client of `host`:`port` trusting `ca`; a non-IP host is reached at 127.0.0.1.
  static std::unique_ptr<httplib::SSLClient> client(const std::string& host, int port,
                                                    const std::string& ca) {
    auto out = std::make_unique<httplib::SSLClient>(host, port);
    out->set_ca_cert_path(ca.c_str());
    out->enable_server_certificate_verification(true);
    out->set_hostname_addr_map({{host, "127.0.0.1"}});
    out->set_follow_location(false);
    out->set_connection_timeout(5);
    out->set_read_timeout(5);
    return out;
  }

  static std::string file(const std::string& name, const std::string& content) {
    std::string path = dir_->file(name);
    std::ofstream(path) << content;
    return path;
  }

  static ScratchDir* dir_;
  static TlsFixture* pki_;
};

ScratchDir* ReferenceTls::dir_ = nullptr;
TlsFixture* ReferenceTls::pki_ = nullptr;

json body_of(const httplib::Result& res) {
  return res ? json::parse(res->body, nullptr, false) : json();
}

std::string message_of_start(ServerOptions options) {
  ReferenceServer server(std::move(options));
  try {
    server.start();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST_F(ReferenceTls, ServesMetadataOverHttpsWithHttpsUrls) {
  ReferenceServer server(tls_options());
  const int port = server.start();
  const std::string base = server.base_url();
  EXPECT_EQ(base, "https://127.0.0.1:" + std::to_string(port));

  auto https = client("127.0.0.1", port, pki_->ca_cert);
  auto res = https->Get(kMetadataPath);
  ASSERT_TRUE(res) << httplib::to_string(res.error()) << ", verify result "
                   << https->get_openssl_verify_result();
  EXPECT_EQ(res->status, 200);
  json doc = body_of(res);
  EXPECT_EQ(doc.value("issuer", ""), base);
  for (const char* member : {"authorization_endpoint", "token_endpoint", "registration_endpoint",
                             "introspection_endpoint", "revocation_endpoint"})
    EXPECT_TRUE(doc.value(member, "").starts_with(base + "/")) << member << ": " << doc[member];

  json prm = body_of(https->Get(kPrmPath));
  EXPECT_EQ(prm.value("resource", ""), base + "/mcp");
  EXPECT_EQ(prm["authorization_servers"], json::array({base}));

  // The MCP endpoint's challenge points at the https metadata URL.
  auto challenge = https->Post("/mcp", "{}", "application/json");
  ASSERT_TRUE(challenge);
  EXPECT_EQ(challenge->status, 401);
  EXPECT_NE(challenge->get_header_value("WWW-Authenticate").find(base + kPrmPath),
            std::string::npos)
      << challenge->get_header_value("WWW-Authenticate");
}

TEST_F(ReferenceTls, AuthorizationResponseIssIsTheHttpsIssuer) {
  ReferenceServer server(tls_options());
  const int port = server.start();
  auto https = client("127.0.0.1", port, pki_->ca_cert);
  json metadata = {{"redirect_uris", {kRedirect}},
                   {"token_endpoint_auth_method", "none"},
                   {"grant_types", {"authorization_code"}},
                   {"response_types", {"code"}}};
  json registered = body_of(https->Post("/register", metadata.dump(), "application/json"));
  ASSERT_TRUE(registered.contains("client_id")) << registered;
  auto res = https->Get(
      "/authorize?response_type=code&client_id=" + registered["client_id"].get<std::string>() +
      "&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&state=s"
      "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
      "&code_challenge_method=S256");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302) << res->body;
  auto location = oauth::parse_url(res->get_header_value("Location"));
  ASSERT_TRUE(location) << res->get_header_value("Location");
  EXPECT_EQ(oauth::first_param(oauth::parse_form(location->query), "iss"), server.base_url());
}

TEST_F(ReferenceTls, PlainHttpToTheTlsPortGetsNoHttpAnswer) {
  ReferenceServer server(tls_options());
  const int port = server.start();
  httplib::Client plain("127.0.0.1", port);
  plain.set_read_timeout(5);
  auto res = plain.Get(kMetadataPath);
  EXPECT_FALSE(res && res->status == 200);
}

TEST_F(ReferenceTls, PublicHostNamesEveryUrl) {
  ServerOptions options = tls_options();
  options.public_host = kPublicHost;
  ReferenceServer server(options);
  const int port = server.start();
  const std::string base = "https://" + std::string(kPublicHost) + ":" + std::to_string(port);
  EXPECT_EQ(server.base_url(), base);

  // Reached by name (SNI and certificate check against as.conformance.test), bound on loopback.
  auto https = client(kPublicHost, port, pki_->ca_cert);
  auto res = https->Get(kMetadataPath);
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  json doc = body_of(res);
  EXPECT_EQ(doc.value("issuer", ""), base);
  EXPECT_EQ(doc.value("token_endpoint", ""), base + "/token");
  EXPECT_EQ(body_of(https->Get(kPrmPath))["authorization_servers"], json::array({base}));
}

TEST_F(ReferenceTls, PublicHostWorksWithoutTlsToo) {
  ServerOptions options;
  options.public_host = kPublicHost;
  ReferenceServer server(options);
  const int port = server.start();
  const std::string base = "http://" + std::string(kPublicHost) + ":" + std::to_string(port);
  EXPECT_EQ(server.base_url(), base);
  httplib::Client http("127.0.0.1", port);
  EXPECT_EQ(body_of(http.Get(kMetadataPath)).value("issuer", ""), base);
}

TEST_F(ReferenceTls, PublicHostMustBeAPlainHostName) {
  for (const char* bad : {"evil.example/path", "user@host", "a b", "host?x", "host#x"}) {
    ServerOptions options;
    options.public_host = bad;
    EXPECT_NE(message_of_start(options).find("invalid public host"), std::string::npos) << bad;
  }
}

TEST_F(ReferenceTls, ClientsRejectAnUnknownIssuerAndAnExpiredCertificate) {
  {
    ReferenceServer server(tls_options());
    const int port = server.start();
    auto stranger = client("127.0.0.1", port, pki_->other_ca_cert);
    EXPECT_FALSE(stranger->Get(kMetadataPath));
    EXPECT_NE(stranger->get_openssl_verify_result(), X509_V_OK);
  }
  {
    ReferenceServer server(tls_options(pki_->expired_server_cert, pki_->server_key));
    const int port = server.start();
    auto https = client("127.0.0.1", port, pki_->ca_cert);
    EXPECT_FALSE(https->Get(kMetadataPath));
    EXPECT_EQ(https->get_openssl_verify_result(), X509_V_ERR_CERT_HAS_EXPIRED);
  }
}

TEST_F(ReferenceTls, UnusableCertificateOrKeyMakesStartThrow) {
  const std::string garbled = file("garbled.key", "-----BEGIN PRIVATE KEY-----\nnot base64\n");
  const std::string missing = dir_->file("no-such.key");

  std::string message = message_of_start(tls_options(pki_->server_cert, missing));
  EXPECT_NE(message.find("cannot load the TLS private key " + missing), std::string::npos)
      << message;

  message = message_of_start(tls_options(pki_->server_cert, garbled));
  EXPECT_NE(message.find("cannot load the TLS private key " + garbled), std::string::npos)
      << message;

  message = message_of_start(tls_options(garbled, pki_->server_key));
  EXPECT_NE(message.find("cannot load the TLS certificate " + garbled), std::string::npos)
      << message;

  // A well-formed key of another pair: the CA's key does not match the server certificate.
  message = message_of_start(tls_options(pki_->server_cert, pki_->ca_key));
  EXPECT_FALSE(message.empty());
  EXPECT_NE(message.find(pki_->ca_key), std::string::npos) << message;

  // One without the other.
  ServerOptions half;
  half.tls_cert_file = pki_->server_cert;
  message = message_of_start(half);
  EXPECT_NE(message.find("--tls-key"), std::string::npos) << message;
}

TEST_F(ReferenceTls, PlainHttpEndpointFaultAdvertisesAnHttpJwksUri) {
  ServerOptions options = tls_options();
  options.public_host = kPublicHost;
  options.faults = {Fault::MetadataPlainHttpEndpoint};
  ReferenceServer server(options);
  const int port = server.start();
  const std::string authority = std::string(kPublicHost) + ":" + std::to_string(port);
  json doc = body_of(client(kPublicHost, port, pki_->ca_cert)->Get(kMetadataPath));
  EXPECT_EQ(doc.value("jwks_uri", ""), "http://" + authority + "/jwks.json");
  // Only that one: everything else keeps https.
  EXPECT_EQ(doc.value("issuer", ""), "https://" + authority);
  EXPECT_EQ(doc.value("token_endpoint", ""), "https://" + authority + "/token");
  EXPECT_EQ(doc.value("revocation_endpoint", ""), "https://" + authority + "/revoke");
}

TEST_F(ReferenceTls, PlainHttpEndpointFaultChangesNothingWithoutTls) {
  ServerOptions clean, faulty;
  faulty.faults = {Fault::MetadataPlainHttpEndpoint};
  EXPECT_EQ(build_metadata(faulty, "http://127.0.0.1:1234"),
            build_metadata(clean, "http://127.0.0.1:1234"));
}

TEST_F(ReferenceTls, LoginSessionCookieIsSecureOnlyOverTls) {
  // The Set-Cookie of the login page an authorization request is sent to.
  auto session_cookie = [](httplib::ClientImpl& http) {
    json metadata = {{"redirect_uris", {kRedirect}},
                     {"token_endpoint_auth_method", "none"},
                     {"grant_types", {"authorization_code"}},
                     {"response_types", {"code"}}};
    json registered = body_of(http.Post("/register", metadata.dump(), "application/json"));
    auto res =
        http.Get("/authorize?response_type=code&client_id=" + registered.value("client_id", "") +
                 "&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&state=s"
                 "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                 "&code_challenge_method=S256");
    if (!res || res->status != 303) return std::string("no redirect to the login page");
    auto page = http.Get(res->get_header_value("Location"));
    return page ? page->get_header_value("Set-Cookie") : std::string("no login page");
  };

  ServerOptions options = tls_options();
  options.login_form = true;
  ReferenceServer tls(options);
  const int port = tls.start();
  auto https = client("127.0.0.1", port, pki_->ca_cert);
  const std::string secure = session_cookie(*https);
  EXPECT_NE(secure.find("HttpOnly"), std::string::npos) << secure;
  EXPECT_NE(secure.find("; Secure"), std::string::npos) << secure;

  ServerOptions plain_options;
  plain_options.login_form = true;
  ReferenceServer plain(plain_options);
  const int plain_port = plain.start();
  httplib::ClientImpl http("127.0.0.1", plain_port);
  const std::string cookie = session_cookie(http);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << cookie;
}

#ifdef REFERENCE_SERVER_BIN
// The binary: the first stdout line is the https base URL on the public host, and a key it
// cannot load ends it with exit status 1 and the reason on stderr.
TEST_F(ReferenceTls, BinaryPrintsTheHttpsUrlAndFailsOnABadKey) {
  {
    conformance::BackgroundProcess process({REFERENCE_SERVER_BIN, "--port", "0", "--tls-cert",
                                            pki_->server_cert, "--tls-key", pki_->server_key,
                                            "--public-host", kPublicHost});
    const std::string line = process.first_line(std::chrono::seconds(10));
    ASSERT_TRUE(line.starts_with(std::string("https://") + kPublicHost + ":")) << line;
    const int port = std::stoi(line.substr(line.rfind(':') + 1));
    json doc = body_of(client(kPublicHost, port, pki_->ca_cert)->Get(kMetadataPath));
    EXPECT_EQ(doc.value("issuer", ""), line);
  }
  const std::string garbled = file("binary-garbled.key", "garbage\n");
  auto result = conformance::run_process(
      {REFERENCE_SERVER_BIN, "--port", "0", "--tls-cert", pki_->server_cert, "--tls-key", garbled},
      std::chrono::seconds(10));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_NE(result.err.find("cannot load the TLS private key " + garbled), std::string::npos)
      << result.err;
}
#endif

} // namespace
