// The manual driver, with a test standing in for the person's browser.
#include "drivers/manual_driver.h"
#include "http/http_client.h"

#include <future>
#include <gtest/gtest.h>
#include <sstream>
#include <thread>

using namespace conformance;

TEST(ManualDriver, TakesTheCodeFromTheBrowsersArrival) {
  int port = free_loopback_port();
  ASSERT_GT(port, 0);
  std::string redirect = "http://127.0.0.1:" + std::to_string(port) + "/callback";
  std::ostringstream prompt;
  ManualDriver driver({std::chrono::seconds(20), &prompt});
  auto pending = std::async(std::launch::async, [&] {
    return driver.authorize("https://as.example/authorize?client_id=c", redirect);
  });
  // The "browser": retries until the driver listens, first asking for an unrelated path.
  HttpClient http;
  HttpResponse page;
  for (int i = 0; i < 200 && page.status != 200; ++i) {
    http.get("http://127.0.0.1:" + std::to_string(port) + "/favicon.ico");
    page = http.get(redirect + "?code=manual-code-1&state=st");
    if (page.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(page.is_html_media_type());
  AuthorizationResult result = pending.get();
  EXPECT_EQ(result.ending, AuthorizationResult::Ending::RedirectedToClient) << result.describe();
  EXPECT_EQ(result.code(), "manual-code-1");
  EXPECT_NE(prompt.str().find("https://as.example/authorize?client_id=c"), std::string::npos);
}

TEST(ManualDriver, GivesUpAtTheTimeoutAndNeedsAPort) {
  int port = free_loopback_port();
  ManualDriver driver({std::chrono::seconds(1), nullptr});
  std::ostringstream prompt;
  ManualDriver quiet({std::chrono::seconds(1), &prompt});
  auto r = quiet.authorize("https://as.example/authorize",
                           "http://127.0.0.1:" + std::to_string(port) + "/callback");
  EXPECT_EQ(r.ending, AuthorizationResult::Ending::DriverFailed);
  EXPECT_NE(r.describe().find("within 1 s"), std::string::npos) << r.describe();
  auto no_port = driver.authorize("https://as.example/authorize", "http://127.0.0.1/callback");
  EXPECT_EQ(no_port.ending, AuthorizationResult::Ending::DriverFailed);
  EXPECT_NE(no_port.describe().find("with a port"), std::string::npos);
}
