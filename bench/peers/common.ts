/**
 * Shared pieces of the peer benchmarks (bench/peers/cedar.ts, bench/peers/iam-simulate.ts): reading our
 * policy documents, expanding our action patterns over the IMS catalog, and timing a peer the way
 * bench/warm.ts times us (warm-up, then one wall-clock sample per decision).
 */
import { actionAt, actionNamesLower, catalog, normalizeConditionKey } from '../../lib/catalog/catalog.js';
import { compileGlobLower } from '../../lib/match/glob.js';
import { parseOperator, type ParsedOperator } from '../../lib/policy/operators.js';
import type { ContextValue, EvaluateRequest, InlinePolicy, PolicyDocument, Principal } from '../../lib/types.js';

/** Timing of one peer on one workload (microseconds per decision, warm, single thread). */
export interface PeerTiming {
  p50_us: number;
  p99_us: number;
  /** Wall-clock time of the timed loop divided by the decisions made in it. */
  per_decision_mean_us: number;
  /** Requests timed (the first N of the workload's requests). */
  requests: number;
  /**
   * Share of those requests on which the peer's outcome (allow, explicit deny, implicit deny) equals ours
   * (1 = the translation decides exactly as we do on them).
   */
  agreement: number;
  /** Anything a reader needs to interpret the figure (subset, approximations). */
  note?: string;
}

/** A peer that could not be measured: reported, never fatal. */
export interface PeerError {
  error: string;
}

export type PeerResult = PeerTiming | PeerError;

export function isPeerError(r: PeerResult): r is PeerError {
  return 'error' in r;
}

// ---------------------------------------------------------------------------------------------------------
// Reading our policy documents
// ---------------------------------------------------------------------------------------------------------

/** One statement of one of our documents, in a normalised shape. */
export interface OurStatement {
  effect: 'Allow' | 'Deny';
  /** Action patterns as written (absent Action is refused: our generator always writes one). */
  actions: string[];
  /** Resource patterns as written; absent Resource means `*`. */
  resources: string[];
  conditions: OurCondition[];
}

