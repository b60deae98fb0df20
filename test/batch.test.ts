/**
 * Batch evaluation from SQS (functions/batch.ts) with the SQS events AWS sends (test/fixtures/events),
 * against a table on DynamoDB Local seeded with the examples; results read back over
 * GET /v1/decisions/{correlation_id} (functions/decisions.ts).
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../functions/batch.js';
import { clearReferenceCache } from '../functions/shared/reference.js';
import { seedExamples } from '../infra/local/seed.js';
import { listUsage } from '../store/usage-reader.js';
import { lambdaContext } from './support/events.js';
import { client, startLocalApi, type Client } from './support/api.js';
import { loadEvent, sqsEvent, sqsRecord } from './support/fixtures.js';

const ACC = 'acc-1';
const OTHER = 'acc-batch-other';

let stop: () => Promise<void>;
let tableName = '';
let a: Client;
let other: Client;
let lines: Array<Record<string, unknown>> = [];
let rawLog = '';

beforeAll(async () => {
  const started = await startLocalApi('batch');
  stop = started.stop;
  tableName = started.db.tableName;
  await seedExamples({ endpoint: started.db.endpoint, tableName });
  [a, other] = await Promise.all([client(ACC), client(OTHER)]);
});
afterAll(async () => stop?.());
afterEach(() => vi.restoreAllMocks());

/** Runs the handler with the log captured (one JSON line per console.log/warn/error). */
async function run(event: SQSEvent, context = lambdaContext): Promise<string[]> {
  lines = [];
  rawLog = '';
  const capture = (...args: unknown[]): void => {
    const text = args.map(String).join(' ');
    rawLog += `${text}\n`;
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      /* not a JSON line */
    }
  };
  vi.spyOn(console, 'log').mockImplementation(capture);
  vi.spyOn(console, 'warn').mockImplementation(capture);
  vi.spyOn(console, 'error').mockImplementation(capture);
  const r = await handler(event, context);
  vi.restoreAllMocks();
  expect(Object.keys(r)).toEqual(['batchItemFailures']);
  return r.batchItemFailures.map((f) => f.itemIdentifier);
}

const decisionLines = (): Array<Record<string, unknown>> => lines.filter((l) => l.fn === 'batch');
const fixture = (name: string): SQSEvent => loadEvent<SQSEvent>(name);
const rec = (event: SQSEvent, i: number): SQSRecord => event.Records[i] as SQSRecord;

describe('good messages (fixture sqs-batch.json)', () => {
  it('inline: decided, stored under the correlation id, readable by the account over HTTP', async () => {
    const event = sqsEvent(rec(fixture('sqs-batch.json'), 0));
    expect(await run(event)).toEqual([]);
    const r = await a.get('/v1/decisions/job-1-inline');
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ correlation_id: 'job-1-inline', status: 'completed', message_id: rec(event, 0).messageId });
    expect(r.json.result).toMatchObject({ decision: 'deny', reason: 'explicit_deny', denied_by: { policy_id: 'no-delete' } });
    expect(r.json.decision_id).toBe(r.json.result.decision_id);
    const ttl = Date.parse(r.json.expires_at) - Date.parse(r.json.created_at);
    expect(ttl).toBeGreaterThan(7 * 24 * 3600 * 1000 - 1000);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600 * 1000);
    // One decision log line, with the fields of the issue.
    const [line, ...more] = decisionLines();
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 'info',
      fn: 'batch',
      correlation_id: 'job-1-inline',
      message_id: rec(event, 0).messageId,
      decision_id: r.json.decision_id,
      caller_account: ACC,
      action: 'ims:images:delete',
      resource: 'ims:cn-north-4:acc-1:image:abc',
      decision: 'deny',
      reason: 'explicit_deny',
      catalog_version: r.json.result.catalog_version,
    });
    expect(typeof line?.latency_ms).toBe('number');
  });

  it("by reference: the account's stored principal, the same answer as POST /v1/evaluate", async () => {
    const event = sqsEvent(rec(fixture('sqs-batch.json'), 1));
    expect(await run(event)).toEqual([]);
    // The batch waited (at most 500 ms) for the usage record of its allowed decision: it is there already.
    expect((await listUsage(ACC, { type: 'user', id: 'alice' })).map((r) => r.action)).toEqual(['ims:images:list']);
    const stored = await a.get('/v1/decisions/job-1-by-reference');
    expect(stored.status, stored.text).toBe(200);
    const direct = await a.post('/v1/evaluate', { principal: { user_id: 'alice' }, action: 'ims:images:list', region: 'cn-north-4' });
    expect(direct.status).toBe(200);
    expect(stored.json.result).toMatchObject({ decision: direct.json.decision, reason: direct.json.reason, catalog_version: direct.json.catalog_version });
    expect(stored.json.result.decision).toBe('allow');
    expect(decisionLines()[0]).toMatchObject({ correlation_id: 'job-1-by-reference', caller_account: ACC, action: 'ims:images:list', decision: 'allow' });
  });
});

