/**
 * The request context: condition keys (case-insensitive names, case-sensitive tag keys) to their values.
 * Built lazily, the first time a condition needs it, so requests that meet no condition pay nothing.
 */
import { normalizeConditionKey } from '../catalog/catalog.js';
import type { ContextScalar, ContextValue, Principal } from '../types.js';

export type ContextValues = readonly ContextScalar[];

/** What the engine needs of a context key name as written: its normalised form, and the PRINCIPAL_KEYS entry it names (or null). */
interface KeyInfo {
  norm: string;
  principal: string | null;
}

/** Context key names as requests write them: the same few recur in every request, so they are cached. */
const keyInfos = new Map<string, KeyInfo>();
function keyInfo(key: string): KeyInfo {
  let info = keyInfos.get(key);
  if (info === undefined) {
    const norm = normalizeConditionKey(key).normalized;
    info = { norm, principal: principalEntryOf(norm) };
    if (keyInfos.size < 4096) keyInfos.set(key, info);
  }
  return info;
}

/** The normalised form of a context key name (see `normalizeConditionKey`). */
export function normalizedKey(key: string): string {
  return keyInfo(key).norm;
}

/**
 * The condition keys derived from the principal: the one list of them (docs/semantics.md, "Identity keys").
 * When a principal is evaluated by reference (its stored identity: the HTTP functions without inline
 * policies, the batch worker, the IMS authorizer) a request may not set or hide any of them; inline
 * evaluation takes them as what-if overrides, with a warning. `fill` says how the context builder derives
 * the key from the request's principal (keys without it are not filled yet, and so are absent, or unknown
 * under an `unknown_context_keys` pattern). A name ending in `/*` stands for every tag key after it.
 */
export const PRINCIPAL_KEYS: ReadonlyArray<{ key: string; fill?: (p: Principal) => string | undefined }> = [
  { key: 'g:UserId', fill: (p) => p.user_id },
  { key: 'g:UserName', fill: (p) => p.user_name },
  { key: 'g:PrincipalAccount', fill: (p) => p.account_id },
  { key: 'g:PrincipalOrgPath', fill: (p) => p.org_path },
  { key: 'g:PrincipalUrn' },
  { key: 'g:PrincipalId' },
  { key: 'g:PrincipalType' },
  { key: 'g:PrincipalOrgId' },
  { key: 'g:PrincipalOrgManagementAccountId' },
  { key: 'g:PrincipalIsRootUser' },
  { key: 'g:PrincipalTag/*' },
  { key: 'g:DomainName' },
];

interface PrincipalKeyIndex {
  /** Normalised name -> the list entry. */
  names: Map<string, string>;
  /** Normalised prefixes of the `/*` entries -> the list entry. */
  prefixes: Array<[string, string]>;
  /** The entries the builder fills: normalised key and filler. */
  filled: Array<[string, (p: Principal) => string | undefined]>;
  /**
   * A first test on a key as written, by character codes (no lookup): every entry is `g:` then one of
   * these letters (either case). Null when an entry has another shape (then every key is looked up).
   */
  third: Uint8Array | null;
}
let principalIndex: PrincipalKeyIndex | undefined;
function principalKeys(): PrincipalKeyIndex {
  if (principalIndex) return principalIndex;
  const index: PrincipalKeyIndex = { names: new Map(), prefixes: [], filled: [], third: new Uint8Array(128) };
  for (const { key, fill } of PRINCIPAL_KEYS) {
    const c = key.charCodeAt(2);
    if (!/^g:[A-Za-z]/.test(key)) index.third = null;
    else if (index.third) index.third[c | 32] = index.third[c & ~32] = 1;
    const norm = normalizeConditionKey(key.endsWith('/*') ? key.slice(0, -1) : key).normalized;
    if (key.endsWith('/*')) index.prefixes.push([norm, key]);
    else index.names.set(norm, key);
    if (fill) index.filled.push([norm, fill]);
  }
  return (principalIndex = index);
}

function principalEntryOf(norm: string): string | null {
  const index = principalKeys();
  const named = index.names.get(norm);
  if (named !== undefined) return named;
  for (const [prefix, entry] of index.prefixes) if (norm.startsWith(prefix)) return entry;
  return null;
}

/** The entry of PRINCIPAL_KEYS a context key names (any case of the name; a tag key of a `/*` entry), or null. */
export function principalKeyOf(key: string): string | null {
  return keyInfo(key).principal;
}

/**
 * The keys a request says it does not know (`unknown_context_keys`): exact names, prefixes (an entry
 * ending in `*`), or every key (`*`). A key is unknown when it is named exactly, or when it matches a
 * pattern and the request neither gives it in `context` nor has it derived from the principal or region.
 */
