/**
 * Grants: an identity policy (custom, or a system identity policy) attached to a user, a group or an
 * agency of the same account, with a scope (Huawei IAM authorization scopes): `global`, `all_projects`,
 * one region project, or one enterprise project.
 *
 * Grant ids are deterministic: `<kind>:<principalId>:<16 hex digits of SHA-256(policyId, scope)>`, e.g.
 * `group:viewers:3f0c9a41d2b7e615`. The id gives the item's key (one GetItem), and granting the same policy
 * to the same principal with the same scope twice hits the same key: the second create is refused
 * (`ALREADY_EXISTS`) by the conditional put, without any read. The same policy in two scopes is two grants.
 */
import { createHash } from 'node:crypto';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { DeleteTransaction } from 'dynamodb-toolbox/entity/actions/transactDelete';
import { PutTransaction } from 'dynamodb-toolbox/entity/actions/transactPut';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { systemPolicy } from '../lib/system-policies.js';
import type { GrantScope } from '../lib/types.js';
import { checkId, checkLimit, decodeCursor, encodeCursor, type CursorExpectation, nowIso, type Page, type PageOptions } from './common.js';
import { accountBump } from './counters.js';
import { GrantEntity } from './entities.js';
import { alreadyExists, conflict, invalidInput, notFound, principalNotFound, type StoreError } from './errors.js';
import { policyRef, principalRef } from './grant-items.js';
import { accountPk, GRANT_SK_PREFIX, grantsGsi1pk, ID_PATTERN, isSystemPolicyId, principalGrantsSkPrefix, type PrincipalKind, scopeFromKey } from './keys.js';
import { readPolicyItem } from './policy-items.js';
import { GSI1, PolicyTable } from './table.js';
import { transact, TransactionRefused } from './transact.js';

export type { GrantScope } from '../lib/types.js';

export interface GrantPrincipal {
  type: PrincipalKind;
  id: string;
}

export interface Grant {
  grant_id: string;
  account_id: string;
  policy_id: string;
  principal: GrantPrincipal;
  scope: GrantScope;
  created_at: string;
}

export interface CreateGrantInput {
  policy_id: string;
  principal: GrantPrincipal;
  scope: GrantScope;
}

export interface GrantFilter {
  principal?: GrantPrincipal;
  policy_id?: string;
}

/**
 * Grants `policy_id` to the principal in `scope`. The policy must be an identity policy of the account or a
 * system identity policy (an SCP is `INVALID_INPUT`), the principal must exist (`NOT_FOUND` otherwise).
 */
export async function createGrant(accountId: string, input: CreateGrantInput): Promise<Grant> {
  checkId(accountId, 'account_id');
  if (input === null || typeof input !== 'object') throw invalidInput('A grant needs policy_id, principal and scope.');
  const policyId = checkId(input.policy_id, 'policy_id');
  const principal = checkPrincipal(input.principal);
  const scopeKey = scopeKeyOf(input.scope);
  const scope = scopeFromKey(scopeKey);

  if (isSystemPolicyId(policyId)) await requirePolicy(accountId, policyId); // known without a read

  const grantHash = hashOf(policyId, scopeKey);
  const item = {
    account_id: accountId,
    principal_type: principal.type,
    principal_id: principal.id,
    grant_hash: grantHash,
    grant_id: `${principal.type}:${principal.id}:${grantHash}`,
    policy_id: policyId,
    scope_key: scopeKey,
    created_at: nowIso(),
  };
  // One transaction: the grant (refused if it exists), the policy's and the principal's reference counts
  // (each conditioned on the item existing, the policy on being an identity policy), the account's counter.
  const custom = !isSystemPolicyId(policyId);
  try {
    await transact([
      GrantEntity.build(PutTransaction)
        .item(item)
        .options({ condition: { attr: 'grant_id', exists: false } }),
      principalRef(accountId, principal.type, principal.id, 1),
      custom && policyRef(accountId, policyId, 1, { type: 'identity' }),
      accountBump(accountId),
    ]);
  } catch (err) {
    if (!(err instanceof TransactionRefused)) throw err;
    if (err.at(0)) throw alreadyExists(`Policy ${policyId} is already granted to ${principal.type} ${principal.id} in scope ${scopeKey} (grant ${item.grant_id}).`);
    if (err.at(1)) throw principalNotFound(principal.type, accountId, principal.id);
    await requirePolicy(accountId, policyId); // says why: no such policy, or an SCP
    throw conflict('The policy changed concurrently; try again.');
  }
  return { grant_id: item.grant_id, account_id: accountId, policy_id: policyId, principal, scope, created_at: item.created_at };
}

