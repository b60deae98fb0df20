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
 *   a `?` part): 900 patterns against twenty 2 KiB values, 51 KiB in all, took 400 ms. The bound is the
 *   steps of those tests (lib/match/glob.ts: fixed + value length x perChar per pattern), over the set's
 *   distinct wildcard conditions (explain evaluates each once more for its trace: condition results are
 *   kept per request, not per pair).
 * - resourceWork: the steps of resource matching: patterns against URNs, and coverage and intersection
 *   for families of resources (lib/match/cover.ts), each distinct (list or pattern, family) once. The
 *   issue-12 request (an 8 KB body) took 9 s deciding the same coverage 1,075 times without a bound.
 * - explainBytes: the characters of explain's reply; every pair's trace repeats every statement of the set
 *   and each condition trace repeats the request's values of its key (a 46 KB request was a 22 MB reply).
 * - replyChars: the characters of the decision's results (evaluate and explain): every statement that
 *   applies is listed in its pair's `matched` (a 31 KB request within `checks` was a 5 MB reply, 100 ms).
 *
 * Each is computed from the compiled set and the resolved request before any of the work it bounds: a
 * request over a limit is refused (400 REQUEST_TOO_COMPLEX) having cost its reading only. docs/limits.md
 * gives each routine's bound and how these limits cap it.
 */
import { coverCost, familyShape, listShape, type ListShape } from '../match/cover.js';
import { globCost, meetCost, meetShape, type Glob, type MeetShape } from '../match/glob.js';
import { BODY_LIMIT_BYTES } from '../schema/body.js';
import type { ErrorResponse } from '../types.js';
import { ResourceMode, type CompiledLayer, type CompiledPolicySet, type CompiledStatement } from './compile.js';
import { scalarToString } from './context.js';
import type { RequestItem, ResolvedRequest } from './request.js';

export const EVALUATION_LIMITS = { checks: 50_000, explainPairs: 300, explainTraces: 10_000, matchWork: 1_000_000, resourceWork: 6_000_000, explainBytes: 4_000_000, replyChars: 4_000_000 } as const;

export const REQUEST_TOO_COMPLEX = 'REQUEST_TOO_COMPLEX';

/**
 * Steps (lib/steps.ts) allowed per byte of a request for what is linear in it: reading and checking the
 * JSON, validating and compiling inline policies (each Action pattern is tested against the catalog's 33
 * names), the request's own resolution. Measured on the adversarial generator's requests at about 30.
 */
export const STEPS_PER_BODY_BYTE = 100;

/**
 * The steps one request within the documented limits takes at most, whatever it holds: the limits counted
 * in steps (resource matching; wildcard conditions, which explain evaluates twice) plus the linear
 * allowance for a 64 KiB body. The adversarial generator (test/adversary.test.ts) asserts it, and
 * bench/worst.ts measures what it costs in time (docs/limits.md).
 */
export const REQUEST_STEP_BOUND = EVALUATION_LIMITS.resourceWork + 2 * EVALUATION_LIMITS.matchWork + STEPS_PER_BODY_BYTE * BODY_LIMIT_BYTES;

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
  matchConditions: Array<{ key: string; fixed: number; perChar: number }>;
  /**
   * By catalog action, over the statements of every layer indexed under it: 1 + conditions + the fixed
   * steps of each Resource pattern's test (`base`), and the sum of the patterns' steps per resource
   * character (`perChar`). A decision on a URN costs at most base + URN length x perChar.
   */
  base: Float64Array;
  fixed: Float64Array;
  perChar: Float64Array;
  /** Shapes of the set's Resource lists and patterns for family costs, by slot (made on first use). */
  lists: Array<ListShape | undefined>;
  alone: Array<ListShape | undefined>;
  globs: Array<(MeetShape & { perChar: number }) | undefined>;
  /** Characters of one pair's trace and text without the request's condition values (every statement of the set is in it). */
  traceChars: number;
  /**
   * By catalog action: characters of the `matched` entries a pair may list: every Deny indexed under it
   * (all may apply) and, per layer, its longest Allow entry (a layer stops at its first Allow that applies).
   */
  matchedChars: Float64Array;
  /** The layers, outermost SCP level first. */
  layers: CompiledLayer[];
  /** Family costs of single-action families, by explain or evaluate, action and family (at most 1,024 kept). */
  familyCosts: Map<string, number>;
  /** Stamps of the list and pattern slots already counted for the family being costed (made on first use). */
  seen?: { list: Int32Array; glob: Int32Array; alone: Int32Array; stamp: number };
  /** By catalog action (made on first use): how many condition traces of each key the statements indexed under it may show. */
  traceKeys: Array<Map<string, number> | undefined>;
  /**
   * Made on first use: characters of the `context_required_keys` a pair may list with unknown keys, by
   * catalog action (every distinct key of the statements indexed under it, and the enterprise project when
   * one has a grant scope), and of a list of every key of the set (the response's `missing_context_keys`
   * and `context_required_keys`, which join the pairs').
   */
  requiredKeys?: { byAction: Float64Array; all: number };
}
const setWork = new WeakMap<CompiledPolicySet, SetWork>();

