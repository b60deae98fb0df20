/**
 * Revalidation on change (functions/revalidate-stream.ts) with the DynamoDB stream events AWS sends
 * (test/fixtures/events), and the catalog sweep (functions/revalidate-sweep.ts) with the scheduled event,
 * against DynamoDB Local (its stream is not polled in the tests: the records are built from the items the
 * store wrote, as DynamoDB would emit them). The flag shows in GET /v1/policies/{id}.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as streamHandler } from '../functions/revalidate-stream.js';
import { createSweepHandler, handler as sweepHandler } from '../functions/revalidate-sweep.js';
import { catalogVersion } from '../lib/catalog/catalog.js';
import { createEvaluator } from '../lib/engine/engine.js';
import { getDocumentClient } from '../store/client.js';
import { readStamp } from '../store/counters.js';
import { PolicyEntity } from '../store/entities.js';
import { createPolicy, createPolicyVersion, getPolicy } from '../store/index.js';
import { readSweepState, revalidatePolicyById, scanPolicies, writeSweepState } from '../store/revalidation.js';
import { client, startLocalApi, type Client } from './support/api.js';
import { lambdaContext } from './support/events.js';
import { loadEvent, streamEvent, streamRecord } from './support/fixtures.js';

const CV = catalogVersion();
const ACC = 'acc-reval';
const BROKEN_DOC = '{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ims:images:frobnicate"]}]}';
const LIST_DOC = '{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ims:images:list"]}]}';
/** Valid until 1.1 Resources on IMS became an error (V11_RESOURCE_NOT_SUPPORTED): a Deny narrowed to one image. */
const V11_RESOURCE_DOC = '{"Version":"1.1","Statement":[{"Effect":"Deny","Action":["ims:images:delete"],"Resource":["ims:cn-north-4:acc-1:image:img-1"]}]}';

let stop: () => Promise<void>;
let tableName = '';
let api: Client;
let lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const started = await startLocalApi('revalidate');
  stop = started.stop;
  tableName = started.db.tableName;
  api = await client(ACC);
});
afterAll(async () => stop?.());
afterEach(() => vi.restoreAllMocks());

function capture(): void {
  lines = [];
  const push = (...args: unknown[]): void => {
    try {
      lines.push(JSON.parse(args.map(String).join(' ')) as Record<string, unknown>);
    } catch {
      /* not JSON */
    }
  };
  vi.spyOn(console, 'log').mockImplementation(push);
  vi.spyOn(console, 'warn').mockImplementation(push);
  vi.spyOn(console, 'error').mockImplementation(push);
}

/** Runs the stream function; returns the failed sequence numbers and the summary line's counts. */
async function stream(event: DynamoDBStreamEvent): Promise<{ failures: string[]; counts: Record<string, unknown> }> {
  capture();
  const r = await streamHandler(event, lambdaContext);
  vi.restoreAllMocks();
  expect(Object.keys(r)).toEqual(['batchItemFailures']);
  const counts = lines.find((l) => l.fn === 'revalidate-stream' && l.level === 'info') ?? {};
  return { failures: r.batchItemFailures.map((f) => f.itemIdentifier), counts };
}

const key = (account: string, policyId: string): { pk: string; sk: string } => ({ pk: `ACCT#${account}`, sk: `POLICY#${policyId}` });
async function raw(account: string, policyId: string): Promise<Record<string, unknown>> {
  const { Item } = await getDocumentClient().send(new GetCommand({ TableName: tableName, Key: key(account, policyId), ConsistentRead: true }));
  if (!Item) throw new Error(`no item ${account}/${policyId}`);
  return Item;
}
const putRaw = (item: Record<string, unknown>): Promise<unknown> => getDocumentClient().send(new PutCommand({ TableName: tableName, Item: item }));

