/**
 * The engine's public operations: evaluate, explain, and createEvaluator (compile once, decide many).
 */
import { randomUUID } from 'node:crypto';
import { catalogVersion } from '../catalog/catalog.js';
import type {
  ActionResult,
  ErrorResponse,
  EvaluateRequest,
  EvaluateResponse,
  EvaluateResult,
  ExplainResult,
  Finding,
  ScopedPolicy,
  JsonValue,
  ScpLevelInput,
} from '../types.js';
import { analyzePolicy } from '../validate/validate.js';
import { compilePolicySet, type CompiledPolicySet, type PolicyInputParsed } from './compile.js';
import { decideItem, decidingResult } from './decide.js';
import { decisionMessage } from './message.js';
import { renderExplain } from './render.js';
import { checkRequestShape, requestError, resolveRequest, type ResolvedRequest } from './request.js';
import { workLimitError } from './limits.js';
import { traceItem } from './trace.js';

export interface PolicySetInput {
  /** Identity policies; stored ones carry the scope and origin of their grant. */
  policies?: ScopedPolicy[];
  scps?: ScpLevelInput[];
}

interface PolicyProblem {
  policy_id: string;
  level?: string;
  findings: Finding[];
}

/** Validates and compiles policies; a policy with error findings makes the whole set unusable. */
export function compileInlinePolicies(input: PolicySetInput): CompiledPolicySet | ErrorResponse {
  const problems: PolicyProblem[] = [];
  const read = (p: ScopedPolicy, type: 'identity' | 'scp', level?: string): PolicyInputParsed | null => {
    const analysis = analyzePolicy(p.document as string | JsonValue, { type });
    if (!analysis.valid || !analysis.policy) {
      const problem: PolicyProblem = { policy_id: p.id, findings: analysis.findings.filter((f) => f.severity === 'error') };
      if (level !== undefined) problem.level = level;
      problems.push(problem);
      return null;
    }
    const parsed: PolicyInputParsed = { id: p.id, policy: analysis.policy };
    if (p.scope) parsed.scope = p.scope;
    if (p.source) parsed.source = p.source;
    return parsed;
  };
  const identity = (input.policies ?? []).map((p) => read(p, 'identity'));
  const scps = (input.scps ?? []).map((lvl) => ({ level: lvl.level, policies: lvl.policies.map((p) => read(p, 'scp', lvl.level)) }));
  if (problems.length > 0) {
    const names = problems.map((p) => (p.level ? `${p.policy_id} (SCP level ${p.level})` : p.policy_id)).join(', ');
    return requestError('INVALID_POLICY', `Policy ${names} has validation errors; the request was not evaluated.`, problems as unknown as JsonValue);
  }
  return compilePolicySet(
    identity as PolicyInputParsed[],
    scps.map((s) => ({ level: s.level, policies: s.policies as PolicyInputParsed[] })),
  );
}

/** Said when a family's coverage was not decided within its bound and read as "not covered" (lib/engine/families.ts). */
export const UNDECIDED_COVERAGE_WARNING =
  'Whether a Resource list covers every resource of a wildcard resource could not be decided within the bound of docs/limits.md: it was read as not covering (an Allow does not apply, a NotResource Deny does). Give a complete URN, or patterns with fewer "?".';

function decide(set: CompiledPolicySet, resolved: ResolvedRequest): EvaluateResponse {
  const missing = new Map<string, string>();
  const results: ActionResult[] = new Array(resolved.items.length);
  const undecided = set.memo.families.undecided;
  for (let i = 0; i < resolved.items.length; i++) results[i] = decideItem(set, resolved, resolved.items[i]!, missing);
  const warnings = set.memo.families.undecided === undecided ? resolved.warnings : [...resolved.warnings, UNDECIDED_COVERAGE_WARNING];
  const deciding = decidingResult(results);
  const decision = deciding && deciding.decision === 'deny' ? 'deny' : 'allow';
  const response: EvaluateResponse = {
    decision,
    reason: deciding?.reason ?? 'allowed',
    denied_by: decision === 'deny' ? (deciding?.denied_by ?? null) : null,
    results,
    missing_context_keys: missing.size === 0 ? [] : [...missing.values()].sort(),
    message: decisionMessage(resolved.principal, deciding, results),
    catalog_version: catalogVersion(),
    decision_id: randomUUID(),
    warnings,
  };
  if (resolved.api) response.api = resolved.api;
  return response;
}

interface Prepared {
  set: CompiledPolicySet;
  resolved: ResolvedRequest;
}

/** Shape check, policy set (inline policies win over the preset), request resolution. */
function prepare(request: unknown, preset: CompiledPolicySet | ErrorResponse | null): Prepared | ErrorResponse {
  const shaped = checkRequestShape(request);
  if ('error' in shaped) return shaped;
  const inline = shaped.policies !== undefined || shaped.scps !== undefined;
  const set = inline || preset === null ? compileInlinePolicies(shaped) : preset;
  if ('error' in set) return set;
  const resolved = resolveRequest(shaped);
  if ('error' in resolved) return resolved;
  return { set, resolved };
}

function evaluatePrepared(p: Prepared | ErrorResponse): EvaluateResult {
  if ('error' in p) return p;
  return workLimitError(p.set, p.resolved, 'evaluate') ?? decide(p.set, p.resolved);
}

function explainPrepared(p: Prepared | ErrorResponse): ExplainResult {
  if ('error' in p) return p;
  const tooMuch = workLimitError(p.set, p.resolved, 'explain');
  if (tooMuch) return tooMuch;
  const response = decide(p.set, p.resolved);
  const trace = p.resolved.items.map((item, i) => traceItem(p.set, p.resolved, item, response.results[i]!));
  return { ...response, trace, text: renderExplain(response, trace) };
}

/**
 * Checks a request without any policy set (shape, actions, API route, resources): what a caller that
 * loads policies from elsewhere runs first, so bad input is refused before any I/O.
 */
export function precheck(request: EvaluateRequest | unknown): ErrorResponse | null {
  const shaped = checkRequestShape(request);
  if ('error' in shaped) return shaped;
  const resolved = resolveRequest(shaped);
  return 'error' in resolved ? resolved : null;
}

/** Decides a request carrying its policies inline. Never throws for bad input. */
export function evaluate(request: EvaluateRequest | unknown): EvaluateResult {
  return evaluatePrepared(prepare(request, null));
}

/** Like evaluate, plus a per-statement trace and a readable text. */
export function explain(request: EvaluateRequest | unknown): ExplainResult {
  return explainPrepared(prepare(request, null));
}

export interface Evaluator {
  /** Catalog version the set was compiled against. */
  readonly catalog_version: string;
  /** Error findings when the given policies are not valid (then every call returns INVALID_POLICY). */
  readonly error: ErrorResponse | null;
  evaluate(request: EvaluateRequest | unknown): EvaluateResult;
  explain(request: EvaluateRequest | unknown): ExplainResult;
}

/** Compiles a policy set once; requests without inline policies reuse it. */
export function createEvaluator(input: PolicySetInput): Evaluator {
  const set = compileInlinePolicies(input);
  return {
    catalog_version: catalogVersion(),
    error: 'error' in set ? set : null,
    evaluate: (request) => evaluatePrepared(prepare(request, set)),
    explain: (request) => explainPrepared(prepare(request, set)),
  };
}
