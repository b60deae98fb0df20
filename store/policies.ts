/**
 * Stored policies: custom identity policies (IAM 5.0 and 1.1) and SCPs, owned by an account, plus the
 * built-in system policies (lib/system-policies.ts), read-only and present in every account.
 *
 * Plain types in, plain types out: nothing from DynamoDB or dynamodb-toolbox leaves this module. Documents
 * are validated with the engine's validator before they are written: error findings refuse the write
 * (`INVALID_POLICY`, 422, with the findings), warnings are stored beside the version and returned.
 *
 * Layout (store/entities.ts): one item per policy holding all its versions (at most 5, ids `v1`, `v2`, ...
 * never reused, one of them the default) and a `revision` that every write increments. The ETag is
 * `"<revision>"`. Every change of an existing policy is read, then one UpdateItem conditioned on the
 * revision it read: with If-Match a lost race is 412 (nothing written); without, the change is recomputed
 * on the new state and retried, so concurrent writers never lose each other's changes.
 *
 * System policies (`system:` ids) are answered from lib/system-policies.ts: revision 1, one version `v1`.
 * Updating, deleting or versioning them is `READ_ONLY` (403); custom ids cannot start with `system:`.
 */
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { $remove, $set, UpdateItemCommand, type UpdateItemInput } from 'dynamodb-toolbox/entity/actions/update';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { SYSTEM_POLICIES, systemPolicy, type SystemPolicy } from '../lib/system-policies.js';
import type { Finding, PolicyDocument, PolicyType, ScpRevision } from '../lib/types.js';
import { analyzePolicy } from '../lib/validate/validate.js';
import {
  checkId,
  checkLimit,
  checkText,
  decodeCursor,
  encodeCursor,
  etagOf,
  type IfMatch,
  isConditionFailure,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  mapLimit,
  nowIso,
  parseIfMatch,
  RETRY,
  stale,
  withRetries,
} from './common.js';
import { bumpForPolicy, bumpOrg, readAccount } from './counters.js';
import { GrantEntity, PolicyEntity } from './entities.js';
import { conflict, invalidInput, notFound, readOnly, StoreError } from './errors.js';
import { accountPk, GRANT_SK_PREFIX, isSystemPolicyId, policiesGsi1pk, policiesGsi1sk, SYSTEM_POLICY_PREFIX } from './keys.js';
import { readOrg, removeScp, scpTargetsOf } from './nodes.js';
import { GSI1, PolicyTable } from './table.js';

export { StoreError, type StoreErrorCode } from './errors.js';
export { DEFAULT_PAGE_SIZE, MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_PAGE_SIZE } from './common.js';

/** Versions a policy keeps (Huawei IAM keeps at most 5). */
export const MAX_POLICY_VERSIONS = 5;
/** Largest document text stored per version (the validator limits the minified document to 6144/5120). */
export const MAX_DOCUMENT_TEXT = 32 * 1024;
/** The prefix of system policy ids (store/keys.ts). */
export { isSystemPolicyId, SYSTEM_POLICY_PREFIX } from './keys.js';
/** `created_at`/`updated_at` of the system policies. */
export const SYSTEM_POLICY_TIME = '1970-01-01T00:00:00.000Z';

export type PolicySyntax = '5.0' | '1.1';

export interface PolicyVersionRecord {
  /** `v1`, `v2`, ... */
  version_id: string;
  /** The document as JSON text, exactly as submitted (text keeps source spans in validate and explain). */
  document: string;
  is_default: boolean;
  created_at: string;
  /** The validator's warnings and suggestions for this version, as of its creation (never errors). */
  findings: Finding[];
}

export interface StoredPolicy {
  account_id: string;
  policy_id: string;
  name: string;
  type: PolicyType;
  syntax: PolicySyntax;
  description?: string;
  default_version: string;
  /** Oldest first. */
  versions: PolicyVersionRecord[];
  /** Incremented by every write to the policy. */
  revision: number;
  /** `"<revision>"`, for If-Match. */
  etag: string;
  created_at: string;
  updated_at: string;
  /** A built-in system policy: read-only, present in every account. */
  system?: true;
  /** The latest revalidation against the catalog (absent until the stream or the sweep has checked it). */
  revalidation?: PolicyRevalidation;
}

