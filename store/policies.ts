/**
 * Stored policies: custom identity policies (IAM 5.0 and 1.1) and SCPs, owned by an account, plus the
 * built-in system policies (lib/system-policies.ts), read-only and present in every account.
 *
 * Plain types in, plain types out: nothing from DynamoDB or dynamodb-toolbox leaves this module. Documents
 * are validated with the engine's validator before they are written: error findings refuse the write
 * (`INVALID_POLICY`, with the findings), warnings are stored beside the version and returned.
 *
 * Layout (store/entities.ts): one item per policy holding all its versions (at most 5, ids `v1`, `v2`, ...
 * never reused, one of them the default) and a `revision` that every write increments. The ETag is
 * `"<revision>"`. Every change of an existing policy is read, then one UpdateItem conditioned on the
 * revision it read: with If-Match a lost race is `PRECONDITION_FAILED` (nothing written); without, the change is recomputed
 * on the new state and retried, so concurrent writers never lose each other's changes.
 *
 * System policies (`system:` ids) are answered from lib/system-policies.ts: revision 1, one version `v1`.
 * Updating, deleting or versioning them is `READ_ONLY`; custom ids cannot start with `system:`.
 *
 * This module creates, reads, lists and updates policies; their versions are store/policy-versions.ts,
 * their deletion store/policy-deletion.ts, and the item, its mapping and the conditional write they all
 * share store/policy-items.ts.
 */
import { randomUUID } from 'node:crypto';
import { PutTransaction } from 'dynamodb-toolbox/entity/actions/transactPut';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { SYSTEM_POLICIES, systemPolicy } from '../lib/system-policies.js';
import type { Finding, PolicyDocument, PolicyType, ScpRevision } from '../lib/types.js';
import { checkId, checkLimit, checkText, decodeCursor, encodeCursor, type IfMatch, MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, nowIso } from './common.js';
import { policyBumps } from './counters.js';
import { PolicyEntity } from './entities.js';
import { invalidInput, StoreError } from './errors.js';
import { accountPk, isSystemPolicyId, policiesGsi1pk, SYSTEM_POLICY_PREFIX } from './keys.js';
import {
  checkDocument,
  checkIds,
  mutatePolicy,
  policyNotFound,
  type PolicySummary,
  type PolicyVersionRecord,
  type PolicyWriteGuard,
  readPolicyItem,
  refuseSystem,
  type StoredPolicy,
  systemStoredPolicy,
  toStoredPolicy,
} from './policy-items.js';
import { GSI1, PolicyTable } from './table.js';
import { transact, TransactionRefused } from './transact.js';

export { StoreError, type StoreErrorCode } from './errors.js';
export { DEFAULT_PAGE_SIZE, MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_PAGE_SIZE } from './common.js';

/** The prefix of system policy ids (store/keys.ts). */
export { isSystemPolicyId, SYSTEM_POLICY_PREFIX } from './keys.js';
export {
  MAX_DOCUMENT_TEXT,
  SYSTEM_POLICY_TIME,
  type PolicyRevalidation,
  type PolicySummary,
  type PolicySyntax,
  type PolicyVersionRecord,
  type PolicyWriteGuard,
  type StoredPolicy,
} from './policy-items.js';

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
    // Refuses an existing id: nothing is ever overwritten by a create. The counter bumps in the same transaction.
    await transact([
      PolicyEntity.build(PutTransaction)
        .item(item)
        .options({ condition: { attr: 'policy_id', exists: false } }),
      ...(await policyBumps(accountId, type)),
    ]);
  } catch (err) {
    if (err instanceof TransactionRefused && err.at(0)) throw new StoreError('POLICY_EXISTS', `Account ${accountId} already has a policy with id ${policyId}.`);
    throw err;
  }
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
  const position = options.cursor === undefined ? { index: 0 } : decodeCursor(options.cursor, listing, { pk: accountPk(accountId), gsi1pk: partition, allowIndex: includeSystem });

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
  return mutatePolicy(
    accountId,
    policyId,
    ifMatch,
    `Policy ${policyId}`,
    () => ({
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
    }),
    guard,
  );
}

function summary(policy: StoredPolicy): PolicySummary {
  const { versions, ...rest } = policy;
  if (rest.revalidation) {
    const { findings: _findings, ...flags } = rest.revalidation;
    rest.revalidation = flags;
  }
  return { ...rest, version_ids: versions.map((v) => v.version_id) };
}

function checkCustomPolicyId(policyId: unknown): string {
  const id = checkId(policyId, 'policy_id');
  if (isSystemPolicyId(id)) throw invalidInput(`policy_id cannot start with "${SYSTEM_POLICY_PREFIX}" (reserved for system policies).`);
  return id;
}
