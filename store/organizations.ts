/**
 * Organizations (Huawei Organizations): the organization, its root, OUs nested up to 5 levels below the
 * root, member accounts, the management account, and SCP attachments on every node (root, OU, account).
 *
 * Access: the management account manages everything (any other caller gets `NOT_FOUND`, so an
 * organization's existence does not leak); a member account can read the organization itself
 * (`getOrganization`).
 *
 * Layout (store/keys.ts): partition `ORG#<orgId>` holds the `#ORG` item (management account, SCP switch,
 * change counter, revision) and one `NODE#<id>` item per root, OU and member account (parent, depth,
 * number of children, the set of attached SCPs). An account's membership is the `org_id` of its own
 * `#ACCOUNT` item, claimed conditionally, so an account is in one organization at most.
 *
 * Every change is one transaction (store/transact.ts) with the organization's change counter (and the
 * account's, when an account joins, moves or leaves: its `#ACCOUNT` item carries its organization, the
 * management account and its path, which the reader needs first):
 *  - an OU is deleted only when empty: the delete is conditioned on `child_count = 0`, and every add or
 *    move into a node increments its `child_count` in the same transaction (conditioned on the parent
 *    being a root or OU);
 *  - a node keeps at least one SCP while SCPs are enabled: detach is conditioned on `size(scps) > 1`;
 *  - at most 5 SCPs per node; an SCP is attached once per node; a custom SCP's `ref_count` moves with
 *    its attachments.
 *
 * SCPs enabled: enabling attaches `system:FullAccess` to every node, and OUs and accounts created while
 * enabled get it too. An add is conditioned on the switch it read (the counter's update on the `#ORG`
 * item carries the condition), so an add racing an enable or a disable is retried with the new switch.
 * Disabling removes every attachment.
 *
 * This module holds the organization, its OUs and its accounts; invitations are store/invitations.ts, the
 * SCP switch and attachments store/scp-attachments.ts, the conditional node writes store/nodes.ts.
 */
import { DeleteTransaction } from 'dynamodb-toolbox/entity/actions/transactDelete';
import { PutTransaction } from 'dynamodb-toolbox/entity/actions/transactPut';
import { UpdateTransaction } from 'dynamodb-toolbox/entity/actions/transactUpdate';
import { $add, $remove, $set } from 'dynamodb-toolbox/entity/actions/update';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { SCP_FULL_ACCESS_ID } from '../lib/system-policies.js';
import { checkId, checkLimit, checkText, decodeCursor, encodeCursor, etagOf, type IfMatch, MAX_NAME_LENGTH, nowIso, type Page, type PageOptions, parseIfMatch, randomId, stale } from './common.js';
import { orgBump, readAccount } from './counters.js';
import { AccountEntity, OrgEntity, OrgNodeEntity } from './entities.js';
import { conflict, invalidInput, notFound, StoreError } from './errors.js';
import { policyRef } from './grant-items.js';
import { childrenGsi1pk, isSystemPolicyId, orgPk } from './keys.js';
import { type NodeItem, type OrgItem, readNode, readOrg } from './nodes.js';
import { GSI1, PolicyTable } from './table.js';
import { transact, TransactionRefused, type WriteItem } from './transact.js';

/** OUs nest at most 5 levels below the root (Huawei Organizations). */
export const MAX_OU_DEPTH = 5;

export interface Organization {
  org_id: string;
  root_id: string;
  management_account_id: string;
  scp_enabled: boolean;
  revision: number;
  etag: string;
  created_at: string;
  updated_at: string;
}

export interface OrgNode {
  org_id: string;
  /** The root id (`r-...`), an OU id (`ou-...`) or an account id. */
  node_id: string;
  node_type: 'root' | 'ou' | 'account';
  name?: string;
  /** `null` for the root. */
  parent_id: string | null;
  /** Root 0, OUs 1-5; an account one more than its parent. */
  depth: number;
  revision: number;
  etag: string;
  created_at: string;
  updated_at: string;
}

export interface CreateOuInput {
  parent_id: string;
  name: string;
}

export interface AddAccountInput {
  account_id: string;
  parent_id: string;
}

// ---------------------------------------------------------------------------------------------------------
// The organization