/**
 * What the latest revalidation found (store/revalidation.ts): every version checked against the catalog
 * the service ran with. `has_errors`: some version no longer validates (it did when it was written).
 */
export interface PolicyRevalidation {
  catalog_version: string;
  checked_at: string;
  /** The policy revision that was checked (older than `revision` until the change is revalidated). */
  revision: number;
  has_errors: boolean;
  /** `has_errors`, and the revalidation before this one had none (or there was none). */
  newly_failing: boolean;
  /** The versions with error findings. */
  error_versions: string[];
  /** Every finding, by version id. Absent in list entries. */
  findings?: Record<string, Finding[]>;
}

/** A list entry: the policy without its documents. */
export type PolicySummary = Omit<StoredPolicy, 'versions'> & { version_ids: string[] };

export interface CreatePolicyInput {
  account_id: string;
  /** Chosen by the caller, or generated (32 hex digits). Cannot start with `system:`. */
  policy_id?: string;
  name: string;
  /** Default `identity`. */
  type?: PolicyType;
  description?: string;
  /** The document, or its JSON text. */
  document: PolicyDocument | string;
  /** SCP syntax revision to validate against (default: the validator's newest). */
  scp_revision?: ScpRevision;
}

export interface CreatePolicyResult {
  policy: StoredPolicy;
  /** The validator's findings for the stored document: warnings and suggestions only. */
  findings: Finding[];
}

export interface ListPoliciesOptions {
  /** Only this type. */
  type?: PolicyType;
  /** List the system policies (of the type filter) before the stored ones. Default `true`. */
  include_system?: boolean;
  /** Page size, 1-100 (default 50). System policies count towards it. */
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
}

