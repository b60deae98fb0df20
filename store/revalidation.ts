/**
 * Revalidation of stored policies against the catalog the service runs with (a newer catalog can make a
 * document that validated when it was written invalid: a removed action, a condition key no longer
 * supported ...). Used by the stream function (a changed policy) and the sweep (every policy, once per
 * catalog version).
 *
 * The result is the `revalidation` attribute of the policy item: every version's findings, whether any
 * has errors, and the catalog version and policy revision checked. Writing it is one UpdateItem that
 * touches nothing else: not `revision`, not `updated_at`, not the change counters (a revalidation changes
 * no decision: the engine fails closed on a stored policy that no longer validates).
 *
 * Idempotent: the write is conditioned on the item still being at the revision checked, and on it not
 * carrying a revalidation of that revision and catalog version already. A redelivered stream record, a
 * second sweep or a stream record for the revalidation's own write therefore writes nothing.
 */
import { $set, UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { ScanCommand } from 'dynamodb-toolbox/table/actions/scan';
import type { Finding, PolicyType } from '../lib/types.js';
import { analyzePolicy } from '../lib/validate/validate.js';
import { isConditionFailure, nowIso } from './common.js';
import { PolicyEntity, SweepEntity } from './entities.js';
import { invalidInput } from './errors.js';
import type { PolicyItem, RevalidationItem } from './policy-items.js';
export { POLICY_SK_PREFIX } from './keys.js';
import { PolicyTable } from './table.js';

/** What revalidation needs of a policy item (a stream image or a scanned item). */
export interface RevalidationTarget {
  account_id: string;
  policy_id: string;
  type: PolicyType;
  revision: number;
  versions: Record<string, { document: string }>;
  revalidation?: Pick<RevalidationItem, 'catalog_version' | 'revision' | 'has_errors'> | undefined;
}

export type RevalidationOutcome =
  /** The revalidation was written. */
  | { outcome: 'written'; revalidation: RevalidationItem }
  /** The target already carries a revalidation of its revision under this catalog version. */
  | { outcome: 'up_to_date' }
  /** Nothing written: the item changed since (or is gone), or another delivery wrote the same revalidation. */
  | { outcome: 'skipped' };

/** Whether `target` already carries the revalidation of its current revision under `catalogVersion`. */
export function isRevalidated(target: Pick<RevalidationTarget, 'revision' | 'revalidation'>, catalogVersion: string): boolean {
  return target.revalidation?.catalog_version === catalogVersion && target.revalidation.revision === target.revision;
}

/** Checks every version of `target` with the validator (the catalog it was built with). */
export function computeRevalidation(target: RevalidationTarget, catalogVersion: string, checkedAt = nowIso()): RevalidationItem {
  const findings: Record<string, Finding[]> = {};
  const errorVersions: string[] = [];
  for (const versionId of Object.keys(target.versions).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))) {
    const analysis = analyzePolicy((target.versions[versionId] as { document: string }).document, { type: target.type });
    findings[versionId] = analysis.findings;
    if (analysis.findings.some((f) => f.severity === 'error')) errorVersions.push(versionId);
  }
  const hasErrors = errorVersions.length > 0;
  return {
    catalog_version: catalogVersion,
    checked_at: checkedAt,
    revision: target.revision,
    has_errors: hasErrors,
    newly_failing: hasErrors && target.revalidation?.has_errors !== true,
    ...(hasErrors ? { error_versions: new Set(errorVersions) } : {}),
    findings: JSON.stringify(findings),
  };
}

/** Revalidates `target` and stores the result on its item (see the module comment for the conditions). */
export async function revalidatePolicy(target: RevalidationTarget, catalogVersion: string): Promise<RevalidationOutcome> {
  if (isRevalidated(target, catalogVersion)) return { outcome: 'up_to_date' };
  const revalidation = computeRevalidation(target, catalogVersion);
  try {
    await PolicyEntity.build(UpdateItemCommand)
      .item({ account_id: target.account_id, policy_id: target.policy_id, revalidation: $set(revalidation) })
      .options({
        condition: {
          and: [
            { attr: 'revision', eq: target.revision },
            {
              or: [
                { attr: 'revalidation', exists: false },
                { attr: 'revalidation.catalog_version', ne: catalogVersion },
                { attr: 'revalidation.revision', ne: target.revision },
              ],
            },
          ],
        },
      })
      .send();
  } catch (err) {
    if (isConditionFailure(err)) return { outcome: 'skipped' };
    throw err;
  }
  return { outcome: 'written', revalidation };
}

/** Reads a policy item and revalidates it (`skipped` when there is no such policy). */
export async function revalidatePolicyById(accountId: string, policyId: string, catalogVersion: string): Promise<RevalidationOutcome> {
  const { Item } = await PolicyEntity.build(GetItemCommand).key({ account_id: accountId, policy_id: policyId }).options({ consistent: true }).send();
  if (!Item) return { outcome: 'skipped' };
  return revalidatePolicy(Item, catalogVersion);
}

// ---------------------------------------------------------------------------------------------------------
// The sweep: every stored policy, a page of a Scan at a time.

export interface PolicyScanPage {
  items: PolicyItem[];
  /** Pass as `cursor` for the next page; `undefined` after the last. */
  cursor: string | undefined;
}

/**
 * One page of stored policies of every account (a Scan: items of other entities are filtered out by
 * their entity attribute; at most `limit` items are read per page, so a page may hold fewer policies).
 */
export async function scanPolicies(options: { limit: number; cursor?: string | undefined }): Promise<PolicyScanPage> {
  const start = options.cursor === undefined ? undefined : decodeScanCursor(options.cursor);
  const command = PolicyTable.build(ScanCommand).entities(PolicyEntity);
  const { Items = [], LastEvaluatedKey } = await (start ? command.options({ limit: options.limit, exclusiveStartKey: start }) : command.options({ limit: options.limit })).send();
  return { items: Items as PolicyItem[], cursor: LastEvaluatedKey ? JSON.stringify({ pk: LastEvaluatedKey.pk, sk: LastEvaluatedKey.sk }) : undefined };
}

function decodeScanCursor(cursor: string): Record<string, string> {
  try {
    const k = JSON.parse(cursor) as { pk?: unknown; sk?: unknown };
    if (typeof k.pk === 'string' && typeof k.sk === 'string') return { pk: k.pk, sk: k.sk };
  } catch {
    /* below */
  }
  throw invalidInput('The sweep cursor is not a Scan position.');
}

export interface SweepState {
  /** The catalog version every stored policy was last revalidated against. */
  catalog_version?: string;
  /** The catalog version of a sweep under way, and where it stopped. */
  in_progress?: string;
  cursor?: string;
  checked: number;
  started_at?: string;
  updated_at?: string;
  completed_at?: string;
}

export async function readSweepState(): Promise<SweepState> {
  const { Item } = await SweepEntity.build(GetItemCommand).key({}).options({ consistent: true }).send();
  const state: SweepState = { checked: Item?.checked ?? 0 };
  for (const k of ['catalog_version', 'in_progress', 'cursor', 'started_at', 'updated_at', 'completed_at'] as const) {
    const v = Item?.[k];
    if (v !== undefined) state[k] = v;
  }
  return state;
}

/** Replaces the sweep state (one writer at a time in practice: a daily schedule; every step is idempotent). */
export async function writeSweepState(state: SweepState): Promise<void> {
  await SweepEntity.build(PutItemCommand)
    .item({ ...state, updated_at: nowIso() })
    .send();
}
