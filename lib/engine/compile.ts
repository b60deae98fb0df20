/**
 * Compiles validated policies into a policy set indexed by catalog action: for each action, each layer
 * (identity, each SCP level) holds the Deny and Allow statements that can match it, so evaluation cost
 * grows with the statements that name the action, not with the size of the set.
 */
import { actionsMatchingPattern, catalog, lookupAction } from '../catalog/catalog.js';
import { compileGlob, compileGlobLower, type Glob } from '../match/glob.js';
import type { ParsedPolicy, ParsedStatement } from '../policy/model.js';
import type { DeniedBy, GrantScope, Layer, MatchedStatement, PolicySource } from '../types.js';
import { work } from '../steps.js';
import { compileCondition, type CompiledCondition } from './conditions.js';
import { newFamilyMemo, type FamilyMemo } from './families.js';

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
  /** The same patterns as written (explain's trace). */
  resWritten: string[];
  /** The first pattern made only of `*`, as written (null: none). */
  resStar: string | null;
  conditions: CompiledCondition[];
  /** Distinct condition keys (normalised) with the name as first written, for missing-key reports. */
  conditionKeys: Array<{ key: string; written: string }>;
  /** Slots of `conditions`, `conditionKeys` and `resGlobs` in the set's memo (same order). */
  condSlots: Int32Array;
  keySlots: Int32Array;
  resSlots: Int32Array;
  /** Slot of the whole Resource / NotResource list (patterns made only of `*` excluded) in the set's family memo. */
  resList: number;
  /** The set's memo of family coverage and intersection (shared by its statements: lib/engine/families.ts). */
  families: FamilyMemo;
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
  /**
   * The same lists without the statements that can never apply to an action without resource type (one
   * requested on `*`): those whose Resource names only specific patterns, or whose NotResource lists `*`.
   */
  denyOnStar: CompiledStatement[][];
  allowOnStar: CompiledStatement[][];
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
  memo: DecisionMemo;
}

/**
 * The set's distinct conditions, condition keys and resource patterns, each with a slot, and the results
 * of the current decision by slot. Policy sets repeat the same conditions (guardrails, tag and project
 * checks) and patterns across statements and layers: each is evaluated once per request (conditions,
 * keys) or per item (patterns). Results carry the stamp of the request or item they belong to, so
 * nothing is cleared between decisions; a request is recognised by its context object, an item by its
 * identity (see `enterItem` in decide.ts).
 */
export interface DecisionMemo {
  conditions: CompiledCondition[];
  keys: Array<{ key: string; written: string }>;
  globs: Glob[];
  families: FamilyMemo;
  condStamp: Uint32Array;
  condValue: Uint8Array;
  keyStamp: Uint32Array;
  resStamp: Uint32Array;
  resValue: Uint8Array;
  /** What the current stamps belong to. */
  context: object | null;
  missing: object | null;
  item: object | null;
  requestStamp: number;
  keysStamp: number;
  itemStamp: number;
}

/** Assigns slots while a set compiles. */
export class MemoBuilder {
  private readonly condIndex = new Map<string, number>();
  private readonly keyIndex = new Map<string, number>();
  private readonly globIndex = new Map<string, number>();
  private readonly listIndex = new Map<string, number>();
  private readonly actionGlobs = new Map<string, Glob>();
  readonly conditions: CompiledCondition[] = [];
  readonly keys: Array<{ key: string; written: string }> = [];
  readonly globs: Glob[] = [];
  readonly families: FamilyMemo = newFamilyMemo();

  /** Conditions written alike (operator, key as written, values) share a slot (and so a trace). */
  condition(c: CompiledCondition): number {
    const o = c.source.operator;
    const id = `${o.written}\u0000${c.source.key}\u0000${c.source.values.join('\u0001')}`;
    let slot = this.condIndex.get(id);
    if (slot === undefined) this.condIndex.set(id, (slot = this.conditions.push(c) - 1));
    return slot;
  }

  key(k: { key: string; written: string }): number {
    let slot = this.keyIndex.get(k.key);
    if (slot === undefined) this.keyIndex.set(k.key, (slot = this.keys.push(k) - 1));
    return slot;
  }

  /** `pattern` with a lower-cased service segment. */
  glob(pattern: string): { slot: number; glob: Glob } {
    let slot = this.globIndex.get(pattern);
    if (slot === undefined) {
      this.globIndex.set(pattern, (slot = this.globs.push(compileGlob(pattern)) - 1));
      this.families.patterns.push(pattern);
    }
    return { slot, glob: this.globs[slot] as Glob };
  }

  /** An Action / NotAction pattern, lower-cased and compiled once per set (policies repeat them). */
  actionGlob(pattern: string): Glob {
    let g = this.actionGlobs.get(pattern);
    if (g === undefined) this.actionGlobs.set(pattern, (g = compileGlobLower(pattern)));
    return g;
  }

  /** A Resource / NotResource list (patterns with a lower-cased service, in order). */
  resList(patterns: readonly string[]): number {
    const id = JSON.stringify(patterns);
    let slot = this.listIndex.get(id);
    if (slot === undefined) this.listIndex.set(id, (slot = this.families.lists.push(patterns.slice()) - 1));
    return slot;
  }

