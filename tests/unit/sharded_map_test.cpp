// The reference server's sharded map: its expiry order drops exactly what expired, follows an
// expiry that moved later, and skips what was erased meanwhile.
#include "sharded_map.h"

#include <chrono>
#include <gtest/gtest.h>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Expiring {
  int value = 0;
  Clock::time_point expires_at{};
};

TEST(ShardedMap, EraseExpiredDropsOnlyWhatExpired) {
  refserver::ShardedMap<Expiring> map;
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(map.insert("key-" + std::to_string(i), {i, t0 + std::chrono::seconds(i)}));
  EXPECT_FALSE(map.insert("key-5", {500, t0})); // a taken key keeps its value
  EXPECT_EQ(map.erase_expired(t0 + 9s), 10u);   // keys 0..9
  EXPECT_EQ(map.size(), 90u);
  EXPECT_EQ(map.erase_expired(t0 + 9s), 0u);
  EXPECT_TRUE(map.with("key-10", [](Expiring* e) { return e != nullptr; }));
  EXPECT_FALSE(map.with("key-9", [](Expiring* e) { return e != nullptr; }));
  EXPECT_EQ(map.erase_expired(t0 + 1000s), 90u);
  EXPECT_EQ(map.size(), 0u);
}

TEST(ShardedMap, ExpiryMovedLaterIsFollowed) {
  refserver::ShardedMap<Expiring> map;
  const Clock::time_point t0 = Clock::now();
  map.insert("grant", {1, t0 + 1s});
  map.with("grant", [&](Expiring* e) { e->expires_at = t0 + 60s; }); // a new token extends it
  EXPECT_EQ(map.erase_expired(t0 + 2s), 0u);
  EXPECT_EQ(map.size(), 1u);
  EXPECT_EQ(map.erase_expired(t0 + 61s), 1u);
}

TEST(ShardedMap, CreatedEntriesEnterTheExpiryOrderAndErasedOnesAreSkipped) {
  refserver::ShardedMap<Expiring> map;
  const Clock::time_point t0 = Clock::now();
  map.with_or_create("created", [&](Expiring& e) { e.expires_at = t0 + 5s; });
  map.insert("erased", {2, t0 + 1s});
  EXPECT_TRUE(map.erase("erased"));
  map.insert("erased", {3, t0 + 30s});        // the same key again, later
  EXPECT_EQ(map.erase_expired(t0 + 10s), 1u); // "created"; the old "erased" deadline is stale
  EXPECT_EQ(map.size(), 1u);
  EXPECT_EQ(map.with("erased", [](Expiring* e) { return e ? e->value : -1; }), 3);
  EXPECT_EQ(map.erase_expired(t0 + 31s), 1u);
}

} // namespace
