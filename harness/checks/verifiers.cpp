#include "checks/verifiers.h"

#include "checks/check.h"
#include "http/redaction.h"

#include <algorithm>
#include <array>

namespace conformance {
namespace {

constexpr std::array<std::string_view, 6> kTokenErrors = {
    "invalid_request",     "invalid_client",         "invalid_grant",
    "unauthorized_client", "unsupported_grant_type", "invalid_scope"};
constexpr std::array<std::string_view, 7> kAuthorizationErrors = {
    "invalid_request", "unauthorized_client", "access_denied",          "unsupported_response_type",
    "invalid_scope",   "server_error",        "temporarily_unavailable"};
// Registered extension codes (IANA OAuth Extensions Error Registry) that OAuth servers use.
constexpr std::array<std::string_view, 9> kExtensionErrors = {"invalid_target",
                                                              "invalid_dpop_proof",
                                                              "use_dpop_nonce",
                                                              "login_required",
                                                              "consent_required",
                                                              "interaction_required",
                                                              "account_selection_required",
                                                              "invalid_authorization_details",
                                                              "unsupported_token_type"};

template <size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view code) {
  return std::find(set.begin(), set.end(), code) != set.end();
}

std::optional<std::string> error_code(const HttpResponse& response) {
  auto doc = response.json();
  if (!doc || !doc->is_object() || !doc->contains("error") || !(*doc)["error"].is_string())
    return std::nullopt;
  return (*doc)["error"].get<std::string>();
}

// ERR-02: unknown codes are a warning (the catalogue's verdict), whatever the row's level.
void judge_error_vocabulary(const std::string& kind, const std::string& code, bool registered) {
  if (registered)
    pass("ERR-02", kind + " '" + code + "' is defined");
  else
    violation("ERR-02",
              kind + " '" + code + "' is neither an OAuth 2.1 code nor a registered extension",
              Level::Should);
}

std::string expected_codes(const std::vector<std::string>& codes) {
  return codes.empty() ? std::string("an OAuth error") : "error " + join(codes, " or ");
}

bool names(const std::vector<std::string>& codes, const std::string& code) {
  return codes.empty() || std::find(codes.begin(), codes.end(), code) != codes.end();
}

// A refusal with another error code than the row names: the refusal is what the row's MUST
// protects, so it passes; the code is judged apart, at SHOULD (or the row's own level, if
// weaker), since the client at least learnt that it was refused.
void judge_other_code(std::string_view requirement, const std::string& refusal,
                      const std::vector<std::string>& codes, const std::string& code,
                      std::string_view what, Comparison compared) {
  pass(requirement, "refused (" + refusal + ") " + std::string(what));
  violation(requirement,
            "refused " + std::string(what) + " with error=" + code + " where " +
                expected_codes(codes) + " is the defined answer",
            std::move(compared), std::max(level_of(requirement), Level::Should));
}

} // namespace

bool is_registered_token_error(std::string_view code) {
  return contains(kTokenErrors, code) || contains(kExtensionErrors, code);
}
bool is_registered_authorization_error(std::string_view code) {
  return contains(kAuthorizationErrors, code) || contains(kExtensionErrors, code);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? std::string(separator) : "") + items[i];
  return out;
}

std::string quote(const HttpResponse& response, size_t body_chars) {
  if (!response.answered()) return response.summary();
  std::string body = redactor().redact_body(response.body, response.media_type());
  for (char& c : body)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (body.size() > body_chars) body = body.substr(0, body_chars) + "...";
  return response.summary() + (body.empty() ? "" : " " + body);
}

