/**
 * Writes that span items are all-or-nothing (store/transact.ts): every write below runs through a fault
 * proxy (test/support/fault-proxy.ts) that cuts its TransactWriteItems off mid-request (nothing may be
 * written) or drops its answer after the store applied it (everything must be written, once), and after
 * each the whole table must be consistent:
 *  - every reference has its target (grants: principal and policy; memberships: user and group);
 *  - every `ref_count` (principals, policies) equals the references to it, every `child_count` the nodes below;
 *  - every account in an organization has its node, on the path its `#ACCOUNT` item says;
 *  - a partition whose data changed had its change counter bumped, and one whose counter moved had data change.
 * A delete that needs several transactions (a group with more members than one transaction holds), cut
 * between them, leaves a consistent table too, and finishes when repeated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClient } from '../store/client.js';
import {
  addAccount,
  addMember,
  attachScp,
  createGrant,
  createGroup,
  createOrganization,
  createOu,
  createPolicy,
  createUser,
  deleteGrant,
  deleteGroup,
  deletePolicy,
  deleteUser,
  detachScp,
  enableScp,
  moveAccount,
  removeMember,
} from '../store/index.js';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import { IDENTITY_ALLOW, SCP_DENY_DELETE, useLocalTable } from './support/store-db.js';
import { dumpTable, type Item } from './support/table-dump.js';

const { db } = useLocalTable('store-tx');
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy(db().port);
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
  resetClient();
});
afterAll(async () => {
  process.env.DYNAMODB_ENDPOINT = db().endpoint;
  resetClient();
  await proxy.close();
});

const isTransaction = (request: string): boolean => /x-amz-target:\s*DynamoDB_20120810\.TransactWriteItems/i.test(request);

/** Every invariant the transactions keep, over a dump of the whole table. */
function checkConsistent(items: Item[]): void {
  const of = (et: string): Item[] => items.filter((i) => i._et === et);
  const principals = of('Principal');
  const memberships = of('Membership');
  const grants = of('Grant');
  const policies = of('Policy');
  const nodes = of('OrgNode');
  const orgs = of('Org');
  const accounts = of('Account');
  const has = (list: Item[], pred: (i: Item) => boolean): boolean => list.some(pred);
  for (const m of memberships) {
    expect(
      has(principals, (p) => p.account_id === m.account_id && p.kind === 'user' && p.principal_id === m.user_id),
      `membership ${String(m.sk)}: its user`,
    ).toBe(true);
    expect(
      has(principals, (p) => p.account_id === m.account_id && p.kind === 'group' && p.principal_id === m.group_id),
      `membership ${String(m.sk)}: its group`,
    ).toBe(true);
  }
  for (const g of grants) {
    expect(
      has(principals, (p) => p.account_id === g.account_id && p.kind === g.principal_type && p.principal_id === g.principal_id),
      `grant ${String(g.grant_id)}: its principal`,
    ).toBe(true);
    if (!String(g.policy_id).startsWith('system:'))
      expect(
        has(policies, (p) => p.account_id === g.account_id && p.policy_id === g.policy_id && p.type === 'identity'),
        `grant ${String(g.grant_id)}: its policy`,
      ).toBe(true);
  }
  for (const p of principals) {
    const refs =
      memberships.filter((m) => m.account_id === p.account_id && (p.kind === 'user' ? m.user_id === p.principal_id : p.kind === 'group' && m.group_id === p.principal_id)).length +
      grants.filter((g) => g.account_id === p.account_id && g.principal_type === p.kind && g.principal_id === p.principal_id).length;
    expect(p.ref_count ?? 0, `ref_count of ${String(p.sk)} in ${String(p.pk)}`).toBe(refs);
  }
  for (const p of policies) {
    const managed = orgs.filter((o) => o.management_account_id === p.account_id).map((o) => o.org_id);
    const refs =
      grants.filter((g) => g.account_id === p.account_id && g.policy_id === p.policy_id).length +
      nodes.filter((n) => managed.includes(n.org_id) && Array.isArray(n.scps) && (n.scps as string[]).includes(p.policy_id as string)).length;
    expect(p.ref_count ?? 0, `ref_count of policy ${String(p.policy_id)}`).toBe(refs);
  }
  for (const n of nodes.filter((x) => x.node_type !== 'account')) {
    expect(n.child_count, `child_count of ${String(n.node_id)}`).toBe(nodes.filter((c) => c.org_id === n.org_id && c.parent_id === n.node_id).length);
  }
  for (const a of accounts.filter((x) => x.org_id)) {
    const node = nodes.find((n) => n.org_id === a.org_id && n.node_id === a.account_id);
    expect(node?.node_type, `the node of account ${String(a.account_id)}`).toBe('account');
    const path: string[] = [];
    for (let n = node; n; n = nodes.find((x) => x.org_id === a.org_id && x.node_id === n?.parent_id)) path.unshift(n.node_id as string);
    expect(a.org_path, `org_path of ${String(a.account_id)}`).toEqual(path);
  }
}

