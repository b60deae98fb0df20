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

export class RequestContext {
  private map: Map<string, ContextValues> | undefined;
  constructor(
    private readonly raw: Record<string, ContextValue> | undefined,
    private readonly defaults: ReadonlyArray<readonly [string, string]>,
  ) {}

  /** Values of a normalised key (see `normalizeConditionKey`), or undefined when the request lacks it. */
  get(normalizedKey: string): ContextValues | undefined {
    return (this.map ??= this.build()).get(normalizedKey);
  }

  private build(): Map<string, ContextValues> {
    const map = new Map<string, ContextValues>();
    for (const [key, value] of this.defaults) map.set(normalizedKey(key), [value]);
    if (this.raw) {
      for (const key of Object.keys(this.raw)) {
        const values = toValues(this.raw[key]);
        const norm = normalizedKey(key);
        if (values) map.set(norm, values);
        else map.delete(norm); // an explicit null / [] removes a default too
      }
    }
    return map;
  }
}

function toValues(v: ContextValue | undefined): ContextValues | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return [v];
  if (Array.isArray(v)) {
    const out = v.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean');
    return out.length > 0 ? out : null;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return [v];
  return null;
}

/** Global keys IAM fills from the caller and the request (docs/semantics.md, choice 2). */
export function contextDefaults(principal: Principal | undefined, region: string | undefined): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  if (principal?.user_id) out.push(['g:UserId', principal.user_id]);
  if (principal?.user_name) out.push(['g:UserName', principal.user_name]);
  if (principal?.account_id) out.push(['g:PrincipalAccount', principal.account_id]);
  if (principal?.org_path) out.push(['g:PrincipalOrgPath', principal.org_path]);
  if (region) {
    out.push(['g:ProjectName', region]);
    out.push(['g:RequestedRegion', region]);
  }
  return out;
}

export function scalarToString(v: ContextScalar): string {
  return typeof v === 'string' ? v : String(v);
}
