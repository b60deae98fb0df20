/**
 * dynamodb-toolbox entities of the policy table (keys: store/keys.ts). Only the store's own modules import
 * this file: callers get plain types from the store functions.
 *
 * Policy item (one item holds the policy and all its versions, at most 5):
 *   versions: { v1: { document, created_at, findings }, ... }   documents as JSON text, exactly as submitted;
 *                                                               findings: the validator's warnings, JSON text
 *   default_version: 'v1' ...                                   the version the engine evaluates
 *   next_version: 2 ...                                         version ids are never reused (v1, v2, ...)
 *   revision: 1 ...                                             +1 on every write; the ETag
 * Keeping the versions in the policy item makes every policy change one item's conditional write (in one
 * transaction with the change counter it bumps): 5 versions of at most 32 KiB of text stay far below the 400 KB item
 * limit.
 *
 * Every entity is written with `timestamps: false`: the store writes ISO 8601 times itself, so what a
 * function returns and what is stored carry the same times.
 */
import { Entity } from 'dynamodb-toolbox/entity';
import { boolean } from 'dynamodb-toolbox/schema/boolean';
import { item } from 'dynamodb-toolbox/schema/item';
import { list } from 'dynamodb-toolbox/schema/list';
import { map } from 'dynamodb-toolbox/schema/map';
import { number } from 'dynamodb-toolbox/schema/number';
import { record } from 'dynamodb-toolbox/schema/record';
import { set } from 'dynamodb-toolbox/schema/set';
import { string } from 'dynamodb-toolbox/schema/string';
import {
  ACCOUNT_SK,
  accountPk,
  childGsi1sk,
  childrenGsi1pk,
  grantsGsi1pk,
  grantsGsi1sk,
  grantSk,
  invitationSk,
  membersGsi1pk,
  membershipSk,
  nameGsi1sk,
  nodeSk,
  decisionSk,
  ENTITY,
  ORG_SK,
  orgPk,
  policiesGsi1pk,
  policiesGsi1sk,
  policySk,
  principalSk,
  principalsGsi1pk,
  SWEEP_PK,
  SWEEP_SK,
} from './keys.js';
import { PolicyTable } from './table.js';

const policySchema = item({
  account_id: string().key(),
  policy_id: string().key(),
  name: string(),
  type: string().enum('identity', 'scp'),
  /** The document syntax: `5.0` (IAM 5.0 identity policy or SCP) or `1.1` (IAM fine-grained policy). */
  syntax: string().enum('5.0', '1.1'),
  description: string().optional(),
  default_version: string(),
  next_version: number(),
  // `findings` is optional: items written before versions kept their findings have none.
  versions: record(string(), map({ document: string(), created_at: string(), findings: string().optional() })),
  revision: number(),
  /**
   * How many grants (identity policies) or SCP attachments (SCPs) refer to the policy: moved by the same
   * transaction as the reference, so a delete conditioned on 0 never leaves a reference behind.
   */
  ref_count: number().optional(),
  created_at: string(),
  updated_at: string(),
  /**
   * The latest revalidation of every version against the catalog (store/revalidation.ts), written by the
   * stream and sweep functions without touching `revision`/`updated_at` or the change counters.
   * `findings`: JSON text `{ "<versionId>": Finding[] }`; `revision`: the policy revision that was checked.
   */
  revalidation: map({
    catalog_version: string(),
    checked_at: string(),
    revision: number(),
    has_errors: boolean(),
    newly_failing: boolean(),
    /** The versions with error findings (absent when none: DynamoDB has no empty sets). */
    error_versions: set(string()).optional(),
    findings: string(),
  }).optional(),
});

export const PolicyEntity = new Entity({
  name: ENTITY.policy,
  table: PolicyTable,
  schema: policySchema.and((prev) => ({
    gsi1pk: string()
      .hidden()
      .link<typeof prev>(({ account_id }) => policiesGsi1pk(account_id)),
    gsi1sk: string()
      .hidden()
      .link<typeof prev>(({ type, name }) => policiesGsi1sk(type, name)),
  })),
  computeKey: ({ account_id, policy_id }) => ({ pk: accountPk(account_id), sk: policySk(policy_id) }),
  timestamps: false,
});

