/**
 * Who may change an SCP (issue 12 item 3; docs/security.md "Scopes"): every change of an SCP document or of
 * where it applies needs the `org:write` scope and the management account of the organization, on top of
 * the route's own scope (`policies:write` for the policy routes). Reads keep their rules.
 *
 * A table: every policy and organization route that reads or changes an SCP x six token scope sets x three
 * callers (the management account, a member account of its organization, an outsider), each case on fresh
 * state, with the expected status; a refused change leaves the policy and its attachments as they were.
 * Plus the reproductions of the issue on the seeded example data.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../infra/local/token.js';
import { seedExamples } from '../infra/local/seed.js';
import { acceptInvitation, attachScp, createOrganization, createOu, createPolicy, enableScp, getPolicy, inviteAccount, listAttachments, StoreError } from '../store/index.js';
import { send, startLocalApi, type ApiReply } from './support/api.js';

const M = 'acc-scpw-mgmt';
const N = 'acc-scpw-member';
const X = 'acc-scpw-outsider';
const SCP = (action: string) => ({ Version: '5.0', Statement: [{ Effect: 'Deny', Action: [action], Resource: ['*'] }] });

let stop: () => Promise<void>;
let org = '';
let root = '';
let counter = 0;

beforeAll(async () => {
  const local = await startLocalApi('scp-writes');
  stop = local.stop;
  const o = await createOrganization(M);
  org = o.org_id;
  root = o.root_id;
  await inviteAccount(M, org, { account_id: N, parent_id: root });
  await acceptInvitation(N, org);
  await enableScp(M, org);
  // The seeded example data (acc-0 manages an organization; its SCP deny-unencrypted-copy is attached at OU eu).
  await seedExamples({ endpoint: local.db.endpoint, tableName: local.db.tableName });
});
afterAll(async () => stop?.());
beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  return () => vi.restoreAllMocks();
});

type Who = 'mgmt' | 'member' | 'outsider';
const ACCOUNT: Record<Who, string> = { mgmt: M, member: N, outsider: X };
const SCOPE_SETS: Record<string, string[]> = {
  none: [],
  read: ['policies:read'],
  write: ['policies:write'],
  org: ['org:write'],
  'write+org': ['policies:write', 'org:write'],
  all: ['evaluate', 'policies:read', 'policies:write', 'org:write'],
};

/**
 * What a case works on: a fresh SCP of the caller's own account (created through the store: the member and
 * the outsider stand for SCPs stored before this rule, which only the store can still write), with two
 * versions, attached to a fresh OU of the management account's organization.
 */
interface Fixture {
  /** The caller's own fresh SCP. */
  own: string;
  /** A fresh SCP of the management account, attached to `ou` (the organization routes' target). */
  mgmtScp: string;
  /** A fresh SCP of the management account, attached nowhere. */
  loose: string;
  ou: string;
}

async function fixture(who: Who): Promise<Fixture> {
  const n = ++counter;
  const ou = (await createOu(M, org, { parent_id: root, name: `ou-${n}` })).node_id;
  const mk = async (account: string, id: string): Promise<string> => {
    await createPolicy({ account_id: account, policy_id: id, name: id, type: 'scp', document: SCP('ims:images:delete') });
    return id;
  };
  const own = await mk(ACCOUNT[who], `own-${n}`);
  // A second version (not the default), for the version routes.
  const { createPolicyVersion } = await import('../store/index.js');
  await createPolicyVersion(ACCOUNT[who], own, { document: SCP('ims:images:share') });
  const mgmtScp = who === 'mgmt' ? own : await mk(M, `m-${n}`);
  await attachScp(M, org, ou, mgmtScp);
  const loose = await mk(M, `loose-${n}`);
  return { own, mgmtScp, loose, ou };
}

interface Route {
  name: string;
  /** The request, from the fixture. */
  request: (f: Fixture) => { method: string; url: string; body?: unknown };
  /** The route's own scope (as ROUTES declares it). */
  scope: 'policies:read' | 'policies:write' | 'org:write';
  /** Whether it changes an SCP (then: org:write and the management account as well). */
  change: boolean;
  /** Organization routes answer 404 to a caller that does not manage the organization. */
  orgRoute: boolean;
  ok: number;
}

