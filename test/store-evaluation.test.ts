/**
 * What the evaluation reads: the change stamp (at most 2 GetItems; changes after every write that can
 * change a decision, never after a read) and the principal's policy set.
 */
import { describe, expect, it } from 'vitest';
import { SCP_FULL_ACCESS_ID } from '../lib/system-policies.js';
import { observeRequests } from '../store/dynamo-http.js';
import {
  addAccount,
  addMember,
  attachScp,
  changeStamp,
  createAgency,
  createGrant,
  createGroup,
  createOrganization,
  createOu,
  createPolicy,
  createPolicyVersion,
  createUser,
  deleteAgency,
  deleteGrant,
  deleteGroup,
  deleteOu,
  deletePolicy,
  deletePolicyVersion,
  deleteUser,
  detachScp,
  disableScp,
  enableScp,
  getGrant,
  getOrganization,
  getPolicy,
  getUser,
  listAttachments,
  listChildren,
  listGrants,
  listGroupMembers,
  listPolicies,
  listUserGroups,
  listUsers,
  loadPrincipalPolicies,
  moveAccount,
  removeAccount,
  removeMember,
  setDefaultVersion,
  updateAgency,
  updateGroup,
  updatePolicy,
  updateUser,
} from '../store/index.js';
import { IDENTITY_ALLOW, IDENTITY_DENY_DELETE, refusal, SCP_DENY_COPY, SCP_DENY_DELETE, useLocalTable } from './support/store-db.js';

useLocalTable('store-eval');

/** The DynamoDB commands `fn` sends, by name. */
/** The DynamoDB operations `fn` sends through the read path's client (store/dynamo-http.ts), in order. */
async function commandsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const stop = observeRequests((operation) => sent.push(operation));
  try {
    await fn();
    return sent;
  } finally {
    stop();
  }
}

