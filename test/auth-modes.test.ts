/**
 * Which credentials a function trusts is configuration (issue 12 items 4 and 6; docs/deployment.md,
 * docs/security.md):
 *  - no mode, an unknown mode, hs256 without a usable key: every request is refused (503
 *    AUTH_NOT_CONFIGURED, a deny from the IMS authorizer) with one logged configuration error, no stack;
 *  - hs256: the function verifies the bearer token; claims in the request context are ignored;
 *  - gateway-jwt: the /v1 functions read the claims API Gateway's JWT authorizer verified and refuse a
 *    request without them (a bearer header alone is not trusted); the IMS authorizer verifies RS256/ES256
 *    tokens with the issuer's JWKS (OpenID discovery on a local issuer here);
 *  - the two kinds of token (this API's, the IMS API's) are never interchangeable;
 *  - serverless.yml: the JWT authorizer on every authenticated /v1 route in gateway-jwt mode, none in hs256
 *    mode, and the key as a Secrets Manager dynamic reference (infra/auth.cjs).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as authorizer } from '../functions/authorizer.js';
import { handler as catalog } from '../functions/catalog.js';
import { clearJwksCache } from '../functions/shared/jwks.js';
import { ROUTES } from '../functions/shared/openapi.js';
import { clearReferenceCache } from '../functions/shared/reference.js';
import { startLocalDynamo, type LocalDynamo } from '../infra/local/dynamo.js';
import { EXAMPLE_IMAGE_ID, seedExamples } from '../infra/local/seed.js';
import { LOCAL_JWT_SECRET, mintImsToken, mintToken } from '../infra/local/token.js';
import { resetClient } from '../store/client.js';
import { lambdaContext } from './support/events.js';
import { apiEvent, HANDLERS } from './support/api.js';
import { loadEvent } from './support/fixtures.js';

const AUTH_VARS = ['AUTH_MODE', 'AUTH_JWT_SECRET', 'AUTH_JWT_ISSUER', 'AUTH_JWKS_URL', 'AUTH_API_AUDIENCE', 'AUTH_IMS_AUDIENCE', 'IS_OFFLINE', 'AWS_LAMBDA_FUNCTION_NAME'] as const;
let db: LocalDynamo | undefined;
let issuerServer: Server | undefined;
let issuer = '';
let jwksUp = true;
const keys: { rs: { privateKey: CryptoKey; jwk: JWK }; es: { privateKey: CryptoKey; jwk: JWK }; stranger: { privateKey: CryptoKey } } = {} as never;

function setEnv(env: Partial<Record<(typeof AUTH_VARS)[number], string>>): void {
  for (const k of AUTH_VARS) delete process.env[k];
  Object.assign(process.env, env);
}
const HS256 = { AUTH_MODE: 'hs256', AUTH_JWT_SECRET: LOCAL_JWT_SECRET };

beforeAll(async () => {
  process.env.IMS_PATH_PREFIX = '/ims';
  process.env.IMS_REGION = 'cn-north-4';
  process.env.IMS_AUTHORIZER_CACHE_TTL = '60';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  db = await startLocalDynamo({ port: 0, tableName: `auth-modes-${process.pid}` });
  await seedExamples({ endpoint: db.endpoint, tableName: db.tableName });
  const rs = await generateKeyPair('RS256');
  const es = await generateKeyPair('ES256');
  keys.rs = { privateKey: rs.privateKey, jwk: { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' } };
  keys.es = { privateKey: es.privateKey, jwk: { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256' } };
  keys.stranger = { privateKey: (await generateKeyPair('RS256')).privateKey };
  // A local issuer: OpenID discovery and its key set, as an identity provider serves them.
  issuerServer = createServer((req, res) => {
    if (!jwksUp) return void res.writeHead(503).end();
    if (req.url === '/.well-known/openid-configuration') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    if (req.url === '/keys') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [keys.rs.jwk, keys.es.jwk] }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => issuerServer!.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
});
afterEach(() => {
  vi.restoreAllMocks();
  setEnv(HS256);
});
afterAll(async () => {
  resetClient();
  await db?.close();
  await new Promise<void>((r) => (issuerServer ? issuerServer.close(() => r()) : r()));
});

/** Everything a call wrote to the console, and its result. */
async function quietly<T>(run: () => Promise<T>): Promise<{ result: T; written: string }> {
  const lines: string[] = [];
  for (const m of ['log', 'error', 'warn'] as const) vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  try {
    return { result: await run(), written: lines.join('\n') };
  } finally {
    vi.restoreAllMocks();
  }
}