/** Data changed in a partition exactly when its counter (`#ACCOUNT` / `#ORG`) moved. */
function checkCounters(before: Item[], after: Item[]): void {
  const partitions = new Set([...before, ...after].map((i) => String(i.pk)).filter((pk) => pk.startsWith('ACCT#') || pk.startsWith('ORG#')));
  for (const pk of partitions) {
    const counterSk = pk.startsWith('ACCT#') ? '#ACCOUNT' : '#ORG';
    // The revalidation and invitations change no decision: they do not bump (and are not written here).
    const data = (items: Item[]): string => JSON.stringify(items.filter((i) => i.pk === pk && i.sk !== counterSk).map(({ ref_count: _r, ...rest }) => rest));
    const counter = (items: Item[]): unknown => items.find((i) => i.pk === pk && i.sk === counterSk)?.counter;
    const stamped = (items: Item[]): string => JSON.stringify(items.find((i) => i.pk === pk && i.sk === counterSk) ?? null);
    const dataChanged = data(before) !== data(after);
    const counterMoved = counter(before) !== counter(after);
    if (dataChanged) expect(counterMoved, `${pk}: data changed, the counter did not move`).toBe(true);
    if (counterMoved && !dataChanged && pk.startsWith('ORG#')) continue; // an SCP of the management account changed (its own partition is checked)
    if (counterMoved && !dataChanged) expect(stamped(before) !== stamped(after), `${pk}: the counter moved without data`).toBe(true);
  }
}

/** Runs `write` with `fault` on its first transaction, then checks the table; returns what the write returned or threw. */
async function underFault(at: 'request' | 'answer', write: () => Promise<unknown>): Promise<{ ok: boolean; error?: unknown }> {
  const before = await dumpTable(db().endpoint, db().tableName);
  await proxy.setMode({ kind: 'cut', at, when: isTransaction, times: 1 });
  let out: { ok: boolean; error?: unknown };
  try {
    await write();
    out = { ok: true };
  } catch (error) {
    out = { ok: false, error };
  } finally {
    await proxy.setMode({ kind: 'pass' });
    resetClient(); // no socket of the cut connections is reused
  }
  const after = await dumpTable(db().endpoint, db().tableName);
  checkConsistent(after);
  checkCounters(before, after);
  return out;
}