describe('malformed messages (fixture sqs-malformed.json)', () => {
  it('each is a batch item failure; an error result is stored when the envelope names a correlation id and account', async () => {
    const event = fixture('sqs-malformed.json');
    const [brokenJson, noCorrelation, unknownAction, extraField] = event.Records as [SQSRecord, SQSRecord, SQSRecord, SQSRecord];
    expect(await run(event)).toEqual([brokenJson.messageId, noCorrelation.messageId, unknownAction.messageId, extraField.messageId]);

    // Not JSON: nothing can be stored (its id is unreadable); it goes to the DLQ after maxReceiveCount.
    expect((await a.get('/v1/decisions/job-2-broken')).status).toBe(404);
    // Unknown action: the caller can read why.
    const unknown = await a.get('/v1/decisions/job-2-unknown-action');
    expect(unknown.status, unknown.text).toBe(200);
    expect(unknown.json).toMatchObject({ status: 'error', error: { code: 'UNKNOWN_ACTION' }, message_id: unknownAction.messageId });
    expect(unknown.json.result).toBeUndefined();
    // An envelope with a field it does not define.
    const extra = await a.get('/v1/decisions/job-2-bad-envelope');
    expect(extra.json).toMatchObject({ status: 'error', error: { code: 'INVALID_REQUEST', details: { field: 'priority' } } });

    const codes = decisionLines().map((l) => [l.message_id, l.error_code]);
    expect(codes).toEqual(
      expect.arrayContaining([
        [brokenJson.messageId, 'INVALID_JSON'],
        [noCorrelation.messageId, 'INVALID_MESSAGE'],
        [unknownAction.messageId, 'UNKNOWN_ACTION'],
        [extraField.messageId, 'INVALID_REQUEST'],
      ]),
    );
    expect(decisionLines()).toHaveLength(4);
  });

  it('other unusable bodies: not an object, bad ids, schema errors, an invalid inline policy, > 64 KiB', async () => {
    const cases: Array<[string, string | object, string | null]> = [
      ['array', '[1,2]', null],
      ['empty', '', null],
      ['id with #', { correlation_id: 'a#b', account_id: ACC, request: { action: 'ims:images:list' } }, null],
      ['account missing', { correlation_id: 'm-no-account', request: { action: 'ims:images:list' } }, null],
      ['request not an object', { correlation_id: 'm-request-string', account_id: ACC, request: 'evaluate please' }, 'INVALID_REQUEST'],
      ['no action', { correlation_id: 'm-no-action', account_id: ACC, request: { policies: [] } }, 'INVALID_REQUEST'],
      [
        'invalid inline policy',
        {
          correlation_id: 'm-bad-policy',
          account_id: ACC,
          request: { action: 'ims:images:list', policies: [{ id: 'x', document: { Version: '1.1', Statement: [{ Effect: 'Maybe', Action: ['ims:*:*'] }] } }] },
        },
        'INVALID_POLICY',
      ],
      ['too large', { correlation_id: 'm-too-large', account_id: ACC, request: { action: 'ims:images:list', policies: [{ id: 'x', document: 'x'.repeat(65_500) }] } }, 'INPUT_TOO_LARGE'],
    ];
    const records = cases.map(([, body]) => sqsRecord(body));
    expect(await run(sqsEvent(...records))).toEqual(records.map((r) => r.messageId));
    for (const [name, body, code] of cases) {
      if (code === null) continue;
      const id = (body as { correlation_id: string }).correlation_id;
      const r = await a.get(`/v1/decisions/${id}`);
      expect(r.status, `${name}: ${r.text}`).toBe(200);
      expect(r.json.error.code, name).toBe(code);
    }
  });

  it('a batch mixing good and bad messages reports only the bad ones; the good ones are stored', async () => {
    const suffix = (r: SQSRecord, s: string): SQSRecord => {
      let body = r.body;
      try {
        const m = JSON.parse(body) as { correlation_id?: string };
        if (m.correlation_id) body = JSON.stringify({ ...m, correlation_id: `${m.correlation_id}-${s}` });
      } catch {
        /* broken JSON stays broken */
      }
      return sqsRecord(body);
    };
    const good = fixture('sqs-batch.json').Records.map((r) => suffix(r, 'mixed'));
    const bad = fixture('sqs-malformed.json').Records.map((r) => suffix(r, 'mixed'));
    const records = [bad[0]!, good[0]!, bad[1]!, bad[2]!, good[1]!, bad[3]!];
    const failures = await run(sqsEvent(...records));
    expect(failures.sort()).toEqual(bad.map((r) => r.messageId).sort());
    expect((await a.get('/v1/decisions/job-1-inline-mixed')).json.status).toBe('completed');
    expect((await a.get('/v1/decisions/job-1-by-reference-mixed')).json.status).toBe('completed');
  });
});

