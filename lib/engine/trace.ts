/**
 * Explain's trace: every statement of every policy in every layer, with what matched and why. It uses
 * the same matchers as the decision core; the decision itself still comes from `decideItem`.
 */
import { actionCarriesKey, actionNamesLower } from '../catalog/catalog.js';
import type { ActionResult, ConditionTrace, LayerTrace, PolicyTrace, ResultTrace, StatementTrace } from '../types.js';
import type { CompiledLayer, CompiledPolicy, CompiledPolicySet, CompiledStatement, DecisionMemo } from './compile.js';
import { firstMatchingActionPattern, ResourceMode } from './compile.js';
import { evalConditionValues, UNKNOWN } from './conditions.js';
import { scalarToString, type RequestContext } from './context.js';
import { firstApplyingAllow, resourceMatches, scopeAdmits } from './decide.js';
import { coveringPattern, meetingPattern } from './families.js';
import type { RequestItem, ResolvedRequest } from './request.js';
import { firstSureAllow, scopeAdmits3 } from './unknown.js';

/**
 * Condition traces of the current request by condition slot: a condition reads the same context values
 * with the same result wherever it appears, so its trace is made once per request and shared (frozen).
 * A request is recognised by its context object.
 */
interface ConditionTraces {
  context: RequestContext | null;
  traces: Array<ConditionTrace | undefined>;
}
const conditionTraces = new WeakMap<DecisionMemo, ConditionTraces>();

function conditionTrace(memo: DecisionMemo, slot: number, ctx: RequestContext): ConditionTrace {
  let ct = conditionTraces.get(memo);
  if (!ct) conditionTraces.set(memo, (ct = { context: null, traces: new Array<ConditionTrace | undefined>(memo.conditions.length) }));
  if (ct.context !== ctx) {
    ct.context = ctx;
    ct.traces.fill(undefined);
  }
  const known = ct.traces[slot];
  if (known) return known;
  const c = memo.conditions[slot]!;
  // An unknown key (unknown_context_keys) has no value; its result is known only if the same for every value.
  const unknown = ctx.isUnknown(c.key);
  const values = unknown ? undefined : ctx.get(c.key);
  const trace: ConditionTrace = {
    operator: c.source.operator.written,
    key: c.source.key,
    policy_values: c.source.values,
    request_values: values ? values.map(scalarToString) : null,
    missing: values === undefined,
    result: !unknown ? evalConditionValues(c, values) : c.whenUnknown === UNKNOWN ? 'unknown' : c.whenUnknown === 1,
  };
  if (unknown) trace.unknown = true;
  Object.freeze(trace);
  ct.traces[slot] = trace;
  return trace;
}

/**
 * The written pattern that decided the resource match, for the trace: for Resource, the pattern that
 * admits the item (null when none does); for NotResource, the pattern that excludes it (null when none
 * does, i.e. the statement applies). For a family of resources, an Allow's Resource (and a Deny's
 * NotResource) decides by covering the family, possibly with several patterns together (the first of
 * those that meets it is named); the others decide by meeting it.
 */
function decidingResourcePattern(st: CompiledStatement, item: RequestItem, matched: boolean): string | null {
  if (st.resMode === ResourceMode.Any) return null;
  const list = st.resMode === ResourceMode.List;
  if (list !== matched) return null;
  if (st.resStar !== null) return st.resStar;
  let idx = -1;
  if (item.kind === 'urn') idx = st.resGlobs.findIndex((g) => g.test(item.resourceNorm as string));
  else if (item.kind === 'family') {
    const family = item.resourceNorm as string;
    if (list === (st.effect === 'Allow')) idx = coveringPattern(st, family);
    if (idx === -1) idx = meetingPattern(st, family);
  }
  return idx === -1 ? null : (st.resWritten[idx] ?? null);
}

