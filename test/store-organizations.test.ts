/**
 * Organizations against DynamoDB Local: the tree (OUs up to 5 levels, accounts), management-account-only
 * operations, SCP enable/attach/detach with the last-SCP rule, SCP inheritance along a 3-level OU path as
 * the evaluation loads it, and deletes of policies attached as SCPs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SCP_FULL_ACCESS_ID } from '../lib/system-policies.js';
import {
  addAccount,
  attachScp,
  createOrganization,
  createOu,
  createPolicy,
  createPolicyVersion,
  deleteOu,
  deletePolicy,
  detachScp,
  disableScp,
  enableScp,
  getNode,
  getOrganization,
  getPolicy,
  listAttachments,
  listChildren,
  loadPrincipalPolicies,
  moveAccount,
  type Organization,
  removeAccount,
  setDefaultVersion,
  type StoreError,
} from '../store/index.js';
import { allPages, IDENTITY_ALLOW, refusal, SCP_DENY_COPY, SCP_DENY_DELETE, useLocalTable } from './support/store-db.js';

useLocalTable('store-orgs');

const attached = async (mgmt: string, orgId: string, nodeId: string): Promise<string[]> => (await listAttachments(mgmt, orgId, nodeId)).map((a) => a.policy_id);

describe('organization tree', () => {
  const mgmt = 'mgmt-tree';
  let org: Organization;
  beforeAll(async () => {
    org = await createOrganization(mgmt);
  });

  it('creates the organization with the management account under the root', async () => {
    expect(org).toMatchObject({ management_account_id: mgmt, scp_enabled: false, revision: 1, etag: '"1"' });
    expect(org.org_id).toMatch(/^o-[0-9a-z]{12}$/);
    expect(org.root_id).toMatch(/^r-[0-9a-z]{8}$/);
    expect(await getOrganization(mgmt, org.org_id)).toEqual(org);
    expect(await getNode(mgmt, org.org_id, org.root_id)).toMatchObject({ node_type: 'root', parent_id: null, depth: 0 });
    expect(await getNode(mgmt, org.org_id, mgmt)).toMatchObject({ node_type: 'account', parent_id: org.root_id, depth: 1 });
    expect((await refusal(createOrganization(mgmt))).code).toBe('CONFLICT');
  });

  it('nests OUs at most 5 levels below the root', async () => {
    let parent = org.root_id;
    const ous: string[] = [];
    for (let depth = 1; depth <= 5; depth++) {
      const ou = await createOu(mgmt, org.org_id, { parent_id: parent, name: `level ${depth}` });
      expect(ou).toMatchObject({ node_type: 'ou', parent_id: parent, depth, name: `level ${depth}` });
      expect(ou.node_id).toMatch(/^ou-[0-9a-z]{12}$/);
      ous.push(ou.node_id);
      parent = ou.node_id;
    }
    expect(await refusal(createOu(mgmt, org.org_id, { parent_id: parent, name: 'level 6' }))).toMatchObject({ code: 'CONFLICT', status: 409 });
    expect((await refusal(createOu(mgmt, org.org_id, { parent_id: 'ou-missing', name: 'x' }))).code).toBe('NOT_FOUND');
    expect((await refusal(createOu(mgmt, org.org_id, { parent_id: mgmt, name: 'under an account' }))).code).toBe('INVALID_INPUT');

    // Only an empty OU can be deleted, from the deepest up; never the root.
    expect((await refusal(deleteOu(mgmt, org.org_id, ous[3] as string))).code).toBe('CONFLICT');
    expect((await refusal(deleteOu(mgmt, org.org_id, org.root_id))).code).toBe('CONFLICT');
    expect((await refusal(deleteOu(mgmt, org.org_id, ous[4] as string, '"7"'))).code).toBe('PRECONDITION_FAILED');
    await deleteOu(mgmt, org.org_id, ous[4] as string, '"1"');
    await deleteOu(mgmt, org.org_id, ous[3] as string);
    expect((await refusal(deleteOu(mgmt, org.org_id, ous[3] as string))).code).toBe('NOT_FOUND');
    expect((await listChildren(mgmt, org.org_id, ous[2] as string)).items).toEqual([]);
  });

  it('adds, lists, moves and removes accounts; an account is in one organization', async () => {
    const a = await createOu(mgmt, org.org_id, { parent_id: org.root_id, name: 'A' });
    const b = await createOu(mgmt, org.org_id, { parent_id: org.root_id, name: 'B' });
    for (const acc of ['m1', 'm2', 'm3']) expect(await addAccount(mgmt, org.org_id, { account_id: acc, parent_id: a.node_id })).toMatchObject({ node_type: 'account', parent_id: a.node_id, depth: 2 });
    expect((await refusal(addAccount(mgmt, org.org_id, { account_id: 'm1', parent_id: b.node_id }))).code).toBe('ALREADY_EXISTS');

    const children = await allPages((p) => listChildren(mgmt, org.org_id, a.node_id, p), 2);
    expect(children.items.map((n) => n.node_id)).toEqual(['m1', 'm2', 'm3']);
    const rootChildren = (await listChildren(mgmt, org.org_id, org.root_id, { limit: 100 })).items;
    expect(rootChildren.filter((n) => n.node_type === 'account').map((n) => n.node_id)).toEqual([mgmt]);
    expect(
      rootChildren
        .filter((n) => n.node_type === 'ou')
        .map((n) => n.name)
        .sort(),
    ).toEqual(['A', 'B', 'level 1']);

    // A member can read its organization; another organization cannot take it.
    expect((await getOrganization('m1', org.org_id)).org_id).toBe(org.org_id);
    const other = await createOrganization('mgmt-other');
    expect((await refusal(addAccount('mgmt-other', other.org_id, { account_id: 'm1', parent_id: other.root_id }))).code).toBe('CONFLICT');
    expect((await refusal(createOrganization('m1'))).code).toBe('CONFLICT');

    const moved = await moveAccount(mgmt, org.org_id, 'm1', { parent_id: b.node_id }, '"1"');
    expect(moved).toMatchObject({ parent_id: b.node_id, revision: 2 });
    expect((await refusal(moveAccount(mgmt, org.org_id, 'm1', { parent_id: a.node_id }, '"1"'))).code).toBe('PRECONDITION_FAILED');
    expect((await listChildren(mgmt, org.org_id, b.node_id)).items.map((n) => n.node_id)).toEqual(['m1']);
    expect((await refusal(deleteOu(mgmt, org.org_id, b.node_id))).code).toBe('CONFLICT');

    expect((await refusal(removeAccount(mgmt, org.org_id, mgmt))).code).toBe('CONFLICT');
    await removeAccount(mgmt, org.org_id, 'm1');
    expect((await refusal(getOrganization('m1', org.org_id))).code).toBe('NOT_FOUND');
    await deleteOu(mgmt, org.org_id, b.node_id);
    // Having left, m1 can join another organization.
    expect((await addAccount('mgmt-other', other.org_id, { account_id: 'm1', parent_id: other.root_id })).parent_id).toBe(other.root_id);
  });

  it('gives NOT_FOUND to every account but the management account', async () => {
    const ou = await createOu(mgmt, org.org_id, { parent_id: org.root_id, name: 'guarded' });
    for (const caller of ['m2', 'outsider']) {
      for (const attempt of [
        () => createOu(caller, org.org_id, { parent_id: org.root_id, name: 'x' }),
        () => deleteOu(caller, org.org_id, ou.node_id),
        () => addAccount(caller, org.org_id, { account_id: 'new-acc', parent_id: org.root_id }),
        () => moveAccount(caller, org.org_id, 'm2', { parent_id: ou.node_id }),
        () => removeAccount(caller, org.org_id, 'm3'),
        () => listChildren(caller, org.org_id, org.root_id),
        () => getNode(caller, org.org_id, org.root_id),
        () => enableScp(caller, org.org_id),
        () => disableScp(caller, org.org_id),
        () => attachScp(caller, org.org_id, ou.node_id, SCP_FULL_ACCESS_ID),
        () => detachScp(caller, org.org_id, ou.node_id, SCP_FULL_ACCESS_ID),
        () => listAttachments(caller, org.org_id, ou.node_id),
      ]) {
        expect(await refusal(attempt())).toMatchObject({ code: 'NOT_FOUND', status: 404 });
      }
    }
    expect((await refusal(getOrganization('outsider', org.org_id))).code).toBe('NOT_FOUND');
    expect((await refusal(getOrganization(mgmt, 'o-doesnotexist'))).code).toBe('NOT_FOUND');
    expect((await getNode(mgmt, org.org_id, 'm2')).parent_id).not.toBe(ou.node_id);
  });
});

describe('SCPs', () => {
  const mgmt = 'mgmt-scp';
  let org: Organization;
  let ou: string;
  beforeAll(async () => {
    org = await createOrganization(mgmt);
    ou = (await createOu(mgmt, org.org_id, { parent_id: org.root_id, name: 'OU' })).node_id;
    await addAccount(mgmt, org.org_id, { account_id: 'member-1', parent_id: ou });
    await createPolicy({ account_id: mgmt, policy_id: 'deny-delete', name: 'Deny delete', type: 'scp', document: SCP_DENY_DELETE });
    await createPolicy({ account_id: mgmt, policy_id: 'deny-copy', name: 'Deny copy', type: 'scp', document: SCP_DENY_COPY });
    await createPolicy({ account_id: mgmt, policy_id: 'identity', name: 'Identity', document: IDENTITY_ALLOW });
    await createPolicy({ account_id: 'member-1', policy_id: 'member-scp', name: 'Not the management account', type: 'scp', document: SCP_DENY_DELETE });
  });

  it('need enabling; enabling attaches FullAccess to every node, and to nodes added later', async () => {
    expect((await refusal(attachScp(mgmt, org.org_id, ou, 'deny-delete'))).code).toBe('CONFLICT');
    const enabled = await enableScp(mgmt, org.org_id, org.etag);
    expect(enabled).toMatchObject({ scp_enabled: true, revision: 2 });
    for (const node of [org.root_id, ou, mgmt, 'member-1']) expect(await attached(mgmt, org.org_id, node)).toEqual([SCP_FULL_ACCESS_ID]);
    const later = await createOu(mgmt, org.org_id, { parent_id: ou, name: 'later' });
    await addAccount(mgmt, org.org_id, { account_id: 'member-2', parent_id: later.node_id });
    expect(await attached(mgmt, org.org_id, later.node_id)).toEqual([SCP_FULL_ACCESS_ID]);
    expect(await attached(mgmt, org.org_id, 'member-2')).toEqual([SCP_FULL_ACCESS_ID]);
    expect(await listAttachments(mgmt, org.org_id, 'member-2')).toEqual([{ org_id: org.org_id, target_id: 'member-2', policy_id: SCP_FULL_ACCESS_ID, name: 'FullAccess', system: true }]);
    // Enabling again is harmless.
    expect((await enableScp(mgmt, org.org_id)).scp_enabled).toBe(true);
    expect(await attached(mgmt, org.org_id, ou)).toEqual([SCP_FULL_ACCESS_ID]);
  });

  it('refuses to detach the last SCP of a node (409); attaching another first makes it possible', async () => {
    expect(await refusal(detachScp(mgmt, org.org_id, ou, SCP_FULL_ACCESS_ID))).toMatchObject({ code: 'CONFLICT', status: 409 });
    expect(await attached(mgmt, org.org_id, ou)).toEqual([SCP_FULL_ACCESS_ID]);

    const a = await attachScp(mgmt, org.org_id, ou, 'deny-delete');
    expect(a).toEqual({ org_id: org.org_id, target_id: ou, policy_id: 'deny-delete', name: 'Deny delete', system: false });
    await detachScp(mgmt, org.org_id, ou, SCP_FULL_ACCESS_ID);
    expect(await attached(mgmt, org.org_id, ou)).toEqual(['deny-delete']);
    expect((await refusal(detachScp(mgmt, org.org_id, ou, 'deny-delete'))).code).toBe('CONFLICT');
    expect((await refusal(detachScp(mgmt, org.org_id, ou, SCP_FULL_ACCESS_ID))).code).toBe('NOT_FOUND');
    await attachScp(mgmt, org.org_id, ou, SCP_FULL_ACCESS_ID);
  });

  it('attaches only SCPs of the management account (or FullAccess), once, at most 5 per node', async () => {
    expect((await refusal(attachScp(mgmt, org.org_id, ou, 'identity'))).code).toBe('INVALID_INPUT');
    expect((await refusal(attachScp(mgmt, org.org_id, ou, 'system:IMS-FullAccess'))).code).toBe('INVALID_INPUT');
    expect((await refusal(attachScp(mgmt, org.org_id, ou, 'member-scp'))).code).toBe('NOT_FOUND');
    expect((await refusal(attachScp(mgmt, org.org_id, 'no-such-node', 'deny-copy'))).code).toBe('NOT_FOUND');
    expect((await refusal(attachScp(mgmt, org.org_id, ou, 'deny-delete'))).code).toBe('ALREADY_EXISTS');

    for (let i = 0; i < 3; i++) await createPolicy({ account_id: mgmt, policy_id: `extra-${i}`, name: `Extra ${i}`, type: 'scp', document: SCP_DENY_COPY });
    await attachScp(mgmt, org.org_id, ou, 'extra-0');
    await attachScp(mgmt, org.org_id, ou, 'extra-1');
    await attachScp(mgmt, org.org_id, ou, 'extra-2');
    expect(await attached(mgmt, org.org_id, ou)).toHaveLength(5);
    expect((await refusal(attachScp(mgmt, org.org_id, ou, 'deny-copy'))).code).toBe('CONFLICT');
    for (let i = 0; i < 3; i++) await detachScp(mgmt, org.org_id, ou, `extra-${i}`);
  });

  it("concurrent detaches of a node's two SCPs: exactly one succeeds", async () => {
    const node = 'member-1';
    await attachScp(mgmt, org.org_id, node, 'deny-copy');
    const results = await Promise.allSettled([detachScp(mgmt, org.org_id, node, SCP_FULL_ACCESS_ID), detachScp(mgmt, org.org_id, node, 'deny-copy')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as StoreError).code).toBe('CONFLICT');
    expect(await attached(mgmt, org.org_id, node)).toHaveLength(1);
    if ((await attached(mgmt, org.org_id, node))[0] !== SCP_FULL_ACCESS_ID) {
      await attachScp(mgmt, org.org_id, node, SCP_FULL_ACCESS_ID);
      await detachScp(mgmt, org.org_id, node, 'deny-copy');
    }
  });

  it('deleting an attached SCP: 409 with the attachments; detach is refused where it is the last SCP, else removes them', async () => {
    // deny-delete is on `ou` beside FullAccess; make it the only SCP of member-2.
    await attachScp(mgmt, org.org_id, 'member-2', 'deny-delete');
    await detachScp(mgmt, org.org_id, 'member-2', SCP_FULL_ACCESS_ID);

    const refused = await refusal(deletePolicy(mgmt, 'deny-delete'));
    expect(refused.code).toBe('CONFLICT');
    expect((refused.details as { scp_attachments: Array<{ target_id: string }> }).scp_attachments.map((t) => t.target_id).sort()).toEqual([ou, 'member-2'].sort());

    const last = await refusal(deletePolicy(mgmt, 'deny-delete', { detach: true }));
    expect(last.code).toBe('CONFLICT');
    expect((last.details as { last_scp_of: string[] }).last_scp_of).toEqual(['member-2']);
    expect(await attached(mgmt, org.org_id, ou)).toContain('deny-delete'); // nothing changed
    expect(await getPolicy(mgmt, 'deny-delete')).toBeTruthy();

    await attachScp(mgmt, org.org_id, 'member-2', SCP_FULL_ACCESS_ID);
    const done = await deletePolicy(mgmt, 'deny-delete', { detach: true });
    expect(done.detached_scps.map((d) => d.target_id).sort()).toEqual([ou, 'member-2'].sort());
    expect(await attached(mgmt, org.org_id, ou)).toEqual([SCP_FULL_ACCESS_ID]);
    expect(await attached(mgmt, org.org_id, 'member-2')).toEqual([SCP_FULL_ACCESS_ID]);
    expect((await refusal(getPolicy(mgmt, 'deny-delete'))).code).toBe('NOT_FOUND');
  });

  it('disabling detaches everything; attaching then needs enabling again', async () => {
    const disabled = await disableScp(mgmt, org.org_id);
    expect(disabled.scp_enabled).toBe(false);
    for (const node of [org.root_id, ou, mgmt, 'member-1', 'member-2']) expect(await attached(mgmt, org.org_id, node)).toEqual([]);
    expect((await refusal(attachScp(mgmt, org.org_id, ou, 'deny-copy'))).code).toBe('CONFLICT');
    // New nodes get nothing while disabled.
    const ou2 = await createOu(mgmt, org.org_id, { parent_id: org.root_id, name: 'while disabled' });
    expect(await attached(mgmt, org.org_id, ou2.node_id)).toEqual([]);
    expect((await refusal(disableScp(mgmt, org.org_id, '"1"'))).code).toBe('PRECONDITION_FAILED');
  });
});

describe('SCP inheritance along a 3-level OU path', () => {
  const mgmt = 'mgmt-path';
  const member = 'member-deep';
  let org: Organization;
  const ous: string[] = [];

  beforeAll(async () => {
    org = await createOrganization(mgmt);
    let parent = org.root_id;
    for (const name of ['ou1', 'ou2', 'ou3']) {
      parent = (await createOu(mgmt, org.org_id, { parent_id: parent, name })).node_id;
      ous.push(parent);
    }
    await addAccount(mgmt, org.org_id, { account_id: member, parent_id: parent });
    await createPolicy({ account_id: mgmt, policy_id: 'no-delete', name: 'No delete', type: 'scp', document: SCP_DENY_DELETE });
    await createPolicy({ account_id: mgmt, policy_id: 'no-copy', name: 'No copy', type: 'scp', document: SCP_DENY_COPY });
  });

  it("loads root → ou1 → ou2 → ou3 → account, outermost first, with each level's SCPs", async () => {
    const before = await loadPrincipalPolicies(member);
    expect(before.organization).toMatchObject({ org_id: org.org_id, management_account_id: mgmt, scp_enabled: false });
    expect(before.organization?.levels.every((l) => l.policies.length === 0)).toBe(true);

    await enableScp(mgmt, org.org_id);
    await attachScp(mgmt, org.org_id, ous[0] as string, 'no-delete');
    await attachScp(mgmt, org.org_id, ous[1] as string, 'no-copy');
    await detachScp(mgmt, org.org_id, ous[1] as string, SCP_FULL_ACCESS_ID);

    const loaded = await loadPrincipalPolicies(member);
    expect(loaded.principal).toEqual({ type: 'account', id: member });
    expect(loaded.grants).toEqual([]);
    const o = loaded.organization;
    expect(o?.org_path).toBe([org.org_id, org.root_id, ...ous, member].join('/'));
    expect(o?.levels.map((l) => [l.node_type, l.node_id, l.policies.map((p) => p.policy_id)])).toEqual([
      ['root', org.root_id, [SCP_FULL_ACCESS_ID]],
      ['ou', ous[0], ['no-delete', SCP_FULL_ACCESS_ID]],
      ['ou', ous[1], ['no-copy']],
      ['ou', ous[2], [SCP_FULL_ACCESS_ID]],
      ['account', member, [SCP_FULL_ACCESS_ID]],
    ]);
    const ou1 = o?.levels[1]?.policies;
    expect(ou1?.[0]).toEqual({ policy_id: 'no-delete', version: 'v1', document: SCP_DENY_DELETE });
    expect(JSON.parse(ou1?.[1]?.document ?? '')).toEqual({ Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] });
    expect(ou1?.[1]?.version).toBe('v1');

    // The management account's own path; a new default version of an attached SCP is what loads next.
    const own = await loadPrincipalPolicies(mgmt);
    expect(own.organization?.levels.map((l) => l.node_id)).toEqual([org.root_id, mgmt]);
    await createPolicyVersion(mgmt, 'no-copy', { document: SCP_DENY_DELETE });
    await setDefaultVersion(mgmt, 'no-copy', 'v2');
    expect((await loadPrincipalPolicies(member)).organization?.levels[2]?.policies).toEqual([{ policy_id: 'no-copy', version: 'v2', document: SCP_DENY_DELETE }]);

    // Moving the account changes its path.
    await moveAccount(mgmt, org.org_id, member, { parent_id: ous[0] as string });
    expect((await loadPrincipalPolicies(member)).organization?.org_path).toBe([org.org_id, org.root_id, ous[0], member].join('/'));
  });

  it('an account outside any organization has none', async () => {
    expect((await loadPrincipalPolicies('lonely-account')).organization).toBeNull();
  });

  it('refuses an unknown user or agency, and both at once', async () => {
    expect((await refusal(loadPrincipalPolicies(member, { user_id: 'ghost' }))).code).toBe('NOT_FOUND');
    expect((await refusal(loadPrincipalPolicies(member, { agency: 'ghost' }))).code).toBe('NOT_FOUND');
    expect((await refusal(loadPrincipalPolicies(member, { user_id: 'a', agency: 'b' }))).code).toBe('INVALID_INPUT');
  });
});
