/**
 * Who can: for one action on one resource, every principal of a stored account (its users, through their
 * groups; its agencies; the account itself) for whom that access is `always`, `conditional` (with the
 * condition, as text and data) or `never`, each with the statements, grants, policies and versions that
 * decide it and a witness request by reference (docs/who-can.md).
 *
 * Exact, from the access analysis (`accessRegions`, one analysis for both halves): `never` when the set
 * allows no request of the action on the resource (checkAccessNotGranted's PASS), `always` when it denies
 * none (checkAccessAlwaysGranted's PASS); otherwise the allowed regions (with the Allow statements) and the
 * denied ones (with the Deny statements or the layers without an Allow). Anything the analysis cannot decide
 * exactly is `unknown` with its reasons, never `always` or `never`. Each principal's set is first reduced to
 * the policies that admit the action (`forAction`: exact for that action), and principals whose reduced sets
 * are equal are analysed once; the work is bounded (`WhoCanBudget`).
 *
 * The requests considered are the principal's own: the keys IAM fills from the principal are fixed to what
 * its stored identity fills (`assumptionsOf`), the region defaults to the resource URN's region (a request
 * for a resource of cn-north-4 is made in cn-north-4; `region: null` asks about requests without one), and
 * context keys the caller assumes narrow the rest. A caller cannot assume a key the principal fills.
 */
import { actionAt, catalogVersion, lookupAction } from '../catalog/catalog.js';
import { accessRegions } from '../analysis/analyze.js';
import type { AnalysisFinding, AnalysisResult, Assume, RegionCondition, ResourceTerm, UnknownReason } from '../analysis/types.js';
import { requestError } from '../engine/request.js';
import type { LoadedAccount } from '../decision/source.js';
import type { ContextValue, ErrorResponse, EvaluateRequest, Layer } from '../types.js';
import { decidingStatement, type DecidingStatement } from './decided-by.js';
import { ACCESS_LIMITS } from './limits.js';
import { byReference, distinctSets, forAction, type PrincipalRef, type PrincipalSet, principalSet, principalsOf } from './sets.js';

export interface WhoCanQuestion {
  /** One catalog action (a name or a legacy alias, no wildcard). */
  action: string;
  /** A resource URN without wildcards; `*` (or absent) for an action without a resource type. */
  resource?: string;
  /** The request's region; by default the resource URN's region (every region when it has none); `*`: every region; `null`: requests without a region. */
  region?: string | null;
  /** Context values assumed (`null`: absent); every other key ranges over every value. */
  context?: Record<string, ContextValue>;
}

export type WhoCanAccess = 'always' | 'conditional' | 'never' | 'unknown';

/** A region of requests allowed (or denied), in the words of the analysis. */
export interface WhoCanRegion {
  resources: ResourceTerm[];
  condition: RegionCondition;
  /** A by-reference request of the region (`POST /v1/evaluate` decides it as stated). */
  witness: EvaluateRequest;
}

export interface WhoCanEntry {
  principal: PrincipalRef;
  /** The user's groups. */
  groups: string[];
  access: WhoCanAccess;
  /** For `conditional`: the alternatives in words. */
  condition?: string;
  /** Regions allowed (`always`: one; `conditional`: each alternative). */
  allowed_when?: WhoCanRegion[];
  /** Regions denied (`never`: every request; `conditional`: the rest). */
  denied_when?: WhoCanRegion[];
  /** The statements that allow (Allow statements, with their grants) or refuse (Deny statements) it. */
  decided_by: DecidingStatement[];
  /** Layers where no Allow statement applies (why a request is denied without a Deny). */
  no_allow_in?: Array<{ layer: Layer; level: string | null }>;
  unknown_reasons?: UnknownReason[];
}

export interface WhoCanResult {
  account_id: string;
  action: string;
  resource: string;
  /** The region of the requests considered (`null`: requests without one); absent: every region. */
  region?: string | null;
  /** The account's change stamp the answer was computed under. */
  stamp: string;
  principals: WhoCanEntry[];
  /** Distinct effective sets analysed (principals with equal sets share one analysis). */
  sets_analysed: number;
  catalog_version: string;
}

/**
 * Bounds on one answer's work: the analyses are per distinct set, each bounded by the analysis's own limits;
 * beyond these, the principals left are `unknown` (WORK_LIMIT), never guessed.
 */
export interface WhoCanBudget {
  /** Most distinct sets analysed (default `ACCESS_LIMITS.whoCanSets`). */
  maxSets?: number;
  /** Checked before each set: true when the time is up. */
  expired?: () => boolean;
}

/** Every principal of the account with its access to `action` on `resource` (see the module comment). */
export function whoCan(account: LoadedAccount, question: WhoCanQuestion, budget: WhoCanBudget = {}): WhoCanResult | ErrorResponse {
  const q = checkQuestion(question);
  if ('error' in q) return q;
  // Each principal's set reduced to the policies that can decide this action: fewer distinct sets, smaller ones.
  const memo = new Map<unknown, boolean>();
  const sets = principalsOf(account).map((p) => forAction(principalSet(account, p), q.actionIndex, memo));
  const entries = new Map<PrincipalSet, WhoCanEntry>();
  const groups = distinctSets(sets);
  const maxSets = budget.maxSets ?? ACCESS_LIMITS.whoCanSets;
  let analysed = 0;
  for (const group of groups) {
    const first = group[0] as PrincipalSet;
    if (analysed >= maxSets || budget.expired?.()) {
      const reason: UnknownReason = {
        code: 'WORK_LIMIT',
        message: `not analysed: the answer's budget (${analysed} distinct sets, or its time) ran out first; ask about fewer principals or a narrower question`,
      };
      for (const s of group) entries.set(s, { principal: s.principal, groups: s.groups, access: 'unknown', decided_by: [], unknown_reasons: [reason] });
      continue;
    }
    analysed++;
    const answer = answerFor(first, q);
    if ('error' in answer) return answer;
    for (const s of group) entries.set(s, entryFor(s, answer));
  }
  return {
    account_id: account.account_id,
    action: q.action,
    resource: q.resource,
    ...(q.region !== undefined ? { region: q.region } : {}),
    stamp: account.stamp,
    principals: sets.map((s) => entries.get(s) as WhoCanEntry),
    sets_analysed: analysed,
    catalog_version: catalogVersion(),
  };
}

