/**
 * Tenancy over HTTP: account A creates one of everything; account B, with every scope, tries every route
 * of ROUTES on A's ids and gets 404 (existence does not leak), or lists without A's items; A's data is
 * unchanged afterwards. B is a member account of A's organization: it manages nothing of it. Evaluate and
 * explain by reference never reach another account's principals. Tokens: missing or expired -> 401, a
 * missing scope -> 403. The test fails when a route of ROUTES has no tenancy check.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SCOPES } from '../functions/shared/auth.js';
import { ROUTES } from '../functions/shared/openapi.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { clearReferenceCache, settleUsage } from '../functions/shared/reference.js';
import { handler as batch } from '../functions/batch.js';
import { sqsEvent, sqsRecord } from './support/fixtures.js';
import { client, keyOf, ROUTE_KEYS, seg, send, startLocalApi, type ApiReply, type Client } from './support/api.js';

const A = 'acc-tenant-a';
const B = 'acc-tenant-b';
const C = 'acc-tenant-c'; // in no organization
const SECRET = 'tenant-a-secret'; // in the names and descriptions of A's entities: must never reach B

let stop: () => Promise<void>;
let a: Client;
let b: Client;
let c: Client;
const covered = new Set<string>();

/** B's (or C's) request; records the route as covered, and checks the reply leaks nothing of A. */
async function as(who: Client, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<ApiReply> {
  const r = await send(who.token, method, url, body, headers);
  covered.add(r.route);
  expect(r.text, `${method} ${url} leaks A`).not.toContain(SECRET);
  expect(r.text, `${method} ${url} leaks A's account id`).not.toContain(A);
  return r;
}

const ids = {
  policy: 'p-tenant',
  scp: 'scp-tenant',
  user: 'u-tenant',
  group: 'g-tenant',
  agency: 'ag-tenant',
  grant: '',
  org: '',
  root: '',
  ou: '',
  decision: 'job-tenant',
};

const LIST = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'] }] };
const DENY_LIST_SCP = { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:list'], Resource: ['*'] }] };

beforeAll(async () => {
  ({ stop } = await startLocalApi('api-tenancy'));
  [a, b, c] = await Promise.all([client(A), client(B), client(C)]);
  const must = async (p: Promise<ApiReply>, status: number): Promise<ApiReply> => {
    const r = await p;
    if (r.status !== status) throw new Error(`setup: ${r.route} -> ${r.status} ${r.text}`);
    return r;
  };
  await must(a.post('/v1/policies', { policy_id: ids.policy, name: `${SECRET} policy`, type: 'identity', description: SECRET, document: LIST }), 201);
  await must(a.post('/v1/policies/p-tenant/versions', { document: LIST }), 201);
  await must(a.post('/v1/users', { user_id: ids.user, name: `${SECRET} user` }), 201);
  await must(a.post('/v1/groups', { group_id: ids.group, name: `${SECRET} group`, description: SECRET }), 201);
  await must(a.put(`/v1/groups/${ids.group}/members/${ids.user}`), 204);
  await must(a.post('/v1/agencies', { agency_id: ids.agency, name: `${SECRET} agency`, description: SECRET }), 201);
  ids.grant = (await must(a.post('/v1/grants', { policy_id: ids.policy, principal: { type: 'group', id: ids.group }, scope: { type: 'global' } }), 201)).json.grant_id;
  await must(a.post('/v1/grants', { policy_id: ids.policy, principal: { type: 'agency', id: ids.agency }, scope: { type: 'global' } }), 201);
  const org = await must(a.post('/v1/organizations'), 201);
  // SCPs belong to an organization: the management account creates them once it manages one.
  await must(a.post('/v1/policies', { policy_id: ids.scp, name: `${SECRET} scp`, type: 'scp', description: SECRET, document: DENY_LIST_SCP }), 201);
  ids.org = org.json.org_id;
  ids.root = org.json.root_id;
  ids.ou = (await must(a.post(`/v1/organizations/${ids.org}/ous`, { parent_id: ids.root, name: `${SECRET} ou` }), 201)).json.node_id;
  await must(a.post(`/v1/organizations/${ids.org}/accounts`, { account_id: B, parent_id: ids.ou }), 202);
  await must(b.post(`/v1/invitations/${ids.org}/accept`), 201);
  // An invitation for C stays pending: B can neither see, accept nor decline it.
  await must(a.post(`/v1/organizations/${ids.org}/accounts`, { account_id: C, parent_id: ids.root }), 202);
  await must(a.post(`/v1/organizations/${ids.org}/scp/enable`), 200);
  await must(a.put(`/v1/organizations/${ids.org}/nodes/${ids.ou}/policies/${ids.scp}`), 204);
  // B's own principal, evaluated by reference under A's organization (the Deny SCP at the OU applies).
  await must(b.post('/v1/users', { user_id: 'u-b', name: 'B user' }), 201);
  await must(b.post('/v1/grants', { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'user', id: 'u-b' }, scope: { type: 'global' } }), 201);
  // A batch (SQS) result of A's, by reference to A's user.
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const stored = await batch(sqsEvent(sqsRecord({ correlation_id: ids.decision, account_id: A, request: { principal: { user_id: ids.user }, action: 'ims:images:list', region: 'cn-north-4' } })));
  log.mockRestore();
  if (stored.batchItemFailures.length > 0) throw new Error('setup: the batch result of A was not stored');
});
afterAll(async () => stop?.());
beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

/** A snapshot of everything A owns, read with A's token. */
async function snapshotOfA(): Promise<string> {
  const reads = [
    `/v1/policies/${ids.policy}`,
    `/v1/policies/${ids.scp}`,
    `/v1/users/${ids.user}`,
    `/v1/users/${ids.user}/groups`,
    `/v1/groups/${ids.group}`,
    `/v1/groups/${ids.group}/members`,
    `/v1/agencies/${ids.agency}`,
    `/v1/grants/${ids.grant}`,
    `/v1/grants`,
    `/v1/organizations/${ids.org}`,
    `/v1/organizations/${ids.org}/nodes/${ids.root}/children`,
    `/v1/organizations/${ids.org}/nodes/${ids.ou}/children`,
    `/v1/organizations/${ids.org}/nodes/${ids.ou}/policies`,
    `/v1/organizations/${ids.org}/nodes/${B}/policies`,
    `/v1/decisions/${ids.decision}`,
  ];
  const out: unknown[] = [];
  for (const url of reads) {
    const r = await a.get(url);
    expect(r.status, `A reads ${url}: ${r.text}`).toBe(200);
    out.push(r.json);
  }
  return JSON.stringify(out);
}

const byRef = (principal: Record<string, unknown>): Record<string, unknown> => ({ principal, action: 'ims:images:list', region: 'cn-north-4' });

describe("account B on account A's resources", () => {
  let before = '';
  beforeAll(async () => {
    before = await snapshotOfA();
  });

  it("policies: every item route 404; lists without A; a create with the same id is B's own", async () => {
    const p = seg(ids.policy);
    const ifMatch = { 'if-match': '"2"' };
    for (const [method, url, body, headers] of [
      ['GET', `/v1/policies/${p}`],
      ['PATCH', `/v1/policies/${p}`, { name: 'taken' }, ifMatch],
      ['PATCH', `/v1/policies/${p}`, { name: 'taken' }],
      ['DELETE', `/v1/policies/${p}`],
      ['DELETE', `/v1/policies/${p}?detach=true`],
      ['POST', `/v1/policies/${p}/versions`, { document: LIST }, ifMatch],
      ['GET', `/v1/policies/${p}/versions/v1`],
      ['DELETE', `/v1/policies/${p}/versions/v1`],
      ['PUT', `/v1/policies/${p}/default_version`, { version_id: 'v2' }, ifMatch],
      ['GET', `/v1/policies/${seg(ids.scp)}`],
      ['DELETE', `/v1/policies/${seg(ids.scp)}?detach=true`],
    ] as Array<[string, string, unknown?, Record<string, string>?]>) {
      const r = await as(b, method, url, body, headers);
      expect(r.status, `${method} ${url}: ${r.text}`).toBe(404);
    }
    const list = await as(b, 'GET', '/v1/policies?limit=100');
    expect(list.status).toBe(200);
    expect(list.json.items.map((x: { policy_id: string }) => x.policy_id)).not.toContain(ids.policy);
    expect((await as(b, 'GET', '/v1/policies?type=scp')).json.items.map((x: { policy_id: string }) => x.policy_id)).not.toContain(ids.scp);
    // A cursor of A's listing is not accepted in B's.
    const aPage = await a.get('/v1/policies?limit=1');
    expect(aPage.json.next_cursor).toBeTruthy();
    const foreign = await as(b, 'GET', `/v1/policies?limit=1&cursor=${aPage.json.next_cursor}`);
    expect(foreign.status).toBe(400);

    const own = await as(b, 'POST', '/v1/policies', { policy_id: ids.policy, name: 'B policy', type: 'identity', document: LIST });
    expect(own.status, own.text).toBe(201);
    expect(own.json.policy.account_id).toBe(B);
  });

  it('users, groups, memberships, agencies: every item route 404; lists without A', async () => {
    for (const [method, url] of [
      ['GET', `/v1/users/${ids.user}`],
      ['DELETE', `/v1/users/${ids.user}`],
      ['GET', `/v1/users/${ids.user}/groups`],
      ['GET', `/v1/groups/${ids.group}`],
      ['DELETE', `/v1/groups/${ids.group}`],
      ['GET', `/v1/groups/${ids.group}/members`],
      ['PUT', `/v1/groups/${ids.group}/members/${ids.user}`],
      ['DELETE', `/v1/groups/${ids.group}/members/${ids.user}`],
      ['GET', `/v1/agencies/${ids.agency}`],
      ['DELETE', `/v1/agencies/${ids.agency}`],
    ]) {
      const r = await as(b, method as string, url as string);
      expect(r.status, `${method} ${url}: ${r.text}`).toBe(404);
    }
    // B's own group cannot take A's user, nor A's group B's user.
    expect((await as(b, 'POST', '/v1/groups', { group_id: 'g-b', name: 'B group' })).status).toBe(201);
    expect((await as(b, 'PUT', `/v1/groups/g-b/members/${ids.user}`)).status).toBe(404);
    expect((await as(b, 'PUT', `/v1/groups/${ids.group}/members/u-b`)).status).toBe(404);

    for (const url of ['/v1/users', '/v1/groups', '/v1/agencies']) {
      const r = await as(b, 'GET', url);
      expect(r.status).toBe(200);
      for (const id of [ids.user, ids.group, ids.agency]) expect(r.text).not.toContain(id);
    }
    // A's cursors are not accepted in B's listings.
    for (const url of ['/v1/users', '/v1/groups', '/v1/agencies', '/v1/grants', `/v1/groups/${ids.group}/members`]) {
      const page = await a.get(`${url}?limit=1`);
      expect(page.status).toBe(200);
      if (!page.json.next_cursor) continue;
      const r = await send(b.token, 'GET', `${url}?limit=1&cursor=${page.json.next_cursor}`);
      expect([400, 404], `${url}: ${r.text}`).toContain(r.status);
      expect(r.text).not.toContain(SECRET);
    }
    expect((await as(b, 'POST', '/v1/users', { user_id: ids.user, name: 'B twin' })).status).toBe(201);
    expect((await as(b, 'POST', '/v1/agencies', { agency_id: ids.agency, name: 'B twin' })).status).toBe(201);
    expect((await b.get(`/v1/users/${ids.user}/groups`)).json.items).toEqual([]);
  });

  it("grants: item routes 404; lists and filters without A's grants; no grant on A's policy or principals", async () => {
    expect((await as(b, 'GET', `/v1/grants/${seg(ids.grant)}`)).status).toBe(404);
    expect((await as(b, 'DELETE', `/v1/grants/${seg(ids.grant)}`)).status).toBe(404);
    for (const url of [
      '/v1/grants',
      `/v1/grants?policy_id=${ids.policy}`,
      `/v1/grants?principal_type=group&principal_id=${ids.group}`,
      `/v1/grants?principal_type=agency&principal_id=${ids.agency}`,
    ]) {
      const r = await as(b, 'GET', url);
      expect([200, 404], `${url}: ${r.text}`).toContain(r.status);
      if (r.status === 200) expect(r.json.items.map((g: { grant_id: string }) => g.grant_id)).not.toContain(ids.grant);
    }
    // A's custom SCP id, A's group: not B's.
    const onScp = await as(b, 'POST', '/v1/grants', { policy_id: ids.scp, principal: { type: 'user', id: 'u-b' }, scope: { type: 'global' } });
    expect(onScp.status, onScp.text).toBe(404);
    const toGroup = await as(b, 'POST', '/v1/grants', { policy_id: 'system:IMS-FullAccess', principal: { type: 'group', id: ids.group }, scope: { type: 'global' } });
    expect(toGroup.status, toGroup.text).toBe(404);
    // An id qualified with A's account names nothing either (the reply only echoes B's own input).
    const withAccount = await send(b.token, 'POST', '/v1/grants', { policy_id: `${A}:${ids.policy}`, principal: { type: 'user', id: 'u-b' }, scope: { type: 'global' } });
    expect(withAccount.status, withAccount.text).toBe(404);
    expect(withAccount.text).not.toContain(SECRET);
  });

  it("access analysis: who-can answers with the caller's own principals only; what-can of A's principals is 404", async () => {
    const mine = await as(b, 'GET', `/v1/access/who-can?action=ims:images:deleteImage&resource=ims:cn-north-4:${B}:image:x`);
    expect(mine.status, mine.text).toBe(200);
    expect(mine.json.account_id).toBe(B);
    // On A's image: still B's principals (each denied: another account's resource), nothing of A's.
    const onA = await send(b.token, 'GET', `/v1/access/who-can?action=ims:images:deleteImage&resource=ims:cn-north-4:${A}:image:x`);
    expect(onA.status, onA.text).toBe(200);
    expect(onA.text).not.toContain(SECRET);
    expect(onA.json.principals.map((p: { principal: { id: string } }) => p.principal.id).sort()).toEqual(mine.json.principals.map((p: { principal: { id: string } }) => p.principal.id).sort());
    // Never allowed: another account's resource is denied whatever the policies.
    for (const p of onA.json.principals as Array<{ access: string }>) expect(p.access).toBe('never');
    expect((await as(b, 'GET', `/v1/access/what-can?principal_type=account&principal_id=${A}`)).status).toBe(404);
    // A context key that is not one (a prototype name) is a 400 naming it, not an odd merge.
    const proto = await as(b, 'GET', `/v1/access/who-can?action=ims:images:list&context=${encodeURIComponent('{"__proto__":"x"}')}`);
    expect(proto.status, proto.text).toBe(400);
    expect(proto.json.error.details.field).toBe('context.__proto__');
    expect((await as(b, 'GET', '/v1/access/what-can?principal_type=user&principal_id=u-only-in-a')).status).toBe(404);
    // B's twin of A's user: B's own, with B's grants only.
    const twin = await as(b, 'GET', `/v1/access/what-can?principal_type=user&principal_id=${ids.user}`);
    expect(twin.status, twin.text).toBe(200);
    expect(twin.json.grants).toEqual([]);
  });

  it("organizations: a member account manages nothing of A's organization (404 on every route)", async () => {
    const o = ids.org;
    const cases: Array<[string, string, unknown?]> = [
      ['GET', `/v1/organizations/${o}`],
      ['POST', `/v1/organizations/${o}/ous`, { parent_id: ids.root, name: 'rogue' }],
      ['DELETE', `/v1/organizations/${o}/ous/${ids.ou}`],
      ['POST', `/v1/organizations/${o}/accounts`, { account_id: 'acc-rogue', parent_id: ids.root }],
      ['PATCH', `/v1/organizations/${o}/accounts/${B}`, { parent_id: ids.root }],
      ['DELETE', `/v1/organizations/${o}/accounts/${B}`],
      ['GET', `/v1/organizations/${o}/nodes/${ids.root}/children`],
      ['POST', `/v1/organizations/${o}/scp/enable`],
      ['POST', `/v1/organizations/${o}/scp/disable`],
      ['GET', `/v1/organizations/${o}/nodes/${ids.ou}/policies`],
      ['PUT', `/v1/organizations/${o}/nodes/${B}/policies/${seg('system:FullAccess')}`],
      ['DELETE', `/v1/organizations/${o}/nodes/${ids.ou}/policies/${ids.scp}`],
      ['DELETE', `/v1/organizations/${o}/nodes/${B}/policies/${seg('system:FullAccess')}`],
    ];
    for (const who of [b, c]) {
      for (const [method, url, body] of cases) {
        if (who === b && method === 'GET' && url === `/v1/organizations/${o}`) continue; // below
        const r = await as(who, method, url, body);
        expect(r.status, `${who === b ? 'member B' : 'outsider C'}: ${method} ${url}: ${r.text}`).toBe(404);
      }
    }
    // A member account may read its own organization (documented), and nothing below it.
    const own = await send(b.token, 'GET', `/v1/organizations/${o}`);
    expect(own.status, own.text).toBe(200);
    expect(own.json).toMatchObject({ org_id: o, root_id: ids.root, management_account_id: A });
    expect(own.text).not.toContain(SECRET);
    // B cannot even create an SCP (it manages no organization), and attaching one to its own account node in
    // A's organization: still not its organization.
    expect((await as(b, 'POST', '/v1/policies', { policy_id: 'scp-b', name: 'B scp', type: 'scp', document: DENY_LIST_SCP })).status).toBe(403);
    expect((await as(b, 'PUT', `/v1/organizations/${o}/nodes/${B}/policies/scp-b`)).status).toBe(404);
    // Nor does A's organization take B's SCP: the management account attaches only its own.
    expect((await a.put(`/v1/organizations/${o}/nodes/${B}/policies/scp-b`)).status).toBe(404);
  });

  it("a member account cannot leave A's SCPs by creating an organization of its own", async () => {
    const denied = await b.post('/v1/evaluate', byRef({ user_id: 'u-b' }));
    expect(denied.status, denied.text).toBe(200);
    expect(denied.json.reason).toBe('explicit_deny');
    const r = await as(b, 'POST', '/v1/organizations');
    expect(r.status, r.text).toBe(409);
    clearReferenceCache();
    const still = await b.post('/v1/evaluate', byRef({ user_id: 'u-b' }));
    expect(still.json.reason).toBe('explicit_deny');
    // C, in no organization, may create one.
    expect((await as(c, 'POST', '/v1/organizations')).status).toBe(201);
  });

  it("evaluate and explain by reference: A's principals are 404 for B", async () => {
    for (const path of ['/v1/evaluate', '/v1/explain']) {
      for (const principal of [{ account_id: A, user_id: ids.user }, { account_id: A, agency: ids.agency }, { account_id: A }, { account_id: A, user_id: 'nobody' }]) {
        const r = await as(b, 'POST', path, byRef(principal));
        expect(r.status, `${path} ${JSON.stringify(principal)}: ${r.text}`).toBe(404);
        expect(r.json.error.code).toBe('NOT_FOUND');
      }
      // B's own principal evaluates.
      expect((await as(b, 'POST', path, byRef({ account_id: B, user_id: 'u-b' }))).status).toBe(200);
    }
  });

  it("batch results: A's are 404 for B; B's own message with the same correlation id is B's", async () => {
    const r = await as(b, 'GET', `/v1/decisions/${ids.decision}`);
    expect(r.status, r.text).toBe(404);
    expect(r.json.error.code).toBe('NOT_FOUND');
    expect((await as(c, 'GET', `/v1/decisions/${ids.decision}`)).status).toBe(404);
    // A principal of A named in B's message is not found for B (stored as B's error result).
    const own = await batch(sqsEvent(sqsRecord({ correlation_id: ids.decision, account_id: B, request: { principal: { account_id: A, user_id: ids.user }, action: 'ims:images:list' } })));
    expect(own.batchItemFailures).toEqual([]);
    const mine = await as(b, 'GET', `/v1/decisions/${ids.decision}`);
    expect(mine.status).toBe(200);
    expect(mine.json).toMatchObject({ status: 'error', error: { code: 'NOT_FOUND' } });
    expect((await a.get(`/v1/decisions/${ids.decision}`)).json.status).toBe('completed');
  });

  it("invitations: B can neither see, accept nor decline another account's invitation", async () => {
    const list = await as(b, 'GET', '/v1/invitations');
    expect(list.status).toBe(200);
    expect(list.json.items).toEqual([]);
    expect((await as(b, 'POST', `/v1/invitations/${ids.org}/accept`)).status).toBe(404);
    expect((await as(b, 'DELETE', `/v1/invitations/${ids.org}`)).status).toBe(404);
  });

  it('routes without a tenant resource: validate, the analysis and the public catalog/openapi answer B alike', async () => {
    expect((await as(b, 'POST', '/v1/validate', { policy: LIST })).status).toBe(200);
    // The analysis reads only the sets in the body: nothing stored, nothing of A's.
    const set = { policies: [{ id: 'list', document: LIST }] };
    expect((await as(b, 'POST', '/v1/checks/no-new-access', { existing: set, proposed: set })).json.result).toBe('PASS');
    expect((await as(b, 'POST', '/v1/checks/access-not-granted', { set, actions: ['ims:images:list'] })).json.result).toBe('FAIL');
    expect((await as(b, 'POST', '/v1/diff', { a: set, b: {} })).json.result).toBe('FAIL');
    expect((await as(b, 'POST', '/v1/summary', { set })).status).toBe(200);
    expect((await as(b, 'GET', '/v1/catalog')).status).toBe(200);
    expect((await as(b, 'GET', '/v1/openapi.json')).status).toBe(200);
  });

  it("imports: B's import writes only B's account, even naming A's ids; B, a member of A's organization, cannot import one", async () => {
    const role = { id: ids.policy, display_name: 'B role', catalog: 'CUSTOMED', type: 'XA', policy: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'] }] } };
    const files = [
      { name: 'iam/roles.json', content: { roles: [role] } },
      { name: 'iam/users.json', content: { users: [{ id: ids.user, name: 'B twin' }] } },
      { name: 'iam/role-assignments.json', content: { role_assignments: [{ role: { id: ids.scp }, user: { id: ids.user }, scope: { domain: { id: B } } }] } },
    ];
    // B has a 5.0 policy p-tenant of its own (above): the 1.1 role of that id is refused before anything is written.
    const clash = await as(b, 'POST', '/v1/imports', { files });
    expect(clash.status, clash.text).toBe(422);
    expect(clash.json.error.details.conflicts[0]).toMatchObject({ code: 'CONFLICTING_POLICY', policy_id: ids.policy });
    const r = await as(b, 'POST', '/v1/imports', { files: files.map((f) => (f.name === 'iam/roles.json' ? { ...f, content: { roles: [{ ...role, id: 'r-b' }] } } : f)) });
    expect(r.status, r.text).toBe(200);
    const org = await as(b, 'POST', '/v1/imports', { files: [{ name: 'organizations/roots.json', content: { roots: [{ id: ids.root, name: 'root' }] } }] });
    expect(org.status, org.text).toBe(409);
  });

  it("unused access: A's principals are 404 for B; B's report names none of A's principals or uses", async () => {
    // A's user was allowed ims:images:list by reference (the batch above; and here): A's own report has it.
    expect((await a.post('/v1/evaluate', byRef({ user_id: ids.user }))).json.decision).toBe('allow');
    expect(await settleUsage(5_000)).toBe(true);
    const mine = await a.get(`/v1/access/unused?days=30&principal_type=user&principal_id=${ids.user}`);
    expect(mine.status, mine.text).toBe(200);
    expect(mine.json.principals[0].used.map((u: { action: string }) => u.action)).toEqual(['ims:images:list']);
    // A user only A has does not exist for B.
    expect((await a.post('/v1/users', { user_id: 'u-only-a', name: `${SECRET} only` })).status).toBe(201);
    for (const url of ['/v1/access/unused?days=30&principal_type=user&principal_id=u-only-a', '/v1/access/suggest?principal_type=user&principal_id=u-only-a']) {
      const r = await as(b, 'GET', url);
      expect(r.status, `${url}: ${r.text}`).toBe(404);
    }
    // B's own user and agency of the same ids as A's (twins, created above) are B's: without A's grants or A's uses.
    for (const url of [
      `/v1/access/unused?days=30&principal_type=user&principal_id=${ids.user}`,
      `/v1/access/suggest?principal_type=user&principal_id=${ids.user}`,
      `/v1/access/suggest?principal_type=agency&principal_id=${ids.agency}`,
    ]) {
      const r = await as(b, 'GET', url);
      expect(r.status, `${url}: ${r.text}`).toBe(200);
      const report = r.json.principals ? r.json.principals[0] : r.json;
      expect(report.principal.name).toBe('B twin');
      expect(report.used).toEqual([]);
    }
    expect((await as(b, 'GET', '/v1/access/unused?principal_type=user&principal_id=nobody')).status).toBe(404);
    const all = await as(b, 'GET', '/v1/access/unused?days=30');
    expect(all.status, all.text).toBe(200);
    expect(all.json.principals.map((p: { principal: { id: string } }) => p.principal.id).sort()).toEqual([ids.agency, 'u-b', ids.user].sort());
    expect(all.text).not.toContain('u-only-a');
    expect(all.json.principals.flatMap((p: { used: unknown[] }) => p.used)).toEqual([]);
  });

  it("A's data is unchanged after all of B's attempts", async () => {
    expect(await snapshotOfA()).toBe(before);
  });

  it('every route of ROUTES has a tenancy check above', () => {
    expect([...covered].sort()).toEqual([...ROUTE_KEYS].sort());
  });
});

describe('tokens', () => {
  const sample = (route: (typeof ROUTES)[number]): { url: string; body?: unknown } => {
    const url = route.path.replace(/\{([a-z_]+)\}/g, (_m, name: string) => `x-${name}`);
    return route.method === 'post' || route.method === 'put' || route.method === 'patch' ? { url, body: {} } : { url };
  };
  const protectedRoutes = ROUTES.filter((r) => !r.public);

  it('no token -> 401 on every protected route', async () => {
    for (const route of protectedRoutes) {
      const { url, body } = sample(route);
      const r = await send(undefined, route.method, url, body);
      expect(r.status, keyOf(route)).toBe(401);
      expect(r.json.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('an expired token, or one signed with another key -> 401 on every protected route', async () => {
    const expired = await mintToken(A, SCOPES, { ttl: -60, secret: LOCAL_JWT_SECRET });
    const forged = await mintToken(A, SCOPES, { secret: 'not-the-key-of-this-service-0000000000' });
    for (const token of [expired, forged]) {
      for (const route of protectedRoutes) {
        const { url, body } = sample(route);
        const r = await send(token, route.method, url, body);
        expect(r.status, keyOf(route)).toBe(401);
      }
    }
  });

  it('a token without the scope -> 403 on write routes, and nothing is written', async () => {
    const readOnly = await client(A, ['policies:read', 'evaluate']);
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/v1/policies', { policy_id: 'p-403', name: 'no scope', type: 'identity', document: LIST }],
      ['PATCH', `/v1/policies/${ids.policy}`, { name: 'no scope' }],
      ['DELETE', `/v1/policies/${ids.policy}?detach=true`, undefined],
      ['POST', '/v1/users', { user_id: 'u-403', name: 'no scope' }],
      ['DELETE', `/v1/users/${ids.user}`, undefined],
      ['POST', '/v1/grants', { policy_id: 'system:IMS-FullAccess', principal: { type: 'user', id: ids.user }, scope: { type: 'global' } }],
      ['DELETE', `/v1/grants/${ids.grant}`, undefined],
      ['POST', `/v1/organizations/${ids.org}/ous`, { parent_id: ids.root, name: 'no scope' }],
      ['DELETE', `/v1/organizations/${ids.org}/nodes/${ids.ou}/policies/${ids.scp}`, undefined],
    ];
    for (const [method, url, body] of cases) {
      const r = await send(readOnly.token, method, url, body);
      expect(r.status, `${method} ${url}`).toBe(403);
      expect(r.json.error.code).toBe('FORBIDDEN');
    }
    // policies:write does not manage organizations; org:write does not write policies.
    const writer = await client(A, ['policies:read', 'policies:write']);
    expect((await writer.post(`/v1/organizations/${ids.org}/scp/disable`)).status).toBe(403);
    const orgAdmin = await client(A, ['org:write']);
    expect((await orgAdmin.post('/v1/users', { user_id: 'u-403', name: 'x' })).status).toBe(403);
    expect((await orgAdmin.get('/v1/users')).status).toBe(403);
    const noEvaluate = await client(A, ['policies:read', 'policies:write', 'org:write']);
    expect((await noEvaluate.post('/v1/evaluate', byRef({ user_id: ids.user }))).status).toBe(403);
    expect((await a.get('/v1/policies/p-403')).status).toBe(404);
    expect((await a.get('/v1/users/u-403')).status).toBe(404);
    expect((await a.get(`/v1/users/${ids.user}`)).status).toBe(200);
    expect((await a.get(`/v1/grants/${ids.grant}`)).status).toBe(200);
  });
});
