/**
 * The HS256 verifier (functions/shared/jwt.ts) against tokens made by an independent implementation
 * (jose, a dev dependency) and against hand-made tampered tokens: every refusal rule has a case.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, base64url, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeBase64urlCanonical, JwtError, verifyHs256, type JwtProblem } from '../functions/shared/jwt.js';

const SECRET = 'a-test-secret-of-reasonable-length';
const KEY = Buffer.from(SECRET);
const NOW = 1_800_000_000;
const EXPECT = { issuer: 'ims-authz', audience: 'ims-authz', clockToleranceSec: 5, maxLifetimeSec: 3600, now: NOW };

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const sign = (h: string, p: string, key: string | Buffer = KEY): string => createHmac('sha256', key).update(`${h}.${p}`).digest('base64url');

/** A token signed by hand: any header and payload, a valid HS256 signature over them. */
function handMade(header: unknown, payload: unknown, key: string | Buffer = KEY): string {
  const h = b64(header);
  const p = b64(payload);
  return `${h}.${p}.${sign(h, p, key)}`;
}

const good = { iss: 'ims-authz', aud: 'ims-authz', exp: NOW + 60, iat: NOW, account_id: 'acc-1' };
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The other spellings of a base64url string's last character that decode to the same bytes (its unused bits set). */
function siblings(s: string): string[] {
  const unused = s.length % 4 === 2 ? 0x0f : s.length % 4 === 3 ? 0x03 : 0;
  const v = ALPHABET.indexOf(s[s.length - 1] as string);
  const out: string[] = [];
  for (let bits = 1; bits <= unused; bits++) if ((bits & unused) === bits) out.push(s.slice(0, -1) + ALPHABET[(v & ~unused) | bits]);
  return out;
}

function problemOf(token: string): JwtProblem | 'accepted' {
  try {
    verifyHs256(token, KEY, EXPECT);
    return 'accepted';
  } catch (err) {
    if (err instanceof JwtError) return err.problem;
    throw err;
  }
}

async function joseToken(payload: JWTPayload, alg = 'HS256', secret = SECRET): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

describe('verifyHs256', () => {
  it('accepts a token signed by jose and returns its claims', async () => {
    const token = await joseToken({ ...good, scope: 'evaluate' });
    expect(verifyHs256(token, KEY, EXPECT)).toMatchObject({ account_id: 'acc-1', scope: 'evaluate' });
  });

  it('accepts an audience list that contains the service, and a typ other than JWT', () => {
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, aud: ['other', 'ims-authz'] }))).toBe('accepted');
    expect(problemOf(handMade({ alg: 'HS256', typ: 'at+jwt' }, good))).toBe('accepted');
  });

  it('refuses another key, a changed payload and a cut signature', async () => {
    expect(problemOf(await joseToken(good, 'HS256', 'another-secret'))).toBe('signature');
    const [h, , s] = handMade({ alg: 'HS256' }, good).split('.');
    expect(problemOf(`${h}.${b64({ ...good, account_id: 'acc-2' })}.${s}`)).toBe('signature');
    expect(problemOf(`${h}.${b64(good)}.${(s as string).slice(0, 20)}`)).toBe('signature');
    expect(problemOf(`${h}.${b64(good)}.`)).toBe('signature');
  });

  it('refuses every algorithm but HS256, whatever the signature', async () => {
    expect(problemOf(`${b64({ alg: 'none' })}.${b64(good)}.`)).toBe('algorithm');
    expect(problemOf(`${b64({ alg: 'none' })}.${b64(good)}.${sign(b64({ alg: 'none' }), b64(good))}`)).toBe('algorithm');
    expect(problemOf(await joseToken(good, 'HS512'))).toBe('algorithm');
    expect(problemOf(handMade({ alg: 'RS256' }, good))).toBe('algorithm');
    expect(problemOf(handMade({ alg: 'hs256' }, good))).toBe('algorithm');
    expect(problemOf(handMade({ typ: 'JWT' }, good))).toBe('algorithm');
  });

  it('refuses critical and unencoded-payload headers', () => {
    expect(problemOf(handMade({ alg: 'HS256', crit: ['exp'] }, good))).toBe('malformed');
    expect(problemOf(handMade({ alg: 'HS256', b64: false }, good))).toBe('malformed');
    expect(problemOf(handMade({ alg: 'HS256', b64: true }, good))).toBe('accepted');
  });

  it('refuses what is not a compact JWS of JSON objects', () => {
    const t = handMade({ alg: 'HS256' }, good);
    for (const bad of ['', 'abc', t.split('.').slice(0, 2).join('.'), `${t}.x`, t.replace('.', '.+'), `${t}=`, 'a..b', `.${t.split('.')[1]}.${t.split('.')[2]}`]) {
      expect(problemOf(bad), bad).toBe('malformed');
    }
    expect(problemOf(handMade('[1]', good))).toBe('malformed');
    expect(problemOf(handMade({ alg: 'HS256' }, [good]))).toBe('malformed');
    expect(problemOf(handMade({ alg: 'HS256' }, 'not json'))).toBe('malformed');
    expect(problemOf(handMade({ alg: 'HS256' }, null))).toBe('malformed');
    expect(problemOf(`${b64({ alg: 'HS256' })}.${'A'.repeat(9000)}.x`)).toBe('malformed');
  });

  it('needs exp, and numbers for exp, nbf and iat', () => {
    const { exp: _exp, ...noExp } = good;
    expect(problemOf(handMade({ alg: 'HS256' }, noExp))).toBe('claims');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, exp: String(NOW + 60) }))).toBe('claims');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, nbf: 'soon' }))).toBe('claims');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, iat: null }))).toBe('claims');
  });

  it('checks exp and nbf with the clock tolerance', () => {
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, exp: NOW - 6 }))).toBe('expired');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, exp: NOW - 5 }))).toBe('expired');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, exp: NOW - 4 }))).toBe('accepted');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, nbf: NOW + 6 }))).toBe('not_yet_valid');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, nbf: NOW + 5 }))).toBe('accepted');
  });

  it('refuses a token issued in the future or living longer than the maximum', () => {
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, iat: NOW + 6 }))).toBe('not_yet_valid');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, iat: NOW + 5 }))).toBe('accepted');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, iat: NOW, exp: NOW + 3606 }))).toBe('lifetime');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, iat: NOW, exp: NOW + 3605 }))).toBe('accepted');
    // A token issued long ago is judged by its whole lifetime, not by what is left of it.
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, iat: NOW - 7200, exp: NOW + 60 }))).toBe('lifetime');
    const { iat: _iat, ...noIat } = good;
    expect(problemOf(handMade({ alg: 'HS256' }, { ...noIat, exp: NOW + 3606 }))).toBe('lifetime');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...noIat, exp: NOW + 3600 }))).toBe('accepted');
  });

  it('checks issuer and audience exactly', () => {
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, iss: 'someone-else' }))).toBe('issuer');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, iss: undefined }))).toBe('issuer');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, iss: 'IMS-AUTHZ' }))).toBe('issuer');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, aud: 'other' }))).toBe('audience');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, aud: [] }))).toBe('audience');
    expect(problemOf(handMade({ alg: 'HS256' }, { ...good, aud: undefined }))).toBe('audience');
  });
});