/**
 * Creates an organization managed by `managementAccount`, which becomes a member account under the root.
 * `CONFLICT` when the account is already in an organization.
 */
export async function createOrganization(managementAccount: string): Promise<Organization> {
  const accountId = checkId(managementAccount, 'account_id');
  const orgId = randomId('o-', 12);
  const rootId = randomId('r-', 8);
  const now = nowIso();
  const org: OrgItem = { org_id: orgId, root_id: rootId, management_account_id: accountId, scp_enabled: false, counter: 1, revision: 1, created_at: now, updated_at: now };
  try {
    await transact([
      AccountEntity.build(UpdateTransaction)
        .item({ account_id: accountId, org_id: orgId, manages_org: orgId, org_mgmt: accountId, org_path: $set([rootId, accountId]), counter: $add(1) })
        .options({ condition: { attr: 'org_id', exists: false } }),
      OrgEntity.build(PutTransaction)
        .item(org)
        .options({ condition: { attr: 'org_id', exists: false } }),
      OrgNodeEntity.build(PutTransaction).item(newNode(orgId, rootId, 'root', { name: 'Root', depth: 0, child_count: 1, path: [] }, now)),
      OrgNodeEntity.build(PutTransaction).item(newNode(orgId, accountId, 'account', { parent_id: rootId, depth: 1, path: [rootId] }, now)),
    ]);
  } catch (err) {
    if (!(err instanceof TransactionRefused && err.at(0))) throw err;
    const account = await readAccount(accountId);
    throw conflict(`Account ${accountId} is already in organization ${account.org_id ?? '(unknown)'}: an account belongs to one organization.`);
  }
  return toOrganization(org);
}

/** The organization, for its management account or a member account (`NOT_FOUND` for anyone else). */
export async function getOrganization(caller: string, orgId: string): Promise<Organization> {
  checkId(caller, 'account_id');
  checkId(orgId, 'org_id');
  const org = await readOrg(orgId);
  if (!org) throw orgNotFound(orgId);
  if (org.management_account_id !== caller && (await readAccount(caller)).org_id !== orgId) throw orgNotFound(orgId);
  return toOrganization(org);
}

/** A root, OU or member account of the organization (management account only). */
export async function getNode(caller: string, orgId: string, nodeId: string): Promise<OrgNode> {
  await requireManagement(caller, orgId);
  const node = await readNode(orgId, checkId(nodeId, 'node_id'));
  if (!node) throw nodeNotFound(orgId, nodeId);
  return toOrgNode(node);
}

// ---------------------------------------------------------------------------------------------------------
// OUs and accounts

/** Creates an OU under the root or an OU; at most 5 levels of OUs (`CONFLICT` beyond). */
export async function createOu(caller: string, orgId: string, input: CreateOuInput): Promise<OrgNode> {
  if (input === null || typeof input !== 'object') throw invalidInput('An OU needs parent_id and name.');
  const parentId = checkId(input.parent_id, 'parent_id');
  const name = checkText(input.name, 'name', MAX_NAME_LENGTH, true);
  for (let attempt = 1; ; attempt++) {
    const org = await requireManagement(caller, orgId);
    const parent = await requireContainer(orgId, parentId);
    const depth = parent.depth + 1;
    if (depth > MAX_OU_DEPTH) throw conflict(`${parentId} is at depth ${parent.depth}: OUs nest at most ${MAX_OU_DEPTH} levels below the root.`);
    const node = newNode(orgId, randomId('ou-', 12), 'ou', { name, parent_id: parentId, depth, path: [...(parent.path ?? []), parentId] }, nowIso(), org.scp_enabled);
    try {
      await transact([
        childCount(orgId, parentId, 1),
        OrgNodeEntity.build(PutTransaction)
          .item(node)
          .options({ condition: { attr: 'node_id', exists: false } }),
        orgBumpIf(orgId, org.scp_enabled),
      ]);
      return toOrgNode(node);
    } catch (err) {
      if (!(err instanceof TransactionRefused)) throw err;
      if (err.at(0)) throw notFound(`No root or OU ${parentId} in organization ${orgId} (deleted meanwhile?).`);
      if (attempt >= 10) throw conflict(`Organization ${orgId} kept changing; try again.`);
      // An id collision, or the SCP switch changed since it was read: again, with the new switch.
    }
  }
}

