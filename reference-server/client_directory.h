// Client lookup for the endpoints: registered clients from the store, and clients identified by
// a client metadata document URL (CIMD), fetched on a store miss and cached as the document's
// Cache-Control allows (CIMD §4.4). Failures are never cached, so a fixed document is picked up
// on the next request. The CIMD faults that concern lookup and caching act here.
#pragma once

#include "client_metadata_document.h"
#include "options.h"
#include "store.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace refserver {

struct ClientLookup {
  std::shared_ptr<const Client> client; // null when unknown
  // For a client_id that is a URL but yielded no client: why (bad URL, failed fetch, invalid
  // document). Empty otherwise.
  std::string problem;
};

class ClientDirectory {
public:
  // `fetcher` may be null: URL client_ids are then unknown. `now` is replaceable for tests.
  ClientDirectory(const ServerOptions& options, Store& store,
                  std::shared_ptr<ClientMetadataFetcher> fetcher,
                  std::function<Clock::time_point()> now = Clock::now);

  // Thread-safe. A fetch happens outside the cache lock, so a slow document host delays only
  // the requests that name it.
  ClientLookup find(const std::string& client_id);

  // Whether `client` came from a client metadata document rather than the store.
  bool is_document_client(const Client& client);
  // Whether /authorize accepts any redirect_uri for `client`: only a document client, and only
  // under cimd-redirect-uri-unchecked (registered clients keep exact matching).
  bool redirect_uri_unchecked(const Client& client);

private:
  // A document client, or (only under cimd-failures-cached) a remembered failure.
  struct Cached {
    ClientLookup lookup;
    Clock::time_point expires_at;
  };

  std::optional<ClientLookup> cached(const std::string& url);
  void remember(const std::string& url, ClientLookup lookup, std::chrono::seconds lifetime);

  const ServerOptions& options_;
  Store& store_;
  std::shared_ptr<ClientMetadataFetcher> fetcher_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::map<std::string, Cached> cache_;
};

} // namespace refserver