describe('canonical base64url (RFC 7515 section 2, RFC 4648 section 3.5)', () => {
  it('decodes exactly what Buffer encodes (the oracle), for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64url');
        expect(decodeBase64urlCanonical(text)?.equals(Buffer.from(bytes))).toBe(true);
        // jose, an independent implementation, agrees.
        expect(base64url.encode(bytes)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts a string if and only if it is the Buffer round trip of its bytes (one spelling per byte string)', () => {
    const chars = fc.constantFrom(...`${ALPHABET}=+/.~ \u00e9`.split(''));
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 24 }), (s) => {
        const canonical = /^[A-Za-z0-9_-]*$/.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s;
        expect(decodeBase64urlCanonical(s) !== null, s).toBe(canonical);
      }),
      { numRuns: 2000 },
    );
    // Every other spelling of a canonical string (unused bits set) is refused.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        for (const other of siblings(Buffer.from(bytes).toString('base64url'))) expect(decodeBase64urlCanonical(other)).toBeNull();
      }),
    );
  });

  it('refuses a length of 1 mod 4, padding and the standard alphabet', () => {
    for (const bad of ['A', 'AAAAA', 'AA==', 'AAA=', 'a+b/', 'ab cd']) expect(decodeBase64urlCanonical(bad), bad).toBeNull();
    expect(decodeBase64urlCanonical('')?.length).toBe(0);
  });

  it('issue 12 item 5: one signature has one spelling (the other three were accepted on main)', async () => {
    const token = await joseToken(good);
    const [h, p, sig] = token.split('.') as [string, string, string];
    expect(sig.length % 4).toBe(3); // 32 bytes: 2 unused bits, 3 other spellings
    const others = siblings(sig);
    expect(others).toHaveLength(3);
    for (const other of others) expect(problemOf(`${h}.${p}.${other}`), other).toBe('malformed');
    expect(problemOf(token)).toBe('accepted');
  });

  it('a header or payload spelled non-canonically is refused, even with a signature over that spelling', () => {
    const h = b64({ alg: 'HS256', typ: 'JWT', x: 'a' });
    const p = b64(good);
    for (const [hh, pp] of [...siblings(h).map((x) => [x, p]), ...siblings(p).map((x) => [h, x])] as Array<[string, string]>) {
      expect(problemOf(`${hh}.${pp}.${sign(hh, pp)}`)).toBe('malformed');
    }
    expect(problemOf(`${h}.${p}.${sign(h, p)}`)).toBe('accepted');
  });

  it('refuses a token that names the forbidden audience too', () => {
    const t = handMade({ alg: 'HS256' }, { ...good, aud: ['ims-authz', 'ims-api'] });
    try {
      verifyHs256(t, KEY, { ...EXPECT, forbiddenAudiences: ['ims-api'] });
      throw new Error('accepted');
    } catch (err) {
      expect((err as JwtError).problem).toBe('audience');
    }
  });
});
