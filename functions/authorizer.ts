/**
 * IMS API authorizer: an API Gateway (HTTP API, payload 2.0) Lambda REQUEST authorizer for a gateway in front
 * of an IMS-compatible API, with simple responses. It verifies the caller's bearer token per the auth mode
 * (shared/auth.ts: a token for the IMS API, audience AUTH_IMS_AUDIENCE, naming its principal explicitly; no
 * scope is needed: the caller calls IMS, not ims-authz), reads the IMS call (method, path without the gateway
 * prefix, ids in the form IMS issues, region, hints, g:SourceIp), resolves it through the catalog and decides it
 * by reference (the principal's stored grants and its account's SCP chain) in api mode.
 * Every condition key it did not compute itself is unknown (`AUTHORIZER_UNKNOWN_KEYS`): it allows only what
 * is allowed whatever those keys are, and denies the rest (`context_required` when they would decide it).
 *
 * Never throws: any problem is `isAuthorized: false` with a reason code (fail closed). Every call writes one
 * decision log line (no token, no policies, no context values). What makes the answers safe for API
 * Gateway's cache is explained in shared/ims-request.ts.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { catalogVersion } from '../lib/catalog/catalog.js';
import { precheck } from '../lib/engine/engine.js';
import { principalKeyError } from '../lib/engine/request.js';
import type { ApiCall, EvaluateRequest } from '../lib/types.js';
import { Logger } from '../lib/util/logger.js';
import { TokenError, verifyImsCaller, type ImsCaller, type TokenProblem } from './shared/auth.js';
import { eventHeader, gatewayConfig, readImsRequest } from './shared/ims-request.js';
import { asHttpError, HttpError, isStoreUnavailable } from './shared/http.js';
import { gatewayRequestId, writeDecisionLog } from './shared/middlewares.js';
import { evaluateStored, referenceEvaluator, type PrincipalRef } from './shared/reference.js';

/** What the protected backend receives in `requestContext.authorizer.lambda` (strings only). */
export interface ImsAuthorizerContext {
  decision_id: string;
  /** `allowed`, `explicit_deny`, `implicit_deny`, `context_required`, or the code of what stopped the evaluation. */
  reason: string;
  /** For `context_required`: the condition keys the gateway cannot see that would decide the call, comma-separated. */
  context_required_keys?: string;
  catalog_version: string;
  /** The IMS API's own action (when the route was resolved). */
  action?: string;
  /** The verified caller (when the token was valid). */
  account_id?: string;
  /** `user:<id>`, `agency:<id>` or `account`. */
  principal?: string;
  /** The region the call was decided in. */
  region?: string;
}

export type ImsAuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<ImsAuthorizerContext>;

const TOKEN_REASONS: Record<TokenProblem, string> = {
  not_configured: 'AUTH_NOT_CONFIGURED',
  missing: 'TOKEN_MISSING',
  expired: 'TOKEN_EXPIRED',
  not_for_service: 'TOKEN_INVALID',
  invalid: 'TOKEN_INVALID',
  bad_claims: 'TOKEN_INVALID',
  no_principal: 'TOKEN_NO_PRINCIPAL',
  keys_unavailable: 'KEYS_UNAVAILABLE',
};

const ENGINE_REASONS = new Set(['allowed', 'explicit_deny', 'implicit_deny', 'context_required']);

/**
 * The keys the gateway cannot see: all of them (`*`), minus what the request gives (`g:SourceIp`, and
 * `g:EnterpriseProjectId` when the header is read) and what the engine derives from the stored principal and
 * the region (docs/semantics.md, "Unknown context keys"). So resource attributes (`ims:*`), tags, MFA,
 * time and every key nobody computes are unknown, never absent.
 */
export const AUTHORIZER_UNKNOWN_KEYS: readonly string[] = Object.freeze(['*']);

const log = new Logger('authorizer');

interface Outcome {
  decisionId: string;
  decision: 'allow' | 'deny';
  reason: string;
  catalogVersion: string;
  account?: string;
  principal?: string;
  region?: string;
  action?: string;
  /** Every action the call needed (the API's own first), for the log. */
  actions?: string[];
  /** The call, for the log when no action was resolved. */
  call?: string;
  resource?: string | string[];
  contextRequired?: string[];
}

function principalLabel(c: ImsCaller): string {
  return c.principal.type === 'account' ? 'account' : `${c.principal.type}:${c.principal.id}`;
}

/** A store refusal (unknown principal, a stored policy that no longer validates) as a reason; faults rethrown. */
function storeReason(err: unknown): string {
  const e = asHttpError(err);
  if (e instanceof HttpError && e.status >= 400 && e.status < 500) return e.code === 'NOT_FOUND' ? 'UNKNOWN_PRINCIPAL' : e.code;
  throw err;
}

