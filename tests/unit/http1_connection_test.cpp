// The load generator's own HTTP/1.1 client against a scripted loopback server that writes raw
// bytes: the framings a server may choose (Content-Length, chunked with extensions and
// trailers, until close, interim 1xx answers, bare LF), connection reuse and the retry after
// a server closed an idle connection, and the limits every request of the harness keeps (caps
// on headers and body, a timeout, refusal of framing it cannot trust).
#include "load/http1_connection.h"

#include <arpa/inet.h>
#include <atomic>
#include <functional>
#include <gtest/gtest.h>
#include <mutex>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace conformance;
using namespace std::chrono_literals;

// Accepts connections on 127.0.0.1 one at a time and runs `script` on each: the script reads
// requests with read_request() and writes whatever bytes the test wants.
class ScriptedServer {
public:
  using Script = std::function<void(ScriptedServer&, int fd, int connection)>;

  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_, 16) != 0)
      throw std::runtime_error("scripted server could not listen");
    socklen_t length = sizeof addr;
    getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (int index = 0;; ++index) {
        int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return; // shut down
        ++connections;
        script_(*this, fd, index);
        ::close(fd);
      }
    });
  }
  ~ScriptedServer() {
    ::shutdown(listen_, SHUT_RDWR);
    ::close(listen_);
    thread_.join();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }

  // One request (head and Content-Length body), or "" when the client closed first. Kept in
  // `requests`.
  std::string read_request(int fd) {
    std::string text;
    char c;
    while (text.find("\r\n\r\n") == std::string::npos) {
      if (::recv(fd, &c, 1, 0) != 1) return "";
      text += c;
    }
    size_t at = text.find("Content-Length: ");
    if (at != std::string::npos) {
      size_t length = std::stoul(text.substr(at + 16));
      while (length-- > 0 && ::recv(fd, &c, 1, 0) == 1)
        text += c;
    }
    std::lock_guard lock(mutex_);
    requests_.push_back(text);
    return text;
  }
  static void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  // Byte by byte, so the client parses every framing across reads.
  static void trickle(int fd, std::string_view bytes) {
    for (char c : bytes) {
      write_all(fd, std::string_view(&c, 1));
      std::this_thread::sleep_for(50us);
    }
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  std::atomic<int> connections{0};

private:
  Script script_;
  int listen_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

// An event loop for one connection, as the load generator runs it.
class Loop {
public:
  Loop() : epoll_(epoll_create1(EPOLL_CLOEXEC)), connection_(epoll_, 7, {"location", "content-type"}) {}
  ~Loop() { ::close(epoll_); }

  HttpResponse send(HttpRequest request, HttpOptions options = {}) {
    EXPECT_TRUE(Http1Connection::can_send(request));
    bool done = connection_.start(request, resolver_, options, Http1Connection::Clock::now());
    epoll_event events[4];
    while (!done) {
      int n = epoll_wait(epoll_, events, 4, 10);
      for (int i = 0; i < n && !done; ++i) {
        EXPECT_TRUE(Http1Connection::is_tag(events[i].data.u64));
        EXPECT_EQ(Http1Connection::id_of(events[i].data.u64), 7u);
        done = connection_.on_events(events[i].data.u64, events[i].events);
      }
      if (!done && connection_.busy() && Http1Connection::Clock::now() >= connection_.deadline()) {
        connection_.expire();
        done = true;
      }
    }
    EXPECT_FALSE(connection_.busy());
    return connection_.take_response();
  }
  // Lets the connection see what arrives between requests (a close by the server).
  void idle_for(std::chrono::milliseconds ms) {
    epoll_event events[4];
    int n = epoll_wait(epoll_, events, 4, static_cast<int>(ms.count()));
    for (int i = 0; i < n; ++i)
      EXPECT_FALSE(connection_.on_events(events[i].data.u64, events[i].events));
  }

private:
  int epoll_;
  Http1Resolver resolver_;
  Http1Connection connection_;
};

HttpRequest get(const std::string& url) { return {"GET", url, {}, ""}; }

std::string serve_ok(ScriptedServer& s, int fd, std::string_view response, int requests) {
  for (int i = 0; i < requests; ++i) {
    if (s.read_request(fd).empty()) break;
    ScriptedServer::write_all(fd, response);
  }
  return "";
}

TEST(Http1Connection, SendsTheRequestLibcurlWouldAndReusesTheConnection) {
  ScriptedServer server([](ScriptedServer& s, int fd, int) {
    serve_ok(s, fd,
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Other: dropped\r\n"
             "Content-Length: 2\r\n\r\n{}",
             3);
  });
  Loop loop;
  HttpResponse first = loop.send(get(server.url("/.well-known/x?q=1")));
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "{}");
  ASSERT_EQ(first.headers.size(), 1u); // only the headers flows read
  EXPECT_EQ(first.headers[0].first, "content-type");
  HttpRequest post{"POST", server.url("/token"), {{"X-Gateway-Key", "k"}}, "grant_type=x"};
  HttpResponse second = loop.send(post);
  EXPECT_EQ(second.status, 200) << second.transport_error;
  HttpRequest head{"HEAD", server.url("/h"), {}, ""};
  EXPECT_EQ(loop.send(head).status, 200); // the Content-Length of a HEAD answer has no body
  EXPECT_EQ(server.connections.load(), 1);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  std::string host = "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n";
  EXPECT_EQ(requests[0], "GET /.well-known/x?q=1 HTTP/1.1\r\n" + host +
                             "Accept: application/json, text/html;q=0.9, */*;q=0.5\r\n"
                             "User-Agent: conformance/0.1\r\n\r\n");
  EXPECT_EQ(requests[1], "POST /token HTTP/1.1\r\n" + host +
                             "X-Gateway-Key: k\r\n"
                             "Accept: application/json, text/html;q=0.9, */*;q=0.5\r\n"
                             "User-Agent: conformance/0.1\r\n"
                             "Content-Type: application/x-www-form-urlencoded\r\n"
                             "Content-Length: 12\r\n\r\ngrant_type=x");
  EXPECT_EQ(requests[2].substr(0, 17), "HEAD /h HTTP/1.1\r");
}

