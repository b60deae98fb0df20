/**
 * The port between the decision path and the stored data: what a principal's effective policy set is made of
 * (its grants, its groups' grants, the SCPs along its account's organization path) and the change stamp that
 * says whether a cached set is still current. The DynamoDB adapter is store/evaluation-reader.ts; the
 * in-memory one (lib/decision/memory-source.ts) serves tests and the analysis features. Plain data only.
 */
import type { GrantScope } from '../types.js';

/** The kind of principal a grant names. */
export type PrincipalKind = 'user' | 'group' | 'agency';

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
  /** The change stamp read no later than the data (cache key). */
  stamp: string;
  /** The organization whose counter is part of the stamp (what `currentStamp` needs to check it in one request). */
  stamp_org_id?: string;
  principal: { type: 'user' | 'agency' | 'account'; id: string; name?: string };
  /** The user's group ids (empty for agencies and the account). */
  groups: string[];
  /** The principal's grants, then its groups' grants (by group id). */
  grants: LoadedGrant[];
  /** `null` when the account is in no organization. */
  organization: LoadedOrganization | null;
}

/** The policy-set port of the evaluation (the DynamoDB adapter is this module; tests may bring their own). */
export interface PolicySetSource {
  /** The principal's policy set and the stamp it was read under. */
  loadEffectiveSet(accountId: string, principal: PrincipalSelector): Promise<LoadedPolicies>;
  /** The account's stamp now, in one request when the organization of the last load is given. */
  currentStamp(accountId: string, orgId: string | undefined): Promise<string>;
}

/** A user, group or agency of a loaded account. */
export interface LoadedPrincipal {
  id: string;
  name?: string;
}

/**
 * Everything an account's decisions are made of, read together: its users (with their groups), groups and
 * agencies, every grant (each with its policy's default version), and the organization path with its SCPs.
 * What the analysis of stored data (lib/access) works on: each principal's effective set is derived from it
 * exactly as `loadEffectiveSet` reads it (lib/access/sets.ts; test/access-sets.test.ts checks the two agree).
 */
export interface LoadedAccount {
  account_id: string;
  /** The change stamp read no later than the data. */
  stamp: string;
  users: Array<LoadedPrincipal & { groups: string[] }>;
  groups: LoadedPrincipal[];
  agencies: LoadedPrincipal[];
  /** Every grant of the account's users, groups and agencies. */
  grants: LoadedGrant[];
  /** `null` when the account is in no organization. */
  organization: LoadedOrganization | null;
}

/** The account-wide port of the analysis of stored data (the DynamoDB adapter: store/account-reader.ts). */
export interface AccountSource {
  /** The account's principals, grants and organization path, and the stamp they were read under. */
  loadAccount(accountId: string): Promise<LoadedAccount>;
}
