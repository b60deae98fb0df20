/**
 * Three-valued decisions (docs/semantics.md, "Unknown context keys"): with `unknown_context_keys`, a
 * condition on an unknown key is true, false or unknown (unknown when its result depends on the key's
 * value), a statement applies, does not, or may apply, and an item is
 *  - allowed only if it is allowed whatever the unknown keys are: no Deny may apply, and every required
 *    layer (each SCP level unless exempt, identity unless the account itself) has an Allow that applies
 *    for sure;
 *  - `explicit_deny` when a Deny applies whatever they are;
 *  - `implicit_deny` when a required layer has no Allow that even may apply;
 *  - otherwise `context_required`, with the unknown keys the undecided statements depend on.
 * The two-valued decision core (decide.ts) stays as it is: the engine branches here once per request, so
 * requests without unknown keys pay nothing for this.
 */
import { actionAt } from '../catalog/catalog.js';
import type { ActionResult, DeniedBy, MatchedStatement } from '../types.js';
import type { CompiledLayer, CompiledPolicySet, CompiledStatement, DecisionMemo } from './compile.js';
import { evalCondition3, UNKNOWN, type Tri } from './conditions.js';
import { enterItem, memoResourceMatches, noteMissingKeys, scopeAdmits } from './decide.js';
import type { RequestItem, ResolvedRequest } from './request.js';

const EP_KEY = 'g:enterpriseprojectid';

/**
 * `scopeAdmits`, three-valued: an enterprise-project grant on an action that supports enterprise projects
 * may or may not cover a request whose `g:EnterpriseProjectId` is unknown (absent, it does not cover an
 * Allow and covers a Deny; with its project, it covers both).
 */
export function scopeAdmits3(st: CompiledStatement, item: RequestItem, req: ResolvedRequest): Tri {
  const scope = st.scope;
  if (scope === null) return 1;
  if (scope.type === 'enterprise_project' && actionAt(item.actionIndex).enterprise_project && item.context.isUnknown(EP_KEY)) return UNKNOWN;
  return scopeAdmits(st, item, req) ? 1 : 0;
}

/** A statement's conditions (AND), three-valued: false if one is false, else unknown if one is, else true. Memoised per request. */
function memoConditions3(st: CompiledStatement, memo: DecisionMemo, item: RequestItem, missing: Map<string, string> | null): Tri {
  const slots = st.condSlots;
  if (slots.length === 0) return 1;
  const ctx = item.context;
  if (missing !== null) noteMissingKeys(st, memo, item, missing);
  const stamp = memo.requestStamp;
  let out: Tri = 1;
  for (let i = 0; i < slots.length; i++) {
    const c = slots[i]!;
    let v: Tri;
    if (memo.condStamp[c] === stamp) v = memo.condValue[c] as Tri;
    else {
      v = evalCondition3(memo.conditions[c]!, ctx);
      memo.condStamp[c] = stamp;
      memo.condValue[c] = v;
    }
    if (v === 0) return 0;
    if (v === UNKNOWN) out = UNKNOWN;
  }
  return out;
}

/** Scope, resource and conditions, three-valued (the memo must be entered for this item). */
export function applies3(st: CompiledStatement, memo: DecisionMemo, item: RequestItem, req: ResolvedRequest, missing: Map<string, string> | null): Tri {
  const scope = st.scope === null ? 1 : scopeAdmits3(st, item, req);
  if (scope === 0 || !memoResourceMatches(st, memo, item)) return 0;
  const conditions = memoConditions3(st, memo, item, missing);
  return conditions === 0 ? 0 : scope === UNKNOWN ? UNKNOWN : conditions;
}

/** The layer's first Allow that applies for sure (the three-valued walk looks no further), or null. */
export function firstSureAllow(set: CompiledPolicySet, layer: CompiledLayer, item: RequestItem, req: ResolvedRequest): CompiledStatement | null {
  const memo = set.memo;
  enterItem(memo, req, item, null);
  const allows = (item.kind === 'none' ? layer.allowOnStar : layer.allow)[item.actionIndex]!;
  for (let i = 0; i < allows.length; i++) if (applies3(allows[i]!, memo, item, req, null) === 1) return allows[i]!;
  return null;
}

const NO_MATCHES: readonly MatchedStatement[] = Object.freeze([]);

interface Walk3 {
  /** Statements that apply for sure. */
  matched: MatchedStatement[] | null;
  /** The first Deny that applies for sure. */
  explicit: DeniedBy | null;
  /** The first required layer without an Allow that may apply. */
  implicit: DeniedBy | null;
  /** The first Deny that may apply, or required layer whose Allows only may apply. */
  undecided: DeniedBy | null;
  /** The statements whose unknown keys decide (Denies that may apply; Allows that may apply in an undecided layer). */
  pending: CompiledStatement[] | null;
}

