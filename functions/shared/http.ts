/**
 * HTTP plumbing shared by the functions: the event/result types, an error type that carries a status
 * and a stable code, and the mapping of engine and store error codes to HTTP statuses (the only place
 * where either meets HTTP).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ErrorBody, JsonValue } from '../../lib/types.js';
import { StoreError, type StoreErrorCode } from '../../store/errors.js';
import type { Caller } from './caller.js';

/** Per-request state the middlewares share (set by `requestContext`). */
export interface RequestState {
  requestId: string;
  startedAt: number;
  /** Parsed JSON body (set by `jsonBody`). */
  body?: unknown;
  /** Fields of the decision log line (set by handlers that decide). */
  decision?: DecisionLogFields;
  /** The authenticated caller (set by `auth`). */
  caller?: Caller;
}

export interface HttpEvent extends APIGatewayProxyEventV2 {
  state?: RequestState;
}

export type HttpResult = APIGatewayProxyStructuredResultV2;

/** What a handler returns; `httpResponse` turns it into the API Gateway result. */
export interface Reply {
  status: number;
  /** Serialised as JSON unless `rawBody` is given. */
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface DecisionLogFields {
  decision_id?: string;
  caller_account?: string;
  action?: string | string[];
  resource?: string | string[];
  decision?: string;
  reason?: string;
  catalog_version?: string;
  error_code?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: JsonValue,
  ) {
    super(message);
  }

  body(requestId: string): { error: ErrorBody & { request_id: string } } {
    const error: ErrorBody & { request_id: string } = { code: this.code, message: this.message, request_id: requestId };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

/** HTTP status of an engine error code (all client errors: bad input is never a 500). */
export function statusOfEngineError(code: string): number {
  switch (code) {
    case 'INVALID_POLICY':
      return 422;
    case 'INPUT_TOO_LARGE':
      return 413;
    case 'NOT_FOUND':
      return 404;
    default:
      return 400;
  }
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const h = event.headers ?? {};
  const direct = h[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const k of Object.keys(h)) if (k.toLowerCase() === lower) return h[k];
  return undefined;
}

/**
 * Whether a fault means the policy store could not be reached or did not answer in time (a refused or
 * dropped connection, a Node network error `E...`, a timeout, throttling, a 5xx from DynamoDB):
 * transient, answered 503 STORE_UNAVAILABLE, never a decision made without the stored data. Other faults
 * (a missing table, a bug) stay 500s.
 */
export function isStoreUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | null;
  return /^(Timeout|Throttling|ProvisionedThroughput|RequestLimit)/.test(e?.name as string) || /^E[A-Z_]+$/.test(e?.code as string) || (e?.$metadata?.httpStatusCode as number) >= 500;
}

/** HTTP status of each store refusal (all client errors: a refusal is never a 500). */
export const STORE_ERROR_STATUS: Readonly<Record<StoreErrorCode, number>> = {
  INVALID_INPUT: 400,
  INVALID_CURSOR: 400,
  READ_ONLY: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  POLICY_EXISTS: 409,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  INVALID_POLICY: 422,
  STORED_POLICY_INVALID: 409,
};

/** A store refusal as the HttpError it is answered with (same code, message and details); anything else, HttpErrors and faults, unchanged. */
export function asHttpError(err: unknown): unknown {
  if (err instanceof StoreError) return new HttpError(STORE_ERROR_STATUS[err.code], err.code, err.message, err.details as JsonValue | undefined);
  return err;
}
