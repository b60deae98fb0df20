/**
 * Revalidation on change: the DynamoDB stream of the policy table (NEW_AND_OLD_IMAGES, event mapping with
 * `ReportBatchItemFailures` and `bisectBatchOnFunctionError`). For every INSERT or MODIFY of a policy item
 * (sort key `POLICY#...`), every version is checked against the catalog this function runs with, and the
 * findings are stored beside the policy (`revalidation`, store/revalidation.ts) without bumping its
 * revision or the change counters.
 *
 * Records skipped without a write: REMOVE (the findings went with the item), items that are not policies
 * (principals, grants, batch results, the sweep state ...), and images that already carry the
 * revalidation of their own revision under the current catalog: the stream's record of the revalidation's
 * own write (so it never loops), or a redelivered record whose work is done. The write itself is
 * conditional (same revision, no revalidation of it yet), so a stale or redelivered record writes nothing.
 *
 * A record that cannot be read (no keys, no new image, an image that is not a policy item) is reported in
 * `batchItemFailures` (its sequence number): Lambda retries from it, and after `maximumRetryAttempts` sends
 * it to the on-failure destination, so the shard moves on. DynamoDB faults are reported the same way.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchItemFailure, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { catalogVersion } from '../lib/catalog/catalog.js';
import { mapLimit } from '../lib/util/concurrency.js';
import { Logger } from '../lib/util/logger.js';
import { isRevalidated, POLICY_SK_PREFIX, revalidatePolicy, type RevalidationTarget } from '../store/revalidation.js';

const CONCURRENCY = 4;

const log = new Logger('revalidate-stream');

type Result = 'written' | 'up_to_date' | 'skipped' | 'ignored' | 'failed';

export async function handler(event: DynamoDBStreamEvent, _context?: Context): Promise<DynamoDBBatchResponse> {
  const records = Array.isArray(event?.Records) ? event.Records : [];
  const cv = catalogVersion();
  const counts: Record<Result, number> = { written: 0, up_to_date: 0, skipped: 0, ignored: 0, failed: 0 };
  // Records of one item may be handled out of order: each write is conditioned on the revision its image
  // shows, so an older record never overwrites the check of a newer revision.
  const results = await mapLimit(records, CONCURRENCY, (record: DynamoDBRecord) => handleRecord(record, cv));
  for (const r of results) counts[r]++;
  log.info({ catalog_version: cv, records: records.length, ...counts });
  // In stream order. Lambda retries from the lowest reported sequence number. An empty identifier (a record
  // without one) makes it retry the whole batch, then bisect it.
  const batchItemFailures: DynamoDBBatchItemFailure[] = records.filter((_r, i) => results[i] === 'failed').map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' }));
  return { batchItemFailures };
}

export async function handleRecord(record: DynamoDBRecord, cv: string): Promise<Result> {
  const where = { event_id: record?.eventID, sequence_number: record?.dynamodb?.SequenceNumber };
  try {
    const keys = record?.dynamodb?.Keys;
    const sk = keys?.sk?.S;
    if (typeof sk !== 'string' || typeof keys?.pk?.S !== 'string') return failed(where, 'the record has no pk/sk keys');
    if (!sk.startsWith(POLICY_SK_PREFIX)) return 'ignored';
    if (record.eventName === 'REMOVE') return 'ignored';
    if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return failed(where, `unknown eventName ${String(record.eventName)}`);
    const image = record.dynamodb?.NewImage;
    if (!image) return failed(where, `${record.eventName} without a NewImage (the stream must be NEW_IMAGE or NEW_AND_OLD_IMAGES)`);
    const target = policyTarget(unmarshall(image as Record<string, AttributeValue>), keys.pk.S, sk);
    if (typeof target === 'string') return failed(where, target);
    // Already checked: the record of the revalidation's own write, or a redelivery of done work.
    if (isRevalidated(target, cv)) return 'up_to_date';
    const r = await revalidatePolicy(target, cv);
    if (r.outcome === 'written' && r.revalidation.newly_failing) {
      log.warn('stored policy no longer validates', {
        account_id: target.account_id,
        policy_id: target.policy_id,
        revision: target.revision,
        error_versions: [...(r.revalidation.error_versions ?? [])],
        catalog_version: cv,
      });
    }
    return r.outcome;
  } catch (err) {
    return failed(where, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  }
}

function failed(where: Record<string, unknown>, why: string): 'failed' {
  log.error('record not processed', { why, ...where });
  return 'failed';
}

/** The policy item of a stream image, or why the image is not one. */
function policyTarget(item: Record<string, unknown>, pk: string, sk: string): RevalidationTarget | string {
  const { account_id, policy_id, type, revision, versions, revalidation } = item;
  if (typeof account_id !== 'string' || typeof policy_id !== 'string') return 'the image has no account_id/policy_id';
  if (pk !== `ACCT#${account_id}` || sk !== `${POLICY_SK_PREFIX}${policy_id}`) return 'the image does not match its keys';
  if (type !== 'identity' && type !== 'scp') return 'the image has no policy type';
  if (typeof revision !== 'number' || !Number.isInteger(revision)) return 'the image has no revision';
  if (!versions || typeof versions !== 'object' || Array.isArray(versions)) return 'the image has no versions';
  const docs: Record<string, { document: string }> = {};
  for (const [id, v] of Object.entries(versions as Record<string, unknown>)) {
    const document = (v as { document?: unknown } | null)?.document;
    if (!/^v[1-9][0-9]*$/.test(id) || typeof document !== 'string') return `version ${id} of the image has no document`;
    docs[id] = { document };
  }
  if (Object.keys(docs).length === 0) return 'the image has no versions';
  const target: RevalidationTarget = { account_id, policy_id, type, revision, versions: docs };
  const r = revalidation as { catalog_version?: unknown; revision?: unknown; has_errors?: unknown } | undefined;
  if (r && typeof r.catalog_version === 'string' && typeof r.revision === 'number' && typeof r.has_errors === 'boolean') {
    target.revalidation = { catalog_version: r.catalog_version, revision: r.revision, has_errors: r.has_errors };
  }
  return target;
}