describe('changeStamp', () => {
  it('costs one GetItem outside an organization and two inside', async () => {
    await createPolicy({ account_id: 'acc-cost', policy_id: 'p', name: 'p', document: IDENTITY_ALLOW });
    expect(await commandsOf(() => changeStamp('acc-cost'))).toEqual(['GetItem']);
    await createOrganization('acc-cost-mgmt');
    expect(await commandsOf(() => changeStamp('acc-cost-mgmt'))).toEqual(['GetItem', 'GetItem']);
    // An account never written to has a stamp too.
    expect(await changeStamp('acc-never-written')).toBe('0');
  });

  it('changes after every write that can change a decision of the account, and not after reads', async () => {
    const acc = 'acc-stamp';
    let last = await changeStamp(acc);
    const changes = async (what: string, write: () => Promise<unknown>): Promise<void> => {
      await write();
      const now = await changeStamp(acc);
      expect(now, `${what} did not change the stamp`).not.toBe(last);
      last = now;
    };
    const unchanged = async (what: string, read: () => Promise<unknown>): Promise<void> => {
      await read();
      expect(await changeStamp(acc), `${what} changed the stamp`).toBe(last);
    };

    await changes('createPolicy', () => createPolicy({ account_id: acc, policy_id: 'p', name: 'P', document: IDENTITY_ALLOW }));
    await changes('updatePolicy', () => updatePolicy(acc, 'p', { name: 'P2' }));
    await changes('createPolicyVersion', () => createPolicyVersion(acc, 'p', { document: IDENTITY_DENY_DELETE }));
    await changes('setDefaultVersion', () => setDefaultVersion(acc, 'p', 'v2'));
    await changes('setDefaultVersion back', () => setDefaultVersion(acc, 'p', 'v1'));
    await changes('deletePolicyVersion', () => deletePolicyVersion(acc, 'p', 'v2'));
    await changes('createUser', () => createUser(acc, { user_id: 'u', name: 'U' }));
    await changes('updateUser', () => updateUser(acc, 'u', { name: 'U2' }));
    await changes('createGroup', () => createGroup(acc, { group_id: 'g', name: 'G' }));
    await changes('updateGroup', () => updateGroup(acc, 'g', { description: 'd' }));
    await changes('addMember', () => addMember(acc, 'g', 'u'));
    await changes('createAgency', () => createAgency(acc, { agency_id: 'a', name: 'A' }));
    await changes('updateAgency', () => updateAgency(acc, 'a', { name: 'A2' }));
    let grantId = '';
    await changes('createGrant', async () => {
      grantId = (await createGrant(acc, { policy_id: 'p', principal: { type: 'group', id: 'g' }, scope: { type: 'global' } })).grant_id;
    });

    await unchanged('reads', async () => {
      await getPolicy(acc, 'p');
      await listPolicies(acc);
      await getUser(acc, 'u');
      await listUsers(acc);
      await listUserGroups(acc, 'u');
      await listGroupMembers(acc, 'g');
      await getGrant(acc, grantId);
      await listGrants(acc);
      await loadPrincipalPolicies(acc, { user_id: 'u' });
      await loadPrincipalPolicies(acc, { agency: 'a' });
      await changeStamp(acc);
    });
    await unchanged('refused writes', async () => {
      await refusal(updatePolicy(acc, 'p', { name: 'x' }, '"1"'));
      await refusal(createGrant(acc, { policy_id: 'p', principal: { type: 'group', id: 'g' }, scope: { type: 'global' } }));
      await refusal(deletePolicy(acc, 'p'));
    });

    await changes('deleteGrant', () => deleteGrant(acc, grantId));
    await changes('removeMember', () => removeMember(acc, 'g', 'u'));
    await changes('deleteUser', () => deleteUser(acc, 'u'));
    await changes('deleteGroup', () => deleteGroup(acc, 'g'));
    await changes('deleteAgency', () => deleteAgency(acc, 'a'));
    await changes('deletePolicy', () => deletePolicy(acc, 'p'));
  });

  it("of a member account changes after every change of its organization and of the management account's SCPs", async () => {
    const mgmt = 'mgmt-stamp';
    const member = 'member-stamp';
    const org = await createOrganization(mgmt);
    await createPolicy({ account_id: mgmt, policy_id: 'scp', name: 'SCP', type: 'scp', document: SCP_DENY_DELETE });
    let last = await changeStamp(member);
    const changes = async (what: string, write: () => Promise<unknown>): Promise<void> => {
      await write();
      const now = await changeStamp(member);
      expect(now, `${what} did not change the member's stamp`).not.toBe(last);
      last = now;
    };
    await changes('addAccount', () => addAccount(mgmt, org.org_id, { account_id: member, parent_id: org.root_id }));
    let ou = '';
    await changes('createOu', async () => {
      ou = (await createOu(mgmt, org.org_id, { parent_id: org.root_id, name: 'ou' })).node_id;
    });
    await changes('moveAccount', () => moveAccount(mgmt, org.org_id, member, { parent_id: ou }));
    await changes('enableScp', () => enableScp(mgmt, org.org_id));
    await changes('attachScp', () => attachScp(mgmt, org.org_id, ou, 'scp'));
    await changes('new SCP version of the management account', () => createPolicyVersion(mgmt, 'scp', { document: SCP_DENY_COPY }));
    await changes('new default SCP version', () => setDefaultVersion(mgmt, 'scp', 'v2'));
    await changes('detachScp', () => detachScp(mgmt, org.org_id, ou, SCP_FULL_ACCESS_ID));

    const before = last;
    await getOrganization(member, org.org_id);
    await listChildren(mgmt, org.org_id, org.root_id);
    await listAttachments(mgmt, org.org_id, ou);
    await loadPrincipalPolicies(member);
    expect(await changeStamp(member)).toBe(before);

    await changes('moveAccount back', () => moveAccount(mgmt, org.org_id, member, { parent_id: org.root_id }));
    await changes('deleteOu', () => deleteOu(mgmt, org.org_id, ou));
    await changes('disableScp', () => disableScp(mgmt, org.org_id));
    await changes('removeAccount', () => removeAccount(mgmt, org.org_id, member));
    expect(last).not.toContain(org.org_id);
  });
});

