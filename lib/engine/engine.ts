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
import { checkRequestShape, principalKeysWarning, requestError, resolveRequest, type ResolvedRequest } from './request.js';
import { workLimitError } from './limits.js';
import { traceItem } from './trace.js';
import { decideItemUnknown } from './unknown.js';

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

/** At most this many policy findings are copied into a response's `warnings` (then one line says how many more). */
export const MAX_POLICY_WARNINGS = 10;

/** A compiled set and the warnings of its policies (rendered once, when it compiles). */
interface PreparedSet {
  set: CompiledPolicySet;
  warnings: readonly string[];
}

/** Validates and compiles policies; a policy with error findings makes the whole set unusable. */
export function compileInlinePolicies(input: PolicySetInput): CompiledPolicySet | ErrorResponse {
  const prepared = compileWithWarnings(input, false);
  return 'error' in prepared ? prepared : prepared.set;
}

function compileWithWarnings(input: PolicySetInput, withWarnings: boolean): PreparedSet | ErrorResponse {
  const problems: PolicyProblem[] = [];
  // The policies' warnings, as response lines: `policy "<id>"[ (SCP level <level>)] <path>: <CODE> (<severity>): <message>`.
  // Warnings and security warnings only (suggestions change nothing about access).
  const lines: string[] = [];
  const read = (p: ScopedPolicy, type: 'identity' | 'scp', level?: string): PolicyInputParsed | null => {
    const analysis = analyzePolicy(p.document as string | JsonValue, { type });
    if (!analysis.valid || !analysis.policy) {
      const problem: PolicyProblem = { policy_id: p.id, findings: analysis.findings.filter((f) => f.severity === 'error') };
      if (level !== undefined) problem.level = level;
      problems.push(problem);
      return null;
    }
    if (withWarnings) {
      for (const f of analysis.findings) {
        if (f.severity === 'warning' || f.severity === 'security_warning') {
          lines.push(`policy ${JSON.stringify(p.id)}${level === undefined ? '' : ` (SCP level ${level})`} ${f.path || 'document'}: ${f.code} (${f.severity.replace('_', ' ')}): ${f.message}`);
        }
      }
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
  const set = compilePolicySet(
    identity as PolicyInputParsed[],
    scps.map((s) => ({ level: s.level, policies: s.policies as PolicyInputParsed[] })),
  );
  // At most MAX_POLICY_WARNINGS lines, then one with the number left out.
  const more = lines.length - MAX_POLICY_WARNINGS;
  if (more > 0) lines.splice(MAX_POLICY_WARNINGS, more, `... and ${more} more policy warning${more > 1 ? 's' : ''} (validate the policies for the full list).`);
  return { set, warnings: lines };
}


function decide(set: CompiledPolicySet, resolved: ResolvedRequest, policyWarnings: readonly string[]): EvaluateResponse {
  const missing = new Map<string, string>();
  const results: ActionResult[] = new Array(resolved.items.length);
  // Unknown keys: the three-valued decision (unknown.ts); chosen once per request, the two-valued path is untouched.
  const threeValued = resolved.context.unknown !== null;
  if (threeValued) for (let i = 0; i < resolved.items.length; i++) results[i] = decideItemUnknown(set, resolved, resolved.items[i]!, missing);
  else for (let i = 0; i < resolved.items.length; i++) results[i] = decideItem(set, resolved, resolved.items[i]!, missing);
  const deciding = decidingResult(results);
  // Read after the decision: the context, built by then for most requests, has noted them.
  const whatIf = resolved.context.principalKeysSet();
  if (whatIf !== null) resolved.warnings.push(principalKeysWarning(whatIf));
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
    // The request's own warnings, then its policies' (rendered when the set compiled: nothing to do here
    // when there are none).
    warnings: policyWarnings.length === 0 ? resolved.warnings : resolved.warnings.concat(policyWarnings),
  };
  if (resolved.api) response.api = resolved.api;
  if (threeValued) response.context_required_keys = deciding?.reason === 'context_required' ? contextRequiredKeys(results) : [];
  return response;
}

/** The keys the `context_required` results depend on, together, sorted. */
function contextRequiredKeys(results: readonly ActionResult[]): string[] {
  const keys = new Set<string>();
  for (const r of results) if (r.context_required_keys) for (const k of r.context_required_keys) keys.add(k);
  return [...keys].sort();
}

interface Prepared {
  set: CompiledPolicySet;
  /** The warnings of the set's policies (inline or precompiled ones; none for stored ones). */
  policyWarnings: readonly string[];
  resolved: ResolvedRequest;
}

/** Shape check, policy set (inline policies win over the preset), request resolution. */
function prepare(request: unknown, preset: PreparedSet | ErrorResponse | null): Prepared | ErrorResponse {
  const shaped = checkRequestShape(request);
  if ('error' in shaped) return shaped;
  const inline = shaped.policies !== undefined || shaped.scps !== undefined;
  const prepared = inline || preset === null ? compileWithWarnings(shaped, true) : preset;
  if ('error' in prepared) return prepared;
  const resolved = resolveRequest(shaped);
  if ('error' in resolved) return resolved;
  return { set: prepared.set, policyWarnings: prepared.warnings, resolved };
}

function evaluatePrepared(p: Prepared | ErrorResponse): EvaluateResult {
  if ('error' in p) return p;
  return workLimitError(p.set, p.resolved, 'evaluate') ?? decide(p.set, p.resolved, p.policyWarnings);
}

function explainPrepared(p: Prepared | ErrorResponse): ExplainResult {
  if ('error' in p) return p;
  const tooMuch = workLimitError(p.set, p.resolved, 'explain');
  if (tooMuch) return tooMuch;
  const response = decide(p.set, p.resolved, p.policyWarnings);
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

export interface EvaluatorOptions {
  /**
   * Whether responses carry the warnings of the set's policies (default true). Rendered once, here; the
   * by-reference path turns them off: stored policies were validated when written, and their warnings
   * are kept beside each version.
   */
  policyWarnings?: boolean;
}

/** Compiles a policy set once; requests without inline policies reuse it. */
export function createEvaluator(input: PolicySetInput, options: EvaluatorOptions = {}): Evaluator {
  const set = compileWithWarnings(input, options.policyWarnings !== false);
  return {
    catalog_version: catalogVersion(),
    error: 'error' in set ? set : null,
    evaluate: (request) => evaluatePrepared(prepare(request, set)),
    explain: (request) => explainPrepared(prepare(request, set)),
  };
}
