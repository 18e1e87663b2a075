// A string-keyed map split into independently locked shards, so concurrent requests for
// different codes or tokens rarely wait on each other. Values with an `expires_at` member are
// also kept in an expiry order per shard, so dropping the expired ones costs what expired, not
// a walk over everything that is still live.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace refserver {

template <class Value> constexpr bool kExpires = requires(const Value& v) {
  v.expires_at;
};

template <class Value, size_t ShardCount = 16> class ShardedMap {
public:
  // Returns false (and leaves the old value) when the key already exists.
  bool insert(const std::string& key, Value value) {
    return insert(std::string(key), std::move(value));
  }
  bool insert(std::string&& key, Value value) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    auto [it, inserted] = shard.map.try_emplace(std::move(key), std::move(value));
    if constexpr (kExpires<Value>)
      if (inserted) shard.deadlines.push({it->second.expires_at, it->first});
    return inserted;
  }

  bool erase(const std::string& key) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    return shard.map.erase(key) != 0;
  }

  // Erases the key when pred(value) holds, both under the key's shard lock, so nothing can
  // change the value between the test and the erasure. True when erased.
  template <class Pred> bool erase_if(const std::string& key, Pred&& pred) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(key);
    if (it == shard.map.end() || !pred(it->second)) return false;
    shard.map.erase(it);
    return true;
  }

  // Calls fn(key, value) for every entry, one shard lock at a time: each shard is seen
  // consistently, the whole map not necessarily.
  template <class Fn> void for_each(Fn&& fn) const {
    for (const Shard& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      for (const auto& [key, value] : shard.map)
        fn(key, value);
    }
  }

  // Runs fn(Value*) under the key's shard lock; the pointer is null when the key is absent.
  // This is what makes find-and-update operations atomic.
  template <class Fn> decltype(auto) with(const std::string& key, Fn&& fn) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(key);
    return fn(it == shard.map.end() ? static_cast<Value*>(nullptr) : &it->second);
  }

  // Same as with(), but creates a default Value when the key is absent.
  template <class Fn> decltype(auto) with_or_create(const std::string& key, Fn&& fn) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    auto [it, created] = shard.map.try_emplace(key);
    if constexpr (kExpires<Value>) {
      // A new entry enters the expiry order with the expiry fn gives it (hence after fn).
      struct Enter {
        Shard& shard;
        typename Map::iterator it;
        bool created;
        ~Enter() {
          if (created) shard.deadlines.push({it->second.expires_at, it->first});
        }
      } enter{shard, it, created};
      return fn(it->second);
    } else {
      return fn(it->second);
    }
  }

  // Drops every entry whose expires_at is at or before `now`, one shard lock at a time. Only
  // the entries due by the expiry order are looked at: one whose expiry moved later since it
  // was ordered is put back in order, and one already gone is skipped.
  template <class TimePoint> size_t erase_expired(TimePoint now) requires kExpires<Value> {
    size_t erased = 0;
    for (Shard& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      while (!shard.deadlines.empty() && shard.deadlines.top().first <= now) {
        Deadline due = shard.deadlines.top();
        shard.deadlines.pop();
        auto it = shard.map.find(due.second);
        if (it == shard.map.end()) continue;
        if (it->second.expires_at <= now) {
          shard.map.erase(it);
          ++erased;
        } else {
          shard.deadlines.push({it->second.expires_at, std::move(due.second)});
        }
      }
    }
    return erased;
  }

  size_t size() const {
    size_t n = 0;
    for (const Shard& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      n += shard.map.size();
    }
    return n;
  }

private:
  using Map = std::unordered_map<std::string, Value>;
  struct NoExpiry {
    int expires_at = 0;
  };
  using Expiry = decltype(std::conditional_t<kExpires<Value>, Value, NoExpiry>::expires_at);
  using Deadline = std::pair<Expiry, std::string>;
  struct Shard {
    mutable std::mutex mutex;
    Map map;
    // Earliest first; entries may be stale (erased, or their expiry moved), see erase_expired.
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines;
  };

  Shard& shard_for(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % ShardCount];
  }

  std::array<Shard, ShardCount> shards_;
};

} // namespace refserver
