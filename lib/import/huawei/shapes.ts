/**
 * The response shapes of Huawei's APIs that the import reads, one recogniser each: a response is recognised
 * by the keys of its body and of its first item (Huawei's bodies carry no type tag), and turned into plan
 * fragments. Where each shape was looked up (Huawei's API reference pages): docs/imports.md and
 * test/fixtures/huawei/README.md; each has a fixture under test/fixtures/huawei/ built from the documented example.
 *
 * The document-as-string quirks: GetPolicyVersionV5 / ListPolicyVersionsV5 return `document` as JSON text,
 * ShowPolicy (Organizations) `content` as JSON text, the v3 custom-policy APIs `policy` as an object. Either
 * form is accepted everywhere; the plan keeps text.
 */
import type { GrantScope, PolicyType } from '../../types.js';
import type { ImportMembership, ImportOrgNode, ImportPolicyKind, ImportPrincipal, ImportVersion, PrincipalKind } from './types.js';

/** What an owner named by the path is (plan.ts `ownerFromPath`). */
export type Owner = 'policy' | 'scp' | 'user' | 'group' | 'agency' | 'principal' | 'container';

interface PolicyFragmentData {
  policy_id: string;
  name: string;
  description?: string;
  kind: ImportPolicyKind;
  type: PolicyType;
  role_type?: string;
  versions: Array<Omit<ImportVersion, 'file'>>;
}

export type Fragment =
  | { kind: 'policy'; policy: PolicyFragmentData }
  | { kind: 'version'; policy_id: string; version: Omit<ImportVersion, 'file'> }
  | { kind: 'principal'; principal: Omit<ImportPrincipal, 'file'> }
  | ({ kind: 'membership' } & Omit<ImportMembership, 'file'>)
  | { kind: 'grant'; grant: { policy_id: string; principal: { type: PrincipalKind; id: string }; scope: GrantScope } }
  | { kind: 'node'; node: Omit<ImportOrgNode, 'file'> }
  | { kind: 'management'; account_id: string }
  | { kind: 'attachment'; policy_id: string; target_id: string };

export interface Recognised {
  /** Huawei's API name (as in its API reference). */
  api: string;
  /** The ids this response defines, by kind (owners that other responses' paths may name). */
  defines?: Partial<Record<Owner, string[]>>;
  /** The owner the response needs from its path, when its body does not name it. */
  owner?: Owner;
  /** Huawei's built-in SCP ids it lists (`p-FullAccess`): attachments of them are the store's `system:FullAccess`. */
  builtins?: string[];
  /** `ownerKind`: for an owner of kind `principal`, which kind of principal the path named. */
  fragments(owner: string, ownerKind: PrincipalKind): Fragment[];
}

type Body = Record<string, unknown>;
type Recogniser = (body: Body) => Recognised | undefined;

const isObj = (v: unknown): v is Body => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const objects = (v: unknown): Body[] => (Array.isArray(v) ? v.filter(isObj) : []);
/** The items of a list whose (first) items have all of `keys`. */
function listOf(body: Body, field: string, keys: string[]): Body[] | undefined {
  const v = body[field];
  if (!Array.isArray(v)) return undefined;
  const items = objects(v);
  if (items.length !== v.length) return undefined;
  if (items.length > 0 && !keys.every((k) => k in (items[0] as Body))) return undefined;
  return items;
}
/** A document given as an object or as JSON text, as text. */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : isObj(v) ? JSON.stringify(v) : undefined);
const ids = (items: Body[], key: string): string[] => items.map((i) => str(i[key])).filter((x): x is string => x !== undefined);
const desc = (v: unknown): { description?: string } => (typeof v === 'string' && v !== '' ? { description: v } : {});

// --- IAM v5 (identity policies) -------------------------------------------------------------------------