export interface PolicyPage {
  /** System policies first (in lib/system-policies.ts order), then the stored ones by type, then name. */
  items: PolicySummary[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  next_cursor: string | null;
}

export interface UpdatePolicyInput {
  name?: string;
  /** `''` or `null` removes the description. */
  description?: string | null;
}

export interface CreatePolicyVersionInput {
  /** The document, or its JSON text; same syntax (`Version`) as the policy's other versions. */
  document: PolicyDocument | string;
  /** Make the new version the default (the one evaluated). Default `false`. */
  set_as_default?: boolean;
  /** SCP syntax revision to validate against (default: the validator's newest). */
  scp_revision?: ScpRevision;
}

export interface CreatePolicyVersionResult {
  policy: StoredPolicy;
  version: PolicyVersionRecord;
  /** The same as `version.findings`. */
  findings: Finding[];
}

export interface DeletePolicyOptions {
  /** Remove the policy's grants and SCP attachments first (refused if that would leave a node without SCPs). */
  detach?: boolean;
  ifMatch?: IfMatch;
  guard?: PolicyWriteGuard;
}

/**
 * Called with the policy a write is about to change (a create: the new policy), after it was read and
 * before anything is written; throws to refuse the write. The HTTP adapter uses it to let only the
 * organization's management account, with the `org:write` scope, change an SCP (functions/policies.ts): the
 * store reads the policy's type anyway, and every write is conditioned on the type it read, so a policy
 * deleted and re-created as an SCP between the check and the write is not changed.
 */
export type PolicyWriteGuard = (policy: { policy_id: string; type: PolicyType }) => void | Promise<void>;

export interface DeletePolicyResult {
  policy_id: string;
  /** Grants removed with `detach` (or racing creates swept after the delete). */
  detached_grants: string[];
  /** SCP attachments removed with `detach`. */
  detached_scps: Array<{ org_id: string; target_id: string }>;
}

// ---------------------------------------------------------------------------------------------------------
// Create, read, list

export async function createPolicy(input: CreatePolicyInput, guard?: PolicyWriteGuard): Promise<CreatePolicyResult> {
  const accountId = checkId(input.account_id, 'account_id');
  const policyId = input.policy_id === undefined ? randomUUID().replace(/-/g, '') : checkCustomPolicyId(input.policy_id);
  const name = checkText(input.name, 'name', MAX_NAME_LENGTH, true);
  const description = input.description === undefined ? undefined : checkText(input.description, 'description', MAX_DESCRIPTION_LENGTH, false);
  const type: PolicyType = input.type ?? 'identity';
  if (type !== 'identity' && type !== 'scp') throw invalidInput('type must be "identity" or "scp".');
  await guard?.({ policy_id: policyId, type });
  const { text, syntax, findings } = checkDocument(input.document, type, input.scp_revision);

  const now = nowIso();
  const item = {
    account_id: accountId,
    policy_id: policyId,
    name,
    type,
    syntax,
    ...(description === undefined || description === '' ? {} : { description }),
    default_version: 'v1',
    next_version: 2,
    versions: { v1: { document: text, created_at: now, findings: JSON.stringify(findings) } },
    revision: 1,
    created_at: now,
    updated_at: now,
  };
  try {
    // Refuses an existing id: nothing is ever overwritten by a create.
    await PolicyEntity.build(PutItemCommand)
      .item(item)
      .options({ condition: { attr: 'policy_id', exists: false } })
      .send();
  } catch (err) {
    if (isConditionFailure(err)) throw new StoreError('POLICY_EXISTS', 409, `Account ${accountId} already has a policy with id ${policyId}.`);
    throw err;
  }
  await bumpForPolicy(accountId, type);
  return { policy: toStoredPolicy(item), findings };
}

/** A policy of the account, or a system policy. `NOT_FOUND` otherwise. */
export async function getPolicy(accountId: string, policyId: string): Promise<StoredPolicy> {
  checkId(accountId, 'account_id');
  checkId(policyId, 'policy_id');
  if (isSystemPolicyId(policyId)) {
    const sp = systemPolicy(policyId);
    if (!sp) throw policyNotFound(accountId, policyId);
    return systemStoredPolicy(accountId, sp);
  }
  const item = await readPolicyItem(accountId, policyId);
  if (!item) throw policyNotFound(accountId, policyId);
  return toStoredPolicy(item);
}

/** One version of a policy (system policies have `v1`). */
export async function getPolicyVersion(accountId: string, policyId: string, versionId: string): Promise<PolicyVersionRecord & { policy_id: string }> {
  checkVersionId(versionId);
  const policy = await getPolicy(accountId, policyId);
  const version = policy.versions.find((v) => v.version_id === versionId);
  if (!version) throw notFound(`Policy ${policyId} has no version ${versionId}.`);
  return { policy_id: policyId, ...version };
}

/** The version the engine evaluates. */
export function defaultVersion(policy: StoredPolicy): PolicyVersionRecord {
  const v = policy.versions.find((x) => x.is_default);
  if (!v) throw new Error(`policy ${policy.policy_id} has no default version ${policy.default_version}`);
  return v;
}

/**
 * Policies of an account a page at a time: the system policies first (unless `include_system: false`),
 * then the stored ones by type and name (the `gsi1` index: eventually consistent on AWS).
 */
export async function listPolicies(accountId: string, options: ListPoliciesOptions = {}): Promise<PolicyPage> {
  checkId(accountId, 'account_id');
  const limit = checkLimit(options.limit);
  if (options.type !== undefined && options.type !== 'identity' && options.type !== 'scp') throw invalidInput('type must be "identity" or "scp".');
  const includeSystem = options.include_system ?? true;
  const partition = policiesGsi1pk(accountId);
  const listing = `policies:${accountId}:${options.type ?? '*'}:${includeSystem ? 'sys' : 'nosys'}`;
  const position =
    options.cursor === undefined
      ? { index: 0 }
      : decodeCursor(options.cursor, listing, { pk: accountPk(accountId), gsi1pk: partition, allowIndex: includeSystem });

  const items: PolicySummary[] = [];
  if (includeSystem && 'index' in position) {
    const system = SYSTEM_POLICIES.filter((p) => options.type === undefined || p.type === options.type);
    const slice = system.slice(position.index, position.index + limit);
    items.push(...slice.map((p) => summary(systemStoredPolicy(accountId, p))));
    if (items.length === limit) return { items, next_cursor: encodeCursor(listing, { index: position.index + limit }) };
  }
  const startKey = 'key' in position ? position.key : undefined;
  const query = PolicyTable.build(QueryCommand)
    .entities(PolicyEntity)
    .query(options.type ? { index: GSI1, partition, range: { beginsWith: `${options.type}#` } } : { index: GSI1, partition });
  const remaining = limit - items.length;
  const { Items = [], LastEvaluatedKey } = await (startKey ? query.options({ limit: remaining, exclusiveStartKey: startKey }) : query.options({ limit: remaining })).send();
  items.push(...Items.map((i) => summary(toStoredPolicy(i))));
  return { items, next_cursor: LastEvaluatedKey ? encodeCursor(listing, { key: LastEvaluatedKey }) : null };
}

// ---------------------------------------------------------------------------------------------------------
// Changes of an existing policy

/** Renames or re-describes a policy. */
export async function updatePolicy(accountId: string, policyId: string, changes: UpdatePolicyInput, ifMatch?: IfMatch, guard?: PolicyWriteGuard): Promise<StoredPolicy> {
  checkIds(accountId, policyId);
  if (changes === null || typeof changes !== 'object') throw invalidInput('The changes must be an object with name and/or description.');
  const name = changes.name === undefined ? undefined : checkText(changes.name, 'name', MAX_NAME_LENGTH, true);
  const description = changes.description === undefined || changes.description === null ? changes.description : checkText(changes.description, 'description', MAX_DESCRIPTION_LENGTH, false);
  if (name === undefined && description === undefined) throw invalidInput('Nothing to change: give name and/or description.');
  refuseSystem(policyId, 'updated');
  const policy = await mutatePolicy(accountId, policyId, ifMatch, `Policy ${policyId}`, (current) => ({
    ...(name === undefined ? {} : { name, gsi1sk: policiesGsi1sk(current.type, name) }),
    ...(description === undefined ? {} : { description: description === null || description === '' ? $remove() : description }),
  }), guard);
  await bumpForPolicy(accountId, policy.type);
  return policy;
}

/** Adds a version (validated like a create). `CONFLICT` when the policy already has 5 versions. */
export async function createPolicyVersion(accountId: string, policyId: string, input: CreatePolicyVersionInput, ifMatch?: IfMatch, guard?: PolicyWriteGuard): Promise<CreatePolicyVersionResult> {
  checkIds(accountId, policyId);
  if (input === null || typeof input !== 'object') throw invalidInput('The version must be an object with a document.');
  refuseSystem(policyId, 'given new versions');
  if (input.set_as_default !== undefined && typeof input.set_as_default !== 'boolean') throw invalidInput('set_as_default must be a boolean.');
  const expected = parseIfMatch(ifMatch);
  const first = await readPolicyItem(accountId, policyId);
  if (!first) throw policyNotFound(accountId, policyId);
  if (expected !== undefined && first.revision !== expected) throw stale(`Policy ${policyId}`, expected, first.revision);
  await guard?.(first);
  const { text, syntax, findings } = checkDocument(input.document, first.type, input.scp_revision);
  if (syntax !== first.syntax) throw invalidInput(`Policy ${policyId} is a ${first.syntax} policy: a new version must have "Version": "${first.syntax}" (got ${syntax}).`);

  let versionId = '';
  const policy = await mutatePolicy(accountId, policyId, ifMatch, `Policy ${policyId}`, (current) => {
    // The document was validated for the type read first; the write is conditioned on the type read now.
    if (current.type !== first.type) throw policyNotFound(accountId, policyId);
    const count = Object.keys(current.versions).length;
    if (count >= MAX_POLICY_VERSIONS) {
      throw conflict(`Policy ${policyId} already has ${MAX_POLICY_VERSIONS} versions, the most it can keep. Delete a version that is not the default first.`, { version_ids: Object.keys(current.versions) });
    }
    versionId = `v${current.next_version}`;
    return {
      versions: { [versionId]: $set({ document: text, created_at: nowIso(), findings: JSON.stringify(findings) }) },
      next_version: current.next_version + 1,
      ...(input.set_as_default ? { default_version: versionId } : {}),
    };
  }, guard);
  await bumpForPolicy(accountId, policy.type);
  const version = policy.versions.find((v) => v.version_id === versionId) as PolicyVersionRecord;
  return { policy, version, findings };
}

/** Deletes a version that is not the default (`CONFLICT` for the default). */
export async function deletePolicyVersion(accountId: string, policyId: string, versionId: string, ifMatch?: IfMatch, guard?: PolicyWriteGuard): Promise<StoredPolicy> {
  checkIds(accountId, policyId);
  checkVersionId(versionId);
  refuseSystem(policyId, 'changed');
  const policy = await mutatePolicy(accountId, policyId, ifMatch, `Policy ${policyId}`, (current) => {
    if (!(versionId in current.versions)) throw notFound(`Policy ${policyId} has no version ${versionId}.`);
    if (current.default_version === versionId) throw conflict(`${versionId} is the default version of policy ${policyId}: make another version the default before deleting it.`);
    return { versions: { [versionId]: $remove() } };
  }, guard);
  await bumpForPolicy(accountId, policy.type);
  return policy;
}

/** Makes `versionId` the version the engine evaluates. */
export async function setDefaultVersion(accountId: string, policyId: string, versionId: string, ifMatch?: IfMatch, guard?: PolicyWriteGuard): Promise<StoredPolicy> {
  checkIds(accountId, policyId);
  checkVersionId(versionId);
  refuseSystem(policyId, 'changed');
  const policy = await mutatePolicy(accountId, policyId, ifMatch, `Policy ${policyId}`, (current) => {
    if (!(versionId in current.versions)) throw notFound(`Policy ${policyId} has no version ${versionId}.`);
    return { default_version: versionId };
  }, guard);
  await bumpForPolicy(accountId, policy.type);
  return policy;
}

/**
 * Deletes a policy. Refused (`CONFLICT`, with the grants and attachments in `details`) while it is granted
 * to a principal or attached as an SCP, unless `detach`: then its SCP attachments are removed first (all
 * refused, before anything changes, if one of them is the last SCP of its node), then its grants, then
 * the policy.
 *
 * Races with a concurrent `createGrant`/`attachScp` are closed from both sides: those write their
 * reference, then re-read the policy and undo if it is gone; this function deletes the policy, then sweeps
 * references created meanwhile (both with strongly consistent reads).
 */
export async function deletePolicy(accountId: string, policyId: string, options: DeletePolicyOptions = {}): Promise<DeletePolicyResult> {
  checkIds(accountId, policyId);
  refuseSystem(policyId, 'deleted');
  const expected = parseIfMatch(options.ifMatch);
  const current = await readPolicyItem(accountId, policyId);
  if (!current) throw policyNotFound(accountId, policyId);
  if (expected !== undefined && current.revision !== expected) throw stale(`Policy ${policyId}`, expected, current.revision);
  await options.guard?.(current);

  const grants = await grantsOfPolicy(accountId, policyId);
  const orgId = current.type === 'scp' ? await managedOrg(accountId) : undefined;
  const targets = orgId ? await scpTargetsOf(orgId, policyId) : [];
  const result: DeletePolicyResult = { policy_id: policyId, detached_grants: [], detached_scps: [] };
  const references = { grants: grants.map((g) => g.grant_id), scp_attachments: targets.map((t) => ({ org_id: orgId as string, target_id: t.node_id })) };
  if ((grants.length > 0 || targets.length > 0) && !options.detach) {
    throw conflict(`Policy ${policyId} is ${grants.length ? `granted ${grants.length} time(s)` : ''}${grants.length && targets.length ? ' and ' : ''}${targets.length ? `attached to ${targets.length} organization node(s)` : ''}: detach it first (or delete with detach).`, references);
  }
  if (options.detach && orgId) {
    const last = targets.filter((t) => (t.scps?.size ?? 0) <= 1).map((t) => t.node_id);
    if (last.length > 0) {
      throw conflict(`Policy ${policyId} is the only SCP of ${last.join(', ')}: detaching it would leave ${last.length === 1 ? 'that node' : 'those nodes'} without an SCP. Attach another SCP there first.`, { ...references, last_scp_of: last });
    }
    for (const t of targets) {
      // Conditional (not the last SCP): a concurrent detach can still make it the last; then this stops
      // with CONFLICT, and the attachments removed so far stay removed (the message says which).
      try {
        await removeScp(orgId, t.node_id, policyId);
      } catch (err) {
        if (err instanceof StoreError && err.code === 'NOT_FOUND') continue;
        if (err instanceof StoreError && result.detached_scps.length > 0) await bumpOrg(orgId);
        if (err instanceof StoreError) throw conflict(`${err.message} (detached so far: ${result.detached_scps.map((d) => d.target_id).join(', ') || 'none'}; nothing else changed)`, references);
        throw err;
      }
      result.detached_scps.push({ org_id: orgId, target_id: t.node_id });
    }
  }
  if (options.detach) {
    await deleteGrantItems(accountId, grants);
    result.detached_grants.push(...grants.map((g) => g.grant_id));
  }
  try {
    await PolicyEntity.build(DeleteItemCommand)
      .key({ account_id: accountId, policy_id: policyId })
      // The type read above (the guard's decision holds for it): a policy re-created meanwhile as another type stays.
      .options({ condition: { and: [expected === undefined ? { attr: 'policy_id', exists: true } : { attr: 'revision', eq: expected }, { attr: 'type', eq: current.type }] } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const now = await readPolicyItem(accountId, policyId);
    if (!now) throw policyNotFound(accountId, policyId);
    throw stale(`Policy ${policyId}`, expected, now.revision);
  }
  // Sweep references created between the checks above and the delete (their creators also undo them).
  const late = await grantsOfPolicy(accountId, policyId);
  if (late.length > 0) {
    await deleteGrantItems(accountId, late);
    result.detached_grants.push(...late.map((g) => g.grant_id));
  }
  if (orgId) {
    for (const t of await scpTargetsOf(orgId, policyId)) {
      await removeScp(orgId, t.node_id, policyId).then(
        () => result.detached_scps.push({ org_id: orgId, target_id: t.node_id }),
        () => undefined, // the last SCP of its node: left for the attacher's own re-check; evaluation skips missing policies
      );
    }
  }
  await bumpForPolicy(accountId, current.type);
  if (orgId && result.detached_scps.length > 0) await bumpOrg(orgId);
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers for the other store modules (not in the barrel)

export interface PolicyItem {
  account_id: string;
  policy_id: string;
  name: string;
  type: 'identity' | 'scp';
  syntax: '5.0' | '1.1';
  description?: string | undefined;
  default_version: string;
  next_version: number;
  versions: Record<string, { document: string; created_at: string; findings?: string | undefined }>;
  revision: number;
  created_at: string;
  updated_at: string;
  revalidation?: RevalidationItem | undefined;
}

export interface RevalidationItem {
  catalog_version: string;
  checked_at: string;
  revision: number;
  has_errors: boolean;
  newly_failing: boolean;
  /** Absent when none (DynamoDB has no empty sets). */
  error_versions?: Set<string> | undefined;
  /** JSON text `{ "<versionId>": Finding[] }`. */
  findings: string;
}

export async function readPolicyItem(accountId: string, policyId: string): Promise<PolicyItem | undefined> {
  const { Item } = await PolicyEntity.build(GetItemCommand).key({ account_id: accountId, policy_id: policyId }).options({ consistent: true }).send();
  return Item;
}

/** Grants of a policy, from the base table (strongly consistent; reads the account's grants with a filter). */
export async function grantsOfPolicy(accountId: string, policyId: string): Promise<Array<{ grant_id: string; principal_type: 'user' | 'group' | 'agency'; principal_id: string; grant_hash: string }>> {
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(GrantEntity)
    .query({ partition: accountPk(accountId), range: { beginsWith: GRANT_SK_PREFIX } })
    .options({ consistent: true, maxPages: Infinity, filters: { Grant: { attr: 'policy_id', eq: policyId } } })
    .send();
  return Items;
}

export async function deleteGrantItems(accountId: string, grants: ReadonlyArray<{ principal_type: 'user' | 'group' | 'agency'; principal_id: string; grant_hash: string }>): Promise<void> {
  await mapLimit(grants, 8, (g) =>
    GrantEntity.build(DeleteItemCommand).key({ account_id: accountId, principal_type: g.principal_type, principal_id: g.principal_id, grant_hash: g.grant_hash }).send(),
  );
}

/** The organization `accountId` manages, if any (its SCPs can be attached there). */
export async function managedOrg(accountId: string): Promise<string | undefined> {
  const account = await readAccount(accountId);
  if (!account.manages_org) return undefined;
  const org = await readOrg(account.manages_org);
  return org && org.management_account_id === accountId ? org.org_id : undefined;
}

export function systemStoredPolicy(accountId: string, sp: SystemPolicy): StoredPolicy {
  const document = JSON.stringify(sp.document);
  return {
    account_id: accountId,
    policy_id: sp.policy_id,
    name: sp.name,
    type: sp.type,
    syntax: sp.document.Version === '5.0' ? '5.0' : '1.1',
    description: sp.description,
    default_version: 'v1',
    versions: [{ version_id: 'v1', document, is_default: true, created_at: SYSTEM_POLICY_TIME, findings: systemFindings(sp) }],
    revision: 1,
    etag: etagOf(1),
    created_at: SYSTEM_POLICY_TIME,
    updated_at: SYSTEM_POLICY_TIME,
    system: true,
  };
}

export function toStoredPolicy(item: PolicyItem): StoredPolicy {
  const versions = Object.entries(item.versions)
    .map(([version_id, v]) => ({ version_id, document: v.document, is_default: version_id === item.default_version, created_at: v.created_at, findings: parseFindings(v.findings) }))
    .sort((a, b) => versionNumber(a.version_id) - versionNumber(b.version_id));
  const policy: StoredPolicy = {
    account_id: item.account_id,
    policy_id: item.policy_id,
    name: item.name,
    type: item.type,
    syntax: item.syntax,
    default_version: item.default_version,
    versions,
    revision: item.revision,
    etag: etagOf(item.revision),
    created_at: item.created_at,
    updated_at: item.updated_at,
  };
  if (item.description !== undefined) policy.description = item.description;
  if (item.revalidation) policy.revalidation = toRevalidation(item.revalidation);
  return policy;
}

function toRevalidation(r: RevalidationItem): PolicyRevalidation {
  let findings: Record<string, Finding[]> = {};
  try {
    const parsed = JSON.parse(r.findings) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) findings = parsed as Record<string, Finding[]>;
  } catch {
    /* unreadable: no findings */
  }
  return {
    catalog_version: r.catalog_version,
    checked_at: r.checked_at,
    revision: r.revision,
    has_errors: r.has_errors,
    newly_failing: r.newly_failing,
    error_versions: [...(r.error_versions ?? [])].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))),
    findings,
  };
}

