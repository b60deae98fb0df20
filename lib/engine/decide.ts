/**
 * The decision core: for one (action, resource) item, walk the statements indexed under the action in
 * each layer. Explicit Deny anywhere wins; each SCP level (unless the principal is exempt) needs an
 * Allow; the identity layer needs an Allow unless the principal is the account itself.
 */
import type { ActionResult, DeniedBy, MatchedStatement } from '../types.js';
import type { CompiledLayer, CompiledPolicySet, CompiledStatement } from './compile.js';
import { ResourceMode } from './compile.js';
import { evalCondition } from './conditions.js';
import type { RequestContext } from './context.js';
import type { RequestItem, ResolvedRequest } from './request.js';

/** Whether the statement's Resource / NotResource admits the item (`urn` null = the `*` request). */
export function resourceMatches(st: CompiledStatement, urn: string | null): boolean {
  if (st.resMode === ResourceMode.Any) return true;
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

/** Conditions of a statement (AND); records keys the request lacks into `missing`. */
export function conditionsHold(st: CompiledStatement, ctx: RequestContext, missing: Map<string, string> | null): boolean {
  const conds = st.conditions;
  if (conds.length === 0) return true;
  if (missing) {
    for (const k of st.conditionKeys) if (ctx.get(k.key) === undefined && !missing.has(k.key)) missing.set(k.key, k.written);
  }
  for (let i = 0; i < conds.length; i++) if (!evalCondition(conds[i]!, ctx)) return false;
  return true;
}

function applies(st: CompiledStatement, urn: string | null, ctx: RequestContext, missing: Map<string, string> | null): boolean {
  return resourceMatches(st, urn) && conditionsHold(st, ctx, missing);
}

const NO_MATCHES: readonly MatchedStatement[] = Object.freeze([]);
const implicitDenyCache = new Map<string | null, DeniedBy>();

function implicitDeny(layer: CompiledLayer): DeniedBy {
  if (layer.layer === 'identity') return IDENTITY_IMPLICIT;
  let d = implicitDenyCache.get(layer.level);
  if (!d) {
    d = Object.freeze({ layer: 'scp', level: layer.level, policy_id: null, statement: null, sid: null });
    if (implicitDenyCache.size < 1000) implicitDenyCache.set(layer.level, d);
  }
  return d;
}
const IDENTITY_IMPLICIT: DeniedBy = Object.freeze({ layer: 'identity', level: null, policy_id: null, statement: null, sid: null });

/** Decides one item. `missing` collects condition keys the request lacked (null: don't collect). */
export function decideItem(set: CompiledPolicySet, req: ResolvedRequest, item: RequestItem, missing: Map<string, string> | null): ActionResult {
  const a = item.actionIndex;
  const urn = item.resourceNorm;
  const ctx = req.context;
  let matched: MatchedStatement[] | null = null;
  let explicit: DeniedBy | null = null;
  let implicit: DeniedBy | null = null;

  if (!req.scpExempt) {
    const scps = set.scps;
    for (let l = 0; l < scps.length; l++) {
      const layer = scps[l]!;
      const denies = layer.deny[a]!;
      for (let i = 0; i < denies.length; i++) {
        const st = denies[i]!;
        if (applies(st, urn, ctx, missing)) {
          (matched ??= []).push(st.ref);
          explicit ??= st.deniedBy;
        }
      }
      const allows = layer.allow[a]!;
      let allowed = false;
      for (let i = 0; i < allows.length; i++) {
        const st = allows[i]!;
        if (applies(st, urn, ctx, missing)) {
          (matched ??= []).push(st.ref);
          allowed = true;
          break;
        }
      }
      if (!allowed && implicit === null) implicit = implicitDeny(layer);
    }
  }

  const id = set.identity;
  const denies = id.deny[a]!;
  for (let i = 0; i < denies.length; i++) {
    const st = denies[i]!;
    if (applies(st, urn, ctx, missing)) {
      (matched ??= []).push(st.ref);
      explicit ??= st.deniedBy;
    }
  }
  const allows = id.allow[a]!;
  let allowed = false;
  for (let i = 0; i < allows.length; i++) {
    const st = allows[i]!;
    if (applies(st, urn, ctx, missing)) {
      (matched ??= []).push(st.ref);
      allowed = true;
      break;
    }
  }
  if (!allowed && req.identityNeedsAllow && implicit === null) implicit = IDENTITY_IMPLICIT;

  const result: ActionResult =
    explicit !== null
      ? { action: item.action, resource: item.resource, decision: 'deny', reason: 'explicit_deny', denied_by: explicit, matched: matched ?? (NO_MATCHES as MatchedStatement[]) }
      : implicit !== null
        ? { action: item.action, resource: item.resource, decision: 'deny', reason: 'implicit_deny', denied_by: implicit, matched: matched ?? (NO_MATCHES as MatchedStatement[]) }
        : { action: item.action, resource: item.resource, decision: 'allow', reason: 'allowed', denied_by: null, matched: matched ?? (NO_MATCHES as MatchedStatement[]) };
  if (item.requiredBy) result.required_by = item.requiredBy;
  return result;
}

/** Rank of a result for choosing the request's overall reason and `denied_by`. */
export function denialRank(r: ActionResult): number {
  if (r.reason === 'explicit_deny') return 3;
  if (r.reason === 'implicit_deny') return r.denied_by?.layer === 'scp' ? 2 : 1;
  return 0;
}

/** The result that decides the request: the first one of the highest denial rank (or the first, if all allow). */
export function decidingResult(results: readonly ActionResult[]): ActionResult | undefined {
  let best: ActionResult | undefined;
  let bestRank = -1;
  for (const r of results) {
    const rank = denialRank(r);
    if (rank > bestRank) {
      best = r;
      bestRank = rank;
    }
  }
  return best;
}
