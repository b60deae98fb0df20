/**
 * 50 concurrent conflicting writers through the HTTP functions (each request its own API Gateway event,
 * served by the function ROUTES names, against DynamoDB Local): no lost update, no double create.
 *  - 50 PATCHes of one policy with the same If-Match: exactly one 200, 49 412;
 *  - 50 read-modify-write clients (GET, then PATCH with If-Match, again on 412), each adding its own mark to
 *    the description: all 50 marks there, the revision up by exactly 50;
 *  - 50 PATCHes without If-Match: each applied once (the revision up by exactly 50);
 *  - 50 new versions with the same If-Match: one 201, 49 412;
 *  - 50 users created at once, then 50 memberships of one group: all there;
 *  - the same user, the same grant, 50 times at once: one 201, 49 409.
 * The same over the local stack (serverless-offline, one worker per concurrent request) is in `npm run load`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { client, listAll, startLocalApi, type ApiReply, type Client } from './support/api.js';
import { remainingMs } from './support/events.js';

const N = 50;
const ACCOUNT = 'acc-concurrency';
const DOC = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Resource: ['*'] }] };

let stop: () => Promise<void>;
let a: Client;

beforeAll(async () => {
  // Correctness under 50 concurrent writers, not their speed: on a loaded 2-core machine the retries of 50
  // writers to one item through DynamoDB Local can outlast the functions' 10 s (npm run load measures time).
  remainingMs.value = 60_000;
  ({ stop } = await startLocalApi('api-concurrency'));
  a = await client(ACCOUNT);
});
afterAll(async () => {
  remainingMs.value = 10_000;
  await stop?.();
});
beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined); // decision log lines
});

const statuses = (replies: ApiReply[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of replies) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
};

async function newPolicy(id: string): Promise<{ etag: string; revision: number }> {
  const r = await a.post('/v1/policies', { policy_id: id, name: id, type: 'identity', description: 'start', document: DOC });
  expect(r.status, r.text).toBe(201);
  return { etag: r.headers.etag as string, revision: Number(JSON.parse(r.headers.etag as string)) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe(`${N} concurrent conflicting writers over the HTTP functions`, { timeout: 120_000 }, () => {
  it('the same If-Match: exactly one PATCH wins, the others get 412 and change nothing', async () => {
    const { etag, revision } = await newPolicy('p-same-etag');
    const replies = await Promise.all(Array.from({ length: N }, (_x, i) => a.patch('/v1/policies/p-same-etag', { description: `writer ${i}` }, { 'if-match': etag })));
    expect(statuses(replies)).toEqual({ 200: 1, 412: N - 1 });
    for (const r of replies.filter((x) => x.status === 412)) expect(r.json.error.code).toBe('PRECONDITION_FAILED');
    const winner = replies.find((r) => r.status === 200) as ApiReply;
    const after = await a.get('/v1/policies/p-same-etag');
    expect(after.json.description).toBe(winner.json.description);
    expect(after.headers.etag).toBe(`"${revision + 1}"`);
  });

  it('read-modify-write clients retrying on 412: every change is there (no lost update)', async () => {
    const { revision } = await newPolicy('p-rmw');
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: N }, async (_x, i) => {
        const mark = `w${String(i).padStart(2, '0')}`;
        for (let attempt = 1; ; attempt++) {
          const current = await a.get('/v1/policies/p-rmw');
          expect(current.status).toBe(200);
          const r = await a.patch('/v1/policies/p-rmw', { description: `${current.json.description} ${mark}` }, { 'if-match': current.headers.etag as string });
          if (r.status === 200) return;
          expect(r.status, r.text).toBe(412);
          conflicts++;
          if (attempt > 500) throw new Error(`${mark} never got through`);
          await sleep(Math.random() * Math.min(1_000, 10 * 2 ** attempt)); // exponential backoff, full jitter
        }
      }),
    );
    const after = await a.get('/v1/policies/p-rmw');
    const marks = (after.json.description as string).split(' ').slice(1);
    expect(marks.sort()).toEqual(Array.from({ length: N }, (_x, i) => `w${String(i).padStart(2, '0')}`));
    expect(after.headers.etag).toBe(`"${revision + N}"`);
    expect(conflicts).toBeGreaterThan(0); // they did conflict
    console.info(`${N} read-modify-write clients: ${conflicts} 412s on the way`);
  });

  it('without If-Match: each of the 50 PATCHes is applied once', async () => {
    const { revision } = await newPolicy('p-no-etag');
    const replies = await Promise.all(Array.from({ length: N }, (_x, i) => a.patch('/v1/policies/p-no-etag', { description: `writer ${i}` })));
    expect(statuses(replies)).toEqual({ 200: N });
    // Every reply shows a distinct revision: no two writes were merged or lost.
    expect(new Set(replies.map((r) => r.headers.etag)).size).toBe(N);
    expect((await a.get('/v1/policies/p-no-etag')).headers.etag).toBe(`"${revision + N}"`);
  });

  it('new versions with the same If-Match: one 201, the others 412; the policy has two versions', async () => {
    const { etag } = await newPolicy('p-versions');
    const replies = await Promise.all(Array.from({ length: N }, () => a.post('/v1/policies/p-versions/versions', { document: DOC }, { 'if-match': etag })));
    expect(statuses(replies)).toEqual({ 201: 1, 412: N - 1 });
    expect((await a.get('/v1/policies/p-versions')).json.versions.map((v: { version_id: string }) => v.version_id)).toEqual(['v1', 'v2']);
  });

  it('50 users at once, then 50 memberships of one group at once: all of them there', async () => {
    expect((await a.post('/v1/groups', { group_id: 'g-race', name: 'race' })).status).toBe(201);
    const users = Array.from({ length: N }, (_x, i) => `u-race-${i}`);
    expect(statuses(await Promise.all(users.map((u) => a.post('/v1/users', { user_id: u, name: u }))))).toEqual({ 201: N });
    expect(statuses(await Promise.all(users.map((u) => a.put(`/v1/groups/g-race/members/${u}`))))).toEqual({ 204: N });
    const members = await listAll(a, '/v1/groups/g-race/members', 100);
    expect(members.items.map((m: { user_id: string }) => m.user_id).sort()).toEqual([...users].sort());
  });

  it('the same user and the same grant created 50 times at once: one 201, 49 409', async () => {
    expect(statuses(await Promise.all(Array.from({ length: N }, () => a.post('/v1/users', { user_id: 'u-twin', name: 'twin' }))))).toEqual({ 201: 1, 409: N - 1 });
    const grant = { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'user', id: 'u-twin' }, scope: { type: 'global' } };
    expect(statuses(await Promise.all(Array.from({ length: N }, () => a.post('/v1/grants', grant))))).toEqual({ 201: 1, 409: N - 1 });
    expect((await a.get('/v1/grants?principal_type=user&principal_id=u-twin')).json.items).toHaveLength(1);
  });
});
