/**
 * Typed access to the compiled IMS catalog (`@ims-authz/catalog`, shipped in the shared Lambda layer).
 * The package is plain data; the few derived structures below are built once, on first use.
 */
import catalogData from '@ims-authz/catalog';
import type { CatalogAction, CatalogConditionKey, CompiledCatalog } from '@ims-authz/catalog';
import { compileGlob } from '../match/glob.js';

export type { CatalogAction, CatalogConditionKey, CompiledCatalog } from '@ims-authz/catalog';

export const catalog: CompiledCatalog = catalogData;

export function catalogVersion(): string {
  return catalog.version;
}

/** Lower-cased names (canonical first, then aliases) of every catalog entry, by action index. */
let lowerNames: string[][] | undefined;
export function actionNamesLower(): string[][] {
  return (lowerNames ??= catalog.actions.map((a) => [a.name.toLowerCase(), ...a.aliases.map((x) => x.toLowerCase())]));
}

/** Indices of catalog entries whose canonical name or alias equals `name` (case-insensitive). */
export function lookupAction(name: string): readonly number[] {
  let hit = lookedUp.get(name);
  if (hit === undefined) {
    const key = name.toLowerCase();
    hit = Object.prototype.hasOwnProperty.call(catalog.action_index, key) ? (catalog.action_index[key] as number[]) : EMPTY;
    if (lookedUp.size < 1024) lookedUp.set(name, hit);
  }
  return hit;
}
/** Names as requests spell them -> catalog indices (requests repeat the same few spellings). */
const lookedUp = new Map<string, readonly number[]>();
const EMPTY: readonly number[] = Object.freeze([]);

/**
 * Catalog entries whose canonical name or an alias the glob `lower` (lower-cased) matches, by index. The
 * validator, the compiler and request resolution ask for the same patterns (the compiler right after the
 * validator, for the same policy): the answers of the last MATCHED_KEPT patterns are kept. A miss tests
 * the 33 names: at most 33 glob tests (docs/limits.md).
 */
export function actionsMatchingPattern(lower: string): readonly number[] {
  let hit = matchedBy.get(lower);
  if (hit === undefined) {
    const glob = compileGlob(lower);
    const out: number[] = [];
    actionNamesLower().forEach((names, idx) => {
      if (names.some((n) => glob.test(n))) out.push(idx);
    });
    hit = Object.freeze(out);
    if (matchedBy.size >= MATCHED_KEPT) matchedBy.clear();
    matchedBy.set(lower, hit);
  }
  return hit;
}
const MATCHED_KEPT = 4096;
const matchedBy = new Map<string, readonly number[]>();

export function actionAt(index: number): CatalogAction {
  return catalog.actions[index] as CatalogAction;
}

/** The service prefix of an action name or URN (before the first `:`), lower-cased. */
export function servicePrefix(name: string): string {
  const i = name.indexOf(':');
  return (i === -1 ? name : name.slice(0, i)).toLowerCase();
}

export function isCatalogService(name: string): boolean {
  return servicePrefix(name) === catalog.service;
}

const TAG_KEY_PREFIXES = ['g:resourcetag/', 'g:requesttag/', 'g:principaltag/'];

/** Splits a condition key into its case-insensitive lookup name and the case-sensitive tag key, if any. */
export function normalizeConditionKey(key: string): { lookup: string; tagKey: string | null; normalized: string } {
  const lower = key.toLowerCase();
  for (const prefix of TAG_KEY_PREFIXES) {
    if (lower.startsWith(prefix)) {
      const tagKey = key.slice(prefix.length);
      return { lookup: prefix, tagKey, normalized: prefix + tagKey };
    }
  }
  return { lookup: lower, tagKey: null, normalized: lower };
}

export function conditionKeyInfo(key: string): CatalogConditionKey | undefined {
  const { lookup } = normalizeConditionKey(key);
  if (!Object.prototype.hasOwnProperty.call(catalog.condition_key_index, lookup)) return undefined;
  return catalog.condition_keys[catalog.condition_key_index[lookup] as number];
}

/** Whether an action lists a condition key (tag keys compared by their prefix). */
export function actionSupportsConditionKey(action: CatalogAction, key: string): boolean {
  const { lookup } = normalizeConditionKey(key);
  for (const k of action.condition_keys) {
    if (k.toLowerCase().replace(/<tag-key>$/, '') === lookup) return true;
  }
  return false;
}

/** Keys that are scoped per action in the catalog tables (the others apply to every action). */
let actionScopedKeys: Set<string> | undefined;
export function isActionScopedConditionKey(key: string): boolean {
  if (!actionScopedKeys) {
    actionScopedKeys = new Set();
    for (const a of catalog.actions) for (const k of a.condition_keys) actionScopedKeys.add(k.toLowerCase().replace(/<tag-key>$/, ''));
    for (const k of catalog.condition_keys) if (k.scope === 'service') actionScopedKeys.add(k.key.toLowerCase());
  }
  return actionScopedKeys.has(normalizeConditionKey(key).lookup);
}

export interface RouteMatch {
  api: number;
  params: Record<string, string>;
}

/** Matches an HTTP method and path (query string and trailing slash ignored) against the API table. */
export function matchRoute(method: string, path: string): RouteMatch | null {
  const m = method.toUpperCase();
  let p = path;
  const q = p.search(/[?#]/);
  if (q !== -1) p = p.slice(0, q);
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (!p.startsWith('/')) p = `/${p}`;
  const parts = p.split('/').slice(1);
  for (const route of catalog.routes) {
    if (route.method !== m || route.segments.length !== parts.length) continue;
    let ok = true;
    const values: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const seg = route.segments[i];
      const part = parts[i] as string;
      if (seg === null) {
        if (part.length === 0) {
          ok = false;
          break;
        }
        values.push(decodeSegment(part));
      } else if (seg !== part) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const params: Record<string, string> = {};
    route.params.forEach((name, i) => {
      params[name] = values[i] as string;
    });
    return { api: route.api, params };
  }
  return null;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
