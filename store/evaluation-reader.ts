/**
 * What the evaluation of a stored principal needs, read-only: the account's change stamp (for the warm
 * function's cache) and the principal's policy set (its grants with the default version of each policy,
 * and the SCPs along its account's organization path). This is the DynamoDB adapter of the policy-set
 * port (`PolicySetSource`: `loadEffectiveSet` and `currentStamp`).
 *
 * Built on store/dynamo-http.ts (DynamoDB's JSON protocol over node:http, signed on node:crypto), NOT on
 * the AWS SDK or dynamodb-toolbox: the evaluate, explain, authorizer and batch functions load this module,
 * and its cold start is theirs. The items are the ones the toolbox entities of store/entities.ts write,
 * read raw: every attribute is saved under its own name (no `savedAs`), the entity name is in `_et`
 * (`ENTITY_ATTRIBUTE`), string sets come back as `Set`s, maps as plain objects. Only store/keys.ts,
 * store/dynamo-http.ts, store/common.ts and store/errors.ts are imported (all toolbox- and SDK-free);
 * test/store-evaluation-reader.test.ts pins the stored shapes read here.
 *
 * Round trips (docs/storage.md, "Access patterns"), all strongly consistent:
 *  1. one Query of the account's authorization graph (`pk = ACCT#<acc>`, `begins_with(sk, '#')`, filtered
 *     to the principal's items, its memberships and the grants of users and groups): the `#ACCOUNT` item
 *     (counter, organization, management account, path), the principal, its groups, their grants. The
 *     account itself (no principal) is one GetItem of `#ACCOUNT`.
 *  2. in parallel: one BatchGetItem of the granted policies, the `#ORG` item (counter, SCP switch) and the
 *     nodes of the path (by key, from `org_path`); and, in an organization, one Query of the management
 *     account's SCPs. A graph larger than a Query page (1 MB before the filter) takes one more round trip
 *     per page.
 * The warm check (`currentStamp`) is one request: a GetItem of `#ACCOUNT`, or a BatchGetItem of `#ACCOUNT`
 * and `#ORG` when the account is in an organization.
 *
 * The `#ACCOUNT` item is read in the first round trip, no later than the data it stamps: every write
 * changes its data and bumps the counters in one transaction, so a load racing a write can only pair older
 * counters with newer data (the next request then misses the cache and reloads), never the reverse.
 *
 * A grant or attachment naming a policy that cannot be read (no item, no default version, the wrong type, a
 * system policy gone from the catalog) fails the load (STORED_POLICY_INVALID): the store's writes never leave
 * one, and a set without it could allow what it denies. A BatchGet that leaves keys unprocessed after 5
 * attempts fails the load instead of skipping them.
 */
import { systemPolicy } from '../lib/system-policies.js';
import type { LoadedGrant, LoadedOrganization, LoadedPolicies, PolicySetSource, PrincipalSelector } from '../lib/decision/source.js';
import { checkId } from './common.js';
import { fromItem, key, send, toWireValues, type WireItem } from './dynamo-http.js';
import { invalidInput, principalNotFound, unresolvedPolicy } from './errors.js';
import {
  ACCOUNT_SK,
  accountPk,
  ENTITY,
  ENTITY_ATTRIBUTE,
  GRAPH_PREFIX,
  isSystemPolicyId,
  nodeSk,
  ORG_SK,
  orgPk,
  POLICY_SK_PREFIX,
  policySk,
  principalGrantsSkPrefix,
  type PrincipalKind,
  principalSk,
  scopeFromKey,
} from './keys.js';

/** The table's name (the same variable store/client.ts reads for the write path). */
export function tableName(): string {
  const name = process.env.POLICY_TABLE?.trim();
  if (!name) throw new Error('POLICY_TABLE is not set: the store needs the name of the policy table.');
  return name;
}

/** Version id of every system policy. */
export const SYSTEM_POLICY_VERSION = 'v1';

