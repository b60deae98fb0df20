/**
 * Principals of an account: users (with their group memberships), user groups and agencies. Ids are
 * chosen by the caller (`ID_PATTERN`); names need not be unique. Listings are by name (`gsi1`, eventually
 * consistent on AWS); everything the evaluation reads (a user's groups, grants) is strongly consistent.
 *
 * Every write is one transaction with the account's change counter (store/transact.ts). References to a
 * principal (memberships, grants) move its `ref_count` in the same transaction that writes them, each
 * conditioned on the principal existing; a delete removes the references (in one transaction, or in
 * several for a principal with very many) and then the principal, conditioned on its count being 0, so
 * no interleaving leaves a membership or grant of a deleted principal behind.
 */
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { DeleteTransaction } from 'dynamodb-toolbox/entity/actions/transactDelete';
import { PutTransaction } from 'dynamodb-toolbox/entity/actions/transactPut';
import { UpdateTransaction } from 'dynamodb-toolbox/entity/actions/transactUpdate';
import { $add, $remove } from 'dynamodb-toolbox/entity/actions/update';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import {
  checkId,
  checkLimit,
  checkText,
  decodeCursor,
  encodeCursor,
  etagOf,
  type IfMatch,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  nowIso,
  type Page,
  type PageOptions,
  parseIfMatch,
  stale,
} from './common.js';
import { accountBump } from './counters.js';
import { GrantEntity, MembershipEntity, PrincipalEntity } from './entities.js';
import { alreadyExists, conflict, invalidInput, notFound, principalNotFound } from './errors.js';
import { type GrantRef, grantRemovals, principalRef } from './grant-items.js';
import { accountPk, MEMBERSHIP_SK_PREFIX, membersGsi1pk, principalGrantsSkPrefix, type PrincipalKind, principalsGsi1pk, userGroupsSkPrefix } from './keys.js';
import { GSI1, PolicyTable } from './table.js';
import { MAX_TRANSACTION_ITEMS, transact, TransactionRefused, type WriteItem } from './transact.js';

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
/** Deletes the user with its group memberships and grants. */
export async function deleteUser(accountId: string, userId: string, ifMatch?: IfMatch): Promise<void> {
  await deletePrincipal('user', accountId, userId, ifMatch);
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
/** Deletes the group with its memberships and grants. */
export async function deleteGroup(accountId: string, groupId: string, ifMatch?: IfMatch): Promise<void> {
  await deletePrincipal('group', accountId, groupId, ifMatch);
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
    // The membership, both ends' reference counts (each conditioned on it existing), the account's counter.
    await transact([
      MembershipEntity.build(PutTransaction)
        .item(item)
        .options({ condition: { attr: 'user_id', exists: false } }),
      principalRef(accountId, 'user', userId, 1),
      principalRef(accountId, 'group', groupId, 1),
      accountBump(accountId),
    ]);
  } catch (err) {
    if (!(err instanceof TransactionRefused)) throw err;
    if (err.at(1)) throw principalNotFound('user', accountId, userId);
    if (err.at(2)) throw principalNotFound('group', accountId, groupId);
    // A concurrent addMember of the same pair won: the same membership.
    const { Item } = await MembershipEntity.build(GetItemCommand).key({ account_id: accountId, user_id: userId, group_id: groupId }).options({ consistent: true }).send();
    if (Item) return toMembership(Item);
    throw conflict(`The membership of ${userId} in ${groupId} changed concurrently; try again.`);
  }
  return toMembership(item);
}

/** Removes a user from a group (`NOT_FOUND` when not a member). */
export async function removeMember(accountId: string, groupId: string, userId: string): Promise<void> {
  checkId(accountId, 'account_id');
  checkId(groupId, 'group_id');
  checkId(userId, 'user_id');
  try {
    await transact([
      MembershipEntity.build(DeleteTransaction)
        .key({ account_id: accountId, user_id: userId, group_id: groupId })
        .options({ condition: { attr: 'user_id', exists: true } }),
      principalRef(accountId, 'user', userId, -1),
      principalRef(accountId, 'group', groupId, -1),
      accountBump(accountId),
    ]);
  } catch (err) {
    if (err instanceof TransactionRefused && err.at(0)) throw notFound(`User ${userId} is not a member of group ${groupId}.`);
    throw err;
  }
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
/** Deletes the agency with its grants. */
export async function deleteAgency(accountId: string, agencyId: string, ifMatch?: IfMatch): Promise<void> {
  await deletePrincipal('agency', accountId, agencyId, ifMatch);
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
  ref_count?: number | undefined;
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
    await transact([
      PrincipalEntity.build(PutTransaction)
        .item({ ...item, ref_count: 0 })
        .options({ condition: { attr: 'principal_id', exists: false } }),
      accountBump(accountId),
    ]);
  } catch (err) {
    if (err instanceof TransactionRefused && err.at(0)) throw alreadyExists(`Account ${accountId} already has a ${LABEL[kind]} ${principalId}.`);
    throw err;
  }
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
  for (let attempt = 1; ; attempt++) {
    const current = await readPrincipal(accountId, kind, id);
    if (!current) throw principalNotFound(kind, accountId, id);
    if (expected !== undefined && current.revision !== expected) throw stale(`The ${LABEL[kind]} ${id}`, expected, current.revision);
    const next: PrincipalItem = { ...current, revision: current.revision + 1, updated_at: nowIso() };
    if (name !== undefined) next.name = name;
    if (description === null || description === '') delete next.description;
    else if (description !== undefined) next.description = description;
    try {
      await transact([
        PrincipalEntity.build(UpdateTransaction)
          .item({
            account_id: accountId,
            kind,
            principal_id: id,
            ...(name === undefined ? {} : { name, gsi1sk: name.toLowerCase() }),
            ...(description === undefined ? {} : { description: description === null || description === '' ? $remove() : description }),
            revision: next.revision,
            updated_at: next.updated_at,
          })
          .options({ condition: { attr: 'revision', eq: current.revision } }),
        accountBump(accountId),
      ]);
      return next;
    } catch (err) {
      if (!(err instanceof TransactionRefused) || attempt >= 30) throw err;
      // Changed (or deleted) since it was read: with If-Match the next read says so; without, retried.
    }
  }
}

