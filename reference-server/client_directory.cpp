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

std::optional<ClientLookup> ClientDirectory::cached(const std::string& url) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(url);
  if (it == cache_.end()) return std::nullopt;
  if (it->second.expires_at <= now_()) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.lookup;
}

void ClientDirectory::remember(const std::string& url, ClientLookup lookup,
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
  cache_[url] = {std::move(lookup), now + lifetime};
}

ClientLookup ClientDirectory::find(const std::string& client_id) {
  // Registered clients first: a registration can never be shadowed by a document.
  if (auto client = store_.find_client(client_id)) return {client, ""};
  if (!looks_like_url(client_id)) return {};
  // cimd-advertised-not-fetched: the metadata still promises documents, but a URL is just an
  // unknown client_id, and nothing is fetched.
  if (options_.has(Fault::CimdAdvertisedNotFetched)) return {};
  if (auto problem = client_id_url_problem(client_id, options_)) return {nullptr, *problem};
  if (auto hit = cached(client_id)) return *hit;
  if (!fetcher_) return {nullptr, "client metadata documents are not fetched"};

  FetchedDocument fetched = fetcher_->fetch(client_id);
  auto result = client_from_document(client_id, fetched, options_);
  if (auto* problem = std::get_if<std::string>(&result)) {
    ClientLookup failed{nullptr, std::move(*problem)};
    // cimd-failures-cached: the failure sticks for the default lifetime, so a publisher who
    // fixes the document is still refused.
    if (options_.has(Fault::CimdFailuresCached))
      remember(client_id, failed, kDefaultDocumentLifetime);
    return failed;
  }
  auto client = std::get<std::shared_ptr<const Client>>(std::move(result));
  // cimd-no-store-ignored: the default lifetime whatever Cache-Control says.
  const std::chrono::seconds lifetime = options_.has(Fault::CimdNoStoreIgnored)
                                            ? kDefaultDocumentLifetime
                                            : document_lifetime(fetched.cache_control);
  if (lifetime.count() > 0) remember(client_id, {client, ""}, lifetime);
  return {client, ""};
}

bool ClientDirectory::is_document_client(const Client& client) {
  // Registration never issues URL ids, except that the dcr-client-chooses-id fault may take
  // one; the store's own entry tells those apart.
  return looks_like_url(client.client_id) && store_.find_client(client.client_id).get() != &client;
}

bool ClientDirectory::redirect_uri_unchecked(const Client& client) {
  return options_.has(Fault::CimdRedirectUriUnchecked) && is_document_client(client);
}

} // namespace refserver
