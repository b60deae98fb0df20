/**
 * The lifecycle of every stored entity over HTTP: the real functions, called in-process with API Gateway
 * events, against a table of its own on DynamoDB Local. Policies and their versions (ETag / If-Match, 412 on a stale
 * write, at most 5 versions, validation on write, 409 while attached unless ?detach=true), users, groups,
 * memberships, agencies, grants, organizations (OUs, accounts, SCP attachments, the last-SCP rule), and
 * concurrent conflicting writers.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { client, join, listAll, seg, startLocalApi, type Client } from './support/api.js';

const ACCOUNT = 'acc-life';
let stop: () => Promise<void>;
let api: Client;

beforeAll(async () => {
  ({ stop } = await startLocalApi('api-lifecycle'));
  api = await client(ACCOUNT);
});
afterAll(async () => stop?.());
beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

const doc = (actions: string[], effect: 'Allow' | 'Deny' = 'Allow'): object => ({ Version: '5.0', Statement: [{ Effect: effect, Action: actions }] });
const LIST = doc(['ims:images:list']);
const scpDeny = (actions: string[]): object => ({ Version: '5.0', Statement: [{ Effect: 'Deny', Action: actions, Resource: ['*'] }] });

async function createPolicy(c: Client, body: Record<string, unknown>): Promise<any> {
  const r = await c.post('/v1/policies', { type: 'identity', ...body });
  expect(r.status, r.text).toBe(201);
  return r.json.policy;
}

describe('policies', () => {
  it('create: 201 with the ETag and Location, validated on write (warnings kept)', async () => {
    const r = await api.post('/v1/policies', { policy_id: 'p-life', name: 'Life', type: 'identity', description: 'first', document: LIST });
    expect(r.status, r.text).toBe(201);
    expect(r.json.policy).toMatchObject({ account_id: ACCOUNT, policy_id: 'p-life', name: 'Life', type: 'identity', description: 'first', default_version: 'v1', revision: 1 });
    expect(r.headers.etag).toBe(r.json.policy.etag);
    expect(r.headers.location).toBe('/v1/policies/p-life');
    expect(Array.isArray(r.json.findings)).toBe(true);

    const again = await api.post('/v1/policies', { policy_id: 'p-life', name: 'Impostor', type: 'identity', document: LIST });
    expect(again.status).toBe(409);
    expect((await api.get('/v1/policies/p-life')).json.name).toBe('Life');
  });

  it('get: 200 with the versions and the ETag; unknown -> 404', async () => {
    const r = await api.get('/v1/policies/p-life');
    expect(r.status).toBe(200);
    expect(r.headers.etag).toBe(r.json.etag);
    expect(r.json.versions).toEqual([expect.objectContaining({ version_id: 'v1', is_default: true })]);
    expect(JSON.parse(r.json.versions[0].document)).toEqual(LIST);
    const missing = await api.get('/v1/policies/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('NOT_FOUND');
  });

  it('invalid document -> 422 INVALID_POLICY with the findings, nothing written', async () => {
    const bad = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:dlete'] }] };
    const r = await api.post('/v1/policies', { policy_id: 'p-bad', name: 'Bad', type: 'identity', document: bad });
    expect(r.status, r.text).toBe(422);
    expect(r.json.error.code).toBe('INVALID_POLICY');
    expect(JSON.stringify(r.json.error.details)).toContain('UNKNOWN_ACTION');
    expect((await api.get('/v1/policies/p-bad')).status).toBe(404);

    const v = await api.post('/v1/policies/p-life/versions', { document: bad });
    expect(v.status, v.text).toBe(422);
    expect(JSON.stringify(v.json.error.details)).toContain('UNKNOWN_ACTION');
    expect((await api.get('/v1/policies/p-life')).json.versions).toHaveLength(1);
  });

  it('a 1.1 policy naming an IMS resource cannot exist: 422 on create and on a new version, the fix in the finding', async () => {
    const narrowed = { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'], Resource: ['ims:cn-north-4:acc-1:image:img-1'] }] };
    const r = await api.post('/v1/policies', { policy_id: 'p-v11-res', name: 'narrowed', type: 'identity', document: narrowed });
    expect(r.status, r.text).toBe(422);
    expect(r.json.error.code).toBe('INVALID_POLICY');
    const finding = (r.json.error.details as Array<{ code: string; severity: string; path: string; message: string; suggestions?: string[] }>).find((f) => f.code === 'V11_RESOURCE_NOT_SUPPORTED');
    expect(finding).toMatchObject({ severity: 'error', path: '/Statement/0/Resource/0', suggestions: ['*'] });
    expect(finding?.message).toContain('5.0');
    expect((await api.get('/v1/policies/p-v11-res')).status).toBe(404);

    const v = await api.post('/v1/policies/p-life/versions', { document: narrowed });
    expect(v.status, v.text).toBe(422);
    expect(JSON.stringify(v.json.error.details)).toContain('V11_RESOURCE_NOT_SUPPORTED');
    expect((await api.get('/v1/policies/p-life')).json.versions).toHaveLength(1);

    // "*" is what an absent Resource means: accepted.
    const star = await api.post('/v1/policies', { policy_id: 'p-v11-star', name: 'star', type: 'identity', document: { ...narrowed, Statement: [{ ...narrowed.Statement[0], Resource: ['*'] }] } });
    expect(star.status, star.text).toBe(201);
  });

  it('list: pages with a cursor, system policies included, ?type= filters', async () => {
    for (const n of ['alpha', 'bravo', 'charlie', 'delta']) await createPolicy(api, { policy_id: `p-${n}`, name: n, document: LIST });
    // SCPs belong to an organization: only a management account creates them.
    expect((await api.post('/v1/organizations')).status).toBe(201);
    await createPolicy(api, { policy_id: 'scp-life', name: 'scp life', type: 'scp', document: scpDeny(['ims:images:delete']) });

    const { items, pages } = await listAll(api, '/v1/policies', 2);
    expect(pages).toBeGreaterThanOrEqual(3);
    const ids = items.map((p) => p.policy_id);
    expect(new Set(ids).size).toBe(ids.length); // no item twice across pages
    for (const id of ['p-life', 'p-alpha', 'p-bravo', 'p-charlie', 'p-delta', 'scp-life']) expect(ids).toContain(id);
    for (const id of ['system:IMS-FullAccess', 'system:IMS-ReadOnlyAccess', 'system:FullAccess']) expect(ids).toContain(id);
    for (const p of items) expect(p).not.toHaveProperty('versions');

    const scps = await listAll(api, '/v1/policies?type=scp');
    expect(scps.items.every((p) => p.type === 'scp')).toBe(true);
    expect(scps.items.map((p) => p.policy_id)).toEqual(expect.arrayContaining(['scp-life', 'system:FullAccess']));
    const identity = await listAll(api, '/v1/policies?type=identity', 2);
    expect(identity.items.every((p) => p.type === 'identity')).toBe(true);
    expect(identity.items.map((p) => p.policy_id)).toEqual(expect.arrayContaining(['p-life', 'p-delta', 'system:IMS-ReadOnlyAccess']));
    expect(identity.items.map((p) => p.policy_id)).not.toContain('scp-life');

    expect((await api.get('/v1/policies?type=role')).status).toBe(400);
    expect((await api.get('/v1/policies?limit=0')).status).toBe(400);
    expect((await api.get('/v1/policies?cursor=garbage!')).status).toBe(400);
  });

  it('PATCH with If-Match: 200 and a new ETag; a stale If-Match -> 412 and nothing changes', async () => {
    const before = await api.get('/v1/policies/p-life');
    const etag = before.headers.etag as string;
    const r = await api.patch('/v1/policies/p-life', { name: 'Life renamed', description: 'second' }, { 'if-match': etag });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ name: 'Life renamed', description: 'second', revision: before.json.revision + 1 });
    expect(r.headers.etag).toBe(r.json.etag);
    expect(r.headers.etag).not.toBe(etag);

    expect((await api.patch('/v1/policies/nothing-here', { name: 'x' }, { 'if-match': etag })).status).toBe(404);
    expect((await api.patch('/v1/policies/p-life', { name: 'x' }, { 'if-match': 'not-an-etag' })).status).toBe(400);
    const stale = await api.patch('/v1/policies/p-life', { name: 'Lost update' }, { 'if-match': etag });
    expect(stale.status, stale.text).toBe(412);
    const after = await api.get('/v1/policies/p-life');
    expect(after.json).toMatchObject({ name: 'Life renamed', description: 'second', revision: r.json.revision });

    // The bare revision works as well as the quoted ETag.
    const bare = await api.patch('/v1/policies/p-life', { description: 'third' }, { 'if-match': String(after.json.revision) });
    expect(bare.status, bare.text).toBe(200);
    expect(bare.json.description).toBe('third');
    // The renamed policy is listed under its new name.
    const listed = (await listAll(api, '/v1/policies?type=identity')).items.find((p) => p.policy_id === 'p-life');
    expect(listed?.name).toBe('Life renamed');
  });

  it('versions: up to 5 (If-Match), then 409; set default; delete a version; ids never reused', async () => {
    let etag = (await api.get('/v1/policies/p-life')).headers.etag as string;
    for (const n of [2, 3, 4, 5]) {
      const r = await api.post('/v1/policies/p-life/versions', { document: doc(['ims:images:list', `ims:images:get`]) }, { 'if-match': etag });
      expect(r.status, r.text).toBe(201);
      expect(r.json.policy.versions.map((v: { version_id: string }) => v.version_id)).toContain(`v${n}`);
      expect(r.json.policy.default_version).toBe('v1');
      expect(r.headers.etag).toBe(r.json.policy.etag);
      etag = r.headers.etag as string;
    }
    const sixth = await api.post('/v1/policies/p-life/versions', { document: LIST }, { 'if-match': etag });
    expect(sixth.status, sixth.text).toBe(409);
    const staleVersion = await api.post('/v1/policies/p-life/versions', { document: LIST }, { 'if-match': '"1"' });
    expect(staleVersion.status).toBe(412);

    const v3 = await api.get('/v1/policies/p-life/versions/v3');
    expect(v3.status).toBe(200);
    expect(JSON.stringify(v3.json)).toContain('ims:images:get');
    expect((await api.get('/v1/policies/p-life/versions/v9')).status).toBe(404);

    const staleDefault = await api.put('/v1/policies/p-life/default_version', { version_id: 'v3' }, { 'if-match': '"1"' });
    expect(staleDefault.status).toBe(412);
    const setDefault = await api.put('/v1/policies/p-life/default_version', { version_id: 'v3' }, { 'if-match': etag });
    expect(setDefault.status, setDefault.text).toBe(200);
    expect(setDefault.json.default_version).toBe('v3');
    expect(setDefault.json.versions.find((v: { is_default: boolean }) => v.is_default).version_id).toBe('v3');
    etag = setDefault.headers.etag as string;
    expect((await api.put('/v1/policies/p-life/default_version', { version_id: 'v9' }, { 'if-match': etag })).status).toBe(404);

    expect((await api.del('/v1/policies/p-life/versions/v2', { 'if-match': '"1"' })).status).toBe(412);
    const delDefault = await api.del('/v1/policies/p-life/versions/v3');
    expect(delDefault.status, delDefault.text).toBe(409);
    const del = await api.del('/v1/policies/p-life/versions/v2');
    expect(del.status, del.text).toBe(200);
    expect(del.json.versions.map((v: { version_id: string }) => v.version_id)).toEqual(['v1', 'v3', 'v4', 'v5']);
    expect((await api.get('/v1/policies/p-life/versions/v2')).status).toBe(404);

    const next = await api.post('/v1/policies/p-life/versions', { document: LIST }, { 'if-match': del.headers.etag as string });
    expect(next.status, next.text).toBe(201);
    expect(next.json.policy.versions.map((v: { version_id: string }) => v.version_id)).toEqual(['v1', 'v3', 'v4', 'v5', 'v6']);
  });

  it('system policies are read-only', async () => {
    expect((await api.get(`/v1/policies/${seg('system:IMS-FullAccess')}`)).status).toBe(200);
    const patch = await api.patch(`/v1/policies/${seg('system:IMS-FullAccess')}`, { name: 'mine now' });
    expect(patch.status).toBe(403);
    expect(patch.json.error.code).toBe('READ_ONLY');
    expect((await api.del(`/v1/policies/${seg('system:IMS-FullAccess')}`)).status).toBe(403);
    expect((await api.post(`/v1/policies/${seg('system:IMS-FullAccess')}/versions`, { document: LIST })).status).toBe(403);
    expect((await api.get(`/v1/policies/${seg('system:IMS-FullAccess')}`)).json.name).toBe('IMS FullAccess');
  });

  it('delete: 409 while granted; ?detach=true deletes the policy and its grants (204)', async () => {
    const p = await createPolicy(api, { policy_id: 'p-attached', name: 'attached', document: LIST });
    expect((await api.post('/v1/users', { user_id: 'u-del', name: 'Deletion tester' })).status).toBe(201);
    const g = await api.post('/v1/grants', { policy_id: p.policy_id, principal: { type: 'user', id: 'u-del' }, scope: { type: 'global' } });
    expect(g.status, g.text).toBe(201);

    const refused = await api.del('/v1/policies/p-attached');
    expect(refused.status, refused.text).toBe(409);
    expect((await api.get('/v1/policies/p-attached')).status).toBe(200);
    expect((await api.get(`/v1/grants/${seg(g.json.grant_id)}`)).status).toBe(200);

    const detached = await api.del('/v1/policies/p-attached?detach=true');
    expect(detached.status, detached.text).toBe(204);
    expect((await api.get('/v1/policies/p-attached')).status).toBe(404);
    expect((await api.get(`/v1/grants/${seg(g.json.grant_id)}`)).status).toBe(404);
    expect((await api.get('/v1/grants?policy_id=p-attached')).json.items).toEqual([]);
    expect((await api.del('/v1/policies/p-attached')).status).toBe(404);

    // An unattached policy deletes without ?detach; a stale If-Match on delete -> 412.
    const q = await createPolicy(api, { policy_id: 'p-free', name: 'free', document: LIST });
    expect((await api.del('/v1/policies/p-free', { 'if-match': '"99"' })).status).toBe(412);
    expect((await api.del('/v1/policies/p-free', { 'if-match': q.etag })).status).toBe(204);
  });

  it('an SCP attached to an organization node cannot be deleted without ?detach=true', async () => {
    const owner = await client('acc-scp-owner');
    const org = await owner.post('/v1/organizations');
    expect(org.status, org.text).toBe(201);
    const orgId = org.json.org_id as string;
    const rootId = org.json.root_id as string;
    await createPolicy(owner, { policy_id: 'scp-held', name: 'held', type: 'scp', document: scpDeny(['ims:images:delete']) });
    expect((await owner.post(`/v1/organizations/${orgId}/scp/enable`)).status).toBe(200);
    expect((await owner.put(`/v1/organizations/${orgId}/nodes/${rootId}/policies/scp-held`)).status).toBe(204);
    expect((await owner.del('/v1/policies/scp-held')).status).toBe(409);
    expect((await owner.del('/v1/policies/scp-held?detach=true')).status).toBe(204);
    const attached = await owner.get(`/v1/organizations/${orgId}/nodes/${rootId}/policies`);
    expect(attached.json.items.map((a: { policy_id: string }) => a.policy_id)).toEqual(['system:FullAccess']);
    expect((await owner.get('/v1/policies/scp-held')).status).toBe(404);

    // ?detach=true never leaves a node without an SCP: refused (409) when the policy is a node's last one.
    const ou = (await owner.post(`/v1/organizations/${orgId}/ous`, { parent_id: rootId, name: 'only custom' })).json.node_id as string;
    await createPolicy(owner, { policy_id: 'scp-only', name: 'only', type: 'scp', document: scpDeny(['ims:images:share']) });
    expect((await owner.put(`/v1/organizations/${orgId}/nodes/${ou}/policies/scp-only`)).status).toBe(204);
    expect((await owner.put(`/v1/organizations/${orgId}/nodes/${rootId}/policies/scp-only`)).status).toBe(204);
    expect((await owner.del(`/v1/organizations/${orgId}/nodes/${ou}/policies/${seg('system:FullAccess')}`)).status).toBe(204);
    const refused = await owner.del('/v1/policies/scp-only?detach=true');
    expect(refused.status, refused.text).toBe(409);
    expect((await owner.get('/v1/policies/scp-only')).status).toBe(200);
    for (const node of [ou, rootId]) {
      const r = await owner.get(`/v1/organizations/${orgId}/nodes/${node}/policies`);
      expect(r.json.items.map((a: { policy_id: string }) => a.policy_id)).toContain('scp-only');
    }
  });
});

describe('concurrent conflicting updates', () => {
  it('20 PATCHes with the same If-Match: exactly one 200, nineteen 412, the winner is what is stored', async () => {
    const p = await createPolicy(api, { policy_id: 'p-race', name: 'race', document: LIST });
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => api.patch('/v1/policies/p-race', { name: `writer-${i}` }, { 'if-match': p.etag })));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const winner = replies.find((r) => r.status === 200)!;
    const stored = await api.get('/v1/policies/p-race');
    expect(stored.json.name).toBe(winner.json.name);
    expect(stored.json.revision).toBe(p.revision + 1);
    expect(stored.headers.etag).toBe(winner.headers.etag);
  });

  it('20 read-modify-write writers with retries: one winner per revision, no update lost', async () => {
    const p = await createPolicy(api, { policy_id: 'p-rmw', name: 'rmw', description: '', document: LIST });
    const winsPerRevision = new Map<number, number>();
    let conflicts = 0;
    const writer = async (i: number): Promise<void> => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const cur = await api.get('/v1/policies/p-rmw');
        const r = await api.patch('/v1/policies/p-rmw', { description: `${cur.json.description ?? ''}w${i};` }, { 'if-match': cur.headers.etag as string });
        if (r.status === 200) {
          winsPerRevision.set(r.json.revision, (winsPerRevision.get(r.json.revision) ?? 0) + 1);
          return;
        }
        expect(r.status, r.text).toBe(412);
        conflicts++;
      }
      throw new Error(`writer ${i} never won`);
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer(i)));
    const stored = (await api.get('/v1/policies/p-rmw')).json;
    expect(stored.revision).toBe(p.revision + 20);
    expect([...winsPerRevision.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => p.revision + 1 + i));
    expect([...winsPerRevision.values()].every((n) => n === 1)).toBe(true);
    const tokens = (stored.description as string).split(';').filter(Boolean).sort();
    expect(tokens).toEqual(Array.from({ length: 20 }, (_, i) => `w${i}`).sort());
    expect(conflicts).toBeGreaterThan(0);
  });

  it('20 concurrent grants and memberships of one group: all 20 kept', async () => {
    expect((await api.post('/v1/groups', { group_id: 'crowd', name: 'Crowd' })).status).toBe(201);
    const users = Array.from({ length: 20 }, (_, i) => `crowd-${i}`);
    await Promise.all(users.map((u) => api.post('/v1/users', { user_id: u, name: u })));
    const added = await Promise.all(users.map((u) => api.put(`/v1/groups/crowd/members/${u}`)));
    expect(added.map((r) => r.status)).toEqual(users.map(() => 204));
    const grants = await Promise.all(users.map((u) => api.post('/v1/grants', { policy_id: 'p-race', principal: { type: 'user', id: u }, scope: { type: 'global' } })));
    expect(grants.map((r) => r.status)).toEqual(users.map(() => 201));
    expect((await listAll(api, '/v1/groups/crowd/members', 7)).items.map((m) => m.user_id).sort()).toEqual([...users].sort());
    expect((await listAll(api, '/v1/grants?policy_id=p-race', 7)).items).toHaveLength(20);
  });

  it('20 concurrent version creations with the same If-Match: one 201, the rest 412, one version added', async () => {
    const p = await createPolicy(api, { policy_id: 'p-race-v', name: 'race versions', document: LIST });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api.post('/v1/policies/p-race-v/versions', { document: doc(['ims:images:list', i % 2 ? 'ims:images:get' : 'ims:images:delete']) }, { 'if-match': p.etag })),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 412)).toHaveLength(19);
    const stored = (await api.get('/v1/policies/p-race-v')).json;
    expect(stored.versions.map((v: { version_id: string }) => v.version_id)).toEqual(['v1', 'v2']);
    expect(stored.versions[1].document).toBe(replies.find((r) => r.status === 201)!.json.policy.versions[1].document);
  });
});

describe('users, groups, memberships, agencies', () => {
  it('users: create 201, duplicate 409, get, list with pagination, 404 when unknown', async () => {
    for (const id of ['alice', 'bob', 'carol']) {
      const r = await api.post('/v1/users', { user_id: id, name: id.toUpperCase() });
      expect(r.status, r.text).toBe(201);
      expect(r.json).toMatchObject({ user_id: id, name: id.toUpperCase() });
    }
    expect((await api.post('/v1/users', { user_id: 'alice', name: 'Other Alice' })).status).toBe(409);
    const alice = await api.get('/v1/users/alice');
    expect(alice.status).toBe(200);
    expect(alice.json.name).toBe('ALICE');
    const { items, pages } = await listAll(api, '/v1/users', 2);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(items.map((u) => u.user_id)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));
    expect(new Set(items.map((u) => u.user_id)).size).toBe(items.length);
    expect((await api.get('/v1/users/nobody')).status).toBe(404);
    expect((await api.post('/v1/users', { user_id: 'bad id', name: 'x' })).status).toBe(400);
    expect((await api.post('/v1/users', { user_id: 'x' })).status).toBe(400);
  });

  it('groups and memberships: add (204), list both ways, remove; unknown user or group -> 404', async () => {
    const g = await api.post('/v1/groups', { group_id: 'devs', name: 'Developers', description: 'the devs' });
    expect(g.status, g.text).toBe(201);
    expect(g.json).toMatchObject({ group_id: 'devs', name: 'Developers' });
    expect((await api.post('/v1/groups', { group_id: 'ops', name: 'Operators' })).status).toBe(201);
    expect((await api.post('/v1/groups', { group_id: 'devs', name: 'Again' })).status).toBe(409);
    expect((await api.get('/v1/groups/devs')).json.name).toBe('Developers');
    expect((await listAll(api, '/v1/groups', 1)).items.map((x) => x.group_id)).toEqual(expect.arrayContaining(['devs', 'ops']));

    expect((await api.put('/v1/groups/devs/members/alice')).status).toBe(204);
    expect((await api.put('/v1/groups/devs/members/bob')).status).toBe(204);
    expect((await api.put('/v1/groups/ops/members/alice')).status).toBe(204);
    expect((await api.put('/v1/groups/devs/members/alice')).status).toBe(204); // idempotent
    expect((await api.put('/v1/groups/devs/members/nobody')).status).toBe(404);
    expect((await api.put('/v1/groups/nogroup/members/alice')).status).toBe(404);

    const members = await listAll(api, '/v1/groups/devs/members', 1);
    expect(members.items.map((m) => m.user_id).sort()).toEqual(['alice', 'bob']);
    const groups = await api.get('/v1/users/alice/groups');
    expect(groups.status).toBe(200);
    expect(groups.json.items.map((x: { group_id: string }) => x.group_id).sort()).toEqual(['devs', 'ops']);
    expect((await api.get('/v1/users/nobody/groups')).status).toBe(404);
    expect((await api.get('/v1/groups/nogroup/members')).status).toBe(404);

    expect((await api.del('/v1/groups/ops/members/alice')).status).toBe(204);
    expect((await api.get('/v1/users/alice/groups')).json.items.map((x: { group_id: string }) => x.group_id)).toEqual(['devs']);
    expect((await api.del('/v1/groups/ops/members/alice')).status).toBe(404);
  });

  it('deleting a user removes its memberships and grants', async () => {
    expect((await api.post('/v1/users', { user_id: 'dave', name: 'Dave' })).status).toBe(201);
    expect((await api.put('/v1/groups/devs/members/dave')).status).toBe(204);
    const g = await api.post('/v1/grants', { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'user', id: 'dave' }, scope: { type: 'all_projects' } });
    expect(g.status, g.text).toBe(201);
    expect((await api.del('/v1/users/dave')).status).toBe(204);
    expect((await api.get('/v1/users/dave')).status).toBe(404);
    expect((await listAll(api, '/v1/groups/devs/members')).items.map((m) => m.user_id)).not.toContain('dave');
    expect((await api.get(`/v1/grants/${seg(g.json.grant_id)}`)).status).toBe(404);
    expect((await api.del('/v1/users/dave')).status).toBe(404);
    // The id can be used again, with nothing inherited.
    expect((await api.post('/v1/users', { user_id: 'dave', name: 'Dave II' })).status).toBe(201);
    expect((await api.get('/v1/users/dave/groups')).json.items).toEqual([]);
    expect((await api.get('/v1/grants?principal_type=user&principal_id=dave')).json.items).toEqual([]);
  });

  it('deleting a group removes its memberships and grants', async () => {
    expect((await api.post('/v1/groups', { group_id: 'temp', name: 'Temporary' })).status).toBe(201);
    expect((await api.put('/v1/groups/temp/members/carol')).status).toBe(204);
    const g = await api.post('/v1/grants', { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'group', id: 'temp' }, scope: { type: 'global' } });
    expect(g.status, g.text).toBe(201);
    expect((await api.del('/v1/groups/temp')).status).toBe(204);
    expect((await api.get('/v1/groups/temp')).status).toBe(404);
    expect((await api.get('/v1/users/carol/groups')).json.items).toEqual([]);
    expect((await api.get(`/v1/grants/${seg(g.json.grant_id)}`)).status).toBe(404);
    expect((await api.del('/v1/groups/temp')).status).toBe(404);
  });

  it('agencies: create, duplicate 409, get, list, delete (with its grants)', async () => {
    const a = await api.post('/v1/agencies', { agency_id: 'ecs-agency', name: 'ECS agency', description: 'for ECS' });
    expect(a.status, a.text).toBe(201);
    expect(a.json).toMatchObject({ agency_id: 'ecs-agency', name: 'ECS agency' });
    expect((await api.post('/v1/agencies', { agency_id: 'ecs-agency', name: 'again' })).status).toBe(409);
    expect((await api.post('/v1/agencies', { agency_id: 'fgs-agency', name: 'FGS agency' })).status).toBe(201);
    expect((await api.get('/v1/agencies/ecs-agency')).json.name).toBe('ECS agency');
    expect((await listAll(api, '/v1/agencies', 1)).items.map((x) => x.agency_id)).toEqual(expect.arrayContaining(['ecs-agency', 'fgs-agency']));
    const g = await api.post('/v1/grants', { policy_id: 'system:IMS-FullAccess', principal: { type: 'agency', id: 'ecs-agency' }, scope: { type: 'project', project: 'cn-north-4' } });
    expect(g.status, g.text).toBe(201);
    expect((await api.del('/v1/agencies/ecs-agency')).status).toBe(204);
    expect((await api.get('/v1/agencies/ecs-agency')).status).toBe(404);
    expect((await api.get(`/v1/grants/${seg(g.json.grant_id)}`)).status).toBe(404);
    expect((await api.del('/v1/agencies/ecs-agency')).status).toBe(404);
  });
});

describe('grants', () => {
  it('create with each scope (201), get, list by principal and by policy, duplicate 409, delete', async () => {
    const scopes = [{ type: 'global' }, { type: 'all_projects' }, { type: 'project', project: 'cn-north-4' }, { type: 'enterprise_project', enterprise_project_id: 'ep-1' }];
    const ids: string[] = [];
    for (const scope of scopes) {
      const r = await api.post('/v1/grants', { policy_id: 'p-alpha', principal: { type: 'group', id: 'devs' }, scope });
      expect(r.status, r.text).toBe(201);
      expect(r.json).toMatchObject({ policy_id: 'p-alpha', principal: { type: 'group', id: 'devs' }, scope });
      expect(r.headers.location).toBe(`/v1/grants/${r.json.grant_id}`);
      ids.push(r.json.grant_id);
    }
    expect(new Set(ids).size).toBe(4);
    const dup = await api.post('/v1/grants', { policy_id: 'p-alpha', principal: { type: 'group', id: 'devs' }, scope: { type: 'project', project: 'cn-north-4' } });
    expect(dup.status).toBe(409);

    const one = await api.get(`/v1/grants/${seg(ids[2] as string)}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ grant_id: ids[2], scope: { type: 'project', project: 'cn-north-4' } });

    const byPrincipal = await listAll(api, '/v1/grants?principal_type=group&principal_id=devs', 2);
    expect(byPrincipal.items.map((g) => g.grant_id).sort()).toEqual([...ids].sort());
    const byPolicy = await listAll(api, '/v1/grants?policy_id=p-alpha');
    expect(byPolicy.items.map((g) => g.grant_id).sort()).toEqual([...ids].sort());
    const all = await listAll(api, '/v1/grants', 3);
    expect(all.items.map((g) => g.grant_id)).toEqual(expect.arrayContaining(ids));
    expect((await api.get('/v1/grants?principal_type=robot&principal_id=x')).status).toBe(400);
    expect((await api.get('/v1/grants?principal_id=x')).status).toBe(400);

    expect((await api.del(`/v1/grants/${seg(ids[0] as string)}`)).status).toBe(204);
    expect((await api.get(`/v1/grants/${seg(ids[0] as string)}`)).status).toBe(404);
    expect((await api.del(`/v1/grants/${seg(ids[0] as string)}`)).status).toBe(404);
    expect((await listAll(api, '/v1/grants?policy_id=p-alpha')).items).toHaveLength(3);
  });

  it('refuses unknown policies, unknown principals, SCPs and bad scopes', async () => {
    const principal = { type: 'user', id: 'alice' };
    expect((await api.post('/v1/grants', { policy_id: 'p-nothing', principal, scope: { type: 'global' } })).status).toBe(404);
    expect((await api.post('/v1/grants', { policy_id: 'p-alpha', principal: { type: 'user', id: 'ghost' }, scope: { type: 'global' } })).status).toBe(404);
    expect((await api.post('/v1/grants', { policy_id: 'p-alpha', principal: { type: 'agency', id: 'ghost' }, scope: { type: 'global' } })).status).toBe(404);
    expect((await api.post('/v1/grants', { policy_id: 'scp-life', principal, scope: { type: 'global' } })).status).toBe(400);
    expect((await api.post('/v1/grants', { policy_id: 'system:FullAccess', principal, scope: { type: 'global' } })).status).toBe(400);
    expect((await api.post('/v1/grants', { policy_id: 'p-alpha', principal, scope: { type: 'project' } })).status).toBe(400);
    expect((await api.post('/v1/grants', { policy_id: 'p-alpha', principal, scope: { type: 'region', project: 'x' } })).status).toBe(400);
    expect((await listAll(api, '/v1/grants?principal_type=user&principal_id=alice')).items).toEqual([]);
  });
});

describe('organizations', () => {
  let org: Client;
  let orgId: string;
  let rootId: string;
  const ous: string[] = [];

  const attachedIds = async (node: string): Promise<string[]> => {
    const r = await org.get(`/v1/organizations/${orgId}/nodes/${seg(node)}/policies`);
    expect(r.status, r.text).toBe(200);
    return r.json.items.map((a: { policy_id: string }) => a.policy_id).sort();
  };

  beforeAll(async () => {
    org = await client('acc-org-mgmt');
  });

  it('create: 201, the caller is the management account; a second one -> 409', async () => {
    const r = await org.post('/v1/organizations');
    expect(r.status, r.text).toBe(201);
    orgId = r.json.org_id;
    rootId = r.json.root_id;
    expect(orgId).toBeTruthy();
    expect(rootId).toBeTruthy();
    expect(r.json.management_account_id).toBe('acc-org-mgmt');
    expect(r.json.scp_enabled).toBe(false);
    expect(r.headers.etag).toBeTruthy();
    expect((await org.post('/v1/organizations')).status).toBe(409);
    const got = await org.get(`/v1/organizations/${orgId}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ org_id: orgId, root_id: rootId, management_account_id: 'acc-org-mgmt' });
    expect((await org.get('/v1/organizations/org-nothing')).status).toBe(404);
  });

  it('OUs nest up to 5 levels; a sixth is refused; children are listed', async () => {
    let parent = rootId;
    for (let level = 1; level <= 5; level++) {
      const r = await org.post(`/v1/organizations/${orgId}/ous`, { parent_id: parent, name: `level ${level}` });
      expect(r.status, r.text).toBe(201);
      const id = r.json.node_id as string;
      expect(id).toBeTruthy();
      ous.push(id);
      parent = id;
    }
    const sixth = await org.post(`/v1/organizations/${orgId}/ous`, { parent_id: parent, name: 'level 6' });
    expect(sixth.status, sixth.text).toBe(409);
    expect((await org.post(`/v1/organizations/${orgId}/ous`, { parent_id: 'ou-nothing', name: 'orphan' })).status).toBe(404);
    const sibling = await org.post(`/v1/organizations/${orgId}/ous`, { parent_id: rootId, name: 'sibling' });
    expect(sibling.status).toBe(201);

    const children = await listAll(org, `/v1/organizations/${orgId}/nodes/${rootId}/children`, 1);
    const childIds = children.items.map((c) => c.node_id);
    expect(childIds).toEqual(expect.arrayContaining([ous[0], sibling.json.node_id]));
    expect(childIds).not.toContain(ous[1]);
    expect((await org.del(`/v1/organizations/${orgId}/ous/${sibling.json.node_id}`)).status).toBe(204);
    expect((await org.del(`/v1/organizations/${orgId}/ous/${sibling.json.node_id}`)).status).toBe(404);
  });

  it('accounts: invite (202) and accept (201), move (200), children, remove (204); a non-empty OU is not deleted (409)', async () => {
    // An invitation changes nothing until the invited account accepts with its own token.
    const invited = await org.post(`/v1/organizations/${orgId}/accounts`, { account_id: 'acc-member-1', parent_id: ous[0] });
    expect(invited.status, invited.text).toBe(202);
    expect((await listAll(org, `/v1/organizations/${orgId}/nodes/${ous[0]}/children`)).items.map((c) => c.node_id)).not.toContain('acc-member-1');
    const member1 = await client('acc-member-1');
    expect((await member1.get('/v1/invitations')).json.items.map((i: { org_id: string }) => i.org_id)).toEqual([orgId]);
    expect((await org.post(`/v1/organizations/${orgId}/accounts`, { account_id: 'acc-member-1', parent_id: rootId })).status).toBe(409); // invited twice
    const add = await member1.post(`/v1/invitations/${orgId}/accept`);
    expect(add.status, add.text).toBe(201);
    expect((await member1.post(`/v1/invitations/${orgId}/accept`)).status).toBe(404); // used up
    expect((await join(org, orgId, 'acc-member-2', rootId)).status).toBe(201);
    expect((await org.post(`/v1/organizations/${orgId}/accounts`, { account_id: 'acc-member-1', parent_id: rootId })).status).toBe(409); // already a member
    expect((await org.post(`/v1/organizations/${orgId}/accounts`, { account_id: 'acc-member-3', parent_id: 'ou-nothing' })).status).toBe(404);
    const declined = await org.post(`/v1/organizations/${orgId}/accounts`, { account_id: 'acc-member-4', parent_id: rootId });
    expect(declined.status).toBe(202);
    const member4 = await client('acc-member-4');
    expect((await member4.del(`/v1/invitations/${orgId}`)).status).toBe(204);
    expect((await member4.post(`/v1/invitations/${orgId}/accept`)).status).toBe(404);

    const ids = async (node: string): Promise<string[]> => (await listAll(org, `/v1/organizations/${orgId}/nodes/${node}/children`)).items.map((c) => c.node_id);
    expect(await ids(ous[0] as string)).toContain('acc-member-1');

    const move = await org.patch(`/v1/organizations/${orgId}/accounts/acc-member-1`, { parent_id: ous[2] });
    expect(move.status, move.text).toBe(200);
    expect(await ids(ous[0] as string)).not.toContain('acc-member-1');
    expect(await ids(ous[2] as string)).toContain('acc-member-1');
    expect((await org.patch(`/v1/organizations/${orgId}/accounts/acc-member-1`, { parent_id: 'ou-nothing' })).status).toBe(404);
    expect((await org.patch(`/v1/organizations/${orgId}/accounts/acc-nobody`, { parent_id: rootId })).status).toBe(404);

    expect((await org.del(`/v1/organizations/${orgId}/ous/${ous[2]}`)).status).toBe(409);

    expect((await org.del(`/v1/organizations/${orgId}/accounts/acc-member-2`)).status).toBe(204);
    expect(await ids(rootId)).not.toContain('acc-member-2');
    expect((await org.del(`/v1/organizations/${orgId}/accounts/acc-member-2`)).status).toBe(404);
  });

  it('enabling SCPs attaches FullAccess to every node; attach, detach, and the last SCP of a node stays (409)', async () => {
    const enabled = await org.post(`/v1/organizations/${orgId}/scp/enable`);
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.json.scp_enabled).toBe(true);
    for (const node of [rootId, ...ous, 'acc-member-1']) expect(await attachedIds(node), node).toEqual(['system:FullAccess']);

    // A node created after enabling gets FullAccess too (else it would deny everything below it).
    const late = await org.post(`/v1/organizations/${orgId}/ous`, { parent_id: rootId, name: 'late' });
    expect(late.status).toBe(201);
    expect(await attachedIds(late.json.node_id)).toEqual(['system:FullAccess']);
    expect((await join(org, orgId, 'acc-member-late', late.json.node_id)).status).toBe(201);
    expect(await attachedIds('acc-member-late')).toEqual(['system:FullAccess']);

    await createPolicy(org, { policy_id: 'scp-no-delete', name: 'no delete', type: 'scp', document: scpDeny(['ims:images:delete']) });
    await createPolicy(org, { policy_id: 'ident-x', name: 'identity', document: LIST });
    const node = ous[1] as string;
    expect((await org.put(`/v1/organizations/${orgId}/nodes/${node}/policies/scp-no-delete`)).status).toBe(204);
    expect(await attachedIds(node)).toEqual(['scp-no-delete', 'system:FullAccess']);
    // Only SCPs of the organization's management account attach; identity policies and unknown ids do not.
    expect((await org.put(`/v1/organizations/${orgId}/nodes/${node}/policies/ident-x`)).status).toBe(400);
    expect((await org.put(`/v1/organizations/${orgId}/nodes/${node}/policies/${seg('system:IMS-FullAccess')}`)).status).toBe(400);
    expect((await org.put(`/v1/organizations/${orgId}/nodes/${node}/policies/scp-no-delete`)).status).toBe(409); // attached once
    expect((await org.put(`/v1/organizations/${orgId}/nodes/${node}/policies/scp-nothing`)).status).toBe(404);
    expect((await org.put(`/v1/organizations/${orgId}/nodes/ou-nothing/policies/scp-no-delete`)).status).toBe(404);
    expect(await attachedIds(node)).toEqual(['scp-no-delete', 'system:FullAccess']);

    expect((await org.del(`/v1/organizations/${orgId}/nodes/${node}/policies/${seg('system:FullAccess')}`)).status).toBe(204);
    expect(await attachedIds(node)).toEqual(['scp-no-delete']);
    const last = await org.del(`/v1/organizations/${orgId}/nodes/${node}/policies/scp-no-delete`);
    expect(last.status, last.text).toBe(409);
    expect(await attachedIds(node)).toEqual(['scp-no-delete']);
    expect((await org.del(`/v1/organizations/${orgId}/nodes/${node}/policies/scp-nothing`)).status).toBe(404);

    const rootLast = await org.del(`/v1/organizations/${orgId}/nodes/${rootId}/policies/${seg('system:FullAccess')}`);
    expect(rootLast.status).toBe(409);
    const accountLast = await org.del(`/v1/organizations/${orgId}/nodes/acc-member-1/policies/${seg('system:FullAccess')}`);
    expect(accountLast.status).toBe(409);
    expect(await attachedIds('acc-member-1')).toEqual(['system:FullAccess']);
  });

  it('concurrent detaches of a node with two SCPs: one succeeds, the node keeps one', async () => {
    const node = ous[3] as string;
    expect((await org.put(`/v1/organizations/${orgId}/nodes/${node}/policies/scp-no-delete`)).status).toBe(204);
    const [a, b] = await Promise.all([
      org.del(`/v1/organizations/${orgId}/nodes/${node}/policies/scp-no-delete`),
      org.del(`/v1/organizations/${orgId}/nodes/${node}/policies/${seg('system:FullAccess')}`),
    ]);
    expect([a.status, b.status].sort()).toEqual([204, 409]);
    expect(await attachedIds(node)).toHaveLength(1);
  });

  it('the management account stays in its organization (409)', async () => {
    expect((await org.del(`/v1/organizations/${orgId}/accounts/acc-org-mgmt`)).status).toBe(409);
    expect((await listAll(org, `/v1/organizations/${orgId}/nodes/${rootId}/children`)).items.map((c) => c.node_id)).toContain('acc-org-mgmt');
  });

  it('disabling SCPs detaches all; removing an account and deleting emptied OUs', async () => {
    const disabled = await org.post(`/v1/organizations/${orgId}/scp/disable`);
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.json.scp_enabled).toBe(false);
    for (const node of [rootId, ...ous, 'acc-member-1']) expect(await attachedIds(node), node).toEqual([]);
    expect((await org.put(`/v1/organizations/${orgId}/nodes/${ous[0]}/policies/scp-no-delete`)).status).toBe(409); // SCPs are disabled

    expect((await org.del(`/v1/organizations/${orgId}/accounts/acc-member-1`)).status).toBe(204);
    for (const ou of [...ous].reverse()) expect((await org.del(`/v1/organizations/${orgId}/ous/${ou}`)).status, ou).toBe(204);
    const children = await listAll(org, `/v1/organizations/${orgId}/nodes/${rootId}/children`);
    expect(children.items.map((c) => c.node_id)).not.toContain(ous[0]);
  });
});
