// A string-keyed map split into independently locked shards, so concurrent requests for
// different codes or tokens rarely wait on each other.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace refserver {

template <class Value, size_t ShardCount = 16> class ShardedMap {
public:
  // Returns false (and leaves the old value) when the key already exists.
  bool insert(const std::string& key, Value value) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    return shard.map.emplace(key, std::move(value)).second;
  }

  bool erase(const std::string& key) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    return shard.map.erase(key) != 0;
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
    return fn(shard.map[key]);
  }

  // Locks one shard at a time, so a sweep never stalls the whole map.
  template <class Pred> size_t erase_if(Pred pred) {
    size_t erased = 0;
    for (Shard& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      erased += std::erase_if(shard.map, [&](const auto& entry) { return pred(entry.second); });
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
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Value> map;
  };

  Shard& shard_for(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % ShardCount];
  }

  std::array<Shard, ShardCount> shards_;
};

} // namespace refserver