function workOf(set: CompiledPolicySet): SetWork {
  let w = setWork.get(set);
  if (w) return w;
  const layers = [set.identity, ...set.scps];
  let statements = 0;
  let traceChars = 0;
  // Per statement, once (the per-action sums below add these up): [1 + conditions, -, -, matched entry].
  const costs = new Map<CompiledStatement, Float64Array>();
  for (const layer of layers) {
    for (const policy of layer.policies) {
      statements += policy.statements.length;
      traceChars += TRACE_POLICY_CHARS + policy.id.length + (policy.source ? JSON.stringify(policy.source).length : 0);
      for (const st of policy.statements) {
        traceChars += traceCharsOf(st);
        const cost = new Float64Array(4);
        cost[0] = 1 + st.condSlots.length;
        cost[3] = matchedCharsOf(st);
        costs.set(st, cost);
      }
    }
  }
  // The set's distinct conditions are its memo's (compile.ts interns them).
  const matchConditions: SetWork['matchConditions'] = [];
  for (const c of set.memo.conditions) {
    if (c.op.comparison !== 'match') continue;
    // Each request value is tested against every pattern: per pattern, fixed steps plus the value's length times perChar.
    let fixed = 0;
    let perChar = 0;
    for (const pattern of c.source.values) {
      const cost = globCost(pattern);
      fixed += cost.fixed + 1;
      perChar += cost.perChar;
    }
    matchConditions.push({ key: c.key, fixed, perChar });
  }
  const n = set.identity.deny.length;
  const checksByAction = new Int32Array(n);
  const base = new Float64Array(n);
  const fixed = new Float64Array(n);
  const perChar = new Float64Array(n);
  const matchedChars = new Float64Array(n);
  // A pair tests each distinct pattern once (the decision memo): per action, the distinct patterns' costs.
  const globs = set.memo.globs;
  const counted = new Int32Array(globs.length);
  for (let a = 0; a < n; a++) {
    let c = 0;
    let b = 0;
    let f = 0;
    let p = 0;
    let m = 0;
    for (const layer of layers) {
      let longestAllow = 0;
      for (const list of [layer.deny[a], layer.allow[a]]) {
        const denies = list === layer.deny[a];
        for (const st of list ?? []) {
          const cost = costs.get(st) as Float64Array;
          c++;
          b += cost[0] as number;
          for (let i = 0; i < st.resSlots.length; i++) {
            const g = st.resSlots[i] as number;
            if (counted[g] === a + 1) continue;
            counted[g] = a + 1;
            f += (globs[g] as Glob).fixed + 1;
            p += (globs[g] as Glob).perChar;
          }
          if (denies) m += cost[3] as number;
          else if ((cost[3] as number) > longestAllow) longestAllow = cost[3] as number;
        }
      }
      m += longestAllow;
    }
    checksByAction[a] = c;
    base[a] = b;
    fixed[a] = f;
    perChar[a] = p;
    matchedChars[a] = m;
  }
  const memo = set.memo.families;
  w = {
    statements,
    checksByAction,
    maxChecks: checksByAction.reduce((m, x) => Math.max(m, x), 0),
    matchConditions,
    base,
    fixed,
    perChar,
    lists: new Array(memo.lists.length),
    alone: new Array(memo.patterns.length),
    globs: new Array(memo.patterns.length),
    traceChars,
    traceKeys: new Array(n),
    matchedChars,
    layers: [...set.scps, set.identity],
    familyCosts: new Map(),
  };
  setWork.set(set, w);
  return w;
}