/** ListPoliciesV5 (GET /v5/policies): `policies[]` with policy_id, policy_name, policy_type, default_version_id. */
const listPoliciesV5: Recogniser = (b) => {
  const items = listOf(b, 'policies', ['policy_id', 'policy_name']);
  if (!items || !('page_info' in b || items.length > 0)) return undefined;
  // System policies (policy_type "system") are Huawei's: not imported, their grants are skipped.
  const custom = items.filter((p) => p.policy_type !== 'system');
  return {
    api: 'ListPoliciesV5',
    defines: { policy: ids(custom, 'policy_id') },
    fragments: () =>
      custom.map(
        (p) =>
          ({
            kind: 'policy',
            policy: { policy_id: String(p.policy_id), name: str(p.policy_name) ?? String(p.policy_id), ...desc(p.description), kind: 'identity-5.0', type: 'identity', versions: [] },
          }) as Fragment,
      ),
  };
};

/** ListPolicyVersionsV5 (GET /v5/policies/{policy_id}/versions): `versions[]` with document (text), version_id, is_default. */
const listPolicyVersionsV5: Recogniser = (b) => {
  const items = listOf(b, 'versions', ['version_id', 'document']);
  if (!items) return undefined;
  return {
    api: 'ListPolicyVersionsV5',
    owner: 'policy',
    fragments: (policyId) =>
      items.map((v) => ({ kind: 'version', policy_id: policyId, version: { version_id: String(v.version_id), document: text(v.document) ?? '', is_default: v.is_default === true } }) as Fragment),
  };
};

/** GetPolicyVersionV5 (GET /v5/policies/{policy_id}/versions/{version_id}): `policy_version` {document (text), version_id, is_default}. */
const getPolicyVersionV5: Recogniser = (b) => {
  const v = b.policy_version;
  if (!isObj(v) || !('document' in v) || !('version_id' in v)) return undefined;
  return {
    api: 'GetPolicyVersionV5',
    owner: 'policy',
    fragments: (policyId) => [{ kind: 'version', policy_id: policyId, version: { version_id: String(v.version_id), document: text(v.document) ?? '', is_default: v.is_default === true } }],
  };
};

/** ListEntitiesForPolicyV5 (GET /v5/policies/{policy_id}/attached-entities): policy_users / policy_groups / policy_agencies. */
const listEntitiesForPolicyV5: Recogniser = (b) => {
  if (!('policy_users' in b || 'policy_groups' in b || 'policy_agencies' in b)) return undefined;
  return {
    api: 'ListEntitiesForPolicyV5',
    owner: 'policy',
    fragments: (policyId) => [
      ...ids(objects(b.policy_users), 'user_id').map((id) => grant(policyId, 'user', id, { type: 'global' })),
      ...ids(objects(b.policy_groups), 'group_id').map((id) => grant(policyId, 'group', id, { type: 'global' })),
      ...ids(objects(b.policy_agencies), 'agency_id').map((id) => grant(policyId, 'agency', id, { type: 'global' })),
    ],
  };
};

/** ListAttachedUserPoliciesV5 / ListAttachedGroupPoliciesV5 / ListAttachedAgencyPoliciesV5: `attached_policies[]` {policy_id, policy_name, urn, attached_at}. */
const listAttachedPoliciesV5: Recogniser = (b) => {
  const items = listOf(b, 'attached_policies', ['policy_id']);
  if (!items) return undefined;
  return {
    api: 'ListAttached{User,Group,Agency}PoliciesV5',
    owner: 'principal',
    fragments: (principalId, kind) => ids(items, 'policy_id').map((policyId) => grant(policyId, kind, principalId, { type: 'global' })),
  };
};

// --- IAM v3 (users, groups, agencies, 1.1 custom policies, grants) ----------------------------------------

/** A 1.1 custom policy (`role`) of the v3 custom-policy APIs: id, name/display_name, type (AX/XA), policy (object). */
function customRole(r: Body): Fragment | undefined {
  const id = str(r.id);
  const doc = text(r.policy);
  if (id === undefined || doc === undefined) return undefined;
  return {
    kind: 'policy',
    policy: {
      policy_id: id,
      name: str(r.display_name) ?? str(r.name) ?? id,
      ...desc(r.description),
      kind: 'custom-role-1.1',
      type: 'identity',
      ...(typeof r.type === 'string' ? { role_type: r.type } : {}),
      versions: [{ version_id: 'v1', document: doc, is_default: true }],
    },
  };
}

