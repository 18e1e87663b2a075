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
      {Fault::RedirectUriUnvalidated, "redirect-uri-unvalidated",
       "the authorization endpoint only redirects to a URI registered for the client "
       "(OAuth 2.1 §2.3, §4.1.2.1)"},
      {Fault::RedirectUriPrefixMatch, "redirect-uri-prefix-match",
       "redirect URIs are compared with the registration by exact string comparison, not as "
       "prefixes (OAuth 2.1 §2.3.1, RFC 9700 §4.1.3)"},
      {Fault::RedirectUriCaseInsensitive, "redirect-uri-case-insensitive",
       "redirect URIs are compared case-sensitively, character by character (OAuth 2.1 "
       "§2.3.1, RFC 3986 §6.2.1)"},
      {Fault::LoopbackPortExact, "loopback-port-exact",
       "loopback redirect URIs match whatever port the client picks at request time "
       "(RFC 8252 §7.3, OAuth 2.1 §8.4.2)"},
      {Fault::UnknownClientRedirected, "unknown-client-redirected",
       "an unknown client_id gets the server's own error page, never a redirect (OAuth 2.1 "
       "§4.1.2.1)"},
      {Fault::RedirectQueryDropped, "redirect-query-dropped",
       "the query of a registered redirect URI is kept when response parameters are added "
       "(OAuth 2.1 §2.3, §4.1.2)"},
      {Fault::RedirectFirstRegistered, "redirect-first-registered",
       "a client with several redirect URIs that names none is refused, not sent to one the "
       "server picks (OAuth 2.1 §2.3.2)"},
      {Fault::ErrorPageReflectsInput, "error-page-reflects-input",
       "redirect_uri and state are untrusted input and never reflected unescaped (OAuth 2.1 "
       "§7.11, RFC 6749 §10.14)"},
      {Fault::DcrAcceptsHttpRedirect, "dcr-accepts-http-redirect",
       "plain-http redirect URIs are registered only for loopback hosts (OAuth 2.1 §1.5, "
       "RFC 9700 §2.6)"},
      {Fault::DcrAcceptsFragment, "dcr-accepts-fragment",
       "registered redirect URIs are absolute and carry no fragment (OAuth 2.1 §2.3, RFC 6749 "
       "§3.1.2)"},
      {Fault::DcrAcceptsDotlessScheme, "dcr-accepts-dotless-scheme",
       "private-use redirect URI schemes are in reverse domain name form (RFC 8252 §7.1)"},
      {Fault::DcrRedirectUrisOptional, "dcr-redirect-uris-optional",
       "clients using the authorization_code grant must register redirect_uris, so no "
       "authorization response can go to an address the client never registered (RFC 7591 §2, "
       "OAuth 2.1 §2.3.1)"},
      {Fault::RepeatedParametersAccepted, "repeated-parameters-accepted",
       "authorization request parameters must not be repeated; a repeat is invalid_request "
       "(OAuth 2.1 §3.1, RFC 6749 §3.1)"},
      {Fault::EmptyValuesKept, "empty-values-kept",
       "a parameter sent without a value is treated as omitted (OAuth 2.1 §3.1)"},
      {Fault::ResponseTypeMissingUnsupported, "response-type-missing-unsupported",
       "a missing response_type is invalid_request, not unsupported_response_type (OAuth 2.1 "
       "§4.1.2.1)"},
      {Fault::ImplicitGrantHonoured, "implicit-grant-honoured",
       "response_type=token (the implicit grant) is refused: OAuth 2.1 removed it (OAuth 2.1 "
       "§10.1, RFC 9700 §2.1.2)"},
      {Fault::StateDroppedOnError, "state-dropped-on-error",
       "error responses echo the client's state exactly (OAuth 2.1 §4.1.2.1)"},
      {Fault::IssMissing, "iss-missing",
       "every authorization response carries iss when the metadata says so (RFC 9207 §2, "
       "§3)"},
      {Fault::AuthorizeCors, "authorize-cors",
       "the authorization endpoint is navigated to, not fetched: it sends no CORS headers "
       "(OAuth 2.1 §3.1)"},
      {Fault::UnknownScopeGranted, "unknown-scope-granted",
       "unknown scope values are refused with invalid_scope, never granted (OAuth 2.1 "
       "§4.1.2.1, RFC 6749 §3.3)"},
      {Fault::CodeReuseNotRevoking, "code-reuse-not-revoking",
       "a valid replay of a used code revokes the tokens issued from it (OAuth 2.1 §4.1.3, "
       "§7.5.3)"},
      {Fault::CodeReplayRevokesOnInvalid, "code-replay-revokes-on-invalid",
       "a replay with the wrong client or code_verifier is refused without revoking anything "
       "(OAuth 2.1 §7.5.3)"},
      {Fault::CodeLifetimeIgnored, "code-lifetime-ignored",
       "authorization codes expire shortly after issuance (OAuth 2.1 §4.1.2, RFC 6749 "
       "§4.1.2)"},
      {Fault::TokenRequiresRedirectUri, "token-requires-redirect-uri",
       "the token endpoint accepts a code request without redirect_uri (OAuth 2.1 §10.2)"},
      {Fault::CodeReuse500, "code-reuse-500",
       "a replayed code is answered 400 invalid_grant, not a server error (OAuth 2.1 §4.1.3, "
       "§3.2.4)"},
      {Fault::Login307, "login-307",
       "after the login and consent form POSTs the server redirects with 303, never 307; the "
       "fault answers the consent POST with 307 (OAuth 2.1 §7.5.4, RFC 9700 §4.12)"},
      {Fault::ConsentDenyIgnored, "consent-deny-ignored",
       "a denied consent ends in error=access_denied and issues no code (OAuth 2.1 "
       "§4.1.2.1)"},
      {Fault::ErrorsBeforeSignIn, "errors-before-sign-in",
       "with --login-form, an authorization error for a known client is sent back to it only "
       "after the user signed in, so the server cannot be used as an open redirector (RFC 9700 "
       "§4.11.2, OAuth 2.1 §7.12.2)"},
      {Fault::OidcDiscoveryIncomplete, "oidc-discovery-incomplete",
       "an OpenID Connect discovery document is served only with the members OpenID Connect "
       "requires (jwks_uri, subject_types_supported, id_token_signing_alg_values_supported); "
       "a plain OAuth server serves RFC 8414 metadata only (OIDC Discovery §3, RFC 8414 §5)"},
      {Fault::MetadataRejectsMcpProtocolVersion, "metadata-rejects-mcp-protocol-version",
       "metadata is served to a GET carrying the MCP-Protocol-Version header MCP clients send "
       "(MCP authorization, RFC 8414 §3)"},
      {Fault::PkceSyntaxUnchecked, "pkce-syntax-unchecked",
       "code_challenge and code_verifier must be 43-128 characters of [A-Za-z0-9-._~] "
       "(RFC 7636 §4.1, §4.2)"},
      {Fault::CodeEmbedsChallenge, "code-embeds-challenge",
       "the code_challenge is never exposed in a form others can extract, such as inside the "
       "authorization code (RFC 7636 §4.4)"},
      {Fault::PkceDowngrade, "pkce-downgrade",
       "every client, confidential ones included, sends code_challenge, and a code_verifier for "
       "a code issued without a challenge is refused (OAuth 2.1 §4.1.1, §4.1.3, RFC 9700 "
       "§4.8)"},
      {Fault::DcrResponseMinimal, "dcr-response-minimal",
       "the registration response returns every registered metadata member (RFC 7591 "
       "§3.2.1)"},
      {Fault::DcrSecretWithoutExpiry, "dcr-secret-without-expiry",
       "client_secret_expires_at accompanies every issued client_secret (RFC 7591 §3.2.1)"},
      {Fault::DcrWebClientsConfidential, "dcr-web-clients-confidential",
       "a client registering token_endpoint_auth_method none gets a public client, not a "
       "secret it never asked for (RFC 7591 §2, OAuth 2.1 §2.1)"},
      {Fault::DcrRejectsUnknownMembers, "dcr-rejects-unknown-members",
       "client metadata the server does not understand is ignored, not refused (RFC 7591 §2)"},
      {Fault::DcrErrorsPlainText, "dcr-errors-plain-text",
       "registration errors are application/json objects with an error member (RFC 7591 "
       "§3.2.2)"},
      {Fault::DcrRedirectErrorCodeGeneric, "dcr-redirect-error-code-generic",
       "an unacceptable redirect URI is reported as invalid_redirect_uri (RFC 7591 §3.2.2)"},
      {Fault::DcrAcceptsInconsistentMetadata, "dcr-accepts-inconsistent-metadata",
       "unknown authentication methods, contradicting grant_types and response_types, and a "
       "redirect_uris that is not an array are refused with invalid_client_metadata "
       "(RFC 7591 §2, §2.1, §3.2.2)"},
      {Fault::DcrClientChoosesId, "dcr-client-chooses-id",
       "the server chooses client_id; one sent by the registering client is ignored "
       "(RFC 7591 §3.2.1, RFC 9700 §4.15.1)"},
      {Fault::DcrRejectsNative, "dcr-rejects-native",
       "native applications (application_type native) can register (RFC 8252 §8.4, OIDC "
       "Registration §2)"},
      {Fault::TokenAcceptsGet, "token-accepts-get",
       "the token endpoint takes only POST, so codes and secrets never travel in a URL "
       "(OAuth 2.1 §3.2, RFC 6749 §3.2)"},
      {Fault::ScopeNarrowedSilently, "scope-narrowed-silently",
       "unknown scope values are refused with invalid_scope, and the token response names "
       "the granted scope (OAuth 2.1 §3.2.3, §4.1.2.1, RFC 6749 §3.3)"},
      {Fault::TokenRejectsUnknownParams, "token-rejects-unknown-params",
       "unrecognised token request parameters are ignored (OAuth 2.1 §3.2, RFC 6749 §3.2)"},
      {Fault::TokenRepeatedParamsAccepted, "token-repeated-params-accepted",
       "token request parameters must not be repeated; a repeat is invalid_request (OAuth 2.1 "
       "§3.2, RFC 6749 §3.2)"},
      {Fault::PasswordGrantEnabled, "password-grant-enabled",
       "the resource owner password credentials grant is refused: OAuth 2.1 removed it "
       "(OAuth 2.1 §10, RFC 9700 §2.4)"},
      {Fault::ClientSecretPostUnsupported, "client-secret-post-unsupported",
       "client_secret_post, which the metadata advertises, authenticates a client (OAuth 2.1 "
       "§2.4.1, RFC 8414 §2)"},
      {Fault::BasicFailureWithoutChallenge, "basic-failure-without-challenge",
       "a failed HTTP Basic client authentication is answered 401 with a WWW-Authenticate "
       "challenge (RFC 6749 §5.2, OAuth 2.1 §3.2.4)"},
      {Fault::TokenAcceptsQuerySecret, "token-accepts-query-secret",
       "a client_secret in the request URI never authenticates, and a request uses one "
       "authentication method only (OAuth 2.1 §2.4, §2.4.1)"},
      {Fault::ClientCredentialsForPublic, "client-credentials-for-public",
       "only confidential clients registered for it may use the client_credentials grant "
       "(OAuth 2.1 §4.2, RFC 6749 §4.4)"},
      {Fault::ErrorDescriptionUnicode, "error-description-unicode",
       "error_description uses printable ASCII only, without double quote or backslash "
       "(OAuth 2.1 §3.2.4, §4.1.2.1, RFC 6749 §5.2)"},
      {Fault::MalformedInput500, "malformed-input-500",
       "malformed input (bytes that are not UTF-8, oversized values) is answered 400 "
       "invalid_request, never a server error (OAuth 2.1 §3.2.4)"},
      {Fault::NoFrameProtection, "no-frame-protection",
       "the server's HTML pages forbid framing, against clickjacking (RFC 6749 §10.13, "
       "RFC 9700 §4.16)"},
      {Fault::PageLoadsThirdParty, "page-loads-third-party",
       "the login, consent and error pages load no third-party script or style sheet that "
       "could read or alter what the user enters, or see codes through Referer (RFC 9700 §4.2.4)"},
      {Fault::WeakTokens, "weak-tokens",
       "codes and tokens carry at least 128 bits of randomness, so they cannot be guessed "
       "(RFC 6749 §10.10)"},
      {Fault::LongLivedAccessTokens, "long-lived-access-tokens",
       "access tokens are short-lived, limiting what a leaked token can do (RFC 6819 "
       "§5.1.5.3)"},
      {Fault::CimdNotAdvertised, "cimd-not-advertised",
       "a server that accepts client metadata document URLs as client_id says so with "
       "client_id_metadata_document_supported in its metadata (MCP 2025-11-25 authorization "
       "§5.1, CIMD authorization server metadata)"},
      {Fault::DpopAdvertisedIgnored, "dpop-advertised-ignored",
       "a server advertising dpop_signing_alg_values_supported binds tokens to the DPoP proof "
       "and issues token_type DPoP; one that does not do DPoP does not advertise it (RFC 9449 "
       "§5, §5.1)"},
      {Fault::RefreshResponseCacheable, "refresh-response-cacheable",
       "token responses to a refresh carry Cache-Control: no-store like every token response "
       "(OAuth 2.1 §3.2.3, RFC 6749 §5.1)"},
      {Fault::RefreshNotRotated, "refresh-not-rotated",
       "a public client's refresh token is rotated: each refresh issues a new refresh token and "
       "invalidates the one presented (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2, MCP authorization)"},
      {Fault::RefreshReuseAllowed, "refresh-reuse-allowed",
       "a refresh token that was rotated out can no longer be redeemed (OAuth 2.1 §4.3.1, "
       "RFC 9700 §4.14.2)"},
      {Fault::RefreshReuseNotRevoking, "refresh-reuse-not-revoking",
       "presenting a rotated-out refresh token revokes the active refresh token and the "
       "grant's access tokens (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1)"},
      {Fault::RefreshScopeWidening, "refresh-scope-widening",
       "a refresh cannot obtain scope beyond what the original grant had (OAuth 2.1 §4.3.1, "
       "RFC 6749 §6)"},
      {Fault::RefreshNarrowingSticks, "refresh-narrowing-sticks",
       "a refresh that narrows the scope narrows only the access token; the new refresh token "
       "keeps the original grant's scope (OAuth 2.1 §4.3.3, RFC 6749 §6)"},
      {Fault::RefreshNotBoundToClient, "refresh-not-bound-to-client",
       "a refresh token is redeemable only by the client it was issued to (OAuth 2.1 §4.3.1, "
       "RFC 6749 §6, §10.4)"},
      {Fault::RefreshResourceUnchecked, "refresh-resource-unchecked",
       "a refresh may target only the resources of the original grant; any other resource is "
       "invalid_target (RFC 8707 §2.2, RFC 9700 §4.14.2)"},
      {Fault::IntrospectionOpen, "introspection-open",
       "the introspection endpoint answers only authenticated and authorised callers; others "
       "get 401 (RFC 7662 §2.1, §4)"},
      {Fault::IntrospectionActiveString, "introspection-active-string",
       "the introspection response member active is a JSON boolean (RFC 7662 §2.2)"},
      {Fault::IntrospectionUnknownError, "introspection-unknown-error",
       "an unknown, expired or revoked token is answered 200 with active false, not with an "
       "error (RFC 7662 §2.2, §2.3)"},
      {Fault::IntrospectionInactiveVerbose, "introspection-inactive-verbose",
       "the answer for an inactive token carries active false and nothing else (RFC 7662 "
       "§2.2)"},
      {Fault::IntrospectionExpString, "introspection-exp-string",
       "exp and iat in an introspection response are integer seconds since the epoch (RFC 7662 "
       "§2.2)"},
      {Fault::IntrospectionHintStrict, "introspection-hint-strict",
       "token_type_hint only speeds up the lookup; a token of the other kind is still found "
       "(RFC 7662 §2.1)"},
      {Fault::RevocationIgnored, "revocation-ignored",
       "a revoked refresh token stops working at once (RFC 7009 §2, §2.1)"},
      {Fault::RevocationAccessTokensIgnored, "revocation-access-tokens-ignored",
       "access tokens can be revoked; a server that cannot revoke them says "
       "unsupported_token_type instead of claiming success (RFC 7009 §2, §2.2.1)"},
      {Fault::RevocationKeepsAccessTokens, "revocation-keeps-access-tokens",
       "revoking a refresh token also invalidates the access tokens of the same grant (RFC "
       "7009 §2.1)"},
      {Fault::RevocationUnknown400, "revocation-unknown-400",
       "revoking an unknown or invalid token is answered 200 (RFC 7009 §2.2)"},
      {Fault::RevocationHintStrict, "revocation-hint-strict",
       "a token_type_hint value the server does not know is ignored, not refused (RFC 7009 "
       "§2.1)"},
      {Fault::RevocationSkipsClientAuth, "revocation-skips-client-auth",
       "a confidential client authenticates at the revocation endpoint; a wrong or missing "
       "secret gets invalid_client (RFC 7009 §2.1, RFC 6749 §5.2)"},
      {Fault::RevocationCrossClient, "revocation-cross-client",
       "a client can revoke only tokens issued to it; another client's token is refused (RFC "
       "7009 §2.1)"},
      {Fault::ResourceRejected, "resource-rejected",
       "a resource parameter naming the MCP server is honoured (or ignored), never a reason to "
       "fail the flow (RFC 8707 §2, MCP authorization, resource parameter)"},
      {Fault::ResourceUnvalidated, "resource-unvalidated",
       "a resource that is not an absolute URI, or that has a fragment, is refused with "
       "invalid_target (RFC 8707 §2)"},
      {Fault::AudienceUnbound, "audience-unbound",
       "access tokens are audience-restricted to the requested resource, and a token request "
       "may name only resources of the grant (RFC 8707 §2.2, RFC 9700 §2.3)"},
      // @@AS-FAULTS@@
      {Fault::McpOpenInitialize, "mcp-open-initialize",
       "every request to the MCP endpoint, initialize included, carries a valid access token; "
       "without one it is answered 401 (MCP authorization, token requirements; OAuth 2.1 §5)"},
      {Fault::McpChallengeRepeatedParam, "mcp-challenge-repeated-param",
       "an auth-param appears at most once in a Bearer challenge (RFC 6750 §3)"},
      {Fault::McpNoResourceMetadata, "mcp-no-resource-metadata",
       "the MCP endpoint's challenges name the protected resource metadata URL in "
       "resource_metadata (RFC 9728 §5.1, MCP authorization, protected resource metadata "
       "discovery)"},
      {Fault::PrmEmptyMember, "prm-empty-member",
       "protected resource metadata members with zero elements are omitted (RFC 9728 §3.2)"},
      {Fault::PrmHeaderOnly, "prm-header-only",
       "the protected resource metadata is published at its well-known URL, so a client that "
       "gets no resource_metadata can still find it (RFC 9728 §3, §3.1; MCP authorization, "
       "protected resource metadata discovery)"},
      {Fault::PrmResourceTrailingSlash, "prm-resource-trailing-slash",
       "the metadata's resource is identical to the resource identifier its URL was built from, "
       "the canonical MCP server URI (RFC 9728 §3.3, MCP authorization, canonical server URI)"},
      {Fault::PrmQueryBearerMethod, "prm-query-bearer-method",
       "bearer_methods_supported names only the header: access tokens never travel in the "
       "query (RFC 9728 §2, OAuth 2.1 §5.1)"},
      {Fault::PrmIssuerMismatch, "prm-issuer-mismatch",
       "authorization_servers names the issuer identifier exactly as the authorization "
       "server's metadata states it (RFC 9728 §2, RFC 8414 §3.3)"},
      {Fault::McpChallengeNoScope, "mcp-challenge-no-scope",
       "the 401 challenge names in scope what a request needs, so the client knows what to "
       "ask for (MCP authorization, scope selection; RFC 6750 §3)"},
      {Fault::Mcp401ErrorCode, "mcp-401-error-code",
       "a request without credentials is challenged without an error code (RFC 6750 §3.1)"},
      {Fault::McpUnknownToken500, "mcp-unknown-token-500",
       "an unknown, expired or revoked access token is answered 401 error=\"invalid_token\", "
       "never a server error (RFC 6750 §3.1, OAuth 2.1 §5.3)"},
      {Fault::McpAudienceUnchecked, "mcp-audience-unchecked",
       "the MCP endpoint accepts only tokens whose audience is itself; tokens issued for "
       "another resource are refused with invalid_token (RFC 8707 §2, MCP authorization, token "
       "audience binding and validation)"},
      {Fault::ResourceCaseSensitive, "resource-case-sensitive",
       "resource identifiers compare scheme and host case-insensitively, so an upper-case "
       "scheme or host names the same resource (RFC 3986 §6.2.2.1, MCP authorization, "
       "canonical server URI)"},
      {Fault::McpQueryTokenAccepted, "mcp-query-token-accepted",
       "an access token in the request URI is ignored: only the Authorization header carries "
       "one (OAuth 2.1 §5.1, MCP authorization, token requirements)"},
      {Fault::McpSchemeCaseSensitive, "mcp-scheme-case-sensitive",
       "the authentication scheme is matched case-insensitively, so bearer and BEARER work "
       "(RFC 9110 §11.1, OAuth 2.1 §5.1.1)"},
      {Fault::McpToolsListUnauthorized, "mcp-tools-list-unauthorized",
       "a valid, unexpired token for this resource with the needed scope is accepted for every "
       "MCP request, tools/list included (OAuth 2.1 §5.2, MCP authorization)"},
      {Fault::McpSessionIsCredential, "mcp-session-is-credential",
       "every request is authorised by its own access token; an Mcp-Session-Id is never a "
       "credential (MCP security best practices, session hijacking; MCP authorization, token "
       "requirements)"},
      {Fault::McpInsufficientScope401, "mcp-insufficient-scope-401",
       "a valid token without the scope an operation needs is answered 403 "
       "error=\"insufficient_scope\" naming that scope (RFC 6750 §3.1, MCP authorization, "
       "scope challenge handling)"},
      {Fault::McpMalformedAuth500, "mcp-malformed-auth-500",
       "a malformed Authorization header (an empty bearer token, the header repeated) is "
       "answered 400 error=\"invalid_request\", never a server error (RFC 6750 §3.1)"},
      {Fault::McpScopeHierarchyIgnored, "mcp-scope-hierarchy-ignored",
       "a scope that includes another grants what the included one does: mcp:admin includes "
       "mcp:tools (MCP 2026-07-28 authorization §11.1.2)"},
      // @@RS-FAULTS@@
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