/** The statements a decision of `resolved` may examine (an upper bound of evaluate's work). */
function checksOf(work: SetWork, resolved: ResolvedRequest): number {
  let n = 0;
  for (const item of resolved.items) n += work.checksByAction[item.actionIndex] ?? 0;
  return n;
}

/** Steps of the set's distinct wildcard conditions on this request's values (an upper bound: every value against every pattern). */
function matchWorkOf(work: SetWork, resolved: ResolvedRequest): number {
  let total = 0;
  let sizes: Map<string, { chars: number; values: number }> | undefined;
  for (const { key, fixed, perChar } of work.matchConditions) {
    let n = sizes?.get(key);
    if (n === undefined) {
      n = { chars: 0, values: 0 };
      for (const v of resolved.context.get(key) ?? []) {
        n.chars += scalarToString(v).length;
        n.values++;
      }
      (sizes ??= new Map()).set(key, n);
    }
    total += n.chars * perChar + n.values * fixed;
  }
  return total;
}

/**
 * Steps of resource matching (an upper bound, counted before any of it is done): per (action, resource)
 * pair, every statement indexed under the action costs 1 + its conditions (memo lookups) and, on a URN,
 * each distinct Resource pattern's test (fixed + URN length x perChar: lib/match/glob.ts); explain tests URNs again
 * for its trace. On a family, each distinct (Resource list, family) coverage and (pattern, family)
 * intersection the decision may need is counted once (lib/match/cover.ts coverCost, glob.ts meetCost), as
 * the set's family memo decides it once; explain adds the coverage by each Allow pattern alone (without
 * exploration) that names the deciding pattern.
 */
function resourceWorkOf(set: CompiledPolicySet, work: SetWork, resolved: ResolvedRequest, explaining: boolean): number {
  let total = 0;
  let families: Map<string, RequestItem[]> | undefined;
  const urnPasses = explaining ? 3 : 1;
  for (const item of resolved.items) {
    const a = item.actionIndex;
    total += work.base[a] as number;
    if (item.kind === 'urn') total += urnPasses * ((work.fixed[a] as number) + (item.resourceNorm as string).length * (work.perChar[a] as number));
    else if (item.kind === 'family') {
      families ??= new Map();
      const same = families.get(item.resourceNorm as string);
      if (same) same.push(item);
      else families.set(item.resourceNorm as string, [item]);
    }
  }
  if (!families) return total;
  for (const [family, items] of families) {
    // A family asked for one action (the common case) has the same cost in every request: kept per set.
    if (items.length === 1) {
      const key = `${explaining ? 'x' : 'e'}${(items[0] as RequestItem).actionIndex}\u0000${family}`;
      let cost = work.familyCosts.get(key);
      if (cost === undefined) {
        cost = familyCost(set, work, family, items, explaining);
        if (work.familyCosts.size >= 1024) work.familyCosts.clear();
        work.familyCosts.set(key, cost);
      }
      total += cost;
    } else total += familyCost(set, work, family, items, explaining);
  }
  return total;
}

/**
 * The coverage and intersection costs one family may need over the statements of its items' actions,
 * each distinct (list, family) and (pattern, family) once, as the family memo decides them.
 */