const ROUTES: Route[] = [
  {
    name: 'create an SCP',
    request: () => ({ method: 'POST', url: '/v1/policies', body: { policy_id: `new-${++counter}`, name: 'new', type: 'scp', document: SCP('ims:images:get') } }),
    scope: 'policies:write',
    change: true,
    orgRoute: false,
    ok: 201,
  },
  { name: 'rename an SCP', request: (f) => ({ method: 'PATCH', url: `/v1/policies/${f.own}`, body: { name: 'renamed' } }), scope: 'policies:write', change: true, orgRoute: false, ok: 200 },
  {
    name: 'add a default version',
    request: (f) => ({ method: 'POST', url: `/v1/policies/${f.own}/versions`, body: { document: SCP('ims:images:get'), set_as_default: true } }),
    scope: 'policies:write',
    change: true,
    orgRoute: false,
    ok: 201,
  },
  {
    name: 'add a version',
    request: (f) => ({ method: 'POST', url: `/v1/policies/${f.own}/versions`, body: { document: SCP('ims:images:get') } }),
    scope: 'policies:write',
    change: true,
    orgRoute: false,
    ok: 201,
  },
  {
    name: 'switch the default version',
    request: (f) => ({ method: 'PUT', url: `/v1/policies/${f.own}/default_version`, body: { version_id: 'v2' } }),
    scope: 'policies:write',
    change: true,
    orgRoute: false,
    ok: 200,
  },
  { name: 'delete a version', request: (f) => ({ method: 'DELETE', url: `/v1/policies/${f.own}/versions/v2` }), scope: 'policies:write', change: true, orgRoute: false, ok: 200 },
  { name: 'delete an attached SCP with detach', request: (f) => ({ method: 'DELETE', url: `/v1/policies/${f.own}?detach=true` }), scope: 'policies:write', change: true, orgRoute: false, ok: 204 },
  { name: 'delete an attached SCP (no detach)', request: (f) => ({ method: 'DELETE', url: `/v1/policies/${f.own}` }), scope: 'policies:write', change: true, orgRoute: false, ok: 409 },
  { name: 'read an SCP', request: (f) => ({ method: 'GET', url: `/v1/policies/${f.own}` }), scope: 'policies:read', change: false, orgRoute: false, ok: 200 },
  { name: 'read an SCP version', request: (f) => ({ method: 'GET', url: `/v1/policies/${f.own}/versions/v1` }), scope: 'policies:read', change: false, orgRoute: false, ok: 200 },
  { name: 'list SCPs', request: () => ({ method: 'GET', url: '/v1/policies?type=scp' }), scope: 'policies:read', change: false, orgRoute: false, ok: 200 },
  { name: 'attach an SCP', request: (f) => ({ method: 'PUT', url: `/v1/organizations/${org}/nodes/${f.ou}/policies/${f.loose}` }), scope: 'org:write', change: true, orgRoute: true, ok: 204 },
  { name: 'detach an SCP', request: (f) => ({ method: 'DELETE', url: `/v1/organizations/${org}/nodes/${f.ou}/policies/${f.mgmtScp}` }), scope: 'org:write', change: true, orgRoute: true, ok: 204 },
  { name: 'list the SCPs of a node', request: (f) => ({ method: 'GET', url: `/v1/organizations/${org}/nodes/${f.ou}/policies` }), scope: 'policies:read', change: false, orgRoute: true, ok: 200 },
];

/** The expected status of a route for a caller and a token's scopes: the matrix of docs/security.md. */
function expected(route: Route, who: Who, scopes: readonly string[]): number {
  if (!scopes.includes(route.scope)) return 403; // the route's own scope, checked first
  if (route.orgRoute && who !== 'mgmt') return 404; // the organization is not the caller's to see
  if (route.change && !scopes.includes('org:write')) return 403; // an SCP change needs org:write too
  if (route.change && who !== 'mgmt') return 403; // and the management account of an organization
  return route.ok;
}

/** The state a refused request must leave untouched: the SCPs' revisions and the node's attachments. */
async function snapshot(who: Who, f: Fixture): Promise<string> {
  const revision = async (account: string, id: string): Promise<number | string> =>
    getPolicy(account, id).then(
      (p) => p.revision,
      (err: unknown) => (err instanceof StoreError ? err.code : Promise.reject(err)),
    );
  const attached = (await listAttachments(M, org, f.ou)).map((a) => a.policy_id).sort();
  return JSON.stringify([await revision(ACCOUNT[who], f.own), await revision(M, f.mgmtScp), await revision(M, f.loose), attached]);
}

