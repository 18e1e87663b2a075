#include "oauth/mcp_client.h"
#include "oauth/resource_discovery.h"

#include <gtest/gtest.h>

using namespace conformance;

TEST(ResourceDiscoveryUrls, CanonicalUriLowercasesSchemeAndHostOnly) {
  EXPECT_EQ(canonical_resource_uri("HTTPS://MCP.Example.COM/MCP"), "https://mcp.example.com/MCP");
  EXPECT_EQ(canonical_resource_uri("https://mcp.example.com/mcp#frag"),
            "https://mcp.example.com/mcp");
  EXPECT_EQ(canonical_resource_uri("https://mcp.example.com/mcp/"), "https://mcp.example.com/mcp/");
  EXPECT_EQ(canonical_resource_uri("HTTP://127.0.0.1:8080"), "http://127.0.0.1:8080");
}

TEST(ResourceDiscoveryUrls, WellKnownUrlsFollowRfc9728) {
  EXPECT_EQ(path_inserted_metadata_url("https://rs.example/mcp"),
            "https://rs.example/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(path_inserted_metadata_url("https://rs.example/tenant/mcp/"),
            "https://rs.example/.well-known/oauth-protected-resource/tenant/mcp");
  EXPECT_EQ(path_inserted_metadata_url("https://rs.example"),
            "https://rs.example/.well-known/oauth-protected-resource");
  EXPECT_EQ(root_metadata_url("https://rs.example:8443/a/b"),
            "https://rs.example:8443/.well-known/oauth-protected-resource");
}

TEST(McpEventStream, FirstMessageWithAnIdIsTheResponse) {
  std::string body =
      "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}\r\n\r\n"
      "id: 7\ndata: {\"jsonrpc\":\"2.0\",\ndata: \"id\":1,\"result\":{}}\n\n";
  auto message = first_event_stream_message(body);
  ASSERT_TRUE(message);
  EXPECT_EQ((*message)["id"], 1);
  EXPECT_TRUE(message->contains("result"));
}

TEST(McpEventStream, NoUsableEventGivesNothing) {
  EXPECT_FALSE(first_event_stream_message(""));
  EXPECT_FALSE(first_event_stream_message("data: not json\n\n"));
  EXPECT_TRUE(first_event_stream_message("data: {\"id\":2,\"result\":{}}"));
}
