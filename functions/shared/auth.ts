/**
 * Bearer-token authentication and scopes, checked by the function itself (jwt.ts): HS256 with the key in
 * `AUTH_JWT_SECRET`, issuer and audience `ims-authz`. The same check runs on AWS, offline and in tests.
 * When no key is configured and an API Gateway JWT authorizer has already verified the token (its claims
 * arrive in requestContext.authorizer.jwt.claims), those claims are used instead; a local key always wins,
 * so an emulator's unverified claims are never trusted. No token, a bad signature, `alg: none`, an expired
 * token or a token without the route's scope never gets through.
 *
 * Claims: `account_id` (the caller's account), `scope` (space-separated: evaluate, policies:read,
 * policies:write, org:write), `sub` (who); for callers of an IMS API behind the IMS authorizer, optionally
 * `user_id` or `agency` (the principal; neither: the account itself; those callers need no scope).
 */
import type { MiddlewareObj } from '@middy/core';
import type { Caller } from './caller.js';
import { header, HttpError, type HttpEvent, type HttpResult, type Reply } from './http.js';
import { JwtError, verifyHs256, type JwtProblem } from './jwt.js';
import { state } from './middlewares.js';

export type Scope = 'evaluate' | 'policies:read' | 'policies:write' | 'org:write';
export const SCOPES: readonly Scope[] = ['evaluate', 'policies:read', 'policies:write', 'org:write'];

export type { Caller } from './caller.js';

/** Why a bearer token was refused: the IMS authorizer reports it; the HTTP functions answer 401 either way. */
export type TokenProblem = 'not_configured' | 'missing' | 'expired' | 'not_for_service' | 'invalid' | 'bad_claims';

export class TokenError extends HttpError {
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(401, 'UNAUTHENTICATED', message);
  }
}

export const TOKEN_ISSUER = 'ims-authz';
export const TOKEN_AUDIENCE = 'ims-authz';

let secretKey: { text: string; key: Buffer } | undefined;
function localSecret(): Buffer | null {
  const s = process.env.AUTH_JWT_SECRET?.trim();
  if (!s) return null;
  if (secretKey?.text !== s) secretKey = { text: s, key: Buffer.from(s, 'utf8') };
  return secretKey.key;
}

/** The longest a bearer token may live (exp - iat, or exp - now without iat): a leaked token expires soon. */
export const MAX_TOKEN_LIFETIME_SEC = 24 * 3600;

const TOKEN_PROBLEMS: Record<JwtProblem, TokenProblem> = {
  malformed: 'invalid',
  lifetime: 'invalid',
  algorithm: 'invalid',
  signature: 'invalid',
  claims: 'invalid',
  not_yet_valid: 'invalid',
  expired: 'expired',
  issuer: 'not_for_service',
  audience: 'not_for_service',
};

const ACCOUNT_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

function callerFrom(claims: Record<string, unknown>): Caller {
  const account = claims.account_id;
  if (typeof account !== 'string' || !ACCOUNT_RE.test(account)) throw new TokenError('bad_claims', 'The token names no valid account_id.');
  const raw = claims.scope ?? claims.scp;
  const scopes = typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : [];
  const caller: Caller = { account_id: account, subject: typeof claims.sub === 'string' ? claims.sub : account, scopes: new Set(scopes) };
  for (const claim of ['user_id', 'agency'] as const) {
    const v = claims[claim];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !ACCOUNT_RE.test(v)) throw new TokenError('bad_claims', `The token's ${claim} is not a valid id.`);
    caller[claim] = v;
  }
  if (caller.user_id !== undefined && caller.agency !== undefined) throw new TokenError('bad_claims', 'The token names both a user_id and an agency.');
  return caller;
}

/** Verifies an `Authorization` header value (`Bearer <jwt>`) with the local key; the caller, or a TokenError. */
export async function verifyBearer(authorization: string | undefined): Promise<Caller> {
  const secret = localSecret();
  if (!secret) throw new TokenError('not_configured', 'Token verification is not configured (AUTH_JWT_SECRET).');
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  if (!match) throw new TokenError('missing', 'Send a bearer token: Authorization: Bearer <jwt>.');
  let claims: Record<string, unknown>;
  try {
    claims = verifyHs256(match[1] as string, secret, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, clockToleranceSec: 5, maxLifetimeSec: MAX_TOKEN_LIFETIME_SEC });
  } catch (err) {
    if (!(err instanceof JwtError)) throw err;
    const problem = TOKEN_PROBLEMS[err.problem];
    throw new TokenError(problem, problem === 'expired' ? 'The token has expired.' : problem === 'not_for_service' ? 'The token is not for this service.' : err.message);
  }
  return callerFrom(claims);
}

export async function authenticate(event: HttpEvent): Promise<Caller> {
  if (!localSecret()) {
    const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer;
    if (authorizer?.jwt?.claims) return callerFrom(authorizer.jwt.claims);
    throw new TokenError('not_configured', 'Token verification is not configured (AUTH_JWT_SECRET).');
  }
  return verifyBearer(header(event, 'authorization'));
}

export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.has(scope)) throw new HttpError(403, 'FORBIDDEN', `The token lacks the "${scope}" scope.`);
}

/** Middleware: authenticates the caller (and checks a scope when given) before the body is read. */
export function auth(scope?: Scope): MiddlewareObj<HttpEvent, HttpResult | Reply> {
  return {
    name: 'auth',
    before: async (request) => {
      const caller = await authenticate(request.event);
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
