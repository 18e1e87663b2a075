// How codes and tokens are minted: their random values and the access token lifetime, in one
// place so the weak-tokens and long-lived-access-tokens faults reach every issuer.
#pragma once

#include "options.h"

#include <chrono>
#include <string>
#include <utility>

namespace refserver {

// A fresh authorization code, access token or refresh token value: 256 random bits, base64url
// (only 64 under the weak-tokens fault).
std::string new_token_value(const ServerOptions& options);

// Two such values (an access and a refresh token) from one draw of the CSPRNG: every RAND_bytes
// call has a fixed cost (the DRBG's parameter handling and a getpid() fork check) several times
// that of generating 32 bytes.
std::pair<std::string, std::string> new_token_pair(const ServerOptions& options);

// The lifetime of a newly issued access token (one day under long-lived-access-tokens).
std::chrono::seconds access_token_lifetime(const ServerOptions& options);

} // namespace refserver
