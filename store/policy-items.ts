/**
 * How a stored policy is kept and shown (internal: the policy modules and store/revalidation.ts use it; the
 * barrel does not): the item of the table and the `StoredPolicy` the API returns, the built-in system
 * policies in the same shape, the document check every write runs, and the read-modify-conditional-write
 * every change of an existing policy goes through (store/policies.ts explains the layout and the ETag).
 */
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { UpdateTransaction } from 'dynamodb-toolbox/entity/actions/transactUpdate';
import { $remove, $set, type UpdateItemInput } from 'dynamodb-toolbox/entity/actions/update';
import { systemPolicy, type SystemPolicy } from '../lib/system-policies.js';
import type { Finding, PolicyDocument, PolicyType, ScpRevision } from '../lib/types.js';
import { analyzePolicy } from '../lib/validate/validate.js';
import { checkId, etagOf, type IfMatch, nowIso, parseIfMatch, RETRY, stale, withRetries } from './common.js';
import { policyBumps } from './counters.js';
import { PolicyEntity } from './entities.js';
import { invalidInput, notFound, readOnly, StoreError } from './errors.js';
import { isSystemPolicyId, policiesGsi1sk } from './keys.js';
import { transact, TransactionRefused } from './transact.js';

/** Largest document text stored per version (the validator limits the minified document to 6144/5120). */
export const MAX_DOCUMENT_TEXT = 32 * 1024;
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
  ref_count?: number | undefined;
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

/**
 * Called with the policy a write is about to change (a create: the new policy), after it was read and
 * before anything is written; throws to refuse the write. The HTTP adapter uses it to let only the
 * organization's management account, with the `org:write` scope, change an SCP (functions/policies.ts): the
 * store reads the policy's type anyway, and every write is conditioned on the type it read, so a policy
 * deleted and re-created as an SCP between the check and the write is not changed.
 */
export type PolicyWriteGuard = (policy: { policy_id: string; type: PolicyType }) => void | Promise<void>;

/** A change of a policy item, as `mutatePolicy` writes it (and applies it to the item it read). */
export interface PolicyPatch {
  name?: string;
  /** `null` or `''` removes it. */
  description?: string | null;
  addVersion?: { id: string; document: string; created_at: string; findings: string };
  removeVersion?: string;
  default_version?: string;
  next_version?: number;
}

/**
 * Read, compute `plan(current)`, write it with `revision = current.revision` (and the type read) as the
 * condition, `revision + 1`, and the change counters' bumps, in one transaction. With If-Match: a revision
 * other than the expected one is `PRECONDITION_FAILED`, before or at the write. Without: a lost race
 * recomputes on the new state (plan may throw, e.g. the version limit now reached).
 */
export async function mutatePolicy(accountId: string, policyId: string, ifMatch: IfMatch, what: string, plan: (current: PolicyItem) => PolicyPatch, guard?: PolicyWriteGuard): Promise<StoredPolicy> {
  const expected = parseIfMatch(ifMatch);
  return withRetries(async () => {
    const current = await readPolicyItem(accountId, policyId);
    if (!current) throw policyNotFound(accountId, policyId);
    if (expected !== undefined && current.revision !== expected) throw stale(what, expected, current.revision);
    await guard?.(current);
    const patch = plan(current);
    const now = nowIso();
    const update: Record<string, unknown> = { account_id: accountId, policy_id: policyId, revision: current.revision + 1, updated_at: now };
    const next: PolicyItem = { ...current, versions: { ...current.versions }, revision: current.revision + 1, updated_at: now };
    if (patch.name !== undefined) {
      update.name = patch.name;
      update.gsi1sk = policiesGsi1sk(current.type, patch.name);
      next.name = patch.name;
    }
    if (patch.description !== undefined) {
      const remove = patch.description === null || patch.description === '';
      update.description = remove ? $remove() : patch.description;
      if (remove) delete next.description;
      else next.description = patch.description as string;
    }
    if (patch.addVersion) {
      const { id, ...record } = patch.addVersion;
      update.versions = { [id]: $set(record) };
      next.versions[id] = record;
    }
    if (patch.removeVersion !== undefined) {
      update.versions = { [patch.removeVersion]: $remove() };
      delete next.versions[patch.removeVersion];
    }
    if (patch.default_version !== undefined) update.default_version = next.default_version = patch.default_version;
    if (patch.next_version !== undefined) update.next_version = next.next_version = patch.next_version;
    try {
      // Conditioned on the revision and the type read: a policy deleted and re-created (revision 1 again) as
      // another type is not the policy the guard allowed.
      await transact([
        PolicyEntity.build(UpdateTransaction)
          .item(update as UpdateItemInput<typeof PolicyEntity>)
          .options({
            condition: {
              and: [
                { attr: 'revision', eq: current.revision },
                { attr: 'type', eq: current.type },
              ],
            },
          }),
        ...(await policyBumps(accountId, current.type)),
      ]);
    } catch (err) {
      if (!(err instanceof TransactionRefused && err.at(0))) throw err;
      if (expected === undefined) return RETRY;
      const now2 = await readPolicyItem(accountId, policyId);
      if (!now2) throw policyNotFound(accountId, policyId);
      throw stale(what, expected, now2.revision);
    }
    return toStoredPolicy(next);
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

export function checkIds(accountId: string, policyId: string): void {
  checkId(accountId, 'account_id');
  checkId(policyId, 'policy_id');
}
export function checkVersionId(versionId: unknown): void {
  if (typeof versionId !== 'string' || !/^v[1-9][0-9]{0,8}$/.test(versionId)) throw invalidInput('version_id must look like v1, v2, ...');
}

export function refuseSystem(policyId: string, what: string): void {
  if (isSystemPolicyId(policyId)) {
    if (!systemPolicy(policyId)) throw notFound(`No policy ${policyId}.`);
    throw readOnly(`${policyId} is a system policy: it cannot be ${what}.`);
  }
}

export const policyNotFound = (accountId: string, policyId: string): StoreError => notFound(`Account ${accountId} has no policy ${policyId}.`);

export function checkDocument(document: PolicyDocument | string, type: PolicyType, scpRevision: ScpRevision | undefined): { text: string; syntax: PolicySyntax; findings: Finding[] } {
  let text: string;
  if (typeof document === 'string') text = document;
  else if (document !== null && typeof document === 'object' && !Array.isArray(document)) text = JSON.stringify(document);
  else throw invalidInput('document must be a JSON object or its JSON text.');
  if (text.length > MAX_DOCUMENT_TEXT) throw invalidInput(`The document text is ${text.length} characters; at most ${MAX_DOCUMENT_TEXT} are stored.`);
  const analysis = analyzePolicy(text, scpRevision ? { type, scp_revision: scpRevision } : { type });
  if (!analysis.valid || !analysis.policy) {
    const errors = analysis.findings.filter((f) => f.severity === 'error');
    const first = errors[0];
    throw new StoreError(
      'INVALID_POLICY',
      `The ${type === 'scp' ? 'SCP' : 'policy'} has ${errors.length} error finding(s)${first ? `, first: ${first.code} ${first.message}` : ''}`,
      analysis.findings,
    );
  }
  return { text, syntax: analysis.policy.version, findings: analysis.findings };
}
