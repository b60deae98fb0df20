/**
 * Shared body of the evaluate and explain functions: inline policies go straight to the engine; otherwise
 * the principal's stored grants and SCPs are loaded (by reference) for the caller's own account only.
 * Shapes the reply and fills the decision log line.
 */
import { evaluate, explain, precheck } from '../../lib/engine/engine.js';
import type { EvaluateRequest, EvaluateResult, ExplainResult } from '../../lib/types.js';
import { callerOf } from './auth.js';
import { asHttpError, HttpError, statusOfEngineError, type HttpEvent, type Reply } from './http.js';
import { state } from './middlewares.js';
import { referenceEvaluator } from './reference.js';

export async function decideReply(event: HttpEvent, mode: 'evaluate' | 'explain'): Promise<Reply> {
  const s = state(event);
  const caller = callerOf(event);
  const request = s.body as EvaluateRequest;
  s.decision = {
    caller_account: caller.account_id,
    action: request.action ?? request.actions ?? (request.api ? `${request.api.method} ${request.api.path}` : undefined),
    resource: request.resource ?? request.resources,
  };
  let result: EvaluateResult | ExplainResult;
  if (request.policies !== undefined || request.scps !== undefined) {
    result = mode === 'evaluate' ? evaluate(request) : explain(request);
  } else {
    const p = request.principal ?? {};
    const account = p.account_id ?? caller.account_id;
    // Another tenant's principals do not exist for this caller (404, so existence does not leak).
    if (account !== caller.account_id) throw new HttpError(404, 'NOT_FOUND', 'No such principal in your account.');
    if (p.user_id !== undefined && p.agency !== undefined) throw new HttpError(400, 'INVALID_REQUEST', 'Name the principal by "user_id" or "agency", not both.', { field: 'principal' });
    const bad = precheck(request);
    if (bad) throw new HttpError(statusOfEngineError(bad.error.code), bad.error.code, bad.error.message, bad.error.details);
    const ref: { user_id?: string; agency?: string } = {};
    if (p.user_id !== undefined) ref.user_id = p.user_id;
    if (p.agency !== undefined) ref.agency = p.agency;
    let loaded: Awaited<ReturnType<typeof referenceEvaluator>>;
    try {
      loaded = await referenceEvaluator(account, ref);
    } catch (err) {
      throw asHttpError(err); // an unknown user or agency is a 404, a malformed id a 400
    }
    const { evaluator, principal } = loaded;
    // The stored facts (type, organization path, management account) replace whatever the body claims.
    const req: EvaluateRequest = { ...request, principal };
    result = mode === 'evaluate' ? evaluator.evaluate(req) : evaluator.explain(req);
  }
  if ('error' in result) throw new HttpError(statusOfEngineError(result.error.code), result.error.code, result.error.message, result.error.details);
  Object.assign(s.decision, { decision_id: result.decision_id, decision: result.decision, reason: result.reason, catalog_version: result.catalog_version });
  return { status: 200, body: result, headers: { 'x-decision-id': result.decision_id, 'x-catalog-version': result.catalog_version } };
}
