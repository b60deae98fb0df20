/**
 * Mints bearer tokens signed with the local key (HS256, AUTH_JWT_SECRET): what `npm start` prints and
 * what tests use. On AWS the HTTP API's JWT authorizer verifies tokens of the real issuer instead.
 *   node --import tsx infra/local/token.ts <account_id> [scope ...]
 */
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, SCOPES } from '../../functions/shared/auth.js';

/** The local development signing key (never used on AWS, where the JWT authorizer verifies tokens). */
export const LOCAL_JWT_SECRET = 'ims-authz-local-development-key-not-for-production';

export interface MintOptions {
  secret?: string;
  /** Seconds until expiry (default one day); negative for an already expired token. */
  ttl?: number;
  subject?: string;
  issuer?: string;
  audience?: string;
  /** Extra claims, e.g. `{ user_id: 'alice' }` or `{ agency: 'ims-copy' }` for a caller of the IMS authorizer. */
  claims?: Record<string, string>;
}

export async function mintToken(accountId: string, scopes: readonly string[] = SCOPES, options: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...options.claims, account_id: accountId, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? TOKEN_ISSUER)
    .setAudience(options.audience ?? TOKEN_AUDIENCE)
    .setSubject(options.subject ?? `${accountId}/admin`)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttl ?? 86_400))
    .sign(new TextEncoder().encode(options.secret ?? process.env.AUTH_JWT_SECRET ?? LOCAL_JWT_SECRET));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const [account = 'acc-1', ...scopes] = process.argv.slice(2);
  // The token is this command's output (for TOKEN=$(...)), not a log line.
  process.stdout.write(`${await mintToken(account, scopes.length ? scopes : SCOPES)}\n`);
}
