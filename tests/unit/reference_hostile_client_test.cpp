// The reference server against hostile clients: JSON nested deep enough to overflow a stack
// (registration, MCP, client metadata documents), request bodies beyond the cap (chunked,
// announced by Content-Length, compressed), request heads beyond the header limits or trickled
// in slowly (slowloris, also as stalled TLS handshakes), and registrations without end
// (--max-clients). Hostile requests go over
// raw POSIX sockets to 127.0.0.1; each test checks the status the server answers, that it stops
// reading long before the client is done, and that it still serves a normal request afterwards.
// The deep-JSON tests run the reference-server binary, so a crash fails them without taking the
// test process down.
#include "../tls_fixture.h"
#include "client_metadata_document.h"
#include "core/pkce.h"
#include "core/url.h"
#include "drivers/subprocess.h"
#include "request_framing.h"
#include "server.h"
#include "store.h"

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <gtest/gtest.h>
#include <httplib.h>
#include <memory>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace refserver;
using nlohmann::json;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kRedirect = "http://127.0.0.1/callback";
constexpr const char* kMetadataPath = "/.well-known/oauth-authorization-server";
constexpr size_t kClientGivesUpAt = 64u << 20; // 64 MiB
constexpr int kDepth = 10000;

std::string nested(int depth) {
  return std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']');
}

struct RawResponse {
  int status = 0; // 0: none (closed, reset or timed out first)
  std::string head;
  std::string body;
};

// One TCP connection to 127.0.0.1 driven by hand, non-blocking underneath.
class RawClient {
public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL, 0) | O_NONBLOCK);
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  // Sends all of `data` (within the timeout); false when the server stopped taking it.
  bool send(std::string_view data, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = SteadyClock::now() + timeout;
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        sent_ += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      if (!wait(POLLOUT, deadline)) return false;
    }
    return true;
  }

  // Sends next_piece() over and over until the server answers or closes (the socket turns
  // readable), sending fails, `limit` bytes went out, or the timeout passes.
  void stream(const std::function<std::string()>& next_piece, size_t limit = kClientGivesUpAt,
              std::chrono::milliseconds timeout = 20s) {
    const auto deadline = SteadyClock::now() + timeout;
    std::string pending;
    size_t offset = 0;
    while (sent_ < limit && SteadyClock::now() < deadline) {
      pollfd p{fd_, POLLIN | POLLOUT, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) return; // an answer, or the end
      if (offset == pending.size()) {
        pending = next_piece();
        offset = 0;
      }
      const ssize_t n = ::send(fd_, pending.data() + offset, pending.size() - offset, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return;
      if (n > 0) {
        offset += static_cast<size_t>(n);
        sent_ += static_cast<size_t>(n);
      }
    }
  }

  // Reads one response: its head and a Content-Length body, or whatever came before the server
  // closed, reset or the timeout passed.
  RawResponse read_response(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = SteadyClock::now() + timeout;
    RawResponse out;
    size_t head_end = std::string::npos;
    size_t body_length = 0;
    while (true) {
      if (head_end == std::string::npos) {
        head_end = received_.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          out.head = received_.substr(0, head_end + 4);
          if (out.head.starts_with("HTTP/1.")) out.status = std::atoi(out.head.c_str() + 9);
          const size_t at = lowercase(out.head).find("content-length:");
          if (at != std::string::npos) body_length = std::stoul(out.head.substr(at + 15));
        }
      }
      if (head_end != std::string::npos && received_.size() >= head_end + 4 + body_length) {
        out.body = received_.substr(head_end + 4, body_length);
        received_.erase(0, head_end + 4 + body_length);
        return out;
      }
      if (!receive_some(deadline)) return out;
    }
  }

  // Whether the server ends the connection (EOF or reset) within the timeout; what it sends
  // meanwhile is kept for read_response().
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    while (receive_some(deadline)) {
    }
    return eof_;
  }

  size_t sent() const { return sent_; }

private:
  static std::string lowercase(std::string text) {
    for (char& c : text)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  }

  bool wait(short events, SteadyClock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }

  // False at EOF, on a reset or at the deadline.
  bool receive_some(SteadyClock::time_point deadline) {
    if (eof_) return false;
    char buffer[16384];
    while (true) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        received_.append(buffer, static_cast<size_t>(n));
        return true;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        eof_ = true;
        return false;
      }
      if (!wait(POLLIN, deadline)) return false;
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  size_t sent_ = 0;
  std::string received_;
};

