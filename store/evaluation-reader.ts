/**
 * What the evaluation of a stored principal needs, read-only: the account's change stamp (for the warm
 * function's cache) and the principal's policy set (its grants with the default version of each policy,
 * and the SCPs along its account's organization path).
 *
 * Built on `@aws-sdk/lib-dynamodb` commands alone (the SDK is external to the function bundles), NOT on
 * dynamodb-toolbox: the evaluate, explain, authorizer and batch functions load this module, and the
 * toolbox with the entity definitions would be most of their bundles. The items are the ones the toolbox
 * entities of store/entities.ts write, read raw: every attribute is saved under its own name (no
 * `savedAs`), the entity name is in `_et` (`ENTITY_ATTRIBUTE`), string sets come back as `Set`s, records
 * and maps as plain objects. Only store/keys.ts, store/client.ts, store/common.ts and store/errors.ts are
 * imported (all toolbox-free); test/store-evaluation-reader.test.ts pins the stored shapes read here.
 *
 * Requests:
 *  - `changeStamp`: GetItem `#ACCOUNT` (counter and org id), then GetItem of the org's `#ORG` (counter):
 *    one read for an account outside any organization, two otherwise. A warm evaluation by reference
 *    costs exactly this when nothing changed.
 *  - `loadPrincipalPolicies`: the stamp first, then in parallel the principal (GetItem), its groups
 *    (one Query), its grants (one Query, plus one per group, at most 16 at a time) and the whole
 *    organization (one Query of `ORG#<org>`, paginated: about 1 MB per page, thousands of nodes); then the
 *    granted and attached policies (BatchGetItem, 100 keys per request). All reads are strongly
 *    consistent, so data written before a counter bump is seen by a load that read the bumped stamp.
 *    Queries filter on the entity attribute, exactly as the toolbox's queries of these entities do.
 *
 * Reading the stamp before the data means a write racing the load can only make the stamp older than the
 * data (the next request then misses the cache and reloads), never newer.
 *
 * A grant or attachment naming a policy that no longer exists (a delete racing a create, see
 * store/policy-deletion.ts) is skipped: the policy is gone. A BatchGet that leaves keys unprocessed after 5
 * attempts fails the load instead of skipping them.
 */