describe('loadPrincipalPolicies', () => {
  const acc = 'acc-load';

  it("loads a user's own and group grants with the default version of each policy", async () => {
    await createPolicy({ account_id: acc, policy_id: 'allow', name: 'Allow', document: IDENTITY_ALLOW });
    await createPolicy({ account_id: acc, policy_id: 'deny', name: 'Deny', document: IDENTITY_DENY_DELETE });
    await createPolicyVersion(acc, 'deny', { document: '{"Version":"1.1","Statement":[{"Effect":"Deny","Action":["ims:images:update"]}]}', set_as_default: true });
    await createUser(acc, { user_id: 'alice', name: 'Alice' });
    for (const g of ['g1', 'g2', 'g3']) await createGroup(acc, { group_id: g, name: g });
    await addMember(acc, 'g2', 'alice');
    await addMember(acc, 'g1', 'alice');
    const own = await createGrant(acc, { policy_id: 'allow', principal: { type: 'user', id: 'alice' }, scope: { type: 'project', project: 'cn-north-4' } });
    const viaG1 = await createGrant(acc, { policy_id: 'deny', principal: { type: 'group', id: 'g1' }, scope: { type: 'global' } });
    const viaG2 = await createGrant(acc, { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'group', id: 'g2' }, scope: { type: 'enterprise_project', enterprise_project_id: 'ep-9' } });
    await createGrant(acc, { policy_id: 'allow', principal: { type: 'group', id: 'g3' }, scope: { type: 'global' } }); // not alice's group

    const loaded = await loadPrincipalPolicies(acc, { user_id: 'alice' });
    expect(loaded.stamp).toBe(await changeStamp(acc));
    expect(loaded.principal).toEqual({ type: 'user', id: 'alice', name: 'Alice' });
    expect(loaded.groups).toEqual(['g1', 'g2']);
    expect(loaded.organization).toBeNull();
    expect(loaded.grants).toEqual([
      { grant_id: own.grant_id, principal: { type: 'user', id: 'alice' }, scope: { type: 'project', project: 'cn-north-4' }, policy_id: 'allow', version: 'v1', document: IDENTITY_ALLOW },
      {
        grant_id: viaG1.grant_id,
        principal: { type: 'group', id: 'g1' },
        scope: { type: 'global' },
        policy_id: 'deny',
        version: 'v2',
        document: '{"Version":"1.1","Statement":[{"Effect":"Deny","Action":["ims:images:update"]}]}',
      },
      {
        grant_id: viaG2.grant_id,
        principal: { type: 'group', id: 'g2' },
        scope: { type: 'enterprise_project', enterprise_project_id: 'ep-9' },
        policy_id: 'system:IMS-ReadOnlyAccess',
        version: 'v1',
        document: '{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ims:*:get*","ims:*:list*"]}]}',
      },
    ]);
  });

  it("loads an agency's grants, and nothing for the account itself", async () => {
    await createAgency(acc, { agency_id: 'ops', name: 'Ops agency' });
    const g = await createGrant(acc, { policy_id: 'system:IMS-FullAccess', principal: { type: 'agency', id: 'ops' }, scope: { type: 'all_projects' } });
    const agency = await loadPrincipalPolicies(acc, { agency: 'ops' });
    expect(agency.principal).toEqual({ type: 'agency', id: 'ops', name: 'Ops agency' });
    expect(agency.groups).toEqual([]);
    expect(agency.grants.map((x) => [x.grant_id, x.policy_id, x.version])).toEqual([[g.grant_id, 'system:IMS-FullAccess', 'v1']]);
    const self = await loadPrincipalPolicies(acc);
    expect(self).toMatchObject({ principal: { type: 'account', id: acc }, groups: [], grants: [], organization: null });
  });

  it('reads the stamp with the data, in two requests: the graph Query, then one BatchGet of the policies', async () => {
    const sent = await commandsOf(() => loadPrincipalPolicies(acc, { user_id: 'alice' }));
    // The Query returns #ACCOUNT (the stamp), the user, its memberships and the grants; the BatchGet the policies.
    expect(sent).toEqual(['Query', 'BatchGetItem']);
  });
});