function familyCost(set: CompiledPolicySet, work: SetWork, family: string, items: readonly RequestItem[], explaining: boolean): number {
  const memo = set.memo.families;
  const seen = (work.seen ??= { list: new Int32Array(memo.lists.length), glob: new Int32Array(memo.patterns.length), alone: new Int32Array(memo.patterns.length), stamp: 0 });
  if (seen.stamp >= 0x7ffffffe) {
    seen.list.fill(0);
    seen.glob.fill(0);
    seen.alone.fill(0);
    seen.stamp = 0;
  }
  const stamp = ++seen.stamp;
  const cover = familyShape(family);
  const meet = meetShape(family);
  let total = 0;
  const onStatement = (st: CompiledStatement): void => {
    if (st.resMode === ResourceMode.Any || st.resAllStar) return;
    const allow = st.effect === 'Allow';
    if (allow === (st.resMode === ResourceMode.List)) {
      if (seen.list[st.resList] !== stamp) {
        seen.list[st.resList] = stamp;
        total += coverCost((work.lists[st.resList] ??= listShape(memo.lists[st.resList] as string[])), cover);
      }
      if (!(explaining && allow)) return;
      // Explain names the pattern that covers alone (or else the first that meets).
      for (let i = 0; i < st.resSlots.length; i++) {
        const g = st.resSlots[i] as number;
        if (seen.alone[g] === stamp) continue;
        seen.alone[g] = stamp;
        total += coverCost((work.alone[g] ??= listShape([memo.patterns[g] as string])), cover, false);
      }
    }
    for (let i = 0; i < st.resSlots.length; i++) {
      const g = st.resSlots[i] as number;
      if (seen.glob[g] === stamp) continue;
      seen.glob[g] = stamp;
      total += meetCost((work.globs[g] ??= { ...meetShape(memo.patterns[g] as string), perChar: (set.memo.globs[g] as Glob).perChar }), meet);
    }
  };
  for (const item of items) {
    for (const layer of work.layers) {
      for (const st of layer.deny[item.actionIndex] ?? []) onStatement(st);
      for (const st of layer.allow[item.actionIndex] ?? []) onStatement(st);
    }
  }
  return total;
}

/** Characters of one `matched` entry of a statement (its fixed names, policy id, Sid, version, grant). */
function matchedCharsOf(st: CompiledStatement): number {
  const ref = st.ref;
  return 100 + ref.policy_id.length + (ref.sid?.length ?? 0) + (ref.level?.length ?? 0) + (ref.version?.length ?? 0) + (ref.grant_id?.length ?? 0);
}

/**
 * Characters of the decision's results (an upper bound: every statement examined for a pair may apply and
 * be listed), and the response's `missing_context_keys` (explain's text repeats them). With unknown keys,
 * a pair that is `context_required` also lists the keys its undecided statements depend on (9 Allows, each
 * on 20 unknown keys, over 20 resources, was a 12 MB reply before they were counted), and the response
 * lists them all once more (explain's text too).
 */
function resultCharsOf(set: CompiledPolicySet, work: SetWork, resolved: ResolvedRequest): number {
  let total = RESPONSE_CHARS;
  for (const item of resolved.items) total += 300 + 2 * (item.action.length + item.resource.length) + (work.matchedChars[item.actionIndex] as number);
  // `missing_context_keys` (and its line in explain's text): at most every key of the set.
  const keys = (work.requiredKeys ??= requiredKeyChars(set, work));
  total += 2 * keys.all;
  if (resolved.context.unknown === null) return total;
  for (const item of resolved.items) total += keys.byAction[item.actionIndex] as number;
  return total + 2 * keys.all;
}

/**
 * Characters of a response's fixed parts, generously: the message, the warnings (at most 10 policy warnings
 * and a count, the request's own few; each quotes at most a 2 KiB string), written twice by explain (JSON
 * and text), the catalog version and the ids.
 */
const RESPONSE_CHARS = 64 * 1024;

/** Characters of a key in a `context_required_keys` list: its name as first written in the set, quotes and comma. */
const EP_KEY_CHARS = 'g:EnterpriseProjectId'.length + 3;

function requiredKeyChars(set: CompiledPolicySet, work: SetWork): { byAction: Float64Array; all: number } {
  const keys = set.memo.keys;
  const n = work.checksByAction.length;
  const byAction = new Float64Array(n);
  const seen = new Int32Array(keys.length);
  for (let a = 0; a < n; a++) {
    let chars = 0;
    let scoped = false;
    for (const layer of work.layers) {
      for (const list of [layer.deny[a], layer.allow[a]]) {
        for (const st of list ?? []) {
          if (st.scope !== null) scoped = true;
          for (let i = 0; i < st.keySlots.length; i++) {
            const k = st.keySlots[i] as number;
            if (seen[k] === a + 1) continue;
            seen[k] = a + 1;
            chars += (keys[k] as { written: string }).written.length + 3;
          }
        }
      }
    }
    byAction[a] = chars + (scoped ? EP_KEY_CHARS : 0);
  }
  let all = EP_KEY_CHARS;
  for (const k of keys) all += k.written.length + 3;
  return { byAction, all };
}