void judge_error_characters(std::string_view where, const std::optional<std::string>& error,
                            std::optional<std::string> description,
                            std::optional<std::string> uri) {
  // An optional member sent empty is one left out (OAuth 2.1 §3.1 treats empty parameters as
  // absent), not one made of forbidden characters.
  if (description && description->empty()) description.reset();
  if (uri && uri->empty()) uri.reset();
  auto allowed = [](const std::string& text, bool space_allowed) {
    if (text.empty()) return false;
    for (unsigned char c : text)
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || (c == ' ' && !space_allowed))
        return false;
    return true;
  };
  std::vector<std::string> bad;
  if (error && !allowed(*error, true)) bad.push_back("error");
  if (description && !allowed(*description, true)) bad.push_back("error_description");
  if (uri && !allowed(*uri, false)) bad.push_back("error_uri");
  if (!error && !description && !uri) return;
  if (bad.empty())
    pass("ERR-03", std::string(where) + ": error fields use the allowed characters");
  else
    violation("ERR-03",
              std::string(where) + ": " + join(bad) +
                  " has characters outside printable ASCII or a quote or backslash" +
                  (description ? " (error_description: " + description->substr(0, 80) + ")" : ""));
}

void judge_token_error_format(const HttpResponse& response) {
  if (!response.answered() || response.status / 100 == 2) return;
  auto code = error_code(response);
  if (auto doc = response.json(); doc && doc->is_object()) {
    auto member = [&](const char* name) -> std::optional<std::string> {
      if (doc->contains(name) && (*doc)[name].is_string()) return (*doc)[name].get<std::string>();
      return std::nullopt;
    };
    judge_error_characters("a token error", member("error"), member("error_description"),
                           member("error_uri"));
  }
  std::vector<std::string> problems;
  bool client_auth_failure = code && *code == "invalid_client";
  if (response.status != 400 && !(client_auth_failure && response.status == 401))
    problems.push_back("status " + std::to_string(response.status) + " (expected 400" +
                       std::string(client_auth_failure ? " or 401" : "") + ")");
  if (!response.is_json_media_type())
    problems.push_back("media type '" + response.media_type() + "' (expected application/json)");
  auto doc = response.json();
  if (!doc || !doc->is_object())
    problems.push_back("the body is not a JSON object");
  else if (!code)
    problems.push_back("no string 'error' member");
  if (problems.empty())
    pass("ERR-01", "token error is a JSON object with error=" + *code + " (HTTP " +
                       std::to_string(response.status) + ")");
  else
    violation("ERR-01",
              "token error response has " + join(problems, "; ") + ": " + quote(response));
  if (code) judge_error_vocabulary("token error", *code, is_registered_token_error(*code));
}

void expect_token_error(const HttpResponse& response, std::string_view requirement,
                        const std::vector<std::string>& codes, std::string_view what) {
  std::string expected = "expected " + expected_codes(codes) + " for " + std::string(what);
  Comparison compared{"HTTP 4xx with " + expected_codes(codes), ""};
  if (!response.answered()) {
    compared.actual = response.summary();
    violation(requirement, expected + "; got " + compared.actual, compared);
    return;
  }
  if (response.status / 100 == 2) {
    auto doc = response.json();
    bool token = doc && doc->is_object() && doc->contains("access_token");
    compared.actual =
        "HTTP " + std::to_string(response.status) + (token ? " with an access token" : "");
    violation(requirement, expected + "; got " + compared.actual, compared);
    return;
  }
  judge_token_error_format(response);
  if (response.status >= 500) {
    compared.actual = quote(response);
    violation(requirement, expected + "; got a server error: " + compared.actual, compared);
    return;
  }
  if (response.status < 400) {
    compared.actual = quote(response);
    violation(requirement, expected + "; got " + compared.actual, compared);
    return;
  }
  auto code = error_code(response);
  if (!code) {
    // Refused, which is what the row protects; the unreadable format is ERR-01's verdict.
    pass(requirement, "refused with HTTP " + std::to_string(response.status) +
                          " (no readable error code; see ERR-01)");
    return;
  }
  compared.actual = "HTTP " + std::to_string(response.status) + " error=" + *code;
  if (names(codes, *code))
    pass(requirement, "refused with " + compared.actual);
  else
    judge_other_code(requirement, compared.actual, codes, *code, "for " + std::string(what),
                     compared);
}

