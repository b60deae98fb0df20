/**
 * Principals of an account: users (with their group memberships), user groups and agencies. Ids are
 * chosen by the caller (`ID_PATTERN`); names need not be unique. Listings are by name (`gsi1`, eventually
 * consistent on AWS); everything the evaluation reads (a user's groups, grants) is strongly consistent.
 *
 * Deletes remove the principal first, then sweep what refers to it (memberships, grants) with strongly
 * consistent reads; creators of references (`addMember`, `createGrant`) write, then re-read the principal
 * and undo if it is gone, so no interleaving leaves a membership or grant of a deleted principal behind
 * (short of a crash between the two steps). Every write bumps the account's change counter afterwards.
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { $add, $remove, UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { mapLimit } from '../lib/util/concurrency.js';
import {
  checkId,
  checkLimit,
  checkText,
  decodeCursor,
  encodeCursor,
  etagOf,
  type IfMatch,
  isConditionFailure,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  nowIso,
  type Page,
  type PageOptions,
  parseIfMatch,
  stale,
} from './common.js';
import { bumpAccount } from './counters.js';
import { GrantEntity, MembershipEntity, PrincipalEntity } from './entities.js';
import { alreadyExists, conflict, invalidInput, notFound, principalNotFound } from './errors.js';
import { accountPk, MEMBERSHIP_SK_PREFIX, membersGsi1pk, principalGrantsSkPrefix, type PrincipalKind, principalsGsi1pk, userGroupsSkPrefix } from './keys.js';
import { deleteGrantItems } from './grant-items.js';
import { GSI1, PolicyTable } from './table.js';

/** The most groups a user can be a member of (the evaluation loads them all). */
export const MAX_GROUPS_PER_USER = 100;

export interface User {
  account_id: string;
  user_id: string;
  name: string;
  revision: number;
  etag: string;
  created_at: string;
  updated_at: string;
}

export interface Group {
  account_id: string;
  group_id: string;
  name: string;
  description?: string;
  revision: number;
  etag: string;
  created_at: string;
  updated_at: string;
}

export interface Agency {
  account_id: string;
  agency_id: string;
  name: string;
  description?: string;
  revision: number;
  etag: string;
  created_at: string;
  updated_at: string;
}

export interface Membership {
  account_id: string;
  group_id: string;
  user_id: string;
  created_at: string;
}

export interface CreateUserInput {
  user_id: string;
  name: string;
}
export interface CreateGroupInput {
  group_id: string;
  name: string;
  description?: string;
}
export interface CreateAgencyInput {
  agency_id: string;
  name: string;
  description?: string;
}
export interface UpdatePrincipalInput {
  name?: string;
  /** `''` or `null` removes it (groups and agencies). */
  description?: string | null;
}

// ---------------------------------------------------------------------------------------------------------
// Users

export async function createUser(accountId: string, input: CreateUserInput): Promise<User> {
  return toUser(await createPrincipal('user', accountId, input?.user_id, input?.name, undefined));
}
export async function getUser(accountId: string, userId: string): Promise<User> {
  return toUser(await getPrincipal('user', accountId, userId));
}
export async function listUsers(accountId: string, page: PageOptions = {}): Promise<Page<User>> {
  const p = await listPrincipals('user', accountId, page);
  return { items: p.items.map(toUser), next_cursor: p.next_cursor };
}
export async function updateUser(accountId: string, userId: string, changes: { name?: string }, ifMatch?: IfMatch): Promise<User> {
  if (changes && 'description' in changes) throw invalidInput('Users have no description.');
  return toUser(await updatePrincipal('user', accountId, userId, changes, ifMatch));
}
/** Deletes the user, then its group memberships and grants. */
export async function deleteUser(accountId: string, userId: string, ifMatch?: IfMatch): Promise<void> {
  await deletePrincipalItem('user', accountId, userId, ifMatch);
  const memberships = await queryUserMemberships(accountId, userId);
  await mapLimit(memberships, 8, (m) => MembershipEntity.build(DeleteItemCommand).key({ account_id: accountId, user_id: userId, group_id: m.group_id }).send());
  await deleteGrantsOf(accountId, 'user', userId);
  await bumpAccount(accountId);
}

// ---------------------------------------------------------------------------------------------------------
// Groups

