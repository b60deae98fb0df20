/**
 * The decision core: for one (action, resource) item, walk the statements indexed under the action in
 * each layer. Explicit Deny anywhere wins; each SCP level (unless the principal is exempt) needs an
 * Allow; the identity layer needs an Allow unless the principal is the account itself.
 */
import { actionAt } from '../catalog/catalog.js';
import { globsCover, globsIntersect } from '../match/glob.js';
import type { ActionResult, DeniedBy, MatchedStatement } from '../types.js';
import type { CompiledLayer, CompiledPolicySet, CompiledStatement, DecisionMemo } from './compile.js';
import { denialOrder, ResourceMode } from './compile.js';
import { evalCondition } from './conditions.js';
import type { RequestContext } from './context.js';
import type { RequestItem, ResolvedRequest } from './request.js';

/**
 * Whether the statement's Resource / NotResource admits the item. For a family of resources (a wildcard
 * or incomplete resource) the answer fails closed: an Allow must cover every member, a Deny applies as
 * soon as it may match one.
 */
export function resourceMatches(st: CompiledStatement, item: RequestItem): boolean {
  if (st.resMode === ResourceMode.Any) return true;
  const urn = item.resourceNorm;
  if (item.kind === 'family') return familyMatches(st, urn as string);
  let hit = st.resAllStar;
  if (!hit && urn !== null) {
    const globs = st.resGlobs;
    for (let i = 0; i < globs.length; i++) {
      if (globs[i]!.test(urn)) {
        hit = true;
        break;
      }
    }
  }
  return st.resMode === ResourceMode.List ? hit : !hit;
}

function familyMatches(st: CompiledStatement, family: string): boolean {
  const allow = st.effect === 'Allow';
  if (st.resMode === ResourceMode.List) {
    if (st.resAllStar) return true;
    return allow ? globsCover(st.resGlobs, family) : st.resPatterns.some((p) => globsIntersect(p, family));
  }
  // NotResource: applies to the members outside the list.
  if (st.resAllStar) return false;
  return allow ? !st.resPatterns.some((p) => globsIntersect(p, family)) : !globsCover(st.resGlobs, family);
}

/**
 * Makes the set's memo current for this request and item: results stamped for another context, another
 * `missing` collection or another item are stale. Stamps only grow (an array is cleared when its stamp
 * would wrap around), so nothing is cleared between requests.
 */
export function enterItem(memo: DecisionMemo, req: ResolvedRequest, item: RequestItem, missing: Map<string, string> | null): void {
  if (memo.context !== req.context) {
    memo.context = req.context;
    memo.requestStamp = nextStamp(memo.requestStamp, memo.condStamp);
  }
  if (missing !== null && memo.missing !== missing) {
    memo.missing = missing;
    memo.keysStamp = nextStamp(memo.keysStamp, memo.keyStamp);
  }
  if (memo.item !== item) {
    memo.item = item;
    memo.itemStamp = nextStamp(memo.itemStamp, memo.resStamp);
  }
}

function nextStamp(stamp: number, stamps: Uint32Array): number {
  if (stamp < 0xfffffffe) return stamp + 1;
  stamps.fill(0);
  return 1;
}

