// Redaction, verified end to end: a small deterministic authorization server hands out planted
// secrets (a client secret, a session cookie, a code, access and refresh tokens, and echoes them
// back where a careless server might), the harness signs in with a planted password, and no
// report, log or console line may contain any of them afterwards.
#include "drivers/subprocess.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// With a quote and a backslash: JSON and HTML re-serialise it escaped.
const char* const kClientSecret = R"(PLANTED-"CLIENT\SECRET-7f3a9b)";
// Short: a secret the harness knows is hidden however short it is.
const char* const kPassword = "pw5";
const char* const kCookie = "PLANTED-COOKIE-91ab22";
const char* const kCode = "PLANTED-CODE-55cd87";
const char* const kAccessToken = "PLANTED-ACCESS-TOKEN-3e2190";
const char* const kRefreshToken = "PLANTED-REFRESH-TOKEN-8d0273";
// Only ever in a text/plain body under a credential's member name.
const char* const kUnseenToken = "PLANTED-UNSEEN-TOKEN-a6d1f0";
// A gateway key given as --config header from the environment; the server echoes it back.
const char* const kGatewayKey = "PLANTED-GATEWAY-KEY-51c6e9";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string base64(const std::string& text) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < text.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) n |= static_cast<unsigned char>(text[i + 1]) << 8;
    if (i + 2 < text.size()) n |= static_cast<unsigned char>(text[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += i + 1 < text.size() ? alphabet[(n >> 6) & 63] : '=';
    out += i + 2 < text.size() ? alphabet[n & 63] : '=';
  }
  return out;
}

// Minimal, and careless on purpose: it echoes credentials into bodies and headers.
void serve_planted_server(httplib::Server& server, const std::string& base) {
  // A hostile server repeats the gateway key it was sent, in a header of every answer.
  server.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("X-Gateway-Key"))
      res.set_header("X-Echo", "you sent " + req.get_header_value("X-Gateway-Key"));
  });
  server.Get("/.well-known/oauth-authorization-server",
             [base](const httplib::Request&, httplib::Response& res) {
               json doc = {{"issuer", base},
                           {"authorization_endpoint", base + "/authorize"},
                           {"token_endpoint", base + "/token"},
                           {"introspection_endpoint", base + "/introspect"},
                           {"revocation_endpoint", base + "/revoke"},
                           {"response_types_supported", {"code"}},
                           {"grant_types_supported", {"authorization_code", "refresh_token"}},
                           {"code_challenge_methods_supported", {"S256"}}};
               res.set_content(doc.dump(), "application/json");
             });
  server.Get("/authorize", [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Set-Cookie", std::string("sid=") + kCookie + "; Path=/; HttpOnly");
    std::string page = "<!doctype html><title>Sign in</title><form method=post action=/login>"
                       "<input type=hidden name=redirect_uri value=\"" +
                       req.get_param_value("redirect_uri") +
                       "\"><input type=hidden name=state value=\"" + req.get_param_value("state") +
                       "\"><input name=username><input type=password name=password>"
                       "<button type=submit>Sign in</button></form>";
    res.set_content(page, "text/html");
  });
  server.Post("/login", [](const httplib::Request& req, httplib::Response& res) {
    // The careless part: the password and cookie come back in the redirect page's body. The
    // first sign-in also sends the code in a redirect whose fragment comes before its query.
    static std::atomic<int> logins{0};
    std::string separator = logins++ == 0 ? "#then?code=" : "?code=";
    res.set_redirect(req.get_param_value("redirect_uri") + separator + kCode +
                         "&state=" + req.get_param_value("state"),
                     302);
    res.set_content("Redirecting; you typed " + req.get_param_value("password") + " with " +
                        req.get_header_value("Cookie"),
                    "text/plain");
  });
  auto tokens = [](const httplib::Request& req, httplib::Response& res) {
    json body = {{"access_token", kAccessToken},
                 {"refresh_token", kRefreshToken},
                 {"token_type", "Bearer"},
                 {"expires_in", 300},
                 {"echo", req.body},
                 // The Basic credential as sent (base64), and the secret inside it, escaped.
                 {"you_sent", req.get_header_value("Authorization")},
                 {"your_secret_was", std::string(kClientSecret)}};
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Debug-Authorization", req.get_header_value("Authorization"));
    res.set_content(body.dump(), "application/json");
  };
  server.Post("/token", tokens);
  server.Post("/revoke", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("revoked " + req.body, "text/plain");
  });
  // Served as text/plain, and not JSON at all (trailing bytes): a token the harness never
  // learnt by value, hidden by its member name alone.
  server.Post("/introspect", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(R"({"active":true,"refresh_token":")") + kUnseenToken +
                        R"("} and some trailing words)",
                    "text/plain");
  });
}