/** Deletes an empty OU (`CONFLICT` while it has OUs or accounts). */
export async function deleteOu(caller: string, orgId: string, ouId: string, ifMatch?: IfMatch): Promise<void> {
  const org = await requireManagement(caller, orgId);
  checkId(ouId, 'ou_id');
  if (ouId === org.root_id) throw conflict('The root cannot be deleted.');
  const expected = parseIfMatch(ifMatch);
  for (let attempt = 1; ; attempt++) {
    const node = await readNode(orgId, ouId);
    if (!node || node.node_type !== 'ou') throw nodeNotFound(orgId, ouId, 'OU');
    if (node.child_count > 0) throw conflict(`OU ${ouId} is not empty (${node.child_count} OU(s) or account(s) directly below it): move or remove them first.`);
    if (expected !== undefined && node.revision !== expected) throw stale(`OU ${ouId}`, expected, node.revision);
    try {
      await transact([
        OrgNodeEntity.build(DeleteTransaction)
          .key({ org_id: orgId, node_id: ouId })
          .options({
            condition: {
              and: [
                { attr: 'node_type', eq: 'ou' },
                { attr: 'child_count', eq: 0 },
                { attr: 'revision', eq: node.revision },
              ],
            },
          }),
        childCount(orgId, node.parent_id as string, -1),
        orgBump(orgId),
        ...scpReleases(org.management_account_id, node),
      ]);
      return;
    } catch (err) {
      if (!(err instanceof TransactionRefused) || attempt >= 10) throw err;
    }
  }
}

/** Adds an account (not in any organization) under the root or an OU. */
export async function addAccount(caller: string, orgId: string, input: AddAccountInput): Promise<OrgNode> {
  const org = await requireManagement(caller, orgId);
  if (input === null || typeof input !== 'object') throw invalidInput('An account needs account_id and parent_id.');
  const accountId = checkId(input.account_id, 'account_id');
  const parentId = checkId(input.parent_id, 'parent_id');
  for (let attempt = 1; ; attempt++) {
    const current = attempt === 1 ? org : await requireManagement(caller, orgId);
    const parent = await requireContainer(orgId, parentId);
    const path = [...(parent.path ?? []), parentId];
    const node = newNode(orgId, accountId, 'account', { parent_id: parentId, depth: parent.depth + 1, path }, nowIso(), current.scp_enabled);
    try {
      await transact([
        // The account joins (or is already in this organization: then its node exists and item 2 refuses).
        AccountEntity.build(UpdateTransaction)
          .item({ account_id: accountId, org_id: orgId, org_mgmt: current.management_account_id, org_path: $set([...path, accountId]), counter: $add(1) })
          .options({
            condition: {
              or: [
                { attr: 'org_id', exists: false },
                { attr: 'org_id', eq: orgId },
              ],
            },
          }),
        childCount(orgId, parentId, 1),
        OrgNodeEntity.build(PutTransaction)
          .item(node)
          .options({ condition: { attr: 'node_id', exists: false } }),
        orgBumpIf(orgId, current.scp_enabled),
      ]);
      return toOrgNode(node);
    } catch (err) {
      if (!(err instanceof TransactionRefused)) throw err;
      if (err.at(0)) throw conflict(`Account ${accountId} is already in another organization.`);
      if (err.at(1)) throw notFound(`No root or OU ${parentId} in organization ${orgId} (deleted meanwhile?).`);
      if (err.at(2)) {
        const existing = await readNode(orgId, accountId);
        throw new StoreError(
          'ALREADY_EXISTS',
          existing?.node_type === 'account' ? `Account ${accountId} is already in organization ${orgId}.` : `${accountId} is the id of a node of organization ${orgId}.`,
        );
      }
      if (attempt >= 10) throw conflict(`Organization ${orgId} kept changing; try again.`);
    }
  }
}