/** A statement's conditions (AND), each distinct condition evaluated once per request; records keys the request lacks into `missing`. */
function memoConditionsHold(st: CompiledStatement, memo: DecisionMemo, ctx: RequestContext, missing: Map<string, string> | null): boolean {
  const slots = st.condSlots;
  if (slots.length === 0) return true;
  if (missing !== null) {
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
  const stamp = memo.requestStamp;
  for (let i = 0; i < slots.length; i++) {
    const c = slots[i]!;
    let holds: boolean;
    if (memo.condStamp[c] === stamp) holds = memo.condValue[c] === 1;
    else {
      holds = evalCondition(memo.conditions[c]!, ctx);
      memo.condStamp[c] = stamp;
      memo.condValue[c] = holds ? 1 : 0;
    }
    if (!holds) return false;
  }
  return true;
}

/** `resourceMatches` through the memo: each distinct pattern is tested once per item. */
export function memoResourceMatches(st: CompiledStatement, memo: DecisionMemo, item: RequestItem): boolean {
  if (st.resMode === ResourceMode.Any) return true;
  if (item.kind === 'family') return familyMatches(st, item.resourceNorm as string);
  let hit = st.resAllStar;
  const urn = item.resourceNorm;
  if (!hit && urn !== null) {
    const slots = st.resSlots;
    const stamp = memo.itemStamp;
    for (let i = 0; i < slots.length; i++) {
      const g = slots[i]!;
      let m: boolean;
      if (memo.resStamp[g] === stamp) m = memo.resValue[g] === 1;
      else {
        m = memo.globs[g]!.test(urn);
        memo.resStamp[g] = stamp;
        memo.resValue[g] = m ? 1 : 0;
      }
      if (m) {
        hit = true;
        break;
      }
    }
  }
  return st.resMode === ResourceMode.List ? hit : !hit;
}

/**
 * Whether a grant scope covers the request. Fails closed when the request does not say: an Allow needs
 * the scope to hold, a Deny applies as soon as it may hold. An enterprise-project grant never applies to
 * an action that does not support enterprise projects.
 */
export function scopeAdmits(st: CompiledStatement, item: RequestItem, req: ResolvedRequest): boolean {
  const scope = st.scope;
  if (scope === null) return true;
  const allow = st.effect === 'Allow';
  if (scope.type === 'project') return req.region === undefined ? !allow : req.region === scope.project;
  if (!actionAt(item.actionIndex).enterprise_project) return false;
  const ep = req.context.get('g:enterpriseprojectid');
  if (ep === undefined) return !allow;
  const id = scope.enterprise_project_id;
  return ep.some((v) => String(v) === id);
}

/** Scope, resource and conditions, in that order (the memo must be entered for this item). */
function applies(st: CompiledStatement, memo: DecisionMemo, item: RequestItem, req: ResolvedRequest, missing: Map<string, string> | null): boolean {
  return (st.scope === null || scopeAdmits(st, item, req)) && memoResourceMatches(st, memo, item) && memoConditionsHold(st, memo, req.context, missing);
}

const NO_MATCHES: readonly MatchedStatement[] = Object.freeze([]);

/** What a walk over the layers collects for one item: every matching statement, the first explicit Deny. */
interface Walk {
  matched: MatchedStatement[] | null;
  explicit: DeniedBy | null;
}

/** One layer: every Deny that applies is recorded, then the first Allow that applies. Returns whether one did. */
function walkLayer(layer: CompiledLayer, memo: DecisionMemo, item: RequestItem, req: ResolvedRequest, missing: Map<string, string> | null, w: Walk): boolean {
  const a = item.actionIndex;
  const onStar = item.kind === 'none';
  const denies = (onStar ? layer.denyOnStar : layer.deny)[a]!;
  for (let i = 0; i < denies.length; i++) {
    const st = denies[i]!;
    if (applies(st, memo, item, req, missing)) {
      (w.matched ??= []).push(st.ref);
      w.explicit ??= st.deniedBy;
    }
  }
  const allows = (onStar ? layer.allowOnStar : layer.allow)[a]!;
  for (let i = 0; i < allows.length; i++) {
    const st = allows[i]!;
    if (applies(st, memo, item, req, missing)) {
      (w.matched ??= []).push(st.ref);
      return true;
    }
  }
  return false;
}

/** The layer's first Allow statement that applies to the item (the decision core looks no further), or null. */
export function firstApplyingAllow(set: CompiledPolicySet, layer: CompiledLayer, item: RequestItem, req: ResolvedRequest): CompiledStatement | null {
  const memo = set.memo;
  enterItem(memo, req, item, null);
  const allows = (item.kind === 'none' ? layer.allowOnStar : layer.allow)[item.actionIndex]!;
  for (let i = 0; i < allows.length; i++) if (applies(allows[i]!, memo, item, req, null)) return allows[i]!;
  return null;
}

/** Decides one item. `missing` collects condition keys the request lacked (null: don't collect). */
export function decideItem(set: CompiledPolicySet, req: ResolvedRequest, item: RequestItem, missing: Map<string, string> | null): ActionResult {
  const w: Walk = { matched: null, explicit: null };
  const memo = set.memo;
  enterItem(memo, req, item, missing);
  let implicit: DeniedBy | null = null;
  if (!req.scpExempt) {
    const scps = set.scps;
    for (let l = 0; l < scps.length; l++) {
      const layer = scps[l]!;
      if (!walkLayer(layer, memo, item, req, missing, w) && implicit === null) implicit = layer.implicit;
    }
  }
  const allowed = walkLayer(set.identity, memo, item, req, missing, w);
  if (!allowed && req.identityNeedsAllow && implicit === null) implicit = set.identity.implicit;
  const explicit = w.explicit;
  const matched = w.matched;

  const result: ActionResult =
    explicit !== null
      ? { action: item.action, resource: item.resource, decision: 'deny', reason: 'explicit_deny', denied_by: explicit, matched: matched ?? (NO_MATCHES as MatchedStatement[]) }
      : implicit !== null
        ? { action: item.action, resource: item.resource, decision: 'deny', reason: 'implicit_deny', denied_by: implicit, matched: matched ?? (NO_MATCHES as MatchedStatement[]) }
        : { action: item.action, resource: item.resource, decision: 'allow', reason: 'allowed', denied_by: null, matched: matched ?? (NO_MATCHES as MatchedStatement[]) };
  if (item.requiredBy) result.required_by = item.requiredBy;
  return result;
}

/**
 * Rank of a result for choosing the request's overall reason and `denied_by`: a denial whatever the
 * unknown keys are (explicit, then implicit) outranks `context_required`, which only some values of them
 * would turn into an allow: the request is denied for sure as soon as one result is.
 */
export function denialRank(r: ActionResult): number {
  switch (r.reason) {
    case 'explicit_deny':
      return 4;
    case 'implicit_deny':
      return r.denied_by?.layer === 'scp' ? 3 : 2;
    case 'context_required':
      return 1;
    default:
      return 0;
  }
}

/**
 * The result that decides the request: the highest denial rank, ties broken by the documented order of
 * the denial (outermost SCP level first, then identity; policies and statements in order); the first
 * result when everything is allowed.
 */
export function decidingResult(results: readonly ActionResult[]): ActionResult | undefined {
  let best: ActionResult | undefined;
  let bestRank = -1;
  let bestOrder = Infinity;
  for (const r of results) {
    const rank = denialRank(r);
    const order = r.denied_by ? (denialOrder.get(r.denied_by) ?? Infinity) : Infinity;
    if (rank > bestRank || (rank === bestRank && order < bestOrder)) {
      best = r;
      bestRank = rank;
      bestOrder = order;
    }
  }
  return best;
}
