/**
 * In-process dynalite for the store tests: one server and one table per test file (vitest runs each file
 * in its own worker, with its own store client), bound to 127.0.0.1 on a free port.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { startDynalite, type LocalDynamo } from '../../infra/local/dynalite.js';
import { STORE_ERROR_STATUS } from '../../functions/shared/http.js';
import type { Finding } from '../../lib/types.js';
import { resetClient } from '../../store/client.js';
import { StoreError, type StoreErrorCode } from '../../store/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Starts dynalite before the file's tests and stops it after; points the store at it. */
export function useLocalTable(name: string): { db: () => LocalDynamo } {
  let db: LocalDynamo | undefined;
  beforeAll(async () => {
    db = await startDynalite({ port: 0, tableName: `${name}-${process.pid}` });
    process.env.DYNAMODB_ENDPOINT = db.endpoint;
    process.env.POLICY_TABLE = db.tableName;
    resetClient();
  });
  afterAll(async () => {
    resetClient();
    await db?.close();
  });
  return { db: () => db as LocalDynamo };
}

/** A store refusal as the tests check it: the StoreError's fields, and the HTTP status the functions answer it with. */
export interface Refusal {
  code: StoreErrorCode;
  /** From STORE_ERROR_STATUS (functions/shared/http.ts): the store itself knows no HTTP status. */
  status: number;
  message: string;
  details: unknown;
  findings: Finding[] | undefined;
}

/** The StoreError a promise rejects with (fails the test if it resolves or rejects with anything else). */
export async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    return { code: e.code, status: STORE_ERROR_STATUS[e.code], message: e.message, details: e.details, findings: e.findings };
  }
  throw new Error('expected the store to refuse');
}

/** Every item of a paged listing, following next_cursor with `limit`. Also returns the number of pages. */
export async function allPages<T>(list: (page: { limit: number; cursor?: string }) => Promise<{ items: T[]; next_cursor: string | null }>, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list(cursor === undefined ? { limit } : { limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
    pages++;
    if (pages > 200) throw new Error('too many pages');
  } while (cursor);
  return { items, pages };
}

export const IDENTITY_ALLOW = '{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ims:*:*"]}]}';
export const IDENTITY_DENY_DELETE = '{"Version":"1.1","Statement":[{"Effect":"Deny","Action":["ims:images:delete"]}]}';
export const SCP_DENY_DELETE = '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:delete"],"Resource":["*"]}]}';
export const SCP_DENY_COPY = '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:copyInRegion"],"Resource":["*"]}]}';
