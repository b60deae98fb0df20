/**
 * Deciding for an account's stored principal: the one place that turns a principal's stored grants and the
 * SCPs along its account's organization path (read through a `PolicySetSource`, lib/decision/source.ts) into
 * a compiled evaluator, and keeps it warm. Each entry is checked against the account's change stamp on every
 * request, so the next request after any write sees it; a caller that accepts some staleness says so per
 * request (`maxStalenessMs`, at most 30 s), and then a warm entry answers with no read at all. Entries expire
 * after 30 s; the cache holds at most 500 principals. When the stamp cannot be read (the store down or slow)
 * there is no answer, not even from the cache: fail closed.
 *
 * Nothing here knows HTTP or DynamoDB: refusals are `DecisionError`s with a code (the functions map codes to
 * statuses), faults of the source stay as they are, and a load past its budget is a `TimeoutError`.
 */
import { createEvaluator, type Evaluator, evaluate, explain, precheck } from '../engine/engine.js';
import { principalKeyError } from '../engine/request.js';
import { LIMITS } from '../schema/core.js';
import type { EvaluateRequest, EvaluateResult, ExplainResult, JsonValue, Principal } from '../types.js';
import { policySetOfLoaded } from './policy-set.js';
import type { PolicySetSource, PrincipalSelector } from './source.js';
import { reportAllowed, type UsageRecorder } from './usage.js';

/** A refusal of a by-reference request, with the code the engine or the API uses for it. */
export class DecisionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: JsonValue,
  ) {
    super(message);
  }
}

export interface AccountDecisionOptions {
  /** Default 30 s: a cached set is reloaded after this long whatever its stamp. */
  ttlMs?: number;
  /** Default 500 principals (least recently used go first). */
  maxEntries?: number;
  /** Default 5 s: the most one load may take, inside the functions' 10 s timeout. */
  loadBudgetMs?: number;
  /** Default Date.now (tests move time). */
  now?: () => number;
  /**
   * Told of every action a by-reference decision allowed (`evaluateStored`; `decide` in evaluate mode): the
   * unused-access record (lib/decision/usage.ts). Inline requests and explanations are never reported.
   */
  usage?: UsageRecorder;
}

export interface EvaluatorResult {
  evaluator: Evaluator;
  /** The stored facts about the principal (type, names, organization path, management account). */
  principal: Principal;
  cached: boolean;
  /** Reads this answer took: none (within `maxStalenessMs`), the stamp, or the whole set. */
  checked: 'none' | 'stamp' | 'loaded';
}

interface Entry {
  stamp: string;
  /** The organization whose counter is in the stamp (the warm check reads it with the account's). */
  orgId: string | undefined;
  /** When it was loaded (the expiry) and when its stamp was last found current (`maxStalenessMs`). */
  at: number;
  checkedAt: number;
  evaluator: Evaluator;
  principal: Principal;
}

export interface AccountDecisions {
  /** The principal's evaluator (cached, stamp-checked), within the load budget. */
  evaluatorFor(accountId: string, ref: PrincipalSelector, options?: { maxStalenessMs?: number }): Promise<EvaluatorResult>;
  /**
   * A request without inline policies, for a principal of `accountId`: checked first (bad input is refused
   * before any read), then the evaluator is loaded and the stored facts about the principal replace whatever
   * the request claims. Refusals: another account's principal NOT_FOUND, both a user and an agency
   * INVALID_REQUEST, the engine's own request errors, a key derived from the principal set by the request,
   * a bad `max_staleness_ms`, a stored policy that no longer validates STORED_POLICY_INVALID.
   */
  prepare(accountId: string, request: EvaluateRequest): Promise<{ evaluator: Evaluator; request: EvaluateRequest; principal: Principal }>;
  /**
   * The one decision path of every entry point (HTTP, batch): a request with inline `policies` or `scps` is
   * decided on them; one without, on the stored principal's set (`prepare`). The engine's own errors come back
   * as its error response; refusals of the stored path are thrown as DecisionErrors, faults as they are.
   */
  decide(accountId: string, request: EvaluateRequest, mode: 'evaluate'): Promise<EvaluateResult>;
  decide(accountId: string, request: EvaluateRequest, mode: 'explain'): Promise<ExplainResult>;
  decide(accountId: string, request: EvaluateRequest, mode: 'evaluate' | 'explain'): Promise<EvaluateResult | ExplainResult>;
  /**
   * Decides a checked request (principal facts left to the store) on a stored principal's evaluator from
   * `evaluatorFor`, with the stored facts, and reports the actions it allowed to the usage recorder. The
   * authorizer's path (it checks the request before any read); `decide` uses it too.
   */
  evaluateStored(loaded: Pick<EvaluatorResult, 'evaluator' | 'principal'>, request: EvaluateRequest): EvaluateResult;
  /** Empties the cache (tests). */
  clear(): void;
}