/** ListCustomPolicies (GET /v3.0/OS-ROLE/roles): `roles[]` of custom policies with `policy` and `type`. */
const listCustomPolicies: Recogniser = (b) => {
  const items = listOf(b, 'roles', ['id', 'policy']);
  if (!items) return undefined;
  const custom = items.filter((r) => r.catalog === undefined || r.catalog === 'CUSTOMED');
  return {
    api: 'ListCustomPolicies',
    defines: { policy: ids(custom, 'id') },
    fragments: () => custom.map(customRole).filter((f): f is Fragment => f !== undefined),
  };
};

/** ShowCustomPolicy (GET /v3.0/OS-ROLE/roles/{role_id}) and the create/update replies: `role` {id, policy, type, ...}. */
const showCustomPolicy: Recogniser = (b) => {
  const r = b.role;
  if (!isObj(r) || !('policy' in r) || !('id' in r)) return undefined;
  const f = customRole(r);
  return { api: 'ShowCustomPolicy', defines: { policy: ids([r], 'id') }, fragments: () => (f ? [f] : []) };
};

/**
 * ListRoleAssignments / ShowDomainRoleAssignments (GET /v3.0/OS-PERMISSION/role-assignments): `role_assignments[]`
 * {user|group|agency: {id}, role: {id}, scope: {domain|project|enterprise_project: {id}}, is_inherited}. A domain
 * scope is the global services, or all projects when `is_inherited` is true.
 */
const roleAssignments: Recogniser = (b) => {
  const items = listOf(b, 'role_assignments', ['role', 'scope']);
  if (!items) return undefined;
  return {
    api: 'ListRoleAssignments',
    fragments: () => items.map(assignment).filter((f): f is Fragment => f !== undefined),
  };
};

function assignment(a: Body): Fragment | undefined {
  const role = isObj(a.role) ? str(a.role.id) : undefined;
  const scope = isObj(a.scope) ? a.scope : undefined;
  let principal: { type: PrincipalKind; id: string } | undefined;
  for (const type of ['user', 'group', 'agency'] as const) {
    const p = a[type];
    if (isObj(p) && typeof p.id === 'string') principal = { type, id: p.id };
  }
  if (!role || !scope || !principal) return undefined;
  let s: GrantScope | undefined;
  if (isObj(scope.project) && typeof scope.project.id === 'string') s = { type: 'project', project: projectName(scope.project) };
  else if (isObj(scope.enterprise_project) && typeof scope.enterprise_project.id === 'string') s = { type: 'enterprise_project', enterprise_project_id: scope.enterprise_project.id };
  else if (isObj(scope.domain)) s = { type: a.is_inherited === true ? 'all_projects' : 'global' };
  return s ? grant(role, principal.type, principal.id, s) : undefined;
}

/**
 * The store's project scope names a region project (`cn-north-4`); Huawei's assignment names the project's id,
 * and its name when the response carries it. The name is used when present, else the id.
 */
const projectName = (p: Body): string => str(p.name) ?? String(p.id);

const grant = (policyId: string, type: PrincipalKind, id: string, scope: GrantScope): Fragment => ({ kind: 'grant', grant: { policy_id: policyId, principal: { type, id }, scope } });

/**
 * KeystoneListUsersForGroupByAdmin (GET /v3/groups/{group_id}/users): `users[]` with `links.self` naming the group.
 * Checked before the user lists: the same `users[]`, plus the group in the links.
 */
