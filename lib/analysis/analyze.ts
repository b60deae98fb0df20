/**
 * The analyses: checkNoNewAccess, checkAccessNotGranted, diff and summarize (docs/analysis.md).
 *
 * Each compiles its policy sets with the engine's compiler, groups the catalog's actions that every set
 * treats alike, builds each group's space and decides its regions with the engine (group.ts), and writes the
 * regions asked for as findings whose witnesses the public `evaluate` re-decides before they are returned.
 * Bad input is an error response (never an exception); what cannot be decided exactly within the work
 * limits is UNKNOWN with its reasons, never PASS.
 */
import { actionAt, actionNamesLower, carryClassOf, catalog, catalogVersion, lookupAction } from '../catalog/catalog.js';
import { analyzePolicy, type PolicyAnalysis } from '../validate/validate.js';
import {
  checkRequestShape,
  compileInlinePolicies,
  compilePolicySet,
  decide,
  decidingResult,
  normalizeUrn,
  requestError,
  resolveRequest,
  workLimitError,
  type CompiledPolicySet,
  type CompiledStatement,
  type PolicyInputParsed,
} from './engine.js';
import { compileGlobLower, hasWildcard } from '../match/glob.js';
import { schemaChecker } from '../schema/check.js';
import { REQUEST_SCHEMAS } from '../schema/requests.js';
import { SCP_FULL_ACCESS_ID, systemPolicy, type SystemPolicy } from '../system-policies.js';
import type { ContextValue, ErrorResponse, EvaluateRequest, GrantScope, JsonValue, Principal, ScopedPolicy } from '../types.js';
import { describeRegion, grantedBy, refusedBy, witnessOf, type RegionPart } from './describe.js';
import { Group, GroupUnknown, type ResourceKind } from './group.js';
import { FALSE, TRUE, WorkLimitError } from './mdd.js';
import { PRINCIPAL_CLASSES, principalOf, Space } from './space.js';
import type {
  AnalysisFinding,
  AnalysisLimits,
  AnalysisOptions,
  AnalysisPolicySet,
  AnalysisResult,
  AnalysisStats,
  Assume,
  FindingKind,
  PrincipalClass,
  SummaryAction,
  SummaryGroup,
  SummaryResult,
  UnknownReason,
} from './types.js';

export const ANALYSIS_LIMITS: AnalysisLimits = { automatonSteps: 1_000_000, diagramNodes: 200_000, outcomeRegions: 4096, findings: 500 };

// ---------------------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------------------

interface Prepared {
  inputs: AnalysisPolicySet[];
  compiled: CompiledPolicySet[];
  assume: Assume;
  limits: AnalysisLimits;
}

/** The policy and SCP level shapes a set holds, checked with the evaluate request's schemas. */
const sets = schemaChecker(REQUEST_SCHEMAS);

