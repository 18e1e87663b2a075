// In-memory state of the reference server: registered clients, authorization codes, access and
// refresh tokens, and the grants that tie tokens to the code they descend from (so a code replay
// or a refresh token reuse can revoke the whole family). A background thread drops expired
// entries; dynamically registered clients are capped, the least recently used idle one making
// room for a new one.
#pragma once

#include "sharded_map.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace refserver {

using Clock = std::chrono::steady_clock;

struct Client {
  std::string client_id;
  std::string auth_method; // none, client_secret_post or client_secret_basic
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grant_types;
  std::vector<std::string> response_types;
  std::string scope;
  std::string client_name; // shown on the consent page; may be empty
  // SHA-256 of the secret; empty for public clients. Comparing digests keeps the comparison
  // constant-time and independent of the presented secret's length.
  std::string secret_digest;

  bool is_confidential() const { return !secret_digest.empty(); }
  bool allows_grant(std::string_view grant_type) const;
  bool allows_response_type(std::string_view response_type) const;
  bool secret_matches(std::string_view presented) const;
  static std::string digest_secret(std::string_view secret);
};

struct AuthorizationCode {
  std::string client_id;
  std::string redirect_uri;          // where the response went: as sent, or the registered default
  bool redirect_uri_sent = false;    // whether the authorization request carried redirect_uri
  std::string code_challenge;        // empty only under the pkce-challenge-optional fault
  std::string code_challenge_method; // "S256", or "plain" under pkce-plain-accepted
  std::string scope;
  std::vector<std::string> resources;
  std::string subject;
  std::string grant_id; // family shared by every token descended from this code
  Clock::time_point expires_at;
  bool used = false;
};

struct TokenRecord {
  std::string client_id;
  std::string subject; // empty for client_credentials
  std::string scope;   // for refresh tokens: the scope of the original grant
  // Access tokens: the audience (RFC 8707). Refresh tokens: every resource of the grant.
  std::vector<std::string> resources;
  std::string grant_id;
  Clock::time_point expires_at;
  std::chrono::system_clock::time_point issued_at; // wall clock, for introspection's iat
  bool rotated = false; // refresh tokens only: already exchanged for a successor
};

// How redeem_refresh_token treats rotation; the defaults are the correct behaviour.
struct RefreshRotation {
  bool rotate = true;         // mark the redeemed token rotated (off: refresh-not-rotated)
  bool refuse_rotated = true; // report a rotated token as Replayed (off: refresh-reuse-allowed)
};

enum class RedeemStatus {
  Redeemed, // accepted and (for single-use items) marked used
  NotFound,
  Expired,
  Replayed,       // already used / rotated: the caller should revoke the grant
  Rejected,       // the caller's accept() said no; nothing was changed
  ReplayRejected, // already used, and accept() said no: refuse, but revoke nothing
};

template <class Record> struct Redemption {
  RedeemStatus status = RedeemStatus::NotFound;
  Record record; // a copy, valid unless NotFound
};

struct NewTokens {
  std::string access_token;
  TokenRecord access;
  std::string refresh_token; // empty when no refresh token is issued
  TokenRecord refresh;
};

// What register_client did.
enum class RegisterStatus {
  Stored,
  IdTaken, // the client_id is already someone's; nothing changed
  Full,    // at the cap, and every registered client still has a live code or token
};

struct RegisterOutcome {
  RegisterStatus status = RegisterStatus::Stored;
  // Full: how long until the first registered client's codes and tokens have all expired.
  std::chrono::seconds retry_after{0};
};

class Store {
public:
  explicit Store(std::chrono::milliseconds sweep_interval = std::chrono::seconds(1));
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // A statically configured client (set up by the program embedding the server): never
  // counted against the registration cap and never evicted. False if the client_id is taken.
  bool add_client(std::shared_ptr<const Client> client);
  // A dynamically registered client (RFC 7591). With `max_clients` registered clients already
  // stored, the least recently used one that holds no live code or token is dropped to make
  // room; when every one holds some, nothing is stored and the outcome is Full.
  RegisterOutcome register_client(std::shared_ptr<const Client> client, size_t max_clients);
  // How many dynamically registered clients are stored.
  size_t registered_clients();
  // Also marks the client used, for the eviction order of register_client.
  std::shared_ptr<const Client> find_client(const std::string& client_id);

