/**
 * Previews of writes over the seeded example data (infra/local/seed.ts), through the functions and a real
 * local table: `?preview=true` writes nothing and lists, per affected principal, the access gained and
 * lost with witnesses by reference; each witness is decided by `POST /v1/evaluate` by reference before the
 * write (as the preview says: a gained one denied) and after it (allowed). A preview is refused as the write
 * would be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedExamples, type SeedResult } from '../infra/local/seed.js';
import { clearReferenceCache } from '../functions/shared/reference.js';
import { ROUTES } from '../functions/shared/openapi.js';
import { client, startLocalApi, type ApiReply, type Client } from './support/api.js';

let stop: () => Promise<void>;
let seeded: SeedResult;
let acc1: Client;
let mgmt: Client;

beforeAll(async () => {
  const api = await startLocalApi('previews');
  stop = api.stop;
  seeded = await seedExamples({ endpoint: api.db.endpoint, tableName: api.db.tableName });
  [acc1, mgmt] = await Promise.all([client('acc-1'), client('acc-0')]);
}, 60_000);
afterAll(async () => stop?.());

interface Delta {
  account_id: string;
  principal: { type: string; id: string };
  gained: Array<{ action: string; condition: { text: string }; witness: Record<string, unknown> }>;
  lost: Array<{ action: string; witness: Record<string, unknown> }>;
}

const deltas = (r: ApiReply): Delta[] => r.json.principals as Delta[];
const of = (r: ApiReply, id: string): Delta | undefined => deltas(r).find((d) => d.principal.id === id);

async function decision(request: Record<string, unknown>): Promise<string> {
  clearReferenceCache();
  const r = await acc1.post('/v1/evaluate', request);
  expect(r.status, r.text).toBe(200);
  return r.json.decision;
}

/** Every witness of the preview decided by reference: gained ones `before` now (deny), lost ones allowed. */
async function checkWitnesses(r: ApiReply, phase: 'before' | 'after'): Promise<number> {
  let n = 0;
  for (const d of deltas(r)) {
    if (d.account_id !== 'acc-1') continue;
    for (const f of d.gained) {
      expect(await decision(f.witness), `${phase} ${d.principal.id} ${f.action}`).toBe(phase === 'before' ? 'deny' : 'allow');
      n++;
    }
    for (const f of d.lost) {
      expect(await decision(f.witness), `${phase} ${d.principal.id} ${f.action}`).toBe(phase === 'before' ? 'allow' : 'deny');
      n++;
    }
  }
  return n;
}

describe('preview of detaching the SCP at OU eu (management account acc-0)', () => {
  it('lists acc-1 principals gaining unencrypted copies, confirmed by evaluate before and after the detach', async () => {
    const eu = seeded.path[2] as string;
    const url = `/v1/organizations/${seeded.org_id}/nodes/${eu}/policies/deny-unencrypted-copy`;
    const r = await mgmt.del(`${url}?preview=true`);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ preview: true, result: 'CHANGES', write: `DELETE ${url}` });
    const alice = of(r, 'alice');
    expect(alice?.account_id).toBe('acc-1');
    expect(alice?.gained.map((f) => f.action)).toContain('ims:images:copyInRegion');
    expect(alice?.gained.find((f) => f.action === 'ims:images:copyInRegion')?.condition.text).toMatch(/ims:Encrypted/);
    expect(alice?.lost).toEqual([]);
    expect(of(r, 'bob')).toBeUndefined(); // read-only: no copy before or after
    // Nothing was written: the SCP is still attached.
    expect((await mgmt.get(`/v1/organizations/${seeded.org_id}/nodes/${eu}/policies`)).json.items.map((a: { policy_id: string }) => a.policy_id)).toContain('deny-unencrypted-copy');
    expect(await checkWitnesses(r, 'before')).toBeGreaterThan(0);
    const detached = await mgmt.del(url);
    expect(detached.status).toBe(204);
    // The write's own answer: the same delta, in short (a 204 carries it in the access-delta header).
    expect(JSON.parse(detached.headers['access-delta'] as string)).toEqual({ result: 'CHANGES', principals_changed: r.json.counts.principals_changed, gained: r.json.counts.gained, lost: 0 });
    await checkWitnesses(r, 'after');
    // And back: attaching it again is the exact reverse.
    const back = await mgmt.put(`${url}?preview=true`);
    expect(back.status, back.text).toBe(200);
    expect(of(back, 'alice')?.lost.map((f) => f.action)).toEqual(alice?.gained.map((f) => f.action));
    expect((await mgmt.put(url)).status).toBe(204);
  }, 120_000);
});