/** A /v1 request; `claims` go into requestContext.authorizer.jwt.claims (what API Gateway's JWT authorizer fills). */
async function v1(method: string, url: string, o: { token?: string; claims?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; json: any; written: string }> {
  const { event, route } = apiEvent(o.token, method, url, o.body);
  if (o.claims) (event.requestContext as { authorizer?: unknown }).authorizer = { jwt: { claims: o.claims, scopes: null } };
  const { result, written } = await quietly(() => (HANDLERS[route.function] as NonNullable<(typeof HANDLERS)[string]>)(event, lambdaContext));
  return { status: result.statusCode ?? 200, json: result.body ? JSON.parse(result.body) : undefined, written };
}

const evaluateBody = { principal: { account_id: 'acc-1', user_id: 'alice' }, region: 'cn-north-4', action: 'ims:images:list' };

function imsEvent(token: string, method = 'GET', path = `/ims/v2/images/${EXAMPLE_IMAGE_ID}`): APIGatewayRequestAuthorizerEventV2 {
  const e = JSON.parse(JSON.stringify(loadEvent<APIGatewayRequestAuthorizerEventV2>('authorizer-v2-request.json')).replaceAll('<token>', token)) as APIGatewayRequestAuthorizerEventV2;
  e.rawPath = path;
  e.requestContext.http.method = method;
  e.requestContext.http.path = path;
  return e;
}
const authorize = async (token: string, method?: string, path?: string) => (await quietly(() => authorizer(imsEvent(token, method, path)))).result;

describe('no valid mode: every request refused, one logged configuration error, no stack', () => {
  it.each<[string, Record<string, string>]>([
    ['no AUTH_MODE', {}],
    ['AUTH_MODE=none', { AUTH_MODE: 'none' }],
    ['hs256 without a key', { AUTH_MODE: 'hs256' }],
    ['hs256 with a 16-byte key', { AUTH_MODE: 'hs256', AUTH_JWT_SECRET: 'sixteen-byte-key' }],
    ['hs256 with an unresolved dynamic reference', { AUTH_MODE: 'hs256', AUTH_JWT_SECRET: '{{resolve:secretsmanager:x:SecretString}}' }],
    ['hs256 with the published development key on a real Lambda', { ...HS256, AWS_LAMBDA_FUNCTION_NAME: 'ims-authz-prod-evaluate' }],
    ['gateway-jwt without an issuer', { AUTH_MODE: 'gateway-jwt' }],
    ['gateway-jwt with an http issuer', { AUTH_MODE: 'gateway-jwt', AUTH_JWT_ISSUER: 'http://idp.example.com' }],
    ['gateway-jwt under serverless-offline (which does not verify JWT signatures)', { AUTH_MODE: 'gateway-jwt', AUTH_JWT_ISSUER: 'https://idp.example.com', IS_OFFLINE: 'true' }],
    ['the same audience for both kinds of token', { ...HS256, AUTH_IMS_AUDIENCE: 'ims-authz' }],
  ])('%s', async (_n, env) => {
    setEnv(env);
    const token = await mintToken('acc-1');
    const r = await v1('POST', '/v1/evaluate', {
      token,
      body: evaluateBody,
      claims: { iss: 'https://idp.example.com', aud: 'ims-authz', account_id: 'acc-1', scope: 'evaluate', exp: String(Date.now() / 1000 + 60) },
    });
    expect(r.status).toBe(503);
    expect(r.json.error).toMatchObject({ code: 'AUTH_NOT_CONFIGURED' });
    expect(r.written).toContain('"message":"configuration error"');
    expect(r.written).not.toMatch(/\n\s+at /);
    expect((await authorize(await mintImsToken('acc-1', { user_id: 'alice' }))).context.reason).toBe('AUTH_NOT_CONFIGURED');
    // Public routes trust no credentials: they still answer.
    const { event } = apiEvent(undefined, 'GET', '/v1/catalog');
    expect((await catalog(event, lambdaContext)).statusCode).toBe(200);
  });
});

describe('hs256', () => {
  it('the two kinds of token are not interchangeable: an IMS caller token is refused by /v1, and one for both audiences by both', async () => {
    setEnv(HS256);
    const ims = await mintImsToken('acc-1', 'account');
    expect((await v1('POST', '/v1/evaluate', { token: ims, body: evaluateBody })).status).toBe(401);
    const imsWithScopes = await mintImsToken('acc-1', 'account', { claims: { scope: 'evaluate policies:read' } });
    expect((await v1('POST', '/v1/evaluate', { token: imsWithScopes, body: evaluateBody })).status).toBe(401);
    const both = await mintToken('acc-1', ['evaluate'], { audience: ['ims-authz', 'ims-api'] });
    expect((await v1('POST', '/v1/evaluate', { token: both, body: evaluateBody })).status).toBe(401);
    expect((await authorize(both)).context.reason).toBe('TOKEN_INVALID');
    expect((await v1('POST', '/v1/evaluate', { token: await mintToken('acc-1', ['evaluate']), body: evaluateBody })).status).toBe(200);
  });

  it('audiences are configuration: AUTH_API_AUDIENCE / AUTH_IMS_AUDIENCE', async () => {
    setEnv({ ...HS256, AUTH_API_AUDIENCE: 'https://authz.example.com', AUTH_IMS_AUDIENCE: 'https://ims.example.com' });
    expect((await v1('POST', '/v1/evaluate', { token: await mintToken('acc-1', ['evaluate']), body: evaluateBody })).status).toBe(401);
    expect((await v1('POST', '/v1/evaluate', { token: await mintToken('acc-1', ['evaluate'], { audience: 'https://authz.example.com' }), body: evaluateBody })).status).toBe(200);
    clearReferenceCache();
    expect((await authorize(await mintImsToken('acc-1', { user_id: 'alice' }, { audience: 'https://ims.example.com' }))).isAuthorized).toBe(true);
    expect((await authorize(await mintImsToken('acc-1', { user_id: 'alice' }))).context.reason).toBe('TOKEN_INVALID');
  });

  it('claims in the request context are ignored (a bearer token is needed)', async () => {
    setEnv(HS256);
    const claims = { iss: 'ims-authz', aud: 'ims-authz', account_id: 'acc-1', scope: 'evaluate', exp: String(Math.floor(Date.now() / 1000) + 60) };
    expect((await v1('POST', '/v1/evaluate', { claims, body: evaluateBody })).status).toBe(401);
  });
});

describe('gateway-jwt: the /v1 functions read the claims API Gateway verified', () => {
  const GW = { AUTH_MODE: 'gateway-jwt', AUTH_JWT_ISSUER: 'https://idp.example.com' };
  const exp = (): string => String(Math.floor(Date.now() / 1000) + 300);
  /** Claims as API Gateway's JWT authorizer passes them: strings, arrays as "[a b]". */
  const claims = (over: Record<string, string> = {}): Record<string, string> => ({
    iss: 'https://idp.example.com',
    aud: 'ims-authz',
    sub: 'svc',
    account_id: 'acc-1',
    scope: 'evaluate policies:read',
    exp: exp(),
    iat: exp(),
    ...over,
  });

  it('verified claims: the caller and its scopes', async () => {
    setEnv(GW);
    expect((await v1('POST', '/v1/evaluate', { claims: claims(), body: evaluateBody })).status).toBe(200);
    expect((await v1('POST', '/v1/evaluate', { claims: claims({ aud: '[other ims-authz]' }), body: evaluateBody })).status).toBe(200);
    expect((await v1('GET', '/v1/policies?limit=1', { claims: claims({ scope: 'evaluate' }) })).status).toBe(403);
  });

  it('refuses a request without verified claims, even with a valid bearer token of the hs256 kind', async () => {
    setEnv(GW);
    const r = await v1('POST', '/v1/evaluate', { token: await mintToken('acc-1', ['evaluate'], { issuer: 'https://idp.example.com' }), body: evaluateBody });
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('UNAUTHENTICATED');
  });

  it.each<[string, Record<string, string>]>([
    ['another issuer', { iss: 'https://evil.example.com' }],
    ['the IMS audience', { aud: 'ims-api' }],
    ['both audiences', { aud: '[ims-authz ims-api]' }],
    ['expired', { exp: String(Math.floor(Date.now() / 1000) - 60) }],
    ['no account', { account_id: '' }],
    ['a scope with a tab', { scope: 'evaluate\tpolicies:read' }],
  ])('refuses claims with %s', async (_n, over) => {
    setEnv(GW);
    expect((await v1('POST', '/v1/evaluate', { claims: claims(over), body: evaluateBody })).status).toBe(401);
  });
});

describe("gateway-jwt: the IMS authorizer verifies with the issuer's keys (JWKS)", () => {
  const gw = (): Record<string, string> => ({ AUTH_MODE: 'gateway-jwt', AUTH_JWT_ISSUER: issuer });
  const sign = (claims: Record<string, unknown>, alg: 'RS256' | 'ES256', key: CryptoKey, kid: string, o: { aud?: string | string[]; ttl?: number } = {}): Promise<string> =>
    new SignJWT({ account_id: 'acc-1', ...claims })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(o.aud ?? 'ims-api')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (o.ttl ?? 300))
      .sign(key);

  it('RS256 and ES256 tokens of the issuer, found by OpenID discovery', async () => {
    setEnv(gw());
    clearJwksCache();
    clearReferenceCache();
    const alice = await sign({ user_id: 'alice' }, 'RS256', keys.rs.privateKey, 'rs-1');
    expect(await authorize(alice)).toMatchObject({ isAuthorized: true, context: { principal: 'user:alice' } });
    expect(await authorize(alice, 'DELETE')).toMatchObject({ isAuthorized: false, context: { reason: 'explicit_deny' } });
    const account = await sign({ principal_type: 'account' }, 'ES256', keys.es.privateKey, 'es-1');
    expect(await authorize(account, 'DELETE')).toMatchObject({ isAuthorized: true, context: { principal: 'account' } });
  });

  it.each<[string, () => Promise<string>, string]>([
    ['a key the issuer does not publish', () => sign({ user_id: 'alice' }, 'RS256', keys.stranger.privateKey, 'rs-1'), 'TOKEN_INVALID'],
    ['an unknown kid', () => sign({ user_id: 'alice' }, 'RS256', keys.rs.privateKey, 'rs-9'), 'TOKEN_INVALID'],
    ['an ES256 header on the RSA key id', () => sign({ user_id: 'alice' }, 'ES256', keys.es.privateKey, 'rs-1'), 'TOKEN_INVALID'],
    ['an HS256 token (the local kind)', () => mintImsToken('acc-1', { user_id: 'alice' }, { issuer }), 'TOKEN_INVALID'],
    ["a token for this service's API", () => sign({ user_id: 'alice' }, 'RS256', keys.rs.privateKey, 'rs-1', { aud: 'ims-authz' }), 'TOKEN_INVALID'],
    ['no principal', () => sign({}, 'RS256', keys.rs.privateKey, 'rs-1'), 'TOKEN_NO_PRINCIPAL'],
    ['expired', () => sign({ user_id: 'alice' }, 'RS256', keys.rs.privateKey, 'rs-1', { ttl: -60 }), 'TOKEN_EXPIRED'],
  ])('%s -> deny %s', async (_n, token, reason) => {
    setEnv(gw());
    expect((await authorize(await token())).context.reason).toBe(reason);
  });

  it('the issuer unreachable: deny KEYS_UNAVAILABLE (no key is guessed)', async () => {
    setEnv(gw());
    clearJwksCache();
    jwksUp = false;
    try {
      expect((await authorize(await sign({ user_id: 'alice' }, 'RS256', keys.rs.privateKey, 'rs-1'))).context.reason).toBe('KEYS_UNAVAILABLE');
    } finally {
      jwksUp = true;
      clearJwksCache();
    }
  });
});

