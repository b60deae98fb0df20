/**
 * The policy store failing mid-run, over the real local stack: dynalite in-process (seeded), and
 * `serverless offline` (the bundles) reaching it through a TCP proxy of test/support/fault-proxy.ts, which
 * refuses connections (the store down) or holds every answer for seconds (the store slow).
 *
 * What must hold:
 *  - evaluate/explain by reference fail closed: 503 STORE_UNAVAILABLE, never an allow, never a hang (the
 *    store client's timeouts and the load budget bound it at about 5 s), also for a principal whose policy
 *    set is cached in the warm function (the change stamp must be read, and cannot be);
 *  - inline evaluate keeps answering, correctly and fast;
 *  - the IMS authorizer denies (STORE_UNAVAILABLE); a batch message is reported for retry and stores nothing;
 *  - writes answer 503, and the table is intact afterwards: refused writes changed nothing, a write whose
 *    answer timed out happened entirely or not at all;
 *  - after recovery everything answers as before.
 * The longer variants (a store that hangs, a slow store under 50 connections) are in `npm run load`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET, mintImsToken, mintToken } from '../infra/local/token.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { sqsEvent, sqsRecord } from './support/fixtures.js';
import { runWithFault, standardMix, warmUp } from './support/load.js';
import { startLocalStack, type LocalStack } from './support/offline.js';
import { changedKeys, dumpTable, type Item } from './support/table-dump.js';

const FUNCTIONS = ['evaluate', 'explain', 'policies', 'principals', 'grants', 'authorizer', 'ims-demo', 'batch', 'decisions'];
const REGION = 'cn-north-4';
const RESOURCE = `ims:${REGION}:acc-1:image:abc`;

let proxy: FaultProxy;
let stack: LocalStack;
let token = '';
let aliceToken = '';

interface Answer {
  status: number;
  ms: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, bearer = token): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${stack.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, ms: Date.now() - started, text, json };
}

const byRef = (user: string, action: string): Record<string, unknown> => ({ principal: { account_id: 'acc-1', user_id: user }, region: REGION, action, resource: RESOURCE });
const inline = (action: string): Record<string, unknown> => ({
  principal: { account_id: 'acc-1', user_name: 'alice' },
  action,
  resource: RESOURCE,
  region: REGION,
  policies: [
    { id: 'full', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] } },
    { id: 'no-delete', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } },
  ],
});

function expectUnavailable(a: Answer, what: string): void {
  expect(a.status, `${what}: ${a.text}`).toBe(503);
  expect(a.json?.error?.code, what).toBe('STORE_UNAVAILABLE');
  expect(a.json.error.message).toMatch(/store/);
  expect(a.text).not.toContain('"decision"');
}

/** Invokes a function through serverless-offline's Lambda Invoke API. */
async function invoke(fn: string, event: unknown): Promise<any> {
  const res = await fetch(`${stack.lambdaBase}/2015-03-31/functions/ims-authz-dev-${fn}/invocations`, { method: 'POST', body: JSON.stringify(event) });
  expect(res.status).toBe(200);
  return res.json();
}

/** The AWS-shaped authorizer event of the fixtures, for `bearer`. */
const authorizerEvent = (bearer: string): unknown => JSON.parse(readFileSync(new URL('./fixtures/events/authorizer-v2-request.json', import.meta.url), 'utf8').replaceAll('<token>', bearer));

const dump = (): Promise<Item[]> => dumpTable(stack.db.endpoint, stack.db.tableName);

beforeAll(async () => {
  token = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
  aliceToken = await mintImsToken('acc-1', { user_id: 'alice' }, { secret: LOCAL_JWT_SECRET });
  proxy = await startFaultProxy();
  stack = await startLocalStack(FUNCTIONS, { DYNAMODB_ENDPOINT: proxy.endpoint, IMS_REGION: REGION });
  proxy.setTarget(stack.db.port);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
}, 15_000);

