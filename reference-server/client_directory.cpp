// Store lookup with a fallback to client metadata documents and their cache.
#include "client_directory.h"

#include <algorithm>

namespace refserver {
namespace {

// Anyone can make the server fetch and cache documents, so the cache is bounded; when full,
// expired entries go first, then the one closest to expiry.
constexpr size_t kMaxCachedDocuments = 1024;

} // namespace

ClientDirectory::ClientDirectory(const ServerOptions& options, Store& store,
                                 std::shared_ptr<ClientMetadataFetcher> fetcher,
                                 std::function<Clock::time_point()> now)
    : options_(options), store_(store), fetcher_(std::move(fetcher)), now_(std::move(now)) {}

std::shared_ptr<const Client> ClientDirectory::cached(const std::string& url) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(url);
  if (it == cache_.end()) return nullptr;
  if (it->second.expires_at <= now_()) {
    cache_.erase(it);
    return nullptr;
  }
  return it->second.client;
}

void ClientDirectory::remember(const std::string& url, std::shared_ptr<const Client> client,
                               std::chrono::seconds lifetime) {
  std::lock_guard lock(mutex_);
  const Clock::time_point now = now_();
  if (cache_.size() >= kMaxCachedDocuments && !cache_.contains(url)) {
    std::erase_if(cache_, [&](const auto& entry) { return entry.second.expires_at <= now; });
    if (cache_.size() >= kMaxCachedDocuments)
      cache_.erase(std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
        return a.second.expires_at < b.second.expires_at;
      }));
  }
  cache_[url] = {std::move(client), now + lifetime};
}

ClientLookup ClientDirectory::find(const std::string& client_id) {
  // Registered clients first: a registration can never be shadowed by a document.
  if (auto client = store_.find_client(client_id)) return {client, ""};
  if (!looks_like_url(client_id)) return {};
  if (auto problem = client_id_url_problem(client_id, options_.cimd_allow_http_loopback))
    return {nullptr, *problem};
  if (auto client = cached(client_id)) return {client, ""};
  if (!fetcher_) return {nullptr, "client metadata documents are not fetched"};

  FetchedDocument fetched = fetcher_->fetch(client_id);
  auto result = client_from_document(client_id, fetched);
  if (auto* problem = std::get_if<std::string>(&result)) return {nullptr, std::move(*problem)};
  auto client = std::get<std::shared_ptr<const Client>>(std::move(result));
  if (auto lifetime = document_lifetime(fetched.cache_control); lifetime.count() > 0)
    remember(client_id, client, lifetime);
  return {client, ""};
}

} // namespace refserver
