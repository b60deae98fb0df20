/**
 * Security review, as tests over the HTTP functions (in-process, API Gateway payload 2.0 events, DynamoDB Local),
 * the IMS authorizer and the batch and revalidation workers. What test/api-tenancy.test.ts already covers
 * (every route of ROUTES on another account's ids, no token, an expired or forged token, a missing scope) is
 * not repeated; this adds:
 *  - tokens: other algorithms on the service's key (HS512, RS256, ES256, `none` in any case), header tricks
 *    (`kid`, `jku`/`jwk`, `crit`, `b64`), lifetimes (no `exp`, a very long one, `nbf` or `iat` in the
 *    future), scopes given as an array or in odd shapes, where a token may come from;
 *  - escalation: scopes and the account come from the verified token only: not from headers, the body, an
 *    unverified authorizer context or a stored policy document (which cannot even name a scope);
 *  - cross-tenant paths not covered there: the authorizer with another account's token, a batch message
 *    of one account naming another's principal;
 *  - log lines: everything the functions write while serving every route (successes, refusals, faults),
 *    the authorizer, the batch and revalidation workers never holds the token, a document or a context value.
 * Behaviour only (status and error codes): the token check's implementation may change.
 */
import { createHmac, generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { format } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as authorizer } from '../functions/authorizer.js';
import { handler as batch } from '../functions/batch.js';
import { handler as notFound } from '../functions/not-found.js';
import { handler as revalidateStream } from '../functions/revalidate-stream.js';
import { handler as revalidateSweep } from '../functions/revalidate-sweep.js';
import { SCOPES } from '../functions/shared/auth.js';
import type { HttpEvent } from '../functions/shared/http.js';
import { clearReferenceCache, settleUsage } from '../functions/shared/reference.js';
import { LOCAL_JWT_SECRET, mintImsToken, mintToken } from '../infra/local/token.js';
import { getDocumentClient, resetClient } from '../store/client.js';
import { lambdaContext } from './support/events.js';
import { apiEvent, client, HANDLERS, keyOf, ROUTE_KEYS, send, startLocalApi, type ApiReply, type Client } from './support/api.js';
import { loadEvent, sqsEvent, sqsRecord, streamEvent, streamRecord } from './support/fixtures.js';

const A = 'acc-sec-a';
const B = 'acc-sec-b';
const REGION = 'cn-north-4';

let stop: () => Promise<void>;
let tableName = '';
let endpoint = '';
let a: Client;
let b: Client;

const now = (): number => Math.floor(Date.now() / 1000);
const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const claimsOf = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: 'ims-authz',
  aud: 'ims-authz',
  sub: `${A}/sec`,
  account_id: A,
  scope: SCOPES.join(' '),
  iat: now(),
  exp: now() + 3600,
  ...over,
});

/** A token with any header and claims, HMAC-signed (`hash`) with `key` (default: the service's key). */
function hmacToken(header: Record<string, unknown>, claims: Record<string, unknown> = claimsOf(), key: string | Buffer = LOCAL_JWT_SECRET, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

const withBearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
/** A read that any valid token of A with policies:read may do. */
const readAs = (token: string): Promise<ApiReply> => send(undefined, 'GET', '/v1/policies?limit=1', undefined, withBearer(token));

async function expect401(token: string, what: string): Promise<void> {
  const r = await readAs(token);
  expect(r.status, `${what}: ${r.text}`).toBe(401);
  expect(r.json.error.code, what).toBe('UNAUTHENTICATED');
}

beforeAll(async () => {
  const local = await startLocalApi('security');
  stop = local.stop;
  tableName = local.db.tableName;
  endpoint = local.db.endpoint;
  process.env.IMS_REGION = REGION;
  process.env.IMS_PATH_PREFIX = '/ims';
  process.env.IMS_AUTHORIZER_CACHE_TTL = '0';
  [a, b] = await Promise.all([client(A), client(B)]);
  const must = async (p: Promise<ApiReply>, status: number): Promise<ApiReply> => {
    const r = await p;
    if (r.status !== status) throw new Error(`setup: ${r.route} -> ${r.status} ${r.text}`);
    return r;
  };
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  await must(a.post('/v1/users', { user_id: 'u-a', name: 'A user' }), 201);
  await must(a.post('/v1/grants', { policy_id: 'system:IMS-FullAccess', principal: { type: 'user', id: 'u-a' }, scope: { type: 'global' } }), 201);
  await must(a.post('/v1/agencies', { agency_id: 'ag-a', name: 'A agency' }), 201);
  await must(b.post('/v1/users', { user_id: 'u-b', name: 'B user' }), 201);
  vi.restoreAllMocks();
});
afterAll(async () => stop?.());
beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined); // decision log lines
});
afterEach(() => vi.restoreAllMocks());

