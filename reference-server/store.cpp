// In-memory store: sharded maps plus a sweeper thread for expired codes and tokens.
#include "store.h"

#include "core/pkce.h"

#include <algorithm>

namespace refserver {

bool Client::allows_grant(std::string_view grant_type) const {
  return std::find(grant_types.begin(), grant_types.end(), grant_type) != grant_types.end();
}

bool Client::allows_response_type(std::string_view response_type) const {
  return std::find(response_types.begin(), response_types.end(), response_type) !=
         response_types.end();
}

std::string Client::digest_secret(std::string_view secret) {
  // The S256 transform is exactly base64url(SHA-256(x)); reuse it rather than pulling in a
  // second hashing helper.
  return oauth::s256_challenge(secret);
}

bool Client::secret_matches(std::string_view presented) const {
  if (secret_digest.empty()) return false;
  return oauth::constant_time_equals(digest_secret(presented), secret_digest);
}

Store::Store(std::chrono::milliseconds sweep_interval)
    : sweeper_([this, sweep_interval] { sweeper_loop(sweep_interval); }) {}

Store::~Store() {
  {
    std::lock_guard lock(sweeper_mutex_);
    stopping_ = true;
  }
  sweeper_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

void Store::sweeper_loop(std::chrono::milliseconds interval) {
  std::unique_lock lock(sweeper_mutex_);
  while (!stopping_) {
    if (sweeper_cv_.wait_for(lock, interval, [this] { return stopping_; })) break;
    lock.unlock();
    sweep(Clock::now());
    lock.lock();
  }
}

bool Store::add_client(std::shared_ptr<const Client> client) {
  std::string id = client->client_id;
  return clients_.insert(id, {std::move(client), false, Clock::now()});
}

RegisterOutcome Store::register_client(std::shared_ptr<const Client> client, size_t max_clients) {
  std::lock_guard lock(registration_mutex_);
  RegisterOutcome out;
  // The taken-id check comes first so that a refused id never costs another client its place.
  const bool taken =
      clients_.with(client->client_id, [](ClientEntry* found) { return found != nullptr; });
  if (taken) return {RegisterStatus::IdTaken};
  const Clock::time_point now = Clock::now();
  while (registered_ >= std::max<size_t>(max_clients, 1))
    if (!evict_one(now, out.retry_after)) return {RegisterStatus::Full, out.retry_after};
  std::string id = client->client_id;
  if (!clients_.insert(id, {std::move(client), true, now})) return {RegisterStatus::IdTaken};
  ++registered_;
  return out;
}

size_t Store::registered_clients() {
  std::lock_guard lock(registration_mutex_);
  return registered_;
}

bool Store::evict_one(Clock::time_point now, std::chrono::seconds& retry_after) {
  // A scan, not an ordered index: it only runs at the cap, and keeps find_client, which every
  // request makes, down to one shard lock and a time stamp.
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string victim;
    Clock::time_point oldest = Clock::time_point::max();
    Clock::time_point first_free = Clock::time_point::max();
    clients_.for_each([&](const std::string& id, const ClientEntry& entry) {
      if (!entry.registered) return;
      if (entry.busy_until > now) {
        first_free = std::min(first_free, entry.busy_until);
      } else if (entry.last_used < oldest) {
        oldest = entry.last_used;
        victim = id;
      }
    });
    if (victim.empty()) {
      retry_after = first_free == Clock::time_point::max()
                        ? std::chrono::seconds(1)
                        : std::max(std::chrono::seconds(1),
                                   std::chrono::ceil<std::chrono::seconds>(first_free - now));
      return false;
    }
    // It may have been handed a code since the scan; then look again.
    if (clients_.erase_if(victim,
                          [&](const ClientEntry& entry) { return entry.busy_until <= now; })) {
      --registered_;
      return true;
    }
  }
  retry_after = std::chrono::seconds(1);
  return false;
}

std::shared_ptr<const Client> Store::find_client(const std::string& client_id) {
  return clients_.with(client_id, [](ClientEntry* found) {
    if (!found) return std::shared_ptr<const Client>{};
    found->last_used = Clock::now();
    return found->client;
  });
}

void Store::mark_busy(const std::string& client_id, Clock::time_point until) {
  clients_.with(client_id, [&](ClientEntry* found) {
    if (found) found->busy_until = std::max(found->busy_until, until);
  });
}

void Store::add_code(const std::string& code, AuthorizationCode record) {
  mark_busy(record.client_id, record.expires_at);
  grants_.with_or_create(record.grant_id, [&](Grant& grant) {
    grant.expires_at = std::max(grant.expires_at, record.expires_at);
  });
  codes_.insert(code, std::move(record));
}

Redemption<AuthorizationCode>
Store::redeem_code(const std::string& code, bool single_use,
                   const std::function<bool(const AuthorizationCode&)>& accept) {
  Clock::time_point now = Clock::now();
  return codes_.with(code, [&](AuthorizationCode* found) {
    Redemption<AuthorizationCode> out;
    if (!found) return out;
    out.record = *found;
    const bool replay = single_use && found->used;
    if (found->expires_at <= now)
      out.status = RedeemStatus::Expired;
    else if (!accept(*found))
      out.status = replay ? RedeemStatus::ReplayRejected : RedeemStatus::Rejected;
    else if (replay)
      out.status = RedeemStatus::Replayed;
    else {
      if (single_use) found->used = true;
      out.status = RedeemStatus::Redeemed;
    }
    return out;
  });
}

std::optional<AuthorizationCode> Store::find_code(const std::string& code) {
  Clock::time_point now = Clock::now();
  return codes_.with(code, [&](AuthorizationCode* found) -> std::optional<AuthorizationCode> {
    if (!found || found->expires_at <= now) return std::nullopt;
    return *found;
  });
}

Redemption<TokenRecord>
Store::redeem_refresh_token(const std::string& token, RefreshRotation rotation,
                            const std::function<bool(const TokenRecord&)>& accept) {
  Clock::time_point now = Clock::now();
  return refresh_tokens_.with(token, [&](TokenRecord* found) {
    Redemption<TokenRecord> out;
    if (!found) return out;
    out.record = *found;
    if (found->expires_at <= now)
      out.status = RedeemStatus::Expired;
    else if (found->rotated && rotation.refuse_rotated)
      out.status = RedeemStatus::Replayed;
    else if (!accept(*found))
      out.status = RedeemStatus::Rejected;
    else {
      if (rotation.rotate) found->rotated = true;
      out.status = RedeemStatus::Redeemed;
    }
    return out;
  });
}

bool Store::issue_tokens(NewTokens tokens) {
  // Lock order is always grant shard, then token shard (revoke_grant does the same), so holding
  // the grant lock while inserting closes the race with a concurrent revocation. The grant key
  // is copied because the records it lives in are moved into the maps below.
  const std::string grant_id = tokens.access.grant_id;
  mark_busy(tokens.access.client_id,
            tokens.refresh_token.empty()
                ? tokens.access.expires_at
                : std::max(tokens.access.expires_at, tokens.refresh.expires_at));
  return grants_.with_or_create(grant_id, [&](Grant& grant) {
    if (grant.revoked) return false;
    grant.expires_at = std::max(grant.expires_at, tokens.access.expires_at);
    grant.access_tokens.push_back(tokens.access_token);
    access_tokens_.insert(std::move(tokens.access_token), std::move(tokens.access));
    if (!tokens.refresh_token.empty()) {
      grant.expires_at = std::max(grant.expires_at, tokens.refresh.expires_at);
      grant.refresh_tokens.push_back(tokens.refresh_token);
      refresh_tokens_.insert(std::move(tokens.refresh_token), std::move(tokens.refresh));
    }
    return true;
  });
}

void Store::revoke_grant(const std::string& grant_id) {
  grants_.with_or_create(grant_id, [&](Grant& grant) {
    grant.revoked = true;
    for (const std::string& token : grant.access_tokens)
      access_tokens_.erase(token);
    for (const std::string& token : grant.refresh_tokens)
      refresh_tokens_.erase(token);
    grant.access_tokens.clear();
    grant.refresh_tokens.clear();
  });
}

void Store::revoke_refresh_tokens(const std::string& grant_id) {
  grants_.with(grant_id, [&](Grant* grant) {
    if (!grant) return;
    for (const std::string& token : grant->refresh_tokens)
      refresh_tokens_.erase(token);
    grant->refresh_tokens.clear();
  });
}

void Store::revoke_access_token(const std::string& token) {
  // The grant keeps listing the value; erasing a missing key later is harmless.
  access_tokens_.erase(token);
}

std::optional<TokenRecord> Store::find_access_token(const std::string& token) {
  Clock::time_point now = Clock::now();
  return access_tokens_.with(token, [&](TokenRecord* found) -> std::optional<TokenRecord> {
    if (!found || found->expires_at <= now) return std::nullopt;
    return *found;
  });
}

std::optional<TokenRecord> Store::find_refresh_token(const std::string& token) {
  Clock::time_point now = Clock::now();
  return refresh_tokens_.with(token, [&](TokenRecord* found) -> std::optional<TokenRecord> {
    if (!found || found->expires_at <= now) return std::nullopt;
    return *found;
  });
}

void Store::sweep(Clock::time_point now) {
  // In expiry order: a sweep costs what expired, however many live tokens a long load left.
  codes_.erase_expired(now);
  access_tokens_.erase_expired(now);
  refresh_tokens_.erase_expired(now);
  // A grant outlives all its codes and tokens, so dropping it cannot orphan a live token.
  grants_.erase_expired(now);
}

} // namespace refserver
