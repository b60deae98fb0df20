/**
 * The issuer's public keys (a JWKS, RFC 7517) for the IMS authorizer in the `gateway-jwt` mode: the /v1
 * routes have API Gateway's JWT authorizer in front of them, but the IMS authorizer is itself the
 * authorizer of its routes, so it verifies the IMS caller's token with the same keys API Gateway uses.
 *
 * Where the keys come from: `AUTH_JWKS_URL` if set, else the `jwks_uri` of the issuer's OpenID discovery
 * document (`<issuer>/.well-known/openid-configuration`, what API Gateway reads too). Both must be https
 * (plain http only on a loopback host, for tests and a local issuer).
 *
 * Fetched on first use, kept for 10 minutes, fetched again at most every 30 s when a token names a key id
 * the set does not have (the issuer rotated its keys); fetches are shared by concurrent calls, time out
 * after 3 s and read at most 64 KiB. A failure is `keys_unavailable` (the authorizer denies:
 * KEYS_UNAVAILABLE), never a key chosen some other way: `jku`, `jwk`, `x5u` and `x5c` headers are ignored.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { isHttpsUrl } from './auth-config.js';
import { ASYMMETRIC_ALGORITHMS, JwtError } from './jwt.js';

const FETCH_TIMEOUT_MS = 3000;
const MAX_DOCUMENT_BYTES = 64 * 1024;
const KEYS_TTL_MS = 10 * 60_000;
const REFETCH_MIN_INTERVAL_MS = 30_000;

interface KeyEntry {
  key: KeyObject;
  kty: string;
  crv?: string;
  /** The key's `alg`, when the set names one: then only that algorithm may use it. */
  alg?: string;
}

interface KeySet {
  source: string;
  keys: Map<string, KeyEntry>;
  /** Keys without a `kid`: used only when the token names none either. */
  anonymous: KeyEntry[];
  fetchedAt: number;
}

let cached: KeySet | undefined;
let inflight: { source: string; promise: Promise<KeySet> } | undefined;
let lastFetch = 0;

/** Forgets the keys (tests). */
export function clearJwksCache(): void {
  cached = undefined;
  inflight = undefined;
  lastFetch = 0;
}

const unavailable = (why: string): JwtError => new JwtError('keys_unavailable', `The issuer's keys: ${why}.`);

/** A JSON document of at most MAX_DOCUMENT_BYTES from a trusted URL; a failure is `keys_unavailable`. */
async function fetchJson(url: string): Promise<unknown> {
  if (!isHttpsUrl(url)) throw unavailable(`${url} is not https`);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error', headers: { accept: 'application/json' } });
    const text = res.ok ? await res.text() : '';
    if (!res.ok || Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) throw new Error();
    return JSON.parse(text) as unknown;
  } catch {
    throw unavailable(`${url} gave no JSON document`);
  }
}

async function load(issuer: string, jwksUrl: string | undefined): Promise<KeySet> {
  let url = jwksUrl;
  if (!url) {
    const discovery = (await fetchJson(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)) as { jwks_uri?: unknown } | null;
    if (typeof discovery?.jwks_uri !== 'string') throw unavailable('no jwks_uri');
    url = discovery.jwks_uri;
  }
  const doc = (await fetchJson(url)) as { keys?: unknown } | null;
  if (!Array.isArray(doc?.keys)) throw unavailable('no keys');
  const set: KeySet = { source: `${issuer} ${jwksUrl ?? ''}`, keys: new Map(), anonymous: [], fetchedAt: Date.now() };
  for (const jwk of doc.keys as unknown[]) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const k = jwk as Record<string, unknown>;
    if (k.use !== undefined && k.use !== 'sig') continue;
    if (k.kty !== 'RSA' && k.kty !== 'EC') continue;
    if ('d' in k) continue; // a private key published by mistake: never used
    let key: KeyObject;
    try {
      key = createPublicKey({ key: k as JsonWebKey, format: 'jwk' });
    } catch {
      continue;
    }
    const entry: KeyEntry = { key, kty: k.kty };
    if (typeof k.crv === 'string') entry.crv = k.crv;
    if (typeof k.alg === 'string') entry.alg = k.alg;
    if (typeof k.kid === 'string') set.keys.set(k.kid, entry);
    else set.anonymous.push(entry);
  }
  return set;
}

function refresh(issuer: string, jwksUrl: string | undefined): Promise<KeySet> {
  const source = `${issuer} ${jwksUrl ?? ''}`;
  if (inflight?.source === source) return inflight.promise;
  lastFetch = Date.now();
  const promise = load(issuer, jwksUrl).then(
    (set) => {
      cached = set;
      if (inflight?.promise === promise) inflight = undefined;
      return set;
    },
    (err: unknown) => {
      if (inflight?.promise === promise) inflight = undefined;
      throw err;
    },
  );
  inflight = { source, promise };
  return promise;
}

function pick(set: KeySet, alg: string, kid: string | undefined): KeyEntry | undefined {
  const spec = ASYMMETRIC_ALGORITHMS[alg];
  if (!spec) return undefined;
  const fits = (e: KeyEntry): boolean => e.kty === spec.kty && (spec.curve === undefined || e.crv === spec.curve) && (e.alg === undefined || e.alg === alg);
  if (kid !== undefined) {
    const e = set.keys.get(kid);
    return e && fits(e) ? e : undefined;
  }
  // No kid: only a set with exactly one fitting key decides (never "try every key").
  const all = [...set.anonymous, ...set.keys.values()].filter(fits);
  return all.length === 1 ? all[0] : undefined;
}

/** The issuer's key for a token's `alg` and `kid`; a JwtError when there is none. */
export async function issuerKey(issuer: string, jwksUrl: string | undefined, alg: string, kid: string | undefined): Promise<KeyObject> {
  const source = `${issuer} ${jwksUrl ?? ''}`;
  let set = cached?.source === source && Date.now() - cached.fetchedAt < KEYS_TTL_MS ? cached : await refresh(issuer, jwksUrl);
  let entry = pick(set, alg, kid);
  if (!entry && Date.now() - lastFetch >= REFETCH_MIN_INTERVAL_MS) {
    set = await refresh(issuer, jwksUrl);
    entry = pick(set, alg, kid);
  }
  if (!entry) throw new JwtError('signature', 'No key of the issuer fits the token.');
  return entry.key;
}