export async function getGrant(accountId: string, grantId: string): Promise<Grant> {
  checkId(accountId, 'account_id');
  const key = parseGrantId(grantId, accountId);
  const { Item } = await GrantEntity.build(GetItemCommand).key(key).options({ consistent: true }).send();
  if (!Item) throw grantNotFound(accountId, grantId);
  return toGrant(Item);
}

export async function deleteGrant(accountId: string, grantId: string): Promise<void> {
  checkId(accountId, 'account_id');
  const key = parseGrantId(grantId, accountId);
  const { Item } = await GrantEntity.build(GetItemCommand).key(key).options({ consistent: true }).send();
  if (!Item) throw grantNotFound(accountId, grantId);
  try {
    await transact([
      GrantEntity.build(DeleteTransaction)
        .key(key)
        .options({ condition: { attr: 'grant_id', exists: true } }),
      principalRef(accountId, key.principal_type, key.principal_id, -1),
      !isSystemPolicyId(Item.policy_id) && policyRef(accountId, Item.policy_id, -1),
      accountBump(accountId),
    ]);
  } catch (err) {
    if (err instanceof TransactionRefused && err.at(0)) throw grantNotFound(accountId, grantId);
    throw err;
  }
}

/**
 * Grants of the account, a page at a time: of one principal (base table, by grant id), of one policy
 * (`gsi1`, by principal and scope), of both (`gsi1`), or all (base table, by principal).
 */
export async function listGrants(accountId: string, filter: GrantFilter = {}, page: PageOptions = {}): Promise<Page<Grant>> {
  checkId(accountId, 'account_id');
  const limit = checkLimit(page.limit);
  const principal = filter.principal === undefined ? undefined : checkPrincipal(filter.principal);
  const policyId = filter.policy_id === undefined ? undefined : checkId(filter.policy_id, 'policy_id');
  const pk = accountPk(accountId);
  const listing = `grants:${accountId}:${principal ? `${principal.type}:${principal.id}` : '*'}:${policyId ?? '*'}`;

  const byPolicy = policyId !== undefined;
  const partition = byPolicy ? grantsGsi1pk(accountId, policyId) : '';
  const prefix = principal ? principalGrantsSkPrefix(principal.type, principal.id) : GRANT_SK_PREFIX;
  const expect: CursorExpectation = byPolicy ? { pk, gsi1pk: partition } : { pk, skPrefix: prefix };
  const position = page.cursor === undefined ? undefined : decodeCursor(page.cursor, listing, expect);
  const options = position && 'key' in position ? { limit, exclusiveStartKey: position.key } : { limit };
  const { Items = [], LastEvaluatedKey } = byPolicy
    ? await PolicyTable.build(QueryCommand)
        .entities(GrantEntity)
        .query(principal ? { index: GSI1, partition, range: { beginsWith: `${principal.type}#${principal.id}#` } } : { index: GSI1, partition })
        .options(options)
        .send()
    : await PolicyTable.build(QueryCommand)
        .entities(GrantEntity)
        .query({ partition: pk, range: { beginsWith: prefix } })
        .options(options)
        .send();
  return { items: Items.map(toGrant), next_cursor: LastEvaluatedKey ? encodeCursor(listing, { key: LastEvaluatedKey }) : null };
}