const SET_FIELDS = ['policies', 'scps', 'principal', 'region', 'context'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * How large a set the analysis takes: stored sets (a principal's grants) may hold more policies than one
 * evaluate request (50); each policy is limited as in evaluate.
 */
export const SET_LIMITS = { policies: 500, scpLevels: 7, scpPoliciesPerLevel: 10 } as const;

/** Checks one set's shape: its facts with the evaluate request's schema, each policy and SCP level with theirs. */
function checkSet(input: unknown, name: string): AnalysisPolicySet | ErrorResponse {
  if (!isObject(input)) return requestError('INVALID_REQUEST', `The ${name} policy set must be an object {policies, scps, principal, region, context}.`, { set: name });
  for (const k of Object.keys(input)) {
    if (!SET_FIELDS.includes(k)) return requestError('INVALID_REQUEST', `The ${name} policy set has an unknown field "${k}"; a set has ${SET_FIELDS.join(', ')}.`, { set: name, field: k });
  }
  const probe: Record<string, unknown> = { action: 'ims:images:list' };
  for (const k of ['principal', 'region', 'context']) if (input[k] !== undefined) probe[k] = input[k];
  const shaped = checkRequestShape(probe);
  if ('error' in shaped) return withSet(shaped, name);
  const fail = (field: string, message: string): ErrorResponse => requestError('INVALID_REQUEST', `The ${name} policy set: ${field} ${message}.`, { set: name, field });
  const { policies, scps } = input;
  if (policies !== undefined) {
    if (!Array.isArray(policies)) return fail('policies', 'must be a list of policies {id, document}');
    if (policies.length > SET_LIMITS.policies) return fail('policies', `has ${policies.length} policies; the limit is ${SET_LIMITS.policies}`);
    const ids = new Set<string>();
    for (const [i, p] of policies.entries()) {
      const bare = isObject(p) ? Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'scope' && k !== 'source')) : p;
      const problem = sets.check('InlinePolicy', bare);
      if (problem) return fail(`policies[${i}]${problem.field ? `.${problem.field}` : ''}`, problem.message);
      const pol = p as Record<string, unknown>;
      if (ids.has(pol.id as string)) return fail(`policies[${i}].id`, `repeats the id "${String(pol.id)}"`);
      ids.add(pol.id as string);
      if (pol.scope !== undefined && !isScope(pol.scope))
        return fail(`policies[${i}].scope`, 'is not a grant scope ({type: global | all_projects | project (with project) | enterprise_project (with enterprise_project_id)})');
      if (pol.source !== undefined && !isObject(pol.source)) return fail(`policies[${i}].source`, 'must be an object');
    }
  }
  if (scps !== undefined) {
    if (!Array.isArray(scps)) return fail('scps', 'must be a list of SCP levels {level, policies}');
    if (scps.length > SET_LIMITS.scpLevels) return fail('scps', `has ${scps.length} levels; the limit is ${SET_LIMITS.scpLevels}`);
    for (const [i, l] of scps.entries()) {
      // A stored SCP carries its source (version), as an identity policy does; the shape is checked without it.
      const bareLevel =
        isObject(l) && Array.isArray(l.policies) ? { ...l, policies: l.policies.map((p: unknown) => (isObject(p) ? Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'source')) : p)) } : l;
      const problem = sets.check('ScpLevel', bareLevel);
      if (problem) return fail(`scps[${i}]${problem.field ? `.${problem.field}` : ''}`, problem.message);
      const bad = (l as { policies: unknown[] }).policies.findIndex((p) => isObject(p) && p.source !== undefined && !isObject(p.source));
      if (bad !== -1) return fail(`scps[${i}].policies[${bad}].source`, 'must be an object');
    }
  }
  return input as AnalysisPolicySet;
}

function isScope(v: unknown): v is GrantScope {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'global':
    case 'all_projects':
      return Object.keys(v).length === 1;
    case 'project':
      return typeof v.project === 'string' && v.project.length > 0 && Object.keys(v).length === 2;
    case 'enterprise_project':
      return typeof v.enterprise_project_id === 'string' && v.enterprise_project_id.length > 0 && Object.keys(v).length === 2;
    default:
      return false;
  }
}

function withSet(e: ErrorResponse, name: string): ErrorResponse {
  const details = isObject(e.error.details) ? { ...(e.error.details as Record<string, JsonValue>), set: name } : { set: name };
  return { error: { ...e.error, message: `${name} policy set: ${e.error.message}`, details } };
}

/** The facts of the sets and of `assume` together; an error when two of them disagree. */
function mergeFacts(sets: readonly AnalysisPolicySet[], names: readonly string[], assume: Assume | undefined): Assume | ErrorResponse {
  const principal: Principal = {};
  const context: Record<string, ContextValue> = {};
  let region: string | null | undefined;
  const sources: Array<{ name: string; facts: Assume }> = [
    ...(assume ? [{ name: 'assume', facts: assume }] : []),
    ...sets.map((s, i) => ({
      name: `${names[i]} set`,
      facts: { ...(s.principal ? { principal: s.principal } : {}), ...(s.region !== undefined ? { region: s.region } : {}), ...(s.context ? { context: s.context } : {}) },
    })),
  ];
  const conflict = (what: string, a: unknown, b: unknown, where: string): ErrorResponse =>
    requestError('INVALID_REQUEST', `${where} says ${what} is ${JSON.stringify(b)}, another part of the input says ${JSON.stringify(a)}: the analysis needs one value.`, { field: what });
  for (const { name, facts } of sources) {
    for (const [k, v] of Object.entries(facts.principal ?? {}) as Array<[keyof Principal, Principal[keyof Principal]]>) {
      if (principal[k] !== undefined && principal[k] !== v) return conflict(`principal.${k}`, principal[k], v, name);
      (principal as Record<string, unknown>)[k] = v;
    }
    if (facts.region !== undefined) {
      if (region !== undefined && region !== facts.region) return conflict('region', region, facts.region, name);
      region = facts.region;
    }
    for (const [k, v] of Object.entries(facts.context ?? {})) {
      if (k in context && JSON.stringify(context[k]) !== JSON.stringify(v)) return conflict(`context.${k}`, context[k], v, name);
      context[k] = v;
    }
  }
  const out: Assume = {};
  if (Object.keys(principal).length > 0) out.principal = principal;
  if (region !== undefined) out.region = region;
  if (Object.keys(context).length > 0) out.context = context;
  return out;
}