describe('previews in the account (acc-1)', () => {
  it('a membership: bob joining image-admins gains what alice has; nothing is written', async () => {
    const r = await acc1.put('/v1/groups/image-admins/members/bob?preview=true');
    expect(r.status, r.text).toBe(200);
    expect(deltas(r).map((d) => d.principal.id)).toEqual(['bob']);
    expect(of(r, 'bob')?.gained.map((f) => f.action)).toContain('ims:images:updateImage');
    expect((await acc1.get('/v1/users/bob/groups')).json.items.map((g: { group_id: string }) => g.group_id)).toEqual(['viewers']);
    expect(await checkWitnesses(r, 'before')).toBeGreaterThan(0);
  });

  it('a grant and its removal: the readonly policy to the agency adds reads; removing deny-delete gives alice deletes in cn-north-4', async () => {
    const grant = await acc1.post('/v1/grants?preview=true', { policy_id: 'ims-readonly', principal: { type: 'agency', id: 'ims-copy' }, scope: { type: 'global' } });
    expect(grant.status, grant.text).toBe(200);
    expect(deltas(grant).map((d) => d.principal.id)).toEqual(['ims-copy']);
    expect((await acc1.get('/v1/grants?principal_type=agency&principal_id=ims-copy')).json.items).toHaveLength(1);
    const denyDelete = (await acc1.get('/v1/grants?policy_id=deny-delete')).json.items[0].grant_id as string;
    const removal = await acc1.del(`/v1/grants/${encodeURIComponent(denyDelete)}?preview=true`);
    expect(removal.status, removal.text).toBe(200);
    expect(of(removal, 'alice')?.gained.map((f) => f.action)).toEqual(['ims:images:deleteImage']);
    expect(await checkWitnesses(removal, 'before')).toBeGreaterThan(0);
  });

  it('a policy version: as the default it changes access, otherwise nothing; the default switch back is the reverse', async () => {
    const widened = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:get*', 'ims:*:list*', 'ims:images:deleteImage'] }] };
    const notDefault = await acc1.post('/v1/policies/ims-readonly/versions?preview=true', { document: widened });
    expect(notDefault.json).toMatchObject({ result: 'NO_CHANGE', principals: [] });
    const asDefault = await acc1.post('/v1/policies/ims-readonly/versions?preview=true', { document: widened, set_as_default: true });
    expect(asDefault.status, asDefault.text).toBe(200);
    // ims-readonly is granted to nobody in the seed: no principal changes.
    expect(asDefault.json.result).toBe('NO_CHANGE');
    const same = await acc1.put('/v1/policies/ims-full-access/default_version?preview=true', { version_id: 'v1' });
    expect(same.json.result).toBe('NO_CHANGE');
  });

  it('is refused as the write would be', async () => {
    expect((await acc1.put('/v1/groups/image-admins/members/nobody?preview=true')).status).toBe(404);
    expect((await acc1.del('/v1/groups/image-admins/members/bob?preview=true')).status).toBe(404);
    expect((await acc1.del('/v1/grants/no-such-grant?preview=true')).status).toBe(404);
    expect((await acc1.post('/v1/grants?preview=true', { policy_id: 'nope', principal: { type: 'user', id: 'bob' }, scope: { type: 'global' } })).status).toBe(404);
    const dup = await acc1.post('/v1/grants?preview=true', { policy_id: 'ims-full-access', principal: { type: 'group', id: 'image-admins' }, scope: { type: 'all_projects' } });
    expect(dup.status, dup.text).toBe(409);
    const invalid = await acc1.post('/v1/policies/ims-readonly/versions?preview=true', { document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:dlete'] }] } });
    expect(invalid.status).toBe(422);
    expect((await acc1.put('/v1/policies/system:IMS-ReadOnlyAccess/default_version?preview=true', { version_id: 'v1' })).status).toBe(403);
    expect((await acc1.put('/v1/groups/viewers/members/alice?preview=maybe')).status).toBe(400);
    // Another account's organization: 404, as the write.
    expect((await acc1.del(`/v1/organizations/${seeded.org_id}/nodes/${seeded.path[2]}/policies/deny-unencrypted-copy?preview=true`)).status).toBe(404);
  });

  it('a write without a preview refuses ?preview (400, nothing done): asking for a preview never performs the write', async () => {
    const writes = ROUTES.filter((r) => r.method !== 'get' && !r.query?.preview && ['policies', 'principals', 'grants', 'organizations', 'imports'].includes(r.function));
    expect(writes.length).toBe(20);
    for (const r of writes) {
      const path = r.path.replace(/\{[a-z_]+\}/g, (p) => (p === '{org_id}' ? seeded.org_id : p === '{user_id}' ? 'bob' : 'x'));
      const url = `${path}?preview=true`;
      const res = r.method === 'post' ? await acc1.post(url, {}) : r.method === 'put' ? await acc1.put(url, {}) : r.method === 'patch' ? await acc1.patch(url, {}) : await acc1.del(url);
      expect(res.status, `${r.method} ${r.path}: ${res.text}`).toBe(400);
      expect(res.json.error, `${r.method} ${r.path}`).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'preview' } });
    }
    // bob is still there: DELETE /v1/users/bob?preview=true did not delete him.
    expect((await acc1.get('/v1/users/bob')).status).toBe(200);
    // A route that declares its parameters refuses a misspelt one.
    const typo = await acc1.put('/v1/groups/viewers/members/alice?preveiw=true');
    expect(typo.status).toBe(400);
    expect(typo.json.error.details).toEqual({ field: 'preveiw' });
  });

  it("without preview, the write's answer carries the delta in short: counts and the first findings", async () => {
    const grant = await acc1.post('/v1/grants', { policy_id: 'ims-readonly', principal: { type: 'user', id: 'bob' }, scope: { type: 'global' } });
    expect(grant.status, grant.text).toBe(201);
    expect(grant.json.access_delta).toMatchObject({ result: 'CHANGES', principals_changed: 1, lost: 0 });
    expect(grant.json.access_delta.first[0]).toMatchObject({ account_id: 'acc-1', principal: { type: 'user', id: 'bob' }, kind: 'new_access' });
    const removed = await acc1.del(`/v1/grants/${encodeURIComponent(grant.json.grant_id)}`);
    expect(removed.status).toBe(204);
    expect(JSON.parse(removed.headers['access-delta'] as string)).toMatchObject({ result: 'CHANGES', principals_changed: 1, gained: 0, lost: grant.json.access_delta.gained });
    const version = await acc1.post('/v1/policies/ims-readonly/versions', { document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:list*'] }] } });
    expect(version.json.access_delta).toMatchObject({ result: 'NO_CHANGE', principals_changed: 0 });
    const member = await acc1.put('/v1/groups/viewers/members/alice');
    expect(JSON.parse(member.headers['access-delta'] as string)).toMatchObject({ result: 'NO_CHANGE' });
    expect((await acc1.del('/v1/groups/viewers/members/alice')).status).toBe(204);
  });
});

describe('who can across the organization (scope=organization, the management account)', () => {
  it('answers per member account about the resource of that name in it; a member account asking is 404', async () => {
    const r = await mgmt.get('/v1/access/who-can?action=ims:images:copyInRegion&resource=ims:cn-north-4:acc-0:image:abc&scope=organization');
    expect(r.status, r.text).toBe(200);
    expect(r.json.scope).toBe('organization');
    const acc1Answer = r.json.accounts.find((a: { account_id: string }) => a.account_id === 'acc-1');
    expect(acc1Answer.resource).toBe('ims:cn-north-4:acc-1:image:abc');
    const alice = acc1Answer.principals.find((p: { principal: { id: string } }) => p.principal.id === 'alice');
    // The SCP at OU eu denies unencrypted copies: conditional on ims:Encrypted.
    expect(alice.access).toBe('conditional');
    expect(alice.condition).toMatch(/ims:Encrypted/);
    expect(alice.decided_by.some((d: { layer: string; policy_id: string }) => d.layer === 'scp' && d.policy_id === 'deny-unencrypted-copy')).toBe(true);
    expect((await acc1.get('/v1/access/who-can?action=ims:images:list&scope=organization')).status).toBe(404);
    expect((await acc1.get('/v1/access/who-can?action=ims:images:list&scope=everything')).status).toBe(400);
  });
});

describe('preview of moving an account between OUs', () => {
  it('moving acc-1 out of OU eu (to prod) gains unencrypted copies; the move answers the same delta; moving back the reverse', async () => {
    const [root, prod, eu] = seeded.path as [string, string, string, string];
    const url = `/v1/organizations/${seeded.org_id}/accounts/acc-1`;
    const r = await mgmt.patch(`${url}?preview=true`, { parent_id: prod });
    expect(r.status, r.text).toBe(200);
    expect(r.json.result).toBe('CHANGES');
    expect(of(r, 'alice')?.gained.map((f) => f.action)).toEqual(['ims:images:copyInRegion']);
    await checkWitnesses(r, 'before');
    // Nothing written: acc-1 is still under team-a.
    expect((await mgmt.get(`/v1/organizations/${seeded.org_id}/nodes/${seeded.path[3]}/children`)).json.items.map((n: { node_id: string }) => n.node_id)).toContain('acc-1');
    const moved = await mgmt.patch(url, { parent_id: prod });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.json.access_delta).toMatchObject({ result: 'CHANGES', principals_changed: r.json.counts.principals_changed, gained: r.json.counts.gained, lost: 0 });
    await checkWitnesses(r, 'after');
    const back = await mgmt.patch(`${url}?preview=true`, { parent_id: seeded.path[3] as string });
    expect(of(back, 'alice')?.lost.map((f) => f.action)).toEqual(['ims:images:copyInRegion']);
    expect((await mgmt.patch(url, { parent_id: seeded.path[3] as string })).status).toBe(200);
    // Refused as the move would be.
    expect((await mgmt.patch(`${url}?preview=true`, { parent_id: 'acc-0' })).status).toBe(400);
    expect((await acc1.patch(`${url}?preview=true`, { parent_id: root })).status).toBe(404);
    expect(eu).toBeDefined();
  }, 120_000);
});

describe('preview of an SCP version (the management account)', () => {
  it('a new default version of the SCP at OU eu that denies every in-region copy: acc-1 principals lose encrypted copies', async () => {
    const all = { Version: '5.0', Statement: [{ Sid: 'NoCopies', Effect: 'Deny', Action: ['ims:images:copyInRegion'], Resource: ['*'] }] };
    const r = await mgmt.post('/v1/policies/deny-unencrypted-copy/versions?preview=true', { document: all, set_as_default: true });
    expect(r.status, r.text).toBe(200);
    expect(r.json.result).toBe('CHANGES');
    const alice = of(r, 'alice');
    expect(alice?.account_id).toBe('acc-1');
    expect(alice?.lost.map((f) => f.action)).toEqual(['ims:images:copyInRegion']);
    expect(alice?.gained).toEqual([]);
    await checkWitnesses(r, 'before');
    expect((await mgmt.get('/v1/policies/deny-unencrypted-copy')).json.versions).toHaveLength(1);
  }, 60_000);
});
