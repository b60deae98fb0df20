/**
 * Evaluation by reference for the functions: the account decisions of lib/decision/account.ts over the
 * DynamoDB policy-set source (store/evaluation-reader.ts, its own small client: no AWS SDK, no
 * dynamodb-toolbox), which loads on the first by-reference request only, so inline evaluations never pay for
 * it at cold start. Refusals become HttpErrors here (the one place their statuses are chosen); faults stay
 * faults (asHttpError: 503 STORE_UNAVAILABLE for the store's).
 */
import { createAccountDecisions, DecisionError, type EvaluatorResult } from '../../lib/decision/account.js';
import type { PolicySetSource, PrincipalSelector } from '../../lib/decision/source.js';
import type { EvaluateRequest, EvaluateResult, ExplainResult } from '../../lib/types.js';
import { asHttpError, HttpError, statusOfEngineError } from './http.js';

export type PrincipalRef = PrincipalSelector;
export type ReferenceResult = EvaluatorResult;

let source: Promise<PolicySetSource> | undefined;
const decisions = createAccountDecisions(() => (source ??= import('../../store/evaluation-reader.js').then((m) => m.dynamoPolicySetSource)));

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
