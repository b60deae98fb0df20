/**
 * End to end: the IMS API authorizer protecting the demo route `ANY /ims/{proxy+}` on the real local stack
 * (a table of its own on DynamoDB Local, seeded; `serverless offline` as a child process on free ports of 127.0.0.1, running
 * the bundles of dist/functions, or the sources with CODE_ROOT=functions). serverless-offline 14 runs httpApi
 * Lambda REQUEST authorizers with simple responses itself: a missing Authorization header (the first
 * identity source) is its 401, `isAuthorized: false` its 403, and the demo backend gets the authorizer's
 * context in requestContext.authorizer.lambda. It does not cache answers (resultTtlInSeconds only matters on
 * AWS), so every request here reaches the authorizer. The AWS-shaped fixture event also goes through
 * serverless-offline's Lambda Invoke API (lambdaPort).
 *
 * Seeded data (infra/local/seed.ts), region cn-north-4 (IMS_REGION): alice (image-admins: IMS FullAccess on
 * all projects, "deny delete" on project cn-north-4) may get 6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60 but not delete it (explicit deny); bob
 * (viewers: IMS ReadOnlyAccess on cn-north-4) may not delete it either (implicit deny).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET, mintImsToken, mintToken } from '../infra/local/token.js';
import { createGrant, createUser } from '../store/index.js';
import { startLocalStack, type LocalStack } from './support/offline.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FUNCTIONS = ['authorizer', 'ims-demo'];
const REGION = 'cn-north-4';

let stack: LocalStack | undefined;
let base = '';
let lambdaBase = '';
let output: () => string = () => '';
const tokens: Record<'alice' | 'bob' | 'account' | 'expired' | 'forged' | 'api', string> = { alice: '', bob: '', account: '', expired: '', forged: '', api: '' };

beforeAll(async () => {
  // IMS callers: tokens for the IMS API (audience ims-api), no ims-authz scope; the principal is explicit.
  tokens.alice = await mintImsToken('acc-1', { user_id: 'alice' }, { secret: LOCAL_JWT_SECRET });
  tokens.bob = await mintImsToken('acc-1', { user_id: 'bob' }, { secret: LOCAL_JWT_SECRET });
  tokens.account = await mintImsToken('acc-1', 'account', { secret: LOCAL_JWT_SECRET });
  tokens.expired = await mintImsToken('acc-1', { user_id: 'alice' }, { secret: LOCAL_JWT_SECRET, ttl: -60 });
  tokens.forged = await mintImsToken('acc-1', { user_id: 'alice' }, { secret: 'not-the-local-key-but-long-enough-0000' });
  // A token for the /v1 API, with every scope: not a token for the IMS API.
  tokens.api = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
  stack = await startLocalStack(FUNCTIONS, { IMS_REGION: REGION });
  ({ base, lambdaBase, output } = stack);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
}, 15_000);

interface Answer {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

async function call(method: string, path: string, token?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers } });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  expect(res.status, `${method} ${path} answered 500: ${text}`).toBeLessThan(500);
  return { status: res.status, text, json };
}

/** The authorizer's decision log lines written so far (offline prints the functions' stdout). */
function decisionLines(): Array<Record<string, unknown>> {
  return output()
    .split('\n')
    .map((l) => l.slice(l.indexOf('{')))
    .filter((l) => l.startsWith('{"level":"info","fn":"authorizer"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('IMS API authorizer in front of the demo route (serverless-offline)', () => {
  it('lets alice get 6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60: the backend sees the decision in the authorizer context', async () => {
    const a = await call('GET', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', tokens.alice);
    expect(a.status, a.text).toBe(200);
    expect(a.json).toMatchObject({ backend: 'ims-demo', method: 'GET', path: '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60' });
    expect(a.json.authorizer).toMatchObject({ reason: 'allowed', action: 'ims:images:get', account_id: 'acc-1', principal: 'user:alice', region: REGION });
    expect(a.json.authorizer.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.json.authorizer.catalog_version).toMatch(/\S/);

    // One decision log line for that decision, without the token.
    await new Promise((r) => setTimeout(r, 100));
    const line = decisionLines().find((l) => l.decision_id === a.json.authorizer.decision_id);
    expect(line).toMatchObject({
      caller_account: 'acc-1',
      action: ['ims:images:get'],
      resource: `ims:${REGION}:acc-1:image:6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60`,
      decision: 'allow',
      reason: 'allowed',
    });
    expect(typeof line?.latency_ms).toBe('number');
    expect(JSON.stringify(line)).not.toContain(tokens.alice.split('.')[2] as string);
  });

  it('denies alice deleting 6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60 (the project-scoped Deny): 403, the backend is not called', async () => {
    const a = await call('DELETE', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', tokens.alice);
    expect(a.status, a.text).toBe(403);
    expect(a.text).not.toContain('ims-demo');
  });

  it('denies bob deleting 6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60 (nothing allows it)', async () => {
    expect((await call('DELETE', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', tokens.bob)).status).toBe(403);
    expect((await call('PATCH', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', tokens.bob)).status).toBe(403);
    await new Promise((r) => setTimeout(r, 100));
    const denies = decisionLines().filter((l) => String(l.action) === 'ims:images:deleteImage' && l.decision === 'deny');
    expect(denies.map((l) => l.reason).sort()).toEqual(['explicit_deny', 'implicit_deny']);
  });

  it('lets the account itself (principal_type "account") delete', async () => {
    const a = await call('DELETE', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', tokens.account);
    expect(a.status, a.text).toBe(200);
    expect(a.json.authorizer).toMatchObject({ principal: 'account', action: 'ims:images:deleteImage' });
  });

  it('no token -> 401 (the gateway, before the authorizer); expired or forged token -> 403', async () => {
    expect((await call('GET', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60')).status).toBe(401);
    expect((await call('GET', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', tokens.expired)).status).toBe(403);
    expect((await call('GET', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', tokens.forged)).status).toBe(403);
    expect((await call('GET', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', undefined, { authorization: 'Basic YWxpY2U6cHc=' })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 100));
    const reasons = decisionLines().map((l) => l.reason);
    for (const r of ['TOKEN_EXPIRED', 'TOKEN_INVALID', 'TOKEN_MISSING']) expect(reasons).toContain(r);
  });

  it('an unknown IMS route or an odd path -> 403', async () => {
    expect((await call('GET', '/ims/v9/nothing', tokens.alice)).status).toBe(403);
    expect((await call('POST', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', tokens.alice)).status).toBe(403);
    expect((await call('GET', '/ims/v2/images/img%2F1', tokens.alice)).status).toBe(403);
    await new Promise((r) => setTimeout(r, 100));
    const reasons = decisionLines().map((l) => l.reason);
    expect(reasons).toContain('UNKNOWN_API');
    expect(reasons).toContain('INVALID_PATH');
  });

  it('issue 12 items 4 and 8: a /v1 token and ids IMS never issues -> 403; an IMS token on /v1 -> 401', async () => {
    expect((await call('DELETE', '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', tokens.api)).status).toBe(403);
    for (const id of ['SECRET', 'secret.', 'secret~', '6F3C2A1E-8B4D-4C5E-9F7A-1B2C3D4E5F60']) expect((await call('DELETE', `/ims/v2/images/${id}`, tokens.account)).status, id).toBe(403);
    await new Promise((r) => setTimeout(r, 100));
    expect(decisionLines().map((l) => l.reason)).toContain('INVALID_IMAGE_ID');
    const v1 = await fetch(`${base}/v1/policies?limit=1`, { headers: { authorization: `Bearer ${tokens.account}` } });
    expect(v1.status).toBe(401);
    expect((await fetch(`${base}/v1/policies?limit=1`, { headers: { authorization: `Bearer ${tokens.api}` } })).status).toBe(200);
  });

  it('answers the AWS-shaped fixture event through the Lambda Invoke API (lambdaPort)', async () => {
    const event = readFileSync(join(root, 'test', 'fixtures', 'events', 'authorizer-v2-request.json'), 'utf8').replaceAll('<token>', tokens.alice);
    const invoke = async (body: string): Promise<{ isAuthorized: boolean; context: Record<string, string> }> => {
      const res = await fetch(`${lambdaBase}/2015-03-31/functions/ims-authz-dev-authorizer/invocations`, { method: 'POST', body });
      expect(res.status).toBe(200);
      return (await res.json()) as { isAuthorized: boolean; context: Record<string, string> };
    };
    expect(await invoke(event)).toMatchObject({ isAuthorized: true, context: { reason: 'allowed', principal: 'user:alice', action: 'ims:images:get' } });
    expect(await invoke(readFileSync(join(root, 'test', 'fixtures', 'events', 'authorizer-v2-garbage.json'), 'utf8'))).toMatchObject({ isAuthorized: false });
  });

  it('a condition key the gateway cannot see is unknown: sharing under share-within-org is denied, context_required', async () => {
    // The store points at the stack's table (seeded in this process): carol gets the seeded share-within-org.
    await createUser('acc-1', { user_id: 'carol', name: 'Carol' });
    await createGrant('acc-1', { policy_id: 'share-within-org', principal: { type: 'user', id: 'carol' }, scope: { type: 'all_projects' } });
    const carol = await mintImsToken('acc-1', { user_id: 'carol' }, { secret: LOCAL_JWT_SECRET });
    const image = '/ims/v2/images/3f1c2a9e-5b7d-4c1e-9a8f-0d2b6e4c7a15';
    const share = await call('POST', `${image}/members`, carol, { 'content-type': 'application/json' });
    expect(share.status, share.text).toBe(403);
    expect(share.text).not.toContain('ims-demo');
    expect((await call('GET', image, carol)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    const line = decisionLines().find((l) => Array.isArray(l.action) && (l.action as string[])[0] === 'ims:images:share');
    expect(line).toMatchObject({ decision: 'deny', reason: 'context_required', context_required_keys: ['ims:TargetOrgPaths'] });
  });

  it('leaves the ims-authz API alone', async () => {
    const res = await fetch(`${base}/v1/catalog`);
    expect(res.status).toBe(200);
  });
});