describe('definite refusals and faults', () => {
  it('an unknown principal, or one of another account, is stored as an error and not retried', async () => {
    const records = [
      sqsRecord({ correlation_id: 'r-unknown-user', account_id: ACC, request: { principal: { user_id: 'nobody' }, action: 'ims:images:list' } }),
      sqsRecord({ correlation_id: 'r-foreign-principal', account_id: OTHER, request: { principal: { account_id: ACC, user_id: 'alice' }, action: 'ims:images:list' } }),
    ];
    expect(await run(sqsEvent(...records))).toEqual([]);
    expect((await a.get('/v1/decisions/r-unknown-user')).json).toMatchObject({ status: 'error', error: { code: 'NOT_FOUND' } });
    const foreign = await other.get('/v1/decisions/r-foreign-principal');
    expect(foreign.json).toMatchObject({ status: 'error', error: { code: 'NOT_FOUND' } });
    expect(foreign.text).not.toContain('Alice');
  });

  it('a DynamoDB failure is reported (retried) and stores nothing', async () => {
    const record = sqsRecord({ correlation_id: 'r-fault', account_id: ACC, request: { action: 'ims:images:list', policies: [] } });
    process.env.POLICY_TABLE = 'no-such-table';
    try {
      expect(await run(sqsEvent(record))).toEqual([record.messageId]);
    } finally {
      process.env.POLICY_TABLE = tableName;
    }
    expect(lines.find((l) => l.level === 'error')).toMatchObject({ fn: 'batch', message_id: record.messageId });
    expect(decisionLines().find((l) => l.level === 'info')).toMatchObject({ error_code: 'INTERNAL_ERROR' });
    expect((await a.get('/v1/decisions/r-fault')).status).toBe(404);
    // The retry succeeds.
    expect(await run(sqsEvent({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }))).toEqual([]);
    expect((await a.get('/v1/decisions/r-fault')).json.status).toBe('completed');
  });

  it('messages not started because the function is about to time out are reported, not half-processed', async () => {
    const records = [
      sqsRecord({ correlation_id: 'r-late-1', account_id: ACC, request: { action: 'ims:images:list', policies: [] } }),
      sqsRecord({ correlation_id: 'r-late-2', account_id: ACC, request: { action: 'ims:images:list', policies: [] } }),
    ];
    expect(await run(sqsEvent(...records), { ...lambdaContext, getRemainingTimeInMillis: () => 500 })).toEqual(records.map((r) => r.messageId));
    expect((await a.get('/v1/decisions/r-late-1')).status).toBe(404);
  });

  it('an event without records answers with no failures', async () => {
    expect(await run({ Records: [] })).toEqual([]);
  });
});

