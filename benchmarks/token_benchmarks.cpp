// The reference server's token path without HTTP: minting an opaque token, building the token
// response body, and the whole authorization_code redemption (client identification, PKCE,
// single-use marking, token issuance and storage) through TokenService::token, alone and from
// two threads at once so that lock contention in the store shows up as lost throughput.
#include "client_directory.h"
#include "core/base64url.h"
#include "core/pkce.h"
#include "options.h"
#include "store.h"
#include "token_endpoint.h"
#include "token_minting.h"

#include <benchmark/benchmark.h>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace refserver;

constexpr char kClientId[] = "bench-public-client";
constexpr char kRedirectUri[] = "http://127.0.0.1:9/callback";
constexpr char kBaseUrl[] = "http://127.0.0.1:9";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

void BM_TokenMint(benchmark::State& state) {
  const ServerOptions options;
  for (auto _ : state) {
    std::string token = new_token_value(options);
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TokenMint);

void BM_TokenResponseJson(benchmark::State& state) {
  const ServerOptions options;
  const std::string access = new_token_value(options);
  const std::string refresh = new_token_value(options);
  const TokenResponseFields fields{.access_token = access,
                                   .expires_in = options.access_token_lifetime,
                                   .refresh_token = refresh,
                                   .scope = "mcp:tools"};
  for (auto _ : state) {
    std::string body = token_response_body(options, fields);
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TokenResponseJson);

// The token endpoint's collaborators wired as server.cpp wires them. No client metadata fetcher:
// the benchmark client is registered, and registered clients are found before any fetch.
// Nothing expires within a run, so the store grows by a code, a grant and two tokens per
// redemption, as the server's does under load: the figure includes that hash-map growth, and
// a longer run (a larger --benchmark_min_time) measures a larger store.
struct TokenEndpoint {
  ServerOptions options;
  Store store;
  ClientDirectory clients{options, store, nullptr};
  TokenService service{options, store, clients, kBaseUrl};
  std::string challenge = oauth::s256_challenge(kVerifier);

  TokenEndpoint() {
    // A public client as dynamic registration creates one for an MCP client.
    auto client = std::make_shared<Client>();
    client->client_id = kClientId;
    client->auth_method = "none";
    client->redirect_uris = {kRedirectUri};
    client->grant_types = {"authorization_code", "refresh_token"};
    client->response_types = {"code"};
    client->scope = "mcp:tools";
    store.add_client(std::move(client));
  }

  // What the authorization endpoint stores when it approves a request (AuthorizationService::
  // approve), under a fresh code and grant.
  std::string add_code() {
    AuthorizationCode record;
    record.client_id = kClientId;
    record.redirect_uri = kRedirectUri;
    record.redirect_uri_sent = true;
    record.code_challenge = challenge;
    record.code_challenge_method = "S256";
    record.scope = "mcp:tools";
    record.subject = "alice";
    record.grant_id = oauth::random_base64url(16);
    record.expires_at = Clock::now() + options.code_lifetime;
    std::string code = new_token_value(options);
    store.add_code(code, std::move(record));
    return code;
  }
};

// One per run of the benchmark function: thread 0 replaces it before the timed loop, and the
// library's start barrier orders that before any other thread's first use. It is not removed
// at the end of a run: a thread that skips with an error leaves the loop without waiting for
// the others, which may still be using it.
std::unique_ptr<TokenEndpoint> endpoint;

// Codes are created outside the timing in batches this large, so that pausing the timers (two
// clock reads each way) stays a small fraction of the time measured.
constexpr size_t kCodeBatch = 2048;

void BM_CodeRedeem(benchmark::State& state) {
  if (state.thread_index() == 0) endpoint = std::make_unique<TokenEndpoint>();
  std::vector<std::string> codes;
  size_t next = 0;
  TokenRequest request;
  request.params = {{"grant_type", "authorization_code"},
                    {"code", ""},
                    {"redirect_uri", kRedirectUri},
                    {"code_verifier", kVerifier},
                    {"client_id", kClientId}};
  std::string& code = request.params[1].second;

  for (auto _ : state) {
    if (next == codes.size()) {
      state.PauseTiming();
      codes.clear();
      for (size_t i = 0; i < kCodeBatch; ++i)
        codes.push_back(endpoint->add_code());
      next = 0;
      state.ResumeTiming();
    }
    code = codes[next++];
    HttpResponse response = endpoint->service.token(request);
    if (response.status != 200) {
      state.SkipWithError(("redemption refused: " + response.body).c_str());
      break;
    }
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CodeRedeem)->Threads(1)->Threads(2)->UseRealTime();

} // namespace

// One pass of the store's once-a-second sweeper over a store holding `range(0)` live grants
// (each with an access and a refresh token) of which none has expired: what every second of a
// long load costs the server. The expiry order makes it independent of the live entries.
void BM_StoreSweepLive(benchmark::State& state) {
  Store store(std::chrono::hours(1)); // its own sweeper stays out of the way
  const ServerOptions options;
  const auto later = Clock::now() + std::chrono::hours(1);
  for (int64_t i = 0; i < state.range(0); ++i) {
    NewTokens tokens;
    tokens.access_token = new_token_value(options);
    tokens.refresh_token = new_token_value(options);
    tokens.access.grant_id = tokens.refresh.grant_id = "grant-" + std::to_string(i);
    tokens.access.expires_at = tokens.refresh.expires_at = later;
    store.issue_tokens(std::move(tokens));
  }
  for (auto _ : state)
    store.sweep(Clock::now());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreSweepLive)->Arg(1000)->Arg(100000);