std::optional<nlohmann::json> expect_token_success(const HttpResponse& response,
                                                   std::string_view requirement,
                                                   std::string_view what) {
  std::string expected = "expected HTTP 200 with a JSON token response for " + std::string(what);
  auto doc = response.json();
  if (response.status != 200 || !doc || !doc->is_object() || !doc->contains("access_token")) {
    violation(requirement, expected + "; got " + quote(response),
              Comparison{"HTTP 200 with a JSON token response", quote(response)});
    return std::nullopt;
  }
  return doc;
}

nlohmann::json require_token_success(const HttpResponse& response, std::string_view what) {
  auto doc = response.json();
  if (response.status != 200 || !doc || !doc->is_object() || !doc->contains("access_token"))
    cannot_run("prerequisite failed: " + std::string(what) +
               " did not return tokens: " + quote(response));
  return *doc;
}

void expect_authorization_error(const AuthorizationResult& result, std::string_view requirement,
                                const std::vector<std::string>& codes, std::string_view what) {
  std::string expected = "expected a redirect to the client with " + expected_codes(codes) +
                         " for " + std::string(what);
  using Ending = AuthorizationResult::Ending;
  if (result.reached_client()) {
    if (result.code() || result.param("access_token")) {
      violation(requirement, expected + "; the server " + result.describe());
      return;
    }
    auto error = result.error();
    judge_error_characters("an authorization error redirect", error,
                           result.param("error_description"), result.param("error_uri"));
    if (error)
      judge_error_vocabulary("authorization error", *error,
                             is_registered_authorization_error(*error));
    Comparison compared{"a redirect to the client with " + expected_codes(codes),
                        result.describe()};
    if (error && names(codes, *error))
      pass(requirement, "refused: " + result.describe());
    else if (error)
      judge_other_code(requirement, "error=" + *error, codes, *error, "for " + std::string(what),
                       compared);
    else
      violation(requirement, expected + "; the server " + result.describe(), compared);
    return;
  }
  // The server's own error page refuses too: RFC 9700 §4.11.2 lets a server decline to send the
  // user agent back automatically. Which error code it had in mind cannot be judged then.
  if (result.ending == Ending::StoppedAtServer && result.last_response.status >= 400 &&
      result.last_response.status < 500) {
    pass(requirement, "refused with the server's own error page (no redirect, so no error code "
                      "to judge): " +
                          quote(result.last_response, 80));
    return;
  }
  // A driver that failed on a page (a sign-in it could not complete) saw no answer to judge.
  if (result.ending == Ending::DriverFailed)
    cannot_run("no verdict for " + std::string(what) + ": " + result.describe());
  violation(requirement, expected + "; the request " + result.describe());
}

void require_server_answer(const AuthorizationResult& result, std::string_view what) {
  using Ending = AuthorizationResult::Ending;
  if (result.ending == Ending::DriverFailed || result.ending == Ending::NoResponse)
    cannot_run("no verdict on " + std::string(what) + ": " + result.describe());
}

void expect_no_redirect_to_client(const AuthorizationResult& result, std::string_view requirement,
                                  const std::string& sent_redirect_uri, std::string_view what,
                                  std::optional<Level> level) {
  std::string prefix = "for " + std::string(what) + ": ";
  for (const auto& location : result.locations) {
    if (location.rfind(sent_redirect_uri, 0) == 0 || same_origin(location, sent_redirect_uri)) {
      violation(requirement,
                prefix + "the server sent the user agent to the unregistered URI (" +
                    redactor().redact_url(location) + ")",
                level);
      return;
    }
  }
  if (result.ending == AuthorizationResult::Ending::NoResponse) {
    violation(requirement, prefix + "expected an error page; " + result.describe(), level);
    return;
  }
  // A driver that failed saw nothing: no verdict can rest on that.
  if (result.ending == AuthorizationResult::Ending::DriverFailed)
    cannot_run(prefix + "the driver failed: " + result.describe());
  pass(requirement, "refused without redirecting to the client: " + result.describe());
}

