/**
 * The one error type of the store. `status` is the HTTP status a handler answers with; `details` carries
 * what the caller needs to act on the refusal (the findings of a refused document, the grants and SCP
 * attachments that block a delete, ...).
 *
 * | code                  | status | when                                                                      |
 * |-----------------------|--------|---------------------------------------------------------------------------|
 * | `INVALID_INPUT`       | 400    | a malformed id, name, scope, limit, If-Match value ...                    |
 * | `INVALID_CURSOR`      | 400    | a cursor that is not a `next_cursor` of the same listing                  |
 * | `READ_ONLY`           | 403    | a write to a system policy                                                |
 * | `NOT_FOUND`           | 404    | no such item for this caller (other tenants' items included)              |
 * | `ALREADY_EXISTS`      | 409    | a create of an existing user, group, agency, grant, attachment, member   |
 * | `POLICY_EXISTS`       | 409    | a create of an existing policy id                                         |
 * | `CONFLICT`            | 409    | the write would break a rule: attached policy, last SCP, non-empty OU ... |
 * | `PRECONDITION_FAILED` | 412    | If-Match names a revision that is no longer current                       |
 * | `INVALID_POLICY`      | 422    | a document with error findings (`details` = every finding, errors first)  |
 */
import type { Finding } from '../lib/types.js';
import type { PrincipalKind } from './keys.js';

export type StoreErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_CURSOR'
  | 'INVALID_POLICY'
  | 'READ_ONLY'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'POLICY_EXISTS'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED';

/** A refused store operation. Nothing was written unless the message says otherwise. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    readonly status: number,
    message: string,
    /** `INVALID_POLICY`: `Finding[]`; `CONFLICT` on deletes: what blocks it; otherwise usually absent. */
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** The findings of an `INVALID_POLICY` refusal (the same array as `details`). */
  get findings(): Finding[] | undefined {
    return this.code === 'INVALID_POLICY' && Array.isArray(this.details) ? (this.details as Finding[]) : undefined;
  }
}

export const invalidInput = (message: string, details?: unknown): StoreError => new StoreError('INVALID_INPUT', 400, message, details);
export const notFound = (message: string): StoreError => new StoreError('NOT_FOUND', 404, message);
export const readOnly = (message: string): StoreError => new StoreError('READ_ONLY', 403, message);
export const alreadyExists = (message: string): StoreError => new StoreError('ALREADY_EXISTS', 409, message);
export const conflict = (message: string, details?: unknown): StoreError => new StoreError('CONFLICT', 409, message, details);
export const preconditionFailed = (message: string, details?: unknown): StoreError => new StoreError('PRECONDITION_FAILED', 412, message, details);
export const principalNotFound = (kind: PrincipalKind, accountId: string, id: string): StoreError => notFound(`Account ${accountId} has no ${kind} ${id}.`);
