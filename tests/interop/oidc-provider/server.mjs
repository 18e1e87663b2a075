// A loopback instance of panva's oidc-provider for the conformance interoperability test.
//
// Listens on 127.0.0.1 with an ephemeral port and prints the issuer URL
// (http://127.0.0.1:PORT) as the first and only line of stdout; all logging goes to
// stderr. Stops by itself when stdin closes, on SIGTERM/SIGINT, or after a hard timeout
// (INTEROP_TIMEOUT_SECONDS, default 900).
//
// Everything is in memory: signing keys are generated at start-up, clients come from
// dynamic registration, the built-in development login and consent pages accept any login.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const HARD_TIMEOUT_SECONDS = Number(process.env.INTEROP_TIMEOUT_SECONDS || 900);
// oidc-provider has no default scope (a request without one ends in access_denied), so the
// harness is run with --scope mcp:tools, as an operator would for such a server; the server
// itself is used as shipped.
// Access tokens are opaque by default: oidc-provider refuses to introspect or revoke JWT
// access tokens (unsupported_token_type). INTEROP_ACCESS_TOKEN_FORMAT=jwt mints ES256 JWTs.
const ACCESS_TOKEN_FORMAT = process.env.INTEROP_ACCESS_TOKEN_FORMAT || 'opaque';
// Authorization code lifetime (oidc-provider's default is 60 s); pass the same number to
// conformance --code-lifetime to run the expiry check.
const CODE_TTL_SECONDS = Number(process.env.INTEROP_CODE_TTL_SECONDS || 60);

const log = (...args) => console.error('[oidc-provider interop]', ...args);

// oidc-provider logs development warnings with console.warn / console.info; keep stdout
// for the issuer line alone.
console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);
console.warn = (...args) => console.error(...args);

function jwk(type, options, extra) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', ...extra };
}

function isAcceptedResource(indicator) {
  let url;
  try {
    url = new URL(indicator);
  } catch {
    return false;
  }
  if (url.hash) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

const server = http.createServer();
server.listen(0, '127.0.0.1');
await new Promise((resolve, reject) => {
  server.once('listening', resolve);
  server.once('error', reject);
});
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;
// The resource a token is for when the client names none (RFC 8707 lets the server pick).
const defaultResourceIndicator = `${issuer}/mcp`;

const configuration = {
  jwks: {
    keys: [
      jwk('rsa', { modulusLength: 2048 }, { alg: 'RS256' }),
      jwk('ec', { namedCurve: 'P-256' }, { alg: 'ES256' }),
    ],
  },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  findAccount(ctx, sub) {
    return { accountId: sub, claims: () => ({ sub }) };
  },
  scopes: ['openid', 'offline_access', 'mcp:tools', 'mcp:admin'],
  responseTypes: ['code'],
  ttl: {
    AuthorizationCode: CODE_TTL_SECONDS,
    AccessToken: 3600,
    RefreshToken: 24 * 60 * 60,
    Grant: 24 * 60 * 60,
    Session: 24 * 60 * 60,
    Interaction: 60 * 60,
  },
  pkce: { required: () => true },
  clientBasedCORS: () => true,
  // Refresh tokens for every client allowed the refresh_token grant, public ones included,
  // without needing offline_access and prompt=consent.
  issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    // URL client_ids (MCP 2025-11-25+); experimental in oidc-provider, hence the ack.
    clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
    registration: { enabled: true, initialAccessToken: false },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client, oneOf) => oneOf ?? defaultResourceIndicator,
      useGrantedResource: () => true,
      getResourceServerInfo(ctx, resourceIndicator) {
        if (!isAcceptedResource(resourceIndicator)) throw new errors.InvalidTarget();
        return {
          scope: 'mcp:tools mcp:admin',
          audience: resourceIndicator,
          accessTokenTTL: 3600,
          accessTokenFormat: ACCESS_TOKEN_FORMAT,
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, err) => log('server_error', err));
server.on('request', provider.callback());

process.stdout.write(`${issuer}\n`);
log(`listening at ${issuer}`);

let stopping = false;
function stop(reason) {
  if (stopping) return;
  stopping = true;
  log(`stopping: ${reason}`);
  // A test fixture keeps nothing worth a graceful drain: drop the connections and go.
  server.close();
  server.closeAllConnections();
  process.exit(0);
}

process.stdin.on('end', () => stop('stdin closed'));
process.stdin.on('close', () => stop('stdin closed'));
process.stdin.on('error', () => stop('stdin error'));
process.stdin.resume();
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
setTimeout(() => stop(`hard timeout of ${HARD_TIMEOUT_SECONDS}s`), HARD_TIMEOUT_SECONDS * 1000).unref();