export async function createGroup(accountId: string, input: CreateGroupInput): Promise<Group> {
  return toGroup(await createPrincipal('group', accountId, input?.group_id, input?.name, input?.description));
}
export async function getGroup(accountId: string, groupId: string): Promise<Group> {
  return toGroup(await getPrincipal('group', accountId, groupId));
}
export async function listGroups(accountId: string, page: PageOptions = {}): Promise<Page<Group>> {
  const p = await listPrincipals('group', accountId, page);
  return { items: p.items.map(toGroup), next_cursor: p.next_cursor };
}
export async function updateGroup(accountId: string, groupId: string, changes: UpdatePrincipalInput, ifMatch?: IfMatch): Promise<Group> {
  return toGroup(await updatePrincipal('group', accountId, groupId, changes, ifMatch));
}
/** Deletes the group, then its memberships and grants. */
export async function deleteGroup(accountId: string, groupId: string, ifMatch?: IfMatch): Promise<void> {
  await deletePrincipalItem('group', accountId, groupId, ifMatch);
  // The memberships of a group are indexed by gsi1 (eventually consistent): the sweep reads the base table.
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(MembershipEntity)
    .query({ partition: accountPk(accountId), range: { beginsWith: MEMBERSHIP_SK_PREFIX } })
    .options({ consistent: true, maxPages: Infinity, filters: { Membership: { attr: 'group_id', eq: groupId } } })
    .send();
  await mapLimit(Items, 8, (m) => MembershipEntity.build(DeleteItemCommand).key({ account_id: accountId, user_id: m.user_id, group_id: groupId }).send());
  await deleteGrantsOf(accountId, 'group', groupId);
  await bumpAccount(accountId);
}

/**
 * Adds a user to a group (both must exist). Idempotent: an existing membership is returned as is.
 * `CONFLICT` when the user is already in 100 groups.
 */
export async function addMember(accountId: string, groupId: string, userId: string): Promise<Membership> {
  checkId(accountId, 'account_id');
  checkId(groupId, 'group_id');
  checkId(userId, 'user_id');
  await requireBoth(accountId, groupId, userId);
  const existing = await queryUserMemberships(accountId, userId);
  const already = existing.find((m) => m.group_id === groupId);
  if (already) return toMembership(already);
  if (existing.length >= MAX_GROUPS_PER_USER) throw conflict(`User ${userId} is already in ${MAX_GROUPS_PER_USER} groups, the most a user can join.`);
  const item = { account_id: accountId, user_id: userId, group_id: groupId, created_at: nowIso() };
  try {
    await MembershipEntity.build(PutItemCommand).item(item).options({ condition: { attr: 'user_id', exists: false } }).send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    // A concurrent addMember of the same pair won: the same membership.
    const { Item } = await MembershipEntity.build(GetItemCommand).key({ account_id: accountId, user_id: userId, group_id: groupId }).options({ consistent: true }).send();
    if (Item) return toMembership(Item);
  }
  // Re-check both ends: a concurrent delete of either sweeps memberships it can see; this sees the delete.
  try {
    await requireBoth(accountId, groupId, userId);
  } catch (err) {
    await MembershipEntity.build(DeleteItemCommand).key({ account_id: accountId, user_id: userId, group_id: groupId }).send();
    throw err;
  }
  await bumpAccount(accountId);
  return toMembership(item);
}

/** Removes a user from a group (`NOT_FOUND` when not a member). */
export async function removeMember(accountId: string, groupId: string, userId: string): Promise<void> {
  checkId(accountId, 'account_id');
  checkId(groupId, 'group_id');
  checkId(userId, 'user_id');
  try {
    await MembershipEntity.build(DeleteItemCommand).key({ account_id: accountId, user_id: userId, group_id: groupId }).options({ condition: { attr: 'user_id', exists: true } }).send();
  } catch (err) {
    if (isConditionFailure(err)) throw notFound(`User ${userId} is not a member of group ${groupId}.`);
    throw err;
  }
  await bumpAccount(accountId);
}

/** The members of a group, by user id, a page at a time (`gsi1`). */
export async function listGroupMembers(accountId: string, groupId: string, page: PageOptions = {}): Promise<Page<Membership>> {
  checkId(accountId, 'account_id');
  checkId(groupId, 'group_id');
  const limit = checkLimit(page.limit);
  const partition = membersGsi1pk(accountId, groupId);
  const listing = `members:${accountId}:${groupId}`;
  const position = page.cursor === undefined ? undefined : decodeCursor(page.cursor, listing, { pk: accountPk(accountId), gsi1pk: partition });
  await getPrincipal('group', accountId, groupId);
  const query = PolicyTable.build(QueryCommand).entities(MembershipEntity).query({ index: GSI1, partition });
  const { Items = [], LastEvaluatedKey } = await (position && 'key' in position ? query.options({ limit, exclusiveStartKey: position.key }) : query.options({ limit })).send();
  return { items: Items.map(toMembership), next_cursor: LastEvaluatedKey ? encodeCursor(listing, { key: LastEvaluatedKey }) : null };
}

/** Every group of a user (at most 100), by group id; strongly consistent. */
export async function listUserGroups(accountId: string, userId: string): Promise<Membership[]> {
  await getPrincipal('user', accountId, userId);
  return (await queryUserMemberships(accountId, userId)).map(toMembership);
}