const groupUsers: Recogniser = (b) => {
  const items = listOf(b, 'users', ['id']);
  const self = isObj(b.links) ? str(b.links.self) : undefined;
  const m = self ? /\/groups\/([^/?#]+)\/users/.exec(self) : null;
  if (!items || !m) return undefined;
  const groupId = decodeURIComponent(m[1] as string);
  return {
    api: 'KeystoneListUsersForGroupByAdmin',
    defines: { user: ids(items, 'id') },
    fragments: () => [
      ...items.map((u) => ({ kind: 'principal', principal: { kind: 'user', id: String(u.id), name: str(u.name) ?? String(u.id) } }) as Fragment),
      ...ids(items, 'id').map((userId) => ({ kind: 'membership', group_id: groupId, user_id: userId }) as Fragment),
    ],
  };
};

/** KeystoneListUsers (GET /v3/users, `users[]` {id, name, domain_id}) and ListUsersV5 (GET /v5/users, `users[]` {user_id, user_name}). */
const listUsers: Recogniser = (b) => {
  const v3 = listOf(b, 'users', ['id', 'name']);
  const v5 = v3 ? undefined : listOf(b, 'users', ['user_id', 'user_name']);
  const items = v3 ?? v5;
  if (!items) return undefined;
  const idKey = v3 ? 'id' : 'user_id';
  const nameKey = v3 ? 'name' : 'user_name';
  return {
    api: v3 ? 'KeystoneListUsers' : 'ListUsersV5',
    defines: { user: ids(items, idKey) },
    fragments: () => items.map((u) => ({ kind: 'principal', principal: { kind: 'user', id: String(u[idKey]), name: str(u[nameKey]) ?? String(u[idKey]) } }) as Fragment),
  };
};

/** KeystoneListGroups (GET /v3/groups: `groups[]` {id, name, description}) and ListGroupsV5 (`groups[]` {group_id, group_name}). */
const listGroups: Recogniser = (b) => {
  const v3 = listOf(b, 'groups', ['id', 'name']);
  const v5 = v3 ? undefined : listOf(b, 'groups', ['group_id', 'group_name']);
  const items = v3 ?? v5;
  if (!items) return undefined;
  const idKey = v3 ? 'id' : 'group_id';
  const nameKey = v3 ? 'name' : 'group_name';
  return {
    api: v3 ? 'KeystoneListGroups' : 'ListGroupsV5',
    defines: { group: ids(items, idKey) },
    fragments: () => items.map((g) => ({ kind: 'principal', principal: { kind: 'group', id: String(g[idKey]), name: str(g[nameKey]) ?? String(g[idKey]), ...desc(g.description) } }) as Fragment),
  };
};

/** ListAgencies (GET /v3.0/OS-AGENCY/agencies: `agencies[]` {id, name, trust_domain_id, ...}) and the v5 trust agencies (`agencies[]` {agency_id, agency_name}). */
const listAgencies: Recogniser = (b) => {
  const v3 = listOf(b, 'agencies', ['id', 'name']);
  const v5 = v3 ? undefined : listOf(b, 'agencies', ['agency_id', 'agency_name']);
  const items = v3 ?? v5;
  if (!items) return undefined;
  const idKey = v3 ? 'id' : 'agency_id';
  const nameKey = v3 ? 'name' : 'agency_name';
  return {
    api: v3 ? 'ListAgencies' : 'ListAgenciesV5',
    defines: { agency: ids(items, idKey) },
    fragments: () => items.map((a) => ({ kind: 'principal', principal: { kind: 'agency', id: String(a[idKey]), name: str(a[nameKey]) ?? String(a[idKey]), ...desc(a.description) } }) as Fragment),
  };
};

// --- Organizations ------------------------------------------------------------------------------------------

/** ShowOrganization (GET /v1/organizations): `organization` {id, management_account_id, ...}. */
const showOrganization: Recogniser = (b) => {
  const o = b.organization;
  if (!isObj(o) || typeof o.management_account_id !== 'string') return undefined;
  return { api: 'ShowOrganization', fragments: () => [{ kind: 'management', account_id: o.management_account_id as string }] };
};

/** ListRoots (GET /v1/organizations/roots): `roots[]` {id, urn, name, policy_types, created_at}. */
const listRoots: Recogniser = (b) => {
  const items = listOf(b, 'roots', ['id']);
  if (!items) return undefined;
  return {
    api: 'ListRoots',
    defines: { container: ids(items, 'id') },
    fragments: () => items.map((r) => ({ kind: 'node', node: { kind: 'root', id: String(r.id), ...(str(r.name) ? { name: str(r.name) } : {}) } }) as Fragment),
  };
};

/** ListOrganizationalUnits (GET /v1/organizations/organizational-units?parent_id=): `organizational_units[]` {id, urn, name}; the parent from the path. */
const listOus: Recogniser = (b) => {
  const items = listOf(b, 'organizational_units', ['id']);
  if (!items) return undefined;
  return {
    api: 'ListOrganizationalUnits',
    defines: { container: ids(items, 'id') },
    owner: 'container',
    fragments: (parent) => items.map((o) => ({ kind: 'node', node: { kind: 'ou', id: String(o.id), name: str(o.name) ?? String(o.id), parent_id: parent } }) as Fragment),
  };
};

/** ListAccounts (GET /v1/organizations/accounts?parent_id=): `accounts[]` {id, urn, name, join_method, status}; the parent from the path. */
const listAccounts: Recogniser = (b) => {
  const items = listOf(b, 'accounts', ['id']);
  if (!items) return undefined;
  return {
    api: 'ListAccounts',
    owner: 'container',
    fragments: (parent) => items.map((a) => ({ kind: 'node', node: { kind: 'account', id: String(a.id), ...(str(a.name) ? { name: str(a.name) } : {}), parent_id: parent } }) as Fragment),
  };
};

/** ListPolicies (Organizations, GET /v1/organizations/policies): `policies[]` {id, name, type, is_builtin, urn}. */
const listOrgPolicies: Recogniser = (b) => {
  const items = listOf(b, 'policies', ['id', 'name']);
  if (!items) return undefined;
  const custom = items.filter((p) => p.is_builtin !== true);
  return {
    api: 'ListPolicies',
    defines: { scp: [...ids(custom, 'id'), ...builtinIds(items)] },
    builtins: builtinIds(items),
    fragments: () =>
      custom.map((p) => ({ kind: 'policy', policy: { policy_id: String(p.id), name: str(p.name) ?? String(p.id), ...desc(p.description), kind: 'scp', type: 'scp', versions: [] } }) as Fragment),
  };
};

/** Huawei's built-in SCP ids (e.g. `p-FullAccess`): attachments of it map to the store's `system:FullAccess`. */
const builtinIds = (items: Body[]): string[] =>
  ids(
    items.filter((p) => p.is_builtin === true),
    'id',
  );

/** ShowPolicy (Organizations, GET /v1/organizations/policies/{policy_id}): `policy` {content (text), policy_summary {id, name, type, is_builtin}}. */
const showOrgPolicy: Recogniser = (b) => {
  const p = b.policy;
  if (!isObj(p) || !isObj(p.policy_summary) || !('content' in p)) return undefined;
  const s = p.policy_summary;
  const id = String(s.id);
  if (s.is_builtin === true) return { api: 'ShowPolicy', defines: { scp: [id] }, builtins: [id], fragments: () => [] };
  return {
    api: 'ShowPolicy',
    defines: { scp: [id] },
    fragments: () => [
      {
        kind: 'policy',
        policy: { policy_id: id, name: str(s.name) ?? id, ...desc(s.description), kind: 'scp', type: 'scp', versions: [{ version_id: 'v1', document: text(p.content) ?? '', is_default: true }] },
      },
    ],
  };
};

/** ListEntitiesForPolicy (Organizations, GET /v1/organizations/policies/{policy_id}/attached-entities): `attached_entities[]` {id, name, type}. */
const listEntitiesForOrgPolicy: Recogniser = (b) => {
  const items = listOf(b, 'attached_entities', ['id']);
  if (!items) return undefined;
  return {
    api: 'ListEntitiesForPolicy',
    owner: 'scp',
    fragments: (policyId) => ids(items, 'id').map((target) => ({ kind: 'attachment', policy_id: policyId, target_id: target }) as Fragment),
  };
};

/**
 * In the order tried: the more specific shapes first (a group's users before the user lists; the v5 policy list,
 * whose items have `policy_id`, before Organizations' ListPolicies, whose items have `id`).
 */
export const RECOGNISERS: readonly Recogniser[] = [
  listPoliciesV5,
  listPolicyVersionsV5,
  getPolicyVersionV5,
  listEntitiesForPolicyV5,
  listAttachedPoliciesV5,
  listCustomPolicies,
  showCustomPolicy,
  roleAssignments,
  groupUsers,
  listUsers,
  listGroups,
  listAgencies,
  showOrganization,
  listRoots,
  listOus,
  listAccounts,
  listOrgPolicies,
  showOrgPolicy,
  listEntitiesForOrgPolicy,
];
