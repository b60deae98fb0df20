/**
 * Explain's trace: every statement of every policy in every layer, with what matched and why. It uses
 * the same matchers as the decision core; the decision itself still comes from `decideItem`.
 */
import { actionNamesLower } from '../catalog/catalog.js';
import { globCovers, globsIntersect } from '../match/glob.js';
import type { ActionResult, ConditionTrace, LayerTrace, PolicyTrace, ResultTrace, StatementTrace } from '../types.js';
import type { CompiledLayer, CompiledPolicy, CompiledPolicySet, CompiledStatement } from './compile.js';
import { firstMatchingActionPattern, ResourceMode } from './compile.js';
import { evalConditionValues } from './conditions.js';
import { scalarToString } from './context.js';
import { allowsExamined, resourceMatches, scopeAdmits } from './decide.js';
import type { RequestItem, ResolvedRequest } from './request.js';

function traceStatement(st: CompiledStatement, item: RequestItem, req: ResolvedRequest): StatementTrace {
  const names = actionNamesLower()[item.actionIndex] as string[];
  const src = st.source;
  const actionList = (src.actions ?? src.notActions) as string[];
  const pi = firstMatchingActionPattern(st, names);
  const actionMatched = st.notAction ? pi === -1 : pi !== -1;

  const resourceMatched = resourceMatches(st, item);
  let resourcePattern: string | null = null;
  const resList = src.resources ?? src.notResources;
  if (st.resMode === ResourceMode.Any) resourcePattern = null;
  else if (resList) {
    const star = resList.find((p) => /^\*+$/.test(p));
    if (star !== undefined) resourcePattern = star;
    else if (item.kind === 'urn') {
      const idx = st.resGlobs.findIndex((g) => g.test(item.resourceNorm as string));
      if (idx !== -1) resourcePattern = resList.filter((p) => !/^\*+$/.test(p))[idx] ?? null;
    } else if (item.kind === 'family') {
      const family = item.resourceNorm as string;
      const idx = st.resPatterns.findIndex((p, i) => (st.effect === 'Allow' && st.resMode === ResourceMode.List ? globCovers(st.resGlobs[i]!, family) : globsIntersect(p, family)));
      if (idx !== -1) resourcePattern = resList.filter((p) => !/^\*+$/.test(p))[idx] ?? null;
    }
  }

  const conditions: ConditionTrace[] = st.conditions.map((c) => {
    const values = req.context.get(c.key);
    return {
      operator: c.source.operator.written,
      key: c.source.key,
      policy_values: c.source.values,
      request_values: values ? values.map(scalarToString) : null,
      missing: values === undefined,
      result: evalConditionValues(c, values),
    };
  });
  const conditionsMatched = conditions.every((c) => c.result);
  const scopeMatched = st.scope === null || scopeAdmits(st, item, req);
  const trace: StatementTrace = {
    statement: st.index,
    sid: st.sid,
    effect: st.effect,
    path: src.path,
    action_matched: actionMatched,
    action_pattern: pi === -1 ? null : (actionList[pi] ?? null),
    resource_matched: resourceMatched,
    resource_pattern: resourcePattern,
    conditions,
    conditions_matched: conditionsMatched,
    applies: scopeMatched && actionMatched && resourceMatched && conditionsMatched,
  };
  if (st.scope !== null) trace.scope_matched = scopeMatched;
  if (src.span) trace.span = src.span;
  return trace;
}

/*
 * Per layer and action, a plan prepared once: policies none of whose statements admits the action get a
 * shared, frozen trace; in the others, statements that do not admit it get shared, frozen traces (their
 * resource and conditions are not evaluated), and so do Allows that come after the first Allow that applies
 * (not evaluated, as in evaluate). Explain then pays only for the statements the decision core examines.
 */
interface LivePolicy {
  policy: CompiledPolicy;
  /** Statement traces for this action when nothing is evaluated; live slots are overwritten per request. */
  template: StatementTrace[];
  /** Position in the policy and statement, for statements that admit the action. */
  live: Array<{ at: number; st: CompiledStatement; passed: StatementTrace }>;
}
type PolicyPlan = { idle: PolicyTrace } | LivePolicy;

const plans = new WeakMap<CompiledLayer, Map<number, PolicyPlan[]>>();
const idleTraces = new WeakSet<PolicyTrace>();

/** A policy trace none of whose statements admits the action (nothing in it was evaluated). */
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

function planFor(layer: CompiledLayer, a: number): PolicyPlan[] {
  let byAction = plans.get(layer);
  if (!byAction) plans.set(layer, (byAction = new Map()));
  let plan = byAction.get(a);
  if (!plan) {
    const admitted = new Set([...(layer.deny[a] ?? []), ...(layer.allow[a] ?? [])]);
    plan = layer.policies.map((p): PolicyPlan => {
      const template = p.statements.map((st) => notEvaluated(st, a, admitted.has(st)));
      const live = p.statements.flatMap((st, at) => (admitted.has(st) ? [{ at, st, passed: template[at] as StatementTrace }] : []));
      if (live.length === 0) {
        const idle: PolicyTrace = Object.freeze({ policy_id: p.id, ...(p.source ? { source: p.source } : {}), statements: Object.freeze(template) as StatementTrace[] });
        idleTraces.add(idle);
        return { idle };
      }
      return { policy: p, template, live };
    });
    byAction.set(a, plan);
  }
  return plan;
}

function traceLayer(layer: CompiledLayer, item: RequestItem, req: ResolvedRequest): LayerTrace {
  let deny = false;
  let allow = false;
  const plan = planFor(layer, item.actionIndex);
  // Allows after the first one that applies are not evaluated (the layer already allows), as in evaluate.
  const allows = layer.allow[item.actionIndex] ?? [];
  const examined = allowsExamined(layer, item, req);
  const passed = examined < allows.length ? new Set(allows.slice(examined)) : null;
  const policies = plan.map((pp): PolicyTrace => {
    if ('idle' in pp) return pp.idle;
    const statements = pp.template.slice();
    for (const { at, st, passed: skipped } of pp.live) {
      if (passed?.has(st)) {
        statements[at] = skipped;
        continue;
      }
      const t = traceStatement(st, item, req);
      if (t.applies) {
        if (st.effect === 'Deny') deny = true;
        else allow = true;
      }
      statements[at] = t;
    }
    return { policy_id: pp.policy.id, ...(pp.policy.source ? { source: pp.policy.source } : {}), statements };
  });
  const outcome = deny ? 'deny' : allow ? 'allow' : 'no_match';
  const out: LayerTrace = { layer: layer.layer, level: layer.level, outcome, policies };
  if (layer.layer === 'identity' && !req.identityNeedsAllow && outcome === 'no_match') {
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
    } else layers.push(traceLayer(scp, item, req));
  }
  layers.push(traceLayer(set.identity, item, req));
  return { action: item.action, resource: item.resource, decision: result.decision, reason: result.reason, layers };
}