json registration_metadata() {
  return {{"redirect_uris", {kRedirect}},
          {"token_endpoint_auth_method", "none"},
          {"grant_types", {"authorization_code"}},
          {"response_types", {"code"}}};
}

std::string register_client(httplib::Client& http, int* status = nullptr) {
  auto res = http.Post("/register", registration_metadata().dump(), "application/json");
  if (status) *status = res ? res->status : 0;
  if (!res || res->status != 201) return "";
  return json::parse(res->body, nullptr, false).value("client_id", "");
}

// The authorization request's status: 302 (a code) for a known client, 400 for an unknown one.
int authorize(httplib::Client& http, const std::string& client_id, const std::string& scope = "",
              std::optional<std::string>* code = nullptr) {
  const std::string verifier = "v" + std::string(50, 'x');
  oauth::Params params = {
      {"response_type", "code"},         {"client_id", client_id},
      {"redirect_uri", kRedirect},       {"code_challenge", oauth::s256_challenge(verifier)},
      {"code_challenge_method", "S256"}, {"state", "s"}};
  if (!scope.empty()) params.push_back({"scope", scope});
  auto res = http.Get("/authorize?" + oauth::form_encode(params));
  if (!res) return 0;
  if (code && res->status == 302)
    if (auto parts = oauth::parse_url(res->get_header_value("Location")))
      *code = oauth::first_param(oauth::parse_form(parts->query), "code");
  return res->status;
}

// A normal request, answered within a few seconds.
bool serves_normally(const std::string& base_url) {
  httplib::Client http(base_url);
  http.set_connection_timeout(5);
  http.set_read_timeout(5);
  auto res = http.Get(kMetadataPath);
  return res && res->status == 200;
}

std::string error_of(const std::string& body) {
  return json::parse(body, nullptr, false).value("error", "");
}

std::string description_of(const std::string& body) {
  return json::parse(body, nullptr, false).value("error_description", "");
}

class ReferenceHostileClient : public ::testing::Test {
protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  void start(ServerOptions options = {}) {
    server_ = std::make_unique<ReferenceServer>(options);
    port_ = server_->start();
    base_ = server_->base_url();
  }

  std::unique_ptr<ReferenceServer> server_;
  int port_ = 0;
  std::string base_;
};

// --- 12: deeply nested JSON --------------------------------------------------------------------

#ifdef REFERENCE_SERVER_BIN
// The server as a child process: a stack overflow kills it, not the test.
class ReferenceHostileClientProcess : public ReferenceHostileClient {
protected:
  void SetUp() override {
    process_ = std::make_unique<conformance::BackgroundProcess>(
        std::vector<std::string>{REFERENCE_SERVER_BIN, "--port", "0"});
    base_ = process_->first_line(10s);
    ASSERT_TRUE(base_.starts_with("http://127.0.0.1:")) << base_;
  }
  std::unique_ptr<conformance::BackgroundProcess> process_;
};

TEST_F(ReferenceHostileClientProcess, DeeplyNestedRegistrationIsInvalidClientMetadata) {
  httplib::Client http(base_);
  http.set_read_timeout(10);
  std::string body = registration_metadata().dump();
  body.insert(body.size() - 1, ",\"software_statement_extra\":" + nested(kDepth));
  ASSERT_GT(body.size(), 20000u);
  ASSERT_LT(body.size(), 64u * 1024);
  auto res = http.Post("/register", body, "application/json");
  ASSERT_TRUE(res) << "no answer: the server died (" << res.error() << ")";
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(error_of(res->body), "invalid_client_metadata");
  EXPECT_NE(description_of(res->body).find("nested deeper"), std::string::npos) << res->body;
  int status = 0;
  EXPECT_FALSE(register_client(http, &status).empty()) << status;
  EXPECT_TRUE(serves_normally(base_));
}

