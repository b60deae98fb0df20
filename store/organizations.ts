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
 * Invariants without transactions (dynalite has none), each held by one conditional write:
 *  - an OU is deleted only when empty: the delete is conditioned on `child_count = 0`, and every add or
 *    move into a node first increments its `child_count` (conditioned on the node existing);
 *  - a node keeps at least one SCP while SCPs are enabled: detach is conditioned on `size(scps) > 1`;
 *  - at most 5 SCPs per node; an SCP is attached once per node.
 * Multi-step operations order their writes so that a crash leaves only safe leftovers (a `child_count`
 * too high blocks a delete; it never allows one).
 *
 * SCPs enabled: enabling attaches `system:FullAccess` to every node, and OUs and accounts created while
 * enabled get it too. An add racing an enable is caught by the add re-reading the switch after writing
 * its node (the enable sets the switch before it lists the nodes). Disabling removes every attachment.
 * Every change bumps the organization's change counter afterwards.
 *
 * This module holds the organization, its OUs and its accounts; invitations are store/invitations.ts, the
 * SCP switch and attachments store/scp-attachments.ts, the conditional node writes store/nodes.ts.
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { $add, $remove, UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { SCP_FULL_ACCESS_ID } from '../lib/system-policies.js';
import {
  checkId,
  checkLimit,
  checkText,
  decodeCursor,
  encodeCursor,
  etagOf,
  type IfMatch,
  isConditionFailure,
  MAX_NAME_LENGTH,
  nowIso,
  type Page,
  type PageOptions,
  parseIfMatch,
  randomId,
  stale,
} from './common.js';
import { bumpAccount, bumpOrg, readAccount } from './counters.js';
import { AccountEntity, OrgEntity, OrgNodeEntity } from './entities.js';
import { conflict, invalidInput, notFound, StoreError } from './errors.js';
import { childrenGsi1pk, orgPk } from './keys.js';
import { addScp, clearScps, type NodeItem, type OrgItem, readNode, readOrg } from './nodes.js';
import { GSI1, PolicyTable } from './table.js';

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
  try {
    await AccountEntity.build(UpdateItemCommand)
      .item({ account_id: accountId, org_id: orgId, manages_org: orgId })
      .options({ condition: { attr: 'org_id', exists: false } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const account = await readAccount(accountId);
    throw conflict(`Account ${accountId} is already in organization ${account.org_id ?? '(unknown)'}: an account belongs to one organization.`);
  }
  const now = nowIso();
  const org: OrgItem = { org_id: orgId, root_id: rootId, management_account_id: accountId, scp_enabled: false, counter: 1, revision: 1, created_at: now, updated_at: now };
  try {
    await Promise.all([
      OrgEntity.build(PutItemCommand).item(org).options({ condition: { attr: 'org_id', exists: false } }).send(),
      OrgNodeEntity.build(PutItemCommand).item(newNode(orgId, rootId, 'root', { name: 'Root', depth: 0, child_count: 1 }, now)).send(),
      OrgNodeEntity.build(PutItemCommand).item(newNode(orgId, accountId, 'account', { parent_id: rootId, depth: 1 }, now)).send(),
    ]);
  } catch (err) {
    await releaseAccount(accountId, orgId, true);
    throw err;
  }
  await bumpAccount(accountId);
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
  const org = await requireManagement(caller, orgId);
  if (input === null || typeof input !== 'object') throw invalidInput('An OU needs parent_id and name.');
  const parentId = checkId(input.parent_id, 'parent_id');
  const name = checkText(input.name, 'name', MAX_NAME_LENGTH, true);
  const parent = await requireContainer(orgId, parentId);
  const depth = parent.depth + 1;
  if (depth > MAX_OU_DEPTH) throw conflict(`${parentId} is at depth ${parent.depth}: OUs nest at most ${MAX_OU_DEPTH} levels below the root.`);

  await adjustChildren(orgId, parentId, 1);
  const now = nowIso();
  for (let attempt = 0; ; attempt++) {
    const node = newNode(orgId, randomId('ou-', 12), 'ou', { name, parent_id: parentId, depth }, now, org.scp_enabled);
    try {
      await OrgNodeEntity.build(PutItemCommand).item(node).options({ condition: { attr: 'node_id', exists: false } }).send();
    } catch (err) {
      if (isConditionFailure(err) && attempt < 3) continue;
      await adjustChildren(orgId, parentId, -1);
      throw err;
    }
    const synced = await syncNewNode(orgId, node);
    await bumpOrg(orgId);
    return toOrgNode(synced);
  }
}

/** Deletes an empty OU (`CONFLICT` while it has OUs or accounts). */
export async function deleteOu(caller: string, orgId: string, ouId: string, ifMatch?: IfMatch): Promise<void> {
  const org = await requireManagement(caller, orgId);
  checkId(ouId, 'ou_id');
  if (ouId === org.root_id) throw conflict('The root cannot be deleted.');
  const expected = parseIfMatch(ifMatch);
  let old: NodeItem | undefined;
  try {
    const { Attributes } = await OrgNodeEntity.build(DeleteItemCommand)
      .key({ org_id: orgId, node_id: ouId })
      .options({
        condition: { and: [{ attr: 'node_type', eq: 'ou' }, { attr: 'child_count', eq: 0 }, ...(expected === undefined ? [] : [{ attr: 'revision', eq: expected } as const])] },
        returnValues: 'ALL_OLD',
      })
      .send();
    old = Attributes as NodeItem | undefined;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const node = await readNode(orgId, ouId);
    if (!node || node.node_type !== 'ou') throw nodeNotFound(orgId, ouId, 'OU');
    if (node.child_count > 0) throw conflict(`OU ${ouId} is not empty (${node.child_count} OU(s) or account(s) directly below it): move or remove them first.`);
    throw stale(`OU ${ouId}`, expected, node.revision);
  }
  if (old?.parent_id) await adjustChildren(orgId, old.parent_id, -1, true);
  await bumpOrg(orgId);
}

/** Adds an account (not in any organization) under the root or an OU. */
export async function addAccount(caller: string, orgId: string, input: AddAccountInput): Promise<OrgNode> {
  const org = await requireManagement(caller, orgId);
  if (input === null || typeof input !== 'object') throw invalidInput('An account needs account_id and parent_id.');
  const accountId = checkId(input.account_id, 'account_id');
  const parentId = checkId(input.parent_id, 'parent_id');
  const parent = await requireContainer(orgId, parentId);

  // 1. Claim the account for this organization (an account already in this one passes: step 3 decides).
  let wasMember: boolean;
  try {
    const { Attributes } = await AccountEntity.build(UpdateItemCommand)
      .item({ account_id: accountId, org_id: orgId })
      .options({ condition: { or: [{ attr: 'org_id', exists: false }, { attr: 'org_id', eq: orgId }] }, returnValues: 'ALL_OLD' })
      .send();
    wasMember = Attributes?.org_id === orgId;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    throw conflict(`Account ${accountId} is already in another organization.`);
  }
  // 2. Count it in the parent (fails if the parent was deleted meanwhile).
  try {
    await adjustChildren(orgId, parentId, 1);
  } catch (err) {
    if (!wasMember) await releaseAccount(accountId, orgId, false);
    throw err;
  }
  // 3. The node itself.
  const node = newNode(orgId, accountId, 'account', { parent_id: parentId, depth: parent.depth + 1 }, nowIso(), org.scp_enabled);
  try {
    await OrgNodeEntity.build(PutItemCommand).item(node).options({ condition: { attr: 'node_id', exists: false } }).send();
  } catch (err) {
    await adjustChildren(orgId, parentId, -1, true);
    if (!isConditionFailure(err)) {
      if (!wasMember) await releaseAccount(accountId, orgId, false);
      throw err;
    }
    const existing = await readNode(orgId, accountId);
    if (existing?.node_type !== 'account' && !wasMember) await releaseAccount(accountId, orgId, false);
    throw new StoreError('ALREADY_EXISTS', existing?.node_type === 'account' ? `Account ${accountId} is already in organization ${orgId}.` : `${accountId} is the id of a node of organization ${orgId}.`);
  }
  const synced = await syncNewNode(orgId, node);
  await bumpOrg(orgId);
  await bumpAccount(accountId);
  return toOrgNode(synced);
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

  await adjustChildren(orgId, parentId, 1);
  let moved: NodeItem;
  try {
    const { Attributes } = await OrgNodeEntity.build(UpdateItemCommand)
      .item({ org_id: orgId, node_id: accountId, parent_id: parentId, gsi1pk: childrenGsi1pk(orgId, parentId), depth: parent.depth + 1, revision: $add(1), updated_at: nowIso() })
      .options({
        condition: { and: [{ attr: 'node_type', eq: 'account' }, { attr: 'parent_id', eq: oldParent }, ...(expected === undefined ? [] : [{ attr: 'revision', eq: expected } as const])] },
        returnValues: 'ALL_NEW',
      })
      .send();
    moved = Attributes as NodeItem;
  } catch (err) {
    await adjustChildren(orgId, parentId, -1, true);
    if (!isConditionFailure(err)) throw err;
    const now = await readNode(orgId, accountId);
    if (!now || now.node_type !== 'account') throw nodeNotFound(orgId, accountId, 'account');
    if (expected !== undefined) throw stale(`Account ${accountId}`, expected, now.revision);
    throw conflict(`Account ${accountId} was moved concurrently; read it again.`);
  }
  await adjustChildren(orgId, oldParent, -1, true);
  await bumpOrg(orgId);
  return toOrgNode(moved);
}

/** Removes a member account from the organization (not the management account: `CONFLICT`). */
export async function removeAccount(caller: string, orgId: string, accountId: string): Promise<void> {
  const org = await requireManagement(caller, orgId);
  checkId(accountId, 'account_id');
  if (accountId === org.management_account_id) throw conflict('The management account cannot be removed from its organization.');
  let old: NodeItem | undefined;
  try {
    const { Attributes } = await OrgNodeEntity.build(DeleteItemCommand)
      .key({ org_id: orgId, node_id: accountId })
      .options({ condition: { attr: 'node_type', eq: 'account' }, returnValues: 'ALL_OLD' })
      .send();
    old = Attributes as NodeItem | undefined;
  } catch (err) {
    if (isConditionFailure(err)) throw nodeNotFound(orgId, accountId, 'account');
    throw err;
  }
  if (old?.parent_id) await adjustChildren(orgId, old.parent_id, -1, true);
  await releaseAccount(accountId, orgId, false);
  await bumpOrg(orgId);
  await bumpAccount(accountId);
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
/** `child_count += delta` on a root/OU, conditioned on it existing (`NOT_FOUND` otherwise, unless `quiet`). */
async function adjustChildren(orgId: string, nodeId: string, delta: 1 | -1, quiet = false): Promise<void> {
  try {
    await OrgNodeEntity.build(UpdateItemCommand)
      .item({ org_id: orgId, node_id: nodeId, child_count: $add(delta) })
      .options({ condition: { attr: 'node_type', in: ['root', 'ou'] } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    if (!quiet) throw notFound(`No root or OU ${nodeId} in organization ${orgId} (deleted meanwhile?).`);
  }
}

/**
 * After a node was put with `system:FullAccess` iff SCPs were enabled when the add started: re-reads the
 * switch and fixes the node if it changed meanwhile (see the module comment). Returns the node as stored.
 */
async function syncNewNode(orgId: string, node: NodeItem): Promise<NodeItem> {
  const org = await readOrg(orgId);
  const has = node.scps?.has(SCP_FULL_ACCESS_ID) ?? false;
  if (org?.scp_enabled && !has) return addScp(orgId, node.node_id, SCP_FULL_ACCESS_ID).catch(async () => (await readNode(orgId, node.node_id)) ?? node);
  if (!org?.scp_enabled && has) {
    await clearScps(orgId, node.node_id);
    return (await readNode(orgId, node.node_id)) ?? node;
  }
  return node;
}
/** Removes the account's claim on `orgId` (and its management mark when `managed`). */
async function releaseAccount(accountId: string, orgId: string, managed: boolean): Promise<void> {
  try {
    await AccountEntity.build(UpdateItemCommand)
      .item({ account_id: accountId, org_id: $remove(), ...(managed ? { manages_org: $remove() } : {}) })
      .options({ condition: { attr: 'org_id', eq: orgId } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
}

function newNode(orgId: string, nodeId: string, nodeType: NodeItem['node_type'], fields: { name?: string; parent_id?: string; depth: number; child_count?: number }, now: string, withFullAccess = false): NodeItem {
  const node: NodeItem = { org_id: orgId, node_id: nodeId, node_type: nodeType, depth: fields.depth, child_count: fields.child_count ?? 0, revision: 1, created_at: now, updated_at: now };
  if (fields.name !== undefined) node.name = fields.name;
  if (fields.parent_id !== undefined) node.parent_id = fields.parent_id;
  if (withFullAccess) node.scps = new Set([SCP_FULL_ACCESS_ID]);
  return node;
}

export function toOrganization(o: OrgItem): Organization {
  return { org_id: o.org_id, root_id: o.root_id, management_account_id: o.management_account_id, scp_enabled: o.scp_enabled, revision: o.revision, etag: etagOf(o.revision), created_at: o.created_at, updated_at: o.updated_at };
}

export function toOrgNode(n: NodeItem): OrgNode {
  const node: OrgNode = { org_id: n.org_id, node_id: n.node_id, node_type: n.node_type, parent_id: n.parent_id ?? null, depth: n.depth, revision: n.revision, etag: etagOf(n.revision), created_at: n.created_at, updated_at: n.updated_at };
  if (n.name !== undefined) node.name = n.name;
  return node;
}

export const orgNotFound = (orgId: string): StoreError => notFound(`No organization ${orgId}.`);
export const nodeNotFound = (orgId: string, nodeId: string, what = 'node'): StoreError => notFound(`No ${what} ${nodeId} in organization ${orgId}.`);
