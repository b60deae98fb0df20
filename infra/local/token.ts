/**
 * Mints bearer tokens signed with the local key (HS256, AUTH_JWT_SECRET; the `hs256` auth mode of the local
 * stack): what `npm start` prints and what tests use. Two kinds, never interchangeable (docs/security.md):
 *  - `mintToken`: for this service's API (audience `ims-authz`), with scopes;
 *  - `mintImsToken`: for a caller of the IMS API behind the IMS authorizer (audience `ims-api`), naming its
 *    principal: a user, an agency, or the account itself (`principal_type: "account"`).
 * In the gateway-jwt mode the organization's identity provider issues both (docs/deployment.md).
 *   node --import tsx infra/local/token.ts <account_id> [scope ...]
 *   node --import tsx infra/local/token.ts --ims <account_id> [user:<id> | agency:<id> | account]
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { DEFAULT_API_AUDIENCE, DEFAULT_HS256_ISSUER, DEFAULT_IMS_AUDIENCE, LOCAL_DEVELOPMENT_KEY } from '../../functions/shared/auth-config.js';
import { SCOPES } from '../../functions/shared/auth.js';

/** The local development signing key (published, so refused on a real Lambda: functions/shared/auth-config.ts). */
export const LOCAL_JWT_SECRET = LOCAL_DEVELOPMENT_KEY;

export interface MintOptions {
  secret?: string;
  /** Seconds until expiry (default one day); negative for an already expired token. */
  ttl?: number;
  subject?: string;
  issuer?: string;
  /** One audience or several (default: the kind's). */
  audience?: string | string[];
  /** Extra claims. */
  claims?: Record<string, unknown>;
}

async function sign(claims: Record<string, unknown>, subject: string, defaultAudience: string, options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? DEFAULT_HS256_ISSUER)
    .setAudience(options.audience ?? defaultAudience)
    .setSubject(options.subject ?? subject)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttl ?? 86_400))
    .sign(new TextEncoder().encode(options.secret ?? process.env.AUTH_JWT_SECRET ?? LOCAL_JWT_SECRET));
}

/** A token for this service's API (`/v1/...`): an account and its scopes (default: every scope). */
export async function mintToken(accountId: string, scopes: readonly string[] = SCOPES, options: MintOptions = {}): Promise<string> {
  return sign({ ...options.claims, account_id: accountId, scope: scopes.join(' ') }, `${accountId}/admin`, DEFAULT_API_AUDIENCE, options);
}

/** Who an IMS caller is: a user, an agency, or the account itself. */
export type ImsPrincipalClaim = { user_id: string } | { agency: string } | 'account';

/** A token for a caller of the IMS API (the IMS authorizer): the account and the principal, no scope. */
export async function mintImsToken(accountId: string, principal: ImsPrincipalClaim, options: MintOptions = {}): Promise<string> {
  const who =
    principal === 'account' ? { principal_type: 'account' } : 'user_id' in principal ? { principal_type: 'user', user_id: principal.user_id } : { principal_type: 'agency', agency: principal.agency };
  const subject = principal === 'account' ? accountId : 'user_id' in principal ? `${accountId}/${principal.user_id}` : `${accountId}/agency/${principal.agency}`;
  return sign({ ...who, ...options.claims, account_id: accountId }, subject, DEFAULT_IMS_AUDIENCE, options);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { ims: { type: 'boolean' } }, strict: false, allowPositionals: true });
  // The token is this command's output (for TOKEN=$(...)), not a log line.
  if (values.ims === true) {
    const [account = 'acc-1', who = 'account'] = positionals;
    const [kind, id] = who.split(':') as [string, string | undefined];
    const principal: ImsPrincipalClaim = kind === 'user' && id ? { user_id: id } : kind === 'agency' && id ? { agency: id } : 'account';
    process.stdout.write(`${await mintImsToken(account, principal)}\n`);
  } else {
    const [account = 'acc-1', ...scopes] = positionals;
    process.stdout.write(`${await mintToken(account, scopes.length ? scopes : SCOPES)}\n`);
  }
}