TEST_F(ReferenceHostileClientProcess, DeeplyNestedMcpMessageIsAParseError) {
  httplib::Client http(base_);
  http.set_read_timeout(10);
  http.set_follow_location(false);
  const std::string client_id = register_client(http);
  ASSERT_FALSE(client_id.empty());
  // A token for the MCP endpoint through the code flow.
  const std::string verifier = "v" + std::string(50, 'x');
  std::optional<std::string> code;
  ASSERT_EQ(authorize(http, client_id, "mcp:tools", &code), 302);
  ASSERT_TRUE(code);
  oauth::Params form = {{"grant_type", "authorization_code"},
                        {"code", *code},
                        {"redirect_uri", kRedirect},
                        {"client_id", client_id},
                        {"code_verifier", verifier}};
  auto token = http.Post("/token", oauth::form_encode(form), "application/x-www-form-urlencoded");
  ASSERT_TRUE(token && token->status == 200) << (token ? token->body : "no answer");
  const std::string access = json::parse(token->body).value("access_token", "");
  httplib::Headers headers = {{"Authorization", "Bearer " + access},
                              {"Accept", "application/json, text/event-stream"}};

  const std::string deep =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":)" + nested(kDepth) + "}}";
  auto res = http.Post("/mcp", headers, deep, "application/json");
  ASSERT_TRUE(res) << "no answer: the server died (" << res.error() << ")";
  EXPECT_EQ(res->status, 400);
  json answer = json::parse(res->body, nullptr, false);
  EXPECT_EQ(answer["error"].value("code", 0), -32700) << res->body;

  json list = {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}};
  auto normal = http.Post("/mcp", headers, list.dump(), "application/json");
  ASSERT_TRUE(normal);
  EXPECT_EQ(normal->status, 200) << normal->body;
}
#endif

// Documents are capped at 5 KiB, so the deep member is 2000 levels: still far past the limit.
TEST_F(ReferenceHostileClient, DeeplyNestedClientMetadataDocumentIsRefusedAsNotJson) {
  const std::string url = "https://client.example/metadata.json";
  json doc = {{"client_id", url}, {"client_name", "deep"}, {"redirect_uris", {kRedirect}}};
  std::string body = doc.dump();
  body.insert(body.size() - 1, ",\"x\":" + nested(2000));
  ASSERT_LT(body.size(), kMaxMetadataDocumentBytes);
  FetchedDocument fetched;
  fetched.status = 200;
  fetched.body = body;
  auto result = client_from_document(url, fetched);
  ASSERT_TRUE(std::holds_alternative<std::string>(result)) << "the document was accepted";
  EXPECT_NE(std::get<std::string>(result).find("not a JSON object"), std::string::npos)
      << std::get<std::string>(result);
  // The same document without the deep member is fine.
  fetched.body = doc.dump();
  EXPECT_TRUE(
      std::holds_alternative<std::shared_ptr<const Client>>(client_from_document(url, fetched)));
}

// --- 13: request bodies ------------------------------------------------------------------------

std::string post_head(const std::string& path, const std::string& extra_headers) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Content-Type: application/x-www-form-urlencoded\r\n" +
         extra_headers + "\r\n";
}

std::string chunk(size_t size) {
  char line[32];
  std::snprintf(line, sizeof line, "%zx\r\n", size);
  return line + std::string(size, 'a') + "\r\n";
}

TEST_F(ReferenceHostileClient, EndlessChunkedBodyIs413LongBeforeItIsRead) {
  start();
  RawClient raw(port_);
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.send(post_head("/token", "Transfer-Encoding: chunked\r\n")));
  raw.stream([] { return chunk(64 * 1024); });
  RawResponse res = raw.read_response();
  EXPECT_EQ(res.status, 413) << res.head;
  EXPECT_EQ(error_of(res.body), "invalid_request") << res.body;
  EXPECT_LT(raw.sent(), kClientGivesUpAt) << "the server kept reading";
  EXPECT_TRUE(raw.closed_within(10s)) << "the connection stays open after the refusal";
  EXPECT_TRUE(serves_normally(base_));
}

// One chunk announcing 4 GiB is refused when its size line ends, before its data is read.
TEST_F(ReferenceHostileClient, HugeAnnouncedChunkIs413) {
  start();
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(post_head("/token", "Transfer-Encoding: chunked\r\n") + "100000000\r\n"));
  raw.stream([] { return std::string(64 * 1024, 'a'); });
  RawResponse res = raw.read_response();
  EXPECT_EQ(res.status, 413) << res.head;
  EXPECT_LT(raw.sent(), kClientGivesUpAt);
  EXPECT_TRUE(serves_normally(base_));
}

