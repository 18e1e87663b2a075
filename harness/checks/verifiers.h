// Small reusable verifiers (DESIGN.md convention 4): each judges one kind of
// response against the pass criterion a catalogue row states, and says what was
// expected and what came back.
#pragma once

#include "checks/catalogue.h"
#include "drivers/authorization_driver.h"
#include "http/http_client.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

// The error codes OAuth 2.1 §3.2.4 / §4.1.2.1 define, plus registered extensions.
bool is_registered_token_error(std::string_view code);
bool is_registered_authorization_error(std::string_view code);

// A token request that must be refused: `requirement` passes on a 4xx whose `error` is
// one of `codes` (any code when empty); it fails when a token is issued, on a 5xx or no
// response, or on another error code. Every error seen is also judged for format
// (ERR-01) and vocabulary (ERR-02).
void expect_token_error(const HttpResponse& response, std::string_view requirement,
                        const std::vector<std::string>& codes, std::string_view what);

// Judges the format of a token endpoint error response (ERR-01, ERR-02, ERR-03).
void judge_token_error_format(const HttpResponse& response);

// ERR-03: error and error_description are printable ASCII without double quote and backslash,
// error_uri the same without spaces (OAuth 2.1 draft-13 §3.2.4, §4.1.2.1). `where` names the
// response.
void judge_error_characters(std::string_view where, const std::optional<std::string>& error,
                            std::optional<std::string> description, std::optional<std::string> uri);

// A token response that must succeed (RFC 6749 §5.1): returns the JSON object, or ends
// the check with a violation of `requirement` saying what came back instead.
std::optional<nlohmann::json> expect_token_success(const HttpResponse& response,
                                                   std::string_view requirement,
                                                   std::string_view what);
// The same, for a prerequisite: a refusal ends the check in error, not in a violation.
nlohmann::json require_token_success(const HttpResponse& response, std::string_view what);

// An authorization request that must be refused: `requirement` passes when the user
// agent is sent to the client with `error` in `codes`, or stops at the server's own 4xx error
// page (allowed: RFC 9700 §4.11.2); a code is a violation, and so is another error code.
// Error codes are also judged for ERR-02 and ERR-03.
void expect_authorization_error(const AuthorizationResult& result, std::string_view requirement,
                                const std::vector<std::string>& codes, std::string_view what);

// A refusal needs a server that answered: when the driver failed (it never got past a page)
// or nothing answered, the check ends in error rather than reading "no code" as a refusal.
void require_server_answer(const AuthorizationResult& result, std::string_view what);

// A request the server must not answer by sending the user agent to `sent_redirect_uri`:
// judged by where the user agent was sent (every Location), not by one status code. An
// HTML error page, a JSON 400 or the server's own error page all pass.
void expect_no_redirect_to_client(const AuthorizationResult& result, std::string_view requirement,
                                  const std::string& sent_redirect_uri, std::string_view what,
                                  std::optional<Level> level = {});

// A registration the server must refuse (RFC 7591 §3.2.2): `requirement` passes on 400
// with `error` = `preferred`; another error code is a SHOULD-level deviation; a 2xx is a
// violation. The error's format is judged under DCR-08.
void expect_registration_error(const HttpResponse& response, std::string_view requirement,
                               const std::vector<std::string>& preferred, std::string_view what,
                               std::optional<Level> level = {});
void judge_registration_error_format(const HttpResponse& response);

// Authorization server metadata (RFC 8414 §2, §3.3): problems with `issuer` against the issuer
// the well-known URL was built from (META-03), and missing required members (META-04).
std::vector<std::string> issuer_problems(const nlohmann::json& doc, const std::string& expected);
std::vector<std::string> required_member_problems(const nlohmann::json& doc);

// Quotes a response for a message: status, media type and the start of the body.
std::string quote(const HttpResponse& response, size_t body_chars = 160);
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

} // namespace conformance