export type { LoadedGrant, LoadedLevel, LoadedOrganization, LoadedPolicies, LoadedScp, PolicySetSource, PrincipalSelector } from '../lib/decision/source.js';

/** The account's change stamp: changes after every write that can change a decision of the account. */
export async function changeStamp(accountId: string): Promise<string> {
  checkId(accountId, 'account_id');
  return (await readStamp(accountId)).stamp;
}

export const dynamoPolicySetSource: PolicySetSource = {
  loadEffectiveSet: (accountId, principal) => loadPrincipalPolicies(accountId, principal),
  currentStamp: (accountId, orgId) => currentStamp(accountId, orgId),
};

/**
 * The policy set of a user (`user_id`), an agency (`agency`) or the account itself (neither: no grants,
 * SCPs still apply). `NOT_FOUND` for a missing user or agency.
 */
export async function loadPrincipalPolicies(accountId: string, principal: PrincipalSelector = {}): Promise<LoadedPolicies> {
  checkId(accountId, 'account_id');
  const userId = principal.user_id === undefined ? undefined : checkId(principal.user_id, 'user_id');
  const agencyId = principal.agency === undefined ? undefined : checkId(principal.agency, 'agency');
  if (userId !== undefined && agencyId !== undefined) throw invalidInput('Give user_id or agency, not both.');

  // Round trip 1: the account item and the principal's part of the graph.
  const graph = await readGraph(accountId, userId !== undefined ? { kind: 'user', id: userId } : agencyId !== undefined ? { kind: 'agency', id: agencyId } : undefined);
  const account = graph.account;
  const grantRows = graph.grants;

  // Round trip 2: the policies, the organization item and the path's nodes, the SCPs (in parallel).
  const { resolve, organization, stamp } = await readPoliciesAndPath(
    accountId,
    account,
    grantRows.map((g) => g.policy_id),
  );

  const grants = grantRows.map((g) => loadedGrant(resolve, accountId, g));
  const out: LoadedPolicies = { stamp, principal: graph.principal, groups: graph.groups, grants, organization };
  if (account.org_id) out.stamp_org_id = account.org_id;
  return out;
}

/** A grant with its policy's default version; one that cannot be resolved fails the load (STORED_POLICY_INVALID). */
export function loadedGrant(resolve: PolicyResolver, accountId: string, g: GrantRow): LoadedGrant {
  const p = resolve(accountId, g.policy_id, 'identity');
  if (!p) throw unresolvedPolicy({ policy_id: g.policy_id, grant_id: g.grant_id });
  return { grant_id: g.grant_id, principal: { type: g.principal_type, id: g.principal_id }, scope: scopeFromKey(g.scope_key), policy_id: g.policy_id, ...p };
}

/** A policy's default version, resolved from what round trip 2 read (system policies from the catalog). */
export type PolicyResolver = (owner: string, policyId: string, type: 'identity' | 'scp') => { version: string; document: string } | undefined;

/**
 * Round trip 2 of a load: one BatchGetItem of the policies named (`policyIds`, owned by the account), the
 * `#ORG` item and the nodes of the account's path, and, in an organization, one Query of the management
 * account's SCPs, in parallel. The organization path with its SCPs, a resolver for the policies, the stamp.
 */