/** Writes a policy straight through the entity, bypassing validation (a document a newer catalog rejects). */
async function putUnvalidated(account: string, policyId: string, document: string): Promise<void> {
  const now = new Date().toISOString();
  await PolicyEntity.build(PutItemCommand)
    .item({
      account_id: account,
      policy_id: policyId,
      name: `unvalidated ${policyId}`,
      type: 'identity',
      syntax: '1.1',
      default_version: 'v1',
      next_version: 2,
      versions: { v1: { document, created_at: now, findings: '[]' } },
      revision: 1,
      created_at: now,
      updated_at: now,
    })
    .send();
}

describe('stream records (fixture dynamodb-stream-policy.json)', () => {
  const fixture = loadEvent<DynamoDBStreamEvent>('dynamodb-stream-policy.json');
  const [insert, modify, remove] = fixture.Records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord];
  const image = (r: DynamoDBRecord): Record<string, unknown> => unmarshall(r.dynamodb?.NewImage as Record<string, AttributeValue>);

  it('INSERT: every version is revalidated and stored beside the policy; revision, updated_at and the change counter stay', async () => {
    await putRaw(image(insert)); // the item DynamoDB held when it emitted the record
    const stampBefore = (await readStamp('acc-stream')).stamp;
    const { failures, counts } = await stream(streamEvent(insert));
    expect(failures).toEqual([]);
    expect(counts).toMatchObject({ records: 1, written: 1, failed: 0 });
    const p = await getPolicy('acc-stream', 'p-stream');
    expect(p.revision).toBe(1);
    expect(p.etag).toBe('"1"');
    expect(p.updated_at).toBe('2026-11-22T05:00:00.000Z');
    expect(p.revalidation).toMatchObject({ catalog_version: CV, revision: 1, has_errors: false, newly_failing: false, error_versions: [], findings: { v1: [] } });
    expect(Date.parse(p.revalidation!.checked_at)).toBeGreaterThan(Date.now() - 60_000);
    expect((await readStamp('acc-stream')).stamp).toBe(stampBefore);
  });

  it("the record of the revalidation's own write is skipped (no loop); so is a redelivery of done work", async () => {
    const before = await raw('acc-stream', 'p-stream');
    const own = streamRecord('MODIFY', { newItem: before, oldItem: image(insert) });
    const r = await stream(streamEvent(own, own));
    expect(r.failures).toEqual([]);
    expect(r.counts).toMatchObject({ written: 0, up_to_date: 2 });
    expect(await raw('acc-stream', 'p-stream')).toEqual(before);
    // The original INSERT again (its image has no revalidation): the conditional write refuses, nothing changes.
    const again = await stream(streamEvent(insert));
    expect(again.failures).toEqual([]);
    expect(again.counts).toMatchObject({ written: 0, skipped: 1 });
    expect(await raw('acc-stream', 'p-stream')).toEqual(before);
  });

  it('MODIFY (a new version, revision 2): revalidated again, both versions', async () => {
    await putRaw({ ...image(modify), revalidation: (await raw('acc-stream', 'p-stream')).revalidation }); // a store write keeps the old revalidation
    const r = await stream(streamEvent(modify));
    expect(r.failures).toEqual([]);
    expect(r.counts).toMatchObject({ written: 1 });
    const p = await getPolicy('acc-stream', 'p-stream');
    expect(p.revision).toBe(2);
    expect(p.revalidation).toMatchObject({ revision: 2, has_errors: false });
    expect(Object.keys(p.revalidation!.findings!)).toEqual(['v1', 'v2']);
    // A stale record (revision 1) arriving late writes nothing over the newer check.
    const stale = await stream(streamEvent(insert));
    expect(stale.counts).toMatchObject({ written: 0, skipped: 1 });
    expect((await getPolicy('acc-stream', 'p-stream')).revalidation?.revision).toBe(2);
  });

  it('REMOVE: nothing to do', async () => {
    const before = await raw('acc-stream', 'p-stream');
    const r = await stream(streamEvent(remove));
    expect(r.failures).toEqual([]);
    expect(r.counts).toMatchObject({ ignored: 1, written: 0 });
    expect(await raw('acc-stream', 'p-stream')).toEqual(before);
  });

  it('the whole fixture batch in one event (INSERT, MODIFY, REMOVE), delivered again: no failures, no writes', async () => {
    const r = await stream(fixture);
    expect(r.failures).toEqual([]);
    expect(r.counts).toMatchObject({ records: 3, written: 0, failed: 0 });
  });
});