/** Moves a member account under another OU or the root. */
export async function moveAccount(caller: string, orgId: string, accountId: string, input: { parent_id: string }, ifMatch?: IfMatch): Promise<OrgNode> {
  await requireManagement(caller, orgId);
  checkId(accountId, 'account_id');
  if (input === null || typeof input !== 'object') throw invalidInput('A move needs parent_id.');
  const parentId = checkId(input.parent_id, 'parent_id');
  const expected = parseIfMatch(ifMatch);
  const node = await readNode(orgId, accountId);
  if (!node || node.node_type !== 'account') throw nodeNotFound(orgId, accountId, 'account');
  if (expected !== undefined && node.revision !== expected) throw stale(`Account ${accountId}`, expected, node.revision);
  const parent = await requireContainer(orgId, parentId);
  const oldParent = node.parent_id as string;
  if (oldParent === parentId) return toOrgNode(node);

  const path = [...(parent.path ?? []), parentId];
  const now = nowIso();
  const moved: NodeItem = { ...node, parent_id: parentId, depth: parent.depth + 1, path, revision: node.revision + 1, updated_at: now };
  try {
    await transact([
      OrgNodeEntity.build(UpdateTransaction)
        .item({ org_id: orgId, node_id: accountId, parent_id: parentId, gsi1pk: childrenGsi1pk(orgId, parentId), depth: moved.depth, path: $set(path), revision: moved.revision, updated_at: now })
        .options({
          condition: {
            and: [
              { attr: 'node_type', eq: 'account' },
              { attr: 'parent_id', eq: oldParent },
              { attr: 'revision', eq: node.revision },
            ],
          },
        }),
      childCount(orgId, parentId, 1),
      childCount(orgId, oldParent, -1),
      AccountEntity.build(UpdateTransaction)
        .item({ account_id: accountId, org_path: $set([...path, accountId]), counter: $add(1) })
        .options({ condition: { attr: 'org_id', eq: orgId } }),
      orgBump(orgId),
    ]);
  } catch (err) {
    if (!(err instanceof TransactionRefused)) throw err;
    if (err.at(1)) throw notFound(`No root or OU ${parentId} in organization ${orgId} (deleted meanwhile?).`);
    const now2 = await readNode(orgId, accountId);
    if (!now2 || now2.node_type !== 'account') throw nodeNotFound(orgId, accountId, 'account');
    if (expected !== undefined) throw stale(`Account ${accountId}`, expected, now2.revision);
    throw conflict(`Account ${accountId} was moved concurrently; read it again.`);
  }
  return toOrgNode(moved);
}

/** Removes a member account from the organization (not the management account: `CONFLICT`). */
export async function removeAccount(caller: string, orgId: string, accountId: string): Promise<void> {
  const org = await requireManagement(caller, orgId);
  checkId(accountId, 'account_id');
  if (accountId === org.management_account_id) throw conflict('The management account cannot be removed from its organization.');
  for (let attempt = 1; ; attempt++) {
    const node = await readNode(orgId, accountId);
    if (!node || node.node_type !== 'account') throw nodeNotFound(orgId, accountId, 'account');
    try {
      await transact([
        OrgNodeEntity.build(DeleteTransaction)
          .key({ org_id: orgId, node_id: accountId })
          .options({
            condition: {
              and: [
                { attr: 'node_type', eq: 'account' },
                { attr: 'revision', eq: node.revision },
              ],
            },
          }),
        childCount(orgId, node.parent_id as string, -1),
        AccountEntity.build(UpdateTransaction)
          .item({ account_id: accountId, org_id: $remove(), org_mgmt: $remove(), org_path: $remove(), counter: $add(1) })
          .options({ condition: { attr: 'org_id', eq: orgId } }),
        orgBump(orgId),
        ...scpReleases(org.management_account_id, node),
      ]);
      return;
    } catch (err) {
      if (!(err instanceof TransactionRefused) || attempt >= 10) throw err;
    }
  }
}

/** The OUs and accounts directly below a root or OU, a page at a time (`gsi1`: accounts, then OUs, by id). */
export async function listChildren(caller: string, orgId: string, parentId: string, page: PageOptions = {}): Promise<Page<OrgNode>> {
  await requireManagement(caller, orgId);
  checkId(parentId, 'parent_id');
  const limit = checkLimit(page.limit);
  const partition = childrenGsi1pk(orgId, parentId);
  const listing = `children:${orgId}:${parentId}`;
  const position = page.cursor === undefined ? undefined : decodeCursor(page.cursor, listing, { pk: orgPk(orgId), gsi1pk: partition });
  await requireContainer(orgId, parentId);
  const query = PolicyTable.build(QueryCommand).entities(OrgNodeEntity).query({ index: GSI1, partition });
  const { Items = [], LastEvaluatedKey } = await (position && 'key' in position ? query.options({ limit, exclusiveStartKey: position.key }) : query.options({ limit })).send();
  return { items: Items.map(toOrgNode), next_cursor: LastEvaluatedKey ? encodeCursor(listing, { key: LastEvaluatedKey }) : null };
}

