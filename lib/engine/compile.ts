/**
 * Compiles validated policies into a policy set indexed by catalog action: for each action, each layer
 * (identity, each SCP level) holds the Deny and Allow statements that can match it, so evaluation cost
 * grows with the statements that name the action, not with the size of the set.
 */
import { actionNamesLower, catalog } from '../catalog/catalog.js';
import { compileGlob, compileGlobLower, type Glob } from '../match/glob.js';
import type { ParsedPolicy, ParsedStatement } from '../policy/model.js';
import type { DeniedBy, GrantScope, Layer, MatchedStatement, PolicySource } from '../types.js';
import { compileCondition, type CompiledCondition } from './conditions.js';

export const ResourceMode = { Any: 0, List: 1, NotList: 2 } as const;
export type ResourceMode = (typeof ResourceMode)[keyof typeof ResourceMode];

export interface CompiledStatement {
  layer: Layer;
  level: string | null;
  policyId: string;
  index: number;
  sid: string | null;
  effect: 'Allow' | 'Deny';
  source: ParsedStatement;
  notAction: boolean;
  /** Lower-cased action globs (Action or NotAction). */
  actionGlobs: Glob[];
  resMode: ResourceMode;
  /** The Resource / NotResource list contains a pattern made only of `*`. */
  resAllStar: boolean;
  /** Globs over URNs whose service segment was lower-cased (patterns made only of `*` excluded). */
  resGlobs: Glob[];
  /** The same patterns as text, for family (wildcard resource) requests. */
  resPatterns: string[];
  conditions: CompiledCondition[];
  /** Distinct condition keys (normalised) with the name as first written, for missing-key reports. */
  conditionKeys: Array<{ key: string; written: string }>;
  /** A restricting grant scope of the policy (null: applies everywhere). */
  scope: RestrictingScope | null;
  /** Shared, frozen reply fragments (no allocation when the statement matches). */
  ref: Readonly<MatchedStatement>;
  deniedBy: Readonly<DeniedBy>;
}

export type RestrictingScope = Extract<GrantScope, { type: 'project' | 'enterprise_project' }>;

export interface CompiledPolicy {
  id: string;
  version: ParsedPolicy['version'];
  scope: GrantScope | null;
  source: PolicySource | null;
  statements: CompiledStatement[];
}

export interface CompiledLayer {
  layer: Layer;
  level: string | null;
  policies: CompiledPolicy[];
  /** By catalog action index: the Deny / Allow statements whose Action (or NotAction) admits the action. */
  deny: CompiledStatement[][];
  allow: CompiledStatement[][];
  /** The implicit deny this layer reports when nothing in it allows. */
  implicit: Readonly<DeniedBy>;
}

/**
 * Position of a `denied_by` value in the documented order (SCP levels outermost first, then identity;
 * policies in request order; statements in document order), to pick a request's deciding denial.
 */
export const denialOrder = new WeakMap<object, number>();

export interface CompiledPolicySet {
  identity: CompiledLayer;
  /** Outermost level first. */
  scps: CompiledLayer[];
}

export interface PolicyInputParsed {
  id: string;
  policy: ParsedPolicy;
  scope?: GrantScope;
  source?: PolicySource;
}

/** Lower-cases the service segment (before the first `:`) of a URN or URN pattern. */
export function normalizeUrn(urn: string): string {
  const i = urn.indexOf(':');
  if (i <= 0) return urn;
  const svc = urn.slice(0, i);
  const lower = svc.toLowerCase();
  return svc === lower ? urn : lower + urn.slice(i);
}

const ALL_STARS = /^\*+$/;

export function compileStatement(st: ParsedStatement, layer: Layer, level: string | null, policyId: string, scope: GrantScope | null = null, source: PolicySource | null = null): CompiledStatement {
  const actionList = st.actions ?? st.notActions ?? [];
  const resList = st.resources ?? st.notResources;
  const resPatterns = (resList ?? []).filter((p) => !ALL_STARS.test(p)).map(normalizeUrn);
  const conditions = st.conditions.map(compileCondition);
  const conditionKeys: Array<{ key: string; written: string }> = [];
  for (const c of conditions) if (!conditionKeys.some((k) => k.key === c.key)) conditionKeys.push({ key: c.key, written: c.source.key });
  return {
    layer,
    level,
    policyId,
    index: st.index,
    sid: st.sid,
    effect: st.effect,
    source: st,
    notAction: st.notActions !== null,
    actionGlobs: actionList.map(compileGlobLower),
    resMode: st.resources !== null ? ResourceMode.List : st.notResources !== null ? ResourceMode.NotList : ResourceMode.Any,
    resAllStar: resList !== null && resList.some((p) => ALL_STARS.test(p)),
    resGlobs: resPatterns.map((p) => compileGlob(p)),
    resPatterns,
    conditions,
    conditionKeys,
    scope: scope && (scope.type === 'project' || scope.type === 'enterprise_project') ? scope : null,
    ref: Object.freeze({
      layer,
      level,
      policy_id: policyId,
      statement: st.index,
      sid: st.sid,
      effect: st.effect,
      ...(source ? { version: source.version, ...(source.grant_id ? { grant_id: source.grant_id } : {}) } : {}),
    }),
    deniedBy: Object.freeze({ layer, level, policy_id: policyId, statement: st.index, sid: st.sid }),
  };
}

/** The first Action/NotAction pattern that matches any name of the action (or -1). */
export function firstMatchingActionPattern(st: CompiledStatement, names: readonly string[]): number {
  for (let i = 0; i < st.actionGlobs.length; i++) {
    const g = st.actionGlobs[i] as Glob;
    for (const n of names) if (g.test(n)) return i;
  }
  return -1;
}

/** Whether the statement's Action / NotAction admits the action with these (lower-cased) names. */
export function statementAdmitsAction(st: CompiledStatement, names: readonly string[]): boolean {
  const hit = firstMatchingActionPattern(st, names) !== -1;
  return st.notAction ? !hit : hit;
}

export function compileLayer(layer: Layer, level: string | null, policies: PolicyInputParsed[]): CompiledLayer {
  const n = catalog.actions.length;
  const deny: CompiledStatement[][] = Array.from({ length: n }, () => []);
  const allow: CompiledStatement[][] = Array.from({ length: n }, () => []);
  const names = actionNamesLower();
  const compiled: CompiledPolicy[] = [];
  for (const { id, policy, scope, source } of policies) {
    const statements = policy.statements.map((st) => compileStatement(st, layer, level, id, scope ?? null, source ?? null));
    compiled.push({ id, version: policy.version, scope: scope ?? null, source: source ?? null, statements });
    for (const st of statements) {
      for (let a = 0; a < n; a++) {
        if (statementAdmitsAction(st, names[a] as string[])) (st.effect === 'Deny' ? deny : allow)[a]!.push(st);
      }
    }
  }
  const implicit = Object.freeze({ layer, level, policy_id: null, statement: null, sid: null });
  return { layer, level, policies: compiled, deny, allow, implicit };
}

export function compilePolicySet(identity: PolicyInputParsed[], scps: Array<{ level: string; policies: PolicyInputParsed[] }>): CompiledPolicySet {
  const set: CompiledPolicySet = {
    identity: compileLayer('identity', null, identity),
    scps: scps.map((s) => compileLayer('scp', s.level, s.policies)),
  };
  let order = 0;
  for (const layer of [...set.scps, set.identity]) {
    denialOrder.set(layer.implicit, order++);
    for (const p of layer.policies) for (const st of p.statements) denialOrder.set(st.deniedBy, order++);
  }
  return set;
}
