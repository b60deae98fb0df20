/**
 * Runs one case through the engine and the reference model and compares what both compute: the decision,
 * the reason, `denied_by`, every result (action, resource, decision, reason, denied_by), the missing
 * context keys (as normalised key names), how many warnings the response carries (the request's, counted
 * by the model, and its policies', counted from the validator), and in api mode the
 * template matched, the actions required and why each result is required.
 */
import { createEvaluator, evaluate, MAX_POLICY_WARNINGS, validate, type Evaluator } from '../../lib/index.js';
import type { DeniedBy, EvaluateRequest, EvaluateResult, InlinePolicy, Reason } from '../../lib/types.js';
import { normalizeKey, referenceEvaluate, type ModelResponse, type ModelResult, type PolicySet } from './model.js';

export interface DiffCase {
  request: EvaluateRequest;
  /** A policy set compiled once (createEvaluator), for policies with grant scopes; the request then has none inline. */
  preset?: PolicySet;
}

export type Outcome =
  | { kind: 'agree'; model: ModelResponse }
  /** The engine refused the input (e.g. INVALID_POLICY): not a comparison. */
  | { kind: 'skipped'; code: string }
  | { kind: 'disagree'; engine: ModelResponse; model: ModelResponse; differences: string[] };

/** The differential cases name no unknown keys, so the engine never answers `context_required` there. */
function modelReason(reason: Reason): ModelResult['reason'] {
  if (reason === 'context_required') throw new Error('context_required without unknown_context_keys');
  return reason;
}

function project(r: Exclude<EvaluateResult, { error: unknown }>): ModelResponse {
  return {
    decision: r.decision,
    reason: modelReason(r.reason),
    denied_by: r.denied_by,
    results: r.results.map((x) => ({ action: x.action, resource: x.resource, decision: x.decision, reason: modelReason(x.reason), denied_by: x.denied_by, ...(x.required_by ? { required_by: x.required_by } : {}) })),
    missing_context_keys: [...new Set(r.missing_context_keys.map(normalizeKey))].sort(),
    warnings: r.warnings.length,
    ...(r.api ? { api: { template: r.api.template, required_actions: r.api.required_actions } } : {}),
  };
}

const sameDenial = (a: DeniedBy | null | undefined, b: DeniedBy | null | undefined): boolean =>
  a === b || (!!a && !!b && a.layer === b.layer && a.level === b.level && a.policy_id === b.policy_id && a.statement === b.statement && a.sid === b.sid);

const sameResult = (a: ModelResult, b: ModelResult | undefined): boolean =>
  b !== undefined &&
  a.action === b.action &&
  a.resource === b.resource &&
  a.decision === b.decision &&
  a.reason === b.reason &&
  a.required_by === b.required_by &&
  sameDenial(a.denied_by, b.denied_by);

/** JSON data only: a JSON round trip is a deep copy. */
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Each preset policy set is compiled once (the cases of a group share it), from a deep copy. */
const evaluators = new WeakMap<PolicySet, Evaluator>();

/**
 * Runs the engine. The model reads a case before the engine does, and the engine's own copy of a shared
 * policy set is a deep one, so nothing the engine might do to its input can reach the model.
 */
export function runEngine(c: DiffCase): EvaluateResult {
  if (!c.preset) return evaluate(c.request);
  let pdp = evaluators.get(c.preset);
  if (!pdp) evaluators.set(c.preset, (pdp = createEvaluator(copy(c.preset))));
  return pdp.evaluate(c.request);
}

/**
 * The lines the policies' warnings add to a response (docs/semantics.md, "Warnings"): one per warning or
 * security warning the validator reports, at most MAX_POLICY_WARNINGS, plus one that counts the rest.
 * Counted from the validator's own answer, not the engine's: the model decides, the validator finds.
 */
export function policyWarningLines(c: DiffCase): number {
  const inline = c.request.policies !== undefined || c.request.scps !== undefined;
  const set = inline || !c.preset ? { policies: c.request.policies ?? [], scps: c.request.scps ?? [] } : c.preset;
  const count = (p: InlinePolicy, type: 'identity' | 'scp'): number => validate(p.document, { type }).findings.filter((f) => f.severity === 'warning' || f.severity === 'security_warning').length;
  let n = 0;
  for (const p of set.policies ?? []) n += count(p, 'identity');
  for (const l of set.scps ?? []) for (const p of l.policies) n += count(p, 'scp');
  return n > MAX_POLICY_WARNINGS ? MAX_POLICY_WARNINGS + 1 : n;
}

export function compareCase(c: DiffCase): Outcome {
  const model = referenceEvaluate(c.request, c.preset);
  model.warnings += policyWarningLines(c);
  const engineResult = runEngine(c);
  if ('error' in engineResult) return { kind: 'skipped', code: engineResult.error.code };
  const engine = project(engineResult);
  const differences: string[] = [];
  if (engine.decision !== model.decision) differences.push('decision');
  if (engine.reason !== model.reason) differences.push('reason');
  if (!sameDenial(engine.denied_by, model.denied_by)) differences.push('denied_by');
  if (engine.missing_context_keys.join('\n') !== model.missing_context_keys.join('\n')) differences.push('missing_context_keys');
  if (engine.warnings !== model.warnings) differences.push('warnings');
  if (engine.api?.template !== model.api?.template || engine.api?.required_actions.join() !== model.api?.required_actions.join()) differences.push('api');
  if (engine.results.length !== model.results.length) differences.push('results.length');
  else engine.results.forEach((r, i) => !sameResult(r, model.results[i]) && differences.push(`results[${i}]`));
  return differences.length === 0 ? { kind: 'agree', model } : { kind: 'disagree', engine, model, differences };
}
