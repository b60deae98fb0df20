/**
 * Bearer-token authentication and scopes. Which credentials are trusted is the auth mode
 * (auth-config.ts, docs/deployment.md):
 *  - `hs256`: the function verifies the `Authorization: Bearer` token itself (jwt.ts) with AUTH_JWT_SECRET;
 *    claims an emulator or a gateway put into the request context are ignored;
 *  - `gateway-jwt`: API Gateway's JWT authorizer verified the token (the issuer's JWKS); the function reads
 *    requestContext.authorizer.jwt.claims, checks issuer and audience again, and refuses a request without
 *    them. The IMS authorizer (no JWT authorizer in front of it) verifies with the issuer's keys (jwks.ts).
 * No mode, an unknown mode or a missing key: every request is refused (503 / deny AUTH_NOT_CONFIGURED).
 *
 * Two kinds of token, never interchangeable (docs/security.md):
 *  - for this service's API (audience AUTH_API_AUDIENCE): `account_id` (the caller's account), `scope`
 *    (space-separated, RFC 6749 section 3.3: evaluate, policies:read, policies:write, org:write; or `scp`,
 *    an array), `sub` (who);
 *  - for a caller of an IMS API behind the IMS authorizer (audience AUTH_IMS_AUDIENCE): `account_id` and the
 *    principal: `principal_type` `user` (with `user_id`), `agency` (with `agency`) or `account` (the account
 *    itself: an explicit claim, never what a missing user_id means). A token that names no principal is
 *    refused. No scope is needed there.
 * A token naming both audiences is refused by both.
 */
import type { MiddlewareObj } from '@middy/core';
import { authSetup, logConfigurationError, type AuthConfig } from './auth-config.js';
import type { Caller } from './caller.js';
import { header, HttpError, type HttpEvent, type HttpResult, type Reply } from './http.js';
import { issuerKey } from './jwks.js';
import { checkAudience, checkClaims, JwtError, parseJws, verifyAsymmetric, verifyHs256, ASYMMETRIC_ALGORITHMS, type JwtExpectations, type JwtProblem } from './jwt.js';
import { state } from './middlewares.js';

export type Scope = 'evaluate' | 'policies:read' | 'policies:write' | 'org:write';
export const SCOPES: readonly Scope[] = ['evaluate', 'policies:read', 'policies:write', 'org:write'];

export type { Caller } from './caller.js';

/** Who a caller of the IMS API is: the account itself, one of its users, or an agency. */
export type ImsPrincipal = { type: 'account' } | { type: 'user'; id: string } | { type: 'agency'; id: string };

/** A caller of an IMS API behind the IMS authorizer. */
export interface ImsCaller {
  account_id: string;
  principal: ImsPrincipal;
}

/** Why a bearer token was refused: the IMS authorizer reports it; the HTTP functions answer 401 either way. */
export type TokenProblem = 'not_configured' | 'missing' | 'expired' | 'not_for_service' | 'invalid' | 'bad_claims' | 'no_principal' | 'keys_unavailable';

export class TokenError extends HttpError {
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(problem === 'not_configured' ? 503 : 401, problem === 'not_configured' ? 'AUTH_NOT_CONFIGURED' : 'UNAUTHENTICATED', message);
  }
}

/** The longest a bearer token may live (exp - iat, or exp - now without iat): a leaked token expires soon. */
export const MAX_TOKEN_LIFETIME_SEC = 24 * 3600;
const CLOCK_TOLERANCE_SEC = 5;

/** The token problem of a JWT refusal: expired, not for this service (issuer, audience), keys unavailable, else invalid. */
const tokenProblem = (p: JwtProblem): TokenProblem => (p === 'expired' || p === 'keys_unavailable' ? p : p === 'issuer' || p === 'audience' ? 'not_for_service' : 'invalid');

const ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
/** A scope-token of RFC 6749 section 3.3: one or more NQCHAR (%x21 / %x23-5B / %x5D-7E). */
const SCOPE_TOKEN_RE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The scopes of a `scope` claim (a string of scope-tokens separated by single spaces, RFC 6749 section
 * 3.3) or, without one, of an `scp` claim (an array of scope-tokens). Anything else (a tab or any other
 * whitespace, two spaces, a leading or trailing space, an empty or non-string element, another type) makes
 * the claim malformed and the token is refused: never a best guess at what the issuer meant.
 */
export function parseScopes(claims: Record<string, unknown>): Set<string> {
  const raw = claims.scope !== undefined ? claims.scope : claims.scp;
  if (raw === undefined) return new Set();
  const parts = typeof raw === 'string' ? (raw === '' ? [] : raw.split(' ')) : Array.isArray(raw) ? raw : null;
  if (parts === null || !parts.every((p) => typeof p === 'string' && SCOPE_TOKEN_RE.test(p))) {
    throw new TokenError('bad_claims', "The token's scope is not scope tokens separated by single spaces (RFC 6749 section 3.3).");
  }
  return new Set(parts as string[]);
}

function accountOf(claims: Record<string, unknown>): string {
  const account = claims.account_id;
  if (typeof account !== 'string' || !ID_RE.test(account)) throw new TokenError('bad_claims', 'The token names no valid account_id.');
  return account;
}

function callerFrom(claims: Record<string, unknown>): Caller {
  const account = accountOf(claims);
  return { account_id: account, subject: typeof claims.sub === 'string' ? claims.sub : account, scopes: parseScopes(claims) };
}

/** The principal of an IMS caller's token: explicit, consistent, or refused. */
export function imsCallerFrom(claims: Record<string, unknown>): ImsCaller {
  const account = accountOf(claims);
  const ids: { user_id?: string; agency?: string } = {};
  for (const claim of ['user_id', 'agency'] as const) {
    const v = claims[claim];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !ID_RE.test(v)) throw new TokenError('bad_claims', `Bad ${claim}.`);
    ids[claim] = v;
  }
  const type = claims.principal_type;
  // The principal the ids name; principal_type, when given, must say the same (and "account" names no id).
  const named = ids.user_id !== undefined ? (ids.agency !== undefined ? null : 'user') : ids.agency !== undefined ? 'agency' : type === 'account' ? 'account' : undefined;
  if (named === undefined) throw new TokenError(type === undefined ? 'no_principal' : 'bad_claims', 'The token names no principal: user_id, agency, or principal_type "account".');
  if (named === null || (type !== undefined && type !== named)) throw new TokenError('bad_claims', "The token's principal_type, user_id and agency disagree.");
  if (named === 'account') return { account_id: account, principal: { type: 'account' } };
  return { account_id: account, principal: named === 'user' ? { type: 'user', id: ids.user_id as string } : { type: 'agency', id: ids.agency as string } };
}

/** The configuration, or a refusal that has been logged. */
function config(fn: string): AuthConfig {
  const setup = authSetup();
  if (!setup.ok) {
    logConfigurationError(fn, setup.message);
    throw new TokenError('not_configured', 'Authentication is not configured (see the logs).');
  }
  return setup.config;
}

function bearer(authorization: string | undefined): string {
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  if (!match) throw new TokenError('missing', 'Send a bearer token: Authorization: Bearer <jwt>.');
  return match[1] as string;
}

function asTokenError(err: unknown): never {
  if (!(err instanceof JwtError)) throw err;
  const problem = tokenProblem(err.problem);
  throw new TokenError(problem, problem === 'not_for_service' ? 'The token is not for this service.' : `The token is refused: ${err.message}`);
}

const expectations = (c: AuthConfig, audience: string, forbidden: string): JwtExpectations => ({
  issuer: c.issuer,
  audience,
  forbiddenAudiences: [forbidden],
  clockToleranceSec: CLOCK_TOLERANCE_SEC,
  maxLifetimeSec: MAX_TOKEN_LIFETIME_SEC,
});

/** The verified claims of an HS256 token for `audience`. */
function hs256Claims(c: AuthConfig, token: string, audience: string, forbidden: string): Record<string, unknown> {
  try {
    return verifyHs256(token, c.key as Buffer, expectations(c, audience, forbidden));
  } catch (err) {
    return asTokenError(err);
  }
}

