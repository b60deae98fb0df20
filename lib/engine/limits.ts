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
 *   them again for each pair it traces).
 */
import type { ErrorResponse } from '../types.js';
import type { CompiledPolicySet } from './compile.js';
import type { CompiledCondition } from './conditions.js';
import { scalarToString } from './context.js';
import type { ResolvedRequest } from './request.js';

export const EVALUATION_LIMITS = { checks: 50_000, explainPairs: 300, explainTraces: 10_000, matchWork: 1_000_000 } as const;

export const REQUEST_TOO_COMPLEX = 'REQUEST_TOO_COMPLEX';

/** The statements a decision of `resolved` may examine (an upper bound of evaluate's work). */
export function checksOf(set: CompiledPolicySet, resolved: ResolvedRequest): number {
  let n = 0;
  const layers = [set.identity, ...set.scps];
  for (const item of resolved.items) {
    const a = item.actionIndex;
    for (const layer of layers) n += (layer.deny[a]?.length ?? 0) + (layer.allow[a]?.length ?? 0);
  }
  return n;
}

/** Every statement of the set, all layers. */
export function statementsOf(set: CompiledPolicySet): number {
  let n = 0;
  for (const layer of [set.identity, ...set.scps]) for (const p of layer.policies) n += p.statements.length;
  return n;
}

/** Characters of request values x pattern steps of the set's distinct wildcard conditions (an upper bound of their cost). */
export function matchWorkOf(set: CompiledPolicySet, resolved: ResolvedRequest): number {
  let work = 0;
  const seen = new Set<string>();
  const chars = new Map<string, number>();
  for (const layer of [set.identity, ...set.scps]) {
    for (const policy of layer.policies) {
      for (const st of policy.statements) {
        for (const c of st.conditions as CompiledCondition[]) {
          if (c.op.comparison !== 'match') continue;
          let n = chars.get(c.key);
          if (n === undefined) {
            n = 0;
            for (const v of resolved.context.get(c.key) ?? []) n += scalarToString(v).length + 1;
            chars.set(c.key, n);
          }
          if (n === 0) continue;
          const id = `${c.key}\u0000${c.source.operator.written}\u0000${c.source.values.join('\u0001')}`;
          if (seen.has(id)) continue;
          seen.add(id);
          let steps = 0;
          for (const pattern of c.source.values) steps += pattern.indexOf('?') === -1 ? 1 : Math.ceil((pattern.length + 1) / 32);
          work += n * steps;
        }
      }
    }
  }
  return work;
}

/** An error when the request asks for more than the limits allow; null otherwise. */
export function workLimitError(set: CompiledPolicySet, resolved: ResolvedRequest, mode: 'evaluate' | 'explain'): ErrorResponse | null {
  const pairs = resolved.items.length;
  const L = EVALUATION_LIMITS;
  const explaining = mode === 'explain';
  // The cheap numbers first.
  if (explaining && pairs > L.explainPairs) return tooComplex('(action, resource) pairs to explain', 'pairs', pairs, L.explainPairs, {});
  const statements = explaining ? statementsOf(set) : 0;
  if (pairs * statements > L.explainTraces) return tooComplex('statement traces (pairs x statements)', 'traces', pairs * statements, L.explainTraces, { pairs, statements });
  const match = matchWorkOf(set, resolved) * (explaining ? 1 + pairs : 1);
  if (match > L.matchWork) return tooComplex('steps of wildcard conditions (value characters x pattern steps)', 'match_work', match, L.matchWork, { pairs });
  const checks = checksOf(set, resolved);
  if (checks > L.checks) return tooComplex('statement checks (over all (action, resource) pairs)', 'checks', checks, L.checks, { pairs });
  return null;
}

function tooComplex(what: string, key: string, n: number, limit: number, details: { [key: string]: number }): ErrorResponse {
  details[key] = n;
  details.limit = limit;
  const message = `The request needs ${n} ${what}; the limit is ${limit}. Ask for fewer actions (a wildcard counts every action it matches), resources or values, or split the request.`;
  return { error: { code: REQUEST_TOO_COMPLEX, message, details } };
}
