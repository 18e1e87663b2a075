// Client lookup for the endpoints: registered clients from the store, and clients identified by
// a client metadata document URL (CIMD), fetched on a store miss and cached as the document's
// Cache-Control allows (CIMD §4.4). Failures are never cached, so a fixed document is picked up
// on the next request.
#pragma once

#include "client_metadata_document.h"
#include "options.h"
#include "store.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
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

private:
  struct Cached {
    std::shared_ptr<const Client> client;
    Clock::time_point expires_at;
  };

  std::shared_ptr<const Client> cached(const std::string& url);
  void remember(const std::string& url, std::shared_ptr<const Client> client,
                std::chrono::seconds lifetime);

  const ServerOptions& options_;
  Store& store_;
  std::shared_ptr<ClientMetadataFetcher> fetcher_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::map<std::string, Cached> cache_;
};

} // namespace refserver
