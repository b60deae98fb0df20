/**
 * End to end over the real local stack: a table of its own on DynamoDB Local (seeded) + `serverless offline` as a child
 * process on free ports of 127.0.0.1, running the esbuild bundles in dist/functions (the ones that get
 * deployed; `CODE_ROOT=functions` runs the TypeScript sources instead). Every endpoint is called over HTTP,
 * with good and bad input; nothing may answer 500.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { ROUTES } from '../functions/shared/openapi.js';
import { startLocalStack, type LocalStack } from './support/offline.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FUNCTIONS = ['evaluate', 'explain', 'validate', 'analysis', 'catalog', 'openapi', 'not-found', 'policies', 'principals', 'grants', 'organizations', 'revalidate-stream'];

let stack: LocalStack | undefined;
let base = '';
let token = '';

beforeAll(async () => {
  token = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
  stack = await startLocalStack(FUNCTIONS);
  base = stack.base;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
}, 15_000);

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  expect(res.status, `${method} ${path} answered 500: ${text}`).toBeLessThan(500);
  return { status: res.status, headers: res.headers, text, json };
}

function expectError(a: Answer, status: number): void {
  expect(a.status, a.text).toBe(status);
  expect(a.headers.get('content-type')).toMatch(/^application\/json/);
  expect(typeof a.json?.error?.code).toBe('string');
  expect(typeof a.json?.error?.message).toBe('string');
  expect(a.json.error.message.length).toBeGreaterThan(0);
}

const example = (path: string): string => readFileSync(join(root, 'examples', path), 'utf8');
const deleteRequest = JSON.parse(example('requests/delete-image.json')) as Record<string, unknown>;

describe('POST /v1/evaluate', () => {
  it('denies delete under IMS FullAccess + "deny delete" (explicit deny)', async () => {
    const a = await call('POST', '/v1/evaluate', deleteRequest);
    expect(a.status, a.text).toBe(200);
    expect(a.json).toMatchObject({ decision: 'deny', reason: 'explicit_deny', denied_by: { policy_id: 'no-delete' } });
    expect(a.json.catalog_version).toMatch(/\S/);
  });

  it('allows what the deny does not cover', async () => {
    const a = await call('POST', '/v1/evaluate', { ...deleteRequest, action: 'ims:images:get' });
    expect(a.status, a.text).toBe(200);
    expect(a.json).toMatchObject({ decision: 'allow', reason: 'allowed' });
  });

  it('decides an API call through the SCP chain', async () => {
    const a = await call('POST', '/v1/evaluate', JSON.parse(example('requests/copy-api.json')));
    expect(a.status, a.text).toBe(200);
    expect(a.json).toMatchObject({ decision: 'deny', reason: 'explicit_deny' });
  });
});

describe('POST /v1/explain', () => {
  it('returns the decision with a trace and the readable text', async () => {
    const a = await call('POST', '/v1/explain', deleteRequest);
    expect(a.status, a.text).toBe(200);
    expect(a.json.decision).toBe('deny');
    expect(a.json.trace).toBeTruthy();
    expect(typeof a.json.text).toBe('string');
    expect(a.json.text).toMatch(/^DENY \(explicit_deny\)/);
  });
});

describe('POST /v1/validate', () => {
  it('accepts a valid policy', async () => {
    const a = await call('POST', '/v1/validate', { policy: JSON.parse(example('policies/ims-full-access.json')) });
    expect(a.status, a.text).toBe(200);
    expect(a.json).toMatchObject({ valid: true });
  });

  it('reports a misspelled action with a suggestion', async () => {
    const a = await call('POST', '/v1/validate', { policy: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:dlete'] }] }, type: 'identity' });
    expect(a.status, a.text).toBe(200);
    expect(a.json.valid).toBe(false);
    const finding = a.json.findings.find((f: { code: string }) => f.code === 'UNKNOWN_ACTION');
    expect(finding.suggestions).toContain('ims:images:delete');
  });

  it('keeps source spans when the policy is given as text', async () => {
    const a = await call('POST', '/v1/validate', { policy: example('policies/needs-work.json') });
    expect(a.status, a.text).toBe(200);
    const finding = a.json.findings.find((f: { code: string }) => f.code === 'UNKNOWN_ACTION');
    expect(finding.path).toBe('/Statement/0/Action/0');
    expect(finding.span.start.line).toBe(6);
  });

  it('validates SCPs', async () => {
    const a = await call('POST', '/v1/validate', { policy: example('scps/deny-unencrypted-copy.json'), type: 'scp' });
    expect(a.status, a.text).toBe(200);
    expect(a.json.valid).toBe(true);
  });
});

describe('GET /v1/catalog', () => {
  it('is cacheable: ETag, Cache-Control, 304 on If-None-Match', async () => {
    const a = await call('GET', '/v1/catalog');
    expect(a.status, a.text).toBe(200);
    const etag = a.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(a.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(a.json.version).toBeTruthy();
    expect(etag).toContain(a.json.version);
    expect(Array.isArray(a.json.actions)).toBe(true);

    const again = await call('GET', '/v1/catalog', undefined, { 'if-none-match': etag as string });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });
});

describe('the access analysis routes', () => {
  const doc = (file: string): unknown => JSON.parse(example(file));
  const set = (file: string): unknown => ({ policies: [{ id: file, document: doc(file) }] });

  it('check no-new-access: adding "deny delete" is PASS; removing it is FAIL with a witness evaluate allows', async () => {
    const withDeny = {
      policies: [
        { id: 'full', document: doc('policies/ims-full-access.json') },
        { id: 'no-delete', document: doc('policies/deny-delete.json') },
      ],
    };
    const pass = await call('POST', '/v1/checks/no-new-access', { existing: set('policies/ims-full-access.json'), proposed: withDeny });
    expect(pass.status, pass.text).toBe(200);
    expect(pass.json).toMatchObject({ result: 'PASS', findings: [] });
    const fail = await call('POST', '/v1/checks/no-new-access', { existing: withDeny, proposed: set('policies/ims-full-access.json') });
    expect(fail.json.result).toBe('FAIL');
    const witness = fail.json.findings[0].witness;
    expect((await call('POST', '/v1/evaluate', { ...witness, policies: [{ id: 'full', document: doc('policies/ims-full-access.json') }] })).json.decision).toBe('allow');
    expect((await call('POST', '/v1/evaluate', { ...witness, ...withDeny })).json.decision).toBe('deny');
  });

  it('check access-not-granted, diff and summary answer; bad input is a 4xx', async () => {
    const share = await call('POST', '/v1/checks/access-not-granted', { set: set('policies/share-within-org.json'), actions: ['ims:images:share'], assume: { principal: { type: 'user' } } });
    expect(share.json.findings.map((f: { action: string }) => f.action)).toEqual(['ims:images:share']);
    const scp = { level: 'root', policies: [{ id: 'FullAccess', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] } }] };
    const withGuard = { ...scp, policies: [...scp.policies, { id: 'guard', document: doc('scps/deny-unencrypted-copy.json') }] };
    const d = await call('POST', '/v1/diff', {
      a: { ...(set('policies/ims-full-access.json') as object), scps: [scp] },
      b: { ...(set('policies/ims-full-access.json') as object), scps: [withGuard] },
    });
    expect(d.json.findings.map((f: { kind: string; action: string }) => `${f.kind} ${f.action}`)).toEqual(['lost_access ims:images:copyInRegion']);
    const s = await call('POST', '/v1/summary', { set: set('policies/share-within-org.json') });
    expect(s.status).toBe(200);
    expect(s.json.groups.length).toBeGreaterThan(3);
    expectError(await call('POST', '/v1/diff', { a: {} }), 400);
    expectError(await call('POST', '/v1/summary', { set: set('policies/needs-work.json') }), 422);
    expectError(await call('POST', '/v1/checks/access-not-granted', { set: {}, actions: ['ims:images:dlete'] }), 400);
    expectError(await call('POST', '/v1/summary', '{"set": '), 400);
  });
});

describe('GET /v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document with every route', async () => {
    const a = await call('GET', '/v1/openapi.json');
    expect(a.status, a.text).toBe(200);
    expect(a.json.openapi).toMatch(/^3\.1/);
    expect(Object.keys(a.json.paths).sort()).toEqual([...new Set(ROUTES.map((r) => r.path))].sort());
    expect(a.json.paths['/v1/evaluate'].post).toBeTruthy();
  });
});

describe('stored model over HTTP (seeded data)', () => {
  it('evaluates by reference: the stored grants in scope and the SCPs along the OU path', async () => {
    const principal = { account_id: 'acc-1', user_id: 'alice' };
    const del = await call('POST', '/v1/evaluate', { principal, region: 'cn-north-4', action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc' });
    expect(del.status, del.text).toBe(200);
    expect(del.json).toMatchObject({ decision: 'deny', reason: 'explicit_deny', denied_by: { layer: 'identity', policy_id: 'deny-delete' } });
    const elsewhere = await call('POST', '/v1/evaluate', { principal, region: 'cn-east-3', action: 'ims:images:deleteImage', resource: 'ims:cn-east-3:acc-1:image:abc' });
    expect(elsewhere.json.decision).toBe('allow');
    const copy = await call('POST', '/v1/explain', {
      principal,
      region: 'cn-north-4',
      api: { method: 'POST', path: '/v1/cloudimages/abc/copy', hints: { enterprise_project: false } },
      context: { 'ims:Encrypted': false },
    });
    expect(copy.json.denied_by).toMatchObject({ layer: 'scp', policy_id: 'deny-unencrypted-copy' });
    expect(copy.json.text).toContain('grant');
  });

  it("lists the caller's policies and hides another tenant's (404)", async () => {
    const mine = await call('GET', '/v1/policies');
    expect(mine.status).toBe(200);
    expect(mine.json.items.map((p: { policy_id: string }) => p.policy_id)).toContain('deny-delete');
    const theirs = await call('GET', '/v1/policies/deny-unencrypted-copy');
    expect(theirs.status).toBe(404);
    expect((await call('GET', '/v1/policies', undefined, { authorization: '' })).status).toBe(401);
  });
});

describe("the table's stream offline (DynamoDB Local -> serverless-offline-dynamodb-streams -> revalidateStream)", () => {
  const STREAM_WAIT_MS = 15_000;

  /** GET the policy until its `revalidation` shows `revision`, or fail after STREAM_WAIT_MS. */
  async function revalidated(policyId: string, revision: number): Promise<Answer> {
    const deadline = Date.now() + STREAM_WAIT_MS;
    for (;;) {
      const a = await call('GET', `/v1/policies/${policyId}`);
      expect(a.status, a.text).toBe(200);
      if (a.json.revalidation?.revision === revision) return a;
      if (Date.now() > deadline) throw new Error(`${policyId}: no revalidation of revision ${revision} after ${STREAM_WAIT_MS} ms: ${a.text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The summary lines revalidate-stream logged (one per invocation) in serverless-offline's output. */
  function streamRuns(): Array<Record<string, number>> {
    return (stack?.output() ?? '').split('\n').flatMap((line) => {
      const at = line.indexOf('{"level":"info","fn":"revalidate-stream"');
      if (at < 0) return [];
      const json = JSON.parse(line.slice(at)) as Record<string, unknown>;
      return typeof json.records === 'number' ? [json as Record<string, number>] : [];
    });
  }

  it('a policy written over HTTP is revalidated through the real stream, and the filterPatterns hold offline', async () => {
    const document = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'] }] };
    const created = await call('POST', '/v1/policies', { policy_id: 'stream-e2e', name: 'stream e2e', type: 'identity', document });
    expect(created.status, created.text).toBe(201);
    const started = Date.now();
    const a = await revalidated('stream-e2e', created.json.policy.revision);
    expect(a.json.revalidation).toMatchObject({ has_errors: false, newly_failing: false });
    expect(a.json.revalidation.catalog_version).toMatch(/\S/);
    expect(a.json.policy?.revision ?? a.json.revision).toBe(created.json.policy.revision); // the revalidation bumps nothing
    const firstLatency = Date.now() - started;

    // A REMOVE (the delete) and writes of other items (a user) go on the stream before the next policy: the
    // mapping's filterPatterns (INSERT/MODIFY of POLICY# keys) must keep them from the function, as on AWS.
    expect((await call('DELETE', '/v1/policies/stream-e2e')).status).toBe(204);
    expect((await call('POST', '/v1/users', { user_id: 'stream-e2e-user', name: 'stream e2e' })).status).toBe(201);
    const second = await call('POST', '/v1/policies', { policy_id: 'stream-e2e-2', name: 'stream e2e 2', type: 'identity', document });
    expect(second.status, second.text).toBe(201);
    await revalidated('stream-e2e-2', second.json.policy.revision);

    const runs = streamRuns();
    expect(runs.length).toBeGreaterThan(0);
    // The seeded principals, grants and organization items (read from TRIM_HORIZON), the REMOVE and the user
    // never reached the function: it saw policy INSERT/MODIFY records only.
    expect(runs.reduce((n, r) => n + (r.ignored ?? 0), 0)).toBe(0);
    expect(runs.reduce((n, r) => n + (r.failed ?? 0), 0)).toBe(0);
    // Each revalidation's own write came back as a MODIFY and was recognised (no loop).
    expect(runs.reduce((n, r) => n + (r.up_to_date ?? 0), 0)).toBeGreaterThanOrEqual(2);
    console.info(`stream e2e: first policy revalidated ${firstLatency} ms after its POST; ${runs.length} stream invocations`);
  }, 40_000);
});

describe('bad input', () => {
  it('malformed JSON → 400', async () => {
    expectError(await call('POST', '/v1/evaluate', '{"principal": {'), 400);
    expectError(await call('POST', '/v1/validate', 'not json at all'), 400);
  });

  it('an empty body → 400', async () => {
    expectError(await call('POST', '/v1/explain', ''), 400);
  });

  it('wrong types → 400', async () => {
    expectError(await call('POST', '/v1/evaluate', { ...deleteRequest, action: 42 }), 400);
    expectError(await call('POST', '/v1/evaluate', []), 400);
    expectError(await call('POST', '/v1/validate', { policy: 42 }), 400);
    expectError(await call('POST', '/v1/validate', { policy: {}, type: 'role' }), 400);
  });

  it('a body over 64 KiB → 413', async () => {
    const big = { ...deleteRequest, context: { padding: 'x'.repeat(70 * 1024) } };
    expectError(await call('POST', '/v1/evaluate', big), 413);
    expectError(await call('POST', '/v1/validate', { policy: ' '.repeat(65 * 1024) }), 413);
  });

  it('every response has its own request id (serverless-offline gives the same placeholder to all)', async () => {
    const answers = await Promise.all([call('POST', '/v1/evaluate', { action: 'ims:images:dlete' }), call('POST', '/v1/evaluate', { action: 'ims:images:dlete' }), call('GET', '/v1/catalog')]);
    const ids = answers.map((a) => a.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(answers[0]!.json.error.request_id).toBe(ids[0]);
  });

  it('an unknown route or method → 404', async () => {
    expectError(await call('GET', '/v1/nothing-here'), 404);
    expectError(await call('POST', '/v2/evaluate', deleteRequest), 404);
    expectError(await call('DELETE', '/v1/catalog'), 404);
  });
});
