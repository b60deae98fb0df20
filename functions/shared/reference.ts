/**
 * Evaluation by reference for the functions: the account decisions of lib/decision/account.ts over the
 * DynamoDB policy-set source (store/evaluation-reader.ts, its own small client: no AWS SDK, no
 * dynamodb-toolbox), which loads on the first by-reference request only, so inline evaluations never pay for
 * it at cold start. Refusals become HttpErrors here (the one place their statuses are chosen); faults stay
 * faults (asHttpError: 503 STORE_UNAVAILABLE for the store's).
 *
 * Every action a by-reference decision allows is reported to the usage record (unused access,
 * docs/unused-access.md) through its write-behind (store/usage-writer.ts): never awaited here, never failing
 * a request; the batch worker waits a bounded time for it (`settleUsage`) before its Lambda freezes.
 */
import { createAccountDecisions, DecisionError, type EvaluatorResult } from '../../lib/decision/account.js';
import type { PolicySetSource, PrincipalSelector } from '../../lib/decision/source.js';
import type { EvaluateRequest, EvaluateResult, ExplainResult } from '../../lib/types.js';
import { Logger } from '../../lib/util/logger.js';
import { createUsageWriter, type UsageWriter } from '../../store/usage-writer.js';
import { asHttpError, HttpError, statusOfEngineError } from './http.js';

export type PrincipalRef = PrincipalSelector;
export type ReferenceResult = EvaluatorResult;

const log = new Logger('usage');
/** The usage record's write-behind (one per process). */
export const usage: UsageWriter = createUsageWriter({
  onError: (err) => log.warn('usage record not written (the decision stands)', { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
});

let source: Promise<PolicySetSource> | undefined;
const decisions = createAccountDecisions(() => (source ??= import('../../store/evaluation-reader.js').then((m) => m.dynamoPolicySetSource)), { usage });

const STATUS: Readonly<Record<string, number>> = { NOT_FOUND: 404, STORED_POLICY_INVALID: 409 };

function toHttp(err: unknown): unknown {
  if (err instanceof DecisionError) return new HttpError(STATUS[err.code] ?? statusOfEngineError(err.code), err.code, err.message, err.details);
  return asHttpError(err);
}

/** The principal's evaluator (cached, stamp-checked; a fault of the store or the load budget rejects). */
export async function referenceEvaluator(accountId: string, ref: PrincipalRef, options: { maxStalenessMs?: number } = {}): Promise<ReferenceResult> {
  try {
    return await decisions.evaluatorFor(accountId, ref, options);
  } catch (err) {
    // The authorizer reads the store's own errors (fail closed with their codes): only refusals are mapped.
    if (err instanceof DecisionError) throw toHttp(err);
    throw err;
  }
}

/**
 * Decides a checked request on a stored principal's evaluator (`referenceEvaluator`), with the stored facts,
 * and reports the actions it allowed to the usage record (the authorizer).
 */
export function evaluateStored(loaded: ReferenceResult, request: EvaluateRequest): EvaluateResult {
  return decisions.evaluateStored(loaded, request);
}

/** Waits at most `timeoutMs` for the usage writes in flight (the batch worker, before returning). Never rejects. */
export function settleUsage(timeoutMs: number): Promise<boolean> {
  return usage.settle(timeoutMs);
}

/** Empties the cache (tests). */
export function clearReferenceCache(): void {
  decisions.clear();
}

/**
 * The decision of every HTTP and batch entry point: inline policies, or the stored principal's (lib/decision).
 * The engine's errors come back as its error response; refusals of the stored path are HttpErrors.
 */
export async function decideForAccount(accountId: string, request: EvaluateRequest, mode: 'evaluate' | 'explain'): Promise<EvaluateResult | ExplainResult> {
  try {
    return await decisions.decide(accountId, request, mode);
  } catch (err) {
    throw toHttp(err);
  }
}
