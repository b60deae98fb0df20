/**
 * The request context: condition keys (case-insensitive names, case-sensitive tag keys) to their values.
 * Built lazily, the first time a condition needs it, so requests that meet no condition pay nothing.
 */
import { actionCarriesKey, actionScopedLookup, carryClassOf, normalizeConditionKey } from '../catalog/catalog.js';
import { work } from '../steps.js';
import type { ContextScalar, ContextValue, Principal } from '../types.js';

export type ContextValues = readonly ContextScalar[];

/** What the engine needs of a context key name as written: its normalised form, and the PRINCIPAL_KEYS entry it names (or null). */
interface KeyInfo {
  norm: string;
  principal: string | null;
  /** Whether the key is action-scoped (only actions whose row lists it carry it). */
  scoped: boolean;
}

/** Context key names as requests write them: the same few recur in every request, so they are cached. */
const keyInfos = new Map<string, KeyInfo>();
function keyInfo(key: string): KeyInfo {
  let info = keyInfos.get(key);
  if (info === undefined) {
    const norm = normalizeConditionKey(key).normalized;
    info = { norm, principal: principalEntryOf(norm), scoped: actionScopedLookup(norm) !== null };
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
  { key: 'g:PrincipalUrn', fill: principalUrn },
  { key: 'g:PrincipalId', fill: (p) => ((p.type ?? 'user') === 'user' ? p.user_id : undefined) },
  { key: 'g:PrincipalType' },
  // The organization id is the first segment of the organization path (<org-id>/<root-id>/...).
  { key: 'g:PrincipalOrgId', fill: (p) => (p.org_path ? p.org_path.slice(0, p.org_path.indexOf('/') >>> 0) || undefined : undefined) },
  { key: 'g:PrincipalOrgManagementAccountId', fill: (p) => (p.management_account === true ? p.account_id : undefined) },
  { key: 'g:PrincipalIsRootUser' },
  { key: 'g:PrincipalTag/*' },
  { key: 'g:DomainName' },
];

/**
 * g:PrincipalUrn as the research documents it (V5-GKEYS): `iam::<account>:user:<user-name>` for a user,
 * `sts::<account>:assumed-agency:<agency>/<session>` for an agency session. Other principal types (the
 * account itself, service-linked agencies) have no documented form and are left without one, as is a
 * principal that lacks a part (the URN of someone else is never guessed).
 */
function principalUrn(p: Principal): string | undefined {
  const acct = p.account_id;
  if (!acct) return undefined;
  switch (p.type ?? 'user') {
    case 'user':
      return p.user_name ? `iam::${acct}:user:${p.user_name}` : undefined;
    case 'agency':
      return p.agency && p.session_name ? `sts::${acct}:assumed-agency:${p.agency}/${p.session_name}` : undefined;
    default:
      return undefined;
  }
}

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
 *
 * A decision asks about each distinct condition key once and about the enterprise project per scoped
 * statement, so the answers are kept; a new key costs a binary search over the prefixes, not a scan of
 * them (100 prefixes of 256 characters, asked for thousands of keys, were a scan of 25,600 characters per
 * key): O(log p x key length) steps (docs/limits.md).
 */
export class UnknownKeys {
  /**
   * The prefixes sorted, without those that extend another (they add nothing): then at most one of them
   * begins a key, and it is the greatest one not after the key (the strings between a prefix and a key it
   * begins all begin with it, so none of them is kept).
   */
  private readonly sorted: readonly string[];
  private readonly answers = new Map<string, boolean>();

  constructor(
    /** Normalised exact names. */
    readonly exact: ReadonlySet<string>,
    /** Normalised prefixes of the patterns (`*` alone: the empty prefix). */
    prefixes: readonly string[],
    /** The exact names that are keys derived from the principal, as written. */
    readonly principalNamed: readonly string[] = [],
  ) {
    const all = [...prefixes].sort();
    const kept: string[] = [];
    let chars = 0;
    for (const p of all) {
      chars += p.length + 1;
      if (kept.length === 0 || !p.startsWith(kept[kept.length - 1]!)) kept.push(p);
    }
    work.steps += chars * (Math.ceil(Math.log2(all.length + 1)) + 1);
    this.sorted = kept;
  }

  /** Whether a key that the context does not hold is unknown. */
  covers(normalizedKey: string): boolean {
    if (this.exact.has(normalizedKey)) return true;
    const ps = this.sorted;
    if (ps.length === 0) return false;
    let known = this.answers.get(normalizedKey);
    if (known !== undefined) return known;
    // The greatest prefix not after the key.
    let lo = 0;
    let hi = ps.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (ps[mid]! <= normalizedKey) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    work.steps += (Math.ceil(Math.log2(ps.length + 1)) + 1) * (normalizedKey.length + 1);
    known = at !== -1 && normalizedKey.startsWith(ps[at]!);
    this.answers.set(normalizedKey, known);
    return known;
  }
}

/** A value as stored while the context is built: a request scalar (wrapped when read) or a list of scalars. */
type Stored = ContextScalar | ContextValues;

export const CURRENT_TIME_KEY = 'g:currenttime';

export class RequestContext {
  private map: Map<string, Stored | null> | undefined;
  constructor(
    private readonly raw: Record<string, ContextValue> | undefined,
    private readonly principal: Principal | undefined,
    private readonly region: string | undefined,
    /** The request's unknown keys (three-valued evaluation), or null. */
    readonly unknown: UnknownKeys | null = null,
    /** The time of evaluation (ISO 8601, UTC): g:CurrentTime unless the request gives it. */
    readonly currentTime: string | null = null,
    /** A view for the actions of a carry class (its first action index), or -1 for the request's context. */
    private readonly carryAction: number = -1,
    /** The request's context, for a view. */
    private readonly base: RequestContext | null = null,
  ) {}

  /** By carry class (catalog `carryClassOf`): the actions' view (see `forAction`), made when first asked for. */
  private views: Array<RequestContext | undefined> | undefined;
  /** Whether the request gives an action-scoped key (null: not looked at yet). */
  private givesScoped: boolean | null = null;

  /**
   * The context as the action sees it (docs/semantics.md, "Keys an action does not carry"): an action-scoped
   * key the action's row does not list is absent, whatever the request gives or marks unknown. The context
   * itself when nothing is to hide (no such key given, no unknown keys): the common case costs one look
   * at the request's keys, once per request.
   */
  forAction(actionIndex: number): RequestContext {
    if (this.base !== null) return this.base.forAction(actionIndex);
    if (this.unknown === null) {
      if (this.givesScoped === null) {
        this.givesScoped = false;
        for (const key in this.raw) if (keyInfo(key).scoped) this.givesScoped = true;
      }
      if (!this.givesScoped) return this;
    }
    const views = (this.views ??= []);
    const cls = carryClassOf(actionIndex);
    return (views[cls] ??= new RequestContext(this.raw, this.principal, this.region, this.unknown, this.currentTime, cls, this));
  }

  /** The keys of `context` (as written) an action does not carry: supplied and ignored for it. Null when none. */
  ignoredFor(actionIndex: number): string[] | null {
    if (this.givesScoped === false) return null;
    const cls = carryClassOf(actionIndex);
    const known = (this.ignored ??= [])[cls];
    if (known !== undefined) return known;
    let out: string[] | null = null;
    for (const key in this.raw) {
      const v = this.raw[key];
      if (v === null || (Array.isArray(v) && v.length === 0)) continue;
      if (keyInfo(key).scoped && !actionCarriesKey(actionIndex, keyInfo(key).norm)) (out ??= []).push(key);
    }
    return (this.ignored[cls] = out);
  }
  /** By carry class: `ignoredFor`'s answer (null: none ignored). */
  private ignored: Array<string[] | null | undefined> | undefined;

  /** Keys of `context` derived from the principal (PRINCIPAL_KEYS), as written; null when none. */
  private principalSet: string[] | null = null;

  /**
   * The keys derived from the principal that the request sets in `context` or names exactly in
   * `unknown_context_keys` (what-if overrides of inline evaluation), as written; null when none. Read from
   * the built context when a condition built it; otherwise the request's keys are looked at here.
   */
  principalKeysSet(): readonly string[] | null {
    if (this.base !== null) return this.base.principalKeysSet();
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
    return u !== null && !(this.map ??= this.build()).has(normalizedKey) && u.covers(normalizedKey) && (this.carryAction < 0 || actionCarriesKey(this.carryAction, normalizedKey));
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
    if (this.currentTime !== null) map.set(CURRENT_TIME_KEY, this.currentTime);
    if (this.region) {
      map.set(normalizedKey('g:ProjectName'), this.region);
      map.set(normalizedKey('g:RequestedRegion'), this.region);
    }
    const raw = this.raw;
    if (raw) {
      for (const key of Object.keys(raw)) {
        const info = keyInfo(key);
        // A view: a key its actions do not carry is absent (docs/semantics.md, "Keys an action does not carry").
        if (info.scoped && this.carryAction >= 0 && !actionCarriesKey(this.carryAction, info.norm)) continue;
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