export async function readPoliciesAndPath(
  accountId: string,
  account: AccountState,
  policyIds: readonly string[],
): Promise<{ resolve: PolicyResolver; organization: LoadedOrganization | null; stamp: string }> {
  const keys = new Map<string, WireItem>();
  for (const id of policyIds) if (!isSystemPolicyId(id)) keys.set(`P#${id}`, key(accountPk(accountId), policySk(id)));
  const orgId = account.org_id;
  const path = orgId && account.org_path && account.org_path.length > 0 && account.org_path[account.org_path.length - 1] === accountId ? account.org_path : undefined;
  if (orgId) {
    keys.set('O#', key(orgPk(orgId), ORG_SK));
    for (const n of path ?? []) keys.set(`N#${n}`, key(orgPk(orgId), nodeSk(n)));
  }
  const [items, scpItems, partition] = await Promise.all([
    batchGet([...keys.values()]),
    orgId && account.org_mgmt ? queryScps(account.org_mgmt) : Promise.resolve([] as PolicyRow[]),
    // An account item without its path (written before paths were kept): the organization's partition.
    orgId && !path ? queryAll(orgPk(orgId), undefined, [ENTITY.org, ENTITY.node]) : Promise.resolve(undefined),
  ]);
  const policies = new Map<string, PolicyRow>();
  const orgParts: Array<Record<string, unknown>> = partition ?? [];
  for (const item of items) {
    if (item[ENTITY_ATTRIBUTE] === ENTITY.policy) policies.set(`${item.account_id as string}#${item.policy_id as string}`, item as unknown as PolicyRow);
    else orgParts.push(item);
  }
  for (const p of scpItems) policies.set(`${p.account_id}#${p.policy_id}`, p);
  let org = orgId ? organizationOf(accountId, orgId, orgParts) : null;
  if (orgId && org === 'broken') {
    // A path that does not chain (an account moved between the two round trips): the whole partition, once.
    org = organizationOf(accountId, orgId, await queryAll(orgPk(orgId), undefined, [ENTITY.org, ENTITY.node]));
    if (org === 'broken') throw new Error(`organization ${orgId}: the path of account ${accountId} is broken`);
  }
  const orgSide = org === 'broken' ? null : org;
  const orgCounter = orgParts.find((i) => i[ENTITY_ATTRIBUTE] === ENTITY.org)?.counter;
  const stamp = stampOf(account, typeof orgCounter === 'number' ? orgCounter : undefined);

  const resolve: PolicyResolver = (owner, policyId, type) => {
    if (isSystemPolicyId(policyId)) {
      const sp = systemPolicy(policyId);
      return sp && sp.type === type ? { version: SYSTEM_POLICY_VERSION, document: JSON.stringify(sp.document) } : undefined;
    }
    const item = policies.get(`${owner}#${policyId}`);
    const version = item?.versions?.[item.default_version];
    return item && item.type === type && version ? { version: item.default_version, document: version.document } : undefined;
  };

  let organization: LoadedOrganization | null = null;
  if (orgSide) {
    organization = {
      org_id: orgSide.org_id,
      management_account_id: orgSide.management_account_id,
      scp_enabled: orgSide.scp_enabled,
      org_path: [orgSide.org_id, ...orgSide.nodes.map((n) => n.node.node_id)].join('/'),
      levels: orgSide.nodes.map(({ node, scpIds }) => ({
        node_id: node.node_id,
        node_type: node.node_type,
        policies: orgSide.scp_enabled
          ? scpIds.map((id) => {
              const p = resolve(orgSide.management_account_id, id, 'scp');
              if (!p) throw unresolvedPolicy({ policy_id: id, node_id: node.node_id });
              return { policy_id: id, ...p };
            })
          : [],
      })),
    };
  }
  return { resolve, organization, stamp };
}

// ---------------------------------------------------------------------------------------------------------
// The change stamp (also store/counters.ts's `readStamp` and `readAccount`: one implementation).

/** The account's `#ACCOUNT` item: the change counter and the organizations it belongs to and manages. */
export interface AccountState {
  counter: number;
  org_id?: string;
  manages_org?: string;
  /** The management account of `org_id`. */
  org_mgmt?: string;
  /** The account's path in `org_id`: root, OUs, the account (node ids). */
  org_path?: string[];
}

export interface Stamp {
  stamp: string;
  account: AccountState;
  /** The organization's counter, when the account is in one and it exists. */
  org_counter?: number;
}

/** One item by key, strongly consistent. */
async function getItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const out = await send<{ Item?: WireItem }>('GetItem', { TableName: tableName(), Key: key(pk, sk), ConsistentRead: true });
  return out.Item ? fromItem(out.Item) : undefined;
}

/** The account's `#ACCOUNT` item (strongly consistent); a never-written account has counter 0. */
export async function readAccount(accountId: string): Promise<AccountState> {
  return accountState(await getItem(accountPk(accountId), ACCOUNT_SK));
}