describe('malformed and other records (fixture dynamodb-stream-malformed.json)', () => {
  it('records without a new image, with an image that is no policy, or without keys are failures; other items are ignored', async () => {
    const event = loadEvent<DynamoDBStreamEvent>('dynamodb-stream-malformed.json');
    const r = await stream(event);
    expect(r.failures).toEqual(['400000000000000000004', '500000000000000000005', '600000000000000000006']);
    expect(r.counts).toMatchObject({ records: 4, failed: 3, ignored: 1 });
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.map((e) => e.why)).toEqual(expect.arrayContaining([expect.stringContaining('without a NewImage'), expect.stringContaining('revision'), expect.stringContaining('no pk/sk')]));
  });

  it('a record without even a sequence number is reported with an empty identifier (Lambda retries, then bisects, the batch)', async () => {
    const r = await stream({ Records: [{ eventName: 'INSERT' } as DynamoDBRecord] });
    expect(r.failures).toEqual(['']);
    expect((await stream({} as DynamoDBStreamEvent)).failures).toEqual([]);
  });

  it('a failing record does not stop the good ones of its batch; the good ones are not reported', async () => {
    await createPolicy({ account_id: ACC, policy_id: 'p-mixed', name: 'mixed', document: LIST_DOC });
    const good = streamRecord('INSERT', { newItem: await raw(ACC, 'p-mixed') });
    const bad = loadEvent<DynamoDBStreamEvent>('dynamodb-stream-malformed.json').Records[0] as DynamoDBRecord;
    const r = await stream(streamEvent(bad, good));
    expect(r.failures).toEqual([bad.dynamodb?.SequenceNumber]);
    expect((await getPolicy(ACC, 'p-mixed')).revalidation?.catalog_version).toBe(CV);
  });

  it('a DynamoDB fault is reported for retry', async () => {
    await createPolicy({ account_id: ACC, policy_id: 'p-fault', name: 'fault', document: LIST_DOC });
    const record = streamRecord('INSERT', { newItem: await raw(ACC, 'p-fault') });
    process.env.POLICY_TABLE = 'no-such-table';
    try {
      expect((await stream(streamEvent(record))).failures).toEqual([record.dynamodb?.SequenceNumber]);
    } finally {
      process.env.POLICY_TABLE = tableName;
    }
    expect((await stream(streamEvent(record))).failures).toEqual([]);
  });
});

