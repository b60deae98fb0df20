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
import type { RequestContext } from './context.js';
import { enterItem, memoResourceMatches, scopeAdmits } from './decide.js';
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
  if (scope.type === 'enterprise_project' && actionAt(item.actionIndex).enterprise_project && req.context.isUnknown(EP_KEY)) return UNKNOWN;
  return scopeAdmits(st, item, req) ? 1 : 0;
}

/** Records into `missing` the statement's condition keys the request lacks, as the two-valued walk does inline. */
function noteMissingKeys(st: CompiledStatement, memo: DecisionMemo, ctx: RequestContext, missing: Map<string, string>): void {
  const keys = st.keySlots;
  const stamp = memo.keysStamp;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (memo.keyStamp[k] === stamp) continue;
    memo.keyStamp[k] = stamp;
    const key = memo.keys[k]!;
    if (ctx.get(key.key) === undefined && !missing.has(key.key)) missing.set(key.key, key.written);
  }
}

/** A statement's conditions (AND), three-valued: false if one is false, else unknown if one is, else true. Memoised per request. */
function memoConditions3(st: CompiledStatement, memo: DecisionMemo, req: ResolvedRequest, missing: Map<string, string> | null): Tri {
  const slots = st.condSlots;
  if (slots.length === 0) return 1;
  const ctx = req.context;
  if (missing !== null) noteMissingKeys(st, memo, ctx, missing);
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
  const conditions = memoConditions3(st, memo, req, missing);
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
    (w.pending ??= []).push(...maybe);
  }
}

/** Normalised key -> the name first written in the set (as missing_context_keys reports it). */
const writtenKeys = new WeakMap<DecisionMemo, Map<string, string>>();
function writtenKey(memo: DecisionMemo, key: string, fallback: string): string {
  let names = writtenKeys.get(memo);
  if (!names) writtenKeys.set(memo, (names = new Map(memo.keys.map((k) => [k.key, k.written]))));
  return names.get(key) ?? fallback;
}

/** The unknown keys the pending statements depend on (their conditions and grant scopes that are unknown), sorted as written. */
function decidingKeys(pending: readonly CompiledStatement[], memo: DecisionMemo, item: RequestItem, req: ResolvedRequest): string[] {
  const keys = new Map<string, string>();
  for (const st of pending) {
    if (st.scope !== null && !keys.has(EP_KEY) && scopeAdmits3(st, item, req) === UNKNOWN) keys.set(EP_KEY, writtenKey(memo, EP_KEY, 'g:EnterpriseProjectId'));
    const slots = st.condSlots;
    // A pending statement has no false condition, so each was evaluated for this request.
    for (let i = 0; i < slots.length; i++) {
      const c = slots[i]!;
      if (memo.condValue[c] !== UNKNOWN) continue;
      const cond = memo.conditions[c]!;
      if (!keys.has(cond.key)) keys.set(cond.key, writtenKey(memo, cond.key, cond.source.key));
    }
  }
  return [...keys.values()].sort();
}

/** Decides one item with unknown keys (see the module comment). `missing` as in decideItem. */
export function decideItemUnknown(set: CompiledPolicySet, req: ResolvedRequest, item: RequestItem, missing: Map<string, string> | null): ActionResult {
  const w: Walk3 = { matched: null, explicit: null, implicit: null, undecided: null, pending: null };
  const memo = set.memo;
  enterItem(memo, req, item, missing);
  if (!req.scpExempt) for (const layer of set.scps) walkLayer3(layer, memo, item, req, missing, w, true);
  walkLayer3(set.identity, memo, item, req, missing, w, req.identityNeedsAllow);
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