  build(): DecisionMemo {
    return {
      conditions: this.conditions,
      keys: this.keys,
      globs: this.globs,
      families: this.families,
      condStamp: new Uint32Array(this.conditions.length),
      condValue: new Uint8Array(this.conditions.length),
      keyStamp: new Uint32Array(this.keys.length),
      resStamp: new Uint32Array(this.globs.length),
      resValue: new Uint8Array(this.globs.length),
      context: null,
      missing: null,
      item: null,
      requestStamp: 0,
      keysStamp: 0,
      itemStamp: 0,
    };
  }
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

/** Steps one compiled statement counts (measured: about as long as 1,000 glob-test steps). */
const STATEMENT_STEPS = 1000;

export function compileStatement(
  st: ParsedStatement,
  layer: Layer,
  level: string | null,
  policyId: string,
  scope: GrantScope | null = null,
  source: PolicySource | null = null,
  memo: MemoBuilder = new MemoBuilder(),
): CompiledStatement {
  const actionList = st.actions ?? st.notActions ?? [];
  const resList = st.resources ?? st.notResources;
  // Compiling a statement is linear work of its own (a few microseconds): counted so that steps stay
  // proportional to time for sets of thousands of small statements too (lib/steps.ts).
  work.steps += STATEMENT_STEPS + actionList.length + (resList?.length ?? 0) + st.conditions.length;
  const resWritten = (resList ?? []).filter((p) => !ALL_STARS.test(p));
  const resPatterns = resWritten.map(normalizeUrn);
  const resources = resPatterns.map((p) => memo.glob(p));
  const conditions = st.conditions.map(compileCondition);
  const conditionKeys: Array<{ key: string; written: string }> = [];
  // By a set, not a scan of the list per condition (quadratic in a statement's conditions).
  const keysSeen = new Set<string>();
  for (const c of conditions) {
    if (keysSeen.has(c.key)) continue;
    keysSeen.add(c.key);
    conditionKeys.push({ key: c.key, written: c.source.key });
  }
  return {
    layer,
    level,
    policyId,
    index: st.index,
    sid: st.sid,
    effect: st.effect,
    source: st,
    notAction: st.notActions !== null,
    actionGlobs: actionList.map((a) => memo.actionGlob(a)),
    resMode: st.resources !== null ? ResourceMode.List : st.notResources !== null ? ResourceMode.NotList : ResourceMode.Any,
    resAllStar: resList !== null && resList.some((p) => ALL_STARS.test(p)),
    resGlobs: resources.map((r) => r.glob),
    resPatterns,
    resWritten,
    resStar: resList?.find((p) => ALL_STARS.test(p)) ?? null,
    conditions,
    conditionKeys,
    condSlots: Int32Array.from(conditions, (c) => memo.condition(c)),
    keySlots: Int32Array.from(conditionKeys, (k) => memo.key(k)),
    resSlots: Int32Array.from(resources, (r) => r.slot),
    resList: memo.resList(resPatterns),
    families: memo.families,
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

/**
 * Marks in `hit` the catalog actions some Action / NotAction pattern of the statement matches (by any
 * name): a pattern without wildcards through the catalog's name index, the others against every name.
 */
function markMatchedActions(st: CompiledStatement, hit: Uint8Array): void {
  hit.fill(0);
  for (const g of st.actionGlobs) {
    for (const a of g.literal ? lookupAction(g.source) : actionsMatchingPattern(g.source)) hit[a] = 1;
  }
}

export function compileLayer(layer: Layer, level: string | null, policies: PolicyInputParsed[], memo: MemoBuilder = new MemoBuilder()): CompiledLayer {
  const n = catalog.actions.length;
  const deny: CompiledStatement[][] = Array.from({ length: n }, () => []);
  const allow: CompiledStatement[][] = Array.from({ length: n }, () => []);
  const compiled: CompiledPolicy[] = [];
  const hit = new Uint8Array(n);
  for (const { id, policy, scope, source } of policies) {
    const statements = policy.statements.map((st) => compileStatement(st, layer, level, id, scope ?? null, source ?? null, memo));
    compiled.push({ id, version: policy.version, scope: scope ?? null, source: source ?? null, statements });
    for (const st of statements) {
      markMatchedActions(st, hit);
      const lists = st.effect === 'Deny' ? deny : allow;
      for (let a = 0; a < n; a++) if ((hit[a] === 1) !== st.notAction) lists[a]!.push(st);
    }
  }
  const implicit = Object.freeze({ layer, level, policy_id: null, statement: null, sid: null });
  const onStar = (lists: CompiledStatement[][]): CompiledStatement[][] => lists.map((l) => l.filter(appliesOnStar));
  return { layer, level, policies: compiled, deny, allow, denyOnStar: onStar(deny), allowOnStar: onStar(allow), implicit };
}

/** Whether the statement's Resource / NotResource admits `*`, the resource of an action without resource type. */
export function appliesOnStar(st: CompiledStatement): boolean {
  return st.resMode === ResourceMode.Any || (st.resMode === ResourceMode.List ? st.resAllStar : !st.resAllStar);
}

export function compilePolicySet(identity: PolicyInputParsed[], scps: Array<{ level: string; policies: PolicyInputParsed[] }>): CompiledPolicySet {
  const memo = new MemoBuilder();
  const scpLayers = scps.map((s) => compileLayer('scp', s.level, s.policies, memo));
  const set: CompiledPolicySet = { identity: compileLayer('identity', null, identity, memo), scps: scpLayers, memo: memo.build() };
  let order = 0;
  for (const layer of [...set.scps, set.identity]) {
    denialOrder.set(layer.implicit, order++);
    for (const p of layer.policies) for (const st of p.statements) denialOrder.set(st.deniedBy, order++);
  }
  return set;
}