describe('tokens', () => {
  it('a well-formed HS256 token of the service is accepted (the baseline of the cases below)', async () => {
    expect((await readAs(hmacToken({ alg: 'HS256', typ: 'JWT' }))).status).toBe(200);
  });

  it('another algorithm on the service key, or none: 401', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsInput = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claimsOf())}`;
    const cases: Array<[string, string]> = [
      ['HS512 with the service key', hmacToken({ alg: 'HS512', typ: 'JWT' }, claimsOf(), LOCAL_JWT_SECRET, 'sha512')],
      ['HS384 with the service key', hmacToken({ alg: 'HS384' }, claimsOf(), LOCAL_JWT_SECRET, 'sha384')],
      ['RS256 header, HMAC-SHA256 signature with the service key (algorithm confusion)', hmacToken({ alg: 'RS256' })],
      ['RS256 signed with an attacker key', `${rsInput}.${rsaSign('sha256', Buffer.from(rsInput), privateKey).toString('base64url')}`],
      ['ES256 header, HMAC signature', hmacToken({ alg: 'ES256' })],
      ['alg "hs256" (case)', hmacToken({ alg: 'hs256' })],
      ['alg "HS256 " (padding)', hmacToken({ alg: 'HS256 ' })],
      ['no alg', hmacToken({ typ: 'JWT' })],
      ...['none', 'None', 'NONE', 'nOnE'].map((alg): [string, string] => [`alg ${alg}, no signature`, `${b64({ alg })}.${b64(claimsOf())}.`]),
      ['alg none with an HMAC signature', hmacToken({ alg: 'none' })],
    ];
    for (const [what, token] of cases) await expect401(token, what);
  });

  it('header tricks: kid, jku/jwk/x5u, crit, b64', async () => {
    const attacker = 'attacker-chosen-key-of-sufficient-length';
    // kid selects nothing: the one service key verifies every token.
    expect((await readAs(hmacToken({ alg: 'HS256', kid: '../../../../../../dev/null' }))).status).toBe(200);
    const cases: Array<[string, string]> = [
      ['kid pointing at an empty file, signed with an empty key', hmacToken({ alg: 'HS256', kid: '../../../../../../dev/null' }, claimsOf(), '')],
      ['kid naming another key, signed with it', hmacToken({ alg: 'HS256', kid: 'attacker' }, claimsOf(), attacker)],
      ['jku pointing at an attacker key set', hmacToken({ alg: 'HS256', jku: 'http://127.0.0.1:9/jwks.json' }, claimsOf(), attacker)],
      ['an embedded jwk of the attacker key', hmacToken({ alg: 'HS256', jwk: { kty: 'oct', k: b64(attacker) } }, claimsOf(), attacker)],
      ['x5u pointing at an attacker certificate', hmacToken({ alg: 'HS256', x5u: 'http://127.0.0.1:9/cert.pem' }, claimsOf(), attacker)],
      ['crit naming exp (valid signature)', hmacToken({ alg: 'HS256', crit: ['exp'] })],
      ['crit naming an unknown extension (valid signature)', hmacToken({ alg: 'HS256', crit: ['x-magic'], 'x-magic': true })],
      ['an empty crit (valid signature)', hmacToken({ alg: 'HS256', crit: [] })],
      ['b64: false (unencoded payload)', hmacToken({ alg: 'HS256', b64: false, crit: ['b64'] })],
    ];
    for (const [what, token] of cases) await expect401(token, what);
  });

  it('lifetimes: no exp, a lifetime over 24 h, nbf or iat in the future: 401', async () => {
    const { exp: _exp, ...noExp } = claimsOf();
    const cases: Array<[string, Record<string, unknown>]> = [
      ['no exp', noExp],
      ['exp as a string', claimsOf({ exp: String(now() + 3600) })],
      ['exp in 10 years', claimsOf({ exp: now() + 10 * 365 * 86_400 })],
      ['issued a year ago, for 2 years', claimsOf({ iat: now() - 365 * 86_400, exp: now() + 365 * 86_400 })],
      ['no iat, exp in 2 days', (({ iat: _iat, ...c }) => ({ ...c, exp: now() + 2 * 86_400 }))(claimsOf())],
      ['nbf in an hour', claimsOf({ nbf: now() + 3600 })],
      ['iat in an hour', claimsOf({ iat: now() + 3600, exp: now() + 7200 })],
      ['expired a minute ago', claimsOf({ exp: now() - 60 })],
    ];
    for (const [what, claims] of cases) await expect401(hmacToken({ alg: 'HS256' }, claims), what);
    // Within the limits: a 23-hour token, nbf and iat a second ahead (clock skew).
    for (const claims of [claimsOf({ exp: now() + 23 * 3600 }), claimsOf({ nbf: now() + 1, iat: now() + 1 })]) expect((await readAs(hmacToken({ alg: 'HS256' }, claims))).status).toBe(200);
    // The IMS authorizer refuses them the same way.
    const e = authorizerEvent(hmacToken({ alg: 'HS256' }, claimsOf({ aud: 'ims-api', user_id: 'u-a', exp: now() + 10 * 365 * 86_400 })));
    expect((await authorize(e)).context.reason).toBe('TOKEN_INVALID');
  });

  it('scopes: space-separated (RFC 6749 section 3.3) or an array of whole scope names; nothing else grants one', async () => {
    const create = (token: string, id: string): Promise<ApiReply> =>
      send(
        undefined,
        'POST',
        '/v1/policies',
        { policy_id: id, name: id, type: 'identity', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Resource: ['*'] }] } },
        withBearer(token),
      );
    const t = (scope: unknown, extra: Record<string, unknown> = {}): string => hmacToken({ alg: 'HS256' }, claimsOf({ scope, ...extra }));
    expect((await create(t('policies:read policies:write'), 'p-scope-str')).status).toBe(201);
    expect((await create(t(['policies:read', 'policies:write']), 'p-scope-arr')).status).toBe(201);
    const refused: Array<[string, string]> = [
      ['an array of one scope only', t(['evaluate'])],
      ['comma-separated', t('evaluate,policies:write')],
      ['upper case', t('POLICIES:WRITE')],
      ['a wildcard', t('*')],
      ['"admin"', t('admin')],
      ['scope "evaluate" with scp "policies:write"', t('evaluate', { scp: 'policies:write' })],
      ['no scope, "scopes": ["policies:write"]', hmacToken({ alg: 'HS256' }, (({ scope: _s, ...c }) => ({ ...c, scopes: ['policies:write'] }))(claimsOf()))],
      ['a "roles" claim', t('evaluate', { roles: ['admin'], 'cognito:groups': ['admins'] })],
    ];
    for (const [what, token] of refused) {
      const r = await create(token, 'p-scope-no');
      expect(r.status, what).toBe(403);
      expect(r.json.error.code).toBe('FORBIDDEN');
    }
    // Issue 12 item 5: a scope claim that is not scope-tokens separated by single spaces is malformed: the
    // token is refused (401), never read as a best guess. On main, every whitespace separated scopes.
    const malformed: Array<[string, string]> = [
      ['a tab', t('policies:read\tpolicies:write')],
      ['a line feed', t('policies:read\npolicies:write')],
      ['an em space (U+2003)', t('policies:read\u2003policies:write')],
      ['a no-break space (U+00A0)', t('policies:read\u00a0policies:write')],
      ['an ideographic space (U+3000)', t('policies:read\u3000policies:write')],
      ['two spaces', t('policies:read  policies:write')],
      ['a leading space', t(' policies:read policies:write')],
      ['a trailing space', t('policies:read policies:write ')],
      ['a double quote in a scope', t('policies:read "policies:write"')],
      ['one array element holding two scopes', t(['evaluate policies:write'])],
      ['an empty array element', t(['policies:read', '', 'policies:write'])],
      ['a non-string array element', t(['policies:read', 7, 'policies:write'])],
      ['a number', t(42)],
      ['an object', t({ 'policies:write': true })],
    ];
    for (const [what, token] of malformed) {
      const r = await create(token, 'p-scope-no');
      expect(r.status, what).toBe(401);
      expect(r.json.error.code).toBe('UNAUTHENTICATED');
    }
    expect((await a.get('/v1/policies/p-scope-no')).status).toBe(404);
    // The scope array also works for the evaluate scope.
    expect((await send(undefined, 'POST', '/v1/evaluate', { principal: { user_id: 'u-a' }, action: 'ims:images:list', region: REGION }, withBearer(t(['evaluate'])))).status).toBe(200);
  });

  it('where a token comes from: the Authorization bearer header only', async () => {
    const good = hmacToken({ alg: 'HS256' });
    const cases: Array<[string, string, Record<string, string>]> = [
      ['a query parameter', `/v1/policies?access_token=${good}`, {}],
      ['a cookie', '/v1/policies', { cookie: `token=${good}; access_token=${good}` }],
      ['x-api-key / x-amz-security-token', '/v1/policies', { 'x-api-key': good, 'x-amz-security-token': good }],
      ['Basic', '/v1/policies', { authorization: `Basic ${Buffer.from(`x:${good}`).toString('base64')}` }],
      ['two tokens', '/v1/policies', { authorization: `Bearer ${good} ${good}` }],
      ['a token with a trailing dot', '/v1/policies', { authorization: `Bearer ${good}.` }],
      ['10 KB of token', '/v1/policies', { authorization: `Bearer ${good}${'A'.repeat(10_000)}` }],
      ['non-ASCII', '/v1/policies', { authorization: `Bearer ${good.slice(0, -2)}é€` }],
    ];
    for (const [what, url, headers] of cases) {
      const r = await send(undefined, 'GET', url, undefined, headers);
      expect(r.status, `${what}: ${r.text}`).toBe(401);
    }
    // Lower-case "bearer" is the same scheme.
    expect((await send(undefined, 'GET', '/v1/policies?limit=1', undefined, { authorization: `bearer ${good}` })).status).toBe(200);
  });
});

describe('no escalation: the account and the scopes come from the verified token only', () => {
  it("headers naming another account are ignored: B's token sees B", async () => {
    const headers = { 'x-account-id': A, 'x-amz-account-id': A, 'x-tenant-id': A, 'x-ims-account': A, 'x-forwarded-user': A, 'x-scope': 'policies:write' };
    const users = await send(b.token, 'GET', '/v1/users', undefined, headers);
    expect(users.status).toBe(200);
    expect(users.text).not.toContain('u-a');
    expect((await send(b.token, 'GET', '/v1/users/u-a', undefined, headers)).status).toBe(404);
    const readOnly = await mintToken(B, ['policies:read']);
    expect((await send(readOnly, 'POST', '/v1/users', { user_id: 'u-x', name: 'x' }, headers)).status).toBe(403);
  });

  it("an authorizer context in the event (claims not verified here) never replaces the token's", async () => {
    const forged = { jwt: { claims: { account_id: A, scope: SCOPES.join(' '), sub: 'forged' }, scopes: SCOPES } };
    const withContext = async (token: string | undefined, method: string, url: string, body?: unknown): Promise<ApiReply> => {
      const { event, route } = apiEvent(token, method, url, body);
      (event.requestContext as HttpEvent['requestContext'] & { authorizer?: unknown }).authorizer = forged;
      const r = await (HANDLERS[route.function] as NonNullable<(typeof HANDLERS)[string]>)(event, lambdaContext);
      return { status: r.statusCode ?? 200, headers: {}, json: r.body ? JSON.parse(r.body) : undefined, text: r.body ?? '', route: keyOf(route) };
    };
    expect((await withContext(undefined, 'GET', '/v1/users')).status).toBe(401);
    const asB = await withContext(b.token, 'GET', '/v1/users/u-a');
    expect(asB.status).toBe(404);
    const readOnly = await mintToken(B, ['policies:read']);
    expect((await withContext(readOnly, 'POST', '/v1/users', { user_id: 'u-y', name: 'y' })).status).toBe(403);
  });

  it('a body naming another account is refused (400) or stays in the caller account; nothing of A changes', async () => {
    const before = (await a.get('/v1/policies?limit=100')).text;
    const doc = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Resource: ['*'] }] };
    for (const [method, url, body] of [
      ['POST', '/v1/policies', { account_id: A, policy_id: 'p-cross', name: 'x', type: 'identity', document: doc }],
      ['POST', '/v1/users', { account_id: A, user_id: 'u-cross', name: 'x' }],
      ['POST', '/v1/groups', { account_id: A, group_id: 'g-cross', name: 'x' }],
      ['POST', '/v1/grants', { account_id: A, policy_id: 'system:IMS-FullAccess', principal: { type: 'user', id: 'u-b' }, scope: { type: 'global' } }],
      ['POST', '/v1/grants', { policy_id: 'system:IMS-FullAccess', principal: { type: 'user', id: 'u-a', account_id: A }, scope: { type: 'global' } }],
    ] as Array<[string, string, unknown]>) {
      const r = await send(b.token, method, url, body);
      expect(r.status, `${method} ${url}: ${r.text}`).toBe(400);
    }
    expect((await a.get('/v1/policies?limit=100')).text).toBe(before);
    expect((await a.get('/v1/users/u-cross')).status).toBe(404);
    // By reference, another account's principal does not exist for B (404); inline, B decides only what B sends.
    const byRef = await b.post('/v1/evaluate', { principal: { account_id: A, user_id: 'u-a' }, action: 'ims:images:list', region: REGION });
    expect(byRef.status).toBe(404);
    const inline = await b.post('/v1/evaluate', { principal: { account_id: A, user_id: 'u-a' }, action: 'ims:images:list', region: REGION, policies: [] });
    expect(inline.status).toBe(200);
    expect(inline.json.decision).toBe('deny'); // A's stored FullAccess grant played no part
  });

  it('a stored policy cannot grant a scope: scope names are no IMS actions, and a grant of everything leaves the token as it is', async () => {
    const scopeDoc = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['policies:write', 'org:write'], Resource: ['*'] }] };
    const refused = await a.post('/v1/policies', { policy_id: 'p-scopes', name: 'scopes', type: 'identity', document: scopeDoc });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe('INVALID_POLICY');
    expect((await a.post('/v1/policies', { policy_id: 'p-all', name: 'all', type: 'identity', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['*:*:*'] }] } })).status).toBe(201);
    expect((await a.post('/v1/grants', { policy_id: 'p-all', principal: { type: 'user', id: 'u-a' }, scope: { type: 'global' } })).status).toBe(201);
    // u-a, everything granted, with a token of the evaluate scope only.
    const ua = await mintToken(A, ['evaluate'], { claims: { user_id: 'u-a' } });
    for (const [method, url, body] of [
      ['POST', '/v1/policies', { name: 'x', type: 'identity', document: scopeDoc }],
      ['POST', '/v1/grants', { policy_id: 'p-all', principal: { type: 'user', id: 'u-a' }, scope: { type: 'all_projects' } }],
      ['DELETE', '/v1/policies/p-all?detach=true', undefined],
      ['POST', '/v1/organizations', undefined],
      ['GET', '/v1/users', undefined],
    ] as Array<[string, string, unknown]>) {
      expect((await send(ua, method, url, body)).status, `${method} ${url}`).toBe(403);
    }
    // Evaluating a scope name as an action is refused, not allowed.
    for (const action of ['policies:write', 'org:write']) {
      const r = await send(ua, 'POST', '/v1/evaluate', { principal: { user_id: 'u-a' }, action, region: REGION });
      expect(r.status, action).toBe(400);
      expect(r.json.error.code).toBe('UNKNOWN_ACTION');
    }
    // System policies stay read-only whatever the grants.
    expect((await a.patch('/v1/policies/system:IMS-FullAccess', { description: 'mine now' })).status).toBe(403);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The IMS authorizer and the batch worker across accounts.

function authorizerEvent(token: string, o: { ip?: string; headers?: Record<string, string> } = {}): APIGatewayRequestAuthorizerEventV2 {
  const e = loadEvent<APIGatewayRequestAuthorizerEventV2>('authorizer-v2-request.json');
  const text = JSON.stringify(e).replaceAll('<token>', token);
  const event = JSON.parse(text) as APIGatewayRequestAuthorizerEventV2;
  event.headers = { ...event.headers, ...o.headers };
  if (o.ip) event.requestContext.http.sourceIp = o.ip;
  return event;
}

async function authorize(event: APIGatewayRequestAuthorizerEventV2): Promise<{ isAuthorized: boolean; context: Record<string, string | undefined> }> {
  return (await authorizer(event)) as unknown as { isAuthorized: boolean; context: Record<string, string | undefined> };
}

describe('cross-tenant: the authorizer and batch messages', () => {
  it("the authorizer with B's token naming A's user or agency: denied as an unknown principal of B", async () => {
    clearReferenceCache();
    const own = await authorize(authorizerEvent(await mintImsToken(A, { user_id: 'u-a' })));
    expect(own).toMatchObject({ isAuthorized: true, context: { account_id: A } });
    for (const who of [{ user_id: 'u-a' }, { agency: 'ag-a' }]) {
      const r = await authorize(authorizerEvent(await mintImsToken(B, who)));
      expect(r.isAuthorized).toBe(false);
      expect(r.context).toMatchObject({ reason: 'UNKNOWN_PRINCIPAL', account_id: B });
    }
    // A token of B naming B's account itself is B's account, never A's.
    expect((await authorize(authorizerEvent(await mintImsToken(B, 'account')))).context.account_id).toBe(B);
  });

  it("a batch message of account A naming B's principal: NOT_FOUND under A, nothing of B read or written", async () => {
    const out = await batch(
      sqsEvent(sqsRecord({ correlation_id: 'sec-cross-1', account_id: A, request: { principal: { account_id: B, user_id: 'u-b' }, action: 'ims:images:list', region: REGION } })),
    );
    expect(out.batchItemFailures).toEqual([]);
    expect((await a.get('/v1/decisions/sec-cross-1')).json).toMatchObject({ status: 'error', error: { code: 'NOT_FOUND' } });
    expect((await b.get('/v1/decisions/sec-cross-1')).status).toBe(404);
    expect((await b.get('/v1/decisions/sec-cross-1')).text).not.toContain('u-b');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Log lines.

const DOC_MARK = 'DocMarkerQ7x';
const DOC_VALUE = 'doc-condition-value-Q7x';
const NAME_MARK = 'NameMarkerW3k';
const CTX = { ep: 'ctx-ep-value-9Zt', tag: 'ctx-tagkey-9Zt', ip: '203.0.113.199' };
const MARKERS = [DOC_MARK, DOC_VALUE, NAME_MARK, CTX.ep, CTX.tag, CTX.ip];

/** Everything written to the console and to stdout/stderr while `run` runs. */
async function captureOutput(run: () => Promise<void>): Promise<string[]> {
  vi.restoreAllMocks();
  const lines: string[] = [];
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(format(...args)));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
  try {
    await run();
  } finally {
    vi.restoreAllMocks();
  }
  return lines;
}

describe('log lines', () => {
  it('never hold the token, a policy document, a name or a context value: every route (successes, refusals, faults), the authorizer, batch and revalidation', async () => {
    const doc = (effect = 'Allow'): Record<string, unknown> => ({
      Version: '5.0',
      Statement: [{ Sid: DOC_MARK, Effect: effect, Action: ['ims:images:list', 'ims:images:get'], Resource: ['*'], Condition: { StringNotEquals: { 'g:EnterpriseProjectId': [DOC_VALUE] } } }],
    });
    const context = { 'g:EnterpriseProjectId': CTX.ep, 'g:TagKeys': [CTX.tag], 'g:SourceIp': CTX.ip };
    const token = await mintToken('acc-log', SCOPES);
    const userToken = await mintImsToken('acc-log', { user_id: 'u-log' });
    const secrets = [token, ...token.split('.'), userToken, ...userToken.split('.'), ...MARKERS];
    const covered = new Set<string>();
    const replies: ApiReply[] = [];
    const req = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}, bearer: string | undefined = token): Promise<ApiReply> => {
      const r = await send(bearer, method, url, body, headers);
      covered.add(r.route);
      replies.push(r);
      return r;
    };
    const evaluateBody = { principal: { user_id: 'u-log' }, action: 'ims:images:get', resource: `ims:${REGION}:acc-log:image:img-1`, region: REGION, context };

    const lines = await captureOutput(async () => {
      // Policies, versions, principals, grants, organizations: create, read, list, change, refuse, delete.
      const created = await req('POST', '/v1/policies', { policy_id: 'p-log', name: `${NAME_MARK} policy`, description: NAME_MARK, type: 'identity', document: doc() });
      await req('POST', '/v1/policies', {
        policy_id: 'p-log-bad',
        name: 'bad',
        type: 'identity',
        document: { ...doc(), Statement: [{ Sid: DOC_MARK, Effect: 'Allow', Action: [`ims:${DOC_VALUE}`] }] },
      }); // 422
      await req('POST', '/v1/policies', `{"name": "${NAME_MARK}", "document": {"Sid": "${DOC_MARK}"`); // 400 invalid JSON
      await req('GET', '/v1/policies');
      await req('GET', '/v1/policies/p-log');
      await req('PATCH', '/v1/policies/p-log', { description: `${NAME_MARK} 2` }, { 'if-match': created.headers.etag as string });
      await req('PATCH', '/v1/policies/p-log', { description: `${NAME_MARK} 3` }, { 'if-match': '"999"' }); // 412
      await req('POST', '/v1/policies/p-log/versions', { document: doc('Deny') });
      await req('GET', '/v1/policies/p-log/versions/v2');
      await req('PUT', '/v1/policies/p-log/default_version', { version_id: 'v1' });
      await req('DELETE', '/v1/policies/p-log/versions/v2');
      await req('POST', '/v1/policies', {
        policy_id: 'p-log-scp',
        name: `${NAME_MARK} scp`,
        type: 'scp',
        document: { Version: '5.0', Statement: [{ Sid: DOC_MARK, Effect: 'Deny', Action: ['ims:images:delete'], Resource: ['*'] }] },
      });
      await req('POST', '/v1/users', { user_id: 'u-log', name: `${NAME_MARK} user` });
      await req('GET', '/v1/users');
      await req('GET', '/v1/users/u-log');
      await req('GET', '/v1/users/u-nobody'); // 404
      await req('POST', '/v1/groups', { group_id: 'g-log', name: `${NAME_MARK} group`, description: NAME_MARK });
      await req('GET', '/v1/groups');
      await req('GET', '/v1/groups/g-log');
      await req('PUT', '/v1/groups/g-log/members/u-log');
      await req('GET', '/v1/groups/g-log/members');
      await req('GET', '/v1/users/u-log/groups');
      await req('POST', '/v1/agencies', { agency_id: 'ag-log', name: `${NAME_MARK} agency`, description: NAME_MARK });
      await req('GET', '/v1/agencies');
      await req('GET', '/v1/agencies/ag-log');
      const role = {
        id: 'r-log',
        display_name: `${NAME_MARK} role`,
        description: NAME_MARK,
        catalog: 'CUSTOMED',
        type: 'XA',
        policy: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Condition: { StringNotEquals: { 'g:EnterpriseProjectId': [DOC_VALUE] } } }] },
      };
      await req('POST', '/v1/imports', { files: [{ name: 'iam/roles.json', content: { roles: [role], total_number: 1 } }] });
      await req('POST', '/v1/imports', {
        files: [{ name: `iam/${NAME_MARK}.json`, content: { roles: [{ ...role, policy: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: [`ims:${DOC_VALUE}`] }] } }] } }],
      }); // 422 refused
      const grant = await req('POST', '/v1/grants', { policy_id: 'p-log', principal: { type: 'group', id: 'g-log' }, scope: { type: 'global' } });
      await req('GET', '/v1/grants');
      await req('GET', `/v1/grants/${encodeURIComponent(grant.json.grant_id as string)}`);
      await req('DELETE', '/v1/policies/p-log'); // 409: granted
      const org = await req('POST', '/v1/organizations');
      const orgId = org.json.org_id as string;
      const rootId = org.json.root_id as string;
      await req('GET', `/v1/organizations/${orgId}`);
      const ou = await req('POST', `/v1/organizations/${orgId}/ous`, { parent_id: rootId, name: `${NAME_MARK} ou` });
      await req('POST', `/v1/organizations/${orgId}/accounts`, { account_id: 'acc-log-member', parent_id: rootId });
      const member = await mintToken('acc-log-member', SCOPES);
      await req('GET', '/v1/invitations', undefined, {}, member);
      await req('POST', `/v1/invitations/${orgId}/accept`, undefined, {}, member);
      await req('POST', `/v1/organizations/${orgId}/accounts`, { account_id: 'acc-log-other', parent_id: rootId });
      await req('DELETE', `/v1/invitations/${orgId}`, undefined, {}, await mintToken('acc-log-other', SCOPES));
      await req('PATCH', `/v1/organizations/${orgId}/accounts/acc-log-member`, { parent_id: ou.json.node_id });
      await req('GET', `/v1/organizations/${orgId}/nodes/${rootId}/children`);
      await req('POST', `/v1/organizations/${orgId}/scp/enable`);
      await req('PUT', `/v1/organizations/${orgId}/nodes/${ou.json.node_id}/policies/p-log-scp`);
      await req('GET', `/v1/organizations/${orgId}/nodes/${ou.json.node_id}/policies`);
      // Decisions: by reference (the user in the group granted p-log, in the organization), inline, explain.
      await req('POST', '/v1/evaluate', evaluateBody);
      await req('POST', '/v1/explain', evaluateBody);
      await req('POST', '/v1/evaluate', { ...evaluateBody, principal: { account_id: 'acc-log', user_name: NAME_MARK }, policies: [{ id: 'inline', document: doc() }] });
      await req('POST', '/v1/explain', {
        ...evaluateBody,
        principal: { user_name: NAME_MARK },
        policies: [{ id: 'inline', document: doc('Deny') }],
        scps: [{ level: 'root', policies: [{ id: 'scp', document: doc() }] }],
      });
      await req('POST', '/v1/evaluate', { ...evaluateBody, context: { ...context, 'g:Nonsense': CTX.ep } }); // refused context key
      await req('POST', '/v1/evaluate', { ...evaluateBody, policies: [{ id: 'bad', document: { Version: '5.0', Statement: [{ Sid: DOC_MARK, Effect: 'Allow', Action: [DOC_VALUE] }] } }] }); // 422
      await req('POST', '/v1/evaluate', evaluateBody, {}, await mintToken('acc-log', ['policies:read'])); // 403
      await req('POST', '/v1/evaluate', evaluateBody, {}, `${token.slice(0, -4)}AAAA`); // 401, forged
      await req('POST', '/v1/validate', { policy: JSON.stringify(doc()) });
      await req('POST', '/v1/validate', { policy: JSON.stringify({ ...doc(), Statement: [{ Sid: DOC_MARK, Effect: 'Allow', Action: [`ims:${DOC_VALUE}`] }] }) });
      // The analysis: its sets carry names, documents and context values too; 200s and a 422.
      const set = (d: Record<string, unknown>): Record<string, unknown> => ({ policies: [{ id: 'inline', document: d }], principal: { user_name: NAME_MARK }, context });
      await req('POST', '/v1/checks/no-new-access', { existing: set(doc('Deny')), proposed: set(doc()) });
      await req('POST', '/v1/checks/access-not-granted', { set: set(doc()), actions: ['ims:images:get'] });
      await req('POST', '/v1/diff', { a: set(doc()), b: { policies: [{ id: 'bad', document: { Version: '5.0', Statement: [{ Sid: DOC_MARK, Effect: 'Allow', Action: [DOC_VALUE] }] } }] } }); // 422
      await req('POST', '/v1/summary', { set: set(doc()) });
      // Who can, what can (their replies name principals and grants), then unused access (its replies carry
      // names and documents, the suggestion's), their log lines none.
      await req('GET', `/v1/access/who-can?action=ims:images:get&resource=ims:${REGION}:acc-log:image:img-1`);
      await req('GET', '/v1/access/what-can?principal_type=user&principal_id=u-log');
      await settleUsage(5_000);
      await req('GET', '/v1/access/unused?days=30');
      await req('GET', '/v1/access/suggest?principal_type=user&principal_id=u-log&days=30');
      await req('GET', '/v1/access/suggest?principal_type=user'); // 400
      await req('GET', '/v1/catalog');
      await req('GET', '/v1/openapi.json');
      // Batch: by reference and inline, with context values; then the stored results.
      await batch(
        sqsEvent(
          sqsRecord({ correlation_id: 'log-1', account_id: 'acc-log', request: { principal: { user_id: 'u-log' }, action: 'ims:images:get', region: REGION, context } }),
          sqsRecord({ correlation_id: 'log-2', account_id: 'acc-log', request: { action: 'ims:images:get', context, policies: [{ id: 'inline', document: doc() }] } }),
          sqsRecord(`{"correlation_id": "log-3", "account_id": "acc-log", "request": {"context": {"x": "${CTX.ep}"}`), // not JSON
        ),
      );
      await req('GET', '/v1/decisions/log-1');
      await req('GET', '/v1/decisions/log-2');
      // The IMS authorizer: the token, the source IP and the enterprise project id of the call.
      await authorizer(authorizerEvent(userToken, { ip: CTX.ip, headers: { 'x-ims-enterprise-project-id': CTX.ep } }));
      await authorizer(authorizerEvent(`${userToken.slice(0, -4)}AAAA`, { ip: CTX.ip }));
      // Revalidation of the stored policy (its raw item carries the documents) and the sweep.
      const item = (await getDocumentClient().send(new GetCommand({ TableName: tableName, Key: { pk: 'ACCT#acc-log', sk: 'POLICY#p-log' }, ConsistentRead: true }))).Item as Record<string, unknown>;
      await revalidateStream(streamEvent(streamRecord('INSERT', { newItem: item })));
      await revalidateSweep(loadEvent('schedule.json'));
      // Unknown routes, then the deletes.
      const unknown = apiEvent(token, 'GET', '/v1/catalog').event;
      unknown.routeKey = '$default';
      unknown.rawPath = `/v1/${DOC_MARK}`;
      await notFound(unknown, lambdaContext);
      await req('DELETE', `/v1/organizations/${orgId}/nodes/${ou.json.node_id}/policies/p-log-scp`);
      await req('POST', `/v1/organizations/${orgId}/scp/disable`);
      await req('DELETE', `/v1/organizations/${orgId}/accounts/acc-log-member`);
      await req('DELETE', `/v1/organizations/${orgId}/ous/${ou.json.node_id}`);
      await req('DELETE', `/v1/grants/${encodeURIComponent(grant.json.grant_id as string)}`);
      await req('DELETE', '/v1/groups/g-log/members/u-log');
      await req('DELETE', '/v1/groups/g-log');
      await req('DELETE', '/v1/agencies/ag-log');
      await req('DELETE', '/v1/users/u-log');
      await req('DELETE', '/v1/policies/p-log?detach=true');
      // Faults: the store unreachable (503) and a missing table (500), by reference and on a write.
      process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:9';
      resetClient();
      clearReferenceCache();
      await req('POST', '/v1/evaluate', evaluateBody);
      await req('POST', '/v1/users', { user_id: 'u-log-2', name: NAME_MARK });
      await authorizer(authorizerEvent(userToken, { ip: CTX.ip, headers: { 'x-ims-enterprise-project-id': CTX.ep } }));
      await batch(sqsEvent(sqsRecord({ correlation_id: 'log-4', account_id: 'acc-log', request: { principal: { user_id: 'u-log' }, action: 'ims:images:get', context } })));
      process.env.DYNAMODB_ENDPOINT = endpoint;
      process.env.POLICY_TABLE = 'no-such-table';
      resetClient();
      await req('POST', '/v1/evaluate', evaluateBody);
      await req('POST', '/v1/policies', { name: NAME_MARK, type: 'identity', document: doc() });
      process.env.POLICY_TABLE = tableName;
      resetClient();
    });

    // The run went everywhere it should: every route, successes and every kind of refusal and fault.
    expect([...covered].sort()).toEqual([...ROUTE_KEYS].sort());
    const statuses = new Set(replies.map((r) => r.status));
    for (const s of [200, 201, 204, 400, 401, 403, 404, 409, 412, 422, 500, 503]) expect(statuses, `a ${s} reply`).toContain(s);
    const text = lines.join('\n');
    // What was written: decision lines of evaluate/explain, the authorizer, batch, revalidation; fault lines.
    for (const fn of ['evaluate', 'explain', 'authorizer', 'batch', 'revalidate-stream', 'revalidate-sweep']) expect(text).toContain(`"fn":"${fn}"`);
    expect(text).toContain('"message":"unhandled error"');
    expect(text).toContain(`"resource":"ims:${REGION}:acc-log:image:img-1"`); // the capture holds the decision lines
    expect(text).toContain('STORE_UNAVAILABLE');
    for (const secret of secrets) {
      const line = lines.find((l) => l.includes(secret));
      expect(line, `a log line holds ${secret.slice(0, 24)}`).toBeUndefined();
    }
    // Documents never appear, whatever their markers: no statement syntax in any line.
    for (const fragment of ['"Statement"', '"Effect"', '"Condition"', 'StringNotEquals']) expect(text).not.toContain(fragment);
  }, 60_000);
});