  // Also opens the code's grant, so tokens issued later can be revoked together.
  void add_code(const std::string& code, AuthorizationCode record);

  // Looks the code up and, when accept(record) returns true, marks it used, all under the
  // code's shard lock: two concurrent redemptions cannot both succeed. With single_use false
  // (the codes-reusable fault) nothing is marked. accept() also runs for a code already used,
  // so that only a replay that is otherwise valid reports Replayed (OAuth 2.1 §7.5.3: an invalid
  // replay must not let anyone revoke someone else's tokens).
  Redemption<AuthorizationCode>
  redeem_code(const std::string& code, bool single_use,
              const std::function<bool(const AuthorizationCode&)>& accept);

  // Same for refresh tokens: on acceptance the token is marked rotated.
  Redemption<TokenRecord>
  redeem_refresh_token(const std::string& token, RefreshRotation rotation,
                       const std::function<bool(const TokenRecord&)>& accept);

  // A code's record without redeeming it (used ones too; check `used`), or nullopt when unknown
  // or expired.
  std::optional<AuthorizationCode> find_code(const std::string& code);

  // Stores the tokens under their grant (tokens.access.grant_id). Returns false, storing nothing,
  // when the grant was revoked meanwhile (e.g. a concurrent replay of the same code). Taken by
  // value so the token endpoint can move its records in rather than copy them.
  bool issue_tokens(NewTokens tokens);

  // Removes every access and refresh token of the grant and blocks further issuance under it.
  void revoke_grant(const std::string& grant_id);
  // Removes the grant's refresh tokens only (the revocation-keeps-access-tokens fault).
  void revoke_refresh_tokens(const std::string& grant_id);
  // Removes one access token (RFC 7009 §2.1); other tokens of its grant stay valid.
  void revoke_access_token(const std::string& token);

  std::optional<TokenRecord> find_access_token(const std::string& token);
  // Rotated-out refresh tokens are found too, until they expire; check `rotated`.
  std::optional<TokenRecord> find_refresh_token(const std::string& token);

  // Drops everything that expired before `now`. Called by the sweeper; public for tests.
  void sweep(Clock::time_point now);

private:
  struct Grant {
    bool revoked = false;
    std::vector<std::string> access_tokens;
    std::vector<std::string> refresh_tokens;
    Clock::time_point expires_at{};
  };

  struct ClientEntry {
    std::shared_ptr<const Client> client;
    bool registered = false; // dynamically; static clients are never evicted
    Clock::time_point last_used;
    // When the last code or token issued to the client expires; until then it is not evicted
    // (revocation does not shorten it: erring towards keeping a client is harmless).
    Clock::time_point busy_until{};
  };

  void sweeper_loop(std::chrono::milliseconds interval);
  // Records that something issued to client_id lives until `until`.
  void mark_busy(const std::string& client_id, Clock::time_point until);
  // Drops the least recently used idle registered client; false when every one is busy, with
  // `retry_after` set to when the first stops being busy.
  bool evict_one(Clock::time_point now, std::chrono::seconds& retry_after);

  ShardedMap<ClientEntry> clients_;
  // Serialises registrations, so the count, the eviction and the insertion agree.
  std::mutex registration_mutex_;
  size_t registered_ = 0; // guarded by registration_mutex_
  ShardedMap<AuthorizationCode> codes_;
  ShardedMap<TokenRecord> access_tokens_;
  ShardedMap<TokenRecord> refresh_tokens_;
  ShardedMap<Grant> grants_;

  std::mutex sweeper_mutex_;
  std::condition_variable sweeper_cv_;
  bool stopping_ = false;
  std::thread sweeper_;
};

} // namespace refserver
