/**
 * The event-driven functions on the local stack: a table of its own on DynamoDB Local (seeded) + `serverless offline` as a
 * child process on free ports of 127.0.0.1, running the esbuild bundles (dist/functions). serverless-offline
 * ignores `sqs` events (no SQS here), and its `rate(1 day)` schedule will not fire during a test: all three
 * functions are invoked through its Lambda Invoke API (lambdaPort) with the fixture events, as the event
 * source mappings and EventBridge would invoke them on AWS. The batch result is then read over HTTP. The
 * table's stream also reaches revalidateStream here (serverless-offline-dynamodb-streams; test/e2e.test.ts
 * tests that path): for the item written below, whichever of the two invocations comes first writes the
 * revalidation and the other writes nothing (the write is conditional), so the assertions hold either way.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../infra/local/dynamo.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { getDocumentClient } from '../store/client.js';
import { loadEvent, streamEvent, streamRecord } from './support/fixtures.js';
import { startLocalStack, type LocalStack } from './support/offline.js';

const WORKERS = ['batch', 'decisions', 'revalidate-stream', 'revalidate-sweep'];

let stack: LocalStack | undefined;
let db: LocalDynamo | undefined;
let base = '';
let lambda: LambdaClient | undefined;
let token = '';

beforeAll(async () => {
  token = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
  stack = await startLocalStack(WORKERS);
  ({ db, base } = stack);
  lambda = new LambdaClient({ endpoint: stack.lambdaBase, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}, 60_000);

afterAll(async () => {
  lambda?.destroy();
  await stack?.stop();
}, 15_000);

/** Invokes `ims-authz-dev-<function key>` through serverless-offline's Lambda Invoke API (RequestResponse). */
async function invoke(fn: 'batch' | 'revalidateStream' | 'revalidateSweep', event: unknown): Promise<any> {
  const r = await (lambda as LambdaClient).send(new InvokeCommand({ FunctionName: `ims-authz-dev-${fn}`, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }));
  expect(r.StatusCode).toBe(200);
  expect(r.FunctionError, Buffer.from(r.Payload ?? []).toString()).toBeUndefined();
  return JSON.parse(Buffer.from(r.Payload ?? []).toString());
}

describe('offline: workers through the Lambda Invoke API', () => {
  it('batch: the fixture SQS events (good and malformed); only the malformed are reported; the result is read over HTTP', async () => {
    const good = loadEvent<SQSEvent>('sqs-batch.json');
    const bad = loadEvent<SQSEvent>('sqs-malformed.json');
    const r = await invoke('batch', { Records: [...good.Records, ...bad.Records] });
    expect(r).toEqual({ batchItemFailures: bad.Records.map((x) => ({ itemIdentifier: x.messageId })) });
    const res = await fetch(`${base}/v1/decisions/job-1-by-reference`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { status: string; result: { decision: string } };
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ status: 'completed', result: { decision: 'allow' } });
    // Redelivery: one result.
    expect(await invoke('batch', good)).toEqual({ batchItemFailures: [] });
  });

  it('revalidate-stream: the fixture INSERT of a policy is revalidated; its own MODIFY is then skipped', async () => {
    const event = loadEvent<DynamoDBStreamEvent>('dynamodb-stream-policy.json');
    const insert = event.Records[0]!;
    const client = getDocumentClient();
    const item = unmarshall(insert.dynamodb!.NewImage as Record<string, AttributeValue>);
    await client.send(new PutCommand({ TableName: db!.tableName, Item: item }));
    expect(await invoke('revalidateStream', { Records: [insert] })).toEqual({ batchItemFailures: [] });
    const read = async (): Promise<Record<string, unknown> | undefined> =>
      (await client.send(new GetCommand({ TableName: db!.tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }))).Item;
    const after = await read();
    expect(after?.revalidation).toMatchObject({ revision: 1, has_errors: false });
    expect(after?.revision).toBe(1);
    // The MODIFY DynamoDB emits for that write: skipped, the item stays as it is.
    expect(await invoke('revalidateStream', streamEvent(streamRecord('MODIFY', { newItem: after!, oldItem: item })))).toEqual({ batchItemFailures: [] });
    expect(await read()).toEqual(after);
  });

  it('revalidate-sweep: the scheduled event sweeps every policy once, then does nothing', async () => {
    const scheduled = loadEvent<unknown>('schedule.json');
    const first = await invoke('revalidateSweep', scheduled);
    expect(first).toMatchObject({ status: 'completed', newly_failing: [] });
    expect(first.checked).toBeGreaterThanOrEqual(5);
    expect(await invoke('revalidateSweep', scheduled)).toMatchObject({ status: 'up_to_date', checked: 0 });
  });
});