describe('the store healthy (through the proxy)', () => {
  it('by reference, inline and the authorizer answer; alice is now cached in a warm worker', async () => {
    for (let i = 0; i < 2; i++) expect((await call('POST', '/v1/evaluate', byRef('alice', 'ims:images:get'))).json).toMatchObject({ decision: 'allow' });
    expect((await call('POST', '/v1/evaluate', inline('ims:images:get'))).json).toMatchObject({ decision: 'allow' });
    expect((await call('GET', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', undefined, {}, aliceToken)).status).toBe(200);
    expect(await invoke('authorizer', authorizerEvent(aliceToken))).toMatchObject({ isAuthorized: true });
  });
});

describe('the store down (connections refused)', () => {
  let before: Item[] = [];
  let grantId = '';
  let etag = '';
  const correlation = 'fault-batch-1';

  beforeAll(async () => {
    etag = (await call('GET', '/v1/policies/ims-readonly')).json.etag;
    grantId = (await call('GET', '/v1/grants?principal_type=group&principal_id=viewers')).json.items[0].grant_id;
    before = await dump();
    await proxy.setMode({ kind: 'refuse' });
  });

  it('by reference: 503 STORE_UNAVAILABLE at once, for a cached principal too; never a decision', async () => {
    const answers = await Promise.all([
      call('POST', '/v1/evaluate', byRef('alice', 'ims:images:get')),
      call('POST', '/v1/evaluate', byRef('alice', 'ims:images:deleteImage')),
      call('POST', '/v1/evaluate', byRef('bob', 'ims:images:get')),
      call('POST', '/v1/explain', byRef('alice', 'ims:images:get')),
    ]);
    for (const a of answers) {
      expectUnavailable(a, 'by reference');
      expect(a.ms).toBeLessThan(3_000);
    }
  });

  it('inline evaluation keeps answering, correctly', async () => {
    const answers = await Promise.all([...Array(5)].flatMap(() => [call('POST', '/v1/evaluate', inline('ims:images:get')), call('POST', '/v1/evaluate', inline('ims:images:deleteImage'))]));
    answers.forEach((a, i) => {
      expect(a.status, a.text).toBe(200);
      expect(a.json).toMatchObject(i % 2 === 0 ? { decision: 'allow', reason: 'allowed' } : { decision: 'deny', reason: 'explicit_deny' });
    });
  });

  it('writes: 503, nothing half-done', async () => {
    const answers = await Promise.all([
      call('PATCH', '/v1/policies/ims-readonly', { description: 'written while the store was down' }, { 'if-match': etag }),
      call('POST', '/v1/users', { user_id: 'u-outage', name: 'Outage' }),
      call('POST', '/v1/grants', { policy_id: 'system:IMS-FullAccess', principal: { type: 'user', id: 'bob' }, scope: { type: 'global' } }),
      call('PUT', '/v1/groups/viewers/members/alice'),
      call('DELETE', `/v1/grants/${encodeURIComponent(grantId)}`),
      call('POST', '/v1/policies/ims-readonly/versions', { document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'] }] } }, { 'if-match': etag }),
    ]);
    for (const a of answers) expectUnavailable(a, 'write');
  });

  it('the IMS authorizer denies (STORE_UNAVAILABLE): 403 at the gateway', async () => {
    expect((await call('GET', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', undefined, {}, aliceToken)).status).toBe(403);
    expect(await invoke('authorizer', authorizerEvent(aliceToken))).toMatchObject({ isAuthorized: false, context: { reason: 'STORE_UNAVAILABLE' } });
  });

  it('a batch message by reference is reported for retry and stores nothing', async () => {
    const record = sqsRecord({ correlation_id: correlation, account_id: 'acc-1', request: { principal: { user_id: 'alice' }, action: 'ims:images:get', region: REGION } });
    expect(await invoke('batch', sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
  });

  it('after recovery: the table is exactly as before, and everything answers again', async () => {
    await proxy.setMode({ kind: 'pass' });
    expect(changedKeys(before, await dump())).toEqual([]);
    expect((await call('POST', '/v1/evaluate', byRef('alice', 'ims:images:get'))).json).toMatchObject({ decision: 'allow' });
    expect((await call('POST', '/v1/evaluate', byRef('alice', 'ims:images:deleteImage'))).json).toMatchObject({ decision: 'deny', reason: 'explicit_deny' });
    expect((await call('GET', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', undefined, {}, aliceToken)).status).toBe(200);
    expect((await call('GET', `/v1/decisions/${correlation}`)).status).toBe(404);
    // The redelivered message now stores its result.
    const record = sqsRecord({ correlation_id: correlation, account_id: 'acc-1', request: { principal: { user_id: 'alice' }, action: 'ims:images:get', region: REGION } });
    expect(await invoke('batch', sqsEvent(record))).toEqual({ batchItemFailures: [] });
    expect((await call('GET', `/v1/decisions/${correlation}`)).json).toMatchObject({ status: 'completed', result: { decision: 'allow' } });
    // The log: the 503s and the authorizer's deny are lines with the code; no HTTP function answered 500.
    const out = stack.output();
    expect(out).toMatch(/"fn":"evaluate"[^\n]*"status":503[^\n]*"error_code":"STORE_UNAVAILABLE"/);
    expect(out).toMatch(/"fn":"authorizer"[^\n]*"reason":"STORE_UNAVAILABLE"/);
    expect(out).toMatch(/"fn":"batch"[^\n]*"message":"message not processed; it will be retried","error":"Error: connect ECONNREFUSED/);
    expect(out).not.toContain('"message":"unhandled error"');
    expect(out).not.toMatch(/"status":500/);
  });
});

describe('the store slow (answers held 3 s, beyond the client timeout of 2.5 s)', () => {
  it('by reference: 503 within the load budget; inline stays fast; a write whose answer timed out happened entirely', async () => {
    const policy = (await call('GET', '/v1/policies/ims-readonly')).json;
    const before = await dump();
    // Every answer is slow except the PATCH's read of the policy: its UpdateItem reaches the table, and the
    // answer (then the answer to the SDK's retry) comes too late.
    await proxy.setMode({ kind: 'delay', ms: 3_000, when: (request) => !(request.includes('.GetItem') && request.includes('POLICY#ims-readonly')) });
    const started = Date.now();
    const [warm, cold, patched, authz, ...inlines] = await Promise.all([
      call('POST', '/v1/evaluate', byRef('alice', 'ims:images:get')),
      call('POST', '/v1/explain', byRef('bob', 'ims:images:deleteImage')),
      call('PATCH', '/v1/policies/ims-readonly', { description: 'written while the store was slow' }, { 'if-match': policy.etag }),
      invoke('authorizer', authorizerEvent(aliceToken)),
      ...[...Array(6)].map((_x, i) => new Promise<void>((r) => setTimeout(r, i * 300)).then(() => call('POST', '/v1/evaluate', inline('ims:images:get')))),
    ]);
    for (const a of [warm, cold] as Answer[]) {
      expectUnavailable(a, 'by reference');
      expect(a.ms).toBeLessThan(8_000);
    }
    expect(authz).toMatchObject({ isAuthorized: false, context: { reason: 'STORE_UNAVAILABLE' } });
    for (const a of inlines as Answer[]) {
      expect(a.json).toMatchObject({ decision: 'allow' });
      expect(a.ms).toBeLessThan(2_000);
    }
    expectUnavailable(patched as Answer, 'write');
    expect(Date.now() - started).toBeLessThan(12_000);

    await proxy.setMode({ kind: 'pass' });
    const after = (await call('GET', '/v1/policies/ims-readonly')).json;
    // The write happened, whole: the new description with the next revision (its ETag).
    expect(after.description).toBe('written while the store was slow');
    expect(after.etag).toBe(`"${Number(JSON.parse(policy.etag)) + 1}"`);
    expect((await call('PATCH', '/v1/policies/ims-readonly', { description: 'stale' }, { 'if-match': policy.etag })).status).toBe(412);
    // Nothing else changed. Not even the account's change counter: its bump follows the write, which threw
    // (warm caches may serve the previous entry until their 30 s expiry; a description changes no decision).
    expect(changedKeys(before, await dump())).toEqual(['ACCT#acc-1|POLICY#ims-readonly']);
    expect((await call('POST', '/v1/evaluate', byRef('alice', 'ims:images:get'))).json).toMatchObject({ decision: 'allow' });
  }, 30_000);
});

describe('the store down mid-run, under load (autocannon, 8 connections)', () => {
  it('by reference: right answers before and after, 503 in between, never an answer from unchecked data; inline: always right', async () => {
    const mix = standardMix().filter((k) => k.path === '/v1/evaluate');
    await warmUp(stack.base, mix, token, 8, 8);
    const r = await runWithFault(stack.base, mix, {
      title: 'store down mid-run',
      connections: 8,
      duration: 3,
      token,
      at: 0.8,
      seconds: 1.2,
      strict: true,
      begin: () => proxy.setMode({ kind: 'refuse' }),
      end: () => proxy.setMode({ kind: 'pass' }),
    });
    expect(r.violations).toEqual([]);
    expect(r.load.errors).toBe(0);
    const { before, during, after } = r.phases;
    expect(before.by_reference['200']).toBeGreaterThan(0);
    expect(during.by_reference).toEqual({ 503: expect.any(Number) });
    expect(during.inline).toEqual({ 200: expect.any(Number) });
    expect(after.by_reference['200']).toBeGreaterThan(0);
  }, 30_000);
});