// ---------------------------------------------------------------------------------------------------------

type PolicyChanges = Record<string, unknown>;

/**
 * Read, compute `plan(current)`, write it with `revision = current.revision` as the condition (and
 * `revision + 1`). With If-Match: a revision other than the expected one is 412, before or at the write.
 * Without: a lost race recomputes on the new state (plan may throw, e.g. the version limit now reached).
 */
async function mutatePolicy(accountId: string, policyId: string, ifMatch: IfMatch, what: string, plan: (current: PolicyItem) => PolicyChanges, guard?: PolicyWriteGuard): Promise<StoredPolicy> {
  const expected = parseIfMatch(ifMatch);
  return withRetries(async () => {
    const current = await readPolicyItem(accountId, policyId);
    if (!current) throw policyNotFound(accountId, policyId);
    if (expected !== undefined && current.revision !== expected) throw stale(what, expected, current.revision);
    await guard?.(current);
    const changes = plan(current);
    try {
      // Conditioned on the revision and the type read: a policy deleted and re-created (revision 1 again) as
      // another type is not the policy the guard allowed.
      const { Attributes } = await PolicyEntity.build(UpdateItemCommand)
        .item({ account_id: accountId, policy_id: policyId, ...changes, revision: current.revision + 1, updated_at: nowIso() } as UpdateItemInput<typeof PolicyEntity>)
        .options({ condition: { and: [{ attr: 'revision', eq: current.revision }, { attr: 'type', eq: current.type }] }, returnValues: 'ALL_NEW' })
        .send();
      return toStoredPolicy(Attributes as PolicyItem);
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      if (expected === undefined) return RETRY;
      const now = await readPolicyItem(accountId, policyId);
      if (!now) throw policyNotFound(accountId, policyId);
      throw stale(what, expected, now.revision);
    }
  }, what);
}