/** Characters of a trace's fixed parts: a statement's names and flags, a policy's, a layer's (generous: JSON and text). */
const TRACE_STATEMENT_CHARS = 400;
const TRACE_POLICY_CHARS = 100;

/**
 * Characters of a condition trace's fixed parts, counted three times with its operator, key and policy
 * values: its JSON object (field names, `missing`, `result`, `unknown`), its line of text (JSON-escaped in
 * the reply: the values' quotes count twice), and the statement's summary that names it (`condition
 * false: <operator> <key> (key absent), ...` or `may apply, depending on <operator> <key>, ...`).
 */
const CONDITION_TRACE_CHARS = 60;

/**
 * Characters a statement may add to one pair's trace and text, the request's values aside: its fixed
 * parts, Sid and path (twice: JSON and text), the longest action and resource patterns it may name, and
 * its conditions' operators, keys and policy values (three times: see CONDITION_TRACE_CHARS).
 */
function traceCharsOf(st: CompiledStatement): number {
  const src = st.source;
  let n = TRACE_STATEMENT_CHARS + 2 * ((src.sid?.length ?? 0) + src.path.length);
  let longest = 0;
  for (const p of src.actions ?? src.notActions ?? []) longest = Math.max(longest, p.length);
  n += 2 * longest;
  longest = 0;
  for (const p of src.resources ?? src.notResources ?? []) longest = Math.max(longest, p.length);
  n += 2 * longest;
  for (const c of st.conditions) n += 3 * (CONDITION_TRACE_CHARS + c.source.operator.written.length + c.source.key.length + JSON.stringify(c.source.values).length);
  return n;
}

/**
 * Characters of explain's reply (an upper bound, before any of it is made): every pair's trace lists every
 * statement of the set (shared objects in memory, but written out once per pair), and each condition trace
 * of an evaluated statement repeats the request's values of its key (JSON and text). A 46 KB request was a
 * 22 MB reply before this limit.
 */
function explainCharsOf(set: CompiledPolicySet, work: SetWork, resolved: ResolvedRequest): number {
  let total = 0;
  const valueChars = new Map<string, number>();
  const charsOf = (key: string): number => {
    let n = valueChars.get(key);
    if (n === undefined) {
      n = 0;
      // Per value: JSON quotes and comma, and in the text the same quotes escaped.
      for (const v of resolved.context.get(key) ?? []) n += scalarToString(v).length + 8;
      valueChars.set(key, n);
    }
    return n;
  };
  const layers = [set.identity, ...set.scps];
  for (const item of resolved.items) {
    total += work.traceChars + 2 * (item.action.length + item.resource.length) + 200;
    const a = item.actionIndex;
    let keys = work.traceKeys[a];
    if (keys === undefined) {
      keys = new Map();
      for (const layer of layers) {
        for (const list of [layer.deny[a], layer.allow[a]]) {
          for (const st of list ?? []) for (const c of st.conditions) keys.set(c.key, (keys.get(c.key) ?? 0) + 1);
        }
      }
      work.traceKeys[a] = keys;
    }
    for (const [key, count] of keys) total += 2 * count * charsOf(key);
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
  const results = resultCharsOf(set, work, resolved);
  if (results > L.replyChars) return tooComplex('characters of results (each pair lists the statements that apply to it)', 'reply_chars', Math.ceil(results), L.replyChars, { pairs });
  if (explaining) {
    // Explain's reply is its results, then the trace and the text.
    const chars = results + explainCharsOf(set, work, resolved);
    if (chars > L.explainBytes)
      return tooComplex('characters of explanation (every statement of the set per pair, with the request values its conditions show)', 'explain_chars', Math.ceil(chars), L.explainBytes, { pairs });
  }
  const resource = resourceWorkOf(set, work, resolved, explaining);
  if (resource > L.resourceWork) return tooComplex('steps of resource matching (patterns against resources, families of resources)', 'resource_work', Math.ceil(resource), L.resourceWork, { pairs });
  return null;
}

function tooComplex(what: string, key: string, n: number, limit: number, details: { [key: string]: number }): ErrorResponse {
  details[key] = n;
  details.limit = limit;
  const message = `The request needs ${n} ${what}; the limit is ${limit}. Ask for fewer actions (a wildcard counts every action it matches), resources or values, or split the request.`;
  return { error: { code: REQUEST_TOO_COMPLEX, message, details } };
}