/**
 * Deletes a principal with every reference to it (memberships of a user or a group, grants): in one
 * transaction when they fit (at most about 45 references), else in several, each consistent (the counts
 * move with the references), the principal last, conditioned on its count being 0 and its revision
 * (If-Match) being unchanged. A reference added meanwhile makes the last step fail; it is swept again.
 */
async function deletePrincipal(kind: PrincipalKind, accountId: string, id: string, ifMatch: IfMatch): Promise<void> {
  checkId(accountId, 'account_id');
  checkId(id, FIELD[kind]);
  const expected = parseIfMatch(ifMatch);
  for (let attempt = 1; ; attempt++) {
    const current = await readPrincipal(accountId, kind, id);
    if (!current) throw principalNotFound(kind, accountId, id);
    if (expected !== undefined && current.revision !== expected) throw stale(`The ${LABEL[kind]} ${id}`, expected, current.revision);
    const [memberships, grants] = await Promise.all([membershipsOf(kind, accountId, id), grantsOf(accountId, kind, id)]);
    // Per reference at most 2 items (the reference and the other end's count), plus the principal and the counter.
    const batch = Math.floor((MAX_TRANSACTION_ITEMS - 2) / 2);
    const refs: Array<{ membership: MembershipRef } | { grant: GrantRef }> = [...memberships.map((m) => ({ membership: m })), ...grants.map((g) => ({ grant: g }))];
    const self = { type: kind, id };
    const removals = (part: typeof refs): WriteItem[] => {
      const items: WriteItem[] = [];
      for (const r of part) {
        if (!('membership' in r)) continue;
        const m = r.membership;
        items.push(MembershipEntity.build(DeleteTransaction).key({ account_id: accountId, user_id: m.user_id, group_id: m.group_id }));
        items.push(kind === 'user' ? principalRef(accountId, 'group', m.group_id, -1) : principalRef(accountId, 'user', m.user_id, -1));
      }
      return [
        ...items,
        ...grantRemovals(
          accountId,
          part.flatMap((r) => ('grant' in r ? [r.grant] : [])),
          { principal: self },
        ),
      ];
    };
    const key = { account_id: accountId, kind, principal_id: id };
    try {
      if (refs.length <= batch) {
        await transact([
          PrincipalEntity.build(DeleteTransaction)
            .key(key)
            .options({
              condition: {
                and: [
                  { attr: 'revision', eq: current.revision },
                  {
                    or: [
                      { attr: 'ref_count', exists: false },
                      { attr: 'ref_count', eq: refs.length },
                    ],
                  },
                ],
              },
            }),
          ...removals(refs),
          accountBump(accountId),
        ]);
        return;
      }
      const part = refs.slice(0, batch);
      await transact([
        PrincipalEntity.build(UpdateTransaction)
          // The principal is unusable from this transaction on (the readers treat it as deleted): what the
          // later transactions remove can never leave it with more access than it had.
          .item({ ...key, ref_count: $add(-part.length), deleting: true })
          .options({ condition: { attr: 'revision', eq: current.revision } }),
        ...removals(part),
        accountBump(accountId),
      ]);
    } catch (err) {
      if (!(err instanceof TransactionRefused) || attempt >= 30) throw err;
      // The principal or its references changed meanwhile: read again (If-Match then says whether that is stale).
    }
  }
}

interface MembershipRef {
  user_id: string;
  group_id: string;
}

/** A user's memberships, or a group's (from the base table: the group's index on gsi1 is eventually consistent). */
async function membershipsOf(kind: PrincipalKind, accountId: string, id: string): Promise<MembershipRef[]> {
  if (kind === 'user') return queryUserMemberships(accountId, id);
  if (kind === 'agency') return [];
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(MembershipEntity)
    .query({ partition: accountPk(accountId), range: { beginsWith: MEMBERSHIP_SK_PREFIX } })
    .options({ consistent: true, maxPages: Infinity, filters: { Membership: { attr: 'group_id', eq: id } } })
    .send();
  return Items;
}

async function grantsOf(accountId: string, kind: PrincipalKind, id: string): Promise<GrantRef[]> {
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(GrantEntity)
    .query({ partition: accountPk(accountId), range: { beginsWith: principalGrantsSkPrefix(kind, id) } })
    .options({ consistent: true, maxPages: Infinity })
    .send();
  return Items;
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
