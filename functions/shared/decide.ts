/** Shared body of the evaluate and explain functions: call the engine, shape the reply, fill the decision log. */
import type { EvaluateRequest, EvaluateResult, ExplainResult } from '../../lib/types.js';
import { HttpError, statusOfEngineError, type HttpEvent, type Reply } from './http.js';
import { state } from './middlewares.js';

export function decideReply(event: HttpEvent, run: (request: EvaluateRequest) => EvaluateResult | ExplainResult): Reply {
  const s = state(event);
  const request = s.body as EvaluateRequest;
  s.decision = {
    caller_account: request.principal?.account_id,
    action: request.action ?? request.actions ?? (request.api ? `${request.api.method} ${request.api.path}` : undefined),
    resource: request.resource ?? request.resources,
  };
  const result = run(request);
  if ('error' in result) throw new HttpError(statusOfEngineError(result.error.code), result.error.code, result.error.message, result.error.details);
  Object.assign(s.decision, { decision_id: result.decision_id, decision: result.decision, reason: result.reason, catalog_version: result.catalog_version });
  return { status: 200, body: result, headers: { 'x-decision-id': result.decision_id, 'x-catalog-version': result.catalog_version } };
}