function walkLayer3(layer: CompiledLayer, memo: DecisionMemo, item: RequestItem, req: ResolvedRequest, missing: Map<string, string> | null, w: Walk3, needsAllow: boolean): void {
  const a = item.actionIndex;
  const onStar = item.kind === 'none';
  const denies = (onStar ? layer.denyOnStar : layer.deny)[a]!;
  for (let i = 0; i < denies.length; i++) {
    const st = denies[i]!;
    const v = applies3(st, memo, item, req, missing);
    if (v === 1) {
      (w.matched ??= []).push(st.ref);
      w.explicit ??= st.deniedBy;
    } else if (v === UNKNOWN) {
      (w.pending ??= []).push(st);
      w.undecided ??= st.deniedBy;
    }
  }
  const allows = (onStar ? layer.allowOnStar : layer.allow)[a]!;
  let maybe: CompiledStatement[] | null = null;
  for (let i = 0; i < allows.length; i++) {
    const st = allows[i]!;
    const v = applies3(st, memo, item, req, missing);
    if (v === 1) {
      (w.matched ??= []).push(st.ref);
      return;
    }
    if (v === UNKNOWN) (maybe ??= []).push(st);
  }
  if (!needsAllow) return;
  if (maybe === null) w.implicit ??= layer.implicit;
  else {
    w.undecided ??= layer.implicit;
    const pending = (w.pending ??= []);
    // One by one: a spread passes every element as an argument (a layer may hold thousands).
    for (let i = 0; i < maybe.length; i++) pending.push(maybe[i]!);
  }
}

/**
 * The set's condition keys as `context_required_keys` writes them (the name first written in the set, as
 * missing_context_keys reports it), sorted once per set: a pair then sorts the ranks of its keys, not the
 * names (a pair may depend on hundreds of long keys, and every pair of a request sorted them again).
 */
interface KeyOrder {
  /** Normalised key -> its rank in `names`. */
  rank: Map<string, number>;
  names: string[];
}
const keyOrders = new WeakMap<DecisionMemo, KeyOrder>();
function keyOrder(memo: DecisionMemo): KeyOrder {
  let order = keyOrders.get(memo);
  if (order) return order;
  const written = new Map<string, string>();
  for (const k of memo.keys) if (!written.has(k.key)) written.set(k.key, k.written);
  if (!written.has(EP_KEY)) written.set(EP_KEY, 'g:EnterpriseProjectId');
  const entries = [...written].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  order = { rank: new Map(entries.map(([key], i) => [key, i])), names: entries.map(([, name]) => name) };
  keyOrders.set(memo, order);
  return order;
}

/** The unknown keys the pending statements depend on (their conditions and grant scopes that are unknown), sorted as written. */
function decidingKeys(pending: readonly CompiledStatement[], memo: DecisionMemo, item: RequestItem, req: ResolvedRequest): string[] {
  const order = keyOrder(memo);
  const ranks = new Set<number>();
  for (const st of pending) {
    if (st.scope !== null && scopeAdmits3(st, item, req) === UNKNOWN) ranks.add(order.rank.get(EP_KEY)!);
    const slots = st.condSlots;
    // A pending statement has no false condition, so each was evaluated for this request.
    for (let i = 0; i < slots.length; i++) {
      const c = slots[i]!;
      if (memo.condValue[c] === UNKNOWN) ranks.add(order.rank.get(memo.conditions[c]!.key)!);
    }
  }
  const sorted = Int32Array.from(ranks).sort();
  const out = new Array<string>(sorted.length);
  for (let i = 0; i < sorted.length; i++) out[i] = order.names[sorted[i]!]!;
  return out;
}

/** Decides one item with unknown keys (see the module comment). `missing` as in decideItem. */
export function decideItemUnknown(set: CompiledPolicySet, req: ResolvedRequest, item: RequestItem, missing: Map<string, string> | null): ActionResult {
  const w: Walk3 = { matched: null, explicit: null, implicit: null, undecided: null, pending: null };
  const memo = set.memo;
  enterItem(memo, req, item, missing);
  if (!req.scpExempt) for (const layer of set.scps) walkLayer3(layer, memo, item, req, missing, w, true);
  walkLayer3(set.identity, memo, item, req, missing, w, req.identityNeedsAllow);
  // Another account's resource: denied by the identity layer for sure (decideItem).
  if (item.foreign) w.implicit ??= set.identity.implicit;
  const matched = w.matched ?? (NO_MATCHES as MatchedStatement[]);
  const result: ActionResult =
    w.explicit !== null
      ? { action: item.action, resource: item.resource, decision: 'deny', reason: 'explicit_deny', denied_by: w.explicit, matched }
      : w.implicit !== null
        ? { action: item.action, resource: item.resource, decision: 'deny', reason: 'implicit_deny', denied_by: w.implicit, matched }
        : w.undecided !== null
          ? { action: item.action, resource: item.resource, decision: 'deny', reason: 'context_required', denied_by: w.undecided, matched }
          : { action: item.action, resource: item.resource, decision: 'allow', reason: 'allowed', denied_by: null, matched };
  if (item.requiredBy) result.required_by = item.requiredBy;
  if (result.reason === 'context_required') result.context_required_keys = decidingKeys(w.pending!, memo, item, req);
  return result;
}