export function accountState(item: { counter?: unknown; org_id?: unknown; manages_org?: unknown; org_mgmt?: unknown; org_path?: unknown } | undefined): AccountState {
  const state: AccountState = { counter: typeof item?.counter === 'number' ? item.counter : 0 };
  if (typeof item?.org_id === 'string' && item.org_id) state.org_id = item.org_id;
  if (typeof item?.manages_org === 'string' && item.manages_org) state.manages_org = item.manages_org;
  if (typeof item?.org_mgmt === 'string' && item.org_mgmt) state.org_mgmt = item.org_mgmt;
  if (Array.isArray(item?.org_path) && item.org_path.every((x) => typeof x === 'string')) state.org_path = item.org_path as string[];
  return state;
}

/** `<accountCounter>`, or `<accountCounter>/<orgId>:<orgCounter>` (`-` when the organization item is missing). */
function stampOf(account: AccountState, orgCounter: number | undefined): string {
  if (!account.org_id) return `${account.counter}`;
  return `${account.counter}/${account.org_id}:${orgCounter === undefined ? '-' : orgCounter}`;
}

/** The account's change stamp: `<accountCounter>` or `<accountCounter>/<orgId>:<orgCounter>`. Two reads at most. */
export async function readStamp(accountId: string): Promise<Stamp> {
  const account = await readAccount(accountId);
  if (!account.org_id) return { stamp: stampOf(account, undefined), account };
  const org = await getItem(orgPk(account.org_id), ORG_SK);
  const counter = typeof org?.counter === 'number' ? org.counter : undefined;
  return counter === undefined ? { stamp: stampOf(account, undefined), account } : { stamp: stampOf(account, counter), account, org_counter: counter };
}

/**
 * The warm check: the account's stamp now, in one request. `orgId` is the organization of the loaded
 * entry (`stamp_org_id`): its `#ORG` item is read in the same BatchGetItem as `#ACCOUNT`. If the account
 * has joined or left an organization since, its own counter moved, so the stamp differs either way.
 */
export async function currentStamp(accountId: string, orgId: string | undefined): Promise<string> {
  checkId(accountId, 'account_id');
  if (!orgId) return stampOf(await readAccount(accountId), undefined);
  const items = await batchGet([key(accountPk(accountId), ACCOUNT_SK), key(orgPk(orgId), ORG_SK)], STAMP_PROJECTION);
  const account = accountState(items.find((i) => i.sk === ACCOUNT_SK));
  const org = items.find((i) => i.sk === ORG_SK);
  return stampOf(account, account.org_id === orgId && typeof org?.counter === 'number' ? org.counter : undefined);
}

const STAMP_PROJECTION = { ProjectionExpression: 'pk, sk, #c, org_id', ExpressionAttributeNames: { '#c': 'counter' } };

// ---------------------------------------------------------------------------------------------------------
// The stored items, as far as they are read here (attributes of store/entities.ts, saved under their names).

export interface GrantRow {
  grant_id: string;
  principal_type: PrincipalKind;
  principal_id: string;
  policy_id: string;
  /** `global`, `all_projects`, `project:<region>`, `ep:<id>` (`scopeFromKey`). */
  scope_key: string;
}

interface OrgRow {
  org_id: string;
  management_account_id: string;
  scp_enabled: boolean;
}

interface NodeRow {
  node_id: string;
  node_type: 'root' | 'ou' | 'account';
  /** Absent on the root. */
  parent_id?: string;
  /** A string set; absent when none. */
  scps?: Set<string>;
}

interface PolicyRow {
  account_id: string;
  policy_id: string;
  type: 'identity' | 'scp';
  default_version: string;
  /** A map of maps: `{ v1: { document, created_at, findings? }, ... }`. */
  versions: Record<string, { document: string } | undefined>;
}

