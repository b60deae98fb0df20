/**
 * Unused access (docs/unused-access.md): which of the actions a principal's grants allow it has not been
 * allowed by any by-reference decision within N days, and a least-privilege policy that keeps every used
 * action and drops the rest, proved with the access analysis to grant nothing the principal cannot do now.
 *
 * Granted: a catalog action named (by `Action`, or left out of `NotAction`) by an Allow statement of one of
 * the principal's identity policies (its own grants and its groups'), whatever its Denies and SCPs say: an
 * action they always block is never allowed, so it shows as unused, and the suggestion drops it.
 *
 * Used: the record holds, per principal and action, the start of the hour in which a decision last allowed
 * it (store/usage.ts). An action counts as used within the window when that hour overlaps it (the hour ends
 * after `now - days`), so the hour's rounding never calls a used action unused.
 *
 * The suggestion keeps each Allow statement that grants a used action, narrowed to the used actions it
 * grants (its `Resource`, `NotResource` and `Condition` as written), and every Deny statement as written,
 * in one 5.0 document per grant scope (a project-scoped grant's statements stay project-scoped). So the
 * suggested set allows a subset of what the current one allows; `checkNoNewAccess(current, suggested)`
 * proves it (PASS), and only then is the suggestion `safe`.
 */
import { checkNoNewAccess } from '../analysis/analyze.js';
import type { AnalysisLimits, AnalysisResult } from '../analysis/types.js';
import { actionAt, actionsMatchingPattern, catalog, lookupAction } from '../catalog/catalog.js';
import type { StoredPolicySet } from '../decision/policy-set.js';
import type { GrantScope, JsonValue, ScopedPolicy } from '../types.js';
import { assumptionsOf, type PrincipalRef } from './sets.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The record of one principal and action: the start of the hour of its last allowed decision (ISO 8601). */
export interface LastUse {
  principal: { type: PrincipalRef['type']; id: string };
  action: string;
  last_used: string;
}

export interface PrincipalGrants {
  principal: PrincipalRef;
  /** Canonical catalog action names (`grantedActions`). */
  granted: readonly string[];
}

export interface PrincipalUnused {
  principal: PrincipalRef;
  /** How many catalog actions the principal's grants allow. */
  granted: number;
  /** Granted and allowed by a decision within the window, with the hour of the last one. */
  used: Array<{ action: string; last_used: string }>;
  /** Granted and not allowed within the window: `last_used` is the last allowed hour before it, or null (never, or beyond the record's TTL). */
  unused: Array<{ action: string; last_used: string | null }>;
}

