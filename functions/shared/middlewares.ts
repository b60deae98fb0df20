/**
 * The middlewares every HTTP function uses, as plain middy `{before, after, onError}` objects:
 *  - requestContext: a request id (API Gateway's, else a fresh one: also when serverless-offline gives its
 *    placeholder) and the start time;
 *  - jsonBody: reads the body (64 KiB limit, 413 beyond), parses JSON (400 with the position if invalid);
 *  - validateBody: checks the body against a named schema of lib/schema, with the caller's checker (400 with the field);
 *  - httpResponse: turns a Reply or an error into the API Gateway result, with the request id header;
 *    unexpected faults become 500 with the request id and no stack in the body;
 *  - decisionLog: one structured JSON log line per decision (never policy documents or context values).
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { parseJson } from '../../lib/json/source.js';
import { problemMessage, type SchemaChecker } from '../../lib/schema/check.js';
import type { SchemaName } from '../../lib/schema/core.js';
import type { EvaluateRequest } from '../../lib/types.js';
import { Logger } from '../../lib/util/logger.js';
import { header, HttpError, isStoreUnavailable, type DecisionLogFields, type HttpEvent, type HttpResult, type Reply, type RequestState } from './http.js';

type Mw = MiddlewareObj<HttpEvent, HttpResult | Reply>;

export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * What serverless-offline puts where API Gateway puts the request id: the same text on every request
 * (`offlineContext_resourceId` in HTTP API events, `random-request-id` for authorizers), so no id at all.
 */
const OFFLINE_PLACEHOLDER = /^(offlineContext_\w*|random-request-id)$/;

/** The gateway's request id when it is a real one (not absent, not empty, not an offline placeholder). */
export function gatewayRequestId(id: unknown): string | undefined {
  return typeof id === 'string' && id !== '' && !OFFLINE_PLACEHOLDER.test(id) ? id : undefined;
}

/** Request state whose id is the gateway's, else a fresh UUID made on first read. */
function newState(gatewayId: string | undefined): RequestState {
  let id = gatewayId;
  return {
    get requestId(): string {
      return (id ??= randomUUID());
    },
    startedAt: Date.now(),
  };
}

export function state(event: HttpEvent): RequestState {
  return (event.state ??= newState(gatewayRequestId(event.requestContext?.requestId)));
}

export function requestContext(): Mw {
  return {
    name: 'requestContext',
    before: (request) => {
      request.event.state = newState(gatewayRequestId(request.event.requestContext?.requestId));
    },
  };
}