TEST(Http1Connection, ParsesChunkedBodiesWithExtensionsAndTrailersAcrossReads) {
  ScriptedServer server([](ScriptedServer& s, int fd, int) {
    for (int i = 0; i < 2; ++i) {
      if (s.read_request(fd).empty()) return;
      ScriptedServer::trickle(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "5;name=value\r\nhello\r\nA\r\n, chunked!\r\n"
                                  "0\r\nX-Trailer: t\r\n\r\n");
    }
  });
  Loop loop;
  for (int i = 0; i < 2; ++i) {
    HttpResponse r = loop.send(get(server.url("/c")));
    EXPECT_EQ(r.status, 200) << r.transport_error;
    EXPECT_EQ(r.body, "hello, chunked!");
  }
  EXPECT_EQ(server.connections.load(), 1); // the message ended where the chunks said
}

TEST(Http1Connection, SkipsInterimAnswersAndAcceptsBareLineFeeds) {
  ScriptedServer server([](ScriptedServer& s, int fd, int) {
    serve_ok(s, fd,
             "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
             "HTTP/1.1 302 Found\nLocation: http://127.0.0.1/cb?code=c\nContent-Length: 0\n\n",
             1);
  });
  Loop loop;
  HttpResponse r = loop.send(get(server.url("/authorize")));
  EXPECT_EQ(r.status, 302) << r.transport_error;
  EXPECT_EQ(r.header("location").value_or(""), "http://127.0.0.1/cb?code=c");
}

TEST(Http1Connection, ReadsABodyThatEndsWithTheConnection) {
  ScriptedServer server([](ScriptedServer& s, int fd, int) {
    if (s.read_request(fd).empty()) return;
    ScriptedServer::write_all(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ");
    std::this_thread::sleep_for(20ms);
    ScriptedServer::write_all(fd, "close");
  });
  Loop loop;
  HttpResponse r = loop.send(get(server.url("/old")));
  EXPECT_EQ(r.status, 200) << r.transport_error;
  EXPECT_EQ(r.body, "until close");
  EXPECT_EQ(loop.send(get(server.url("/old"))).status, 200); // on a new connection
  EXPECT_EQ(server.connections.load(), 2);
}

TEST(Http1Connection, OpensANewConnectionAfterConnectionClose) {
  ScriptedServer server([](ScriptedServer& s, int fd, int) {
    serve_ok(s, fd, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", 1);
  });
  Loop loop;
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(loop.send(get(server.url("/x"))).status, 204);
  EXPECT_EQ(server.connections.load(), 3);
}

// A server may close a kept-alive connection whenever it is idle (RFC 9112 §9.5); a request
// that finds it closed before any answer came is sent again on a new one.
TEST(Http1Connection, RetriesOnceWhenAnIdleConnectionWasClosed) {
  ScriptedServer server([](ScriptedServer& s, int fd, int) {
    serve_ok(s, fd, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 1); // then closes, silently
  });
  Loop loop;
  EXPECT_EQ(loop.send(get(server.url("/x"))).status, 200);
  std::this_thread::sleep_for(20ms); // closed, unseen: no event loop ran in between
  HttpResponse unseen = loop.send(get(server.url("/x")));
  EXPECT_EQ(unseen.status, 200) << unseen.transport_error;
  loop.idle_for(50ms); // this time the close is seen while idle
  EXPECT_EQ(loop.send(get(server.url("/x"))).status, 200);
  EXPECT_EQ(server.connections.load(), 3);
}

TEST(Http1Connection, AFirstRequestThatGetsNothingIsNotRetried) {
  ScriptedServer server([](ScriptedServer& s, int fd, int) { s.read_request(fd); });
  Loop loop;
  HttpResponse r = loop.send(get(server.url("/x")));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.transport_error, "Server returned nothing (no headers, no data)");
  EXPECT_EQ(server.connections.load(), 1);
}

TEST(Http1Connection, CapsTheHeadersAndTheBody) {
  std::string huge_headers = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 100; ++i)
    huge_headers += "X-Filler-" + std::to_string(i) + ": " + std::string(40, 'a') + "\r\n";
  huge_headers += "Content-Length: 0\r\n\r\n";
  const std::string big = std::string(5000, 'b');
  std::vector<std::string> answers = {
      huge_headers,
      "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + big,
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" + big + "\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\n\r\n" + big,
  };
  ScriptedServer server([&](ScriptedServer& s, int fd, int connection) {
    if (s.read_request(fd).empty()) return;
    ScriptedServer::write_all(fd, answers[static_cast<size_t>(connection) % answers.size()]);
  });
  Loop loop;
  HttpOptions options;
  options.max_body_bytes = 4096;
  options.max_header_bytes = 1024;
  HttpResponse r = loop.send(get(server.url("/h")), options);
  EXPECT_EQ(r.transport_error, "response headers exceed the 1024-byte cap");
  EXPECT_TRUE(r.body_truncated);
  for (int i = 1; i < 4; ++i) {
    r = loop.send(get(server.url("/b")), options);
    EXPECT_EQ(r.transport_error, "response body exceeds the 4096-byte cap") << i;
    EXPECT_TRUE(r.body_truncated);
    EXPECT_LE(r.body.size(), 4096u);
  }
}

