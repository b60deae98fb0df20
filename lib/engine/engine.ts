/**
 * The engine's public operations: evaluate, explain, and createEvaluator (compile once, decide many).
 */
import { randomUUID } from 'node:crypto';
import { catalogVersion } from '../catalog/catalog.js';
import type { ActionResult, ErrorResponse, EvaluateRequest, EvaluateResponse, EvaluateResult, ExplainResult, Finding, ScopedPolicy, JsonValue, ScpLevelInput } from '../types.js';
import { analyzePolicy } from '../validate/validate.js';
import { compilePolicySet, type CompiledPolicySet, type PolicyInputParsed } from './compile.js';
import { decideItem, decidingResult } from './decide.js';
import { decisionMessage, principalLabel } from './message.js';
import { renderExplain } from './render.js';
import { checkRequestShape, principalKeysWarning, requestError, resolveRequest, type Clock, type ResolvedRequest } from './request.js';
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

/** Said when a family's coverage was not decided within its bound and read as "not covered" (lib/engine/families.ts). */
export const UNDECIDED_COVERAGE_WARNING =
  'Whether a Resource list covers every resource of a wildcard resource could not be decided within the bound of docs/limits.md: it was read as not covering (an Allow does not apply, a NotResource Deny does). Give a complete URN, or patterns with fewer "?".';

function decideRequest(set: CompiledPolicySet, resolved: ResolvedRequest, policyWarnings: readonly string[]): EvaluateResponse {
  const missing = new Map<string, string>();
  const results: ActionResult[] = new Array(resolved.items.length);
  const undecided = set.memo.families.undecided;
  // Unknown keys: the three-valued decision (unknown.ts); chosen once per request, the two-valued path is untouched.
  const threeValued = resolved.context.unknown !== null;
  if (threeValued) for (let i = 0; i < resolved.items.length; i++) results[i] = decideItemUnknown(set, resolved, resolved.items[i]!, missing);
  else for (let i = 0; i < resolved.items.length; i++) results[i] = decideItem(set, resolved, resolved.items[i]!, missing);
  if (set.memo.families.undecided !== undecided) resolved.warnings.push(UNDECIDED_COVERAGE_WARNING);
  // Keys of `context` an action does not carry: ignored for it, said per result and for the request.
  let ignored: Set<string> | null = null;
  if (resolved.context.unknown !== null || resolved.items.some((it) => it.context !== resolved.context)) {
    for (let i = 0; i < results.length; i++) {
      const keys = resolved.context.ignoredFor(resolved.items[i]!.actionIndex);
      if (keys === null) continue;
      results[i]!.ignored_context_keys = keys;
      for (const k of keys) (ignored ??= new Set()).add(k);
    }
  }
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
    ignored_context_keys: ignored === null ? [] : [...ignored].sort(),
    current_time: resolved.context.currentTime as string,
    message: foreignMessage(resolved, deciding, results) ?? decisionMessage(resolved.principal, deciding, results),
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

/**
 * The sentence for a request decided by a cross-account denial (an identity implicit deny on an item whose
 * resource is another account's): says why, since no policy is to blame. Null otherwise.
 */
function foreignMessage(resolved: ResolvedRequest, deciding: ActionResult | undefined, results: readonly ActionResult[]): string | null {
  if (deciding === undefined || deciding.reason !== 'implicit_deny' || deciding.denied_by?.layer !== 'identity') return null;
  const item = resolved.items[results.indexOf(deciding)];
  if (item === undefined || !item.foreign) return null;
  return `User: ${principalLabel(resolved.principal)} is not authorized to perform: ${deciding.action} on resource: ${deciding.resource} because it is not of the caller's account (see warnings).`;
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
function prepare(request: unknown, preset: PreparedSet | ErrorResponse | null, clock: Clock = Date.now): Prepared | ErrorResponse {
  const shaped = checkRequestShape(request);
  if ('error' in shaped) return shaped;
  const inline = shaped.policies !== undefined || shaped.scps !== undefined;
  const prepared = inline || preset === null ? compileWithWarnings(shaped, true) : preset;
  if ('error' in prepared) return prepared;
  const resolved = resolveRequest(shaped, clock);
  if ('error' in resolved) return resolved;
  return { set: prepared.set, policyWarnings: prepared.warnings, resolved };
}

function evaluatePrepared(p: Prepared | ErrorResponse): EvaluateResult {
  if ('error' in p) return p;
  return workLimitError(p.set, p.resolved, 'evaluate') ?? decideRequest(p.set, p.resolved, p.policyWarnings);
}

function explainPrepared(p: Prepared | ErrorResponse): ExplainResult {
  if ('error' in p) return p;
  const tooMuch = workLimitError(p.set, p.resolved, 'explain');
  if (tooMuch) return tooMuch;
  const response = decideRequest(p.set, p.resolved, p.policyWarnings);
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

/** Options of a single evaluation. */
export interface EvaluateOptions {
  /** The time of evaluation, ms since the epoch (g:CurrentTime); default `Date.now`. Tests inject a fixed one. */
  clock?: Clock;
}

/** Decides a request carrying its policies inline. Never throws for bad input. */
export function evaluate(request: EvaluateRequest | unknown, options: EvaluateOptions = {}): EvaluateResult {
  return evaluatePrepared(prepare(request, null, options.clock));
}

/** Like evaluate, plus a per-statement trace and a readable text. */
export function explain(request: EvaluateRequest | unknown, options: EvaluateOptions = {}): ExplainResult {
  return explainPrepared(prepare(request, null, options.clock));
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
  /** The time of evaluation (g:CurrentTime), as in EvaluateOptions. */
  clock?: Clock;
}

/** Compiles a policy set once; requests without inline policies reuse it. */
export function createEvaluator(input: PolicySetInput, options: EvaluatorOptions = {}): Evaluator {
  const set = compileWithWarnings(input, options.policyWarnings !== false);
  return {
    catalog_version: catalogVersion(),
    error: 'error' in set ? set : null,
    evaluate: (request) => evaluatePrepared(prepare(request, set, options.clock)),
    explain: (request) => explainPrepared(prepare(request, set, options.clock)),
  };
}
