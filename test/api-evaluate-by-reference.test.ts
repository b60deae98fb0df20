/**
 * POST /v1/evaluate and /v1/explain by reference over HTTP: the principal's stored grants in scope (global,
 * all projects, one project, one enterprise project; through a group) and the SCPs along its account's
 * organization path root -> ou1 -> ou2 -> ou3 -> account. Explain names the stored policy ids, versions and
 * grants. Every write is seen by the very next request (the warm cache); a first request costs two round
 * trips (the graph Query; the policies and the path's nodes in one BatchGet, beside the Query of the SCPs),
 * a warm repeat one request, and none within a `max_staleness_ms` the caller gives.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearReferenceCache, settleUsage } from '../functions/shared/reference.js';
import { observeRequests } from '../store/dynamo-http.js';
import { client, join, seg, startLocalApi, type ApiReply, type Client } from './support/api.js';

const MGMT = 'acc-ref-mgmt';
const ACC = 'acc-ref-member';
const R1 = 'cn-north-4';
const R2 = 'cn-east-3';

let stop: () => Promise<void>;
let mgmt: Client;
let acc: Client;
let orgId = '';
let rootId = '';
const ou: string[] = []; // ou1, ou2, ou3

const LIST_GET = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list', 'ims:images:get'] }] };
const scp = (effect: 'Allow' | 'Deny', actions: string[]): object => ({ Version: '5.0', Statement: [{ Effect: effect, Action: actions, Resource: ['*'] }] });

async function must(p: Promise<ApiReply>, status: number): Promise<ApiReply> {
  const r = await p;
  if (r.status !== status) throw new Error(`${r.route} -> ${r.status}, expected ${status}: ${r.text}`);
  return r;
}

const image = (region: string, account = ACC): string => `ims:${region}:${account}:image:img-1`;
type Req = { action: string; region?: string; resource?: string; context?: Record<string, string> };
const list = (region: string, ep?: string): Req => ({ action: 'ims:images:list', region, ...(ep ? { context: { 'g:EnterpriseProjectId': ep } } : {}) });
const get = (region: string, ep?: string): Req => ({ action: 'ims:images:get', region, resource: image(region), ...(ep ? { context: { 'g:EnterpriseProjectId': ep } } : {}) });

async function decide(c: Client, principal: Record<string, unknown>, req: Req, path = '/v1/evaluate'): Promise<any> {
  const r = await c.post(path, { principal, ...req });
  expect(r.status, r.text).toBe(200);
  return r.json;
}
const user = (id: string, account = ACC): Record<string, unknown> => ({ account_id: account, user_id: id });

beforeAll(async () => {
  ({ stop } = await startLocalApi('api-evaluate-by-reference'));
  [mgmt, acc] = await Promise.all([client(MGMT), client(ACC)]);

  // The organization: root -> ou1 -> ou2 -> ou3 -> ACC; the management account MGMT.
  const org = await must(mgmt.post('/v1/organizations'), 201);
  orgId = org.json.org_id;
  rootId = org.json.root_id;
  let parent = rootId;
  for (const name of ['ou1', 'ou2', 'ou3']) {
    parent = (await must(mgmt.post(`/v1/organizations/${orgId}/ous`, { parent_id: parent, name }), 201)).json.node_id;
    ou.push(parent);
  }
  await must(join(mgmt, orgId, ACC, parent), 201);

  // ACC: one group per scope, each with IMS ReadOnlyAccess (list and get) in that scope, and one user in each.
  const scopes: Record<string, object> = {
    global: { type: 'global' },
    all: { type: 'all_projects' },
    proj: { type: 'project', project: R1 },
    ep: { type: 'enterprise_project', enterprise_project_id: 'ep-1' },
  };
  for (const [name, scope] of Object.entries(scopes)) {
    await must(acc.post('/v1/groups', { group_id: `g-${name}`, name: `group ${name}` }), 201);
    await must(acc.post('/v1/users', { user_id: `u-${name}`, name: `user ${name}` }), 201);
    await must(acc.put(`/v1/groups/g-${name}/members/u-${name}`), 204);
    await must(acc.post('/v1/grants', { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'group', id: `g-${name}` }, scope }), 201);
  }
  await must(acc.post('/v1/agencies', { agency_id: 'ag-ecs', name: 'ECS' }), 201);
  await must(acc.post('/v1/grants', { policy_id: 'system:IMS-FullAccess', principal: { type: 'agency', id: 'ag-ecs' }, scope: { type: 'project', project: R1 } }), 201);
  await must(acc.post('/v1/users', { user_id: 'u-none', name: 'no grants' }), 201);

  // MGMT: an administrator with IMS ReadOnlyAccess; the SCPs it attaches below.
  await must(mgmt.post('/v1/users', { user_id: 'm-admin', name: 'management admin' }), 201);
  await must(mgmt.post('/v1/grants', { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'user', id: 'm-admin' }, scope: { type: 'global' } }), 201);
  await must(mgmt.post('/v1/policies', { policy_id: 'scp-deny-list', name: 'deny list', type: 'scp', document: scp('Deny', ['ims:images:list']) }), 201);
  await must(mgmt.post('/v1/policies', { policy_id: 'scp-allow-get', name: 'allow get only', type: 'scp', document: scp('Allow', ['ims:images:get']) }), 201);
});
afterAll(async () => stop?.());
beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe('grant scopes through stored grants (user in a group)', () => {
  // [label, request, global, all_projects, project cn-north-4, enterprise project ep-1]
  const table: Array<[string, Req, ...Array<'allow' | 'deny'>]> = [
    ['list in cn-north-4, ep-1', list(R1, 'ep-1'), 'allow', 'allow', 'allow', 'allow'],
    ['list in cn-east-3, ep-1', list(R2, 'ep-1'), 'allow', 'allow', 'deny', 'allow'],
    ['list in cn-north-4, ep-2', list(R1, 'ep-2'), 'allow', 'allow', 'allow', 'deny'],
    ['list in cn-north-4, no enterprise project', list(R1), 'allow', 'allow', 'allow', 'deny'],
    ['get (no enterprise-project support) in cn-north-4, ep-1', get(R1, 'ep-1'), 'allow', 'allow', 'allow', 'deny'],
    ['get in cn-east-3', get(R2), 'allow', 'allow', 'deny', 'deny'],
  ];
  it.each(table)('%s', async (_label, req, ...expected) => {
    const got: string[] = [];
    for (const name of ['global', 'all', 'proj', 'ep']) got.push((await decide(acc, user(`u-${name}`), req)).decision);
    expect(got).toEqual(expected);
  });

  it('a user without grants is denied; an agency is evaluated with its own grants', async () => {
    expect((await decide(acc, user('u-none'), list(R1))).reason).toBe('implicit_deny');
    const del = { action: 'ims:images:delete', region: R1, resource: image(R1) };
    expect((await decide(acc, { account_id: ACC, agency: 'ag-ecs' }, del)).decision).toBe('allow');
    expect((await decide(acc, { account_id: ACC, agency: 'ag-ecs' }, { ...del, region: R2, resource: image(R2) })).decision).toBe('deny');
    expect((await decide(acc, user('u-global'), del)).decision).toBe('deny');
  });

  it("stored policies' warnings are not repeated by reference (they were given when written); inline ones are", async () => {
    const del = { action: 'ims:images:delete', region: R1, resource: image(R1) };
    const byRef = await decide(acc, { account_id: ACC, agency: 'ag-ecs' }, del);
    expect(byRef.warnings).toEqual([]);
    const full = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] };
    const inline = await decide(acc, { account_id: ACC, agency: 'ag-ecs' }, { ...del, policies: [{ id: 'system:IMS-FullAccess', document: full }] } as Req);
    expect(inline.warnings).toEqual([
      expect.stringMatching(/^policy "system:IMS-FullAccess" \/Statement\/0\/Action: ALLOW_ALL_WITHOUT_CONDITION \(security warning\): /),
      expect.stringContaining('SHARING_WITHOUT_ORG_PATH_CONDITION'),
    ]);
  });

  it('the account id defaults to the caller; both user_id and agency -> 400', async () => {
    expect((await decide(acc, { user_id: 'u-global' }, list(R1))).decision).toBe('allow');
    const both = await acc.post('/v1/evaluate', { principal: { account_id: ACC, user_id: 'u-global', agency: 'ag-ecs' }, ...list(R1) });
    expect(both.status).toBe(400);
  });

  it('the account itself (no user_id, no agency) needs no identity Allow', async () => {
    expect((await decide(acc, { account_id: ACC }, { action: 'ims:images:delete', region: R1, resource: image(R1) })).decision).toBe('allow');
  });

  it('decides exactly as the same policies given inline', async () => {
    const readOnly = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:get*', 'ims:*:list*'] }] };
    for (const req of [list(R1), get(R2), { action: 'ims:images:delete', region: R1, resource: image(R1) }]) {
      const byRef = await decide(acc, user('u-global'), req);
      const inline = await decide(acc, { ...user('u-global'), user_name: 'user global' }, { ...req, policies: [{ id: 'system:IMS-ReadOnlyAccess', document: readOnly }] } as Req);
      const strip = (x: any): unknown => ({
        ...x,
        decision_id: undefined,
        current_time: undefined,
        results: x.results.map((r: any) => ({ ...r, matched: r.matched.map((m: any) => ({ layer: m.layer, policy_id: m.policy_id, statement: m.statement, effect: m.effect })) })),
      });
      // By reference the SCP chain (FullAccess nowhere yet: SCPs are not enabled) is empty, as inline.
      expect(strip(byRef)).toEqual(strip(inline));
    }
  });
});

describe('explain names the stored policy, its version and the grant', () => {
  it('matched statements and the trace carry policy id, version and grant id', async () => {
    await must(acc.post('/v1/users', { user_id: 'u-explain', name: 'explained' }), 201);
    await must(acc.post('/v1/groups', { group_id: 'g-explain', name: 'explained' }), 201);
    await must(acc.put('/v1/groups/g-explain/members/u-explain'), 204);
    await must(
      acc.post('/v1/policies', { policy_id: 'p-explain', name: 'explained', type: 'identity', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'] }] } }),
      201,
    );
    await must(acc.post('/v1/policies/p-explain/versions', { document: LIST_GET, set_as_default: true }), 201);
    const grant = (await must(acc.post('/v1/grants', { policy_id: 'p-explain', principal: { type: 'group', id: 'g-explain' }, scope: { type: 'project', project: R1 } }), 201)).json.grant_id as string;

    const ev = await decide(acc, user('u-explain'), get(R1));
    expect(ev.decision).toBe('allow');
    expect(ev.results[0].matched[0]).toMatchObject({ layer: 'identity', policy_id: 'p-explain', version: 'v2', grant_id: grant });

    const ex = await decide(acc, user('u-explain'), get(R1), '/v1/explain');
    expect(ex.decision).toBe('allow');
    const identity = ex.trace[0].layers.find((l: { layer: string }) => l.layer === 'identity');
    const p = identity.policies.find((x: { policy_id: string }) => x.policy_id === 'p-explain');
    expect(p.source).toMatchObject({ version: 'v2', grant_id: grant, principal: { type: 'group', id: 'g-explain' }, scope: { type: 'project', project: R1 } });
    expect(ex.text).toContain('p-explain');
    expect(ex.text).toContain(grant);

    // Out of the grant's region the policy is still named, with its scope not matching.
    const out = await decide(acc, user('u-explain'), get(R2), '/v1/explain');
    expect(out.decision).toBe('deny');
    const p2 = out.trace[0].layers.find((l: { layer: string }) => l.layer === 'identity').policies.find((x: { policy_id: string }) => x.policy_id === 'p-explain');
    expect(p2.source.grant_id).toBe(grant);
    expect(p2.statements[0].scope_matched).toBe(false);
  });
});

describe('SCPs along root -> ou1 -> ou2 -> ou3 -> account', () => {
  const scpLevels = (ex: any): string[] => ex.trace[0].layers.filter((l: { layer: string }) => l.layer === 'scp').map((l: { level: string }) => l.level);

  it('enabling SCPs (FullAccess everywhere) keeps the decision; explain shows the five levels', async () => {
    await must(mgmt.post(`/v1/organizations/${orgId}/scp/enable`), 200);
    expect((await decide(acc, user('u-global'), list(R1))).decision).toBe('allow');
    const ex = await decide(acc, user('u-global'), list(R1), '/v1/explain');
    expect(scpLevels(ex)).toEqual([rootId, ...ou, ACC]);
  });

  it('a Deny at ou2 denies the account below it, and stops when detached', async () => {
    await must(mgmt.put(`/v1/organizations/${orgId}/nodes/${ou[1]}/policies/scp-deny-list`), 204);
    const denied = await decide(acc, user('u-global'), list(R1));
    expect(denied.reason).toBe('explicit_deny');
    expect(denied.denied_by).toMatchObject({ layer: 'scp', level: ou[1], policy_id: 'scp-deny-list' });
    expect((await decide(acc, user('u-global'), get(R1))).decision).toBe('allow');
    // The body cannot claim the management account's exemption: stored facts win.
    const claimed = await decide(acc, { ...user('u-global'), management_account: true, org_path: `${orgId}/${rootId}/${ACC}` }, list(R1));
    expect(claimed.reason).toBe('explicit_deny');
    const linked = await decide(acc, { account_id: ACC, type: 'service_linked_agency' }, list(R1));
    expect(linked.reason).toBe('explicit_deny');
    // Explain names the SCP, the level and the version evaluated.
    const ex = await decide(acc, user('u-global'), list(R1), '/v1/explain');
    const level = ex.trace[0].layers.find((l: { layer: string; level: string }) => l.layer === 'scp' && l.level === ou[1]);
    expect(level.policies.find((x: { policy_id: string }) => x.policy_id === 'scp-deny-list').source).toMatchObject({ version: 'v1' });
    expect(ex.text).toContain('scp-deny-list');

    await must(mgmt.del(`/v1/organizations/${orgId}/nodes/${ou[1]}/policies/scp-deny-list`), 204);
    expect((await decide(acc, user('u-global'), list(R1))).decision).toBe('allow');
  });

  it('an allow-list SCP at ou1 with FullAccess removed there limits the account to what it allows', async () => {
    await must(mgmt.put(`/v1/organizations/${orgId}/nodes/${ou[0]}/policies/scp-allow-get`), 204);
    expect((await decide(acc, user('u-global'), list(R1))).decision).toBe('allow'); // FullAccess still at ou1
    await must(mgmt.del(`/v1/organizations/${orgId}/nodes/${ou[0]}/policies/${seg('system:FullAccess')}`), 204);
    const listed = await decide(acc, user('u-global'), list(R1));
    expect(listed.reason).toBe('implicit_deny');
    expect(listed.denied_by).toMatchObject({ layer: 'scp', level: ou[0] });
    expect((await decide(acc, user('u-global'), get(R1))).decision).toBe('allow');
    // Restore.
    await must(mgmt.put(`/v1/organizations/${orgId}/nodes/${ou[0]}/policies/${seg('system:FullAccess')}`), 204);
    await must(mgmt.del(`/v1/organizations/${orgId}/nodes/${ou[0]}/policies/scp-allow-get`), 204);
    expect((await decide(acc, user('u-global'), list(R1))).decision).toBe('allow');
  });

  it('SCPs do not restrict the management account', async () => {
    await must(mgmt.put(`/v1/organizations/${orgId}/nodes/${rootId}/policies/scp-deny-list`), 204);
    expect((await decide(acc, user('u-global'), list(R1))).reason).toBe('explicit_deny');
    expect((await decide(mgmt, user('m-admin', MGMT), list(R1))).decision).toBe('allow');
    await must(mgmt.del(`/v1/organizations/${orgId}/nodes/${rootId}/policies/scp-deny-list`), 204);
  });

  it('moving the account out from under a Deny is seen at once', async () => {
    await must(mgmt.put(`/v1/organizations/${orgId}/nodes/${ou[2]}/policies/scp-deny-list`), 204);
    expect((await decide(acc, user('u-global'), list(R1))).reason).toBe('explicit_deny');
    await must(mgmt.patch(`/v1/organizations/${orgId}/accounts/${ACC}`, { parent_id: ou[1] }), 200);
    const moved = await decide(acc, user('u-global'), list(R1), '/v1/explain');
    expect(moved.decision).toBe('allow');
    expect(scpLevels(moved)).toEqual([rootId, ou[0], ou[1], ACC]);
    await must(mgmt.patch(`/v1/organizations/${orgId}/accounts/${ACC}`, { parent_id: ou[2] }), 200);
    expect((await decide(acc, user('u-global'), list(R1))).reason).toBe('explicit_deny');
    await must(mgmt.del(`/v1/organizations/${orgId}/nodes/${ou[2]}/policies/scp-deny-list`), 204);
    expect((await decide(acc, user('u-global'), list(R1))).decision).toBe('allow');
  });
});

describe('writes are seen by the very next request', () => {
  beforeAll(async () => {
    await must(acc.post('/v1/users', { user_id: 'u-cache', name: 'cache' }), 201);
    await must(acc.post('/v1/policies', { policy_id: 'p-cache', name: 'cache', type: 'identity', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'] }] } }), 201);
    await must(acc.post('/v1/grants', { policy_id: 'p-cache', principal: { type: 'user', id: 'u-cache' }, scope: { type: 'global' } }), 201);
  });

  it('a new default version', async () => {
    expect((await decide(acc, user('u-cache'), list(R1))).decision).toBe('allow');
    expect((await decide(acc, user('u-cache'), get(R1))).decision).toBe('deny');
    const v2 = await must(acc.post('/v1/policies/p-cache/versions', { document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:get'] }] }, set_as_default: true }), 201);
    expect((await decide(acc, user('u-cache'), list(R1))).decision).toBe('deny');
    expect((await decide(acc, user('u-cache'), get(R1))).decision).toBe('allow');
    await must(acc.put('/v1/policies/p-cache/default_version', { version_id: 'v1' }, { 'if-match': v2.headers.etag as string }), 200);
    expect((await decide(acc, user('u-cache'), list(R1))).decision).toBe('allow');
  });

  it('a new grant, a deleted grant, a membership', async () => {
    const del = { action: 'ims:images:delete', region: R1, resource: image(R1) };
    expect((await decide(acc, user('u-cache'), del)).decision).toBe('deny');
    const g = await must(acc.post('/v1/grants', { policy_id: 'system:IMS-FullAccess', principal: { type: 'user', id: 'u-cache' }, scope: { type: 'global' } }), 201);
    expect((await decide(acc, user('u-cache'), del)).decision).toBe('allow');
    await must(acc.del(`/v1/grants/${seg(g.json.grant_id)}`), 204);
    expect((await decide(acc, user('u-cache'), del)).decision).toBe('deny');
    expect((await decide(acc, user('u-cache'), get(R2))).decision).toBe('deny');
    await must(acc.put('/v1/groups/g-all/members/u-cache'), 204);
    expect((await decide(acc, user('u-cache'), get(R2))).decision).toBe('allow');
    await must(acc.del('/v1/groups/g-all/members/u-cache'), 204);
    expect((await decide(acc, user('u-cache'), get(R2))).decision).toBe('deny');
  });

  it('a deleted policy (?detach=true)', async () => {
    await must(acc.post('/v1/policies', { policy_id: 'p-gone', name: 'gone', type: 'identity', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:delete'] }] } }), 201);
    await must(acc.post('/v1/grants', { policy_id: 'p-gone', principal: { type: 'user', id: 'u-cache' }, scope: { type: 'global' } }), 201);
    const del = { action: 'ims:images:delete', region: R1, resource: image(R1) };
    expect((await decide(acc, user('u-cache'), del)).decision).toBe('allow');
    await must(acc.del('/v1/policies/p-gone?detach=true'), 204);
    expect((await decide(acc, user('u-cache'), del)).decision).toBe('deny');
  });

  it("an SCP attached and detached by the management account, for the member account's principal", async () => {
    expect((await decide(acc, user('u-cache'), list(R1))).decision).toBe('allow');
    await must(mgmt.put(`/v1/organizations/${orgId}/nodes/${ACC}/policies/scp-deny-list`), 204);
    expect((await decide(acc, user('u-cache'), list(R1))).reason).toBe('explicit_deny');
    await must(mgmt.del(`/v1/organizations/${orgId}/nodes/${ACC}/policies/scp-deny-list`), 204);
    expect((await decide(acc, user('u-cache'), list(R1))).decision).toBe('allow');
    // A new version of an attached SCP (the management account's policy) is seen too.
    await must(mgmt.put(`/v1/organizations/${orgId}/nodes/${ou[2]}/policies/scp-deny-list`), 204);
    expect((await decide(acc, user('u-cache'), list(R1))).reason).toBe('explicit_deny');
    await must(mgmt.post('/v1/policies/scp-deny-list/versions', { document: scp('Deny', ['ims:images:delete']), set_as_default: true }), 201);
    expect((await decide(acc, user('u-cache'), list(R1))).decision).toBe('allow');
    await must(mgmt.del(`/v1/organizations/${orgId}/nodes/${ou[2]}/policies/scp-deny-list`), 204);
  });

  it('disabling SCPs is seen at once', async () => {
    await must(mgmt.put(`/v1/organizations/${orgId}/nodes/${ou[0]}/policies/scp-allow-get`), 204);
    await must(mgmt.del(`/v1/organizations/${orgId}/nodes/${ou[0]}/policies/${seg('system:FullAccess')}`), 204);
    expect((await decide(acc, user('u-cache'), list(R1))).reason).toBe('implicit_deny');
    await must(mgmt.post(`/v1/organizations/${orgId}/scp/disable`), 200);
    expect((await decide(acc, user('u-cache'), list(R1))).decision).toBe('allow');
    await must(mgmt.post(`/v1/organizations/${orgId}/scp/enable`), 200);
    expect((await decide(acc, user('u-cache'), list(R1))).decision).toBe('allow');
  });
});

describe('warm reads', () => {
  const sent: string[] = [];
  /** The usage record's writes (write-behind, after the answer: unused access), apart from the reads. */
  const written: string[] = [];
  const counted = async (fn: () => Promise<unknown>): Promise<number> => {
    sent.length = 0;
    written.length = 0;
    const stop = observeRequests((operation) => (operation === 'UpdateItem' ? written : sent).push(operation));
    try {
      await fn();
      await settleUsage(5_000);
      return sent.length;
    } finally {
      stop();
    }
  };
  const measured: Record<string, number> = {};
  afterAll(() => {
    console.info(`DynamoDB calls per evaluate by reference: ${JSON.stringify(measured)}`);
  });

  it('member account in an organization: 3 requests in 2 round trips cold, 1 request warm', async () => {
    clearReferenceCache();
    const req = () => decide(acc, user('u-global'), list(R1));
    measured.cold_member = await counted(req);
    // Round trip 1: the graph Query; round trip 2: one BatchGet (policies, #ORG, the path's nodes) beside the SCP Query.
    expect(sent[0]).toBe('Query');
    expect([...sent.slice(1)].sort()).toEqual(['BatchGetItem', 'Query']);
    measured.warm_member = await counted(req);
    expect(sent).toEqual(['BatchGetItem']); // #ACCOUNT and #ORG
    measured.warm_member_explain = await counted(() => decide(acc, user('u-global'), list(R1), '/v1/explain'));
    expect(measured.warm_member_explain).toBe(1);
  });

  it('max_staleness_ms: no request within the bound; a write is seen once the bound has passed, and at once without it', async () => {
    clearReferenceCache();
    await must(acc.post('/v1/users', { user_id: 'u-stale', name: 'stale' }), 201);
    const stale = (ms: number) => decide(acc, user('u-stale'), { ...list(R2), max_staleness_ms: ms } as Req);
    expect((await stale(6_000)).decision).toBe('deny'); // no grant yet (loaded: the bound applies to cached entries)
    expect(await counted(() => stale(6_000))).toBe(0);
    const grant = await must(acc.post('/v1/grants', { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'user', id: 'u-stale' }, scope: { type: 'global' } }), 201);
    // Within the bound the cached answer stands (the documented staleness), with no request ...
    expect(await counted(async () => expect((await stale(6_000)).decision).toBe('deny'))).toBe(0);
    // ... a request without the option checks the stamp and sees the write (and refreshes the entry) ...
    expect((await decide(acc, user('u-stale'), list(R2))).decision).toBe('allow');
    // ... a bound of 0 always checks (one request when nothing changed) ...
    expect(await counted(() => stale(0))).toBe(1);
    // ... and once the bound has passed, the stamp is read again: the revoke is seen.
    await must(acc.del(`/v1/grants/${seg(grant.json.grant_id)}`), 204);
    await new Promise((r) => setTimeout(r, 60));
    expect(await counted(async () => expect((await stale(50)).decision).toBe('deny'))).toBeGreaterThan(1);
  });

  it('max_staleness_ms must be an integer from 0 to 30000', async () => {
    for (const bad of [-1, 1.5, 30_001, '5']) {
      const r = await acc.post('/v1/evaluate', { principal: user('u-global'), ...list(R1), max_staleness_ms: bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await acc.post('/v1/evaluate', { principal: user('u-global'), ...list(R1), max_staleness_ms: 30_000 })).status).toBe(200);
  });

  it('and for an account in no organization', async () => {
    const solo = await client('acc-ref-solo');
    await must(solo.post('/v1/users', { user_id: 'u-solo', name: 'solo' }), 201);
    await must(solo.post('/v1/grants', { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'user', id: 'u-solo' }, scope: { type: 'global' } }), 201);
    const req = () => decide(solo, user('u-solo', 'acc-ref-solo'), list(R1));
    measured.cold_solo = await counted(req);
    expect(sent).toEqual(['Query']); // a system policy only: nothing more to read (a stored one adds one BatchGet)
    // Behind the answer, the usage record: one write for the principal's action in this hour, then none.
    expect(written).toEqual(['UpdateItem']);
    measured.warm_solo = await counted(req);
    expect(sent).toEqual(['GetItem']);
    expect(written).toEqual([]);
  });
});