// ---------------------------------------------------------------------------------------------------------
// Agencies

export async function createAgency(accountId: string, input: CreateAgencyInput): Promise<Agency> {
  return toAgency(await createPrincipal('agency', accountId, input?.agency_id, input?.name, input?.description));
}
export async function getAgency(accountId: string, agencyId: string): Promise<Agency> {
  return toAgency(await getPrincipal('agency', accountId, agencyId));
}
export async function listAgencies(accountId: string, page: PageOptions = {}): Promise<Page<Agency>> {
  const p = await listPrincipals('agency', accountId, page);
  return { items: p.items.map(toAgency), next_cursor: p.next_cursor };
}
export async function updateAgency(accountId: string, agencyId: string, changes: UpdatePrincipalInput, ifMatch?: IfMatch): Promise<Agency> {
  return toAgency(await updatePrincipal('agency', accountId, agencyId, changes, ifMatch));
}
/** Deletes the agency, then its grants. */
export async function deleteAgency(accountId: string, agencyId: string, ifMatch?: IfMatch): Promise<void> {
  await deletePrincipalItem('agency', accountId, agencyId, ifMatch);
  await deleteGrantsOf(accountId, 'agency', agencyId);
  await bumpAccount(accountId);
}

// ---------------------------------------------------------------------------------------------------------
// Shared by the three kinds, and by store/grants.ts (not in the barrel). The evaluation reads principals and
// memberships itself, without the toolbox: store/evaluation-reader.ts.

export interface PrincipalItem {
  account_id: string;
  kind: PrincipalKind;
  principal_id: string;
  name: string;
  description?: string | undefined;
  revision: number;
  created_at: string;
  updated_at: string;
}

const FIELD: Record<PrincipalKind, string> = { user: 'user_id', group: 'group_id', agency: 'agency_id' };
const LABEL: Record<PrincipalKind, string> = { user: 'user', group: 'group', agency: 'agency' };

export async function readPrincipal(accountId: string, kind: PrincipalKind, id: string): Promise<PrincipalItem | undefined> {
  const { Item } = await PrincipalEntity.build(GetItemCommand).key({ account_id: accountId, kind, principal_id: id }).options({ consistent: true }).send();
  return Item;
}

export async function getPrincipal(kind: PrincipalKind, accountId: string, id: string): Promise<PrincipalItem> {
  checkId(accountId, 'account_id');
  checkId(id, FIELD[kind]);
  const item = await readPrincipal(accountId, kind, id);
  if (!item) throw principalNotFound(kind, accountId, id);
  return item;
}

/** A user's memberships (strongly consistent, all pages). */
export async function queryUserMemberships(accountId: string, userId: string): Promise<Array<{ account_id: string; user_id: string; group_id: string; created_at: string }>> {
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(MembershipEntity)
    .query({ partition: accountPk(accountId), range: { beginsWith: userGroupsSkPrefix(userId) } })
    .options({ consistent: true, maxPages: Infinity })
    .send();
  return Items;
}


async function createPrincipal(kind: PrincipalKind, accountId: string, id: unknown, name: unknown, description: unknown): Promise<PrincipalItem> {
  checkId(accountId, 'account_id');
  const principalId = checkId(id, FIELD[kind]);
  const checkedName = checkText(name, 'name', MAX_NAME_LENGTH, true);
  const checkedDescription = description === undefined || description === null ? undefined : checkText(description, 'description', MAX_DESCRIPTION_LENGTH, false);
  const now = nowIso();
  const item: PrincipalItem = {
    account_id: accountId,
    kind,
    principal_id: principalId,
    name: checkedName,
    ...(checkedDescription ? { description: checkedDescription } : {}),
    revision: 1,
    created_at: now,
    updated_at: now,
  };
  try {
    await PrincipalEntity.build(PutItemCommand).item(item).options({ condition: { attr: 'principal_id', exists: false } }).send();
  } catch (err) {
    if (isConditionFailure(err)) throw alreadyExists(`Account ${accountId} already has a ${LABEL[kind]} ${principalId}.`);
    throw err;
  }
  await bumpAccount(accountId);
  return item;
}

async function listPrincipals(kind: PrincipalKind, accountId: string, page: PageOptions): Promise<Page<PrincipalItem>> {
  checkId(accountId, 'account_id');
  const limit = checkLimit(page.limit);
  const partition = principalsGsi1pk(kind, accountId);
  const listing = `${kind}s:${accountId}`;
  const position = page.cursor === undefined ? undefined : decodeCursor(page.cursor, listing, { pk: accountPk(accountId), gsi1pk: partition });
  const query = PolicyTable.build(QueryCommand).entities(PrincipalEntity).query({ index: GSI1, partition });
  const { Items = [], LastEvaluatedKey } = await (position && 'key' in position ? query.options({ limit, exclusiveStartKey: position.key }) : query.options({ limit })).send();
  return { items: Items, next_cursor: LastEvaluatedKey ? encodeCursor(listing, { key: LastEvaluatedKey }) : null };
}

