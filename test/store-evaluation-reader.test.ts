/**
 * store/evaluation-reader.ts reads the items the dynamodb-toolbox entities write, with its own small client
 * (store/dynamo-http.ts) and without importing the toolbox or the AWS SDK. This file pins the three things that
 * depends on: the module graph (no toolbox), the stored shapes it reads (written through the store, read
 * back raw), and the toolbox's query semantics it reproduces (entity filter, pages, BatchGet retries).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { SCP_FULL_ACCESS_ID } from '../lib/system-policies.js';
import { getDocumentClient, getTableName } from '../store/client.js';
import { interceptRequests, observeRequests, type WireItem } from '../store/dynamo-http.js';
import { changeStamp, loadPrincipalPolicies } from '../store/evaluation-reader.js';
import {
  addAccount,
  addMember,
  attachScp,
  createAgency,
  createGrant,
  createGroup,
  createOrganization,
  createOu,
  createPolicy,
  createPolicyVersion,
  createUser,
  enableScp,
  listGrants,
  moveAccount,
} from '../store/index.js';
import { readOrgPartition } from '../store/nodes.js';
import { bundleInputsOf } from './support/bundle-inputs.js';
import { IDENTITY_ALLOW, IDENTITY_DENY_DELETE, SCP_DENY_DELETE, useLocalTable } from './support/store-db.js';

useLocalTable('store-reader');

const raw = async (pk: string, sk: string): Promise<Record<string, unknown> | undefined> =>
  (await getDocumentClient().send(new GetCommand({ TableName: getTableName(), Key: { pk, sk }, ConsistentRead: true }))).Item;

describe('the reader module', () => {
  it('imports no dynamodb-toolbox, no AWS SDK and no toolbox-based store module, transitively', async () => {
    const inputs = await bundleInputsOf(['store/evaluation-reader.ts']);
    expect(inputs.toolbox).toEqual([]);
    expect(inputs.store).toEqual(['store/common.ts', 'store/dynamo-http.ts', 'store/errors.ts', 'store/evaluation-reader.ts', 'store/keys.ts']);
    expect(inputs.sdk).toEqual([]);
  });
});

describe('the stored shapes it reads', () => {
  it('are the ones the toolbox entities write', async () => {
    const mgmt = 'shape-mgmt';
    const acc = 'shape-acc';
    const org = await createOrganization(mgmt);
    await createPolicy({ account_id: mgmt, policy_id: 'scp', name: 'SCP', type: 'scp', document: SCP_DENY_DELETE });
    await addAccount(mgmt, org.org_id, { account_id: acc, parent_id: org.root_id });
    const ou = await createOu(mgmt, org.org_id, { parent_id: org.root_id, name: 'ou' });
    await moveAccount(mgmt, org.org_id, acc, { parent_id: ou.node_id });
    await enableScp(mgmt, org.org_id);
    await attachScp(mgmt, org.org_id, ou.node_id, 'scp');
    await createPolicy({ account_id: acc, policy_id: 'p', name: 'P', document: IDENTITY_ALLOW });
    await createPolicyVersion(acc, 'p', { document: IDENTITY_DENY_DELETE, set_as_default: true });
    await createUser(acc, { user_id: 'u', name: 'User U' });
    await createGroup(acc, { group_id: 'g', name: 'G' });
    await createAgency(acc, { agency_id: 'a', name: 'Agency A' });
    await addMember(acc, 'g', 'u');
    const grant = await createGrant(acc, { policy_id: 'p', principal: { type: 'group', id: 'g' }, scope: { type: 'enterprise_project', enterprise_project_id: 'ep-1' } });

    expect(await raw(`ACCT#${acc}`, '#ACCOUNT')).toMatchObject({ _et: 'Account', counter: expect.any(Number), org_id: org.org_id, org_mgmt: mgmt, org_path: [org.root_id, ou.node_id, acc] });
    expect(await raw(`ORG#${org.org_id}`, '#ORG')).toMatchObject({ _et: 'Org', org_id: org.org_id, management_account_id: mgmt, scp_enabled: true, counter: expect.any(Number) });
    const root = await raw(`ORG#${org.org_id}`, `NODE#${org.root_id}`);
    expect(root).toMatchObject({ _et: 'OrgNode', node_id: org.root_id, node_type: 'root', scps: new Set([SCP_FULL_ACCESS_ID]) });
    expect(root).not.toHaveProperty('parent_id');
    expect(await raw(`ORG#${org.org_id}`, `NODE#${ou.node_id}`)).toMatchObject({ _et: 'OrgNode', node_type: 'ou', parent_id: org.root_id, scps: new Set([SCP_FULL_ACCESS_ID, 'scp']) });
    expect(await raw(`ORG#${org.org_id}`, `NODE#${acc}`)).toMatchObject({ _et: 'OrgNode', node_type: 'account', parent_id: ou.node_id });
    expect(await raw(`ACCT#${acc}`, '#P#user#u')).toMatchObject({ _et: 'Principal', name: 'User U' });
    expect(await raw(`ACCT#${acc}`, '#P#agency#a')).toMatchObject({ _et: 'Principal', name: 'Agency A' });
    expect(await raw(`ACCT#${acc}`, '#M#u#g')).toMatchObject({ _et: 'Membership', group_id: 'g' });
    const [, , hash] = grant.grant_id.split(':');
    expect(await raw(`ACCT#${acc}`, `#G#group#g#${hash}`)).toMatchObject({
      _et: 'Grant',
      grant_id: grant.grant_id,
      principal_type: 'group',
      principal_id: 'g',
      policy_id: 'p',
      scope_key: 'ep:ep-1',
    });
    expect(await raw(`ACCT#${acc}`, 'POLICY#p')).toMatchObject({
      _et: 'Policy',
      account_id: acc,
      policy_id: 'p',
      type: 'identity',
      default_version: 'v2',
      versions: { v1: { document: IDENTITY_ALLOW }, v2: { document: IDENTITY_DENY_DELETE } },
    });

    // And what the reader makes of them agrees with the toolbox's own reads.
    const loaded = await loadPrincipalPolicies(acc, { user_id: 'u' });
    const viaToolbox = await listGrants(acc, { principal: { type: 'group', id: 'g' } });
    expect(loaded.grants.map((g) => ({ grant_id: g.grant_id, policy_id: g.policy_id, principal: g.principal, scope: g.scope }))).toEqual(
      viaToolbox.items.map((g) => ({ grant_id: g.grant_id, policy_id: g.policy_id, principal: g.principal, scope: g.scope })),
    );
    expect(loaded.grants[0]).toMatchObject({ version: 'v2', document: IDENTITY_DENY_DELETE });
    const { org: orgItem, nodes } = await readOrgPartition(org.org_id);
    expect(loaded.organization).toMatchObject({ org_id: orgItem?.org_id, management_account_id: orgItem?.management_account_id, scp_enabled: orgItem?.scp_enabled });
    expect(loaded.organization?.levels.map((l) => [l.node_id, l.node_type, l.policies.map((p) => p.policy_id)])).toEqual(
      [org.root_id, ou.node_id, acc].map((id) => {
        const n = nodes.find((x) => x.node_id === id);
        return [id, n?.node_type, [...(n?.scps ?? [])].sort()];
      }),
    );
    expect(loaded.organization?.org_path).toBe(`${org.org_id}/${org.root_id}/${ou.node_id}/${acc}`);
  });
});

describe('the toolbox semantics it keeps', () => {
  it('skips items of other entities under the same key prefix, as the toolbox queries do', async () => {
    const acc = 'filter-acc';
    await createUser(acc, { user_id: 'u', name: 'U' });
    await createGrant(acc, { policy_id: 'system:IMS-FullAccess', principal: { type: 'user', id: 'u' }, scope: { type: 'global' } });
    const put = (item: Record<string, unknown>): Promise<unknown> => getDocumentClient().send(new PutCommand({ TableName: getTableName(), Item: item }));
    await put({ pk: `ACCT#${acc}`, sk: '#G#user#u#ffffffffffffffff', _et: 'Other', grant_id: 'x', principal_type: 'user', principal_id: 'u', policy_id: 'system:IMS-FullAccess', scope_key: 'global' });
    await put({ pk: `ACCT#${acc}`, sk: '#M#u#ghost', _et: 'Other', user_id: 'u', group_id: 'ghost' });
    const loaded = await loadPrincipalPolicies(acc, { user_id: 'u' });
    expect(loaded.groups).toEqual([]);
    expect(loaded.grants.map((g) => g.policy_id)).toEqual(['system:IMS-FullAccess']);
  });

  it('reads more than 100 policies in chunks of 100, and retries unprocessed keys up to 5 times', async () => {
    const acc = 'batch-acc';
    await createUser(acc, { user_id: 'u', name: 'U' });
    const ids = Array.from({ length: 101 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    for (const id of ids) {
      await createPolicy({ account_id: acc, policy_id: id, name: id, document: IDENTITY_ALLOW });
      await createGrant(acc, { policy_id: id, principal: { type: 'user', id: 'u' }, scope: { type: 'global' } });
    }
    type Batch = { RequestItems: Record<string, { Keys: WireItem[] }> };
    type BatchAnswer = { Responses?: Record<string, WireItem[]>; UnprocessedKeys?: Record<string, { Keys: WireItem[] }> };
    // Every BatchGet answers its first key as unprocessed once: each chunk needs a second attempt.
    const retried = new Set<string>();
    let batches = 0;
    let stop = interceptRequests(async (operation, body, next) => {
      if (operation !== 'BatchGetItem') return next(operation, body);
      batches++;
      const [table, request] = Object.entries((body as Batch).RequestItems)[0] as [string, { Keys: WireItem[] }];
      const first = request.Keys[0] as WireItem;
      const id = JSON.stringify(first);
      if (retried.has(id)) return next(operation, body);
      retried.add(id);
      const others = request.Keys.slice(1);
      const rest = others.length > 0 ? ((await next(operation, { RequestItems: { [table]: { ...request, Keys: others } } })) as BatchAnswer) : { Responses: { [table]: [] } };
      return { ...rest, UnprocessedKeys: { [table]: { ...request, Keys: [first] } } };
    });
    try {
      const loaded = await loadPrincipalPolicies(acc, { user_id: 'u' });
      expect(loaded.grants.map((g) => g.policy_id).sort()).toEqual(ids);
      expect(batches).toBe(4); // two chunks (100 + 1 keys), two attempts each
    } finally {
      stop();
    }

    // Keys still unprocessed after 5 attempts fail the load.
    let attempts = 0;
    stop = interceptRequests(async (operation, body, next) => {
      if (operation !== 'BatchGetItem') return next(operation, body);
      attempts++;
      return { Responses: {}, UnprocessedKeys: (body as Batch).RequestItems };
    });
    try {
      await expect(loadPrincipalPolicies(acc, { user_id: 'u' })).rejects.toThrow(/unprocessed after 5 attempts/);
      expect(attempts).toBe(10); // both chunks, 5 attempts each
    } finally {
      stop();
    }
  });

  it('reads every item strongly consistent: the stamp, the graph, the policies and the organization', async () => {
    const mgmt = 'consistent-mgmt';
    const org = await createOrganization(mgmt);
    await createUser(mgmt, { user_id: 'u', name: 'U' });
    await createPolicy({ account_id: mgmt, policy_id: 'p', name: 'P', document: IDENTITY_ALLOW });
    await createGrant(mgmt, { policy_id: 'p', principal: { type: 'user', id: 'u' }, scope: { type: 'global' } });
    const sent: Array<[string, Record<string, unknown>]> = [];
    const stop = observeRequests((operation, body) => sent.push([operation, body as Record<string, unknown>]));
    try {
      await changeStamp(mgmt);
      await loadPrincipalPolicies(mgmt, { user_id: 'u' });
      await loadPrincipalPolicies(mgmt);
    } finally {
      stop();
    }
    // changeStamp: #ACCOUNT, #ORG. The user: the graph Query, then the policies, #ORG and the path's nodes in
    // one BatchGet beside the Query of the management account's SCPs. The account: GetItem, BatchGet, Query.
    expect(sent.map(([op]) => op)).toEqual(['GetItem', 'GetItem', 'Query', 'BatchGetItem', 'Query', 'GetItem', 'BatchGetItem', 'Query']);
    for (const [op, body] of sent) {
      const consistent =
        op === 'BatchGetItem' ? Object.values(body.RequestItems as Record<string, { ConsistentRead?: boolean }>).every((r) => r.ConsistentRead === true) : body.ConsistentRead === true;
      expect(consistent, op).toBe(true);
    }
    const batch = sent.find(([op]) => op === 'BatchGetItem')?.[1] as { RequestItems: Record<string, { Keys: WireItem[] }> };
    const keys = Object.values(batch.RequestItems)[0]?.Keys.map((k) => `${(k.pk as { S: string }).S}|${(k.sk as { S: string }).S}`);
    expect(keys?.sort()).toEqual([`ACCT#${mgmt}|POLICY#p`, `ORG#${org.org_id}|#ORG`, `ORG#${org.org_id}|NODE#${mgmt}`, `ORG#${org.org_id}|NODE#${org.root_id}`].sort());
  });
});
