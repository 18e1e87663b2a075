// A small authorization server on an ephemeral loopback port that misbehaves in one chosen way
// (a mode), for the tests that point `conformance` at broken or malicious servers. Apart from
// its mode it is just complete enough for a run: metadata, open registration, an auto-approving
// authorization endpoint and a token endpoint. Every secret it hands out starts "PLANTED-", and
// it records every Authorization header it receives, so a test can look for both in the
// reports; a hit on /internal means the harness followed it somewhere it must not go.
#pragma once

#include <atomic>
#include <httplib.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace conformance::testing_tools {

enum class Hostility {
  None,
  DeepJsonMetadata,  // a metadata member 5,000 levels deep (10 KB)
  DeepJsonToken,     // the token response nested 5,000 levels deep
  DeepHtml,          // the authorization endpoint answers 180,000 nested <div>s (900 KB)
  UnclosedTags,      // ... 900 KB of unclosed formatting tags
  ManyCookies,       // 800 Set-Cookie headers on every answer (just under the header cap)
  HugeHeaders,       // 300 KB of headers on the authorization endpoint's answers
  LongHeaderLine,    // one 150 KB header line there
  PlainTextSecrets,  // registration and token responses as text/plain with trailing bytes
  FragmentFirst,     // the code in a redirect whose fragment comes before its query
  InternalRedirect,  // a redirect to 0.0.0.0 (this host, by another name than the server's)
  ForeignBody,       // a redirect to another origin whose page must not reach the reports
};

class HostileServer {
public:
  explicit HostileServer(Hostility mode) : mode_(mode) {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("hostile server could not bind");
    routes();
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~HostileServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int internal_hits() const { return internal_hits_; }
  std::vector<std::string> authorizations() {
    std::lock_guard lock(mutex_);
    return authorizations_;
  }

private:
  static std::string nested_json(int levels) {
    std::string s;
    for (int i = 0; i < levels; ++i)
      s += "{\"a\":";
    s += "1";
    s.append(static_cast<size_t>(levels), '}');
    return s;
  }

  std::string next(const std::string& what) { return "PLANTED-" + what + "-" + std::to_string(++serial_); }

  void remember_authorization(const httplib::Request& req) {
    if (!req.has_header("Authorization")) return;
    std::string value = req.get_header_value("Authorization");
    std::lock_guard lock(mutex_);
    authorizations_.push_back(value.substr(value.find(' ') + 1));
  }

  void send_json(httplib::Response& res, const std::string& body, int status = 200) {
    res.status = status;
    if (mode_ == Hostility::PlainTextSecrets)
      res.set_content(body + "\n#end of answer", "text/plain");
    else
      res.set_content(body, "application/json");
  }

  void routes() {
    using nlohmann::json;
    server_.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      if (mode_ != Hostility::ManyCookies) return;
      for (int i = 0; i < 800; ++i)
        res.headers.emplace("Set-Cookie", "c" + std::to_string(i) + "=" + next("COOKIE") +
                                              "-0123456789abcdef; Path=/");
    });
    server_.Get("/.well-known/oauth-authorization-server",
                [this](const httplib::Request&, httplib::Response& res) {
                  json doc = {{"issuer", url()},
                              {"authorization_endpoint", url() + "/authorize"},
                              {"token_endpoint", url() + "/token"},
                              {"registration_endpoint", url() + "/register"},
                              {"response_types_supported", {"code"}},
                              {"grant_types_supported", {"authorization_code", "refresh_token"}},
                              {"code_challenge_methods_supported", {"S256"}},
                              {"token_endpoint_auth_methods_supported",
                               {"none", "client_secret_basic", "client_secret_post"}}};
                  std::string body = doc.dump();
                  if (mode_ == Hostility::DeepJsonMetadata)
                    body.insert(body.size() - 1, ",\"deep\":" + nested_json(5000));
                  res.set_content(body, "application/json");
                });
    server_.Post("/register", [this](const httplib::Request& req, httplib::Response& res) {
      json doc = json::parse(req.body, nullptr, false);
      if (!doc.is_object()) doc = json::object();
      doc["client_id"] = "client-" + std::to_string(++serial_);
      if (doc.value("token_endpoint_auth_method", "") != "none")
        doc["client_secret"] = next("CLIENT-SECRET");
      doc["registration_access_token"] = next("REGISTRATION-TOKEN");
      send_json(res, doc.dump(), 201);
    });
    server_.Get("/authorize", [this](const httplib::Request& req, httplib::Response& res) {
      std::string redirect = req.get_param_value("redirect_uri");
      std::string state = req.get_param_value("state");
      std::string code = next("CODE");
      switch (mode_) {
      case Hostility::DeepHtml:
      case Hostility::UnclosedTags: {
        std::string page = "<!doctype html><title>Sign in</title><form method=post "
                           "action=/authorize><button>Go</button></form>";
        std::string unit = mode_ == Hostility::DeepHtml ? "<div>" : "<b id=x><i>";
        while (page.size() < 900 * 1024) // under the 1 MiB response cap, so it is read whole
          page += unit;
        res.set_content(page, "text/html");
        return;
      }
      case Hostility::HugeHeaders:
        for (int i = 0; i < 3000; ++i)
          res.headers.emplace("X-Pad-" + std::to_string(i), std::string(100, 'p'));
        break;
      case Hostility::LongHeaderLine:
        res.set_header("X-Long", std::string(150 * 1024, 'l'));
        break;
      case Hostility::FragmentFirst:
        res.set_redirect(redirect + "#x?code=" + code + "&state=" + state, 302);
        return;
      case Hostility::InternalRedirect:
        res.set_redirect("http://0.0.0.0:" + std::to_string(port_) + "/internal", 302);
        return;
      case Hostility::ForeignBody:
        res.set_redirect("http://localhost:" + std::to_string(port_) + "/elsewhere", 302);
        return;
      default:
        break;
      }
      res.set_redirect(redirect + "?code=" + code + "&state=" + state, 302);
    });
    server_.Get("/internal", [this](const httplib::Request&, httplib::Response& res) {
      ++internal_hits_;
      res.set_content("INTERNAL-SERVICE-PAGE", "text/plain");
    });
    server_.Get("/elsewhere", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<title>Elsewhere</title>FOREIGN-BODY-MARKER", "text/html");
    });
    server_.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
      remember_authorization(req);
      res.set_header("Cache-Control", "no-store");
      if (mode_ == Hostility::DeepJsonToken) {
        res.set_content(nested_json(5000), "application/json");
        return;
      }
      json doc = {{"access_token", next("ACCESS-TOKEN")},
                  {"refresh_token", next("REFRESH-TOKEN")},
                  {"token_type", "Bearer"},
                  {"expires_in", 300},
                  // A careless server echoes the client's credentials back.
                  {"you_sent", req.get_header_value("Authorization")}};
      send_json(res, doc.dump());
    });
  }

  Hostility mode_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> serial_{0};
  std::atomic<int> internal_hits_{0};
  std::mutex mutex_;
  std::vector<std::string> authorizations_;
};

} // namespace conformance::testing_tools
