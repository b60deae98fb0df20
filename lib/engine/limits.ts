/**
 * How much one request may ask of the engine. The body limit (64 KiB) bounds what a request says, not what
 * it asks for: `"actions": ["ims:*:*"]` with 100 resources is 2,900 (action, resource) pairs, and each pair
 * is decided against every statement that names its action, and traced (explain) against every statement
 * of the set. Without a bound, a 27 KiB request produced a 75 MB explain reply in a second. The limits
 * below keep every decision of a 64 KiB request within a few milliseconds and its reply within a few MB.
 *
 * - checks: the statements a decision may examine, summed over its pairs (per pair: the Deny and Allow
 *   statements of each layer indexed under the pair's action). Bounds evaluate's time and its `matched` lists.
 * - explainPairs / explainTraces: explain's trace holds every statement of every policy for each pair.
 * - matchWork: wildcard conditions (StringMatch, StringLike and their negations) test every request value
 *   of the key against every pattern, each test linear in the value (32 pattern characters per step for
 *   a `?` part): 900 patterns against twenty 2 KiB values, 51 KiB in all, took 400 ms. The bound is on
 *   request characters x pattern steps, over the set's distinct wildcard conditions (explain evaluates
 *   each once more for its trace: condition results are kept per request, not per pair).
 */
import type { ErrorResponse } from '../types.js';
import type { CompiledPolicySet } from './compile.js';
import { scalarToString } from './context.js';
import type { ResolvedRequest } from './request.js';

export const EVALUATION_LIMITS = { checks: 50_000, explainPairs: 300, explainTraces: 10_000, matchWork: 1_000_000 } as const;

export const REQUEST_TOO_COMPLEX = 'REQUEST_TOO_COMPLEX';

/**
 * What the limits need to know of a policy set, computed once per compiled set (the first request that
 * meets it), so the per-request check is a few multiplications.
 */
interface SetWork {
  /** Every statement of the set, all layers. */
  statements: number;
  /** By catalog action: the Deny and Allow statements of every layer indexed under it. */
  checksByAction: Int32Array;
  /** The largest of checksByAction. */
  maxChecks: number;
  /** The set's distinct wildcard conditions: their (normalised) key and pattern steps. */
  matchConditions: Array<{ key: string; steps: number }>;
}
const setWork = new WeakMap<CompiledPolicySet, SetWork>();

function workOf(set: CompiledPolicySet): SetWork {
  let w = setWork.get(set);
  if (w) return w;
  const layers = [set.identity, ...set.scps];
  let statements = 0;
  for (const layer of layers) for (const policy of layer.policies) statements += policy.statements.length;
  // The set's distinct conditions are its memo's (compile.ts interns them).
  const matchConditions: SetWork['matchConditions'] = [];
  for (const c of set.memo.conditions) {
    if (c.op.comparison !== 'match') continue;
    let steps = 0;
    for (const pattern of c.source.values) steps += pattern.indexOf('?') === -1 ? 1 : Math.ceil((pattern.length + 1) / 32);
    matchConditions.push({ key: c.key, steps });
  }
  const n = set.identity.deny.length;
  const checksByAction = new Int32Array(n);
  for (let a = 0; a < n; a++) {
    let c = 0;
    for (const layer of layers) c += (layer.deny[a]?.length ?? 0) + (layer.allow[a]?.length ?? 0);
    checksByAction[a] = c;
  }
  w = { statements, checksByAction, maxChecks: checksByAction.reduce((m, x) => Math.max(m, x), 0), matchConditions };
  setWork.set(set, w);
  return w;
}

/** The statements a decision of `resolved` may examine (an upper bound of evaluate's work). */
function checksOf(work: SetWork, resolved: ResolvedRequest): number {
  let n = 0;
  for (const item of resolved.items) n += work.checksByAction[item.actionIndex] ?? 0;
  return n;
}

/** Characters of request values x pattern steps of the set's distinct wildcard conditions (an upper bound of their cost). */
function matchWorkOf(work: SetWork, resolved: ResolvedRequest): number {
  let total = 0;
  let chars: Map<string, number> | undefined;
  for (const { key, steps } of work.matchConditions) {
    let n = chars?.get(key);
    if (n === undefined) {
      n = 0;
      for (const v of resolved.context.get(key) ?? []) n += scalarToString(v).length + 1;
      (chars ??= new Map()).set(key, n);
    }
    total += n * steps;
  }
  return total;
}

/** An error when the request asks for more than the limits allow; null otherwise. */
export function workLimitError(set: CompiledPolicySet, resolved: ResolvedRequest, mode: 'evaluate' | 'explain'): ErrorResponse | null {
  const work = workOf(set);
  const pairs = resolved.items.length;
  const L = EVALUATION_LIMITS;
  const explaining = mode === 'explain';
  // The cheap numbers first.
  if (explaining && pairs > L.explainPairs) return tooComplex('(action, resource) pairs to explain', 'pairs', pairs, L.explainPairs, {});
  const statements = explaining ? work.statements : 0;
  if (pairs * statements > L.explainTraces) return tooComplex('statement traces (pairs x statements)', 'traces', pairs * statements, L.explainTraces, { pairs, statements });
  const match = work.matchConditions.length === 0 ? 0 : matchWorkOf(work, resolved) * (explaining ? 2 : 1);
  if (match > L.matchWork) return tooComplex('steps of wildcard conditions (value characters x pattern steps)', 'match_work', match, L.matchWork, { pairs });
  // Only a request that could exceed the limit (pairs x the most statements an action has) is counted exactly.
  const checks = pairs * work.maxChecks <= L.checks ? 0 : checksOf(work, resolved);
  if (checks > L.checks) return tooComplex('statement checks (over all (action, resource) pairs)', 'checks', checks, L.checks, { pairs });
  return null;
}

function tooComplex(what: string, key: string, n: number, limit: number, details: { [key: string]: number }): ErrorResponse {
  details[key] = n;
  details.limit = limit;
  const message = `The request needs ${n} ${what}; the limit is ${limit}. Ask for fewer actions (a wildcard counts every action it matches), resources or values, or split the request.`;
  return { error: { code: REQUEST_TOO_COMPLEX, message, details } };
}