/** The account's `#ACCOUNT` item: the change counter and the organization the account belongs to. */
export const AccountEntity = new Entity({
  name: ENTITY.account,
  table: PolicyTable,
  schema: item({
    account_id: string().key(),
    /** Bumped (ADD 1) after every write that can change a decision of the account. */
    counter: number().optional(),
    /** The organization the account is a member of (set conditionally: one organization at most). */
    org_id: string().optional(),
    /** The organization the account manages (so SCP changes of the account bump that org's counter). */
    manages_org: string().optional(),
    /** The management account of `org_id` (whose SCPs apply): the reader's first Query gives it. */
    org_mgmt: string().optional(),
    /**
     * The account's path in `org_id`: the root, the OUs, the account itself (node ids, outermost first),
     * written by the same transaction as the account's node; the reader gets the nodes by key from it.
     */
    org_path: list(string()).optional(),
  }),
  computeKey: ({ account_id }) => ({ pk: accountPk(account_id), sk: ACCOUNT_SK }),
  timestamps: false,
});

const principalSchema = item({
  account_id: string().key(),
  kind: string().enum('user', 'group', 'agency').key(),
  principal_id: string().key(),
  name: string(),
  description: string().optional(),
  revision: number(),
  /** Memberships (users: their groups; groups: their members) and grants that refer to the principal. */
  ref_count: number().optional(),
  /**
   * Set by the first of the transactions that delete a principal with more references than one transaction
   * takes (store/principals.ts): from then on a user or an agency is no principal to decide for (the
   * readers treat it as deleted), so a deletion that stops half-way never leaves it with part of its
   * references (a group's Deny gone, its own Allow still there).
   */
  deleting: boolean().optional(),
  created_at: string(),
  updated_at: string(),
});

/** Users, user groups and agencies: the same shape, told apart by `kind` (part of the key). */
export const PrincipalEntity = new Entity({
  name: ENTITY.principal,
  table: PolicyTable,
  schema: principalSchema.and((prev) => ({
    gsi1pk: string()
      .hidden()
      .link<typeof prev>(({ kind, account_id }) => principalsGsi1pk(kind, account_id)),
    gsi1sk: string()
      .hidden()
      .link<typeof prev>(({ name }) => nameGsi1sk(name)),
  })),
  computeKey: ({ account_id, kind, principal_id }) => ({ pk: accountPk(account_id), sk: principalSk(kind, principal_id) }),
  timestamps: false,
});

const membershipSchema = item({
  account_id: string().key(),
  user_id: string().key(),
  group_id: string().key(),
  created_at: string(),
});

export const MembershipEntity = new Entity({
  name: ENTITY.membership,
  table: PolicyTable,
  schema: membershipSchema.and((prev) => ({
    gsi1pk: string()
      .hidden()
      .link<typeof prev>(({ account_id, group_id }) => membersGsi1pk(account_id, group_id)),
    gsi1sk: string()
      .hidden()
      .link<typeof prev>(({ user_id }) => user_id),
  })),
  computeKey: ({ account_id, user_id, group_id }) => ({ pk: accountPk(account_id), sk: membershipSk(user_id, group_id) }),
  timestamps: false,
});

const grantSchema = item({
  account_id: string().key(),
  principal_type: string().enum('user', 'group', 'agency').key(),
  principal_id: string().key(),
  grant_hash: string().key(),
  grant_id: string(),
  policy_id: string(),
  /** `global`, `all_projects`, `project:<region>`, `ep:<enterpriseProjectId>`. */
  scope_key: string(),
  created_at: string(),
});

export const GrantEntity = new Entity({
  name: ENTITY.grant,
  table: PolicyTable,
  schema: grantSchema.and((prev) => ({
    gsi1pk: string()
      .hidden()
      .link<typeof prev>(({ account_id, policy_id }) => grantsGsi1pk(account_id, policy_id)),
    gsi1sk: string()
      .hidden()
      .link<typeof prev>(({ principal_type, principal_id, scope_key }) => grantsGsi1sk(principal_type, principal_id, scope_key)),
  })),
  computeKey: ({ account_id, principal_type, principal_id, grant_hash }) => ({ pk: accountPk(account_id), sk: grantSk(principal_type, principal_id, grant_hash) }),
  timestamps: false,
});

