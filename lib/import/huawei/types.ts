/** The import plan's types (lib/import/huawei/plan.ts builds it, shapes.ts makes its fragments). */
import type { Finding, GrantScope, PolicyType } from '../../types.js';

/** One saved API response: its path (relative, `/`-separated) and its JSON text or value. */
export interface ImportFile {
  name: string;
  content: unknown;
}

export type ImportPolicyKind = 'identity-5.0' | 'custom-role-1.1' | 'scp';

export interface ImportVersion {
  /** Huawei's version id (`v1`...; `v1` for a 1.1 role and an SCP, which have one document). */
  version_id: string;
  /** The document as JSON text, as Huawei returned it (a string in GetPolicyVersionV5 and ShowPolicy). */
  document: string;
  is_default: boolean;
  file: string;
}

export interface ImportPolicy {
  policy_id: string;
  name: string;
  description?: string;
  kind: ImportPolicyKind;
  type: PolicyType;
  /** 1.1 custom roles: `AX` (global services) or `XA` (project-level services), as the v3 API returns it. */
  role_type?: string;
  versions: ImportVersion[];
  file: string;
}

export type PrincipalKind = 'user' | 'group' | 'agency';

export interface ImportPrincipal {
  kind: PrincipalKind;
  id: string;
  name: string;
  description?: string;
  file: string;
}

export interface ImportMembership {
  group_id: string;
  user_id: string;
  file: string;
}

export interface ImportGrant {
  policy_id: string;
  principal: { type: PrincipalKind; id: string };
  scope: GrantScope;
  file: string;
}

export interface ImportOrgNode {
  kind: 'root' | 'ou' | 'account';
  id: string;
  name?: string;
  /** Absent for the root. */
  parent_id?: string;
  file: string;
}

export interface ImportScpAttachment {
  policy_id: string;
  /** Huawei's id of the root, OU or account. */
  target_id: string;
  file: string;
}

export interface ImportPlan {
  policies: ImportPolicy[];
  principals: ImportPrincipal[];
  memberships: ImportMembership[];
  grants: ImportGrant[];
  /** Huawei's management account id, when ShowOrganization was given. */
  management_account_id?: string;
  nodes: ImportOrgNode[];
  scp_attachments: ImportScpAttachment[];
}

/** A finding of the import: a validator finding of a document, or a problem of a file's shape or references. */
export interface ImportFinding extends Finding {
  file: string;
  policy_id?: string;
  version_id?: string;
}

export interface FileSummary {
  file: string;
  /** The API whose response it is (`ListPoliciesV5`, ...), or absent when not recognised. */
  api?: string;
  items: number;
  findings: ImportFinding[];
}

export interface PlanResult {
  plan: ImportPlan;
  files: FileSummary[];
  /** True when some finding is an error: the run must write nothing. */
  refused: boolean;
  /** Statements' actions of other services, kept as they are (the engine ignores them for IMS). */
  foreign_actions: string[];
  /** `ims:` actions the catalog does not know (error findings: the run is refused). */
  unknown_ims_actions: string[];
}