TEST(Http1Connection, RefusesFramingItCannotTrust) {
  std::vector<std::string> answers = {
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "SMTP 220 hello\r\n\r\n",
      "HTTP/1.1 2000 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(5000, '1'),
  };
  ScriptedServer server([&](ScriptedServer& s, int fd, int connection) {
    if (s.read_request(fd).empty()) return;
    ScriptedServer::write_all(fd, answers[static_cast<size_t>(connection) % answers.size()]);
  });
  Loop loop;
  for (size_t i = 0; i < answers.size(); ++i) {
    HttpResponse r = loop.send(get(server.url("/x")));
    EXPECT_EQ(r.transport_error, "Weird server reply") << i;
  }
  EXPECT_EQ(server.connections.load(), static_cast<int>(answers.size()));
}

TEST(Http1Connection, ABodyCutShortIsAPartialFile) {
  ScriptedServer server([](ScriptedServer& s, int fd, int) {
    if (s.read_request(fd).empty()) return;
    ScriptedServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
  });
  Loop loop;
  HttpResponse r = loop.send(get(server.url("/x")));
  EXPECT_EQ(r.transport_error, "Transferred a partial file");
}

TEST(Http1Connection, TimesOutAndThenWorksOnANewConnection) {
  std::atomic<bool> release{false};
  ScriptedServer server([&](ScriptedServer& s, int fd, int connection) {
    if (s.read_request(fd).empty()) return;
    if (connection == 0) {
      while (!release)
        std::this_thread::sleep_for(5ms);
      return;
    }
    ScriptedServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  });
  Loop loop;
  HttpOptions options;
  options.timeout = 200ms;
  auto started = std::chrono::steady_clock::now();
  HttpResponse r = loop.send(get(server.url("/slow")), options);
  EXPECT_EQ(r.transport_error, "timed out after 200 ms");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
  release = true;
  EXPECT_EQ(loop.send(get(server.url("/slow")), options).status, 200);
}

TEST(Http1Connection, ARefusedConnectionIsAFailureNotAHang) {
  int port = 0;
  {
    ScriptedServer closed([](ScriptedServer&, int, int) {});
    port = closed.port();
  } // nothing listens there now
  Loop loop;
  HttpResponse r = loop.send(get("http://127.0.0.1:" + std::to_string(port) + "/x"));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.transport_error, "Couldn't connect to server");
}

TEST(Http1Connection, SendsOnlyWhatItCanFrame) {
  EXPECT_TRUE(Http1Connection::can_send(get("http://127.0.0.1:1/x")));
  EXPECT_TRUE(Http1Connection::can_send(get("HTTP://[::1]:1/x")));
  EXPECT_FALSE(Http1Connection::can_send(get("https://127.0.0.1/x"))); // TLS is libcurl's
  EXPECT_FALSE(Http1Connection::can_send(get("http://127.0.0.1/x\r\nX: y")));
  HttpRequest split = get("http://127.0.0.1/x");
  split.headers = {{"X-Key", "a\r\nInjected: 1"}};
  EXPECT_FALSE(Http1Connection::can_send(split));
}

TEST(Http1Connection, TagsCarryTheIdAndTellGenerationsApart) {
  std::uint64_t a = Http1Connection::tag_of(12345, 1), b = Http1Connection::tag_of(12345, 2);
  EXPECT_TRUE(Http1Connection::is_tag(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(Http1Connection::id_of(a), 12345u);
  EXPECT_FALSE(Http1Connection::is_tag(std::uint64_t{42} << 1)); // a libcurl socket's data
}

} // namespace