export const OrgEntity = new Entity({
  name: ENTITY.org,
  table: PolicyTable,
  schema: item({
    org_id: string().key(),
    root_id: string(),
    management_account_id: string(),
    scp_enabled: boolean(),
    /** Bumped (ADD 1) after every change of the tree, its attachments and the SCPs they name. */
    counter: number(),
    revision: number(),
    created_at: string(),
    updated_at: string(),
  }),
  computeKey: ({ org_id }) => ({ pk: orgPk(org_id), sk: ORG_SK }),
  timestamps: false,
});

const nodeSchema = item({
  org_id: string().key(),
  node_id: string().key(),
  node_type: string().enum('root', 'ou', 'account'),
  name: string().optional(),
  /** Absent on the root. */
  parent_id: string().optional(),
  /** Root 0, OUs 1-5, an account one more than its parent. */
  depth: number(),
  /** Roots and OUs: OUs and accounts directly below (a delete is conditioned on 0). */
  child_count: number(),
  /** The node's ancestors, the root first (`[]` for the root). OUs never move; an account's changes when it moves. */
  path: list(string()).optional(),
  /** The SCPs attached to the node (absent when none: DynamoDB has no empty sets). */
  scps: set(string()).optional(),
  revision: number(),
  created_at: string(),
  updated_at: string(),
});

export const OrgNodeEntity = new Entity({
  name: ENTITY.node,
  table: PolicyTable,
  schema: nodeSchema.and((prev) => ({
    gsi1pk: string()
      .optional()
      .hidden()
      .link<typeof prev>(({ org_id, parent_id }) => (parent_id === undefined ? undefined : childrenGsi1pk(org_id, parent_id))),
    gsi1sk: string()
      .optional()
      .hidden()
      .link<typeof prev>(({ node_type, node_id, parent_id }) => (parent_id === undefined ? undefined : childGsi1sk(node_type, node_id))),
  })),
  computeKey: ({ org_id, node_id }) => ({ pk: orgPk(org_id), sk: nodeSk(node_id) }),
  timestamps: false,
});

/** An organization's invitation, under the invited account (`ACCT#<account>` / `INVITE#<orgId>`). */
export const InvitationEntity = new Entity({
  name: ENTITY.invitation,
  table: PolicyTable,
  schema: item({
    account_id: string().key(),
    org_id: string().key(),
    parent_id: string(),
    invited_by: string(),
    created_at: string(),
  }),
  computeKey: ({ account_id, org_id }) => ({ pk: accountPk(account_id), sk: invitationSk(org_id) }),
  timestamps: false,
});

/**
 * A batch evaluation result (store/decisions.ts): the EvaluateResponse or the error, as JSON text, under
 * the account it belongs to. Written once (conditional put): a redelivered message stores nothing new.
 */
export const DecisionEntity = new Entity({
  name: ENTITY.decision,
  table: PolicyTable,
  schema: item({
    account_id: string().key(),
    correlation_id: string().key(),
    status: string().enum('completed', 'error'),
    decision_id: string().optional(),
    /** `EvaluateResponse` as JSON text (status `completed`). */
    result: string().optional(),
    /** `{code, message, details}` as JSON text (status `error`). */
    error: string().optional(),
    message_id: string(),
    created_at: string(),
    /** TTL attribute (epoch seconds): DynamoDB deletes the item some time after it; reads ignore it from then on. */
    expires_at: number(),
  }),
  computeKey: ({ account_id, correlation_id }) => ({ pk: accountPk(account_id), sk: decisionSk(correlation_id) }),
  timestamps: false,
});

/** The revalidation sweep's state (functions/revalidate-sweep.ts): one item. */
export const SweepEntity = new Entity({
  name: ENTITY.sweep,
  table: PolicyTable,
  schema: item({
    sweep_id: string().key().const('catalog'),
    /** The catalog version every stored policy was last revalidated against (set when a sweep completes). */
    catalog_version: string().optional(),
    /** The catalog version of the sweep under way, and where it stopped (JSON text of the Scan key). */
    in_progress: string().optional(),
    cursor: string().optional(),
    /** Policies revalidated by the sweep under way (or the last one). */
    checked: number().optional(),
    started_at: string().optional(),
    updated_at: string().optional(),
    completed_at: string().optional(),
  }),
  computeKey: () => ({ pk: SWEEP_PK, sk: SWEEP_SK }),
  timestamps: false,
});
