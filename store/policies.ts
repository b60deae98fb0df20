/**
 * Stored policies: custom identity policies (IAM 5.0 and 1.1) and SCPs, owned by an account.
 *
 * Plain types in, plain types out: nothing from DynamoDB or dynamodb-toolbox leaves this module. Documents
 * are validated with the engine's validator before they are written: error findings refuse the write
 * (`INVALID_POLICY`, with the findings), warnings are kept and returned.
 *
 * Layout (store/entities.ts): one item per policy holding all its versions (at most 5, ids `v1`, `v2`, ...
 * never reused, one of them the default) and a `revision` that every write increments. The ETag is
 * `"<revision>"`: writes that must not overwrite a concurrent change are conditioned on it (the next issue's
 * If-Match → 412).
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import type { Finding, PolicyDocument, PolicyType, ScpRevision } from '../lib/types.js';
import { analyzePolicy } from '../lib/validate/validate.js';
import { PolicyEntity } from './entities.js';
import { accountPk, ID_PATTERN, policiesGsi1pk, policiesGsi1sk } from './keys.js';
import { GSI1, PolicyTable } from './table.js';

/** Versions a policy keeps (Huawei IAM keeps at most 5). */
export const MAX_POLICY_VERSIONS = 5;
/** Largest document text stored per version (the validator limits the minified document to 6144/5120). */
export const MAX_DOCUMENT_TEXT = 32 * 1024;
export const MAX_NAME_LENGTH = 128;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

export type PolicySyntax = '5.0' | '1.1';

export interface PolicyVersionRecord {
  /** `v1`, `v2`, ... */
  version_id: string;
  /** The document as JSON text, exactly as submitted (text keeps source spans in validate and explain). */
  document: string;
  is_default: boolean;
  created_at: string;
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
  /** `"<revision>"`, for If-Match / If-None-Match. */
  etag: string;
  created_at: string;
  updated_at: string;
}

/** A list entry: the policy without its documents. */
export type PolicySummary = Omit<StoredPolicy, 'versions'> & { version_ids: string[] };

export interface CreatePolicyInput {
  account_id: string;
  /** Chosen by the caller, or generated (32 hex digits). */
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
  /** Page size, 1-100 (default 50). */
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
}

export interface PolicyPage {
  /** Ordered by type, then name. */
  items: PolicySummary[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  next_cursor: string | null;
}

export type StoreErrorCode = 'INVALID_INPUT' | 'INVALID_POLICY' | 'POLICY_EXISTS' | 'INVALID_CURSOR';

/** A refused store operation. `status` is the HTTP status a handler should answer with. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    readonly status: number,
    message: string,
    /** For `INVALID_POLICY`: every finding of the refused document (errors first). */
    readonly findings?: Finding[],
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------

export async function createPolicy(input: CreatePolicyInput): Promise<CreatePolicyResult> {
  const accountId = checkId(input.account_id, 'account_id');
  const policyId = input.policy_id === undefined ? randomUUID().replace(/-/g, '') : checkId(input.policy_id, 'policy_id');
  const name = checkText(input.name, 'name', MAX_NAME_LENGTH, true);
  const description = input.description === undefined ? undefined : checkText(input.description, 'description', MAX_DESCRIPTION_LENGTH, false);
  const type: PolicyType = input.type ?? 'identity';
  if (type !== 'identity' && type !== 'scp') throw new StoreError('INVALID_INPUT', 400, 'type must be "identity" or "scp".');
  const { text, syntax, findings } = checkDocument(input.document, type, input.scp_revision);

  const now = new Date().toISOString();
  const item = {
    account_id: accountId,
    policy_id: policyId,
    name,
    type,
    syntax,
    ...(description === undefined ? {} : { description }),
    default_version: 'v1',
    next_version: 2,
    versions: { v1: { document: text, created_at: now } },
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
  const policy = toStoredPolicy(item);
  return { policy, findings };
}

export async function getPolicy(accountId: string, policyId: string): Promise<StoredPolicy | null> {
  checkId(accountId, 'account_id');
  checkId(policyId, 'policy_id');
  const { Item } = await PolicyEntity.build(GetItemCommand).key({ account_id: accountId, policy_id: policyId }).options({ consistent: true }).send();
  return Item ? toStoredPolicy(Item) : null;
}

/** The version the engine evaluates. */
export function defaultVersion(policy: StoredPolicy): PolicyVersionRecord {
  const v = policy.versions.find((x) => x.is_default);
  if (!v) throw new Error(`policy ${policy.policy_id} has no default version ${policy.default_version}`);
  return v;
}

/** Policies of an account, by type and name, a page at a time (reads the `gsi1` index: eventually consistent on AWS). */
export async function listPolicies(accountId: string, options: ListPoliciesOptions = {}): Promise<PolicyPage> {
  checkId(accountId, 'account_id');
  const limit = options.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new StoreError('INVALID_INPUT', 400, `limit must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  if (options.type !== undefined && options.type !== 'identity' && options.type !== 'scp') throw new StoreError('INVALID_INPUT', 400, 'type must be "identity" or "scp".');
  const partition = policiesGsi1pk(accountId);
  const exclusiveStartKey = options.cursor === undefined ? undefined : decodeCursor(options.cursor, accountId, options.type);

  const query = PolicyTable.build(QueryCommand)
    .entities(PolicyEntity)
    .query(options.type ? { index: GSI1, partition, range: { beginsWith: `${options.type}#` } } : { index: GSI1, partition });
  const { Items = [], LastEvaluatedKey } = await (exclusiveStartKey ? query.options({ limit, exclusiveStartKey }) : query.options({ limit })).send();
  return {
    items: Items.map((i) => {
      const { versions, ...summary } = toStoredPolicy(i);
      return { ...summary, version_ids: versions.map((v) => v.version_id) };
    }),
    next_cursor: LastEvaluatedKey ? encodeCursor(LastEvaluatedKey, options.type) : null,
  };
}

// ---------------------------------------------------------------------------------------------------------

interface PolicyItem {
  account_id: string;
  policy_id: string;
  name: string;
  type: 'identity' | 'scp';
  syntax: '5.0' | '1.1';
  description?: string | undefined;
  default_version: string;
  next_version: number;
  versions: Record<string, { document: string; created_at: string }>;
  revision: number;
  created_at: string;
  updated_at: string;
}

function toStoredPolicy(item: PolicyItem): StoredPolicy {
  const versions = Object.entries(item.versions)
    .map(([version_id, v]) => ({ version_id, document: v.document, is_default: version_id === item.default_version, created_at: v.created_at }))
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
    etag: `"${item.revision}"`,
    created_at: item.created_at,
    updated_at: item.updated_at,
  };
  if (item.description !== undefined) policy.description = item.description;
  return policy;
}

const versionNumber = (id: string): number => Number(id.slice(1));

function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new StoreError('INVALID_INPUT', 400, `${field} must be 1-64 characters from A-Z, a-z, 0-9, "_", ".", ":" and "-".`);
  }
  return value;
}

