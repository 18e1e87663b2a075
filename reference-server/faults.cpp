// The one fault table: names and the requirement each fault breaks.
#include "faults.h"

#include <stdexcept>

namespace refserver {

const std::vector<FaultInfo>& fault_table() {
  static const std::vector<FaultInfo> table = {
      {Fault::PkcePlainAccepted, "pkce-plain-accepted",
       "only S256 is offered and accepted; plain or a missing method is refused (OAuth 2.1 "
       "§4.1.1, RFC 9700 §2.1.1)"},
      {Fault::PkceVerificationSkipped, "pkce-verification-skipped",
       "the token endpoint requires code_verifier and checks it against the challenge "
       "(RFC 7636 §4.6, OAuth 2.1 §4.1.3)"},
      {Fault::PkceChallengeOptional, "pkce-challenge-optional",
       "authorization requests without code_challenge are refused (OAuth 2.1 §4.1.1)"},
      {Fault::PkceMethodCaseInsensitive, "pkce-method-case-insensitive",
       "code_challenge_method is matched case-sensitively: only exactly S256 (RFC 7636 §4.3)"},
      {Fault::PkceMethodIgnored, "pkce-method-ignored",
       "code_challenge_method is validated and its absence means plain (RFC 7636 §4.3)"},
      {Fault::CodesReusable, "codes-reusable",
       "authorization codes are single use; a replay is refused and revokes the tokens issued "
       "from the code (OAuth 2.1 §4.1.3, RFC 6749 §4.1.2)"},
      {Fault::CodeNotBoundToClient, "code-not-bound-to-client",
       "a code is redeemable only by the client it was issued to (OAuth 2.1 §4.1.3)"},
      {Fault::TokenRedirectUriUnchecked, "token-redirect-uri-unchecked",
       "a redirect_uri sent to the token endpoint must equal the one of the authorization "
       "request (RFC 6749 §4.1.3)"},
      {Fault::TokenTypeLowercase, "token-type-lowercase",
       "token_type is spelled \"Bearer\" as registered (RFC 6750 §6.1.1)"},
      {Fault::NoCacheControl, "no-cache-control",
       "token responses carry Cache-Control: no-store (OAuth 2.1 §3.2.3, RFC 6749 §5.1)"},
      {Fault::ExpiresInString, "expires-in-string", "expires_in is a JSON number (RFC 6749 §5.1)"},
      {Fault::TokenErrorsPlainText, "token-errors-plain-text",
       "token error responses are application/json objects with an error member "
       "(RFC 6749 §5.2)"},
      {Fault::UnsupportedGrantNonstandardCode, "unsupported-grant-nonstandard-code",
       "an unknown grant_type yields the registered error code unsupported_grant_type "
       "(RFC 6749 §5.2)"},
      {Fault::DcrStatus200, "dcr-status-200",
       "a successful dynamic client registration answers 201 Created (RFC 7591 §3.2.1)"},
      {Fault::MetadataNoPkceMethods, "metadata-no-pkce-methods",
       "metadata lists code_challenge_methods_supported (RFC 8414 §2, MCP authorization)"},
      {Fault::MetadataIssuerTrailingSlash, "metadata-issuer-trailing-slash",
       "the metadata issuer is identical to the issuer the metadata URL was built from "
       "(RFC 8414 §3.3, RFC 9207 §2.4)"},
      {Fault::MetadataEmptyArray, "metadata-empty-array",
       "metadata members with zero elements are omitted (RFC 8414 §3.2)"},
      {Fault::MetadataAdvertisesRemovedFlows, "metadata-advertises-removed-flows",
       "metadata does not advertise the implicit or password grants removed by OAuth 2.1 "
       "(OAuth 2.1 §10, RFC 9700 §2.1.2)"},
      {Fault::MetadataDeadEndpoint, "metadata-dead-endpoint",
       "every endpoint advertised in metadata is actually served (RFC 8414 §2)"},
  };
  return table;
}

std::optional<Fault> fault_from_name(std::string_view name) {
  for (const FaultInfo& info : fault_table())
    if (info.name == name) return info.fault;
  return std::nullopt;
}

std::string_view fault_name(Fault fault) {
  for (const FaultInfo& info : fault_table())
    if (info.fault == fault) return info.name;
  // Only reachable if someone adds an enumerator without a table row.
  throw std::logic_error("fault missing from fault_table()");
}

} // namespace refserver
