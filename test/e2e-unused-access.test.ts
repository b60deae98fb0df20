/**
 * End to end: unused access over serverless-offline (a seeded table of its own on DynamoDB Local; the bundles
 * of dist/functions, or the sources with CODE_ROOT=functions). alice's by-reference decisions are made by the
 * IMS API authorizer (a GET of an image through the demo route) and by POST /v1/evaluate; their write-behind
 * records land in the table while no answer waits for them; then GET /v1/access/unused lists her granted
 * actions split into used and unused, and GET /v1/access/suggest proposes a policy keeping exactly the used
 * ones, proved (safe: the check's PASS). Inline evaluations and explanations record nothing. Another account's
 * token gets 404 for alice.
 *
 * Seeded data (infra/local/seed.ts): alice is in image-admins (IMS FullAccess on all projects, "deny delete"
 * on project cn-north-4); acc-1 is a member of an organization whose OU eu denies unencrypted copies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET, mintImsToken, mintToken } from '../infra/local/token.js';
import { startLocalStack, type LocalStack } from './support/offline.js';

const FUNCTIONS = ['authorizer', 'ims-demo', 'evaluate', 'explain', 'access-usage'];
const REGION = 'cn-north-4';
const IMAGE = '6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60';

let stack: LocalStack | undefined;
let base = '';
const tokens = { alice: '', api: '', other: '' };

beforeAll(async () => {
  tokens.alice = await mintImsToken('acc-1', { user_id: 'alice' }, { secret: LOCAL_JWT_SECRET });
  tokens.api = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
  tokens.other = await mintToken('acc-unused-other', undefined, { secret: LOCAL_JWT_SECRET });
  stack = await startLocalStack(FUNCTIONS, { IMS_REGION: REGION });
  ({ base } = stack);
}, 90_000);

afterAll(async () => {
  await stack?.stop();
}, 15_000);

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path} answered 500: ${text}`).toBeLessThan(500);
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

const alice = { account_id: 'acc-1', user_id: 'alice' };
const unusedOfAlice = '/v1/access/unused?days=30&principal_type=user&principal_id=alice';

describe('unused access end to end (serverless-offline)', () => {
  it('by-reference decisions are recorded behind the answer; inline and explain are not', async () => {
    // Nothing recorded yet.
    const before = await call('GET', unusedOfAlice, tokens.api);
    expect(before.status, before.text).toBe(200);
    expect(before.json.principals[0].used).toEqual([]);

    // Inline what-if and explanation by reference: not use.
    const inline = await call('POST', '/v1/evaluate', tokens.api, {
      principal: { account_id: 'acc-1', user_id: 'alice' },
      action: 'ims:images:setTags',
      policies: [{ id: 'all', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:*'], Resource: ['*'] }] } }],
    });
    expect(inline.json.decision).toBe('allow');
    expect((await call('POST', '/v1/explain', tokens.api, { principal: alice, action: 'ims:images:export', region: REGION })).json.decision).toBe('allow');

    // The authorizer (GET an image through the IMS API) and evaluate by reference.
    const got = await call('GET', `/ims/v2/images/${IMAGE}`, tokens.alice);
    expect(got.status, got.text).toBe(200);
    expect((await call('POST', '/v1/evaluate', tokens.api, { principal: alice, action: 'ims:images:list', region: REGION })).json.decision).toBe('allow');
    // A denial is not use (the project-scoped Deny).
    expect((await call('POST', '/v1/evaluate', tokens.api, { principal: alice, action: 'ims:images:deleteImage', region: REGION })).json.decision).toBe('deny');

    // The writes land shortly after the answers (write-behind): poll.
    let used: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await call('GET', unusedOfAlice, tokens.api);
      used = r.json.principals[0].used.map((u: { action: string }) => u.action);
      if (used.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(used).toEqual(['ims:images:get', 'ims:images:list']);
    const report = (await call('GET', unusedOfAlice, tokens.api)).json;
    const p = report.principals[0];
    expect(p.principal).toMatchObject({ type: 'user', id: 'alice' });
    const unused = p.unused.map((u: { action: string }) => u.action);
    for (const a of ['ims:images:setTags', 'ims:images:export', 'ims:images:deleteImage']) expect(unused).toContain(a);
    expect(p.granted).toBe(p.used.length + p.unused.length);
    for (const u of p.used) expect(u.last_used).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
  });

  it('the account-wide report lists alice and bob; the suggestion keeps what alice used and is proved', async () => {
    const all = await call('GET', '/v1/access/unused?days=30', tokens.api);
    expect(all.status, all.text).toBe(200);
    expect(all.json.principals.map((x: { principal: { id: string } }) => x.principal.id)).toEqual(expect.arrayContaining(['alice', 'bob']));

    const s = await call('GET', '/v1/access/suggest?principal_type=user&principal_id=alice&days=30', tokens.api);
    expect(s.status, s.text).toBe(200);
    expect(s.json.kept).toEqual(['ims:images:get', 'ims:images:list']);
    expect(s.json.dropped).toContain('ims:images:deleteImage');
    expect(s.json.proof_error).toBeUndefined();
    expect(s.json.proof.result).toBe('PASS');
    expect(s.json.safe).toBe(true);
    const allows = s.json.policies.flatMap((x: { document: { Statement: Array<{ Effect: string; Action?: string[] }> } }) => x.document.Statement.filter((st) => st.Effect === 'Allow'));
    expect([...new Set(allows.flatMap((st: { Action: string[] }) => st.Action))].sort()).toEqual(['ims:images:get', 'ims:images:list']);
  });

  it('another account: alice is not found (404); bad input is a 400', async () => {
    expect((await call('GET', unusedOfAlice, tokens.other)).status).toBe(404);
    expect((await call('GET', '/v1/access/suggest?principal_type=user&principal_id=alice', tokens.other)).status).toBe(404);
    for (const q of ['days=0', 'days=401', 'days=x', 'principal_type=group&principal_id=g', 'principal_type=user']) {
      const r = await call('GET', `/v1/access/unused?${q}`, tokens.api);
      expect(r.status, q).toBe(400);
      expect(r.json.error.code).toBe('INVALID_REQUEST');
    }
    expect((await call('GET', '/v1/access/suggest', tokens.api)).status).toBe(400);
  });
});