TEST(RedactionEndToEnd, NoPlantedSecretReachesAnyReportOrLog) {
  httplib::Server server;
  int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  serve_planted_server(server, base);
  std::thread listener([&] { server.listen_after_bind(); });

  ::setenv("PLANTED_CLIENT_SECRET", kClientSecret, 1);
  ::setenv("PLANTED_PASSWORD", kPassword, 1);
  ::setenv("PLANTED_GATEWAY_KEY", kGatewayKey, 1);
  json config = {
      {"base_url", base},
      {"headers", {{"X-Gateway-Key", "${env:PLANTED_GATEWAY_KEY}"}}},
      {"clients",
       {{"registration", "static"},
        {"public", {{"client_id", "planted-public"}}},
        {"second", {{"client_id", "planted-second"}}},
        {"confidential",
         {{"client_id", "planted-confidential"},
          {"client_secret", "${env:PLANTED_CLIENT_SECRET}"},
          {"auth_method", "client_secret_basic"}}}}},
      {"driver",
       {{"kind", "form"},
        {"form", {{"fields", {{"username", "alice"}, {"password", "${env:PLANTED_PASSWORD}"}}}}}}}};
  std::string dir = testing::TempDir() + "redaction-e2e-" + std::to_string(::getpid()) + "/";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "config.json") << config.dump();
  std::vector<std::string> argv = {CONFORMANCE_BIN,
                                   "--config",
                                   dir + "config.json",
                                   "--json",
                                   dir + "report.json",
                                   "--junit",
                                   dir + "report.xml",
                                   "--html",
                                   dir + "report.html",
                                   "--write-baseline",
                                   dir + "baseline.json",
                                   "--timeout",
                                   "5"};
  conformance::ProcessResult run = conformance::run_process(argv, 300s);
  server.stop();
  listener.join();
  ASSERT_FALSE(run.timed_out);

  std::vector<std::pair<std::string, std::string>> outputs = {{"stdout", run.out},
                                                              {"stderr", run.err}};
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().filename() != "config.json")
      outputs.emplace_back(entry.path().filename().string(), read_file(entry.path().string()));
  ASSERT_EQ(outputs.size(), 6u) << "no report written: " << run.err;
  // The run really exchanged the secrets: the report shows redaction markers where they were.
  EXPECT_NE(read_file(dir + "report.json").find("[REDACTED]"), std::string::npos);
  // The careless answers were really met: the echoed secret, the fragment-first redirect, the
  // text/plain introspection answer.
  std::string report = read_file(dir + "report.json");
  for (const char* seen : {"your_secret_was", "#then?code=[REDACTED]", "and some trailing words"})
    EXPECT_NE(report.find(seen), std::string::npos) << seen << " is not in the report";
  // The header reached the server (it echoed it; the echo is redacted like the key).
  EXPECT_NE(read_file(dir + "report.json").find("you sent [REDACTED]"), std::string::npos);
  // Every form the client secret can take in a report: raw, JSON- and HTML-escaped,
  // percent-encoded, and inside the Basic credential the harness sent (RFC 6749 §2.3.1 has the
  // id and secret form-encoded before base64).
  std::vector<std::string> forms = {kClientSecret,
                                    R"(PLANTED-\"CLIENT\\SECRET-7f3a9b)",
                                    "PLANTED-&quot;CLIENT\\SECRET-7f3a9b",
                                    "PLANTED-%22CLIENT%5CSECRET-7f3a9b",
                                    base64("planted-confidential:PLANTED-%22CLIENT%5CSECRET-7f3a9b"),
                                    kPassword,
                                    kCookie,
                                    kCode,
                                    kAccessToken,
                                    kRefreshToken,
                                    kUnseenToken,
                                    kGatewayKey};
  for (const auto& [name, text] : outputs) {
    for (const std::string& secret : forms)
      EXPECT_EQ(text.find(secret), std::string::npos) << secret << " appears in " << name;
    // Verifiers are random, so look at where they travel: never a value after code_verifier=.
    std::smatch m;
    std::regex verifier(R"(code_verifier=([A-Za-z0-9._~-]{20,}))");
    EXPECT_FALSE(std::regex_search(text, m, verifier)) << name << " shows " << m.str(0);
  }
  std::filesystem::remove_all(dir);
}

} // namespace
