/**
 * The key schema of the single policy table: one place for every pk/sk/gsi1 pattern.
 *
 * Table keys: `pk` (hash), `sk` (range); one global index `gsi1` (`gsi1pk`, `gsi1sk`, all attributes).
 * Ids are restricted to `[A-Za-z0-9_.:-]` (see `ID_PATTERN`), so `#` only ever separates key parts.
 *
 * The layout (which item lives under which keys, and why the authorization graph sorts first) is
 * docs/storage.md, "Key design"; the access patterns it serves, with their round trips, are run by
 * test/storage-doc.test.ts. In short: an account's items live in `ACCT#<account>` (the `#ACCOUNT` item,
 * principals `#P#`, memberships `#M#`, grants `#G#`, then `POLICY#`, `INVITE#`, `DECISION#`); an
 * organization's in `ORG#<orgId>` (`#ORG`, `NODE#<nodeId>` for the root, OUs and member accounts, each
 * with its SCPs as the string set `scps`); the revalidation sweep's state is `#SWEEP`/`#SWEEP`.
 * `<grantHash>` is 16 hex digits of SHA-256 over policy id and scope, so a grant id
 * (`<kind>:<principalId>:<grantHash>`) gives the item's key and the same grant twice has the same key.
 * Roots, OUs and member accounts share the `NODE#` prefix, so a target id addresses one item by key (OU
 * and account ids cannot collide: puts are conditional). The root has no gsi1 attributes (no parent).
 *
 * Prefix queries always end in `#` (`#M#alice#`), so `alice` never matches `alice2`, and no prefix
 * is a prefix of another entity's (`POLICY#` vs `POLICIES#` live in different attributes).
 *
 * This file, store/errors.ts, store/common.ts and store/dynamo-http.ts import nothing of dynamodb-toolbox
 * or the AWS SDK: the read-only loader of the evaluation (store/evaluation-reader.ts) is built on them
 * alone, so that the evaluate, explain and authorizer bundles leave both out
 * (test/store-evaluation-reader.test.ts checks it). Keep them that way.
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
  usage: 'Usage',
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

/**
 * When a by-reference decision last allowed an action to a principal (unused access, docs/unused-access.md):
 * `USAGE#<type>#<principalId>#<action>` under the account, `type` one of user, agency, account; one item per
 * principal and action, its hour overwritten at most once an hour, `expires_at` its TTL. Action names hold
 * `:` but never `#`. Not under the graph prefix: the decision path's Query never reads them.
 */
export const USAGE_SK_PREFIX = 'USAGE#';
export type UsagePrincipalKind = 'user' | 'agency' | 'account';
export const principalUsageSkPrefix = (type: UsagePrincipalKind, principalId: string): string => `${USAGE_SK_PREFIX}${type}#${principalId}#`;
export const usageSk = (type: UsagePrincipalKind, principalId: string, action: string): string => `${principalUsageSkPrefix(type, principalId)}${action}`;

/** The state of the catalog revalidation sweep: one item, outside every account partition. */
export const SWEEP_PK = '#SWEEP';
export const SWEEP_SK = '#SWEEP';