import { BatchGetCommand, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { systemPolicy } from '../lib/system-policies.js';
import type { GrantScope } from '../lib/types.js';
import { mapLimit } from '../lib/util/concurrency.js';
import { getDocumentClient, getTableName } from './client.js';
import { checkId } from './common.js';
import { invalidInput, principalNotFound } from './errors.js';
import {
  ACCOUNT_SK,
  accountPk,
  ENTITY,
  ENTITY_ATTRIBUTE,
  isSystemPolicyId,
  ORG_SK,
  orgPk,
  policySk,
  principalGrantsSkPrefix,
  type PrincipalKind,
  principalSk,
  scopeFromKey,
  userGroupsSkPrefix,
} from './keys.js';

/** Version id of every system policy. */
export const SYSTEM_POLICY_VERSION = 'v1';

export interface PrincipalSelector {
  user_id?: string;
  /** The agency's id. */
  agency?: string;
}

export interface LoadedGrant {
  grant_id: string;
  principal: { type: PrincipalKind; id: string };
  scope: GrantScope;
  policy_id: string;
  /** The default version evaluated. */
  version: string;
  /** JSON text of the default version. */
  document: string;
}

export interface LoadedScp {
  policy_id: string;
  version: string;
  document: string;
}

export interface LoadedLevel {
  node_id: string;
  node_type: 'root' | 'ou' | 'account';
  /** The SCPs attached to the node, by policy id (empty when SCPs are disabled). */
  policies: LoadedScp[];
}

export interface LoadedOrganization {
  org_id: string;
  management_account_id: string;
  scp_enabled: boolean;
  /** `<org>/<root>/<ou>/.../<account>` */
  org_path: string;
  /** Root, OUs, the account: outermost first. */
  levels: LoadedLevel[];
}

export interface LoadedPolicies {
  /** The change stamp read before the data (cache key). */
  stamp: string;
  principal: { type: 'user' | 'agency' | 'account'; id: string; name?: string };
  /** The user's group ids (empty for agencies and the account). */
  groups: string[];
  /** The principal's grants, then its groups' grants (by group id). */
  grants: LoadedGrant[];
  /** `null` when the account is in no organization. */
  organization: LoadedOrganization | null;
}

/** The account's change stamp: changes after every write that can change a decision of the account. */
export async function changeStamp(accountId: string): Promise<string> {
  checkId(accountId, 'account_id');
  return (await readStamp(accountId)).stamp;
}

/**
 * The policy set of a user (`user_id`), an agency (`agency`) or the account itself (neither: no grants,
 * SCPs still apply). `NOT_FOUND` for a missing user or agency.
 */
export async function loadPrincipalPolicies(accountId: string, principal: PrincipalSelector = {}): Promise<LoadedPolicies> {
  checkId(accountId, 'account_id');
  const userId = principal.user_id === undefined ? undefined : checkId(principal.user_id, 'user_id');
  const agencyId = principal.agency === undefined ? undefined : checkId(principal.agency, 'agency');
  if (userId !== undefined && agencyId !== undefined) throw invalidInput('Give user_id or agency, not both.');

  const { stamp, account } = await readStamp(accountId);
  const [who, org] = await Promise.all([loadPrincipal(accountId, userId, agencyId), account.org_id ? loadOrganization(accountId, account.org_id) : Promise.resolve(null)]);

  // The policies: custom identity policies of the account, custom SCPs of the management account.
  const keys = new Map<string, { account_id: string; policy_id: string }>();
  for (const g of who.grants) if (!isSystemPolicyId(g.policy_id)) keys.set(`${accountId}#${g.policy_id}`, { account_id: accountId, policy_id: g.policy_id });
  if (org) {
    for (const level of org.nodes) for (const id of level.scpIds) if (!isSystemPolicyId(id)) keys.set(`${org.management_account_id}#${id}`, { account_id: org.management_account_id, policy_id: id });
  }
  const items = await batchGetPolicies([...keys.values()]);
  const resolve = (owner: string, policyId: string, type: 'identity' | 'scp'): { version: string; document: string } | undefined => {
    if (isSystemPolicyId(policyId)) {
      const sp = systemPolicy(policyId);
      return sp && sp.type === type ? { version: SYSTEM_POLICY_VERSION, document: JSON.stringify(sp.document) } : undefined;
    }
    const item = items.get(`${owner}#${policyId}`);
    const version = item?.versions?.[item.default_version];
    return item && item.type === type && version ? { version: item.default_version, document: version.document } : undefined;
  };

  const grants: LoadedGrant[] = [];
  for (const g of who.grants) {
    const p = resolve(accountId, g.policy_id, 'identity');
    if (p) grants.push({ grant_id: g.grant_id, principal: { type: g.principal_type, id: g.principal_id }, scope: scopeFromKey(g.scope_key), policy_id: g.policy_id, ...p });
  }
  let organization: LoadedOrganization | null = null;
  if (org) {
    organization = {
      org_id: org.org_id,
      management_account_id: org.management_account_id,
      scp_enabled: org.scp_enabled,
      org_path: [org.org_id, ...org.nodes.map((n) => n.node.node_id)].join('/'),
      levels: org.nodes.map(({ node, scpIds }) => ({
        node_id: node.node_id,
        node_type: node.node_type,
        policies: org.scp_enabled ? scpIds.flatMap((id) => ((p) => (p ? [{ policy_id: id, ...p }] : []))(resolve(org.management_account_id, id, 'scp'))) : [],
      })),
    };
  }
  return { stamp, principal: who.principal, groups: who.groups, grants, organization };
}

// ---------------------------------------------------------------------------------------------------------
// The change stamp (also store/counters.ts's `readStamp` and `readAccount`: one implementation).

/** The account's `#ACCOUNT` item: the change counter and the organizations it belongs to and manages. */
export interface AccountState {
  counter: number;
  org_id?: string;
  manages_org?: string;
}

export interface Stamp {
  stamp: string;
  account: AccountState;
  /** The organization's counter, when the account is in one and it exists. */
  org_counter?: number;
}

/** One item by key, strongly consistent; `counterOnly` projects the `counter` attribute. */
async function getItem(pk: string, sk: string, counterOnly = false): Promise<Record<string, unknown> | undefined> {
  const projection = counterOnly ? { ProjectionExpression: '#c', ExpressionAttributeNames: { '#c': 'counter' } } : {};
  return (await getDocumentClient().send(new GetCommand({ TableName: getTableName(), Key: { pk, sk }, ConsistentRead: true, ...projection }))).Item;
}

/** The account's `#ACCOUNT` item (strongly consistent); a never-written account has counter 0. */
export async function readAccount(accountId: string): Promise<AccountState> {
  return accountState(await getItem(accountPk(accountId), ACCOUNT_SK));
}

export function accountState(item: { counter?: unknown; org_id?: unknown; manages_org?: unknown } | undefined): AccountState {
  const state: AccountState = { counter: typeof item?.counter === 'number' ? item.counter : 0 };
  if (typeof item?.org_id === 'string' && item.org_id) state.org_id = item.org_id;
  if (typeof item?.manages_org === 'string' && item.manages_org) state.manages_org = item.manages_org;
  return state;
}

/** The account's change stamp: `<accountCounter>` or `<accountCounter>/<orgId>:<orgCounter>`. Two reads at most. */
export async function readStamp(accountId: string): Promise<Stamp> {
  const account = await readAccount(accountId);
  if (!account.org_id) return { stamp: `${account.counter}`, account };
  const org = await getItem(orgPk(account.org_id), ORG_SK, true);
  if (!org) return { stamp: `${account.counter}/${account.org_id}:-`, account };
  const counter = org.counter as number;
  return { stamp: `${account.counter}/${account.org_id}:${counter}`, account, org_counter: counter };
}

// ---------------------------------------------------------------------------------------------------------
// The stored items, as far as they are read here (attributes of store/entities.ts, saved under their names).

interface GrantRow {
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

/** Every item of `pk` (with `skPrefix`) whose entity is one of `entities`: strongly consistent, all pages. */
async function queryAll(pk: string, skPrefix: string | undefined, entities: readonly string[]): Promise<Array<Record<string, unknown>>> {
  const values: Record<string, string> = { ':pk': pk };
  entities.forEach((e, i) => (values[`:e${i}`] = e));
  const input: QueryCommandInput = {
    TableName: getTableName(),
    ConsistentRead: true,
    KeyConditionExpression: skPrefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :sk)',
    FilterExpression: entities.map((_, i) => `#et = :e${i}`).join(' OR '),
    ExpressionAttributeNames: skPrefix === undefined ? { '#pk': 'pk', '#et': ENTITY_ATTRIBUTE } : { '#pk': 'pk', '#sk': 'sk', '#et': ENTITY_ATTRIBUTE },
    ExpressionAttributeValues: skPrefix === undefined ? values : { ...values, ':sk': skPrefix },
  };
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await getDocumentClient().send(new QueryCommand(start ? { ...input, ExclusiveStartKey: start } : input));
    for (const item of page.Items ?? []) items.push(item);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

const queryGrants = async (accountId: string, kind: PrincipalKind, principalId: string): Promise<GrantRow[]> =>
  (await queryAll(accountPk(accountId), principalGrantsSkPrefix(kind, principalId), [ENTITY.grant])) as unknown as GrantRow[];

async function readPrincipalName(accountId: string, kind: PrincipalKind, id: string): Promise<{ name: string } | undefined> {
  const item = await getItem(accountPk(accountId), principalSk(kind, id));
  return item ? { name: item.name as string } : undefined;
}

interface PrincipalSide {
  principal: LoadedPolicies['principal'];
  groups: string[];
  grants: GrantRow[];
}

async function loadPrincipal(accountId: string, userId: string | undefined, agencyId: string | undefined): Promise<PrincipalSide> {
  if (userId !== undefined) {
    const [user, memberships, own] = await Promise.all([
      readPrincipalName(accountId, 'user', userId),
      queryAll(accountPk(accountId), userGroupsSkPrefix(userId), [ENTITY.membership]),
      queryGrants(accountId, 'user', userId),
    ]);
    if (!user) throw principalNotFound('user', accountId, userId);
    const groups = memberships.map((m) => m.group_id as string).sort();
    const groupGrants = await mapLimit(groups, 16, (g) => queryGrants(accountId, 'group', g));
    return { principal: { type: 'user', id: userId, name: user.name }, groups, grants: [...own, ...groupGrants.flat()] };
  }
  if (agencyId !== undefined) {
    const [agency, own] = await Promise.all([readPrincipalName(accountId, 'agency', agencyId), queryGrants(accountId, 'agency', agencyId)]);
    if (!agency) throw principalNotFound('agency', accountId, agencyId);
    return { principal: { type: 'agency', id: agencyId, name: agency.name }, groups: [], grants: own };
  }
  return { principal: { type: 'account', id: accountId }, groups: [], grants: [] };
}

interface OrgSide {
  org_id: string;
  management_account_id: string;
  scp_enabled: boolean;
  /** Root first, the account last. */
  nodes: Array<{ node: NodeRow; scpIds: string[] }>;
}

/**
 * The account's path in its organization, or null when the organization or the account's node is gone.
 * A path broken at a missing parent (only possible when a multi-page read of a large organization
 * straddles a move, or after a crash mid-operation) is read once more, then fails the load.
 */
async function loadOrganization(accountId: string, orgId: string, attempt = 1): Promise<OrgSide | null> {
  let org: OrgRow | undefined;
  const nodes: NodeRow[] = [];
  for (const item of await queryAll(orgPk(orgId), undefined, [ENTITY.org, ENTITY.node])) {
    if (item[ENTITY_ATTRIBUTE] === ENTITY.org) org = item as unknown as OrgRow;
    else nodes.push(item as unknown as NodeRow);
  }
  if (!org) return null;
  const byId = new Map(nodes.map((n) => [n.node_id, n]));
  const leaf = byId.get(accountId);
  if (!leaf || leaf.node_type !== 'account') return null;
  const chain: NodeRow[] = [leaf];
  for (let n = leaf; n.parent_id !== undefined; ) {
    const parent = byId.get(n.parent_id);
    // A broken chain or a cycle: no path rather than a wrong one.
    if (!parent || chain.length > 10) {
      if (attempt < 2) return loadOrganization(accountId, orgId, attempt + 1);
      throw new Error(`organization ${orgId}: the path of account ${accountId} is broken at ${n.parent_id}`);
    }
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

/** The policy items, by `<account>#<policyId>`: BatchGetItem, 100 keys per request, unprocessed keys retried (5 attempts). */
async function batchGetPolicies(keys: Array<{ account_id: string; policy_id: string }>): Promise<Map<string, PolicyRow>> {
  const out = new Map<string, PolicyRow>();
  const table = getTableName();
  const chunks: Array<typeof keys> = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
  await Promise.all(
    chunks.map(async (chunk) => {
      let request: Array<Record<string, unknown>> = chunk.map((k) => ({ pk: accountPk(k.account_id), sk: policySk(k.policy_id) }));
      for (let attempt = 1; request.length > 0; attempt++) {
        if (attempt > 5) throw new Error('BatchGetItem left policies unprocessed after 5 attempts (throttled); the policy set was not loaded.');
        const response = await getDocumentClient().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: request, ConsistentRead: true } } }));
        for (const item of response.Responses?.[table] ?? []) out.set(`${item.account_id}#${item.policy_id}`, item as unknown as PolicyRow);
        request = response.UnprocessedKeys?.[table]?.Keys ?? [];
      }
    }),
  );
  return out;
}