export class UnknownKeys {
  constructor(
    /** Normalised exact names. */
    readonly exact: ReadonlySet<string>,
    /** Normalised prefixes of the patterns (`*` alone: the empty prefix). */
    readonly prefixes: readonly string[],
    /** The exact names that are keys derived from the principal, as written. */
    readonly principalNamed: readonly string[] = [],
  ) {}

  /** Whether a key that the context does not hold is unknown. */
  covers(normalizedKey: string): boolean {
    if (this.exact.has(normalizedKey)) return true;
    const ps = this.prefixes;
    for (let i = 0; i < ps.length; i++) if (normalizedKey.startsWith(ps[i]!)) return true;
    return false;
  }
}

/** A value as stored while the context is built: a request scalar (wrapped when read) or a list of scalars. */
type Stored = ContextScalar | ContextValues;

export class RequestContext {
  private map: Map<string, Stored | null> | undefined;
  constructor(
    private readonly raw: Record<string, ContextValue> | undefined,
    private readonly principal: Principal | undefined,
    private readonly region: string | undefined,
    /** The request's unknown keys (three-valued evaluation), or null. */
    readonly unknown: UnknownKeys | null = null,
  ) {}

  /** Keys of `context` derived from the principal (PRINCIPAL_KEYS), as written; null when none. */
  private principalSet: string[] | null = null;

  /**
   * The keys derived from the principal that the request sets in `context` or names exactly in
   * `unknown_context_keys` (what-if overrides of inline evaluation), as written; null when none. Read from
   * the built context when a condition built it; otherwise the request's keys are looked at here.
   */
  principalKeysSet(): readonly string[] | null {
    let keys = this.principalSet;
    if (this.map === undefined && this.raw !== undefined) {
      const third = principalKeys().third;
      for (const key in this.raw) {
        if (third !== null && !(key.charCodeAt(1) === 58 && third[key.charCodeAt(2) & 127] === 1 && (key.charCodeAt(0) | 32) === 103)) continue;
        if (keyInfo(key).principal !== null) (keys ??= []).push(key);
      }
    }
    const named = this.unknown?.principalNamed;
    return named && named.length > 0 ? [...(keys ?? []), ...named] : keys;
  }

  /** Values of a normalised key (see `normalizeConditionKey`), or undefined when the request lacks it. */
  get(normalizedKey: string): ContextValues | undefined {
    const v = (this.map ??= this.build()).get(normalizedKey);
    if (v === undefined || v === null) return undefined;
    return typeof v === 'object' ? v : [v];
  }

  /** Whether the value of a normalised key is unknown (always false without `unknown_context_keys`). */
  isUnknown(normalizedKey: string): boolean {
    const u = this.unknown;
    return u !== null && !(this.map ??= this.build()).has(normalizedKey) && u.covers(normalizedKey);
  }

  /**
   * The defaults IAM fills from the caller and the request (docs/semantics.md, choice 2), then the
   * request's keys, which replace them; an explicit null / [] removes a key (and its default). A key named
   * exactly in `unknown_context_keys` is unknown even when derived.
   */
  private build(): Map<string, Stored | null> {
    const map = new Map<string, Stored | null>();
    const p = this.principal;
    if (p !== undefined) {
      const filled = principalKeys().filled;
      for (let i = 0; i < filled.length; i++) {
        const v = filled[i]![1](p);
        if (v) map.set(filled[i]![0], v);
      }
    }
    if (this.region) {
      map.set(normalizedKey('g:ProjectName'), this.region);
      map.set(normalizedKey('g:RequestedRegion'), this.region);
    }
    const raw = this.raw;
    if (raw) {
      for (const key of Object.keys(raw)) {
        const info = keyInfo(key);
        map.set(info.norm, toStored(raw[key]));
        if (info.principal !== null) (this.principalSet ??= []).push(key);
      }
    }
    if (this.unknown !== null) for (const k of this.unknown.exact) map.delete(k);
    return map;
  }
}

const isScalar = (x: unknown): x is ContextScalar => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';

/** A request value in stored form; null when it holds no scalar (absent). Lists of scalars are kept as given. */
function toStored(v: ContextValue | undefined): Stored | null {
  if (isScalar(v)) return v;
  if (!Array.isArray(v)) return null;
  const list: readonly unknown[] = v;
  const out = list.every(isScalar) ? (list as ContextValues) : list.filter(isScalar);
  return out.length > 0 ? out : null;
}

export function scalarToString(v: ContextScalar): string {
  return typeof v === 'string' ? v : String(v);
}