// httplib alone would read all 4 GiB to skip them before answering.
TEST_F(ReferenceHostileClient, ContentLengthOverTheCapIs413WithoutReadingTheBody) {
  start();
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(post_head("/token", "Content-Length: 4294967296\r\n")));
  raw.stream([] { return std::string(64 * 1024, 'a'); });
  RawResponse res = raw.read_response();
  EXPECT_EQ(res.status, 413) << res.head;
  EXPECT_LT(raw.sent(), kClientGivesUpAt);
  EXPECT_TRUE(serves_normally(base_));
}

// httplib would inflate a compressed body with no limit on what it grows to.
TEST_F(ReferenceHostileClient, CompressedBodyIs415) {
  start();
  RawClient raw(port_);
  const std::string body(32, '\x1f');
  ASSERT_TRUE(raw.send(post_head("/token", "Content-Encoding: gzip\r\nContent-Length: " +
                                               std::to_string(body.size()) + "\r\n") +
                       body));
  RawResponse res = raw.read_response();
  EXPECT_EQ(res.status, 415) << res.head;
  EXPECT_NE(res.head.find("Accept-Encoding: identity"), std::string::npos) << res.head;
  EXPECT_TRUE(serves_normally(base_));
}

// Within the limits chunked bodies still work, and the connection carries the next request.
TEST_F(ReferenceHostileClient, SmallChunkedBodyIsAcceptedAndTheConnectionReused) {
  start();
  RawClient raw(port_);
  const std::string body = registration_metadata().dump();
  const std::string head = "POST /register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string chunked;
  for (size_t at = 0; at < body.size(); at += 20) {
    const std::string piece = body.substr(at, 20);
    char line[32];
    std::snprintf(line, sizeof line, "%zx;ext=1\r\n", piece.size());
    chunked += line + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  ASSERT_TRUE(raw.send(head + chunked));
  RawResponse registered = raw.read_response();
  EXPECT_EQ(registered.status, 201) << registered.head << registered.body;
  ASSERT_TRUE(
      raw.send(std::string("GET ") + kMetadataPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_EQ(raw.read_response().status, 200);
}

// --- 14: request heads -------------------------------------------------------------------------

std::string get_line() {
  return std::string("GET ") + kMetadataPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
}

TEST_F(ReferenceHostileClient, ThousandsOfHeadersAre431) {
  start();
  RawClient raw(port_);
  std::string head = get_line();
  for (int i = 0; i < 5000; ++i)
    head += "X-Filler-" + std::to_string(i) + ": x\r\n";
  raw.send(head + "\r\n");
  RawResponse res = raw.read_response();
  EXPECT_EQ(res.status, 431) << res.head;
  EXPECT_NE(description_of(res.body).find("header fields"), std::string::npos) << res.body;
  EXPECT_TRUE(serves_normally(base_));
}

// Forty 1 KiB fields: few enough, but 40 KiB of head.
TEST_F(ReferenceHostileClient, OversizedHeadIs431) {
  start();
  RawClient raw(port_);
  std::string head = get_line();
  for (int i = 0; i < 40; ++i)
    head += "X-Big-" + std::to_string(i) + ": " + std::string(1024, 'b') + "\r\n";
  raw.send(head + "\r\n");
  RawResponse res = raw.read_response();
  EXPECT_EQ(res.status, 431) << res.head;
  EXPECT_NE(description_of(res.body).find("larger than"), std::string::npos) << res.body;
  EXPECT_TRUE(serves_normally(base_));
}

// Header lines without end: cut off at the head limit, not after the client's 64 MiB.
TEST_F(ReferenceHostileClient, EndlessHeadersAreCutOffAt431) {
  start();
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(get_line()));
  int n = 0;
  raw.stream([&n] {
    std::string lines;
    for (int i = 0; i < 16; ++i)
      lines += "X-Endless-" + std::to_string(n++) + ": " + std::string(1000, 'e') + "\r\n";
    return lines;
  });
  RawResponse res = raw.read_response();
  EXPECT_EQ(res.status, 431) << res.head;
  EXPECT_LT(raw.sent(), kClientGivesUpAt);
  EXPECT_TRUE(serves_normally(base_));
}

// A request line without end: httplib alone would grow its line buffer for as long as it lasts.
TEST_F(ReferenceHostileClient, EndlessRequestLineIs414) {
  start();
  RawClient raw(port_);
  ASSERT_TRUE(raw.send("GET /"));
  raw.stream([] { return std::string(16 * 1024, 'a'); });
  RawResponse res = raw.read_response();
  EXPECT_EQ(res.status, 414) << res.head;
  EXPECT_LT(raw.sent(), kClientGivesUpAt);
  EXPECT_TRUE(serves_normally(base_));
}

// Forty clients trickle their heads (five times the workers): a normal request is still answered
// at once, and each slow client is answered 408 and dropped at the head deadline.
TEST_F(ReferenceHostileClient, SlowlorisClientsDoNotStarveTheWorkers) {
  ServerOptions options;
  options.threads = 8;
  options.head_timeout = 3s;
  start(options);
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 40; ++i) {
    slow.push_back(std::make_unique<RawClient>(port_));
    ASSERT_TRUE(slow.back()->connected());
    slow.back()->send(get_line());
  }
  std::atomic<bool> trickling{true};
  std::thread trickler([&] {
    for (int round = 0; trickling && round < 100; ++round) {
      for (auto& client : slow)
        client->send("X-Slow: 1\r\n", 100ms);
      std::this_thread::sleep_for(300ms);
    }
  });
  std::this_thread::sleep_for(500ms); // every slow client is in, and trickling
  const bool served = serves_normally(base_);
  trickling = false;
  trickler.join();
  EXPECT_TRUE(served) << "a normal request was not answered while slow clients held the server";

  // Each slow client hears 408 around the 3 s deadline (allowing for a noisy machine).
  const auto deadline = SteadyClock::now() + 12s;
  int timed_out = 0;
  for (auto& client : slow) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    RawResponse res = client->read_response(std::max(left, std::chrono::milliseconds(1)));
    if (res.status == 408) ++timed_out;
  }
  EXPECT_EQ(timed_out, 40);
  EXPECT_TRUE(serves_normally(base_));
}