void judge_registration_error_format(const HttpResponse& response) {
  if (!response.answered() || response.status / 100 == 2) return;
  std::vector<std::string> problems;
  if (response.status != 400)
    problems.push_back("status " + std::to_string(response.status) + " (expected 400)");
  if (!response.is_json_media_type())
    problems.push_back("media type '" + response.media_type() + "'");
  auto doc = response.json();
  if (!doc || !doc->is_object())
    problems.push_back("the body is not a JSON object");
  else {
    if (!doc->contains("error") || !(*doc)["error"].is_string())
      problems.push_back("no string 'error' member");
    if (doc->contains("error_description") && !(*doc)["error_description"].is_string())
      problems.push_back("error_description is not a string");
  }
  if (problems.empty())
    pass("DCR-08", "registration error is a 400 JSON object with an error code");
  else
    violation("DCR-08",
              "registration error response has " + join(problems, "; ") + ": " + quote(response));
}

void expect_registration_error(const HttpResponse& response, std::string_view requirement,
                               const std::vector<std::string>& preferred, std::string_view what,
                               std::optional<Level> level) {
  std::string expected = "expected 400 " + expected_codes(preferred) + " for " + std::string(what);
  if (!response.answered() || response.status >= 500) {
    violation(requirement, expected + "; got " + quote(response), level);
    return;
  }
  if (response.status / 100 == 2) {
    violation(requirement,
              expected + "; the registration was accepted (HTTP " +
                  std::to_string(response.status) + ")",
              level);
    return;
  }
  judge_registration_error_format(response);
  auto code = error_code(response);
  if (!code) {
    // Refused, which is what the row protects; the unreadable format is DCR-08's verdict.
    pass(requirement, "refused with HTTP " + std::to_string(response.status) +
                          " (no readable error code; see DCR-08)");
    return;
  }
  if (std::find(preferred.begin(), preferred.end(), *code) != preferred.end())
    pass(requirement, "refused with HTTP " + std::to_string(response.status) + " error=" + *code);
  else
    violation(requirement, "refused, but " + expected + "; got error=" + *code,
              Comparison{"HTTP 400 with " + expected_codes(preferred),
                         "HTTP " + std::to_string(response.status) + " error=" + *code},
              Level::Should);
}

std::vector<std::string> issuer_problems(const nlohmann::json& doc, const std::string& expected) {
  std::vector<std::string> problems;
  if (!doc.contains("issuer") || !doc["issuer"].is_string()) return {"no string 'issuer' member"};
  std::string issuer = doc["issuer"].get<std::string>();
  if (issuer != expected)
    problems.push_back("issuer '" + issuer + "' is not exactly '" + expected +
                       "', the issuer the URL was built from");
  if (issuer.find_first_of("?#") != std::string::npos)
    problems.push_back("issuer has a query or fragment");
  return problems;
}

std::vector<std::string> required_member_problems(const nlohmann::json& doc) {
  std::vector<std::string> problems;
  for (const char* member : {"issuer", "authorization_endpoint", "token_endpoint"})
    if (!doc.contains(member) || !doc[member].is_string() || doc[member].get<std::string>().empty())
      problems.push_back(std::string("'") + member + "' missing or not a string");
  auto rt = doc.find("response_types_supported");
  if (rt == doc.end() || !rt->is_array())
    problems.push_back("'response_types_supported' missing or not an array");
  else if (std::find(rt->begin(), rt->end(), "code") == rt->end())
    problems.push_back("'response_types_supported' does not include \"code\"");
  return problems;
}

} // namespace conformance
