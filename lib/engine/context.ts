/**
 * The request context: condition keys (case-insensitive names, case-sensitive tag keys) to their values.
 * Built lazily, the first time a condition needs it, so requests that meet no condition pay nothing.
 */
import { normalizeConditionKey } from '../catalog/catalog.js';
import type { ContextScalar, ContextValue, Principal } from '../types.js';

export type ContextValues = readonly ContextScalar[];

/** Normalised form of context key names: the same few keys recur in every request, so they are cached. */
const normalizedKeys = new Map<string, string>();
function normalizedKey(key: string): string {
  let n = normalizedKeys.get(key);
  if (n === undefined) {
    n = normalizeConditionKey(key).normalized;
    if (normalizedKeys.size < 4096) normalizedKeys.set(key, n);
  }
  return n;
}

/** A value as stored while the context is built: a request scalar (wrapped when read) or a list of scalars. */
type Stored = ContextScalar | ContextValues;

export class RequestContext {
  private map: Map<string, Stored | null> | undefined;
  constructor(
    private readonly raw: Record<string, ContextValue> | undefined,
    private readonly principal: Principal | undefined,
    private readonly region: string | undefined,
  ) {}

  /** Values of a normalised key (see `normalizeConditionKey`), or undefined when the request lacks it. */
  get(normalizedKey: string): ContextValues | undefined {
    const v = (this.map ??= this.build()).get(normalizedKey);
    if (v === undefined || v === null) return undefined;
    return typeof v === 'object' ? v : [v];
  }

  /**
   * The defaults IAM fills from the caller and the request (docs/semantics.md, choice 2), then the
   * request's keys, which replace them; an explicit null / [] removes a key (and its default).
   */
  private build(): Map<string, Stored | null> {
    const map = new Map<string, Stored | null>();
    const p = this.principal;
    if (p !== undefined) {
      if (p.user_id) map.set(normalizedKey('g:UserId'), p.user_id);
      if (p.user_name) map.set(normalizedKey('g:UserName'), p.user_name);
      if (p.account_id) map.set(normalizedKey('g:PrincipalAccount'), p.account_id);
      if (p.org_path) map.set(normalizedKey('g:PrincipalOrgPath'), p.org_path);
    }
    if (this.region) {
      map.set(normalizedKey('g:ProjectName'), this.region);
      map.set(normalizedKey('g:RequestedRegion'), this.region);
    }
    const raw = this.raw;
    if (raw) {
      for (const key of Object.keys(raw)) map.set(normalizedKey(key), toStored(raw[key]));
    }
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
