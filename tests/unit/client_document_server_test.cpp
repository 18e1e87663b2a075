// The harness's CIMD document server: exact targets only, every request recorded (even ones
// that are not HTTP), and nothing left listening once it is gone.
#include "hosting/client_document_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

namespace conformance {
namespace {

httplib::Client client_for(const ClientDocumentServer& server) {
  httplib::Client c("127.0.0.1", server.port());
  c.set_connection_timeout(2);
  c.set_read_timeout(2);
  return c;
}

TEST(ClientDocumentServer, ServesExactlyWhatIsPublished) {
  ClientDocumentServer server({});
  ASSERT_TRUE(server.loopback_http());
  EXPECT_EQ(server.base_url(), "http://127.0.0.1:" + std::to_string(server.port()));
  std::string url = server.url("/cimd/run1/ok.json");
  server.publish(url, {200, "application/json", {{"Cache-Control", "no-store"}}, R"({"a":1})"});
  auto c = client_for(server);
  auto ok = c.Get("/cimd/run1/ok.json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"a":1})");
  EXPECT_EQ(ok->get_header_value("Cache-Control"), "no-store");
  // Anything else is a 404: other paths, the root, a query, another spelling of the path.
  for (const char* other : {"/", "/cimd/run1/", "/cimd/run1/ok.json?x", "/cimd/run1/./ok.json",
                            "/cimd/run2/../run1/ok.json", "/CIMD/run1/ok.json", "/etc/passwd"}) {
    auto r = c.Get(other);
    ASSERT_TRUE(r) << other;
    EXPECT_EQ(r->status, 404) << other;
  }
  auto post = c.Post("/cimd/run1/ok.json", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
  server.withdraw(url);
  EXPECT_EQ(c.Get("/cimd/run1/ok.json")->status, 404);
}

TEST(ClientDocumentServer, RequestTargetsKeepTheirBytes) {
  EXPECT_EQ(ClientDocumentServer::request_target("https://h.example/a/../b.json#x"), "/a/../b.json");
  EXPECT_EQ(ClientDocumentServer::request_target("https://h.example"), "/");
  EXPECT_EQ(ClientDocumentServer::request_target("https://h.example?q=1"), "/?q=1");
  EXPECT_EQ(ClientDocumentServer::request_target("https://u:p@h.example:8443/c.json?x"),
            "/c.json?x");
}

TEST(ClientDocumentServer, RecordsEveryRequestWithItsHeaders) {
  ClientDocumentServer server({});
  server.publish(server.url("/d.json"), {200, "application/json", {}, "{}"});
  size_t mark = server.fetch_count();
  auto c = client_for(server);
  c.Get("/d.json", {{"User-Agent", "as-under-test/1.0"}});
  c.Get("/missing");
  auto fetches = server.fetches_since(mark);
  ASSERT_EQ(fetches.size(), 2u);
  EXPECT_EQ(fetches[0].method, "GET");
  EXPECT_EQ(fetches[0].target, "/d.json");
  EXPECT_TRUE(fetches[0].served);
  EXPECT_EQ(fetches[0].status, 200);
  bool agent = false;
  for (const auto& [name, value] : fetches[0].headers)
    agent |= name == "User-Agent" && value == "as-under-test/1.0";
  EXPECT_TRUE(agent);
  EXPECT_EQ(fetches[0].peer, "127.0.0.1");
  EXPECT_EQ(fetches[1].target, "/missing");
  EXPECT_FALSE(fetches[1].served);
  EXPECT_EQ(fetches[1].status, 404);
  EXPECT_TRUE(server.fetches_since(server.fetch_count()).empty());
}

TEST(ClientDocumentServer, ATlsHandshakeOnThePlainPortIsRecordedToo) {
  // A server told to fetch https://127.1:PORT/... connects here with TLS: that connection is
  // the evidence that it tried.
  ClientDocumentServer server({});
  size_t mark = server.fetch_count();
  httplib::SSLClient tls("127.0.0.1", server.port());
  tls.enable_server_certificate_verification(false);
  tls.set_connection_timeout(2);
  tls.set_read_timeout(2);
  EXPECT_FALSE(tls.Get("/cimd/x.json"));
  for (int i = 0; i < 20 && server.fetch_count() == mark; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto fetches = server.fetches_since(mark);
  ASSERT_FALSE(fetches.empty());
  EXPECT_TRUE(fetches[0].method.empty());
  EXPECT_FALSE(fetches[0].served);
}

TEST(ClientDocumentServer, APublicBaseUrlNamesTheDocuments) {
  ClientDocumentServer server({"127.0.0.1", 0, "https://docs.example.com/harness/"});
  EXPECT_FALSE(server.loopback_http());
  EXPECT_EQ(server.base_url(), "https://docs.example.com/harness");
  // The proxy forwards the path unchanged: the listener serves the public path.
  server.publish(server.url("/c.json"), {200, "application/json", {}, "{}"});
  EXPECT_EQ(client_for(server).Get("/harness/c.json")->status, 200);
}

TEST(ClientDocumentServer, StopsListeningWhenDestroyed) {
  int port = 0;
  {
    ClientDocumentServer server({});
    port = server.port();
    ASSERT_TRUE(client_for(server).Get("/"));
  }
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(1);
  EXPECT_FALSE(c.Get("/"));
}

TEST(ClientDocumentServer, APortInUseIsAClearError) {
  ClientDocumentServer first({});
  try {
    ClientDocumentServer second({"127.0.0.1", first.port(), ""});
    FAIL() << "two listeners on one port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(first.port())), std::string::npos);
  }
}

} // namespace
} // namespace conformance
