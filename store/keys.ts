/**
 * The key schema of the single policy table: one place for every pk/sk/gsi1 pattern.
 *
 * Table keys: `pk` (hash), `sk` (range); one global index `gsi1` (`gsi1pk`, `gsi1sk`, all attributes).
 * Ids are restricted to `[A-Za-z0-9_.:-]` (see `ID_PATTERN`), so `#` only ever separates key parts.
 *
 * | entity                  | pk               | sk                                         | gsi1pk                        | gsi1sk                          |
 * |-------------------------|------------------|--------------------------------------------|-------------------------------|---------------------------------|
 * | policy (with versions)  | `ACCT#<account>` | `POLICY#<policyId>`                        | `POLICIES#<account>`          | `<type>#<name, lower-cased>`    |
 * | account (stamp, org)    | `ACCT#<account>` | `#ACCOUNT`                                 | -                             | -                               |
 * | user                    | `ACCT#<account>` | `USER#<userId>`                            | `USERNAME#<account>`          | `<name, lower-cased>`           |
 * | user group              | `ACCT#<account>` | `GROUP#<groupId>`                          | `GROUPNAME#<account>`         | `<name, lower-cased>`           |
 * | agency                  | `ACCT#<account>` | `AGENCY#<agencyId>`                        | `AGENCYNAME#<account>`        | `<name, lower-cased>`           |
 * | group membership        | `ACCT#<account>` | `USERGROUP#<userId>#<groupId>`             | `MEMBERS#<account>#<groupId>` | `<userId>`                      |
 * | grant                   | `ACCT#<account>` | `GRANT#<kind>#<principalId>#<grantHash>`   | `GRANTS#<account>#<policyId>` | `<kind>#<principalId>#<scope>`  |
 * | organization            | `ORG#<orgId>`    | `#ORG`                                     | -                             | -                               |
 * | root, OU, member account| `ORG#<orgId>`    | `NODE#<nodeId or accountId>`               | `CHILDREN#<orgId>#<parentId>` | `NODE#<ouId>` / `ACCOUNT#<acc>` |
 * | batch decision result   | `ACCT#<account>` | `DECISION#<correlationId>`                 | -                             | -                               |
 * | revalidation sweep state| `#SWEEP`         | `#SWEEP`                                   | -                             | -                               |
 *
 * `<kind>` is `user`, `group` or `agency`; `<scope>` is `global`, `all_projects`, `project:<region>` or
 * `ep:<enterpriseProjectId>`; `<grantHash>` is 16 hex digits of SHA-256 over policy id and scope, so a
 * grant id (`<kind>:<principalId>:<grantHash>`) gives the item's key and the same grant twice has the same
 * key (the duplicate is refused by a conditional put). The root has no gsi1 attributes (no parent).
 *
 * Differences from the plan of the previous issue, and why:
 *  - The account's organization is the `org_id` attribute of the `#ACCOUNT` item (with the change counter),
 *    not a separate `#ORG` item: the change stamp is then 2 GetItems (`#ACCOUNT`, then the org's `#ORG`).
 *    Setting it is conditional (`attribute_not_exists(org_id)`), so an account joins one organization.
 *  - SCP attachments are a string set `scps` on the node item, not `SCP#<target>#<policy>` items: attach
 *    and detach are one conditional write each (`size(scps) > 1` refuses the last detach atomically, with
 *    no count that could drift from the items), and the tree with its attachments is one Query of the org
 *    partition. Where a policy is attached is a filtered Query of that partition (`contains(scps, :p)`).
 *  - Roots, OUs and member accounts share the `NODE#` sort-key prefix: a target id (root, OU or account)
 *    addresses one item with one GetItem. OU and account ids cannot collide (puts are conditional).
 *  - No policy-name claim: names are not unique (Huawei refuses duplicates in its console; the API here
 *    addresses policies by id).
 *
 * Prefix queries always end in `#` (`USERGROUP#alice#`), so `alice` never matches `alice2`, and no prefix
 * is a prefix of another entity's (`POLICY#` vs `POLICIES#` live in different attributes).
 *
 * This file, store/errors.ts, store/common.ts and store/client.ts import nothing of dynamodb-toolbox: the
 * read-only loader of the evaluation (store/evaluation-reader.ts) is built on them alone, so that the
 * evaluate, explain and authorizer bundles leave the toolbox out. Keep them that way.
 */
import type { GrantScope } from '../lib/types.js';

/**
 * The attribute in which dynamodb-toolbox stores every item's entity name (`entityAttributeSavedAs` of
 * store/table.ts), and the entity names (store/entities.ts). Queries of the toolbox filter on it; the
 * toolbox-free reader (store/evaluation-reader.ts) filters the same way.
 */
export const ENTITY_ATTRIBUTE = '_et';
export const ENTITY = {
  policy: 'Policy',
  account: 'Account',
  principal: 'Principal',
  membership: 'Membership',
  grant: 'Grant',
  org: 'Org',
  node: 'OrgNode',
  invitation: 'Invitation',
  decision: 'Decision',
  sweep: 'Sweep',
} as const;