// ---------------------------------------------------------------------------------------------------------

export async function requireManagement(caller: string, orgId: string): Promise<OrgItem> {
  checkId(caller, 'account_id');
  checkId(orgId, 'org_id');
  const org = await readOrg(orgId);
  if (!org || org.management_account_id !== caller) throw orgNotFound(orgId);
  return org;
}

/** A root or OU of the organization (what can have children). */
export async function requireContainer(orgId: string, nodeId: string): Promise<NodeItem> {
  const node = await readNode(orgId, nodeId);
  if (!node) throw nodeNotFound(orgId, nodeId);
  if (node.node_type === 'account') throw invalidInput(`${nodeId} is an account: only the root and OUs contain OUs and accounts.`);
  return node;
}
/** `child_count += delta` on a root or OU (conditioned on it being one), as a transaction item. */
function childCount(orgId: string, nodeId: string, delta: 1 | -1): WriteItem {
  return OrgNodeEntity.build(UpdateTransaction)
    .item({ org_id: orgId, node_id: nodeId, child_count: $add(delta) })
    .options({ condition: { attr: 'node_type', in: ['root', 'ou'] } });
}

/** The organization's counter bump, conditioned on the SCP switch being what the write read (see the module comment). */
function orgBumpIf(orgId: string, scpEnabled: boolean): WriteItem {
  return OrgEntity.build(UpdateTransaction)
    .item({ org_id: orgId, counter: $add(1) })
    .options({
      condition: {
        and: [
          { attr: 'org_id', exists: true },
          { attr: 'scp_enabled', eq: scpEnabled },
        ],
      },
    });
}

/** The reference counts of the custom SCPs attached to a node that goes away. */
function scpReleases(managementAccount: string, node: NodeItem): WriteItem[] {
  return [...(node.scps ?? [])].filter((p) => !isSystemPolicyId(p)).map((p) => policyRef(managementAccount, p, -1));
}

function newNode(
  orgId: string,
  nodeId: string,
  nodeType: NodeItem['node_type'],
  fields: { name?: string; parent_id?: string; depth: number; child_count?: number; path: string[] },
  now: string,
  withFullAccess = false,
): NodeItem {
  const node: NodeItem = {
    org_id: orgId,
    node_id: nodeId,
    node_type: nodeType,
    depth: fields.depth,
    child_count: fields.child_count ?? 0,
    path: fields.path,
    revision: 1,
    created_at: now,
    updated_at: now,
  };
  if (fields.name !== undefined) node.name = fields.name;
  if (fields.parent_id !== undefined) node.parent_id = fields.parent_id;
  if (withFullAccess) node.scps = new Set([SCP_FULL_ACCESS_ID]);
  return node;
}

export function toOrganization(o: OrgItem): Organization {
  return {
    org_id: o.org_id,
    root_id: o.root_id,
    management_account_id: o.management_account_id,
    scp_enabled: o.scp_enabled,
    revision: o.revision,
    etag: etagOf(o.revision),
    created_at: o.created_at,
    updated_at: o.updated_at,
  };
}

export function toOrgNode(n: NodeItem): OrgNode {
  const node: OrgNode = {
    org_id: n.org_id,
    node_id: n.node_id,
    node_type: n.node_type,
    parent_id: n.parent_id ?? null,
    depth: n.depth,
    revision: n.revision,
    etag: etagOf(n.revision),
    created_at: n.created_at,
    updated_at: n.updated_at,
  };
  if (n.name !== undefined) node.name = n.name;
  return node;
}

export const orgNotFound = (orgId: string): StoreError => notFound(`No organization ${orgId}.`);
export const nodeNotFound = (orgId: string, nodeId: string, what = 'node'): StoreError => notFound(`No ${what} ${nodeId} in organization ${orgId}.`);