export interface OurCondition {
  operator: ParsedOperator;
  /** Normalised key (lower-case name, case-sensitive tag key), as our engine looks it up. */
  key: string;
  values: string[];
}

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Statements of a policy; throws on the elements the translators do not cover (NotAction, NotResource). */
export function statementsOf(policy: InlinePolicy): OurStatement[] {
  const doc = (typeof policy.document === 'string' ? JSON.parse(policy.document) : policy.document) as PolicyDocument;
  return asList(doc.Statement).map((raw, i) => {
    const st = raw as Record<string, unknown>;
    const where = `${policy.id}/Statement/${i}`;
    if (st.NotAction !== undefined || st.NotResource !== undefined || st.Action === undefined) {
      throw new Error(`${where}: only Action/Resource statements are translated`);
    }
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw new Error(`${where}: Effect ${String(st.Effect)}`);
    const conditions: OurCondition[] = [];
    for (const [written, block] of Object.entries((st.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
      const parsed = parseOperator(written);
      if (!parsed.ok) throw new Error(`${where}: operator ${written}`);
      for (const [key, values] of Object.entries(block)) {
        conditions.push({ operator: parsed.operator, key: normalizeConditionKey(key).normalized, values: asList(values).map(String) });
      }
    }
    const resources = st.Resource === undefined ? ['*'] : asList(st.Resource).map(String);
    return { effect: st.Effect, actions: asList(st.Action).map(String), resources, conditions };
  });
}

/** A pattern made only of `*` (matches everything, including the `*` a resource-less action is requested on). */
export const isAllStars = (p: string): boolean => p.length > 0 && /^\*+$/.test(p);

/**
 * The catalog entries our glob semantics match (case-insensitive, canonical names and aliases), or `all`
 * when a pattern is only stars. Peers then get explicit action lists: the set of actions a statement covers
 * is the same as ours by construction.
 */
export function expandActions(patterns: string[]): 'all' | number[] {
  if (patterns.some(isAllStars)) return 'all';
  const names = actionNamesLower();
  const out = new Set<number>();
  for (const p of patterns) {
    const g = compileGlobLower(p);
    names.forEach((ns, idx) => {
      if (ns.some((n) => g.test(n))) out.add(idx);
    });
  }
  return [...out].sort((a, b) => a - b);
}

export const actionName = (idx: number): string => actionAt(idx).name;

/** Type of a normalised condition key in our catalog (tag keys by their prefix), `string` when unknown. */
export function keyType(key: string): { type: string; multi: boolean } {
  const { lookup } = normalizeConditionKey(key);
  const i = catalog.condition_key_index[lookup];
  const info = i === undefined ? undefined : catalog.condition_keys[i];
  return { type: info?.type ?? 'string', multi: info?.multi_valued ?? false };
}

/**
 * The request context as our engine sees it: normalised keys to values, with the global keys IAM fills
 * from the caller and the request (g:UserName, g:PrincipalAccount, g:ProjectName, g:RequestedRegion), as
 * lib/engine/context.ts does. Given to the peers so that both sides decide on the same facts; with
 * `only`, restricted to those keys (the peers get the keys their policy set reads, as their users would
 * send them: fewer context keys make both peers faster).
 */
export function requestContext(req: EvaluateRequest, only?: ReadonlySet<string>): Map<string, ContextValue> {
  const out = new Map<string, ContextValue>();
  const p: Principal = req.principal ?? {};
  if (p.user_id) out.set(normalizeConditionKey('g:UserId').normalized, p.user_id);
  if (p.user_name) out.set(normalizeConditionKey('g:UserName').normalized, p.user_name);
  if (p.account_id) out.set(normalizeConditionKey('g:PrincipalAccount').normalized, p.account_id);
  if (req.region) {
    out.set(normalizeConditionKey('g:ProjectName').normalized, req.region);
    out.set(normalizeConditionKey('g:RequestedRegion').normalized, req.region);
  }
  for (const [k, v] of Object.entries(req.context ?? {})) {
    if (v === null || (Array.isArray(v) && v.length === 0)) out.delete(normalizeConditionKey(k).normalized);
    else out.set(normalizeConditionKey(k).normalized, v);
  }
  if (only) for (const k of [...out.keys()]) if (!only.has(k)) out.delete(k);
  return out;
}

/** Normalised condition keys the workload's policies (identity and SCP) read. */
export function referencedKeys(policies: readonly InlinePolicy[]): Set<string> {
  const out = new Set<string>();
  for (const p of policies) for (const st of statementsOf(p)) for (const c of st.conditions) out.add(c.key);
  return out;
}

/** The one action of a request (the benchmark workloads use single-action, single-resource requests). */
export function singleAction(req: EvaluateRequest): string {
  if (req.action === undefined || req.actions !== undefined || req.api !== undefined || req.resources !== undefined) {
    throw new Error('peer benchmarks translate single-action, single-resource requests only');
  }
  return req.action;
}

// ---------------------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/** A decision with its kind of deny, the level of detail all three engines report. */
/** Our outcome (`context_required` needs unknown keys, which the workloads never name). */
export type Outcome = 'allow' | 'explicit_deny' | 'implicit_deny' | 'context_required';

export interface Samples {
  /** One wall-clock sample per decision, µs. */
  times: number[];
  /** Whole timed loop, µs. */
  totalUs: number;
  /** Outcome per input, in order. */
  decisions: Outcome[];
}

/** Times a synchronous decision function: `warmup` untimed calls cycling over the inputs, then one timed call each. */
export function timeSync<T>(fn: (x: T) => Outcome, inputs: readonly T[], warmup: number): Samples {
  for (let i = 0; i < warmup; i++) fn(inputs[i % inputs.length] as T);
  const times = new Array<number>(inputs.length);
  const decisions = new Array<Outcome>(inputs.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < inputs.length; i++) {
    const t0 = process.hrtime.bigint();
    decisions[i] = fn(inputs[i] as T);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return { times, totalUs: Number(process.hrtime.bigint() - start) / 1000, decisions };
}

/** As `timeSync`, for a peer whose decision function returns a promise (awaited one at a time). */
export async function timeAsync<T>(fn: (x: T) => Promise<Outcome>, inputs: readonly T[], warmup: number): Promise<Samples> {
  for (let i = 0; i < warmup; i++) await fn(inputs[i % inputs.length] as T);
  const times = new Array<number>(inputs.length);
  const decisions = new Array<Outcome>(inputs.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < inputs.length; i++) {
    const t0 = process.hrtime.bigint();
    decisions[i] = await fn(inputs[i] as T);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return { times, totalUs: Number(process.hrtime.bigint() - start) / 1000, decisions };
}

/** Summarises samples, comparing the peer's decisions with ours (`expected`, same order). */
export function summarize(s: Samples, expected: readonly Outcome[], note?: string): PeerTiming {
  const sorted = [...s.times].sort((a, b) => a - b);
  let same = 0;
  for (let i = 0; i < s.decisions.length; i++) if (s.decisions[i] === expected[i]) same++;
  const out: PeerTiming = {
    p50_us: percentile(sorted, 0.5),
    p99_us: percentile(sorted, 0.99),
    per_decision_mean_us: s.totalUs / s.times.length,
    requests: s.times.length,
    agreement: s.decisions.length === 0 ? 1 : same / s.decisions.length,
  };
  if (note !== undefined) out.note = note;
  return out;
}