function checkText(value: unknown, field: string, max: number, required: boolean): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || (required && value.trim() === '') || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new StoreError('INVALID_INPUT', 400, `${field} must be a string of ${required ? '1' : '0'}-${max} characters without control characters.`);
  }
  return value;
}

function checkDocument(document: PolicyDocument | string, type: PolicyType, scpRevision: ScpRevision | undefined): { text: string; syntax: PolicySyntax; findings: Finding[] } {
  let text: string;
  if (typeof document === 'string') text = document;
  else if (document !== null && typeof document === 'object' && !Array.isArray(document)) text = JSON.stringify(document);
  else throw new StoreError('INVALID_INPUT', 400, 'document must be a JSON object or its JSON text.');
  if (text.length > MAX_DOCUMENT_TEXT) throw new StoreError('INVALID_INPUT', 400, `The document text is ${text.length} characters; at most ${MAX_DOCUMENT_TEXT} are stored.`);
  const analysis = analyzePolicy(text, scpRevision ? { type, scp_revision: scpRevision } : { type });
  if (!analysis.valid || !analysis.policy) {
    const errors = analysis.findings.filter((f) => f.severity === 'error');
    const first = errors[0];
    throw new StoreError('INVALID_POLICY', 400, `The ${type === 'scp' ? 'SCP' : 'policy'} has ${errors.length} error finding(s)${first ? `, first: ${first.code} ${first.message}` : ''}`, analysis.findings);
  }
  return { text, syntax: analysis.policy.version, findings: analysis.findings };
}

function isConditionFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ConditionalCheckFailedException';
}

// Cursors: the page's LastEvaluatedKey, bound to the account and the type filter it was issued for.
interface CursorBody {
  t: string | null;
  k: Record<string, string>;
}
const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;

function encodeCursor(lastKey: Record<string, unknown>, type: PolicyType | undefined): string {
  const k: Record<string, string> = {};
  for (const a of KEY_ATTRIBUTES) if (typeof lastKey[a] === 'string') k[a] = lastKey[a];
  const body: CursorBody = { t: type ?? null, k };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, accountId: string, type: PolicyType | undefined): Record<string, string> {
  const invalid = (): StoreError => new StoreError('INVALID_CURSOR', 400, 'cursor is not a next_cursor of this listing.');
  if (typeof cursor !== 'string' || cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let body: CursorBody;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorBody;
  } catch {
    throw invalid();
  }
  const k = body?.k;
  if (!k || typeof k !== 'object' || (body.t ?? null) !== (type ?? null)) throw invalid();
  for (const a of KEY_ATTRIBUTES) if (typeof k[a] !== 'string') throw invalid();
  if (k.pk !== accountPk(accountId) || k.gsi1pk !== policiesGsi1pk(accountId) || (type && !k.gsi1sk?.startsWith(policiesGsi1sk(type, '')))) throw invalid();
  return { pk: k.pk, sk: k.sk as string, gsi1pk: k.gsi1pk, gsi1sk: k.gsi1sk as string };
}