const systemFindingsCache = new Map<string, Finding[]>();
function systemFindings(sp: SystemPolicy): Finding[] {
  let f = systemFindingsCache.get(sp.policy_id);
  if (!f) {
    f = analyzePolicy(sp.document, { type: sp.type }).findings.filter((x) => x.severity !== 'error');
    systemFindingsCache.set(sp.policy_id, f);
  }
  return f.map((x) => ({ ...x }));
}

function summary(policy: StoredPolicy): PolicySummary {
  const { versions, ...rest } = policy;
  if (rest.revalidation) {
    const { findings: _findings, ...flags } = rest.revalidation;
    rest.revalidation = flags;
  }
  return { ...rest, version_ids: versions.map((v) => v.version_id) };
}

function parseFindings(text: string | undefined): Finding[] {
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as Finding[]) : [];
  } catch {
    return [];
  }
}

const versionNumber = (id: string): number => Number(id.slice(1));

function checkIds(accountId: string, policyId: string): void {
  checkId(accountId, 'account_id');
  checkId(policyId, 'policy_id');
}

function checkCustomPolicyId(policyId: unknown): string {
  const id = checkId(policyId, 'policy_id');
  if (isSystemPolicyId(id)) throw invalidInput(`policy_id cannot start with "${SYSTEM_POLICY_PREFIX}" (reserved for system policies).`);
  return id;
}