export interface UnusedAccessReport {
  days: number;
  /** Decisions from this instant on count (`now - days`). */
  since: string;
  as_of: string;
  principals: PrincipalUnused[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The catalog name of a recorded or written action (its canonical name), or null when the catalog has none. */
export function canonicalAction(name: string): string | null {
  const hit = lookupAction(name);
  return hit.length === 1 ? actionAt(hit[0] as number).name : null;
}

// ---------------------------------------------------------------------------------------------------------
// Statements of a stored document

interface RawStatement {
  effect: 'Allow' | 'Deny';
  /** The catalog actions the statement names (Action), or leaves out (NotAction): indices. */
  actions: Set<number>;
  /** The statement as written (its members other than Sid, Action and NotAction are kept). */
  raw: Record<string, JsonValue>;
}

const asList = (v: JsonValue | undefined): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function statementsOf(policy: ScopedPolicy): RawStatement[] {
  let doc: JsonValue;
  try {
    doc = typeof policy.document === 'string' ? (JSON.parse(policy.document) as JsonValue) : (policy.document as JsonValue);
  } catch {
    return [];
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [];
  const st = doc.Statement;
  const list = Array.isArray(st) ? st : st !== undefined && st !== null && typeof st === 'object' ? [st] : [];
  const out: RawStatement[] = [];
  for (const s of list) {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) continue;
    const effect = s.Effect === 'Allow' || s.Effect === 'Deny' ? s.Effect : null;
    if (!effect) continue;
    const named = new Set<number>();
    const not = s.NotAction !== undefined;
    for (const p of asList(not ? s.NotAction : s.Action)) for (const i of actionsMatchingPattern(p.toLowerCase())) named.add(i);
    const actions = not ? new Set(catalog.actions.map((_, i) => i).filter((i) => !named.has(i))) : named;
    out.push({ effect, actions, raw: s });
  }
  return out;
}

/** The catalog actions the principal's identity Allow statements name (canonical names, sorted). */
export function grantedActions(set: Pick<StoredPolicySet, 'policies'>): string[] {
  const granted = new Set<number>();
  for (const p of set.policies) for (const s of statementsOf(p)) if (s.effect === 'Allow') for (const i of s.actions) granted.add(i);
  return [...granted].map((i) => actionAt(i).name).sort(cmp);
}

// ---------------------------------------------------------------------------------------------------------
// Unused access

const principalKey = (p: { type: string; id: string }): string => `${p.type}|${p.id}`;

/**
 * For each principal, its granted actions split into used (allowed by a decision whose hour overlaps the
 * last `days` days before `now`) and unused (with the last use before the window, if the record has one).
 */
export function unusedAccess(principals: readonly PrincipalGrants[], lastUsed: readonly LastUse[], days: number, now: number): UnusedAccessReport {
  const since = now - days * DAY_MS;
  const byPrincipal = new Map<string, Map<string, string>>();
  for (const r of lastUsed) {
    const action = canonicalAction(r.action);
    if (action === null) continue;
    const k = principalKey(r.principal);
    let m = byPrincipal.get(k);
    if (!m) byPrincipal.set(k, (m = new Map()));
    const prev = m.get(action);
    if (prev === undefined || prev < r.last_used) m.set(action, r.last_used);
  }
  const out: PrincipalUnused[] = principals.map(({ principal, granted }) => {
    const uses = byPrincipal.get(principalKey(principal)) ?? new Map<string, string>();
    const used: PrincipalUnused['used'] = [];
    const unused: PrincipalUnused['unused'] = [];
    for (const action of [...new Set(granted)].sort(cmp)) {
      const last = uses.get(action);
      // The hour starting at `last` overlaps the window when it ends after `since`.
      if (last !== undefined && Date.parse(last) + HOUR_MS > since) used.push({ action, last_used: last });
      else unused.push({ action, last_used: last ?? null });
    }
    return { principal, granted: used.length + unused.length, used, unused };
  });
  return { days, since: new Date(since).toISOString(), as_of: new Date(now).toISOString(), principals: out };
}

// ---------------------------------------------------------------------------------------------------------
// Least-privilege suggestion

export interface SuggestedPolicy {
  /** Where the statements come from: the grant scope the policy keeps. */
  scope: GrantScope;
  /** A 5.0 identity policy. */
  document: { Version: '5.0'; Statement: Array<Record<string, JsonValue>> };
  /** The stored policies its statements come from (id, version, grant). */
  from: Array<{ policy_id: string; version: string | null; grant_id: string | null }>;
}

export interface Suggestion {
  /** One 5.0 document per grant scope of the current grants (the scope to attach it with). */
  policies: SuggestedPolicy[];
  /** Granted actions the suggestion keeps (the used ones) and drops. */
  kept: string[];
  dropped: string[];
  /**
   * `checkNoNewAccess(current, suggested)`: PASS proves the suggestion allows no request the current set
   * denies. FAIL or UNKNOWN (or a refusal, `proof_error`): the suggestion is not safe as it stands.
   */
  proof: AnalysisResult | null;
  proof_error?: { code: string; message: string };
  /** True only when the proof is PASS. */
  safe: boolean;
}

const scopeKey = (s: GrantScope | undefined): string => JSON.stringify(s ?? { type: 'global' });

/**
 * The least-privilege policy for a principal's current set `set` that keeps every action of `used` (catalog
 * names; others are ignored) and drops the rest, with its proof (`limits`: the analysis's work limits, beyond
 * which it is UNKNOWN and the suggestion not safe).
 */
export function suggestPolicy(set: StoredPolicySet, used: readonly string[], limits?: Partial<AnalysisLimits>): Suggestion {
  const keep = new Set<number>();
  for (const u of used) for (const i of lookupAction(u)) keep.add(i);
  const granted = new Set<number>();
  const byScope = new Map<string, SuggestedPolicy>();
  for (const p of set.policies) {
    const statements = statementsOf(p);
    const kept: Array<Record<string, JsonValue>> = [];
    for (const s of statements) {
      if (s.effect === 'Deny') {
        // A Deny only takes access away: kept as written, so the suggestion never allows what it denies now.
        kept.push(copy(s.raw, null));
        continue;
      }
      for (const i of s.actions) granted.add(i);
      const actions = [...s.actions].filter((i) => keep.has(i)).map((i) => actionAt(i).name);
      if (actions.length > 0) kept.push(copy(s.raw, [...new Set(actions)].sort(cmp)));
    }
    if (kept.length === 0) continue;
    const k = scopeKey(p.scope);
    let target = byScope.get(k);
    if (!target) byScope.set(k, (target = { scope: p.scope ?? { type: 'global' }, document: { Version: '5.0', Statement: [] }, from: [] }));
    target.document.Statement.push(...kept);
    target.from.push({ policy_id: p.id ?? '', version: p.source?.version ?? null, grant_id: p.source?.grant_id ?? null });
  }
  // A scope whose statements are all Deny allows nothing: left out only if no other scope allows anything.
  const policies = [...byScope.values()];
  const allows = policies.some((p) => p.document.Statement.some((s) => s.Effect === 'Allow'));
  const suggested = allows ? policies : [];
  const keptNames = [...granted]
    .filter((i) => keep.has(i))
    .map((i) => actionAt(i).name)
    .sort(cmp);
  const dropped = [...granted]
    .filter((i) => !keep.has(i))
    .map((i) => actionAt(i).name)
    .sort(cmp);

  const proposed: ScopedPolicy[] = suggested.map((p, i) => ({ id: `suggested-${i + 1}`, document: JSON.stringify(p.document), scope: p.scope }));
  // The SCP chain as the analysis takes it (each policy's id and document: the stored version is not part of it).
  const scps = set.scps.map((l) => ({ level: l.level, policies: l.policies.map((x) => ({ id: x.id, document: x.document })) }));
  const existing = { policies: set.policies, scps, principal: set.principal };
  const check = checkNoNewAccess(existing, { policies: proposed, scps, principal: set.principal }, { assume: assumptionsOf(set), ...(limits ? { limits } : {}) });
  if ('error' in check) return { policies: suggested, kept: keptNames, dropped, proof: null, proof_error: { code: check.error.code, message: check.error.message }, safe: false };
  return { policies: suggested, kept: keptNames, dropped, proof: check, safe: check.result === 'PASS' };
}

/** A statement as written (its Sid, Resource, NotResource, Condition), with `Action` replaced (Allow) or kept (Deny: `actions` null). */
function copy(raw: Record<string, JsonValue>, actions: string[] | null): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  if (typeof raw.Sid === 'string') out.Sid = raw.Sid;
  out.Effect = raw.Effect as JsonValue;
  if (actions) out.Action = actions;
  else if (raw.NotAction !== undefined) out.NotAction = raw.NotAction;
  else out.Action = raw.Action as JsonValue;
  for (const k of ['Resource', 'NotResource', 'Condition']) if (raw[k] !== undefined) out[k] = raw[k] as JsonValue;
  return out;
}
