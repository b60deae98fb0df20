/**
 * Evaluation by reference: the principal's stored grants (in scope) and the SCPs along its account's
 * organization path, compiled once and cached in the warm function. The cache key includes the account's
 * change stamp (one or two GetItems per request), so the next request after any write sees it; entries
 * also expire after 30 s, and the cache holds at most 500 principals.
 */
import { createEvaluator, type Evaluator } from '../../lib/engine/engine.js';
import type { Principal, ScopedPolicy, ScpLevelInput } from '../../lib/types.js';
import { precheck } from '../../lib/engine/engine.js';
import { principalKeyError } from '../../lib/engine/request.js';
import type { EvaluateRequest } from '../../lib/types.js';
import { asHttpError, HttpError, statusOfEngineError } from './http.js';

/** The store's read-only loader (the DynamoDB document client; no dynamodb-toolbox) loads on the first
 * by-reference request only: inline evaluations never pay for it at cold start. */
let storeModule: Promise<typeof import('../../store/evaluation-reader.js')> | undefined;
const store = (): Promise<typeof import('../../store/evaluation-reader.js')> => (storeModule ??= import('../../store/evaluation-reader.js'));

export interface PrincipalRef {
  user_id?: string;
  agency?: string;
}

interface Entry {
  stamp: string;
  at: number;
  evaluator: Evaluator;
  principal: Principal;
}

const TTL_MS = 30_000;
const MAX_ENTRIES = 500;
const cache = new Map<string, Entry>();

export interface ReferenceResult {
  evaluator: Evaluator;
  /** The stored facts about the principal (type, names, organization path, management account). */
  principal: Principal;
  cached: boolean;
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
export function referenceEvaluator(accountId: string, ref: PrincipalRef): Promise<ReferenceResult> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_resolve, reject) => (timer = setTimeout(reject, LOAD_BUDGET_MS, Object.assign(new Error('store timeout'), { name: 'TimeoutError' }))));
  return Promise.race([load(accountId, ref), budget]).finally(() => clearTimeout(timer));
}

async function load(accountId: string, ref: PrincipalRef): Promise<ReferenceResult> {
  const key = `${accountId}|${ref.user_id !== undefined ? `u:${ref.user_id}` : ref.agency !== undefined ? `a:${ref.agency}` : 'account'}`;
  const { changeStamp, loadPrincipalPolicies } = await store();
  const stamp = await changeStamp(accountId);
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp && Date.now() - hit.at < TTL_MS) {
    cache.delete(key); // keep the map in LRU order
    cache.set(key, hit);
    return { evaluator: hit.evaluator, principal: hit.principal, cached: true };
  }
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
  cache.set(key, { stamp: loaded.stamp, at: Date.now(), evaluator, principal });
  while (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  return { evaluator, principal, cached: false };
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
  const ref: PrincipalRef = {};
  if (p.user_id !== undefined) ref.user_id = p.user_id;
  if (p.agency !== undefined) ref.agency = p.agency;
  try {
    const { evaluator, principal } = await referenceEvaluator(accountId, ref);
    // The stored facts (type, organization path, management account) replace whatever the request claims.
    return { evaluator, request: { ...request, principal } };
  } catch (err) {
    throw asHttpError(err);
  }
}