describe('serverless.yml and infra/auth.cjs', () => {
  const yml = readFileSync(new URL('../serverless.yml', import.meta.url), 'utf8');
  const { authSection } = createRequire(import.meta.url)('../infra/auth.cjs') as {
    authSection: (p: Record<string, unknown>) => { authorizers: Record<string, any>; v1Authorizer: string; environment: Record<string, string> };
  };
  const base = { stage: 'dev', imsAuthorizer: { type: 'request' } };

  it("every authenticated /v1 route has the mode's authorizer; public routes have none; the IMS routes keep the IMS authorizer", () => {
    for (const r of ROUTES) {
      const line = yml.split('\n').find((l) => l.includes(`httpApi: { method: ${r.method.toUpperCase()}, path: '${r.path}'`));
      expect(line, `${r.method} ${r.path}`).toBeDefined();
      if (r.public) expect(line).not.toContain('authorizer');
      else expect(line).toContain("authorizer: '${self:custom.auth.v1Authorizer}' }");
    }
    expect(yml.match(/httpApi: \{ method: [A-Z]+, path: '\/v1\//g)).toHaveLength(ROUTES.length);
    expect(yml).toMatch(/path: \/ims\/\{proxy\+\}\n\s+authorizer:\n\s+name: imsAuthorizer\n/);
    for (const v of ['AUTH_MODE', 'AUTH_JWT_ISSUER', 'AUTH_JWKS_URL', 'AUTH_API_AUDIENCE', 'AUTH_IMS_AUDIENCE', 'AUTH_JWT_SECRET'])
      expect(yml).toContain(`${v}: \${self:custom.auth.environment.${v}}`);
    expect(yml).not.toMatch(/AUTH_JWT_SECRET: (?!\$\{self:custom\.auth\.environment)/);
  });

  it("gateway-jwt: API Gateway's JWT authorizer (issuer, this API's audience) on the /v1 routes", () => {
    const a = authSection({ ...base, mode: 'gateway-jwt', issuer: 'https://idp.example.com' });
    expect(a.v1Authorizer).toBe('v1Jwt');
    expect(a.authorizers.v1Jwt).toEqual({ type: 'jwt', identitySource: '$request.header.Authorization', issuerUrl: 'https://idp.example.com', audience: ['ims-authz'] });
    expect(a.authorizers.imsAuthorizer).toEqual(base.imsAuthorizer);
    expect(a.environment).toMatchObject({ AUTH_MODE: 'gateway-jwt', AUTH_JWT_ISSUER: 'https://idp.example.com', AUTH_JWT_SECRET: '' });
  });

  it('hs256: no authorizer on /v1, the key a Secrets Manager dynamic reference (never a literal)', () => {
    const a = authSection({ ...base, mode: 'hs256' });
    expect(a.v1Authorizer).toBe('');
    expect(a.authorizers).not.toHaveProperty('v1Jwt');
    expect(a.environment.AUTH_JWT_SECRET).toBe('{{resolve:secretsmanager:ims-authz/dev/jwt-signing-key:SecretString}}');
    expect(authSection({ ...base, mode: 'hs256', secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf' }).environment.AUTH_JWT_SECRET).toBe(
      '{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf:SecretString}}',
    );
    expect(authSection({ ...base, mode: 'hs256', offlineSecret: LOCAL_JWT_SECRET }).environment.AUTH_JWT_SECRET).toBe(LOCAL_JWT_SECRET);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no mode', {}, /no auth mode/],
    ['an unknown mode', { mode: 'jwt' }, /not a mode/],
    ['gateway-jwt without an issuer', { mode: 'gateway-jwt' }, /needs --param=jwtIssuer/],
    ['gateway-jwt with an http issuer', { mode: 'gateway-jwt', issuer: 'http://idp.example.com' }, /not an https URL/],
    ['one audience for both', { mode: 'hs256', apiAudience: 'x', imsAudience: 'x' }, /different audiences/],
  ])('refuses to package with %s, saying what to pass', (_n, p, message) => {
    expect(() => authSection({ ...base, ...p })).toThrow(message);
  });

  it('npm start, npm run offline and the e2e stack run serverless-offline in the hs256 mode with the local key', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.offline).toMatch(/AUTH_OFFLINE_JWT_SECRET=.*sls offline start --param=authMode=hs256/);
    for (const f of ['../infra/local/start.ts', './support/offline.ts']) {
      const text = readFileSync(new URL(f, import.meta.url), 'utf8');
      expect(text, f).toContain("'--param=authMode=hs256'");
      expect(text, f).toContain('AUTH_OFFLINE_JWT_SECRET');
    }
    expect(readFileSync(new URL('../infra/cfn-offline-stub.ts', import.meta.url), 'utf8')).toContain("'AUTH_OFFLINE_JWT_SECRET']");
  });
});