function checkAssume(assume: unknown): Assume | ErrorResponse {
  if (assume === undefined) return {};
  if (!isObject(assume)) return requestError('INVALID_REQUEST', '"assume" must be an object {principal, region, context}.', { field: 'assume' });
  for (const k of Object.keys(assume)) if (!['principal', 'region', 'context'].includes(k)) return requestError('INVALID_REQUEST', `"assume" has an unknown field "${k}".`, { field: `assume.${k}` });
  const probe: Record<string, unknown> = { action: 'ims:images:list' };
  if (assume.principal !== undefined) probe.principal = assume.principal;
  if (assume.region !== undefined && assume.region !== null) probe.region = assume.region;
  if (assume.context !== undefined) probe.context = assume.context;
  const shaped = checkRequestShape(probe);
  if ('error' in shaped) return { error: { ...shaped.error, message: `assume: ${shaped.error.message}` } };
  return assume as Assume;
}

function prepare(sets: readonly unknown[], names: readonly string[], options: AnalysisOptions | undefined): Prepared | ErrorResponse {
  const inputs: AnalysisPolicySet[] = [];
  for (const [i, s] of sets.entries()) {
    const checked = checkSet(s, names[i] as string);
    if ('error' in checked) return checked;
    inputs.push(checked);
  }
  const assumed = checkAssume(options?.assume);
  if ('error' in assumed) return assumed;
  const assume = mergeFacts(inputs, names, assumed);
  if ('error' in assume) return assume;
  const compiled: CompiledPolicySet[] = [];
  const analyses = new Map<unknown, unknown>();
  for (const [i, s] of inputs.entries()) {
    const c = compileSet(s, analyses);
    if ('error' in c) return withSet(c, names[i] as string);
    compiled.push(c);
  }
  const limits = { ...ANALYSIS_LIMITS, ...(options?.limits ?? {}) };
  return { inputs, compiled, assume, limits };
}

/**
 * Compiles a set as `compileInlinePolicies` does (validate each policy, compile the valid set), with the
 * validation of a document shared by the sets of one analysis: a proposed set is mostly the existing one.
 * When a policy is invalid, the engine's own function makes the error.
 */