/**
 * API Gateway's JWT authorizer gives every claim as a string (numbers too) and an array claim as
 * `[a b c]`; the audience check reads `aud` that way.
 */
function gatewayAudiences(aud: unknown): unknown {
  return typeof aud === 'string' && aud.startsWith('[') && aud.endsWith(']')
    ? aud
        .slice(1, -1)
        .split(' ')
        .filter((a) => a !== '')
    : aud;
}

/** The claims API Gateway verified (gateway-jwt): issuer, audience and expiry checked again. */
function gatewayClaims(c: AuthConfig, event: HttpEvent): Record<string, unknown> {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: unknown } } } | undefined)?.authorizer;
  const claims = authorizer?.jwt?.claims;
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new TokenError('missing', 'No token verified by the gateway.');
  const cl = claims as Record<string, unknown>;
  if (cl.iss !== c.issuer) throw new TokenError('not_for_service', 'The token is not for this service.');
  try {
    checkAudience(gatewayAudiences(cl.aud), { audience: c.apiAudience, forbiddenAudiences: [c.imsAudience] });
  } catch (err) {
    asTokenError(err);
  }
  const exp = Number(cl.exp);
  if (!Number.isFinite(exp) || exp <= Date.now() / 1000 - CLOCK_TOLERANCE_SEC) throw new TokenError('expired', 'The token is refused: Expired.');
  // `scp` arrives as "[a b]": the scopes are read as an array of the gateway's strings.
  const scp = cl.scope === undefined && typeof cl.scp === 'string' ? { scp: gatewayAudiences(cl.scp) } : {};
  return { ...cl, ...scp };
}

/** The caller of this service's API (audience AUTH_API_AUDIENCE), per the auth mode. */
export async function authenticate(event: HttpEvent, fn = 'api'): Promise<Caller> {
  const c = config(fn);
  if (c.mode === 'gateway-jwt') return callerFrom(gatewayClaims(c, event));
  return callerFrom(hs256Claims(c, bearer(header(event, 'authorization')), c.apiAudience, c.imsAudience));
}

/** The caller of an IMS API (audience AUTH_IMS_AUDIENCE) from an `Authorization` header value, per the auth mode. */
export async function verifyImsCaller(authorization: string | undefined): Promise<ImsCaller> {
  const c = config('authorizer');
  const token = bearer(authorization);
  if (c.mode === 'hs256') return imsCallerFrom(hs256Claims(c, token, c.imsAudience, c.apiAudience));
  let claims: Record<string, unknown>;
  try {
    const parsed = parseJws(token);
    const alg = parsed.header.alg;
    if (typeof alg !== 'string' || !(alg in ASYMMETRIC_ALGORITHMS)) throw new JwtError('algorithm', 'Not RS256 or ES256.');
    const kid = typeof parsed.header.kid === 'string' ? parsed.header.kid : undefined;
    const key = await issuerKey(c.issuer, c.jwksUrl, alg, kid);
    if (!verifyAsymmetric(alg, key, parsed.signingInput, parsed.signature)) throw new JwtError('signature', 'Bad signature.');
    claims = checkClaims(parsed, expectations(c, c.imsAudience, c.apiAudience));
  } catch (err) {
    return asTokenError(err);
  }
  return imsCallerFrom(claims);
}

export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.has(scope)) throw new HttpError(403, 'FORBIDDEN', `The token lacks the "${scope}" scope.`);
}

/** Middleware: authenticates the caller (and checks a scope when given) before the body is read. */
export function auth(scope?: Scope, fn?: string): MiddlewareObj<HttpEvent, HttpResult | Reply> {
  return {
    name: 'auth',
    before: async (request) => {
      const caller = await authenticate(request.event, fn);
      if (scope) requireScope(caller, scope);
      state(request.event).caller = caller;
    },
  };
}

export function callerOf(event: HttpEvent): Caller {
  const c = state(event).caller;
  if (!c) throw new HttpError(401, 'UNAUTHENTICATED', 'Not authenticated.');
  return c;
}