interface Question {
  action: string;
  actionIndex: number;
  resource: string;
  region: string | null | undefined;
  context: Record<string, ContextValue>;
}

function checkQuestion(question: WhoCanQuestion): Question | ErrorResponse {
  const hits = typeof question.action === 'string' ? lookupAction(question.action) : [];
  if (hits.length !== 1) return requestError('UNKNOWN_ACTION', `"${String(question.action)}" is not an action of the catalog (give one action, no wildcard).`, { field: 'action' });
  const entry = actionAt(hits[0] as number);
  const typed = entry.resource_types.length > 0;
  const resource = question.resource ?? '*';
  if (resource.includes('?') || (resource !== '*' && resource.includes('*'))) {
    return requestError('INVALID_REQUEST', `"resource" must be one resource URN, without wildcards (got "${resource}").`, { field: 'resource' });
  }
  if (resource !== '*') {
    const parts = resource.split(':');
    if (parts.length < 5 || parts[0] === '' || parts[4] === '') {
      return requestError('INVALID_RESOURCE', `"${resource.slice(0, 200)}" is not a resource URN: write service:region:account-id:type:id, e.g. ims:cn-north-4:<account-id>:image:<image-id>.`, {
        field: 'resource',
      });
    }
  }
  if (typed && resource === '*') return requestError('INVALID_REQUEST', `${entry.name} acts on a resource: give its URN (service:region:account-id:type:id).`, { field: 'resource' });
  if (!typed && resource !== '*') return requestError('INVALID_REQUEST', `${entry.name} has no resource type: leave "resource" out (requests name "*").`, { field: 'resource' });
  // By default the resource's region; a URN without one (or no resource) leaves the region free.
  const segment = resource === '*' ? '' : (resource.split(':')[1] ?? '');
  const region = question.region === '*' ? undefined : question.region !== undefined ? question.region : segment === '' ? undefined : segment;
  return { action: entry.name, actionIndex: hits[0] as number, resource, region, context: question.context ?? {} };
}

interface SetAnswer {
  granted: AnalysisResult;
  denied: AnalysisResult;
  catalog_version: string;
}

function answerFor(set: PrincipalSet, q: Question): SetAnswer | ErrorResponse {
  const fixed = set.assume.context ?? {};
  const fixedLower = new Set(Object.keys(fixed).map((k) => k.toLowerCase()));
  for (const k of Object.keys(q.context)) {
    if (fixedLower.has(k.toLowerCase())) {
      return requestError('INVALID_REQUEST', `"${k}" is filled from the principal's identity (or the time of the request): it cannot be assumed.`, { field: `context.${k}` });
    }
  }
  const assume: Assume = { ...set.assume, context: { ...q.context, ...fixed } };
  if (q.region !== undefined) assume.region = q.region;
  const access = { actions: [q.action], resources: [q.resource] };
  const both = accessRegions(set.analysis, access, { assume });
  if ('error' in both) return both;
  return { ...both, catalog_version: both.granted.catalog_version };
}

function entryFor(s: PrincipalSet, a: SetAnswer): WhoCanEntry {
  const entry: WhoCanEntry = { principal: s.principal, groups: s.groups, access: 'unknown', decided_by: [] };
  const unknown = [...a.granted.unknown_reasons, ...a.denied.unknown_reasons];
  if (a.granted.result === 'UNKNOWN' || a.denied.result === 'UNKNOWN' || unknown.length > 0) {
    entry.unknown_reasons = unknown;
    return entry;
  }
  const region = (f: AnalysisFinding): WhoCanRegion => ({ resources: f.resources, condition: f.condition, witness: byReference(f.witness, s.account_id, s.principal, s.assume) });
  const allowed = a.granted.findings;
  const denied = a.denied.findings;
  entry.access = a.granted.result === 'PASS' ? 'never' : a.denied.result === 'PASS' ? 'always' : 'conditional';
  if (allowed.length > 0) entry.allowed_when = allowed.map(region);
  if (denied.length > 0) entry.denied_when = denied.map(region);
  if (entry.access === 'conditional') entry.condition = allowed.map((f) => f.condition.text).join('; or ');
  const seen = new Set<string>();
  const add = (d: DecidingStatement): void => {
    const k = `${d.layer}|${d.level}|${d.policy_id}|${d.statement}`;
    if (seen.has(k)) return;
    seen.add(k);
    entry.decided_by.push(d);
  };
  if (entry.access !== 'never') for (const f of allowed) for (const ref of f.granted_by) add(decidingStatement(s, ref));
  if (entry.access !== 'always') {
    const noAllow = new Map<string, { layer: Layer; level: string | null }>();
    for (const f of denied) {
      for (const ref of f.refused_by?.denied_by ?? []) add(decidingStatement(s, ref));
      for (const l of f.refused_by?.no_allow_in ?? []) noAllow.set(`${l.layer}|${l.level}`, l);
    }
    if (noAllow.size > 0) entry.no_allow_in = [...noAllow.values()];
  }
  return entry;
}
