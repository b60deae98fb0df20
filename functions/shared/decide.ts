/**
 * Shared body of the evaluate and explain functions: inline policies go straight to the engine; otherwise
 * the principal's stored grants and SCPs are loaded (by reference) for the caller's own account only.
 * Shapes the reply and fills the decision log line.
 */
import type { EvaluateRequest, EvaluateResult, ExplainResult } from '../../lib/types.js';
import { callerOf } from './auth.js';
import { HttpError, statusOfEngineError, type HttpEvent, type Reply } from './http.js';
import { decisionSubject, state } from './middlewares.js';
import { decideForAccount } from './reference.js';

/** `request`: the body, validated against the EvaluateRequest schema. */
export async function decideReply(event: HttpEvent, request: EvaluateRequest, mode: 'evaluate' | 'explain'): Promise<Reply> {
  const s = state(event);
  const caller = callerOf(event);
  s.decision = { caller_account: caller.account_id, ...decisionSubject(request) };
  const result: EvaluateResult | ExplainResult = await decideForAccount(caller.account_id, request, mode);
  if ('error' in result) throw new HttpError(statusOfEngineError(result.error.code), result.error.code, result.error.message, result.error.details);
  Object.assign(s.decision, { decision_id: result.decision_id, decision: result.decision, reason: result.reason, catalog_version: result.catalog_version });
  return { status: 200, body: result, headers: { 'x-decision-id': result.decision_id, 'x-catalog-version': result.catalog_version } };
}
