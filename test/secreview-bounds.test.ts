/**
 * Security review (secreview), bounds: the member accounts a preview or a write's delta reads are found by
 * walking the organization's tree (functions/shared/preview.ts `accountsUnder`). The walk is bounded by the
 * accounts it finds only, checked once a parent's children are all listed: the OUs it lists (each a Query,
 * with two reads of its own) and the time the reads take are not bounded. Here every listing is made slow
 * (40 ms) and the root has 40 empty OUs: the delta of a write, whose budget is 1.5 s "of reads and analysis"
 * (DELTA_BUDGET, docs/previews.md), spent more than 1.6 s listing them (fixed: the listing stops at the budget).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalApi } from './support/api.js';

vi.mock('../store/index.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../store/index.js')>();
  return {
    ...m,
    listChildren: vi.fn(async (...args: Parameters<typeof m.listChildren>) => {
      await new Promise((r) => setTimeout(r, 40));
      return m.listChildren(...args);
    }),
  };
});

const { createOrganization, createOu, listChildren } = await import('../store/index.js');
const { accountsBelow, accountsUnder, DELTA_BUDGET, deltaAfterWrite } = await import('../functions/shared/preview.js');

const M = 'acc-sr-mgmt';
let stop: () => Promise<void>;
let org: { org_id: string; root_id: string };

beforeAll(async () => {
  ({ stop } = await startLocalApi('secreview-bounds'));
  org = await createOrganization(M);
  for (let i = 0; i < 40; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => createOu(M, org.org_id, { parent_id: org.root_id, name: `ou-${i + j}` })));
}, 60_000);
afterAll(async () => stop?.());

describe('the delta of a write keeps to its budget while it reads the tree', () => {
  it('an SCP change at a root with 40 empty OUs: the delta answers (or is skipped) within its 1.5 s', async () => {
    const caller = { account_id: M, subject: M, scopes: new Set(['org:write']) };
    vi.mocked(listChildren).mockClear();
    const started = Date.now();
    const delta = await deltaAfterWrite(accountsBelow(caller, org.org_id, org.root_id), { kind: 'scp_detached', org_id: org.org_id, node_id: org.root_id, policy_id: 'none' });
    const took = Date.now() - started;
    expect(took).toBeLessThan(DELTA_BUDGET.ms + 600); // the budget, one listing in flight and the checks; the count below is the proof
    expect(delta).toMatchObject({ skipped: true, reason: expect.stringMatching(/within the budget/) });
    expect(vi.mocked(listChildren).mock.calls.length).toBeLessThan(41); // stopped before listing every OU
  });
});

describe('previews and who-can across the organization list the tree within their own bound', () => {
  it('a deadline reached mid-walk is a 400 with the code and the advice of the caller (not the Lambda timeout)', async () => {
    const caller = { account_id: M, subject: M, scopes: new Set(['org:write']) };
    vi.mocked(listChildren).mockClear();
    const err = await accountsUnder(caller, org.org_id, org.root_id, { code: 'ORGANIZATION_TOO_LARGE', deadline: Date.now() + 200, narrower: 'ask each member account (scope=account) instead' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ status: 400, code: 'ORGANIZATION_TOO_LARGE', message: expect.stringMatching(/within the budget: ask each member account/) });
    expect(vi.mocked(listChildren).mock.calls.length).toBeLessThan(41);
  });
});