describe('a write interrupted mid-request or with its answer lost leaves the table consistent', () => {
  const acc = 'tx-acc';
  const mgmt = 'tx-mgmt';
  let orgId = '';
  let rootId = '';
  let ouId = '';

  beforeAll(async () => {
    await createPolicy({ account_id: acc, policy_id: 'p1', name: 'P1', document: IDENTITY_ALLOW });
    await createUser(acc, { user_id: 'alice', name: 'Alice' });
    await createUser(acc, { user_id: 'bob', name: 'Bob' });
    await createGroup(acc, { group_id: 'admins', name: 'Admins' });
    const org = await createOrganization(mgmt);
    orgId = org.org_id;
    rootId = org.root_id;
    ouId = (await createOu(mgmt, orgId, { parent_id: rootId, name: 'ou' })).node_id;
    await createPolicy({ account_id: mgmt, policy_id: 'scp1', name: 'SCP 1', type: 'scp', document: SCP_DENY_DELETE });
    await enableScp(mgmt, orgId);
    checkConsistent(await dumpTable(db().endpoint, db().tableName));
  });

  for (const at of ['request', 'answer'] as const) {
    it(`cut at the ${at}: memberships, grants, SCP attachments, moves and cascading deletes`, async () => {
      const user = `u-${at}`;
      await createUser(acc, { user_id: user, name: user });
      const writes: Array<[string, () => Promise<unknown>]> = [
        ['addMember', () => addMember(acc, 'admins', user)],
        ['createGrant (custom policy)', () => createGrant(acc, { policy_id: 'p1', principal: { type: 'group', id: 'admins' }, scope: { type: 'project', project: `cn-${at}` } })],
        ['createGrant (to the user)', () => createGrant(acc, { policy_id: 'p1', principal: { type: 'user', id: user }, scope: { type: 'global' } })],
        ['removeMember', () => removeMember(acc, 'admins', user)],
        ['addMember again', () => addMember(acc, 'admins', user)],
        ['addAccount', () => addAccount(mgmt, orgId, { account_id: `acc-${at}`, parent_id: rootId })],
        ['moveAccount', () => moveAccount(mgmt, orgId, `acc-${at}`, { parent_id: ouId })],
        ['attachScp', () => attachScp(mgmt, orgId, ouId, 'scp1')],
        ['detachScp', () => detachScp(mgmt, orgId, ouId, 'scp1')],
        ['deleteUser (with its membership and grant)', () => deleteUser(acc, user)],
      ];
      const results: string[] = [];
      for (const [name, write] of writes) {
        const r = await underFault(at, write);
        results.push(`${name}: ${r.ok ? 'ok' : String((r.error as Error).name)}`);
      }
      // With the answer lost, the SDK's retry carries the same ClientRequestToken: every write still succeeds once.
      if (at === 'answer')
        expect(
          results.filter((r) => !r.endsWith(': ok')),
          results.join('\n'),
        ).toEqual([]);
    });
  }

  it('deletePolicy with detach (its grants and attachments with it), cut at the answer', async () => {
    await createPolicy({ account_id: mgmt, policy_id: 'scp2', name: 'SCP 2', type: 'scp', document: SCP_DENY_DELETE });
    await attachScp(mgmt, orgId, ouId, 'scp2');
    await createPolicy({ account_id: acc, policy_id: 'p2', name: 'P2', document: IDENTITY_ALLOW });
    const g = await createGrant(acc, { policy_id: 'p2', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' } });
    expect((await underFault('answer', () => deletePolicy(mgmt, 'scp2', { detach: true }))).ok).toBe(true);
    expect((await underFault('request', () => deletePolicy(acc, 'p2', { detach: true }))).ok).toBe(true); // the SDK's retry goes through
    await expect(deleteGrant(acc, g.grant_id)).rejects.toThrow(/no grant/);
  });
});

describe('a delete in several transactions, cut between them', () => {
  it('leaves every count right, and finishes when repeated', async () => {
    const acc = 'tx-big';
    await createGroup(acc, { group_id: 'crowd', name: 'Crowd' });
    const n = 60; // more than one transaction holds (about 48 references each)
    for (let i = 0; i < n; i++) {
      await createUser(acc, { user_id: `m${i}`, name: `m${i}` });
      await addMember(acc, 'crowd', `m${i}`);
    }
    // Let the first transaction through, then cut the second one (and the SDK's retry of it).
    let seen = 0;
    const before = await dumpTable(db().endpoint, db().tableName);
    await proxy.setMode({ kind: 'cut', at: 'request', when: (r) => isTransaction(r) && ++seen >= 2, times: 5 });
    await expect(deleteGroup(acc, 'crowd')).rejects.toBeDefined();
    await proxy.setMode({ kind: 'pass' });
    resetClient();
    const middle = await dumpTable(db().endpoint, db().tableName);
    checkConsistent(middle);
    checkCounters(before, middle);
    const left = middle.filter((i) => i._et === 'Membership' && i.group_id === 'crowd').length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(n);
    expect(middle.some((i) => i._et === 'Principal' && i.principal_id === 'crowd')).toBe(true);
    await deleteGroup(acc, 'crowd');
    const after = await dumpTable(db().endpoint, db().tableName);
    checkConsistent(after);
    expect(after.filter((i) => i._et === 'Membership' && i.group_id === 'crowd')).toEqual([]);
    expect(after.some((i) => i._et === 'Principal' && i.principal_id === 'crowd')).toBe(false);
  }, 120_000);
});