describe('a policy that no longer validates', () => {
  it('is flagged in GET /v1/policies/{id} (has_errors, newly_failing, the findings), and in the list without findings', async () => {
    await putUnvalidated(ACC, 'p-broken', BROKEN_DOC);
    const r = await stream(streamEvent(streamRecord('INSERT', { newItem: await raw(ACC, 'p-broken') })));
    expect(r.failures).toEqual([]);
    expect(lines.find((l) => l.level === 'warn')).toMatchObject({ fn: 'revalidate-stream', account_id: ACC, policy_id: 'p-broken', error_versions: ['v1'], catalog_version: CV });

    const got = await api.get('/v1/policies/p-broken');
    expect(got.status, got.text).toBe(200);
    expect(got.json.revalidation).toMatchObject({ catalog_version: CV, revision: 1, has_errors: true, newly_failing: true, error_versions: ['v1'] });
    expect(got.json.revalidation.findings.v1.map((f: { code: string; severity: string }) => [f.severity, f.code])).toContainEqual(['error', 'UNKNOWN_ACTION']);
    expect(got.headers.etag).toBe('"1"');

    const list = await api.get('/v1/policies?include_system=false');
    const entry = list.json.items.find((p: { policy_id: string }) => p.policy_id === 'p-broken');
    expect(entry.revalidation).toMatchObject({ has_errors: true, error_versions: ['v1'] });
    expect(entry.revalidation.findings).toBeUndefined();

    // A policy never revalidated has no revalidation field.
    await createPolicy({ account_id: ACC, policy_id: 'p-fresh', name: 'fresh', document: LIST_DOC });
    expect((await api.get('/v1/policies/p-fresh')).json.revalidation).toBeUndefined();
  });

  it('a 1.1 policy naming an IMS resource, stored when that was a warning, is flagged now; by reference it fails closed', async () => {
    await putUnvalidated(ACC, 'p-v11-resource', V11_RESOURCE_DOC);
    const r = await stream(streamEvent(streamRecord('INSERT', { newItem: await raw(ACC, 'p-v11-resource') })));
    expect(r.failures).toEqual([]);
    expect(lines.find((l) => l.level === 'warn')).toMatchObject({ policy_id: 'p-v11-resource', error_versions: ['v1'] });
    const got = await api.get('/v1/policies/p-v11-resource');
    expect(got.json.revalidation).toMatchObject({ has_errors: true, newly_failing: true, error_versions: ['v1'] });
    expect(got.json.revalidation.findings.v1.map((f: { code: string; severity: string; path: string }) => [f.severity, f.code, f.path])).toContainEqual([
      'error',
      'V11_RESOURCE_NOT_SUPPORTED',
      '/Statement/0/Resource/0',
    ]);
    // The engine refuses the stored document as it refuses it inline: no decision from a policy that cannot exist.
    const pdp = createEvaluator({ policies: [{ id: 'p-v11-resource', document: V11_RESOURCE_DOC }] }, { policyWarnings: false });
    expect(pdp.error?.error.code).toBe('INVALID_POLICY');
    expect(pdp.evaluate({ action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:img-2' })).toMatchObject({ error: { code: 'INVALID_POLICY' } });
  });

  it('a fixed default version is revalidated on the next change; the old version keeps the flag until it is deleted', async () => {
    await createPolicyVersion(ACC, 'p-broken', { document: LIST_DOC, set_as_default: true });
    await stream(streamEvent(streamRecord('MODIFY', { newItem: await raw(ACC, 'p-broken') })));
    let p = await getPolicy(ACC, 'p-broken');
    expect(p.revalidation).toMatchObject({ revision: 2, has_errors: true, newly_failing: false, error_versions: ['v1'] });
    await api.del('/v1/policies/p-broken/versions/v1');
    await stream(streamEvent(streamRecord('MODIFY', { newItem: await raw(ACC, 'p-broken') })));
    p = await getPolicy(ACC, 'p-broken');
    expect(p.revalidation).toMatchObject({ revision: 3, has_errors: false, newly_failing: false, error_versions: [] });
  });
});

describe('the sweep (schedule, fixture schedule.json)', () => {
  const scheduled = loadEvent<ScheduledEvent>('schedule.json');

  async function sweep(run = sweepHandler, context = lambdaContext): Promise<Awaited<ReturnType<typeof sweepHandler>>> {
    capture();
    const r = await run(scheduled, context);
    vi.restoreAllMocks();
    return r;
  }

  async function allPolicies(): Promise<Array<{ account_id: string; policy_id: string; revalidation?: { catalog_version: string; checked_at: string } | undefined }>> {
    const out = [];
    let cursor: string | undefined;
    do {
      const page = await scanPolicies({ limit: 100, cursor });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  it('the first run revalidates every stored policy, then records the catalog version; a rerun does nothing', async () => {
    await putUnvalidated('acc-reval-2', 'p-broken-2', BROKEN_DOC);
    await putUnvalidated('acc-reval-2', 'p-v11-resource-2', V11_RESOURCE_DOC);
    for (let i = 0; i < 5; i++) await createPolicy({ account_id: 'acc-reval-2', policy_id: `p-sweep-${i}`, name: `sweep ${i}`, document: LIST_DOC });
    const policies = await allPolicies();
    const unchecked = policies.filter((p) => p.revalidation?.catalog_version !== CV).length;
    expect(unchecked).toBeGreaterThanOrEqual(7);

    const first = await sweep();
    expect(first).toMatchObject({ status: 'completed', catalog_version: CV, checked: policies.length, written: unchecked });
    expect([...first.newly_failing].sort((a, b) => a.policy_id.localeCompare(b.policy_id))).toEqual([
      { account_id: 'acc-reval-2', policy_id: 'p-broken-2', error_versions: ['v1'] },
      { account_id: 'acc-reval-2', policy_id: 'p-v11-resource-2', error_versions: ['v1'] },
    ]);
    expect(
      lines
        .filter((l) => l.level === 'warn')
        .map((l) => l.policy_id)
        .sort(),
    ).toEqual(['p-broken-2', 'p-v11-resource-2']);
    expect(await readSweepState()).toMatchObject({ catalog_version: CV, checked: policies.length });
    expect((await readSweepState()).cursor).toBeUndefined();
    expect((await getPolicy('acc-reval-2', 'p-broken-2')).revalidation).toMatchObject({ has_errors: true, newly_failing: true });
    const after = await allPolicies();
    expect(after.every((p) => p.revalidation?.catalog_version === CV)).toBe(true);

    const rerun = await sweep();
    expect(rerun).toMatchObject({ status: 'up_to_date', checked: 0, written: 0, pages: 0 });
    expect(await allPolicies()).toEqual(after);
  });

  it('a changed catalog version revalidates every policy again (simulated: older version in the state and on the items)', async () => {
    // As if everything had been swept under the previous catalog.
    for (const p of await allPolicies()) await revalidatePolicyById(p.account_id, p.policy_id, 'catalog-before');
    await writeSweepState({ catalog_version: 'catalog-before', checked: 0 });
    const count = (await allPolicies()).length;
    const r = await sweep();
    expect(r).toMatchObject({ status: 'completed', catalog_version: CV, checked: count, written: count });
    // Still failing, but not newly.
    expect(r.newly_failing).toEqual([]);
    expect((await getPolicy('acc-reval-2', 'p-broken-2')).revalidation).toMatchObject({ catalog_version: CV, has_errors: true, newly_failing: false });
    // The same sweep state with this catalog: nothing.
    expect((await sweep()).status).toBe('up_to_date');
  });

  it('is bounded per run: it stops before the time runs out and the next run continues from the stored cursor', async () => {
    const count = (await allPolicies()).length;
    await writeSweepState({ catalog_version: 'catalog-before', checked: 0 });
    let remaining = 60_000;
    const context = { ...lambdaContext, getRemainingTimeInMillis: () => (remaining -= 20_000) };
    const small = createSweepHandler({ pageSize: 3, timeReserveMs: 5_000 });
    const first = await sweep(small, context);
    expect(first.status).toBe('partial');
    expect(first.pages).toBe(2);
    const state = await readSweepState();
    expect(state).toMatchObject({ catalog_version: 'catalog-before', in_progress: CV });
    expect(state.cursor).toEqual(expect.any(String));
    let runs = 1;
    let total = first.checked;
    for (;;) {
      remaining = 60_000;
      const next = await sweep(small, context);
      runs++;
      total += next.checked;
      if (next.status === 'completed') break;
      expect(next.status).toBe('partial');
      if (runs > 50) throw new Error('the sweep does not finish');
    }
    expect(total).toBe(count);
    expect(await readSweepState()).toMatchObject({ catalog_version: CV, checked: count });
    expect((await readSweepState()).in_progress).toBeUndefined();
    // Items were already at this catalog: nothing was written.
    expect(lines.find((l) => l.fn === 'revalidate-sweep')).toMatchObject({ written: 0 });
  });

  it('a page limit also bounds a run (maxPages)', async () => {
    await writeSweepState({ catalog_version: 'catalog-before', checked: 0 });
    const r = await sweep(createSweepHandler({ pageSize: 2, maxPages: 1 }));
    expect(r).toMatchObject({ status: 'partial', pages: 1 });
    expect((await sweep(createSweepHandler({ pageSize: 1000 }))).status).toBe('completed');
  });
});
