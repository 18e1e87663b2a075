#include "config.h"

#include <cstdlib>
#include <gtest/gtest.h>

using namespace conformance;

TEST(ConfigFile, EnvironmentReferencesAreExpanded) {
  ::setenv("CONFORMANCE_TEST_SECRET", "s3cret-value", 1);
  EXPECT_EQ(expand_environment("${env:CONFORMANCE_TEST_SECRET}"), "s3cret-value");
  EXPECT_EQ(expand_environment("a-${env:CONFORMANCE_TEST_SECRET}-b"), "a-s3cret-value-b");
  EXPECT_EQ(expand_environment("no reference"), "no reference");
  ::unsetenv("CONFORMANCE_TEST_UNSET");
  EXPECT_THROW(expand_environment("${env:CONFORMANCE_TEST_UNSET}"), ConfigError);
  EXPECT_THROW(expand_environment("${env:UNTERMINATED"), ConfigError);
}

TEST(ConfigFile, FullExampleParses) {
  ::setenv("CONFORMANCE_TEST_SECRET", "s3cret-value", 1);
  ConfigFile c = parse_config(R"({
    "mcp_url": "https://mcp.example.com/mcp", "profile": "mcp-2025-11-25", "strict": true,
    "clients": {"registration": "static",
                "public": {"client_id": "pub", "redirect_uri": "http://127.0.0.1/callback"},
                "confidential": {"client_id": "conf", "client_secret": "${env:CONFORMANCE_TEST_SECRET}",
                                 "auth_method": "client_secret_post"},
                "second": {"client_id": "pub2"}},
    "driver": {"kind": "form", "form": {"fields": {"username": "alice", "password": "${env:CONFORMANCE_TEST_SECRET}"}}},
    "introspection": {"bearer": "${env:CONFORMANCE_TEST_SECRET}"},
    "resources": {"second": "https://other.example/api"},
    "operations": {"tool_scopes": {"admin_report": "mcp:admin"}, "scope_implies": {"mcp:admin": "mcp:tools"}}
  })");
  EXPECT_EQ(c.mcp_url, "https://mcp.example.com/mcp");
  EXPECT_EQ(c.strict, true);
  EXPECT_EQ(c.registration, "static");
  ASSERT_EQ(c.clients.size(), 3u);
  EXPECT_EQ(c.clients["confidential"].client_secret, "s3cret-value");
  EXPECT_EQ(c.clients["confidential"].auth, ClientAuth::SecretPost);
  EXPECT_EQ(c.clients["second"].auth, ClientAuth::None);
  EXPECT_EQ(c.form_fields["password"], "s3cret-value");
  EXPECT_EQ(c.introspection_bearer, "s3cret-value");
  EXPECT_EQ(c.second_resource, "https://other.example/api");
  ASSERT_EQ(c.tool_scopes.size(), 1u);
  EXPECT_EQ(c.tool_scopes[0].second, "mcp:admin");
}

TEST(ConfigFile, MistakesAreErrorsNamingThePlace) {
  auto error_of = [](const std::string& text) {
    try {
      parse_config(text);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("{not json").find("JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"base_ur1": "x"})").find("base_ur1"), std::string::npos);
  EXPECT_NE(error_of(R"({"clients": {"public": {"client_id": "p", "client_secret": "x"}}})")
                .find("clients.public"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"clients": {"confidential": {"client_id": "c"}}})").find("secret"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"driver": {"kind": "command"}})").find("driver.command"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"driver": {"kind": "browser"}})").find("driver.kind"), std::string::npos);
  EXPECT_NE(error_of(R"({"clients": {"registration": "magic"}})").find("registration"),
            std::string::npos);
}