/** Account ids, policy ids and other key parts: no `#`, no spaces, at most 64 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export const accountPk = (accountId: string): string => `ACCT#${accountId}`;
export const ACCOUNT_SK = '#ACCOUNT';

/** The prefix of system policy ids: never stored (lib/system-policies.ts), and refused as custom ids. */
export const SYSTEM_POLICY_PREFIX = 'system:';
export const isSystemPolicyId = (policyId: string): boolean => policyId.startsWith(SYSTEM_POLICY_PREFIX);

export const POLICY_SK_PREFIX = 'POLICY#';
export const policySk = (policyId: string): string => `${POLICY_SK_PREFIX}${policyId}`;
export const policiesGsi1pk = (accountId: string): string => `POLICIES#${accountId}`;
export const policiesGsi1sk = (type: string, name: string): string => `${type}#${name.toLowerCase()}`;

/**
 * The account's authorization graph: every sort key that starts with `#` in an account partition (the
 * `#ACCOUNT` item, principals `#P#`, memberships `#M#`, grants `#G#`), and nothing else does, so one Query
 * (`begins_with(sk, '#')`) reads the principal, its groups and their grants together (docs/storage.md).
 */
export const GRAPH_PREFIX = '#';

export type PrincipalKind = 'user' | 'group' | 'agency';
const PRINCIPAL_SK: Record<PrincipalKind, string> = { user: '#P#user#', group: '#P#group#', agency: '#P#agency#' };
const PRINCIPAL_GSI: Record<PrincipalKind, string> = { user: 'USERNAME#', group: 'GROUPNAME#', agency: 'AGENCYNAME#' };
export const principalSkPrefix = (kind: PrincipalKind): string => PRINCIPAL_SK[kind];
export const principalSk = (kind: PrincipalKind, id: string): string => `${PRINCIPAL_SK[kind]}${id}`;
export const principalsGsi1pk = (kind: PrincipalKind, accountId: string): string => `${PRINCIPAL_GSI[kind]}${accountId}`;
export const nameGsi1sk = (name: string): string => name.toLowerCase();

export const MEMBERSHIP_SK_PREFIX = '#M#';
export const userGroupsSkPrefix = (userId: string): string => `${MEMBERSHIP_SK_PREFIX}${userId}#`;
export const membershipSk = (userId: string, groupId: string): string => `${MEMBERSHIP_SK_PREFIX}${userId}#${groupId}`;
export const membersGsi1pk = (accountId: string, groupId: string): string => `MEMBERS#${accountId}#${groupId}`;

export const GRANT_SK_PREFIX = '#G#';
export const principalGrantsSkPrefix = (kind: PrincipalKind, principalId: string): string => `${GRANT_SK_PREFIX}${kind}#${principalId}#`;
export const grantSk = (kind: PrincipalKind, principalId: string, grantHash: string): string => `${principalGrantsSkPrefix(kind, principalId)}${grantHash}`;
export const grantsGsi1pk = (accountId: string, policyId: string): string => `GRANTS#${accountId}#${policyId}`;
export const grantsGsi1sk = (kind: PrincipalKind, principalId: string, scopeKey: string): string => `${kind}#${principalId}#${scopeKey}`;

/** The scope of a stored grant from its `scope_key` (written by `scopeKeyOf` in store/grants.ts). */
export function scopeFromKey(key: string): GrantScope {
  if (key === 'global' || key === 'all_projects') return { type: key };
  if (key.startsWith('project:')) return { type: 'project', project: key.slice('project:'.length) };
  if (key.startsWith('ep:')) return { type: 'enterprise_project', enterprise_project_id: key.slice('ep:'.length) };
  throw new Error(`stored grant has an unknown scope ${key}`);
}

export const orgPk = (orgId: string): string => `ORG#${orgId}`;
export const ORG_SK = '#ORG';
export const NODE_SK_PREFIX = 'NODE#';
export const nodeSk = (nodeId: string): string => `${NODE_SK_PREFIX}${nodeId}`;
export const childrenGsi1pk = (orgId: string, parentId: string): string => `CHILDREN#${orgId}#${parentId}`;
export const childGsi1sk = (nodeType: 'root' | 'ou' | 'account', nodeId: string): string => `${nodeType === 'account' ? 'ACCOUNT' : 'NODE'}#${nodeId}`;

/** An invitation of an account to an organization, kept under the invited account until it accepts. */
export const INVITATION_SK_PREFIX = 'INVITE#';
export const invitationSk = (orgId: string): string => `${INVITATION_SK_PREFIX}${orgId}`;

/** A batch (SQS) evaluation result, under the account it belongs to; `expires_at` is its TTL attribute. */
export const DECISION_SK_PREFIX = 'DECISION#';
export const decisionSk = (correlationId: string): string => `${DECISION_SK_PREFIX}${correlationId}`;

/** The state of the catalog revalidation sweep: one item, outside every account partition. */
export const SWEEP_PK = '#SWEEP';
export const SWEEP_SK = '#SWEEP';