describe('idempotence', () => {
  it('the same message delivered twice stores one result (the first); the second delivery is logged as a duplicate', async () => {
    const record = sqsRecord({
      correlation_id: 'dup-1',
      account_id: ACC,
      request: { action: 'ims:images:get', policies: [{ id: 'all', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] } }] },
    });
    expect(await run(sqsEvent(record))).toEqual([]);
    const first = await a.get('/v1/decisions/dup-1');
    const firstLine = decisionLines()[0];
    expect(firstLine?.duplicate).toBeUndefined();
    expect(await run(sqsEvent({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }))).toEqual([]);
    expect(decisionLines()[0]).toMatchObject({ correlation_id: 'dup-1', duplicate: true });
    const second = await a.get('/v1/decisions/dup-1');
    expect(second.json).toEqual(first.json);
    // Both copies in one batch, and another message reusing the correlation id: still the first result.
    const reuse = sqsRecord({ correlation_id: 'dup-1', account_id: ACC, request: { action: 'ims:images:get', policies: [] } });
    expect(await run(sqsEvent(record, record, reuse))).toEqual([]);
    expect((await a.get('/v1/decisions/dup-1')).json).toEqual(first.json);
    expect(first.json.result.decision).toBe('allow');
  });

  it('a malformed message redelivered keeps its first error result and is reported each time (then dead-lettered)', async () => {
    const record = sqsRecord({ correlation_id: 'dup-bad', account_id: ACC, request: { action: 'ims:images:nope', policies: [] } });
    for (let receive = 1; receive <= 3; receive++) {
      expect(await run(sqsEvent({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(receive) } }))).toEqual([record.messageId]);
    }
    const r = await a.get('/v1/decisions/dup-bad');
    expect(r.json).toMatchObject({ status: 'error', error: { code: 'UNKNOWN_ACTION' }, message_id: record.messageId });
  });
});

describe('GET /v1/decisions/{correlation_id}', () => {
  it('tenant isolation: another account gets 404 for a stored result, and its own message with the same id is its own', async () => {
    expect((await other.get('/v1/decisions/job-1-inline')).status).toBe(404);
    const own = sqsRecord({ correlation_id: 'job-1-inline', account_id: OTHER, request: { action: 'ims:images:list', policies: [] } });
    expect(await run(sqsEvent(own))).toEqual([]);
    const mine = await other.get('/v1/decisions/job-1-inline');
    expect(mine.json).toMatchObject({ status: 'completed', message_id: own.messageId, result: { decision: 'deny', reason: 'implicit_deny' } });
    const theirs = await a.get('/v1/decisions/job-1-inline');
    expect(theirs.json.result.decision).toBe('deny');
    expect(theirs.json.message_id).not.toBe(own.messageId);
  });

  it('unknown and malformed ids are 404; the evaluate scope is required', async () => {
    expect((await a.get('/v1/decisions/never-sent')).status).toBe(404);
    const weird = await a.get(`/v1/decisions/${encodeURIComponent('a#b c')}`);
    expect(weird.status).toBe(404);
    expect(weird.json.error.code).toBe('NOT_FOUND');
    const noScope = await client(ACC, ['policies:read']);
    const r = await noScope.get('/v1/decisions/job-1-inline');
    expect(r.status).toBe(403);
  });
});

describe('decision log', () => {
  it('never carries the message body, policy documents or context values', async () => {
    clearReferenceCache();
    const event = fixture('sqs-batch.json');
    const withSecrets = sqsRecord({
      correlation_id: 'log-check',
      account_id: ACC,
      request: { principal: { user_id: 'alice' }, action: 'ims:images:list', region: 'cn-north-4', context: { 'g:SourceIp': '203.0.113.77', 'g:EnterpriseProjectId': 'ep-secret-77' } },
    });
    const broken = sqsRecord('{"correlation_id":"log-broken","account_id":"acc-1","request":{"context":{"g:SourceIp":"203.0.113.78"}');
    await run(sqsEvent(...event.Records.map((r) => sqsRecord(r.body.replace(/"correlation_id":"([^"]+)"/, '"correlation_id":"$1-log"'))), withSecrets, broken));
    expect(decisionLines()).toHaveLength(4);
    for (const secret of ['203.0.113.9', '203.0.113.77', '203.0.113.78', 'ep-secret-77', 'Statement', 'Effect', 'ims:*:*', 'no-delete']) expect(rawLog).not.toContain(secret);
    const decided = decisionLines().filter((l) => 'decision' in l);
    expect(decided).toHaveLength(3);
    for (const line of decided) {
      expect(Object.keys(line).sort()).toEqual(
        [
          'action',
          'caller_account',
          'catalog_version',
          'correlation_id',
          'decision',
          'decision_id',
          'fn',
          'latency_ms',
          'level',
          'message_id',
          'reason',
          ...('resource' in line ? ['resource'] : []),
        ].sort(),
      );
    }
  });
});
