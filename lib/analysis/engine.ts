/**
 * The analysis's one door into the engine's internals: everything it reuses from lib/engine (the compiler,
 * the condition and resource matchers, the grant-scope reading, the decision of one item, the work limits)
 * passes through here, so a change of those internals (their signatures, a step budget, the shape of a
 * request item) is met in this file alone. The rest of lib/analysis imports engine types and functions
 * from here, never from lib/engine directly (test/analysis-parts.test.ts checks the imports).
 */
import { actionAt } from '../catalog/catalog.js';
import type { CompiledPolicySet, CompiledStatement } from '../engine/compile.js';
import { RequestContext } from '../engine/context.js';
import { decideItem, scopeAdmits } from '../engine/decide.js';
import type { RequestItem, ResolvedRequest } from '../engine/request.js';
import type { ActionResult, ContextValue, Principal } from '../types.js';

export type { CompiledLayer, CompiledPolicySet, CompiledStatement, PolicyInputParsed } from '../engine/compile.js';
export { compilePolicySet, normalizeUrn, ResourceMode } from '../engine/compile.js';
export { compileInlinePolicies } from '../engine/engine.js';
export { compileCondition, evalConditionValues, type CompiledCondition } from '../engine/conditions.js';
export { checkRequestShape, requestError, resolveRequest, type RequestItem, type ResolvedRequest } from '../engine/request.js';
export { decidingResult, resourceMatches } from '../engine/decide.js';
export { workLimitError } from '../engine/limits.js';
export type { RequestContext } from '../engine/context.js';
export { PRINCIPAL_KEYS } from '../engine/context.js';

/** One item of a resolved request decided on a compiled set, as `evaluate` decides it (no trace). */
export function decide(set: CompiledPolicySet, req: ResolvedRequest, item: RequestItem): ActionResult {
  return decideItem(set, req, item, null);
}

/** The context the engine reads condition values from: the request's keys with those derived from the principal and region. */
export function contextOf(context: Record<string, ContextValue> | undefined, principal: Principal | undefined, region: string | undefined): RequestContext {
  return new RequestContext(context, principal, region);
}

/**
 * The engine's reading of a statement's grant scope for one request (region and context): only those two
 * parts of a resolved request are read by `scopeAdmits`.
 */
export function scopeAdmitsAt(st: CompiledStatement, item: RequestItem, region: string | undefined, context: Record<string, ContextValue>, principal: Principal | undefined): boolean {
  const ctx = contextOf(context, principal, region);
  const req = { region, context: ctx } as unknown as ResolvedRequest;
  // The item's own view of the context: the keys its action carries (lib/engine/context.ts `forAction`).
  return scopeAdmits(st, { ...item, context: ctx.forAction(item.actionIndex) }, req);
}

/** The context an item made here carries until a request gives it one (only resource matching reads such items). */
let emptyContext: RequestContext | undefined;

/** The request item of an action on one URN, or on no resource (`urn` null, or an action without resources). */
export function itemOf(actionIndex: number, urn: string | null, withResources: boolean): RequestItem {
  const a = actionAt(actionIndex);
  const context = (emptyContext ??= contextOf(undefined, undefined, undefined));
  return urn === null || !withResources
    ? { actionIndex, action: a.name, resource: '*', kind: 'none', resourceNorm: null, foreign: false, context }
    : { actionIndex, action: a.name, resource: urn, kind: 'urn', resourceNorm: urn, foreign: false, context };
}
