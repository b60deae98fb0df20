/**
 * Evaluation by reference: the principal's stored grants (in scope) and the SCPs along its account's
 * organization path, compiled once and cached in the warm function. Each entry is checked against the
 * account's change stamp on every request (one table request: store/evaluation-reader.ts `currentStamp`),
 * so the next request after any write sees it; a first request loads in two round trips. A caller that
 * accepts some staleness says so per request (`max_staleness_ms`, at most 30 s): within it, a warm entry
 * is answered with no table call at all. Entries expire after 30 s; the cache holds at most 500 principals.
 */
import { createEvaluator, type Evaluator } from '../../lib/engine/engine.js';
import type { Principal, ScopedPolicy, ScpLevelInput } from '../../lib/types.js';
import { precheck } from '../../lib/engine/engine.js';
import { principalKeyError } from '../../lib/engine/request.js';
import type { EvaluateRequest } from '../../lib/types.js';
import { LIMITS } from '../../lib/schema/core.js';
import { asHttpError, HttpError, statusOfEngineError } from './http.js';

/** The store's read-only loader (its own small DynamoDB client: no AWS SDK, no dynamodb-toolbox) loads on
 * the first by-reference request only: inline evaluations never pay for it at cold start. */
let storeModule: Promise<typeof import('../../store/evaluation-reader.js')> | undefined;
const store = (): Promise<typeof import('../../store/evaluation-reader.js')> => (storeModule ??= import('../../store/evaluation-reader.js'));

export interface PrincipalRef {
  user_id?: string;
  agency?: string;
}

interface Entry {
  stamp: string;
  /** The organization whose counter is in the stamp (the warm check reads its `#ORG` item with `#ACCOUNT`). */
  orgId: string | undefined;
  /** When it was loaded (the 30 s expiry) and when its stamp was last found current (`max_staleness_ms`). */
  at: number;
  checkedAt: number;
  evaluator: Evaluator;
  principal: Principal;
}

export interface ReferenceOptions {
  /** Answer from a cached entry whose stamp was found current at most this long ago (ms) without reading it. */
  maxStalenessMs?: number;
}

const TTL_MS = 30_000;
const MAX_ENTRIES = 500;
const cache = new Map<string, Entry>();

export interface ReferenceResult {
  evaluator: Evaluator;
  /** The stored facts about the principal (type, names, organization path, management account). */
  principal: Principal;
  cached: boolean;
  /** Table requests this answer took: 0 (within `max_staleness_ms`), 1 (stamp checked) or more (loaded). */
  checked: 'none' | 'stamp' | 'loaded';
}

/**
 * The most one by-reference load may take (the store client also bounds each call: store/client.ts). Past
 * it the request fails closed with a TimeoutError (503 STORE_UNAVAILABLE over HTTP, a deny in the
 * authorizer), well inside the functions' 10 s timeout, even when every call of the load is slow.
 */
export const LOAD_BUDGET_MS = 5_000;

/**
 * The principal's evaluator. The change stamp is read on every request, warm or not: when it cannot be
 * read (the store down or slow), there is no answer, not even from the cache (fail closed).
 */
export function referenceEvaluator(accountId: string, ref: PrincipalRef, options: ReferenceOptions = {}): Promise<ReferenceResult> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_resolve, reject) => (timer = setTimeout(reject, LOAD_BUDGET_MS, Object.assign(new Error('store timeout'), { name: 'TimeoutError' }))));
  return Promise.race([load(accountId, ref, options.maxStalenessMs ?? 0), budget]).finally(() => clearTimeout(timer));
}

async function load(accountId: string, ref: PrincipalRef, maxStalenessMs: number): Promise<ReferenceResult> {
  const key = `${accountId}|${ref.user_id !== undefined ? `u:${ref.user_id}` : ref.agency !== undefined ? `a:${ref.agency}` : 'account'}`;
  const hit = cache.get(key);
  const now = Date.now();
  if (hit && now - hit.at < TTL_MS) {
    // Within the caller's staleness bound: no table call. Otherwise the stamp, in one request.
    let checked: ReferenceResult['checked'] = 'none';
    if (!(maxStalenessMs > 0 && now - hit.checkedAt <= maxStalenessMs)) {
      const { currentStamp } = await store();
      if ((await currentStamp(accountId, hit.orgId)) !== hit.stamp) return loadEntry(key, accountId, ref);
      hit.checkedAt = Date.now();
      checked = 'stamp';
    }
    cache.delete(key); // keep the map in LRU order
    cache.set(key, hit);
    return { evaluator: hit.evaluator, principal: hit.principal, cached: true, checked };
  }
  return loadEntry(key, accountId, ref);
}

