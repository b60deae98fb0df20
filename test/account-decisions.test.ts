/**
 * lib/decision/account.ts over the in-memory source: one decision path for stored principals, its cache
 * (stamp-checked on every request, max staleness, expiry, LRU bound), the stored facts replacing the
 * request's claims, and its refusals as codes (no HTTP).
 */
import { describe, expect, it } from 'vitest';
import { createAccountDecisions, DecisionError } from '../lib/decision/account.js';
import { MemoryPolicySetSource } from '../lib/decision/memory-source.js';
import type { LoadedPolicies } from '../lib/decision/source.js';

const doc = (effect: 'Allow' | 'Deny', action: string): string => JSON.stringify({ Version: '5.0', Statement: [{ Effect: effect, Action: [action], Resource: ['*'] }] });
const aliceSet = (document: string): Omit<LoadedPolicies, 'stamp'> => ({
  principal: { type: 'user', id: 'alice', name: 'alice' },
  groups: [],
  grants: [{ grant_id: 'g-1', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' }, policy_id: 'p-1', version: 'v1', document }],
  organization: null,
});
const REQ = { principal: { account_id: 'acc-1', user_id: 'alice' }, action: 'ims:images:list', region: 'cn-north-4' };

function setup(now = () => 0) {
  const source = new MemoryPolicySetSource();
  source.put('acc-1', { user_id: 'alice' }, aliceSet(doc('Allow', 'ims:images:list')));
  const decisions = createAccountDecisions(async () => source, { now });
  return { source, decisions };
}

async function decide(d: ReturnType<typeof setup>['decisions'], request: Record<string, unknown> = REQ): Promise<string> {
  const { evaluator, request: r } = await d.prepare('acc-1', request as never);
  const out = evaluator.evaluate(r);
  return 'error' in out ? out.error.code : out.decision;
}

describe('account decisions (lib/decision)', () => {
  it('loads once, then checks only the stamp; a write is seen by the next request', async () => {
    const { source, decisions } = setup();
    expect(await decide(decisions)).toBe('allow');
    expect(source.reads).toEqual({ loads: 1, stamps: 0 });
    expect(await decide(decisions)).toBe('allow');
    expect(source.reads).toEqual({ loads: 1, stamps: 1 });
    source.put('acc-1', { user_id: 'alice' }, aliceSet(doc('Deny', 'ims:images:list')));
    expect(await decide(decisions)).toBe('deny');
    expect(source.reads).toEqual({ loads: 2, stamps: 2 });
  });

  it('within max_staleness_ms a warm entry answers with no read; past it, the stamp is read', async () => {
    let t = 0;
    const { source, decisions } = setup(() => t);
    await decide(decisions);
    t = 1_000;
    await decide(decisions, { ...REQ, max_staleness_ms: 5_000 });
    expect(source.reads).toEqual({ loads: 1, stamps: 0 });
    t = 7_000;
    await decide(decisions, { ...REQ, max_staleness_ms: 5_000 });
    expect(source.reads).toEqual({ loads: 1, stamps: 1 });
    t = 40_000; // past the 30 s expiry: reloaded whatever the stamp
    await decide(decisions);
    expect(source.reads.loads).toBe(2);
  });

  it('the stored facts replace what the request claims about the principal', async () => {
    const { decisions } = setup();
    const { request } = await decisions.prepare('acc-1', { ...REQ, principal: { account_id: 'acc-1', user_id: 'alice', user_name: 'mallory', type: 'account' } } as never);
    expect(request.principal).toEqual({ type: 'user', account_id: 'acc-1', user_id: 'alice', user_name: 'alice' });
  });

  it('refuses with codes before any read: another account, a user and an agency, a bad max_staleness_ms', async () => {
    const { source, decisions } = setup();
    const code = async (request: Record<string, unknown>): Promise<string> =>
      decisions.prepare('acc-1', request as never).then(
        () => 'none',
        (e: unknown) => (e instanceof DecisionError ? e.code : String(e)),
      );
    expect(await code({ ...REQ, principal: { account_id: 'acc-2', user_id: 'alice' } })).toBe('NOT_FOUND');
    expect(await code({ ...REQ, principal: { user_id: 'alice', agency: 'x' } })).toBe('INVALID_REQUEST');
    expect(await code({ ...REQ, max_staleness_ms: 30_001 })).toBe('INVALID_REQUEST');
    expect(source.reads).toEqual({ loads: 0, stamps: 0 });
    expect(await code({ ...REQ, principal: { account_id: 'acc-1', user_id: 'bob' } })).toBe('NOT_FOUND');
  });

  it('a stored policy that no longer validates: STORED_POLICY_INVALID, never evaluated around', async () => {
    const { source, decisions } = setup();
    source.put('acc-1', { user_id: 'alice' }, aliceSet(doc('Allow', 'ims:images:dlete')));
    await expect(decisions.prepare('acc-1', REQ as never)).rejects.toMatchObject({ code: 'STORED_POLICY_INVALID' });
  });

  it('holds at most maxEntries principals (least recently used go first)', async () => {
    const source = new MemoryPolicySetSource();
    for (const u of ['a', 'b', 'c']) source.put('acc-1', { user_id: u }, { ...aliceSet(doc('Allow', 'ims:images:list')), principal: { type: 'user', id: u } });
    const decisions = createAccountDecisions(async () => source, { maxEntries: 2, now: () => 0 });
    for (const u of ['a', 'b', 'c', 'a']) await decisions.evaluatorFor('acc-1', { user_id: u });
    expect(source.reads.loads).toBe(4);
  });
});
