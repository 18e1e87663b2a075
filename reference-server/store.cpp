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
  return clients_.insert(id, std::move(client));
}

std::shared_ptr<const Client> Store::find_client(const std::string& client_id) {
  return clients_.with(client_id, [](std::shared_ptr<const Client>* found) {
    return found ? *found : std::shared_ptr<const Client>{};
  });
}

void Store::add_code(const std::string& code, AuthorizationCode record) {
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