async function updatePrincipal(kind: PrincipalKind, accountId: string, id: string, changes: UpdatePrincipalInput, ifMatch: IfMatch): Promise<PrincipalItem> {
  checkId(accountId, 'account_id');
  checkId(id, FIELD[kind]);
  if (changes === null || typeof changes !== 'object') throw invalidInput('The changes must be an object.');
  const expected = parseIfMatch(ifMatch);
  const name = changes.name === undefined ? undefined : checkText(changes.name, 'name', MAX_NAME_LENGTH, true);
  const description = changes.description === undefined || changes.description === null ? changes.description : checkText(changes.description, 'description', MAX_DESCRIPTION_LENGTH, false);
  if (name === undefined && description === undefined) throw invalidInput(`Nothing to change: give ${kind === 'user' ? 'name' : 'name and/or description'}.`);
  let updated: PrincipalItem;
  try {
    const { Attributes } = await PrincipalEntity.build(UpdateItemCommand)
      .item({
        account_id: accountId,
        kind,
        principal_id: id,
        ...(name === undefined ? {} : { name, gsi1sk: name.toLowerCase() }),
        ...(description === undefined ? {} : { description: description === null || description === '' ? $remove() : description }),
        revision: $add(1),
        updated_at: nowIso(),
      })
      .options({ condition: expected === undefined ? { attr: 'principal_id', exists: true } : { attr: 'revision', eq: expected }, returnValues: 'ALL_NEW' })
      .send();
    updated = Attributes as PrincipalItem;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const now = await readPrincipal(accountId, kind, id);
    if (!now) throw principalNotFound(kind, accountId, id);
    throw stale(`The ${LABEL[kind]} ${id}`, expected, now.revision);
  }
  await bumpAccount(accountId);
  return updated;
}

async function deletePrincipalItem(kind: PrincipalKind, accountId: string, id: string, ifMatch: IfMatch): Promise<void> {
  checkId(accountId, 'account_id');
  checkId(id, FIELD[kind]);
  const expected = parseIfMatch(ifMatch);
  try {
    await PrincipalEntity.build(DeleteItemCommand)
      .key({ account_id: accountId, kind, principal_id: id })
      .options({ condition: expected === undefined ? { attr: 'principal_id', exists: true } : { attr: 'revision', eq: expected } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const now = await readPrincipal(accountId, kind, id);
    if (!now) throw principalNotFound(kind, accountId, id);
    throw stale(`The ${LABEL[kind]} ${id}`, expected, now.revision);
  }
}

async function deleteGrantsOf(accountId: string, kind: PrincipalKind, id: string): Promise<void> {
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(GrantEntity)
    .query({ partition: accountPk(accountId), range: { beginsWith: principalGrantsSkPrefix(kind, id) } })
    .options({ consistent: true, maxPages: Infinity })
    .send();
  await deleteGrantItems(accountId, Items);
}

async function requireBoth(accountId: string, groupId: string, userId: string): Promise<void> {
  const [group, user] = await Promise.all([readPrincipal(accountId, 'group', groupId), readPrincipal(accountId, 'user', userId)]);
  if (!group) throw principalNotFound('group', accountId, groupId);
  if (!user) throw principalNotFound('user', accountId, userId);
}

function toUser(i: PrincipalItem): User {
  return { account_id: i.account_id, user_id: i.principal_id, name: i.name, revision: i.revision, etag: etagOf(i.revision), created_at: i.created_at, updated_at: i.updated_at };
}

function toGroup(i: PrincipalItem): Group {
  const g: Group = { account_id: i.account_id, group_id: i.principal_id, name: i.name, revision: i.revision, etag: etagOf(i.revision), created_at: i.created_at, updated_at: i.updated_at };
  if (i.description !== undefined) g.description = i.description;
  return g;
}

function toAgency(i: PrincipalItem): Agency {
  const a: Agency = { account_id: i.account_id, agency_id: i.principal_id, name: i.name, revision: i.revision, etag: etagOf(i.revision), created_at: i.created_at, updated_at: i.updated_at };
  if (i.description !== undefined) a.description = i.description;
  return a;
}

function toMembership(m: { account_id: string; user_id: string; group_id: string; created_at: string }): Membership {
  return { account_id: m.account_id, group_id: m.group_id, user_id: m.user_id, created_at: m.created_at };
}