// Kept-alive connections idle in the gate, not on a worker, and are closed after the keep-alive
// timeout (1 s).
TEST_F(ReferenceHostileClient, IdleKeepAliveConnectionsHoldNoWorker) {
  start();
  std::vector<std::unique_ptr<RawClient>> idle;
  const auto deadline = SteadyClock::now() + 10s;
  for (int i = 0; i < 40; ++i) {
    idle.push_back(std::make_unique<RawClient>(port_));
    ASSERT_TRUE(idle.back()->send(get_line() + "\r\n"));
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    ASSERT_EQ(idle.back()->read_response(std::max(left, std::chrono::milliseconds(1))).status, 200)
        << "connection " << i;
  }
  EXPECT_TRUE(serves_normally(base_));
  int closed = 0;
  for (auto& client : idle)
    if (client->closed_within(6s)) ++closed;
  EXPECT_EQ(closed, 40);
}

// A body trickled in slower than the body deadline allows is answered 408, and the worker freed.
TEST_F(ReferenceHostileClient, SlowBodyIs408AtTheBodyDeadline) {
  ServerOptions options;
  options.body_timeout = 2s;
  start(options);
  RawClient raw(port_);
  ASSERT_TRUE(raw.send(post_head("/token", "Content-Length: 1000\r\n")));
  std::atomic<bool> trickling{true};
  std::thread trickler([&] {
    for (int i = 0; trickling && i < 100; ++i) {
      raw.send("a", 100ms);
      std::this_thread::sleep_for(300ms);
    }
  });
  RawResponse res = raw.read_response(12s);
  trickling = false;
  trickler.join();
  EXPECT_EQ(res.status, 408) << res.head;
  EXPECT_TRUE(serves_normally(base_));
}

