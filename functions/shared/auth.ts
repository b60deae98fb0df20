/**
 * Bearer-token authentication and scopes, checked by the function itself with jose: HS256 with the key in
 * `AUTH_JWT_SECRET`, issuer and audience `ims-authz`. The same check runs on AWS, offline and in tests.
 * When no key is configured and an API Gateway JWT authorizer has already verified the token (its claims
 * arrive in requestContext.authorizer.jwt.claims), those claims are used instead; a local key always wins,
 * so an emulator's unverified claims are never trusted. No token, a bad signature, `alg: none`, an expired
 * token or a token without the route's scope never gets through.
 *
 * Claims: `account_id` (the caller's account), `scope` (space-separated: evaluate, policies:read,
 * policies:write, org:write), `sub` (who).
 */
import type { MiddlewareObj } from '@middy/core';
import { errors, jwtVerify } from 'jose';
import { header, HttpError, type HttpEvent, type HttpResult, type Reply } from './http.js';
import { state } from './middlewares.js';

export type Scope = 'evaluate' | 'policies:read' | 'policies:write' | 'org:write';
export const SCOPES: readonly Scope[] = ['evaluate', 'policies:read', 'policies:write', 'org:write'];

export interface Caller {
  account_id: string;
  subject: string;
  scopes: ReadonlySet<string>;
}

export const TOKEN_ISSUER = 'ims-authz';
export const TOKEN_AUDIENCE = 'ims-authz';

let secretKey: Uint8Array | undefined;
function localSecret(): Uint8Array | null {
  const s = process.env.AUTH_JWT_SECRET?.trim();
  if (!s) return null;
  return (secretKey ??= new TextEncoder().encode(s));
}

const ACCOUNT_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

function callerFrom(claims: Record<string, unknown>): Caller {
  const account = claims.account_id;
  if (typeof account !== 'string' || !ACCOUNT_RE.test(account)) throw new HttpError(401, 'UNAUTHENTICATED', 'The token names no valid account_id.');
  const raw = claims.scope ?? claims.scp;
  const scopes = typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : [];
  return { account_id: account, subject: typeof claims.sub === 'string' ? claims.sub : account, scopes: new Set(scopes) };
}

export async function authenticate(event: HttpEvent): Promise<Caller> {
  const secret = localSecret();
  if (!secret) {
    const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer;
    if (authorizer?.jwt?.claims) return callerFrom(authorizer.jwt.claims);
    throw new HttpError(401, 'UNAUTHENTICATED', 'Token verification is not configured (AUTH_JWT_SECRET).');
  }
  const value = header(event, 'authorization');
  const match = value ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  if (!match) throw new HttpError(401, 'UNAUTHENTICATED', 'Send a bearer token: Authorization: Bearer <jwt>.');
  try {
    const { payload } = await jwtVerify(match[1] as string, secret, { algorithms: ['HS256'], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, clockTolerance: 5 });
    return callerFrom(payload as Record<string, unknown>);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const why = err instanceof errors.JWTExpired ? 'The token has expired.' : err instanceof errors.JWTClaimValidationFailed ? 'The token is not for this service.' : 'The token is not valid.';
    throw new HttpError(401, 'UNAUTHENTICATED', why);
  }
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