/** `source` is asked for when first needed, so inline-only callers never load the adapter's code. */
export function createAccountDecisions(source: () => Promise<PolicySetSource>, options: AccountDecisionOptions = {}): AccountDecisions {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 500;
  const budgetMs = options.loadBudgetMs ?? 5_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();

  async function load(accountId: string, ref: PrincipalSelector, maxStalenessMs: number): Promise<EvaluatorResult> {
    const key = `${accountId}|${ref.user_id !== undefined ? `u:${ref.user_id}` : ref.agency !== undefined ? `a:${ref.agency}` : 'account'}`;
    const hit = cache.get(key);
    const t = now();
    if (hit && t - hit.at < ttlMs) {
      // Within the caller's staleness bound: no read. Otherwise the stamp, in one request.
      let checked: EvaluatorResult['checked'] = 'none';
      if (!(maxStalenessMs > 0 && t - hit.checkedAt <= maxStalenessMs)) {
        if ((await (await source()).currentStamp(accountId, hit.orgId)) !== hit.stamp) return loadEntry(key, accountId, ref);
        hit.checkedAt = now();
        checked = 'stamp';
      }
      cache.delete(key); // keep the map in LRU order
      cache.set(key, hit);
      return { evaluator: hit.evaluator, principal: hit.principal, cached: true, checked };
    }
    return loadEntry(key, accountId, ref);
  }

  /** Loads the principal's set (the source reads the stamp no later than the data), compiles and caches it. */
  async function loadEntry(key: string, accountId: string, ref: PrincipalSelector): Promise<EvaluatorResult> {
    const loaded = await (await source()).loadEffectiveSet(accountId, ref);
    const { policies, scps, principal } = policySetOfLoaded(accountId, loaded);
    // Stored policies were validated when written (their warnings are kept beside each version): not repeated here.
    const evaluator = createEvaluator({ policies, scps }, { policyWarnings: false });
    if (evaluator.error) {
      // One that no longer validates (a newer catalog) is not evaluated around: the request fails closed.
      throw new DecisionError('STORED_POLICY_INVALID', 'A stored policy of this principal no longer validates; the request was not evaluated.', evaluator.error.error.details);
    }
    const at = now();
    cache.delete(key);
    cache.set(key, { stamp: loaded.stamp, orgId: loaded.stamp_org_id, at, checkedAt: at, evaluator, principal });
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
    return { evaluator, principal, cached: false, checked: 'loaded' };
  }

  const decisions: AccountDecisions = {
    evaluatorFor(accountId, ref, opts = {}) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const budget = new Promise<never>((_resolve, reject) => (timer = setTimeout(reject, budgetMs, Object.assign(new Error('store timeout'), { name: 'TimeoutError' }))));
      return Promise.race([load(accountId, ref, opts.maxStalenessMs ?? 0), budget]).finally(() => clearTimeout(timer));
    },
    async prepare(accountId, request) {
      const p = request.principal ?? {};
      // Another account's principals do not exist for this caller (so existence does not leak).
      if (p.account_id !== undefined && p.account_id !== accountId) throw new DecisionError('NOT_FOUND', 'No such principal in your account.');
      if (p.user_id !== undefined && p.agency !== undefined) throw new DecisionError('INVALID_REQUEST', 'Name the principal by "user_id" or "agency", not both.', { field: 'principal' });
      const bad = precheck(request) ?? principalKeyError(request);
      if (bad) throw new DecisionError(bad.error.code, bad.error.message, bad.error.details);
      const maxStalenessMs = checkMaxStaleness(request.max_staleness_ms);
      const ref: PrincipalSelector = {};
      if (p.user_id !== undefined) ref.user_id = p.user_id;
      if (p.agency !== undefined) ref.agency = p.agency;
      const { evaluator, principal } = await decisions.evaluatorFor(accountId, ref, { maxStalenessMs });
      // The stored facts (type, organization path, management account) replace whatever the request claims.
      return { evaluator, request: { ...request, principal }, principal };
    },
    async decide(accountId: string, request: EvaluateRequest, mode: 'evaluate' | 'explain'): Promise<never> {
      // Inline what-ifs and explanations are not usage: only `evaluateStored` reports.
      if (request.policies !== undefined || request.scps !== undefined) return (mode === 'evaluate' ? evaluate(request) : explain(request)) as never;
      const { evaluator, request: stored, principal } = await decisions.prepare(accountId, request);
      return (mode === 'evaluate' ? decisions.evaluateStored({ evaluator, principal }, stored) : evaluator.explain(stored)) as never;
    },
    evaluateStored(loaded, request) {
      const result = loaded.evaluator.evaluate({ ...request, principal: loaded.principal });
      if (!('error' in result)) reportAllowed(options.usage, loaded.principal, result, now());
      return result;
    },
    clear() {
      cache.clear();
    },
  };
  return decisions;
}

/** `max_staleness_ms`: an integer from 0 to 30,000 (the cache's own expiry), else INVALID_REQUEST (the schema checks the type). */
export function checkMaxStaleness(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > LIMITS.maxStalenessMs) {
    throw new DecisionError('INVALID_REQUEST', `max_staleness_ms must be an integer from 0 to ${LIMITS.maxStalenessMs} (milliseconds).`, { field: 'max_staleness_ms' });
  }
  return value;
}