async function authorizeCall(event: APIGatewayRequestAuthorizerEventV2, out: Outcome): Promise<void> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    out.reason = 'INVALID_EVENT';
    return;
  }
  let caller: ImsCaller;
  try {
    // A token for the IMS API (its own audience, an explicit principal); a token for this service's API is refused.
    caller = await verifyImsCaller(eventHeader(event, 'authorization'));
  } catch (err) {
    out.reason = err instanceof TokenError ? TOKEN_REASONS[err.problem] : 'TOKEN_INVALID';
    return;
  }
  out.account = caller.account_id;
  out.principal = principalLabel(caller);

  const read = readImsRequest(event, gatewayConfig());
  if (!read.ok) {
    out.reason = read.problem;
    return;
  }
  const ims = read.request;
  out.region = ims.region;
  out.call = `${ims.method} ${ims.path}`;
  const api: ApiCall = { method: ims.method, path: ims.path };
  if (Object.keys(ims.hints).length > 0) api.hints = ims.hints;
  const request: EvaluateRequest = { principal: { account_id: caller.account_id }, api, region: ims.region, unknown_context_keys: [...AUTHORIZER_UNKNOWN_KEYS] };
  if (Object.keys(ims.context).length > 0) request.context = ims.context;
  // Unknown route or bad input: refused before any I/O. The stored principal decides its own keys.
  const bad = precheck(request) ?? principalKeyError(request);
  if (bad) {
    out.reason = bad.error.code;
    return;
  }

  const ref: PrincipalRef = {};
  if (caller.principal.type === 'user') ref.user_id = caller.principal.id;
  else if (caller.principal.type === 'agency') ref.agency = caller.principal.id;
  let loaded: Awaited<ReturnType<typeof referenceEvaluator>>;
  try {
    loaded = await referenceEvaluator(caller.account_id, ref);
  } catch (err) {
    out.reason = storeReason(err);
    return;
  }
  // With the stored facts; the actions it allows are reported to the usage record (never awaited).
  const result = evaluateStored(loaded, request);
  if ('error' in result) {
    out.reason = result.error.code;
    return;
  }
  out.decisionId = result.decision_id;
  out.decision = result.decision;
  out.reason = result.reason;
  if (result.context_required_keys && result.context_required_keys.length > 0) out.contextRequired = result.context_required_keys;
  out.catalogVersion = result.catalog_version;
  if (result.api) {
    out.action = result.api.action;
    out.actions = result.api.required_actions;
  }
  const resources = [...new Set(result.results.map((r) => r.resource))];
  out.resource = resources.length === 1 ? (resources[0] as string) : resources;
}

export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<ImsAuthorizerResult> {
  const started = Date.now();
  const out: Outcome = { decisionId: randomUUID(), decision: 'deny', reason: 'AUTHORIZER_ERROR', catalogVersion: catalogVersion() };
  let requestId: string | undefined;
  try {
    // The gateway's id when real (serverless-offline's placeholder is the same on every request: left out;
    // the decision id identifies the line).
    requestId = gatewayRequestId((event as { requestContext?: { requestId?: unknown } } | null)?.requestContext?.requestId)?.slice(0, 128);
    await authorizeCall(event, out);
  } catch (err) {
    // A fault (the store unreachable or too slow, a bug): denied, and logged with the decision id.
    out.decision = 'deny';
    out.reason = isStoreUnavailable(err) ? 'STORE_UNAVAILABLE' : 'AUTHORIZER_ERROR';
    log.child({ decision_id: out.decisionId, request_id: requestId }).error('authorizer fault', { error: err instanceof Error ? err.stack : String(err) });
  }
  const isAuthorized = out.decision === 'allow';
  const context: ImsAuthorizerContext = { decision_id: out.decisionId, reason: out.reason, catalog_version: out.catalogVersion };
  if (out.action !== undefined) context.action = out.action;
  if (out.account !== undefined) context.account_id = out.account;
  if (out.principal !== undefined) context.principal = out.principal;
  if (out.region !== undefined) context.region = out.region;
  if (out.contextRequired !== undefined) context.context_required_keys = out.contextRequired.join(',');

  const action = out.actions ?? out.call;
  writeDecisionLog('authorizer', {
    ...(requestId === undefined ? {} : { request_id: requestId }),
    decision_id: out.decisionId,
    ...(out.account === undefined ? {} : { caller_account: out.account }),
    ...(action === undefined ? {} : { action }),
    ...(out.resource === undefined ? {} : { resource: out.resource }),
    decision: isAuthorized ? 'allow' : 'deny',
    reason: out.reason,
    ...(out.contextRequired === undefined ? {} : { context_required_keys: out.contextRequired }),
    ...(ENGINE_REASONS.has(out.reason) ? {} : { error_code: out.reason }),
    latency_ms: Date.now() - started,
    catalog_version: out.catalogVersion,
  });
  return { isAuthorized, context };
}