const CASES = ROUTES.flatMap((route) =>
  (Object.keys(ACCOUNT) as Who[]).flatMap((who) => Object.keys(SCOPE_SETS).map((set) => ({ route, who, set, status: expected(route, who, SCOPE_SETS[set] as string[]) }))),
);

describe('SCP writes: route x token scopes x caller account', () => {
  it('the matrix covers every route that reads or changes an SCP, each way a request can be refused', () => {
    expect(CASES).toHaveLength(ROUTES.length * 3 * 6);
    for (const status of [403, 404, 200, 201, 204]) expect(CASES.some((c) => c.status === status)).toBe(true);
  });

  // A refused request changes nothing (asserted below), so its fixture serves the next case of the caller;
  // a change that went through gets a fresh one.
  const fixtures = new Map<Who, Fixture>();
  const tokens = new Map<string, string>();
  it.each(CASES.map((c) => [c.route.name, c.who, c.set, c.status, c] as const))('%s, %s, scopes %s -> %i', async (_r, who, set, status, c) => {
    const f = fixtures.get(who) ?? (await fixture(who));
    fixtures.set(who, f);
    if (c.route.change && status < 400) fixtures.delete(who);
    const token = tokens.get(`${who} ${set}`) ?? (await mintToken(ACCOUNT[who], SCOPE_SETS[set] as string[]));
    tokens.set(`${who} ${set}`, token);
    const before = await snapshot(who, f);
    const { method, url, body } = c.route.request(f);
    const r: ApiReply = await send(token, method, url, body);
    expect(r.status, r.text).toBe(status);
    if (status >= 400) expect(await snapshot(who, f), 'a refused request changed nothing').toBe(before);
    if (status === 403 && c.route.change && (SCOPE_SETS[set] as string[]).includes(c.route.scope)) expect(r.json.error.code).toBe('FORBIDDEN');
  });

  it('an identity policy still needs policies:write only (the SCP rule does not spill over)', async () => {
    const token = await mintToken(X, ['policies:write']);
    expect(
      (
        await send(token, 'POST', '/v1/policies', {
          policy_id: 'idp-1',
          name: 'idp',
          type: 'identity',
          document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Resource: ['*'] }] },
        })
      ).status,
    ).toBe(201);
    expect(
      (await send(token, 'POST', '/v1/policies/idp-1/versions', { document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['*'] }] }, set_as_default: true }))
        .status,
    ).toBe(201);
    expect((await send(token, 'DELETE', '/v1/policies/idp-1')).status).toBe(204);
  });
});

describe('issue 12 item 3: the reproductions (seeded data: acc-0 manages the organization; deny-unencrypted-copy at OU eu)', () => {
  const copyUnencrypted = {
    principal: { account_id: 'acc-1', user_id: 'alice' },
    region: 'cn-north-4',
    api: { method: 'POST', path: '/v1/cloudimages/abc/copy', hints: { enterprise_project: false } },
    context: { 'ims:Encrypted': false },
  };
  const decision = async (): Promise<string> => (await send(await mintToken('acc-1', ['evaluate']), 'POST', '/v1/evaluate', copyUnencrypted)).json.reason as string;

  it('the management account with only policies:write cannot delete (and detach) the SCP: 403, the copy stays denied', async () => {
    expect(await decision()).toBe('explicit_deny');
    const writeOnly = await mintToken('acc-0', ['policies:write']);
    const r = await send(writeOnly, 'DELETE', '/v1/policies/deny-unencrypted-copy?detach=true');
    expect(r.status, r.text).toBe(403); // 204 on main: the SCP left its OU
    expect(r.json.error.code).toBe('FORBIDDEN');
    expect(await decision()).toBe('explicit_deny');
  });

  it('nor give it a new default version that changes decisions', async () => {
    const writeOnly = await mintToken('acc-0', ['policies:write']);
    const r = await send(writeOnly, 'POST', '/v1/policies/deny-unencrypted-copy/versions', { document: SCP('ims:images:get'), set_as_default: true });
    expect(r.status, r.text).toBe(403); // 201 on main, and the copy became allowed
    expect(await decision()).toBe('explicit_deny');
  });

  it('with org:write as well, the management account may (the rule is a scope, not a ban)', async () => {
    const admin = await mintToken('acc-0', ['policies:write', 'org:write']);
    const r = await send(admin, 'POST', '/v1/policies/deny-unencrypted-copy/versions', { document: SCP('ims:images:get'), set_as_default: false });
    expect(r.status, r.text).toBe(201);
    expect(await decision()).toBe('explicit_deny'); // not the default: nothing changed
  });
});