/** A statement that admits the item's action (the memo is entered for the item). */
function traceStatement(memo: DecisionMemo, live: LiveStatement, item: RequestItem, req: ResolvedRequest): StatementTrace {
  const st = live.st;
  const src = st.source;
  const resourceMatched = resourceMatches(st, item);
  const slots = st.condSlots;
  const conditions = new Array<ConditionTrace>(slots.length);
  let conditionsMatched: boolean | 'unknown' = true;
  for (let i = 0; i < slots.length; i++) {
    let c = conditionTrace(memo, slots[i]!, item.context);
    // A key the action does not carry is absent for it, whatever the request gives (shared traces stay frozen).
    if (!actionCarriesKey(item.actionIndex, memo.conditions[slots[i]!]!.key)) c = { ...c, not_carried: true };
    conditions[i] = c;
    if (c.result === false) conditionsMatched = false;
    else if (c.result === 'unknown' && conditionsMatched === true) conditionsMatched = 'unknown';
  }
  let scopeMatched: boolean | 'unknown' = true;
  if (st.scope !== null) {
    if (req.context.unknown === null) scopeMatched = scopeAdmits(st, item, req);
    else {
      const s = scopeAdmits3(st, item, req);
      scopeMatched = s === UNKNOWN ? 'unknown' : s === 1;
    }
  }
  const trace: StatementTrace = {
    statement: st.index,
    sid: st.sid,
    effect: st.effect,
    path: src.path,
    action_matched: true,
    action_pattern: live.actionPattern,
    resource_matched: resourceMatched,
    resource_pattern: decidingResourcePattern(st, item, resourceMatched),
    conditions,
    conditions_matched: conditionsMatched,
    applies: scopeMatched === true && resourceMatched && conditionsMatched === true,
  };
  // Unknown keys: nothing it needs is false, but something is unknown.
  if (!trace.applies && scopeMatched !== false && resourceMatched && conditionsMatched !== false) trace.may_apply = true;
  if (st.scope !== null) trace.scope_matched = scopeMatched;
  if (src.span) trace.span = src.span;
  return trace;
}

/*
 * Per layer and action, a plan prepared once: policies none of whose statements admits the action get a
 * shared, frozen trace; in the others, statements that do not admit it get shared, frozen traces (their
 * resource and conditions are not evaluated), and so do Allows that come after the first Allow that applies
 * (not evaluated, as in evaluate); a policy in which nothing is evaluated for a request is that shared
 * trace too. Explain then pays only for the statements the decision core examines.
 */
interface LiveStatement {
  /** Position of the policy in the layer, and of the statement in the policy. */
  policy: number;
  at: number;
  st: CompiledStatement;
  /** The pattern of Action that admits the action. */
  actionPattern: string | null;
  /** Position in the layer's Allow list for the action (-1 for a Deny). */
  allowAt: number;
}
interface LivePolicy {
  policy: CompiledPolicy;
  /** Statement traces for this action when nothing is evaluated; live slots are overwritten per request. */
  template: StatementTrace[];
  /** The policy's trace when none of its live statements is evaluated (shared, frozen). */
  passed: PolicyTrace;
}
type PolicyPlan = { idle: PolicyTrace } | LivePolicy;
interface LayerPlan {
  policies: PolicyPlan[];
  /** The Deny statements that admit the action, in document order. */
  denies: LiveStatement[];
  /** The Allow statements that admit the action, in the order of the layer's Allow list. */
  allows: LiveStatement[];
  /** Position of each Allow in the layer's Allow list for the action. */
  allowAt: Map<CompiledStatement, number>;
}

const plans = new WeakMap<CompiledLayer, Map<number, LayerPlan>>();
const idleTraces = new WeakSet<PolicyTrace>();

/** A policy trace in which nothing was evaluated (no statement admits the action, or none was examined). */
export function isIdlePolicyTrace(p: PolicyTrace): boolean {
  return idleTraces.has(p);
}

function notEvaluated(st: CompiledStatement, a: number, admits: boolean): StatementTrace {
  const pi = firstMatchingActionPattern(st, actionNamesLower()[a] as string[]);
  const list = (st.source.actions ?? st.source.notActions) as string[];
  const trace: StatementTrace = {
    statement: st.index,
    sid: st.sid,
    effect: st.effect,
    path: st.source.path,
    action_matched: admits,
    action_pattern: pi === -1 ? null : (list[pi] ?? null),
    resource_matched: false,
    resource_pattern: null,
    conditions: [],
    conditions_matched: false,
    applies: false,
    not_evaluated: true,
  };
  if (st.source.span) trace.span = st.source.span;
  return Object.freeze(trace);
}

