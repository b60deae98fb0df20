/**
 * Recording use for unused access: the decision path reports the actions a by-reference evaluation allowed
 * (lib/decision/account.ts, lib/decision/usage.ts), never inline what-ifs, explanations or denials; the
 * write-behind (store/usage-writer.ts) writes at most once per principal, action and hour (a bounded memo),
 * never makes an answer wait, swallows and counts its failures, bounds the writes in flight, and lets the
 * batch wait a bounded time for them. The conditional write itself and its TTL: test/store-usage.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { createAccountDecisions } from '../lib/decision/account.js';
import { MemoryPolicySetSource } from '../lib/decision/memory-source.js';
import type { LoadedPolicies } from '../lib/decision/source.js';
import type { UsagePrincipal, UsageRecorder } from '../lib/decision/usage.js';
import { createUsageWriter, type UsageWrite } from '../store/usage-writer.js';

const HOUR = 3_600_000;
const T = Date.parse('2026-12-06T10:17:00Z');
const doc = JSON.stringify({
  Version: '5.0',
  Statement: [
    { Effect: 'Allow', Action: ['ims:images:list', 'ims:images:get'], Resource: ['*'] },
    { Effect: 'Deny', Action: ['ims:images:deleteImage'], Resource: ['*'] },
  ],
});
const aliceSet: Omit<LoadedPolicies, 'stamp'> = {
  principal: { type: 'user', id: 'alice', name: 'alice' },
  groups: [],
  grants: [{ grant_id: 'g-1', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' }, policy_id: 'p-1', version: 'v1', document: doc }],
  organization: null,
};
const alice: UsagePrincipal = { account_id: 'acc-1', type: 'user', id: 'alice' };

function decisionsWith(usage: UsageRecorder, now = () => T) {
  const source = new MemoryPolicySetSource();
  source.put('acc-1', { user_id: 'alice' }, aliceSet);
  source.put('acc-1', { agency: 'ops' }, { ...aliceSet, principal: { type: 'agency', id: 'ops' }, grants: aliceSet.grants.map((g) => ({ ...g, principal: { type: 'agency' as const, id: 'ops' } })) });
  return createAccountDecisions(async () => source, { now, usage });
}

const calls = () => {
  const seen: Array<[string, string, number]> = [];
  const recorder: UsageRecorder = { onAllowed: (p, action, at) => void seen.push([`${p.type}:${p.id}@${p.account_id}`, action, at]) };
  return { seen, recorder };
};

describe('the decision path reports what a by-reference evaluation allowed', () => {
  it('each allowed action of the principal, at the decision time; denied actions are not reported', async () => {
    const { seen, recorder } = calls();
    const d = decisionsWith(recorder);
    const r = await d.decide(
      'acc-1',
      { principal: { account_id: 'acc-1', user_id: 'alice' }, actions: ['ims:images:list', 'ims:images:get', 'ims:images:deleteImage'], region: 'cn-north-4' },
      'evaluate',
    );
    expect('decision' in r && r.decision).toBe('deny');
    expect(seen).toEqual([
      ['user:alice@acc-1', 'ims:images:list', T],
      ['user:alice@acc-1', 'ims:images:get', T],
    ]);
    await d.decide('acc-1', { principal: { account_id: 'acc-1', agency: 'ops' }, action: 'ims:images:list', region: 'cn-north-4' }, 'evaluate');
    expect(seen.at(-1)).toEqual(['agency:ops@acc-1', 'ims:images:list', T]);
  });

  it('explain, inline what-ifs and denials are not usage', async () => {
    const { seen, recorder } = calls();
    const d = decisionsWith(recorder);
    await d.decide('acc-1', { principal: { account_id: 'acc-1', user_id: 'alice' }, action: 'ims:images:list', region: 'cn-north-4' }, 'explain');
    const inline = { principal: { account_id: 'acc-1', user_id: 'alice' }, action: 'ims:images:list', policies: [{ id: 'p', document: doc }] };
    expect((await d.decide('acc-1', inline, 'evaluate')) as { decision: string }).toMatchObject({ decision: 'allow' });
    await d.decide('acc-1', { principal: { account_id: 'acc-1', user_id: 'alice' }, action: 'ims:images:deleteImage', region: 'cn-north-4' }, 'evaluate');
    expect(seen).toEqual([]);
  });

  it("the authorizer's path (evaluateStored) reports too; a recorder that throws changes no decision", async () => {
    const { seen, recorder } = calls();
    const d = decisionsWith(recorder);
    const loaded = await d.evaluatorFor('acc-1', { user_id: 'alice' });
    const r = d.evaluateStored(loaded, { principal: { account_id: 'acc-1' }, action: 'ims:images:get', region: 'cn-north-4' });
    expect('decision' in r && r.decision).toBe('allow');
    expect(seen).toEqual([['user:alice@acc-1', 'ims:images:get', T]]);
    const broken = decisionsWith({
      onAllowed: () => {
        throw new Error('boom');
      },
    });
    const again = await broken.decide('acc-1', { principal: { account_id: 'acc-1', user_id: 'alice' }, action: 'ims:images:get', region: 'cn-north-4' }, 'evaluate');
    expect('decision' in again && again.decision).toBe('allow');
  });
});

describe('the write-behind (store/usage-writer.ts)', () => {
  const writerWith = (write: UsageWrite, options: Parameters<typeof createUsageWriter>[0] = {}) => createUsageWriter({ ...options, write: async () => write });

  it('writes once per principal, action and hour: the memo holds the rest of the hour back', async () => {
    const write = vi.fn<UsageWrite>(async () => true);
    const w = writerWith(write);
    w.onAllowed(alice, 'ims:images:list', T);
    w.onAllowed(alice, 'ims:images:list', T + 10 * 60_000);
    w.onAllowed(alice, 'ims:images:list', T - HOUR); // an older hour: nothing to move forward
    w.onAllowed(alice, 'ims:images:get', T);
    w.onAllowed({ ...alice, account_id: 'acc-2' }, 'ims:images:list', T);
    expect(await w.settle(1_000)).toBe(true);
    expect(write).toHaveBeenCalledTimes(3);
    expect(w.stats).toMatchObject({ started: 3, written: 3, memo_hits: 2, failed: 0 });
    w.onAllowed(alice, 'ims:images:list', T + HOUR);
    await w.settle(1_000);
    expect(write).toHaveBeenCalledTimes(4);
    expect(write).toHaveBeenLastCalledWith('acc-1', { type: 'user', id: 'alice' }, 'ims:images:list', T + HOUR);
  });

  it('the memo is bounded: the least recently written entry goes first, and is written again', async () => {
    const write = vi.fn<UsageWrite>(async () => true);
    const w = writerWith(write, { maxEntries: 2 });
    for (const a of ['a:1', 'a:2', 'a:3', 'a:1']) w.onAllowed(alice, a, T);
    await w.settle(1_000);
    expect(write.mock.calls.map((c) => c[2])).toEqual(['a:1', 'a:2', 'a:3', 'a:1']);
  });

  it("a write held back by the table's condition counts as current, not failed", async () => {
    const w = writerWith(async () => false);
    w.onAllowed(alice, 'ims:images:list', T);
    await w.settle(1_000);
    expect(w.stats).toMatchObject({ started: 1, written: 0, current: 1, failed: 0 });
  });

  it('errors are swallowed: counted, told to onError, and the next decision tries again', async () => {
    const onError = vi.fn();
    let fail = true;
    const write = vi.fn<UsageWrite>(async () => {
      if (fail) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      return true;
    });
    const w = writerWith(write, { onError });
    expect(() => w.onAllowed(alice, 'ims:images:list', T)).not.toThrow();
    expect(await w.settle(1_000)).toBe(true);
    expect(w.stats.failed).toBe(1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ name: 'ThrottlingException' }));
    fail = false;
    w.onAllowed(alice, 'ims:images:list', T + 60_000);
    await w.settle(1_000);
    expect(write).toHaveBeenCalledTimes(2);
    expect(w.stats.written).toBe(1);
    // A write that throws synchronously, and a loader that fails, are swallowed too.
    const sync = createUsageWriter({
      write: () => {
        throw new Error('no module');
      },
    });
    expect(() => sync.onAllowed(alice, 'x', T)).not.toThrow();
    expect(sync.stats.failed).toBe(1);
    const rejected = createUsageWriter({ write: () => Promise.reject(new Error('no module')) });
    rejected.onAllowed(alice, 'x', T);
    await rejected.settle(1_000);
    expect(rejected.stats.failed).toBe(1);
  });

  it('never on the answer path: a write that never settles delays no decision; settle gives up after its bound', async () => {
    const w = writerWith(() => new Promise<boolean>(() => undefined));
    const d = decisionsWith(w);
    const started = Date.now();
    const r = await d.decide('acc-1', { principal: { account_id: 'acc-1', user_id: 'alice' }, action: 'ims:images:list', region: 'cn-north-4' }, 'evaluate');
    expect('decision' in r && r.decision).toBe('allow');
    expect(w.pending()).toBe(1);
    expect(await w.settle(50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('at most maxPending writes in flight: beyond, a use is dropped and counted', async () => {
    const w = writerWith(() => new Promise<boolean>(() => undefined), { maxPending: 2 });
    for (const a of ['a:1', 'a:2', 'a:3']) w.onAllowed(alice, a, T);
    expect(w.pending()).toBe(2);
    expect(w.stats.dropped).toBe(1);
  });
});
