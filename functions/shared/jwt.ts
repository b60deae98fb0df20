/**
 * Verification of a compact JWS signed with HS256 and of its registered claims (RFC 7515, RFC 7519), on
 * node:crypto's HMAC: the only algorithm the service accepts, so a general JOSE library (and WebCrypto's
 * start-up, a few milliseconds of every cold start) is not needed. What it refuses:
 * - anything but three base64url parts, a header that is not a JSON object, `alg` other than `HS256`
 *   (`none`, `HS512`, `RS256` ...), a `crit` header (no extension is understood), `b64: false`;
 * - a signature that is not the HMAC-SHA256 of `header.payload` under the key (compared in constant time);
 * - a payload that is not a JSON object; `exp`, `nbf` or `iat` that are not numbers; a missing `exp`;
 * - `exp` in the past, `nbf` or `iat` in the future (beyond the clock tolerance), a lifetime (`exp` - `iat`,
 *   or `exp` - now without `iat`) over the maximum; `iss` or `aud` other than expected.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtProblem = 'malformed' | 'algorithm' | 'signature' | 'expired' | 'not_yet_valid' | 'lifetime' | 'claims' | 'issuer' | 'audience';

export class JwtError extends Error {
  constructor(
    readonly problem: JwtProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface JwtExpectations {
  issuer: string;
  audience: string;
  /** Seconds of clock skew accepted on `exp`, `nbf` and `iat`. */
  clockToleranceSec: number;
  /** The longest a token may live: a leaked token stops working soon. */
  maxLifetimeSec: number;
  /** Seconds since the epoch (default: now). */
  now?: number;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** Longer tokens are refused before any decoding (a header value of this service is far shorter). */
const MAX_TOKEN_LENGTH = 8192;

function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('malformed', `The token's ${what} is not JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwtError('malformed', `The token's ${what} is not a JSON object.`);
  return value as Record<string, unknown>;
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new JwtError('claims', `The token's "${name}" claim is not a number.`);
  return v;
}

/** The verified claims of an HS256 token; a JwtError says why it was refused. */
export function verifyHs256(token: string, key: Buffer, expect: JwtExpectations): Record<string, unknown> {
  if (token.length > MAX_TOKEN_LENGTH) throw new JwtError('malformed', 'The token is too long.');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p)) || parts[0] === '' || parts[1] === '') {
    throw new JwtError('malformed', 'The token is not a compact JWS (three base64url parts).');
  }
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJsonObject(h, 'header');
  if (header.alg !== 'HS256') throw new JwtError('algorithm', 'The token is not signed with HS256.');
  if (header.crit !== undefined) throw new JwtError('malformed', 'The token has critical header parameters this service does not understand.');
  if (header.b64 !== undefined && header.b64 !== true) throw new JwtError('malformed', 'The token has an unencoded payload.');

  const expected = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new JwtError('signature', 'The token signature is not valid.');

  const claims = decodeJsonObject(p, 'payload');
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  const tolerance = expect.clockToleranceSec;
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  if (exp === undefined) throw new JwtError('claims', 'The token has no expiry ("exp").');
  if (exp <= now - tolerance) throw new JwtError('expired', 'The token has expired.');
  if (nbf !== undefined && nbf > now + tolerance) throw new JwtError('not_yet_valid', 'The token is not valid yet ("nbf").');
  if (iat !== undefined && iat > now + tolerance) throw new JwtError('not_yet_valid', 'The token is issued in the future ("iat").');
  if (exp - (iat ?? now) > expect.maxLifetimeSec + tolerance) throw new JwtError('lifetime', `The token lives longer than ${expect.maxLifetimeSec / 3600} hours.`);
  if (claims.iss !== expect.issuer) throw new JwtError('issuer', 'The token is not from this issuer.');
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(expect.audience)) throw new JwtError('audience', 'The token is not for this audience.');
  return claims;
}
