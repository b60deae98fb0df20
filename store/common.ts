/**
 * Helpers shared by the store modules (internal: the barrel does not export this file, except the page
 * types): input checks, pages and cursors, If-Match parsing, conditional-write failures, generated ids
 * (bounded parallelism is lib/util/concurrency.ts).
 */
import { randomBytes } from 'node:crypto';
import { invalidInput, StoreError } from './errors.js';
import { ID_PATTERN } from './keys.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;
export const MAX_NAME_LENGTH = 128;
export const MAX_DESCRIPTION_LENGTH = 1000;

/** A page request of any listing. */
export interface PageOptions {
  /** 1-100, default 50. */
  limit?: number;
  /** The `next_cursor` of the previous page of the same listing. */
  cursor?: string;
}

/** A page of any listing. `next_cursor` is `null` on the last page (which may be empty). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const nowIso = (): string => new Date().toISOString();

export function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw invalidInput(`${field} must be 1-64 characters from A-Z, a-z, 0-9, "_", ".", ":" and "-".`);
  }
  return value;
}

export function checkText(value: unknown, field: string, max: number, required: boolean): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || (required && value.trim() === '') || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalidInput(`${field} must be a string of ${required ? '1' : '0'}-${max} characters without control characters.`);
  }
  return value;
}

export function checkLimit(limit: unknown): number {
  const value = limit ?? DEFAULT_PAGE_SIZE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) throw invalidInput(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Cursors: opaque base64url JSON holding the listing they belong to (`s`, which names the account and any
// filter) and either the DynamoDB LastEvaluatedKey (`k`) or, for the system policies listed before the
// stored ones, an index (`i`). A cursor is only accepted by the same listing, and its key must lie in the
// partition that listing queries, so a cursor can never move a query to another tenant.

interface CursorBody {
  s: string;
  k?: Record<string, string>;
  i?: number;
}
const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;

export function encodeCursor(listing: string, position: { key: Record<string, unknown> } | { index: number }): string {
  const body: CursorBody = { s: listing };
  if ('index' in position) body.i = position.index;
  else {
    const k: Record<string, string> = {};
    for (const a of KEY_ATTRIBUTES) if (typeof position.key[a] === 'string') k[a] = position.key[a];
    body.k = k;
  }
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

export interface CursorExpectation {
  /** The partition of the base table the listing reads, or of the index (`gsi1pk`). */
  pk?: string;
  gsi1pk?: string;
  /** Base-table listings: the sort-key prefix they read. */
  skPrefix?: string;
  /** Whether an index position (`i`) is acceptable. */
  allowIndex?: boolean;
}

export type CursorPosition = { key: Record<string, string> } | { index: number };

export function decodeCursor(cursor: unknown, listing: string, expect: CursorExpectation): CursorPosition {
  const invalid = (): StoreError => new StoreError('INVALID_CURSOR', 'cursor is not a next_cursor of this listing.');
  if (typeof cursor !== 'string' || cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let body: CursorBody;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorBody;
  } catch {
    throw invalid();
  }
  if (!body || typeof body !== 'object' || body.s !== listing) throw invalid();
  if (body.i !== undefined) {
    if (!expect.allowIndex || !Number.isInteger(body.i) || body.i < 0 || body.i > 1000) throw invalid();
    return { index: body.i };
  }
  const k = body.k;
  if (!k || typeof k !== 'object' || typeof k.pk !== 'string' || typeof k.sk !== 'string') throw invalid();
  for (const a of KEY_ATTRIBUTES) if (k[a] !== undefined && typeof k[a] !== 'string') throw invalid();
  if (expect.pk !== undefined && k.pk !== expect.pk) throw invalid();
  if (expect.skPrefix !== undefined && !k.sk.startsWith(expect.skPrefix)) throw invalid();
  if (expect.gsi1pk !== undefined && (k.gsi1pk !== expect.gsi1pk || typeof k.gsi1sk !== 'string')) throw invalid();
  const key: Record<string, string> = {};
  for (const a of KEY_ATTRIBUTES) if (typeof k[a] === 'string') key[a] = k[a];
  return { key };
}

// ---------------------------------------------------------------------------------------------------------
// If-Match: `"3"`, `3`, `W/"3"` (the revision), or `*` (any current revision: the item must exist).

export type IfMatch = string | number | undefined;

/** The revision an If-Match value names; `undefined` when absent or `*`. */
export function parseIfMatch(ifMatch: IfMatch): number | undefined {
  if (ifMatch === undefined || ifMatch === null) return undefined;
  if (typeof ifMatch === 'number') {
    if (Number.isSafeInteger(ifMatch) && ifMatch >= 0) return ifMatch;
    throw invalidInput('If-Match must be a revision (a non-negative integer) or its ETag.');
  }
  if (typeof ifMatch !== 'string') throw invalidInput('If-Match must be a revision or its ETag.');
  const text = ifMatch.trim();
  if (text === '*') return undefined;
  const m = /^(?:W\/)?"(\d{1,15})"$/.exec(text) ?? /^(\d{1,15})$/.exec(text);
  if (!m) throw invalidInput(`If-Match ${JSON.stringify(ifMatch)} is not an ETag of this API ("<revision>").`);
  return Number(m[1]);
}

export const etagOf = (revision: number): string => `"${revision}"`;

/**
 * The refusal of a conditional write that lost: `PRECONDITION_FAILED` when the caller named a revision
 * (If-Match), else `CONFLICT` (the item changed between the read and the write of a multi-step operation;
 * retrying is safe).
 */
export function stale(what: string, expected: number | undefined, current?: number): StoreError {
  if (expected === undefined) return new StoreError('CONFLICT', `${what} changed concurrently; read it again and retry.`);
  return new StoreError(
    'PRECONDITION_FAILED',
    `${what} is not at revision ${expected}${current === undefined ? '' : ` (it is at ${current})`}: it changed since it was read. Read it again and retry.`,
    current === undefined ? undefined : { current_revision: current, current_etag: etagOf(current) },
  );
}

export function isConditionFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ConditionalCheckFailedException';
}

/**
 * Runs a read-modify-conditional-write `attempt` until it does not lose a race: `attempt` returns
 * `RETRY` when its conditional write failed because the item changed since it read it (only done when the
 * caller gave no If-Match: with one, a lost race is the caller's `PRECONDITION_FAILED`).
 */
export const RETRY = Symbol('retry');
export async function withRetries<T>(attempt: () => Promise<T | typeof RETRY>, what: string, maxAttempts = 40): Promise<T> {
  for (let i = 0; i < maxAttempts; i++) {
    const result = await attempt();
    if (result !== RETRY) return result;
    // Exponential backoff with full jitter (4, 8, 16 ... ms, at most 250): 50 writers racing on one item all
    // get through (test/api-concurrency.test.ts), also when each transactional write is slow (DynamoDB Local
    // on a loaded machine: with a 100 ms cap and 30 attempts, 4 of 50 gave up); about 4.5 s of waiting on average at most.
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(250, 4 * 2 ** i)));
  }
  throw new StoreError('CONFLICT', `${what} kept changing under concurrent writes; try again.`);
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
/** `<prefix><n random characters from [0-9a-z]>` (e.g. `ou-k3x9...`). */
export function randomId(prefix: string, n = 12): string {
  const bytes = randomBytes(n);
  let s = prefix;
  for (const b of bytes) s += ALPHABET[b % 36];
  return s;
}