// ---------------------------------------------------------------------------------------------------------
// Item shape and scope keys (not in the barrel). The evaluation reads grants itself, without the toolbox:
// store/evaluation-reader.ts.

export interface GrantItem {
  account_id: string;
  principal_type: PrincipalKind;
  principal_id: string;
  grant_hash: string;
  grant_id: string;
  policy_id: string;
  scope_key: string;
  created_at: string;
}

export function toGrant(i: GrantItem): Grant {
  return {
    grant_id: i.grant_id,
    account_id: i.account_id,
    policy_id: i.policy_id,
    principal: { type: i.principal_type, id: i.principal_id },
    scope: scopeFromKey(i.scope_key),
    created_at: i.created_at,
  };
}

/** `global`, `all_projects`, `project:<region>`, `ep:<enterpriseProjectId>`. */
export function scopeKeyOf(scope: unknown): string {
  const bad = (): StoreError =>
    invalidInput('scope must be {type: "global"}, {type: "all_projects"}, {type: "project", project: "<region>"} or {type: "enterprise_project", enterprise_project_id: "<id>"}.');
  if (scope === null || typeof scope !== 'object' || Array.isArray(scope)) throw bad();
  const s = scope as Record<string, unknown>;
  const keys = Object.keys(s).sort().join(',');
  switch (s.type) {
    case 'global':
    case 'all_projects':
      if (keys !== 'type') throw bad();
      return s.type;
    case 'project':
      if (keys !== 'project,type' || typeof s.project !== 'string' || !ID_PATTERN.test(s.project)) throw bad();
      return `project:${s.project}`;
    case 'enterprise_project':
      if (keys !== 'enterprise_project_id,type' || typeof s.enterprise_project_id !== 'string' || !ID_PATTERN.test(s.enterprise_project_id)) throw bad();
      return `ep:${s.enterprise_project_id}`;
    default:
      throw bad();
  }
}

// ---------------------------------------------------------------------------------------------------------

const hashOf = (policyId: string, scopeKey: string): string => createHash('sha256').update(`${policyId}\n${scopeKey}`).digest('hex').slice(0, 16);

async function requirePolicy(accountId: string, policyId: string): Promise<void> {
  if (isSystemPolicyId(policyId)) {
    const sp = systemPolicy(policyId);
    if (!sp) throw notFound(`No policy ${policyId}.`);
    if (sp.type !== 'identity') throw invalidInput(`${policyId} is an SCP: SCPs are attached to organization nodes, not granted to principals.`);
    return;
  }
  const policy = await readPolicyItem(accountId, policyId);
  if (!policy) throw notFound(`Account ${accountId} has no policy ${policyId}.`);
  if (policy.type !== 'identity') throw invalidInput(`${policyId} is an SCP: SCPs are attached to organization nodes, not granted to principals.`);
}

function checkPrincipal(principal: unknown): GrantPrincipal {
  if (principal === null || typeof principal !== 'object') throw invalidInput('principal must be {type: "user" | "group" | "agency", id}.');
  const p = principal as { type?: unknown; id?: unknown };
  if (p.type !== 'user' && p.type !== 'group' && p.type !== 'agency') throw invalidInput('principal.type must be "user", "group" or "agency".');
  return { type: p.type, id: checkId(p.id, 'principal.id') };
}

function parseGrantId(grantId: unknown, accountId: string): { account_id: string; principal_type: PrincipalKind; principal_id: string; grant_hash: string } {
  const m = typeof grantId === 'string' ? /^(user|group|agency):(.+):([0-9a-f]{16})$/.exec(grantId) : null;
  if (!m || !ID_PATTERN.test(m[2] as string)) throw grantNotFound(accountId, String(grantId));
  return { account_id: accountId, principal_type: m[1] as PrincipalKind, principal_id: m[2] as string, grant_hash: m[3] as string };
}

const grantNotFound = (accountId: string, grantId: string): StoreError => notFound(`Account ${accountId} has no grant ${grantId}.`);