// Over TLS the handshake is waited for like a head: forty connections that never start one
// hold no worker, and are dropped at the head deadline; a chunked body is capped as in plain
// HTTP.
TEST_F(ReferenceHostileClient, StalledTlsHandshakesDoNotStarveTheWorkers) {
  if (!conformance::testing_tools::openssl_available()) GTEST_SKIP() << "no openssl CLI";
  conformance::testing_tools::ScratchDir dir("reference-hostile-tls");
  const auto pki = conformance::testing_tools::make_test_pki(dir.path(), {"localhost"});
  ServerOptions options;
  options.tls_cert_file = pki.server_cert;
  options.tls_key_file = pki.server_key;
  options.head_timeout = 3s;
  start(options);
  std::vector<std::unique_ptr<RawClient>> stalled;
  for (int i = 0; i < 40; ++i) {
    stalled.push_back(std::make_unique<RawClient>(port_));
    ASSERT_TRUE(stalled.back()->connected());
  }
  std::this_thread::sleep_for(300ms);

  httplib::SSLClient https("localhost", port_);
  https.set_ca_cert_path(pki.ca_cert.c_str());
  https.enable_server_certificate_verification(true);
  https.set_hostname_addr_map({{"localhost", "127.0.0.1"}});
  https.set_connection_timeout(5);
  https.set_read_timeout(5);
  auto res = https.Get(kMetadataPath);
  ASSERT_TRUE(res) << "no answer while stalled handshakes held the server: " << res.error();
  EXPECT_EQ(res->status, 200);

  size_t produced = 0;
  auto refused = https.Post(
      "/token",
      [&](size_t, httplib::DataSink& sink) {
        const std::string piece(64 * 1024, 'a');
        while (produced < kClientGivesUpAt) {
          if (!sink.write(piece.data(), piece.size())) return false;
          produced += piece.size();
        }
        sink.done();
        return true;
      },
      "application/x-www-form-urlencoded");
  // The client may see the 413, or only the connection ending under its writes.
  if (refused) {
    EXPECT_EQ(refused->status, 413);
  }
  EXPECT_LT(produced, kClientGivesUpAt) << "the server kept reading the chunked body";

  int dropped = 0;
  for (auto& client : stalled)
    if (client->closed_within(12s)) ++dropped;
  EXPECT_EQ(dropped, 40);
  auto after = https.Get(kMetadataPath);
  EXPECT_TRUE(after && after->status == 200);
}

TEST(ReferenceHostileFraming, HeadScannerCountsFieldsAndBytesIncrementally) {
  HeadLimits limits;
  limits.max_fields = 2;
  limits.max_bytes = 200;
  HeadScanner scanner(limits);
  std::string buffer = "\r\nGET / HTTP/1.1\r\nHost: a\r\n";
  EXPECT_EQ(scanner.scan(buffer).status, HeadStatus::Incomplete);
  buffer += "X: 1\r\n\r\nbody";
  HeadScan scan = scanner.scan(buffer);
  ASSERT_EQ(scan.status, HeadStatus::Complete);
  EXPECT_EQ(scan.skip, 2u);
  EXPECT_EQ(buffer.substr(scan.skip + scan.length), "body");

  HeadScanner crowded(limits);
  EXPECT_EQ(crowded.scan("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n").status,
            HeadStatus::TooManyFields);
  HeadScanner large(limits);
  EXPECT_EQ(large.scan("GET / HTTP/1.1\r\nA: " + std::string(300, 'a')).status,
            HeadStatus::TooLarge);
}

TEST(ReferenceHostileFraming, BodyFramingFollowsRfc9112) {
  EXPECT_EQ(body_framing({}, {}).kind, Framing::None);
  EXPECT_EQ(body_framing({"12"}, {}).length, 12u);
  EXPECT_EQ(body_framing({"12", "12"}, {}).kind, Framing::Length);
  EXPECT_EQ(body_framing({"12", "13"}, {}).kind, Framing::Invalid);
  EXPECT_EQ(body_framing({"-1"}, {}).kind, Framing::Invalid);
  EXPECT_EQ(body_framing({"99999999999999999999999"}, {}).length, UINT64_MAX);
  EXPECT_EQ(body_framing({}, {"Chunked"}).kind, Framing::Chunked);
  EXPECT_TRUE(body_framing({"5"}, {"chunked"}).close_after);
  EXPECT_EQ(body_framing({}, {"gzip, chunked"}).kind, Framing::Invalid);
}