function compileSet(s: AnalysisPolicySet, analyses: Map<unknown, unknown>): CompiledPolicySet | ErrorResponse {
  let invalid = false;
  const read = (p: ScopedPolicy, type: 'identity' | 'scp'): PolicyInputParsed | null => {
    // By text, or by object (the same object in both sets: the sets are read within this one call).
    const byType = analyses.get(p.document) as Record<string, PolicyAnalysis> | undefined;
    let analysis = byType?.[type];
    if (!analysis) {
      analysis = analyzePolicy(p.document as string | JsonValue, { type });
      analyses.set(p.document, { ...(byType ?? {}), [type]: analysis });
    }
    if (!analysis.valid || !analysis.policy) {
      invalid = true;
      return null;
    }
    const parsed: PolicyInputParsed = { id: p.id, policy: analysis.policy };
    if (p.scope) parsed.scope = p.scope;
    if (p.source) parsed.source = p.source;
    return parsed;
  };
  const identity = (s.policies ?? []).map((p) => read(p, 'identity'));
  const scps = (s.scps ?? []).map((l) => ({ level: l.level, policies: l.policies.map((p) => read(p, 'scp')) }));
  if (invalid) return compileInlinePolicies({ ...(s.policies ? { policies: s.policies } : {}), ...(s.scps ? { scps: s.scps } : {}) });
  return compilePolicySet(
    identity as PolicyInputParsed[],
    scps.map((l) => ({ level: l.level, policies: l.policies as PolicyInputParsed[] })),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------------------------

interface Analysed {
  groups: Array<{ group: Group; actions: number[] }>;
  unknown: UnknownReason[];
  stats: AnalysisStats;
  space: Space;
}

function resourceKind(a: number): ResourceKind {
  return actionAt(a).resource_types.length > 0 ? 'urn' : 'none';
}

/** Actions that every set treats alike: same kind, same catalog facts, same statements in every layer. */
function groupKey(sets: readonly CompiledPolicySet[], a: number, ids: Map<CompiledStatement, number>): string {
  const kind = resourceKind(a);
  const row = actionAt(a);
  const id = (st: CompiledStatement): number => {
    let n = ids.get(st);
    if (n === undefined) ids.set(st, (n = ids.size));
    return n;
  };
  // The carry class: actions whose requests carry the same keys (a key an action does not carry is absent for it).
  const parts: string[] = [kind, row.enterprise_project ? 'ep' : '', row.condition_keys.join(','), String(carryClassOf(a))];
  for (const set of sets) {
    for (const layer of [...set.scps, set.identity]) {
      const deny = (kind === 'none' ? layer.denyOnStar : layer.deny)[a] ?? [];
      const allow = (kind === 'none' ? layer.allowOnStar : layer.allow)[a] ?? [];
      parts.push(`${deny.map(id).join(',')}/${allow.map(id).join(',')}`);
    }
    parts.push('|');
  }
  return parts.join(';');
}

function analyse(p: Prepared, actions: readonly number[], restriction: string[] | null, principals: readonly PrincipalClass[]): Analysed {
  const space = new Space(p.compiled, { assume: p.assume, limits: p.limits }, restriction);
  const byKey = new Map<string, number[]>();
  const ids = new Map<CompiledStatement, number>();
  for (const a of actions) {
    const key = groupKey(p.compiled, a, ids);
    const list = byKey.get(key);
    if (list) list.push(a);
    else byKey.set(key, [a]);
  }
  const groups: Analysed['groups'] = [];
  const unknown: UnknownReason[] = [];
  const stats: AnalysisStats = { actions: actions.length, groups: byKey.size, outcome_regions: 0, engine_decisions: 0, diagram_nodes: 0, automaton_steps: 0 };
  for (const members of byKey.values()) {
    const first = members[0] as number;
    let group: Group | null = null;
    try {
      group = new Group(space, p.compiled, first, resourceKind(first), principals);
      group.decide(p.limits.outcomeRegions);
      groups.push({ group, actions: members });
    } catch (err) {
      const reason: UnknownReason =
        err instanceof GroupUnknown
          ? err.reason
          : err instanceof WorkLimitError
            ? { code: 'WORK_LIMIT', message: `the analysis of this action needs ${err.what} (limit)` }
            : { code: 'INTERNAL_MISMATCH', message: `internal: ${(err as Error).message}` };
      for (const a of members) unknown.push({ ...reason, action: actionAt(a).name });
    }
    if (group) {
      stats.outcome_regions += group.leaves.length;
      stats.engine_decisions += group.decisions;
    }
  }
  return { groups, unknown, stats, space };
}

function allowedPrincipals(assume: Assume): PrincipalClass[] {
  return PRINCIPAL_CLASSES.filter((c) => principalOf(c, assume.principal) !== null);
}

// ---------------------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------------------

interface Collector {
  findings: AnalysisFinding[];
  unknown: UnknownReason[];
  omitted: number;
  limit: number;
}

/**
 * Writes a region of a group as findings, one per part and member action; `allowing` is the set whose
 * `evaluate` must allow each witness, `refusing` the set that must deny it (null: none).
 */
function collect(p: Prepared, c: Collector, group: Group, actions: readonly number[], region: number, kind: FindingKind, allowing: number | null, refusing: number | null): void {
  if (region === FALSE) return;
  const room = Math.max(1, c.limit - c.findings.length);
  const { parts, truncated } = describeRegion(group, region, Math.ceil(room / actions.length));
  if (truncated) c.omitted += 1;
  for (const a of actions) {
    for (const part of parts) {
      if (c.findings.length >= c.limit) {
        c.omitted++;
        continue;
      }
      const finding = findingOf(p, c, group, part, a, kind, allowing, refusing);
      if (finding) c.findings.push(finding);
    }
  }
}

function findingOf(p: Prepared, c: Collector, group: Group, part: RegionPart, a: number, kind: FindingKind, allowing: number | null, refusing: number | null): AnalysisFinding | null {
  const action = actionAt(a).name;
  const witness = witnessOf(group, part, a);
  if (witness === 'empty') return null;
  if (!witness) {
    c.unknown.push({
      code: 'UNDECIDED_VALUES',
      message: `${action}: requests with ${part.condition.text} on ${part.resources.map((r) => r.match.join(' and ') || 'any resource').join(', ')} may be ${kind === 'lost_access' || kind === 'access_denied' ? 'denied' : 'allowed'}, but no value of the classes they need could be built (a key compared both as text and as a number, date or address)`,
      action,
    });
    return null;
  }
  if (!verified(p, c, witness, allowing, refusing)) return null;
  const granted = allowing === null ? { refs: [], truncated: false } : grantedBy(group, allowing, part);
  const finding: AnalysisFinding = {
    kind,
    action,
    resources: part.resources,
    condition: part.condition,
    principals: part.principals,
    granted_by: granted.refs,
    witness,
  };
  if (granted.truncated) finding.granted_by_truncated = true;
  if (refusing !== null) finding.refused_by = refusedBy(group, refusing, part);
  return finding;
}

/**
 * A request decided on a compiled set the way `evaluate` decides it (engine.ts: shape check, resolution,
 * work limits, every item by `decideItem`, the request denied when an item is), without compiling again.
 */
function evaluateOn(set: CompiledPolicySet, request: EvaluateRequest): { decision: 'allow' | 'deny' } | ErrorResponse {
  const shaped = checkRequestShape(request);
  if ('error' in shaped) return shaped;
  const resolved = resolveRequest(shaped);
  if ('error' in resolved) return resolved;
  const tooMuch = workLimitError(set, resolved, 'evaluate');
  if (tooMuch) return tooMuch;
  const results = resolved.items.map((item) => decide(set, resolved, item));
  const deciding = decidingResult(results);
  return { decision: deciding && deciding.decision === 'deny' ? 'deny' : 'allow' };
}

/** The witness, decided again as `evaluate` decides it: allowed by `allowing`, denied by `refusing`. */
function verified(p: Prepared, c: Collector, witness: EvaluateRequest, allowing: number | null, refusing: number | null): boolean {
  const check = (set: number, want: 'allow' | 'deny'): boolean => {
    const r = evaluateOn(p.compiled[set] as CompiledPolicySet, witness);
    if ('error' in r) {
      c.unknown.push({
        code: r.error.code === 'REQUEST_TOO_COMPLEX' ? 'OUTSIDE_REQUEST_LIMITS' : 'INTERNAL_MISMATCH',
        message: `a witness of ${witness.action} was refused by evaluate: ${r.error.message}`,
        action: witness.action as string,
      });
      return false;
    }
    if (r.decision !== want) {
      c.unknown.push({
        code: 'INTERNAL_MISMATCH',
        message: `internal: evaluate ${r.decision}s the witness ${JSON.stringify(witness)} that the analysis expected it to ${want}`,
        action: witness.action as string,
      });
      return false;
    }
    return true;
  };
  return (allowing === null || check(allowing, 'allow')) && (refusing === null || check(refusing, 'deny'));
}

function undecidedReasons(c: Collector, analysed: Analysed): void {
  for (const { group, actions } of analysed.groups) {
    if (group.undecided === FALSE) continue;
    for (const a of actions) {
      c.unknown.push({
        code: 'UNDECIDED_VALUES',
        message: `${actionAt(a).name}: some requests could not be decided: they need values of classes no value was found for (a key compared both as text and as a number, date or address)`,
        action: actionAt(a).name,
      });
    }
  }
}

/** The work counts, once everything (findings included) is done. */
function finalStats(a: Analysed): AnalysisStats {
  const stats = { ...a.stats };
  stats.automaton_steps = a.space.automatonSteps;
  stats.diagram_nodes = a.groups.reduce((n, g) => n + g.group.mdd.size, 0);
  return stats;
}

function resultOf(c: Collector, stats: AnalysisStats): AnalysisResult {
  const mismatch = c.unknown.some((u) => u.code === 'INTERNAL_MISMATCH');
  const found = c.findings.length + c.omitted > 0;
  const result = mismatch ? 'UNKNOWN' : found ? 'FAIL' : c.unknown.length > 0 ? 'UNKNOWN' : 'PASS';
  const out: AnalysisResult = { result, findings: c.findings, unknown_reasons: c.unknown, catalog_version: catalogVersion(), stats };
  if (c.omitted > 0) out.findings_omitted = c.omitted;
  return out;
}

/**
 * Runs the description of a group's region; when it needs more work than the analysis has left (the
 * budgets are for the whole answer), the group's actions are UNKNOWN with the reason, never dropped.
 */
function guarded(c: Collector, actions: readonly number[], describe: () => void): boolean {
  try {
    describe();
    return true;
  } catch (err) {
    if (!(err instanceof WorkLimitError) && !(err instanceof GroupUnknown)) throw err;
    const reason: UnknownReason = err instanceof GroupUnknown ? err.reason : { code: 'WORK_LIMIT', message: `describing the answer for this action needs ${err.what} (limit)` };
    for (const a of actions) c.unknown.push({ ...reason, action: actionAt(a).name });
    return false;
  }
}

const ALL_ACTIONS = (): number[] => catalog.actions.map((_, i) => i);

// ---------------------------------------------------------------------------------------------------------
// Public operations
// ---------------------------------------------------------------------------------------------------------

/**
 * PASS when no request is allowed by `proposed` and denied by `existing`; FAIL with the new access as
 * regions, each with a witness; UNKNOWN when that cannot be decided exactly within the limits.
 */
export function checkNoNewAccess(existing: AnalysisPolicySet | unknown, proposed: AnalysisPolicySet | unknown, options?: AnalysisOptions): AnalysisResult | ErrorResponse {
  const p = prepare([existing, proposed], ['existing', 'proposed'], options);
  if ('error' in p) return p;
  const principals = allowedPrincipals(p.assume);
  if (principals.length === 0) return noPrincipal();
  const analysed = analyse(p, ALL_ACTIONS(), null, principals);
  const c: Collector = { findings: [], unknown: [...analysed.unknown], omitted: 0, limit: p.limits.findings };
  for (const { group, actions } of analysed.groups) {
    const m = group.mdd;
    guarded(c, actions, () => collect(p, c, group, actions, m.andNot(group.allowed[1] as number, group.allowed[0] as number), 'new_access', 1, 0));
  }
  undecidedReasons(c, analysed);
  return resultOf(c, finalStats(analysed));
}

/** Gained (allowed by `b`, denied by `a`: `new_access`) and lost (`lost_access`) access; PASS when there is none. */
export function diff(a: AnalysisPolicySet | unknown, b: AnalysisPolicySet | unknown, options?: AnalysisOptions): AnalysisResult | ErrorResponse {
  const p = prepare([a, b], ['a', 'b'], options);
  if ('error' in p) return p;
  const principals = allowedPrincipals(p.assume);
  if (principals.length === 0) return noPrincipal();
  const analysed = analyse(p, ALL_ACTIONS(), null, principals);
  const c: Collector = { findings: [], unknown: [...analysed.unknown], omitted: 0, limit: p.limits.findings };
  for (const { group, actions } of analysed.groups) {
    const m = group.mdd;
    guarded(c, actions, () => {
      collect(p, c, group, actions, m.andNot(group.allowed[1] as number, group.allowed[0] as number), 'new_access', 1, 0);
      collect(p, c, group, actions, m.andNot(group.allowed[0] as number, group.allowed[1] as number), 'lost_access', 0, 1);
    });
  }
  undecidedReasons(c, analysed);
  return resultOf(c, finalStats(analysed));
}

export interface AccessQuestion {
  /** Action names or patterns (as in an evaluate request); default: every catalog action. */
  actions?: string[];
  /** Resource URNs or URN patterns (`*` wildcards); default: every resource. */
  resources?: string[];
}

/** One set, analysed for the listed access: what the three access checks below share. */
function analyseAccess(set: unknown, access: AccessQuestion, options: AnalysisOptions | undefined): { p: Prepared; analysed: Analysed } | ErrorResponse {
  const p = prepare([set], ['set'], options);
  if ('error' in p) return p;
  const actions = resolveActions(access.actions);
  if ('error' in actions) return actions;
  const resources = resolveResources(access.resources);
  if (resources !== null && 'error' in resources) return resources;
  const principals = allowedPrincipals(p.assume);
  if (principals.length === 0) return noPrincipal();
  return { p, analysed: analyse(p, actions, resources, principals) };
}

/** The regions the set allows (`access_granted`) or denies (`access_denied`) within the question's access. */
function accessAnswer({ p, analysed }: { p: Prepared; analysed: Analysed }, kind: 'access_granted' | 'access_denied'): AnalysisResult {
  const c: Collector = { findings: [], unknown: [...analysed.unknown], omitted: 0, limit: p.limits.findings };
  for (const { group, actions: members } of analysed.groups) {
    const m = group.mdd;
    const allowed = group.allowed[0] as number;
    if (kind === 'access_granted') guarded(c, members, () => collect(p, c, group, members, m.and(allowed, group.restrictionNode()), kind, 0, null));
    else guarded(c, members, () => collect(p, c, group, members, m.andNot(group.restrictionNode(), allowed), kind, null, 0));
  }
  undecidedReasons(c, analysed);
  return resultOf(c, finalStats(analysed));
}

/** PASS when none of the listed access is ever allowed; FAIL with the regions that are, with witnesses. */
export function checkAccessNotGranted(set: AnalysisPolicySet | unknown, access: AccessQuestion = {}, options?: AnalysisOptions): AnalysisResult | ErrorResponse {
  const a = analyseAccess(set, access, options);
  return 'error' in a ? a : accessAnswer(a, 'access_granted');
}

/**
 * PASS when every request of the listed access is allowed (within the assumptions); otherwise FAIL with the
 * regions the set denies (`access_denied`: why it refuses, a witness `evaluate` denies). The other half of
 * `checkAccessNotGranted`: together they tell `always` (this PASS), `never` (that PASS) and `conditional`.
 */
export function checkAccessAlwaysGranted(set: AnalysisPolicySet | unknown, access: AccessQuestion = {}, options?: AnalysisOptions): AnalysisResult | ErrorResponse {
  const a = analyseAccess(set, access, options);
  return 'error' in a ? a : accessAnswer(a, 'access_denied');
}

/**
 * Both halves at once, for one compilation and one analysis of the set: the regions of the listed access
 * the set allows (`checkAccessNotGranted`'s answer) and those it denies (`checkAccessAlwaysGranted`'s). What
 * who-can asks of every principal's set.
 */
export function accessRegions(set: AnalysisPolicySet | unknown, access: AccessQuestion = {}, options?: AnalysisOptions): { granted: AnalysisResult; denied: AnalysisResult } | ErrorResponse {
  const a = analyseAccess(set, access, options);
  return 'error' in a ? a : { granted: accessAnswer(a, 'access_granted'), denied: accessAnswer(a, 'access_denied') };
}

const LEVEL_ORDER: SummaryGroup[] = ['list', 'read', 'write', 'permission_management', 'tagging', 'other'];

/**
 * For every catalog action: `always` (every request allowed), `never`, or `conditional` with the allowed
 * regions. By default for users and agencies outside the management account (`assume.principal` changes it).
 */
export function summarize(set: AnalysisPolicySet | unknown, options?: AnalysisOptions): SummaryResult | ErrorResponse {
  const assumed = options?.assume ?? {};
  const principal: Principal = { ...(assumed.principal ?? {}) };
  if (principal.type === undefined && principal.management_account === undefined) Object.assign(principal, { type: 'user', management_account: false });
  const p = prepare([set], ['set'], { ...options, assume: { ...assumed, principal } });
  if ('error' in p) return p;
  const principals = allowedPrincipals(p.assume);
  if (principals.length === 0) return noPrincipal();
  const analysed = analyse(p, ALL_ACTIONS(), null, principals);
  const c: Collector = { findings: [], unknown: [...analysed.unknown], omitted: 0, limit: p.limits.findings };
  const byAction = new Map<number, SummaryAction>();
  for (const u of analysed.unknown) {
    const a = lookupAction(u.action ?? '')[0];
    if (a !== undefined) byAction.set(a, { action: actionAt(a).name, access: 'unknown' });
  }
  for (const { group, actions } of analysed.groups) {
    const allowed = group.allowed[0] as number;
    const undecided = group.undecided !== FALSE;
    for (const a of actions) {
      const name = actionAt(a).name;
      if (allowed === TRUE) {
        byAction.set(a, { action: name, access: 'always' });
        continue;
      }
      if (allowed === FALSE) {
        byAction.set(a, { action: name, access: undecided ? 'unknown' : 'never' });
        continue;
      }
      const before = c.findings.length;
      if (!guarded(c, [a], () => collect(p, c, group, [a], allowed, 'access_granted', 0, null))) {
        c.findings.splice(before);
        byAction.set(a, { action: name, access: 'unknown' });
        continue;
      }
      const when = c.findings.splice(before).map((f) => ({ resources: f.resources, condition: f.condition, principals: f.principals, granted_by: f.granted_by, witness: f.witness }));
      const entry: SummaryAction = { action: name, access: when.length === 0 ? 'unknown' : 'conditional' };
      if (when.length > 0) {
        entry.when = when;
        entry.text = when
          .map(
            (w) =>
              `${w.resources.map((r) => (r.match.length === 0 ? 'any resource' : r.match.join(' and ') + (r.except.length ? ` except ${r.except.join(', ')}` : ''))).join(' or ')} when ${w.condition.text}`,
          )
          .join('; or ');
      }
      byAction.set(a, entry);
    }
  }
  undecidedReasons(c, analysed);
  const groups = LEVEL_ORDER.map((level) => ({
    access_level: level,
    actions: ALL_ACTIONS()
      .filter((a) => (actionAt(a).access_level ?? 'other') === level)
      .map((a) => byAction.get(a) ?? { action: actionAt(a).name, access: 'unknown' as const }),
  })).filter((g) => g.actions.length > 0);
  return { groups, principals, unknown_reasons: c.unknown, catalog_version: catalogVersion(), stats: finalStats(analysed) };
}

function noPrincipal(): ErrorResponse {
  return requestError('INVALID_REQUEST', 'assume.principal rules out every principal (type and management_account contradict each other).', { field: 'assume.principal' });
}

/** Catalog entries designated by names or patterns (aliases included); an error for a name the catalog lacks. */
function resolveActions(names: string[] | undefined): number[] | ErrorResponse {
  if (names === undefined) return ALL_ACTIONS();
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string'))
    return requestError('INVALID_REQUEST', '"actions" must be a non-empty list of action names or patterns.', { field: 'actions' });
  const out = new Set<number>();
  for (const name of names) {
    const hit = hasWildcard(name) ? matchActions(name) : [...lookupAction(name)];
    if (hit.length === 0) return requestError('UNKNOWN_ACTION', `"${name}" ${hasWildcard(name) ? 'matches no action' : 'is not an action'} of the catalog.`, { action: name });
    for (const a of hit) out.add(a);
  }
  return [...out].sort((x, y) => x - y);
}

function matchActions(pattern: string): number[] {
  const g = compileGlobLower(pattern);
  const out: number[] = [];
  actionNamesLower().forEach((names, i) => {
    if (names.some((n) => g.test(n))) out.push(i);
  });
  return out;
}

function resolveResources(resources: string[] | undefined): string[] | null | ErrorResponse {
  if (resources === undefined) return null;
  if (!Array.isArray(resources) || resources.length === 0 || !resources.every((r) => typeof r === 'string' && r.length > 0 && r.length <= 2048)) {
    return requestError('INVALID_REQUEST', '"resources" must be a non-empty list of resource URNs or patterns.', { field: 'resources' });
  }
  return resources.map(normalizeUrn);
}

/**
 * A policy set from what a file holds: a policy set (`policies`, `scps`, ...) as it is, or one document
 * (identity by default, `type: 'scp'` for an SCP) as a set of one.
 */
export function policySetOf(value: unknown, options: { type?: 'identity' | 'scp'; id?: string } = {}): AnalysisPolicySet | ErrorResponse {
  const id = options.id ?? 'policy';
  const document = typeof value === 'string' ? value : isObject(value) ? value : null;
  if (document === null) return requestError('INVALID_REQUEST', 'A policy set or a policy document must be a JSON object (or its text).');
  if (typeof document !== 'string' && ('policies' in document || 'scps' in document) && !('Statement' in document)) return document as AnalysisPolicySet;
  const policy = { id, document: document as ScopedPolicy['document'] };
  // An SCP takes effect beside FullAccess, which Organizations attaches to every node when SCPs are enabled.
  const full = systemPolicy(SCP_FULL_ACCESS_ID) as SystemPolicy;
  return options.type === 'scp' ? { scps: [{ level: id, policies: [{ id: full.policy_id, document: full.document }, policy] }] } : { policies: [policy] };
}

export type { ContextValue };
