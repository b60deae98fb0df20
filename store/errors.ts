/**
 * The one error type of the store: a `code` saying what was refused, a message, and `details` carrying
 * what the caller needs to act on the refusal (the findings of a refused document, the grants and SCP
 * attachments that block a delete, ...). The store knows no transport: the HTTP status of each code is
 * set in one place, `STORE_ERROR_STATUS` in functions/shared/http.ts.
 *
 * | code                  | when                                                                      |
 * |-----------------------|---------------------------------------------------------------------------|
 * | `INVALID_INPUT`       | a malformed id, name, scope, limit, If-Match value ...                    |
 * | `INVALID_CURSOR`      | a cursor that is not a `next_cursor` of the same listing                  |
 * | `READ_ONLY`           | a write to a system policy                                                |
 * | `NOT_FOUND`           | no such item for this caller (other tenants' items included)              |
 * | `ALREADY_EXISTS`      | a create of an existing user, group, agency, grant, attachment, member    |
 * | `POLICY_EXISTS`       | a create of an existing policy id                                         |
 * | `CONFLICT`            | the write would break a rule: attached policy, last SCP, non-empty OU ... |
 * | `PRECONDITION_FAILED` | If-Match names a revision that is no longer current                       |
 * | `INVALID_POLICY`      | a document with error findings (`details` = every finding, errors first)  |
 * | `STORED_POLICY_INVALID` | a grant or SCP attachment whose policy cannot be read (a table changed |
 * |                       | behind the store, a system policy gone from the catalog): no decision     |
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
  | 'PRECONDITION_FAILED'
  | 'STORED_POLICY_INVALID';

/** A refused store operation. Nothing was written unless the message says otherwise. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
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

export const invalidInput = (message: string, details?: unknown): StoreError => new StoreError('INVALID_INPUT', message, details);
export const notFound = (message: string): StoreError => new StoreError('NOT_FOUND', message);
export const readOnly = (message: string): StoreError => new StoreError('READ_ONLY', message);
export const alreadyExists = (message: string): StoreError => new StoreError('ALREADY_EXISTS', message);
export const conflict = (message: string, details?: unknown): StoreError => new StoreError('CONFLICT', message, details);
export const preconditionFailed = (message: string, details?: unknown): StoreError => new StoreError('PRECONDITION_FAILED', message, details);
export const principalNotFound = (kind: PrincipalKind, accountId: string, id: string): StoreError => notFound(`Account ${accountId} has no ${kind} ${id}.`);

/**
 * A grant or an SCP attachment whose policy cannot be read as its default version of the right type. The
 * store's own writes never leave one (grants and attachments are written with their policy's reference
 * count), so it means a table changed behind the store or a system policy gone from the catalog: the set is
 * not evaluated without it (a missing Deny would turn a deny into an allow). Fail closed.
 */
export const unresolvedPolicy = (where: { policy_id: string; grant_id?: string; node_id?: string }): StoreError =>
  new StoreError(
    'STORED_POLICY_INVALID',
    `A stored ${where.node_id !== undefined ? `SCP attachment (node ${where.node_id})` : `grant${where.grant_id !== undefined ? ` (${where.grant_id})` : ''}`} names policy ${where.policy_id}, whose default version cannot be read; the request was not evaluated.`,
    { ...where },
  );