/** Reads and parses the JSON body (64 KiB limit -> 413; invalid JSON -> 400 with the position). */
export function readJsonBody(event: HttpEvent, limit = BODY_LIMIT_BYTES): unknown {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') throw new HttpError(400, 'INVALID_JSON', 'The request body is empty; send a JSON object.');
  let text: string;
  if (event.isBase64Encoded) text = decodeBase64Body(raw, limit);
  else {
    const bytes = Buffer.byteLength(raw, 'utf8');
    if (bytes > limit) throw new HttpError(413, 'INPUT_TOO_LARGE', `The request body is ${bytes} bytes; the limit is ${limit} bytes.`, { limit });
    text = raw;
  }
  const type = header(event, 'content-type');
  if (type && !/^application\/(.+\+)?json\b/i.test(type) && !/^text\/plain\b/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the body as application/json (got ${type.slice(0, 100)}).`);
  }
  const parsed = parseJson(text);
  if (!parsed.ok) {
    const { line, column, offset } = parsed.position;
    throw new HttpError(400, 'INVALID_JSON', `The request body is not valid JSON: ${parsed.message} at line ${line} column ${column}.`, { line, column, offset });
  }
  return parsed.value;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Made on the first base64 body: a TextDecoder at import would load the encoding module into every cold start. */
let utf8: InstanceType<typeof TextDecoder> | undefined;

/** A base64 body (API Gateway's isBase64Encoded): strict base64 of UTF-8 text, at most `limit` bytes once decoded. */
function decodeBase64Body(raw: string, limit: number): string {
  const estimate = Math.floor((raw.length * 3) / 4); // never decode a body that is surely too large
  if (estimate > limit + 2) throw new HttpError(413, 'INPUT_TOO_LARGE', `The request body is ${estimate} bytes; the limit is ${limit} bytes.`, { limit });
  if (raw.length % 4 === 1 || !BASE64.test(raw)) throw new HttpError(400, 'INVALID_JSON', 'The request body is marked base64-encoded but is not valid base64.');
  const buf = Buffer.from(raw, 'base64');
  if (buf.length > limit) throw new HttpError(413, 'INPUT_TOO_LARGE', `The request body is ${buf.length} bytes; the limit is ${limit} bytes.`, { limit });
  try {
    // Invalid or overlong UTF-8 is refused, not replaced by U+FFFD (which would alter names and documents).
    return (utf8 ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })).decode(buf);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'The request body is not valid UTF-8.');
  }
}

/** Checks a value against a named schema of lib/schema; 400 with the offending field. */
export function assertSchema<N extends SchemaName>(checker: SchemaChecker<N>, schema: N, value: unknown): void {
  const problem = checker.check(schema, value);
  if (problem) throw new HttpError(400, 'INVALID_REQUEST', problemMessage(problem, 'The body'), { field: problem.field });
}

export function jsonBody(limit = BODY_LIMIT_BYTES): Mw {
  return {
    name: 'jsonBody',
    before: (request) => {
      state(request.event).body = readJsonBody(request.event, limit);
    },
  };
}

export function validateBody<N extends SchemaName>(checker: SchemaChecker<N>, schema: N): Mw {
  return {
    name: 'validateBody',
    before: (request) => assertSchema(checker, schema, state(request.event).body),
  };
}

function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && typeof (v as Reply).status === 'number' && !('statusCode' in v);
}

function toResult(reply: Reply, requestId: string): HttpResult {
  return {
    statusCode: reply.status,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...reply.headers },
    body: reply.rawBody ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)),
  };
}

/**
 * A fault, logged with the request id; the reply says nothing about the internals. The store unreachable
 * or too slow is a 503: nothing was decided from data that could not be read (fail closed).
 */
function fault(err: unknown, requestId: string): HttpError {
  const down = isStoreUnavailable(err);
  new Logger(undefined, { request_id: requestId }).error(down ? 'store unavailable' : 'unhandled error', { error: err instanceof Error ? err.stack : String(err) });
  return down
    ? new HttpError(503, 'STORE_UNAVAILABLE', 'The policy store did not answer in time; retry.')
    : new HttpError(500, 'INTERNAL_ERROR', 'The service failed to answer; retry, and report the request id if it persists.');
}

export function httpResponse(): Mw {
  return {
    name: 'httpResponse',
    after: (request) => {
      const r = request.response;
      if (isReply(r)) request.response = toResult(r, state(request.event).requestId);
    },
    onError: (request) => {
      const s = state(request.event);
      const err = request.error instanceof HttpError ? request.error : fault(request.error, s.requestId);
      s.decision = { ...s.decision, error_code: err.code };
      request.response = toResult({ status: err.status, body: err.body(s.requestId) }, s.requestId);
    },
  };
}

/** The logger of the decision lines (one function per process in practice: made once, not per line). */
let decisionLogger: Logger | undefined;

/**
 * One JSON line per decision (HTTP functions, the authorizer, the batch worker), at level info: decision
 * id, caller account, action(s), resource(s), decision, reason, latency, catalog version. Never policy
 * documents, context values or tokens.
 */
export function writeDecisionLog(
  fn: string,
  fields: DecisionLogFields & { request_id?: string; status?: number; latency_ms: number; correlation_id?: string; message_id?: string; duplicate?: boolean; context_required_keys?: string[] },
): void {
  if (decisionLogger?.service !== fn) decisionLogger = new Logger(fn);
  decisionLogger.info(fields);
}

/** Action(s) and resource(s) of a request, as every decision log line names them. */
export function decisionSubject(request: EvaluateRequest): Pick<DecisionLogFields, 'action' | 'resource'> {
  const out: Pick<DecisionLogFields, 'action' | 'resource'> = {};
  const action = request.action ?? request.actions ?? (request.api ? `${request.api.method} ${request.api.path}` : undefined);
  const resource = request.resource ?? request.resources;
  if (action !== undefined) out.action = action;
  if (resource !== undefined) out.resource = resource;
  return out;
}

export function decisionLog(fn: string): Mw {
  const write = (event: HttpEvent, status: number | undefined): void => {
    const s = state(event);
    if (!s.decision) return;
    writeDecisionLog(fn, { request_id: s.requestId, ...(status === undefined ? {} : { status }), latency_ms: Date.now() - s.startedAt, ...s.decision });
  };
  return {
    name: 'decisionLog',
    after: (request) => write(request.event, (request.response as HttpResult | null)?.statusCode),
    onError: (request) => write(request.event, (request.response as HttpResult | null)?.statusCode),
  };
}