function planFor(layer: CompiledLayer, a: number): LayerPlan {
  let byAction = plans.get(layer);
  if (!byAction) plans.set(layer, (byAction = new Map()));
  let plan = byAction.get(a);
  if (!plan) {
    const allowAt = new Map((layer.allow[a] ?? []).map((st, i) => [st, i]));
    const admitted = new Set([...(layer.deny[a] ?? []), ...allowAt.keys()]);
    const names = actionNamesLower()[a] as string[];
    const denies: LiveStatement[] = [];
    const allows: LiveStatement[] = [];
    const policies = layer.policies.map((p, k): PolicyPlan => {
      const template = p.statements.map((st) => notEvaluated(st, a, admitted.has(st)));
      const idle: PolicyTrace = Object.freeze({ policy_id: p.id, ...(p.source ? { source: p.source } : {}), statements: Object.freeze(template.slice()) as StatementTrace[] });
      idleTraces.add(idle);
      let live = false;
      p.statements.forEach((st, at) => {
        if (!admitted.has(st)) return;
        live = true;
        const pi = firstMatchingActionPattern(st, names);
        const actionPattern = pi === -1 ? null : (((st.source.actions ?? st.source.notActions) as string[])[pi] ?? null);
        (st.effect === 'Deny' ? denies : allows).push({ policy: k, at, st, actionPattern, allowAt: allowAt.get(st) ?? -1 });
      });
      return live ? { policy: p, template, passed: idle } : { idle };
    });
    allows.sort((x, y) => x.allowAt - y.allowAt);
    plan = { policies, denies, allows, allowAt };
    byAction.set(a, plan);
  }
  return plan;
}

function traceLayer(set: CompiledPolicySet, layer: CompiledLayer, item: RequestItem, req: ResolvedRequest): LayerTrace {
  let deny = false;
  let allow = false;
  /** With unknown keys: a Deny, an Allow that may apply. */
  let mayDeny = false;
  let mayAllow = false;
  const plan = planFor(layer, item.actionIndex);
  // Allows after the first one that applies (for sure) are not evaluated (the layer already allows), as in evaluate.
  const first = req.context.unknown === null ? firstApplyingAllow(set, layer, item, req) : firstSureAllow(set, layer, item, req);
  const lastExamined = first === null ? Infinity : (plan.allowAt.get(first) as number);
  const memo = set.memo;
  const n = plan.policies.length;
  /** Statement traces of the policies in which something is evaluated (by policy position). */
  const touched = new Array<StatementTrace[] | undefined>(n);
  const visit = (live: LiveStatement): void => {
    const t = traceStatement(memo, live, item, req);
    if (t.applies) {
      if (live.st.effect === 'Deny') deny = true;
      else allow = true;
    } else if (t.may_apply) {
      if (live.st.effect === 'Deny') mayDeny = true;
      else mayAllow = true;
    }
    const pp = plan.policies[live.policy] as LivePolicy;
    (touched[live.policy] ??= pp.template.slice())[live.at] = t;
  };
  for (const live of plan.denies) visit(live);
  for (const live of plan.allows) {
    if (live.allowAt > lastExamined) break;
    visit(live);
  }
  const policies = new Array<PolicyTrace>(n);
  for (let k = 0; k < n; k++) {
    const pp = plan.policies[k]!;
    const statements = touched[k];
    if (statements === undefined) policies[k] = 'idle' in pp ? pp.idle : pp.passed;
    else {
      const p = (pp as LivePolicy).policy;
      policies[k] = p.source ? { policy_id: p.id, source: p.source, statements } : { policy_id: p.id, statements };
    }
  }
  const outcome = deny ? 'deny' : mayDeny || (mayAllow && !allow) ? 'unknown' : allow ? 'allow' : 'no_match';
  const out: LayerTrace = { layer: layer.layer, level: layer.level, outcome, policies };
  if (layer.layer === 'identity' && item.foreign) {
    out.note = "Another account's resource: identity policies grant nothing there (implicit deny).";
  } else if (layer.layer === 'identity' && !req.identityNeedsAllow && outcome === 'no_match') {
    out.note = 'The account itself needs no identity Allow.';
  }
  if (layer.layer === 'scp' && outcome === 'no_match') out.note = 'No SCP statement at this level allows the action: implicit deny.';
  return out;
}

export function traceItem(set: CompiledPolicySet, req: ResolvedRequest, item: RequestItem, result: ActionResult): ResultTrace {
  const layers: LayerTrace[] = [];
  for (const scp of set.scps) {
    if (req.scpExempt) {
      layers.push({
        layer: 'scp',
        level: scp.level,
        outcome: 'skipped',
        note: req.principal.management_account ? 'SCPs do not restrict the management account.' : 'SCPs do not restrict service-linked agencies.',
        policies: [],
      });
    } else layers.push(traceLayer(set, scp, item, req));
  }
  layers.push(traceLayer(set, set.identity, item, req));
  return { action: item.action, resource: item.resource, decision: result.decision, reason: result.reason, layers };
}
