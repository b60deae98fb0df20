/**
 * Verification of a compact JWS and of its registered claims (RFC 7515, RFC 7519) on node:crypto: HS256
 * (HMAC with a shared key, the `hs256` auth mode) and RS256 / ES256 (a public key of the issuer's JWKS, the
 * IMS authorizer in the `gateway-jwt` mode). No general JOSE library (and no WebCrypto start-up, a few
 * milliseconds of every cold start). What it refuses:
 * - anything but three base64url parts; a part that is not the canonical base64url of its bytes (RFC 7515
 *   section 2 and RFC 4648 section 3.5: no padding, no characters outside the URL-safe alphabet, a length
 *   that is not 1 mod 4, and zero unused bits in the last character), so one signature has one spelling;
 * - a header that is not a JSON object, an algorithm other than the one the key is for (`none`, `HS512`,
 *   `RS256` on an HMAC key ...), a `crit` header (no extension is understood), `b64: false`;
 * - a signature that does not verify (HMAC compared in constant time);
 * - a payload that is not a JSON object; `exp`, `nbf` or `iat` that are not numbers; a missing `exp`;
 * - `exp` in the past, `nbf` or `iat` in the future (beyond the clock tolerance), a lifetime (`exp` - `iat`,
 *   or `exp` - now without `iat`) over the maximum; `iss` other than expected; an `aud` that does not hold
 *   the expected audience, or holds one the token must not be for (a token for the IMS API is never one for
 *   this service's API, and the other way round).
 */
import { createHmac, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';

export type JwtProblem = 'malformed' | 'algorithm' | 'signature' | 'expired' | 'not_yet_valid' | 'lifetime' | 'claims' | 'issuer' | 'audience' | 'keys_unavailable';

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
  /** Audiences the token must not name (the other kind of token's). */
  forbiddenAudiences?: readonly string[];
  /** Seconds of clock skew accepted on `exp`, `nbf` and `iat`. */
  clockToleranceSec: number;
  /** The longest a token may live: a leaked token stops working soon. */
  maxLifetimeSec: number;
  /** Seconds since the epoch (default: now). */
  now?: number;
}

/** Longer tokens are refused before any decoding (a header value of this service is far shorter). */
export const MAX_TOKEN_LENGTH = 8192;

/** The value of each base64url character (RFC 4648 section 5), -1 for any other character. */
const B64URL_VALUE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => (B64URL_VALUE[c.charCodeAt(0)] = i));

/**
 * The bytes of a canonical base64url string, or null. Canonical: only the 64 URL-safe characters, no
 * padding, a length that is not 1 mod 4 (no whole byte would fit), and the bits of the last character that
 * encode no byte (4 when the length is 2 mod 4, 2 when it is 3 mod 4) all zero: exactly the string
 * Buffer.toString('base64url') gives for those bytes, so every byte string has one spelling.
 */
export function decodeBase64urlCanonical(s: string): Buffer | null {
  const n = s.length;
  if (n % 4 === 1) return null;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || B64URL_VALUE[c] === -1) return null;
  }
  if (n > 0) {
    const last = B64URL_VALUE[s.charCodeAt(n - 1)] as number;
    const unused = n % 4 === 2 ? 0x0f : n % 4 === 3 ? 0x03 : 0;
    if ((last & unused) !== 0) return null;
  }
  return Buffer.from(s, 'base64url');
}

function decodeJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new JwtError('malformed', `The ${what} is not JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwtError('malformed', `The ${what} is not a JSON object.`);
  return value as Record<string, unknown>;
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new JwtError('claims', `"${name}" is not a number.`);
  return v;
}

/** A compact JWS split and decoded (signature not checked yet). */
export interface ParsedJws {
  /** `header.payload`, the signing input. */
  signingInput: string;
  header: Record<string, unknown>;
  payload: Buffer;
  signature: Buffer;
}

/** Splits and decodes a compact JWS; checks the header parameters every algorithm shares. */
export function parseJws(token: string): ParsedJws {
  if (token.length > MAX_TOKEN_LENGTH) throw new JwtError('malformed', 'Too long.');
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '') throw new JwtError('malformed', 'Not a compact JWS.');
  const [h, p, s] = parts as [string, string, string];
  const decoded = [h, p, s].map(decodeBase64urlCanonical);
  if (decoded.some((d) => d === null)) throw new JwtError('malformed', 'A part is not canonical base64url (RFC 7515).');
  const [hb, pb, sb] = decoded as [Buffer, Buffer, Buffer];
  const header = decodeJsonObject(hb, 'header');
  if (header.crit !== undefined) throw new JwtError('malformed', 'Unsupported crit header.');
  if (header.b64 !== undefined && header.b64 !== true) throw new JwtError('malformed', 'Unsupported b64 header.');
  return { signingInput: `${h}.${p}`, header, payload: pb, signature: sb };
}

/** The registered claims of a token whose signature is verified; returns the claims. */
export function checkClaims(parsed: ParsedJws, expect: JwtExpectations): Record<string, unknown> {
  const claims = decodeJsonObject(parsed.payload, 'payload');
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  const tolerance = expect.clockToleranceSec;
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  if (exp === undefined) throw new JwtError('claims', 'No "exp".');
  if (exp <= now - tolerance) throw new JwtError('expired', 'Expired.');
  if (nbf !== undefined && nbf > now + tolerance) throw new JwtError('not_yet_valid', 'Not valid yet ("nbf").');
  if (iat !== undefined && iat > now + tolerance) throw new JwtError('not_yet_valid', 'Issued in the future ("iat").');
  if (exp - (iat ?? now) > expect.maxLifetimeSec + tolerance) throw new JwtError('lifetime', `Lives over ${expect.maxLifetimeSec / 3600} h.`);
  if (claims.iss !== expect.issuer) throw new JwtError('issuer', 'Another issuer.');
  checkAudience(claims.aud, expect);
  return claims;
}

/** `aud` (a string or an array of strings) holds the expected audience and none of the forbidden ones. */
export function checkAudience(aud: unknown, expect: Pick<JwtExpectations, 'audience' | 'forbiddenAudiences'>): void {
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(expect.audience)) throw new JwtError('audience', 'Not for this audience.');
  if (expect.forbiddenAudiences?.some((a) => audiences.includes(a))) throw new JwtError('audience', 'Also for the other kind of token.');
}

/** The verified claims of an HS256 token; a JwtError says why it was refused. */
export function verifyHs256(token: string, key: Buffer, expect: JwtExpectations): Record<string, unknown> {
  const parsed = parseJws(token);
  if (parsed.header.alg !== 'HS256') throw new JwtError('algorithm', 'Not HS256.');
  const expected = createHmac('sha256', key).update(parsed.signingInput).digest();
  if (parsed.signature.length !== expected.length || !timingSafeEqual(parsed.signature, expected)) throw new JwtError('signature', 'Bad signature.');
  return checkClaims(parsed, expect);
}

/** The asymmetric algorithms the IMS authorizer accepts from an issuer's key set, with their key types. */
export const ASYMMETRIC_ALGORITHMS: Readonly<Record<string, { kty: 'RSA' | 'EC'; hash: string; curve?: string }>> = {
  RS256: { kty: 'RSA', hash: 'sha256' },
  ES256: { kty: 'EC', hash: 'sha256', curve: 'P-256' },
};

/** Whether `signature` is the `alg` signature of `input` under `key` (ES256: the JWS r||s form). */
export function verifyAsymmetric(alg: string, key: KeyObject, input: string, signature: Buffer): boolean {
  const spec = ASYMMETRIC_ALGORITHMS[alg];
  if (!spec) return false;
  try {
    return spec.kty === 'EC' ? verifySignature(spec.hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature) : verifySignature(spec.hash, Buffer.from(input), key, signature);
  } catch {
    return false;
  }
}