function checkVersionId(versionId: unknown): void {
  if (typeof versionId !== 'string' || !/^v[1-9][0-9]{0,8}$/.test(versionId)) throw invalidInput('version_id must look like v1, v2, ...');
}

function refuseSystem(policyId: string, what: string): void {
  if (isSystemPolicyId(policyId)) {
    if (!systemPolicy(policyId)) throw notFound(`No policy ${policyId}.`);
    throw readOnly(`${policyId} is a system policy: it cannot be ${what}.`);
  }
}

const policyNotFound = (accountId: string, policyId: string): StoreError => notFound(`Account ${accountId} has no policy ${policyId}.`);

function checkDocument(document: PolicyDocument | string, type: PolicyType, scpRevision: ScpRevision | undefined): { text: string; syntax: PolicySyntax; findings: Finding[] } {
  let text: string;
  if (typeof document === 'string') text = document;
  else if (document !== null && typeof document === 'object' && !Array.isArray(document)) text = JSON.stringify(document);
  else throw invalidInput('document must be a JSON object or its JSON text.');
  if (text.length > MAX_DOCUMENT_TEXT) throw invalidInput(`The document text is ${text.length} characters; at most ${MAX_DOCUMENT_TEXT} are stored.`);
  const analysis = analyzePolicy(text, scpRevision ? { type, scp_revision: scpRevision } : { type });
  if (!analysis.valid || !analysis.policy) {
    const errors = analysis.findings.filter((f) => f.severity === 'error');
    const first = errors[0];
    throw new StoreError('INVALID_POLICY', 422, `The ${type === 'scp' ? 'SCP' : 'policy'} has ${errors.length} error finding(s)${first ? `, first: ${first.code} ${first.message}` : ''}`, analysis.findings);
  }
  return { text, syntax: analysis.policy.version, findings: analysis.findings };
}
