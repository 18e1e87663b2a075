// The table of deliberate faults the reference server can switch on, one per `--fault NAME`.
// The harness self-check turns each on in turn and expects exactly the mapped requirements to
// change, so every fault must stay surgical.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace refserver {

enum class Fault {
  PkcePlainAccepted,
  PkceVerificationSkipped,
  PkceChallengeOptional,
  PkceMethodCaseInsensitive,
  PkceMethodIgnored,
  CodesReusable,
  CodeNotBoundToClient,
  TokenRedirectUriUnchecked,
  TokenTypeLowercase,
  NoCacheControl,
  ExpiresInString,
  TokenErrorsPlainText,
  UnsupportedGrantNonstandardCode,
  DcrStatus200,
  MetadataNoPkceMethods,
  MetadataIssuerTrailingSlash,
  MetadataEmptyArray,
  MetadataAdvertisesRemovedFlows,
  MetadataDeadEndpoint,
  // Redirect URIs at the authorization endpoint.
  RedirectUriUnvalidated,
  RedirectUriPrefixMatch,
  RedirectUriCaseInsensitive,
  LoopbackPortExact,
  UnknownClientRedirected,
  RedirectQueryDropped,
  RedirectFirstRegistered,
  ErrorPageReflectsInput,
  // Redirect URIs at registration.
  DcrAcceptsHttpRedirect,
  DcrAcceptsFragment,
  DcrAcceptsDotlessScheme,
  DcrRedirectUrisOptional,
  // Authorization request parameters and responses.
  RepeatedParametersAccepted,
  EmptyValuesKept,
  ResponseTypeMissingUnsupported,
  ImplicitGrantHonoured,
  StateDroppedOnError,
  IssMissing,
  AuthorizeCors,
  UnknownScopeGranted,
  // Codes at the token endpoint.
  CodeReuseNotRevoking,
  CodeReplayRevokesOnInvalid,
  CodeLifetimeIgnored,
  TokenRequiresRedirectUri,
  CodeReuse500,
  // The --login-form pages.
  Login307,
  ConsentDenyIgnored,
  ErrorsBeforeSignIn,
  // Metadata discovery.
  OidcDiscoveryIncomplete,
  MetadataRejectsMcpProtocolVersion,
  // PKCE.
  PkceSyntaxUnchecked,
  CodeEmbedsChallenge,
  PkceDowngrade,
  // Dynamic client registration.
  DcrResponseMinimal,
  DcrSecretWithoutExpiry,
  DcrWebClientsConfidential,
  DcrRejectsUnknownMembers,
  DcrErrorsPlainText,
  DcrRedirectErrorCodeGeneric,
  DcrAcceptsInconsistentMetadata,
  DcrClientChoosesId,
  DcrRejectsNative,
  // Token endpoint requests and client authentication.
  TokenAcceptsGet,
  ScopeNarrowedSilently,
  TokenRejectsUnknownParams,
  TokenRepeatedParamsAccepted,
  PasswordGrantEnabled,
  ClientSecretPostUnsupported,
  BasicFailureWithoutChallenge,
  TokenAcceptsQuerySecret,
  ClientCredentialsForPublic,
  // Error responses.
  ErrorDescriptionUnicode,
  MalformedInput500,
  // Security of pages and credentials.
  NoFrameProtection,
  PageLoadsThirdParty,
  WeakTokens,
  LongLivedAccessTokens,
  // Client ID Metadata Documents and DPoP advertisement.
  CimdNotAdvertised,
  DpopAdvertisedIgnored,
  // Refresh tokens, introspection, revocation and resource indicators (authorization server).
  RefreshResponseCacheable,
  RefreshNotRotated,
  RefreshReuseAllowed,
  RefreshReuseNotRevoking,
  RefreshScopeWidening,
  RefreshNarrowingSticks,
  RefreshNotBoundToClient,
  RefreshResourceUnchecked,
  IntrospectionOpen,
  IntrospectionActiveString,
  IntrospectionUnknownError,
  IntrospectionInactiveVerbose,
  IntrospectionExpString,
  IntrospectionHintStrict,
  RevocationIgnored,
  RevocationAccessTokensIgnored,
  RevocationKeepsAccessTokens,
  RevocationUnknown400,
  RevocationHintStrict,
  RevocationSkipsClientAuth,
  RevocationCrossClient,
  ResourceRejected,
  ResourceUnvalidated,
  AudienceUnbound,
  // @@AS-FAULTS@@
  // The protected MCP endpoint and its protected resource metadata.
  McpOpenInitialize,
  McpChallengeRepeatedParam,
  McpNoResourceMetadata,
  PrmEmptyMember,
  PrmHeaderOnly,
  PrmResourceTrailingSlash,
  PrmQueryBearerMethod,
  PrmIssuerMismatch,
  McpChallengeNoScope,
  Mcp401ErrorCode,
  McpUnknownToken500,
  McpAudienceUnchecked,
  ResourceCaseSensitive,
  McpQueryTokenAccepted,
  McpSchemeCaseSensitive,
  McpToolsListUnauthorized,
  McpSessionIsCredential,
  McpInsufficientScope401,
  McpMalformedAuth500,
  McpScopeHierarchyIgnored,
  // @@RS-FAULTS@@
};

struct FaultInfo {
  Fault fault;
  std::string_view name;   // the `--fault` spelling
  std::string_view breaks; // the requirement a server with this fault violates
};

// Every fault, in declaration order.
const std::vector<FaultInfo>& fault_table();

std::optional<Fault> fault_from_name(std::string_view name);
std::string_view fault_name(Fault fault);

} // namespace refserver