TEST(ReferenceHostileFraming, ChunkedMeterStopsAtTheAnnouncementThatCrossesTheCap) {
  auto feed = [](ChunkedMeter& meter, std::string_view bytes) {
    while (!bytes.empty() && meter.allowance() > 0 && !meter.over_limit()) {
      const size_t n = std::min(bytes.size(), meter.allowance());
      meter.feed(bytes.substr(0, n));
      bytes.remove_prefix(n);
    }
  };
  ChunkedMeter fine(10, 100);
  feed(fine, "4\r\nabcd\r\n6;x=y\r\nefghij\r\n0\r\nTrailer: t\r\n\r\n");
  EXPECT_TRUE(fine.complete());
  EXPECT_FALSE(fine.over_limit());
  EXPECT_EQ(fine.allowance(), 0u);

  ChunkedMeter over(10, 100);
  feed(over, "4\r\nabcd\r\n7\r\n");
  EXPECT_TRUE(over.over_limit());
  ChunkedMeter chatty(10, 100);
  feed(chatty, "1;" + std::string(200, 'e') + "\r\n");
  EXPECT_TRUE(chatty.over_limit());
}

// --- 15: registered clients --------------------------------------------------------------------

// At the cap the least recently used client without a live code or token makes room; clients
// that hold one, or were used since, stay.
TEST_F(ReferenceHostileClient, RegistrationAtTheCapEvictsTheLeastRecentlyUsedIdleClient) {
  ServerOptions options;
  options.max_clients = 3;
  start(options);
  httplib::Client http(base_);
  http.set_follow_location(false);
  const std::string busy = register_client(http);
  const std::string touched = register_client(http);
  const std::string idle = register_client(http);
  ASSERT_FALSE(busy.empty() || touched.empty() || idle.empty());
  EXPECT_EQ(authorize(http, busy), 302); // now holds a live code
  // A token request that fails still looks the client up: it was used.
  http.Post("/token", "grant_type=authorization_code&code=nope&client_id=" + touched,
            "application/x-www-form-urlencoded");

  const std::string newcomer = register_client(http);
  ASSERT_FALSE(newcomer.empty()) << "registration at the cap was refused";
  EXPECT_EQ(authorize(http, idle), 400) << "the least recently used idle client is still known";
  EXPECT_EQ(authorize(http, touched), 302);
  EXPECT_EQ(authorize(http, newcomer), 302);
  EXPECT_EQ(authorize(http, busy), 302);
}

// Every client holds a live code: nothing can go, and the answer says when to try again.
TEST_F(ReferenceHostileClient, FullRegistryAnswers503WithRetryAfter) {
  ServerOptions options;
  options.max_clients = 2;
  options.code_lifetime = 30s;
  start(options);
  httplib::Client http(base_);
  http.set_follow_location(false);
  for (int i = 0; i < 2; ++i) {
    const std::string id = register_client(http);
    ASSERT_FALSE(id.empty());
    ASSERT_EQ(authorize(http, id), 302);
  }
  auto res = http.Post("/register", registration_metadata().dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(error_of(res->body), "temporarily_unavailable") << res->body;
  EXPECT_NE(description_of(res->body).find("maximum of 2"), std::string::npos) << res->body;
  const int retry_after = std::atoi(res->get_header_value("Retry-After").c_str());
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 31);
  EXPECT_TRUE(serves_normally(base_));
}

TEST(ReferenceHostileStore, StaticClientsAreNeitherCountedNorEvicted) {
  Store store;
  auto client = [](std::string id) {
    auto c = std::make_shared<Client>();
    c->client_id = std::move(id);
    return c;
  };
  ASSERT_TRUE(store.add_client(client("static")));
  EXPECT_EQ(store.register_client(client("first"), 1).status, RegisterStatus::Stored);
  EXPECT_EQ(store.register_client(client("first"), 1).status, RegisterStatus::IdTaken);
  EXPECT_EQ(store.register_client(client("second"), 1).status, RegisterStatus::Stored);
  EXPECT_EQ(store.registered_clients(), 1u);
  EXPECT_TRUE(store.find_client("static"));
  EXPECT_FALSE(store.find_client("first"));
  EXPECT_TRUE(store.find_client("second"));
}

} // namespace