/** Every item of `pk` (with `skPrefix`) matching `filter`: strongly consistent, all pages (one round trip per page). */
export async function queryAll(
  pk: string,
  skPrefix: string | undefined,
  entities: readonly string[],
  extra: { filter?: string; names?: Record<string, string>; values?: Record<string, string>; projection?: string } = {},
): Promise<Array<Record<string, unknown>>> {
  const values: Record<string, string> = { ':pk': pk, ...(skPrefix === undefined ? {} : { ':sk': skPrefix }), ...extra.values };
  entities.forEach((e, i) => (values[`:e${i}`] = e));
  const names: Record<string, string> = { '#pk': 'pk', '#et': ENTITY_ATTRIBUTE, ...(skPrefix === undefined ? {} : { '#sk': 'sk' }), ...extra.names };
  const entityFilter = entities.map((_, i) => `#et = :e${i}`).join(' OR ') || undefined;
  const input: Record<string, unknown> = {
    TableName: tableName(),
    ConsistentRead: true,
    KeyConditionExpression: skPrefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :sk)',
    FilterExpression: extra.filter && entityFilter ? `(${entityFilter}) AND (${extra.filter})` : (extra.filter ?? entityFilter),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: toWireValues(values),
    ...(extra.projection ? { ProjectionExpression: extra.projection } : {}),
  };
  const items: Array<Record<string, unknown>> = [];
  let start: WireItem | undefined;
  do {
    const page: { Items?: WireItem[]; LastEvaluatedKey?: WireItem } = await send('Query', start ? { ...input, ExclusiveStartKey: start } : input);
    for (const item of page.Items ?? []) items.push(fromItem(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

interface Graph {
  account: AccountState;
  principal: LoadedPolicies['principal'];
  groups: string[];
  grants: GrantRow[];
}

/**
 * Round trip 1: the `#ACCOUNT` item and the principal's part of the account's graph. For a user: the user,
 * its memberships, its own grants and every group grant (the user's groups are known only from the same
 * answer; the grants of groups it is not in are dropped here). For an agency: the agency and its grants.
 */
async function readGraph(accountId: string, who: { kind: 'user' | 'agency'; id: string } | undefined): Promise<Graph> {
  if (!who) return { account: await readAccount(accountId), principal: { type: 'account', id: accountId }, groups: [], grants: [] };
  const mine = principalGrantsSkPrefix(who.kind, who.id);
  // A filter names no key attribute (DynamoDB refuses it): the items are told apart by their attributes.
  const values: Record<string, string> = { ':acct': ENTITY.account, ':pr': ENTITY.principal, ':gr': ENTITY.grant, ':kind': who.kind, ':id': who.id };
  const names: Record<string, string> = { '#kind': 'kind', '#pid': 'principal_id', '#ptype': 'principal_type' };
  let filter = '#et = :acct OR (#et = :pr AND #kind = :kind AND #pid = :id) OR (#et = :gr AND #ptype = :kind AND #pid = :id)';
  if (who.kind === 'user') {
    values[':mem'] = ENTITY.membership;
    values[':group'] = 'group';
    names['#uid'] = 'user_id';
    filter += ' OR (#et = :mem AND #uid = :id) OR (#et = :gr AND #ptype = :group)';
  }
  const items = await queryAll(accountPk(accountId), GRAPH_PREFIX, [], { filter, values, names });
  const selfSk = principalSk(who.kind, who.id);
  let account: AccountState = { counter: 0 };
  let self: Record<string, unknown> | undefined;
  const groups: string[] = [];
  const own: GrantRow[] = [];
  const groupGrants: GrantRow[] = [];
  for (const item of items) {
    const sk = item.sk as string;
    const entity = item[ENTITY_ATTRIBUTE];
    if (sk === ACCOUNT_SK && entity === ENTITY.account) account = accountState(item);
    else if (entity === ENTITY.principal && sk === selfSk) self = item;
    else if (entity === ENTITY.membership && who.kind === 'user' && item.user_id === who.id) groups.push(item.group_id as string);
    else if (entity === ENTITY.grant && sk.startsWith(mine)) own.push(item as unknown as GrantRow);
    else if (entity === ENTITY.grant && item.principal_type === 'group') groupGrants.push(item as unknown as GrantRow);
  }
  // A principal being deleted (store/principals.ts sets `deleting` in the first of several transactions) is gone.
  if (!self || self.deleting === true) throw principalNotFound(who.kind, accountId, who.id);
  groups.sort();
  const inGroups = new Set(groups);
  // The user's grants, then its groups' grants by group id (the order the evaluation's sources list them).
  const grants = [...own, ...groups.flatMap((g) => groupGrants.filter((x) => x.principal_id === g && inGroups.has(g)))];
  return { account, principal: { type: who.kind, id: who.id, name: self.name as string }, groups, grants };
}

/** The SCPs of the management account (one Query of its policies, filtered to SCPs; all pages). */
async function queryScps(managementAccount: string): Promise<PolicyRow[]> {
  const rows = await queryAll(accountPk(managementAccount), POLICY_SK_PREFIX, [ENTITY.policy], {
    filter: '#type = :scp',
    names: { '#type': 'type' },
    values: { ':scp': 'scp' },
    projection: '#et, account_id, policy_id, #type, default_version, versions',
  });
  return rows as unknown as PolicyRow[];
}

interface OrgSide {
  org_id: string;
  management_account_id: string;
  scp_enabled: boolean;
  /** Root first, the account last. */
  nodes: Array<{ node: NodeRow; scpIds: string[] }>;
}

/**
 * The account's path from the organization item and nodes read: null when the organization or the
 * account's node is gone, `broken` when the nodes do not chain from the account to a root.
 */
function organizationOf(accountId: string, orgId: string, items: ReadonlyArray<Record<string, unknown>>): OrgSide | null | 'broken' {
  let org: OrgRow | undefined;
  const byId = new Map<string, NodeRow>();
  for (const item of items) {
    if (item[ENTITY_ATTRIBUTE] === ENTITY.org && item.org_id === orgId) org = item as unknown as OrgRow;
    else if (item[ENTITY_ATTRIBUTE] === ENTITY.node && item.pk === orgPk(orgId)) byId.set(item.node_id as string, item as unknown as NodeRow);
  }
  if (!org) return null;
  const leaf = byId.get(accountId);
  if (!leaf || leaf.node_type !== 'account') return null;
  const chain: NodeRow[] = [leaf];
  for (let n = leaf; n.parent_id !== undefined; ) {
    const parent = byId.get(n.parent_id);
    // A broken chain or a cycle: no path rather than a wrong one.
    if (!parent || chain.length > 10) return 'broken';
    chain.unshift(parent);
    n = parent;
  }
  return {
    org_id: org.org_id,
    management_account_id: org.management_account_id,
    scp_enabled: org.scp_enabled,
    nodes: chain.map((node) => ({ node, scpIds: [...(node.scps ?? [])].sort() })),
  };
}

/** Items by key: BatchGetItem, 100 keys per request (in parallel), unprocessed keys retried (5 attempts). */
async function batchGet(keys: WireItem[], projection?: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> }): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  const table = tableName();
  const chunks: WireItem[][] = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
  // Every chunk runs to its end before a failure is reported (no request left running behind the answer).
  const settled = await Promise.allSettled(
    chunks.map(async (chunk) => {
      let request = chunk;
      for (let attempt = 1; request.length > 0; attempt++) {
        if (attempt > 5) throw new Error('BatchGetItem left items unprocessed after 5 attempts (throttled); the policy set was not loaded.');
        if (attempt > 1) await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
        const response = await send<{ Responses?: Record<string, WireItem[]>; UnprocessedKeys?: Record<string, { Keys?: WireItem[] }> }>('BatchGetItem', {
          RequestItems: { [table]: { Keys: request, ConsistentRead: true, ...projection } },
        });
        for (const item of response.Responses?.[table] ?? []) out.push(fromItem(item));
        request = response.UnprocessedKeys?.[table]?.Keys ?? [];
      }
    }),
  );
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return out;
}
