/**
 * Security review (secreview): deleting a principal with more references than one transaction takes (more
 * than 49 memberships and grants) is done in several transactions (store/principals.ts deletePrincipal), the
 * references first, the principal last. Between them, and for good when a later transaction fails, the
 * principal exists with part of its references gone. Memberships go first: a group's Deny goes before the
 * principal's own Allow, so the principal is allowed what it was denied. docs/security.md: "a write answered
 * 503 happened entirely or not at all". Here the second transaction fails (the table times out): the DELETE
 * answered 503, and eve, denied deleteImage before, was allowed it after. Fixed: the first transaction marks
 * eve `deleting`, and the readers take such a user or agency as gone (404, nobody to allow).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let failAt = -1;
let calls = 0;
vi.mock('../store/transact.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../store/transact.js')>();
  return {
    ...m,
    transact: vi.fn(async (...args: Parameters<typeof m.transact>) => {
      if (failAt >= 0 && ++calls === failAt) throw Object.assign(new Error('simulated'), { name: 'TimeoutError' });
      return m.transact(...args);
    }),
  };
});

const { clearReferenceCache } = await import('../functions/shared/reference.js');
const { client, startLocalApi } = await import('./support/api.js');

const A = 'acc-sr-del';
let stop: () => Promise<void>;
let a: Awaited<ReturnType<typeof client>>;

beforeAll(async () => {
  ({ stop } = await startLocalApi('secreview-delete'));
  a = await client(A);
  const must = async (p: Promise<{ status: number; text: string }>, status: number): Promise<void> => {
    const r = await p;
    if (r.status !== status) throw new Error(`setup: ${r.status} ${r.text}`);
  };
  await must(a.post('/v1/users', { user_id: 'eve', name: 'eve' }), 201);
  const allow = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:deleteImage'], Resource: ['*'] }] };
  const deny = { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:deleteImage'], Resource: ['*'] }] };
  await must(a.post('/v1/policies', { policy_id: 'allow-delete', name: 'allow delete', type: 'identity', document: allow }), 201);
  await must(a.post('/v1/policies', { policy_id: 'deny-delete', name: 'deny delete', type: 'identity', document: deny }), 201);
  await must(a.post('/v1/grants', { policy_id: 'allow-delete', principal: { type: 'user', id: 'eve' }, scope: { type: 'global' } }), 201);
  // 49 groups (one transaction's worth of references), the first with the Deny.
  for (let i = 0; i < 49; i += 7) {
    await Promise.all(
      Array.from({ length: 7 }, async (_, j) => {
        const g = `g${String(i + j).padStart(2, '0')}`;
        await must(a.post('/v1/groups', { group_id: g, name: g }), 201);
        await must(a.put(`/v1/groups/${g}/members/eve`), 204);
      }),
    );
  }
  await must(a.post('/v1/grants', { policy_id: 'deny-delete', principal: { type: 'group', id: 'g00' }, scope: { type: 'global' } }), 201);
}, 120_000);
afterAll(async () => stop?.());

async function decision(): Promise<{ status: number; decision?: string }> {
  clearReferenceCache();
  const r = await a.post('/v1/evaluate', { principal: { account_id: A, user_id: 'eve' }, action: 'ims:images:deleteImage', resource: `ims:cn-north-4:${A}:image:x`, region: 'cn-north-4' });
  return { status: r.status, decision: r.json?.decision };
}

describe('deleting a principal in several transactions', () => {
  it('a DELETE answered 503 leaves eve with no more access than before (it is all or nothing)', async () => {
    expect(await decision()).toEqual({ status: 200, decision: 'deny' });
    calls = 0;
    failAt = 2; // the first transaction (49 memberships) goes through; the second (the Allow grant and eve) fails
    const del = await a.del('/v1/users/eve');
    failAt = -1;
    expect(del.status, del.text).toBe(503);
    const after = await decision();
    // Deleted (404: no such principal) or unchanged (deny); never allowed.
    expect(after.decision).not.toBe('allow');
    expect(after.status).toBe(404);
    // who-can does not list eve either; the DELETE again finishes the deletion.
    const who = await a.get('/v1/access/who-can?action=ims:images:deleteImage&resource=' + `ims:cn-north-4:${A}:image:x`);
    expect(who.json.principals.map((p: { principal: { id: string } }) => p.principal.id)).not.toContain('eve');
    expect((await a.del('/v1/users/eve')).status).toBe(204);
    expect((await a.get('/v1/users/eve')).status).toBe(404);
    expect((await a.post('/v1/users', { user_id: 'eve', name: 'eve' })).status).toBe(201);
    expect(await decision()).toEqual({ status: 200, decision: 'deny' });
  });
});