/** Loads the principal's set (the loader reads the stamp in its first round trip), compiles and caches it. */
async function loadEntry(key: string, accountId: string, ref: PrincipalRef): Promise<ReferenceResult> {
  const { loadPrincipalPolicies } = await store();
  const loaded = await loadPrincipalPolicies(accountId, ref);
  const policies: ScopedPolicy[] = loaded.grants.map((g) => ({
    id: g.policy_id,
    document: g.document,
    scope: g.scope,
    source: { version: g.version, grant_id: g.grant_id, principal: g.principal, scope: g.scope },
  }));
  const org = loaded.organization;
  const scps: ScpLevelInput[] =
    org && org.scp_enabled
      ? org.levels.map((l) => ({ level: l.node_id, policies: l.policies.map((p): ScopedPolicy => ({ id: p.policy_id, document: p.document, source: { version: p.version } })) }))
      : [];
  // Stored policies were validated when written (their warnings are kept beside each version): not repeated here.
  const evaluator = createEvaluator({ policies, scps }, { policyWarnings: false });
  if (evaluator.error) {
    // Stored policies are validated on write; one that no longer validates (a newer catalog) is not
    // evaluated around: the request fails closed with the findings.
    throw new HttpError(409, 'STORED_POLICY_INVALID', 'A stored policy of this principal no longer validates; the request was not evaluated.', evaluator.error.error.details);
  }
  const principal: Principal = { type: loaded.principal.type, account_id: accountId };
  if (loaded.principal.type === 'user') {
    principal.user_id = loaded.principal.id;
    if (loaded.principal.name) principal.user_name = loaded.principal.name;
  } else if (loaded.principal.type === 'agency') principal.agency = loaded.principal.id;
  if (org) {
    principal.org_path = org.org_path;
    principal.management_account = org.management_account_id === accountId;
  }
  const at = Date.now();
  cache.delete(key);
  cache.set(key, { stamp: loaded.stamp, orgId: loaded.stamp_org_id, at, checkedAt: at, evaluator, principal });
  while (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  return { evaluator, principal, cached: false, checked: 'loaded' };
}

/** Empties the cache (tests). */
export function clearReferenceCache(): void {
  cache.clear();
}

/**
 * A request without inline policies, for a principal of `accountId`: checked first (bad input is refused
 * before any I/O), then the principal's evaluator is loaded. Everything refused becomes an HttpError (an
 * unknown user or agency 404, another account's principal 404, a malformed id 400, a context that sets a key
 * derived from the principal 400: the stored identity decides those); faults stay faults.
 */
export async function loadByReference(accountId: string, request: EvaluateRequest): Promise<{ evaluator: Evaluator; request: EvaluateRequest }> {
  const p = request.principal ?? {};
  // Another account's principals do not exist for this caller (404, so existence does not leak).
  if (p.account_id !== undefined && p.account_id !== accountId) throw new HttpError(404, 'NOT_FOUND', 'No such principal in your account.');
  if (p.user_id !== undefined && p.agency !== undefined) throw new HttpError(400, 'INVALID_REQUEST', 'Name the principal by "user_id" or "agency", not both.', { field: 'principal' });
  const bad = precheck(request) ?? principalKeyError(request);
  if (bad) throw new HttpError(statusOfEngineError(bad.error.code), bad.error.code, bad.error.message, bad.error.details);
  const maxStalenessMs = checkMaxStaleness(request.max_staleness_ms);
  const ref: PrincipalRef = {};
  if (p.user_id !== undefined) ref.user_id = p.user_id;
  if (p.agency !== undefined) ref.agency = p.agency;
  try {
    const { evaluator, principal } = await referenceEvaluator(accountId, ref, { maxStalenessMs });
    // The stored facts (type, organization path, management account) replace whatever the request claims.
    return { evaluator, request: { ...request, principal } };
  } catch (err) {
    throw asHttpError(err);
  }
}

/** `max_staleness_ms`: an integer from 0 to 30,000 (the cache's own expiry), else 400 (the schema checks the type). */
export function checkMaxStaleness(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > LIMITS.maxStalenessMs) {
    throw new HttpError(400, 'INVALID_REQUEST', `max_staleness_ms must be an integer from 0 to ${LIMITS.maxStalenessMs} (milliseconds).`, { field: 'max_staleness_ms' });
  }
  return value;
}
