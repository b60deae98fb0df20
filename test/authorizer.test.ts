/**
 * The IMS API authorizer (functions/authorizer.ts) on real API Gateway HTTP API payload 2.0 REQUEST
 * authorizer events (test/fixtures/events/authorizer-v2-*.json: the AWS shape, serverless-offline's shape,
 * and malformed ones), against the seeded local table (on DynamoDB Local): allow, explicit and implicit
 * deny, unknown routes, bad tokens, region, hints, malformed events, the decision log line, and the cache
 * key API Gateway derives from the identity sources of serverless.yml.
 */
import { readFileSync } from 'node:fs';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, type ImsAuthorizerResult } from '../functions/authorizer.js';
import { clearReferenceCache } from '../functions/shared/reference.js';
import { gatewayConfig, IDENTITY_SOURCES, IMS_HEADERS, imsPath, readImsRequest } from '../functions/shared/ims-request.js';
import { PRINCIPAL_KEYS, principalKeyOf } from '../lib/engine/context.js';
import { startLocalDynamo, type LocalDynamo } from '../infra/local/dynamo.js';
import { seedExamples } from '../infra/local/seed.js';
import { LOCAL_JWT_SECRET, mintImsToken, mintToken } from '../infra/local/token.js';
import { resetClient } from '../store/client.js';
import { createGrant, createPolicy, createUser } from '../store/index.js';

const REGION = 'cn-north-4';
const IMG = '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60';
const yml = readFileSync(new URL('../serverless.yml', import.meta.url), 'utf8');
/** API Gateway's cache TTL for the authorizer, as serverless.yml sets it. */
const DEPLOYED_TTL = Number(/imsAuthorizer:\n\s+#[^\n]*\n(?:\s+#[^\n]*\n)*\s+resultTtlInSeconds: (\d+)/.exec(yml)?.[1]);

let db: LocalDynamo | undefined;
const tokens = {
  alice: '',
  bob: '',
  account: '',
  agency: '',
  expired: '',
  forged: '',
  otherAudience: '',
  both: '',
  badUser: '',
  ghost: '',
  none: '',
  apiToken: '',
  apiTokenAsUser: '',
  bothAudiences: '',
  noPrincipal: '',
  accountAndUser: '',
  userTypeAgency: '',
  unknownType: '',
};

const fixtureText = (name: string): string => readFileSync(new URL(`./fixtures/events/${name}`, import.meta.url), 'utf8');
/** A fixture event with `<token>` replaced. */
function fixture(name: string, token = ''): APIGatewayRequestAuthorizerEventV2 {
  return JSON.parse(fixtureText(name).replaceAll('<token>', token)) as APIGatewayRequestAuthorizerEventV2;
}

interface CallOptions {
  token?: string | null;
  method?: string;
  path?: string;
  ip?: string;
  headers?: Record<string, string>;
}

/** The AWS-shaped event for a call (headers, method, rawPath, http.path, sourceIp, identitySource consistent). */
function awsEvent(o: CallOptions = {}): APIGatewayRequestAuthorizerEventV2 {
  const e = fixture('authorizer-v2-request.json', o.token ?? '');
  const method = o.method ?? 'GET';
  const path = o.path ?? IMG;
  const headers: Record<string, string | undefined> = { ...e.headers, ...o.headers };
  if (o.token === null || o.token === undefined) delete headers.authorization;
  e.headers = headers;
  e.rawPath = path;
  e.requestContext.http.method = method;
  e.requestContext.http.path = path;
  e.requestContext.http.sourceIp = o.ip ?? '198.51.100.7';
  e.routeArn = `arn:aws:execute-api:eu-west-1:123456789012:abcdef123/$default/${method}${path}`;
  e.identitySource = IDENTITY_SOURCES.map((s) => identityValue(e, s) ?? '');
  return e;
}

/** The value of one identity source in an event, as API Gateway reads it (undefined: absent). */
function identityValue(e: APIGatewayRequestAuthorizerEventV2, source: string): string | undefined {
  const header = /^\$request\.header\.(.+)$/.exec(source);
  if (header) {
    const name = (header[1] as string).toLowerCase();
    const k = Object.keys(e.headers ?? {}).find((h) => h.toLowerCase() === name);
    return k === undefined ? undefined : e.headers?.[k];
  }
  const query = /^\$request\.querystring\.(.+)$/.exec(source);
  if (query) return e.queryStringParameters?.[query[1] as string];
  switch (source) {
    case '$context.httpMethod':
      return e.requestContext.http.method;
    case '$context.path':
      return e.requestContext.http.path;
    case '$context.identity.sourceIp':
      return e.requestContext.http.sourceIp;
    case '$context.routeKey':
      return e.requestContext.routeKey;
    default:
      throw new Error(`identity source ${source} is not modelled`);
  }
}

/**
 * API Gateway's authorizer cache key for an event: the values of the identity sources, in order. `null`
 * when one is missing or empty: then API Gateway answers 401 and neither calls the authorizer nor caches.
 */
function cacheKey(e: APIGatewayRequestAuthorizerEventV2, sources: readonly string[] = IDENTITY_SOURCES): string | null {
  const values = sources.map((s) => identityValue(e, s));
  return values.some((v) => v === undefined || v === '') ? null : JSON.stringify(values);
}

interface Answer {
  result: ImsAuthorizerResult;
  /** The decision log lines the call wrote. */
  lines: Array<Record<string, unknown>>;
  /** Everything the call wrote to the console. */
  written: string;
}

async function authorize(event: unknown): Promise<Answer> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const result = await handler(event as APIGatewayRequestAuthorizerEventV2);
    const written = [...log.mock.calls, ...error.mock.calls].map((c) => c.map(String).join(' ')).join('\n');
    const lines = log.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>).filter((l) => l.fn === 'authorizer');
    return { result, lines, written };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

const call = (o: CallOptions): Promise<Answer> => authorize(awsEvent(o));

function setTtl(ttl: number): void {
  process.env.IMS_AUTHORIZER_CACHE_TTL = String(ttl);
}

beforeAll(async () => {
  process.env.AUTH_MODE = 'hs256';
  process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
  process.env.IMS_PATH_PREFIX = '/ims';
  process.env.IMS_REGION = REGION;
  db = await startLocalDynamo({ port: 0, tableName: `authorizer-${process.pid}` });
  await seedExamples({ endpoint: db.endpoint, tableName: db.tableName });
  type Who = Parameters<typeof mintImsToken>[1];
  const mint = (who: Who, options: Parameters<typeof mintImsToken>[2] = {}): Promise<string> => mintImsToken('acc-1', who, options);
  tokens.alice = await mint({ user_id: 'alice' });
  tokens.bob = await mint({ user_id: 'bob' });
  tokens.account = await mint('account');
  tokens.agency = await mint({ agency: 'ims-copy' });
  tokens.expired = await mint({ user_id: 'alice' }, { ttl: -60 });
  tokens.forged = await mint({ user_id: 'alice' }, { secret: 'another-key-of-sufficient-length-000' });
  tokens.otherAudience = await mint({ user_id: 'alice' }, { audience: 'another-service' });
  tokens.both = await mint({ user_id: 'alice' }, { claims: { agency: 'ims-copy', principal_type: undefined } });
  tokens.badUser = await mint({ user_id: 'alice/../bob' });
  tokens.ghost = await mint({ user_id: 'nobody' });
  // A token for this service's API (audience ims-authz, every scope), with and without a user: never an IMS caller.
  tokens.apiToken = await mintToken('acc-1', ['evaluate']);
  tokens.apiTokenAsUser = await mintToken('acc-1', ['evaluate'], { claims: { user_id: 'alice' } });
  tokens.bothAudiences = await mint('account', { audience: ['ims-api', 'ims-authz'] });
  tokens.noPrincipal = await mint('account', { claims: { principal_type: undefined } });
  tokens.accountAndUser = await mint('account', { claims: { user_id: 'alice' } });
  tokens.userTypeAgency = await mint({ agency: 'ims-copy' }, { claims: { principal_type: 'user' } });
  tokens.unknownType = await mint('account', { claims: { principal_type: 'root' } });
  const [, payload] = tokens.alice.split('.') as [string, string, string];
  tokens.none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
});

beforeEach(() => {
  setTtl(DEPLOYED_TTL);
  process.env.IMS_REGION = REGION;
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  resetClient();
  await db?.close();
});

describe('decisions (seeded data, region cn-north-4)', () => {
  it('allows alice to get 6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60: the simple response with the decision in its context', async () => {
    const { result, lines } = await authorize(fixture('authorizer-v2-request.json', tokens.alice));
    expect(result.isAuthorized).toBe(true);
    expect(result.context).toMatchObject({ reason: 'allowed', action: 'ims:images:get', account_id: 'acc-1', principal: 'user:alice', region: REGION });
    expect(result.context.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.context.catalog_version).toMatch(/\S/);
    // The URN comes from the path's image id, the region and the token's account.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ decision_id: result.context.decision_id, resource: `ims:${REGION}:acc-1:image:6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60`, action: ['ims:images:get'] });
    // Every context value is a string (what REST-style consumers and access logs expect).
    for (const v of Object.values(result.context)) expect(typeof v).toBe('string');
  });

  it('denies alice deleting 6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60: explicit deny (the Deny granted on project cn-north-4)', async () => {
    const { result } = await call({ token: tokens.alice, method: 'DELETE' });
    expect(result).toMatchObject({ isAuthorized: false, context: { reason: 'explicit_deny', action: 'ims:images:deleteImage', principal: 'user:alice' } });
  });

  it('denies bob deleting 6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60: implicit deny (read-only)', async () => {
    const { result } = await call({ token: tokens.bob, method: 'DELETE' });
    expect(result).toMatchObject({ isAuthorized: false, context: { reason: 'implicit_deny', action: 'ims:images:deleteImage', principal: 'user:bob' } });
    expect((await call({ token: tokens.bob })).result.isAuthorized).toBe(true);
  });

  it('a token with principal_type "account" is the account itself (no identity Allow needed; SCPs apply)', async () => {
    const { result } = await call({ token: tokens.account, method: 'DELETE' });
    expect(result).toMatchObject({ isAuthorized: true, context: { principal: 'account', reason: 'allowed' } });
  });

  it('an agency token is decided as the agency (its grant is scoped to enterprise project ep-1, which the cached gateway cannot see)', async () => {
    const { result } = await call({ token: tokens.agency, path: '/ims/v2/cloudimages' });
    expect(result).toMatchObject({
      isAuthorized: false,
      context: { principal: 'agency:ims-copy', reason: 'context_required', context_required_keys: 'g:EnterpriseProjectId', action: 'ims:images:list' },
    });
    // deleteImage supports no enterprise project, so the grant never covers it: implicit deny, whatever the project.
    const del = await call({ token: tokens.agency, method: 'DELETE' });
    expect(del.result).toMatchObject({ isAuthorized: false, context: { principal: 'agency:ims-copy', reason: 'implicit_deny' } });
    expect(del.result.context).not.toHaveProperty('context_required_keys');
  });

  it('fails closed when a matching Deny needs a key the gateway cannot supply (ims:Encrypted): context_required, an engine reason', async () => {
    const { result, lines } = await call({ token: tokens.alice, method: 'POST', path: '/ims/v1/cloudimages/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60/copy' });
    expect(result).toMatchObject({ isAuthorized: false, context: { reason: 'context_required', context_required_keys: 'ims:Encrypted', action: 'ims:images:copyInRegion' } });
    expect(lines[0]).toMatchObject({ decision: 'deny', reason: 'context_required', context_required_keys: ['ims:Encrypted'] });
    expect(lines[0]).not.toHaveProperty('error_code');
  });

  it('an unknown principal is denied', async () => {
    expect((await call({ token: tokens.ghost })).result).toMatchObject({ isAuthorized: false, context: { reason: 'UNKNOWN_PRINCIPAL' } });
  });

  it('the offline event shape (template in http.path, no sourceIp, stage "dev") is read from rawPath', async () => {
    const { result } = await authorize(fixture('authorizer-v2-offline.json', tokens.alice));
    expect(result).toMatchObject({ isAuthorized: true, context: { action: 'ims:images:get' } });
  });
});

describe('routes and paths', () => {
  it.each([
    ['an unknown IMS route', 'GET', '/ims/v9/nothing', 'UNKNOWN_API'],
    ['a known path with another method', 'POST', IMG, 'UNKNOWN_API'],
    ['a path outside the prefix', 'GET', '/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', 'UNKNOWN_API'],
    ['the prefix alone', 'GET', '/ims', 'UNKNOWN_API'],
    ['an encoded slash', 'GET', '/ims/v2/images/img%2F1', 'INVALID_PATH'],
    ['a dot segment', 'GET', '/ims/v2/images/../images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', 'INVALID_PATH'],
    ['an encoded dot segment', 'GET', '/ims/v2/images/%2e%2e', 'INVALID_PATH'],
    ['an empty segment', 'GET', '/ims/v2//images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', 'INVALID_PATH'],
    ['a wildcard image id', 'GET', '/ims/v2/images/*', 'INVALID_PATH'],
    ['a colon in the image id (URN injection)', 'GET', '/ims/v2/images/x:image:6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', 'INVALID_PATH'],
    ['a malformed escape', 'GET', '/ims/v2/images/%zz', 'INVALID_PATH'],
  ])('%s -> deny %s %s: %s', async (_n, method, path, reason) => {
    const { result, lines } = await call({ token: tokens.alice, method, path });
    expect(result).toMatchObject({ isAuthorized: false, context: { reason } });
    expect(lines).toHaveLength(1);
  });

  // Issue 12 item 8: ids IMS never issues escaped a Deny written for the real spelling. The account itself may
  // delete any image (FullAccess SCPs): each of these was allowed on main.
  const UUID = '6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60';
  const PROJECT = 'edc89b490d7d4392898e19b2deb34797';
  it.each([
    ['an upper-case word', 'DELETE', '/ims/v2/images/SECRET', 'INVALID_IMAGE_ID'],
    ['a trailing dot', 'DELETE', '/ims/v2/images/secret.', 'INVALID_IMAGE_ID'],
    ['a trailing tilde', 'DELETE', '/ims/v2/images/secret~', 'INVALID_IMAGE_ID'],
    ['an upper-case UUID (IMS issues lower case: refused, not lowered)', 'DELETE', `/ims/v2/images/${UUID.toUpperCase()}`, 'INVALID_IMAGE_ID'],
    ['a UUID without hyphens', 'DELETE', `/ims/v2/images/${UUID.replace(/-/g, '')}`, 'INVALID_IMAGE_ID'],
    ['a UUID with a suffix', 'DELETE', `/ims/v2/images/${UUID}.`, 'INVALID_IMAGE_ID'],
    ['a member id that is no project id', 'PUT', `/ims/v2/images/${UUID}/members/acc-2`, 'INVALID_MEMBER_ID'],
    ['an upper-case member id', 'PUT', `/ims/v2/images/${UUID}/members/${PROJECT.toUpperCase()}`, 'INVALID_MEMBER_ID'],
    ['a project id that is no project id', 'GET', `/ims/v2/my-project/images/${UUID}/tags`, 'INVALID_PROJECT_ID'],
    ['a good project id, a bad image id', 'GET', `/ims/v2/${PROJECT}/images/secret/tags`, 'INVALID_IMAGE_ID'],
  ])('%s -> deny %s %s: %s', async (_n, method, path, reason) => {
    const { result, lines } = await call({ token: tokens.account, method, path });
    expect(result).toMatchObject({ isAuthorized: false, context: { reason } });
    expect(lines).toHaveLength(1);
  });

  it('ids in the form IMS issues are decided as before', async () => {
    expect((await call({ token: tokens.account, method: 'DELETE', path: `/ims/v2/images/${UUID}` })).result.isAuthorized).toBe(true);
    expect((await call({ token: tokens.account, method: 'PUT', path: `/ims/v2/images/${UUID}/members/${PROJECT}` })).result.context.reason).not.toMatch(/^INVALID_/);
    expect((await call({ token: tokens.account, path: `/ims/v2/${PROJECT}/images/${UUID}/tags` })).result.context.reason).not.toMatch(/^INVALID_/);
  });

  it('every id parameter of the catalog that names an image, a member or a project is checked (property: any other spelling is refused)', async () => {
    const { checkPathIds, PATH_ID_FORMATS } = await import('../functions/shared/ims-request.js');
    const fc = (await import('fast-check')).default;
    const idChars = fc.constantFrom(...'0123456789abcdefABCDEF-_.~xyzSECRT'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: idChars, minLength: 1, maxLength: 40 }), (id) => {
        const image = checkPathIds('DELETE', `/v2/images/${id}`);
        expect(image === null).toBe(PATH_ID_FORMATS.image_id!.re.test(id));
        // The oracle: a UUID IMS issues is what crypto.randomUUID() prints (lower case, version digit aside).
        if (image === null) expect(id).toBe(id.toLowerCase());
        const member = checkPathIds('PUT', `/v2/images/${UUID}/members/${id}`);
        expect(member === null).toBe(/^[0-9a-f]{32}$/.test(id));
      }),
      { numRuns: 500 },
    );
    for (let i = 0; i < 50; i++) expect(checkPathIds('DELETE', `/v2/images/${crypto.randomUUID()}`)).toBeNull();
  });

  it('a trailing slash and a query string do not change the API', async () => {
    expect((await call({ token: tokens.alice, path: `${IMG}/` })).result.context.action).toBe('ims:images:get');
  });

  it('strips a named stage before the prefix', () => {
    expect(imsPath('/prod/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', '/ims', 'prod')).toEqual({ ok: true, path: '/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60' });
    expect(imsPath('/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', '/ims', '$default')).toEqual({ ok: true, path: '/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60' });
    expect(imsPath('/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', '', undefined)).toEqual({ ok: true, path: '/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60' });
  });
});

describe('tokens (the same verification as the HTTP functions; no scope needed)', () => {
  it.each([
    ['no Authorization header', () => null, 'TOKEN_MISSING'],
    ['a Basic credential', () => 'BASIC', 'TOKEN_MISSING'],
    ['an expired token', () => tokens.expired, 'TOKEN_EXPIRED'],
    ['a forged signature', () => tokens.forged, 'TOKEN_INVALID'],
    ['alg none', () => tokens.none, 'TOKEN_INVALID'],
    ['another audience', () => tokens.otherAudience, 'TOKEN_INVALID'],
    ['a user and an agency', () => tokens.both, 'TOKEN_INVALID'],
    ['a malformed user id', () => tokens.badUser, 'TOKEN_INVALID'],
    ['garbage', () => 'not.a.jwt', 'TOKEN_INVALID'],
    // Issue 12 item 4: a token for this service's API is not a token for the IMS API (and never the account root).
    ['a token for the /v1 API (audience ims-authz, no user)', () => tokens.apiToken, 'TOKEN_INVALID'],
    ['a token for the /v1 API naming a user', () => tokens.apiTokenAsUser, 'TOKEN_INVALID'],
    ['a token for both audiences', () => tokens.bothAudiences, 'TOKEN_INVALID'],
    ['no principal_type, no user_id, no agency', () => tokens.noPrincipal, 'TOKEN_NO_PRINCIPAL'],
    ['principal_type account with a user_id', () => tokens.accountAndUser, 'TOKEN_INVALID'],
    ['principal_type user with an agency', () => tokens.userTypeAgency, 'TOKEN_INVALID'],
    ['an unknown principal_type', () => tokens.unknownType, 'TOKEN_INVALID'],
  ])('%s -> deny %s', async (_n, token, reason) => {
    const t = token();
    const { result, lines } = t === 'BASIC' ? await call({ token: null, headers: { authorization: 'Basic YWxpY2U6cHc=' } }) : await call({ token: t });
    expect(result).toEqual({ isAuthorized: false, context: { decision_id: expect.stringMatching(/^[0-9a-f-]{36}$/), reason, catalog_version: expect.any(String) } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty('caller_account'); // unverified claims are not logged as the caller
  });

  it.each<[string, Record<string, string | undefined>]>([
    ['no mode (AUTH_MODE)', { AUTH_MODE: undefined }],
    ['an unknown mode', { AUTH_MODE: 'jwt' }],
    ['hs256 without a key (AUTH_JWT_SECRET)', { AUTH_JWT_SECRET: undefined }],
    ['hs256 with a short key', { AUTH_JWT_SECRET: 'short' }],
    ['hs256 with an unresolved dynamic reference', { AUTH_JWT_SECRET: '{{resolve:secretsmanager:ims-authz/dev/jwt-signing-key:SecretString}}' }],
    ['the development key on a real Lambda', { AWS_LAMBDA_FUNCTION_NAME: 'ims-authz-dev-authorizer' }],
    ['gateway-jwt without an issuer', { AUTH_MODE: 'gateway-jwt' }],
    ['one audience for both kinds of token', { AUTH_IMS_AUDIENCE: 'ims-authz' }],
  ])('%s -> deny AUTH_NOT_CONFIGURED, whatever the event carries, with a logged configuration error', async (_n, env) => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    try {
      const e = awsEvent({ token: tokens.alice }) as APIGatewayRequestAuthorizerEventV2 & { requestContext: { authorizer?: unknown } };
      e.requestContext.authorizer = { jwt: { claims: { account_id: 'acc-1', user_id: 'alice' } } };
      const { result, written } = await authorize(e);
      expect(result).toMatchObject({ isAuthorized: false, context: { reason: 'AUTH_NOT_CONFIGURED' } });
      expect(written).toContain('"message":"configuration error"');
      expect(written).not.toContain('    at '); // no stack
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });
});

describe('region, hints and context', () => {
  it('the region is IMS_REGION; none configured -> REGION_UNKNOWN', async () => {
    process.env.IMS_REGION = '';
    expect((await call({ token: tokens.alice })).result).toMatchObject({ isAuthorized: false, context: { reason: 'REGION_UNKNOWN' } });
  });

  it('while answers are cached, x-ims-* headers are not read (they are not in the cache key)', async () => {
    setTtl(60);
    // With the header read, alice could delete in cn-east-3; cached, the deployment's region decides.
    const del = await call({ token: tokens.alice, method: 'DELETE', headers: { [IMS_HEADERS.region]: 'cn-east-3' } });
    expect(del.result).toMatchObject({ isAuthorized: false, context: { reason: 'explicit_deny', region: REGION } });
    process.env.IMS_REGION = '';
    expect((await call({ token: tokens.alice, headers: { [IMS_HEADERS.region]: 'cn-east-3' } })).result.context.reason).toBe('REGION_UNKNOWN');
    process.env.IMS_REGION = REGION;
    // The enterprise project id would let the agency list images; unread, it does not.
    const list = await call({ token: tokens.agency, path: '/ims/v2/cloudimages', headers: { [IMS_HEADERS.enterpriseProjectId]: 'ep-1' } });
    expect(list.result.isAuthorized).toBe(false);
    // Hints unread: every conditional requirement applies (fail closed).
    const quick = await call({ token: tokens.alice, method: 'POST', path: '/ims/v2/cloudimages/quickimport/action', headers: { [IMS_HEADERS.quickImportDisk]: 'data' } });
    expect(quick.lines[0]?.action).toEqual(['ims:images:import', 'ims:dataImages:create', 'ims:serverImages:create']);
    // Garbage in an unread header changes nothing.
    expect((await call({ token: tokens.alice, headers: { [IMS_HEADERS.quickImportDisk]: '??' } })).result.isAuthorized).toBe(true);
  });

  it('without caching (TTL 0), x-ims-region cannot name another region than IMS_REGION; without IMS_REGION it is the region', async () => {
    setTtl(0);
    // alice is denied deleteImage in project cn-north-4 (the deployment's region): naming cn-east-3, where she
    // may delete, is refused, not decided there.
    const del = await call({ token: tokens.alice, method: 'DELETE', headers: { [IMS_HEADERS.region]: 'cn-east-3' } });
    expect(del.result).toMatchObject({ isAuthorized: false, context: { reason: 'INVALID_HEADER' } });
    const same = await call({ token: tokens.alice, method: 'DELETE', headers: { [IMS_HEADERS.region]: REGION } });
    expect(same.result.isAuthorized).toBe(false);
    expect(same.lines[0]?.resource).toBe(`ims:${REGION}:acc-1:image:6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60`);
    process.env.IMS_REGION = '';
    const named = await call({ token: tokens.alice, method: 'DELETE', headers: { [IMS_HEADERS.region]: 'cn-east-3' } });
    expect(named.result).toMatchObject({ isAuthorized: true, context: { region: 'cn-east-3' } });
    expect(named.lines[0]?.resource).toBe('ims:cn-east-3:acc-1:image:6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60');
    expect((await call({ token: tokens.alice, headers: { [IMS_HEADERS.region]: REGION } })).result.isAuthorized).toBe(true);
    expect((await call({ token: tokens.alice, headers: { [IMS_HEADERS.region]: 'cn-north-4:acc-2' } })).result.context.reason).toBe('INVALID_REGION');
  });

  it('without caching, the hints select the conditional requirements', async () => {
    setTtl(0);
    const path = '/ims/v2/cloudimages/quickimport/action';
    const data = await call({ token: tokens.alice, method: 'POST', path, headers: { [IMS_HEADERS.quickImportDisk]: 'data' } });
    expect(data.lines[0]?.action).toEqual(['ims:images:import', 'ims:dataImages:create']);
    const system = await call({ token: tokens.alice, method: 'POST', path, headers: { [IMS_HEADERS.quickImportDisk]: 'SYSTEM' } });
    expect(system.lines[0]?.action).toEqual(['ims:images:import', 'ims:serverImages:create']);
    const none = await call({ token: tokens.alice, method: 'POST', path });
    expect(none.lines[0]?.action).toEqual(['ims:images:import', 'ims:dataImages:create', 'ims:serverImages:create']);
    const copy = await call({ token: tokens.account, method: 'POST', path: '/ims/v1/cloudimages/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60/copy', headers: { [IMS_HEADERS.enterpriseProject]: 'false' } });
    expect(copy.lines[0]?.action).toEqual(['ims:images:copyInRegion']);
    expect((await call({ token: tokens.account, method: 'POST', path: '/ims/v1/cloudimages/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60/copy' })).lines[0]?.action).toEqual([
      'ims:images:copyInRegion',
      'ims:serverImages:create',
    ]);
    for (const [h, v] of [
      [IMS_HEADERS.quickImportDisk, 'both'],
      [IMS_HEADERS.enterpriseProject, 'yes'],
      [IMS_HEADERS.enterpriseProjectId, 'ep 1'],
    ] as const) {
      expect((await call({ token: tokens.alice, method: 'POST', path, headers: { [h]: v } })).result.context.reason).toBe('INVALID_HEADER');
    }
  });

  it('without caching, x-ims-enterprise-project-id is g:EnterpriseProjectId (enterprise-project grants apply)', async () => {
    setTtl(0);
    const list = await call({ token: tokens.agency, path: '/ims/v2/cloudimages', headers: { [IMS_HEADERS.enterpriseProjectId]: 'ep-1' } });
    expect(list.result).toMatchObject({ isAuthorized: true, context: { principal: 'agency:ims-copy', action: 'ims:images:list' } });
    expect((await call({ token: tokens.agency, path: '/ims/v2/cloudimages', headers: { [IMS_HEADERS.enterpriseProjectId]: 'ep-2' } })).result.isAuthorized).toBe(false);
  });
});

describe('malformed events never throw: deny, one log line', () => {
  it.each([
    ['null', () => null, 'INVALID_EVENT'],
    ['undefined', () => undefined, 'INVALID_EVENT'],
    ['a string', () => 'GET /ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60', 'INVALID_EVENT'],
    ['an array', () => [awsEvent({ token: tokens.alice })], 'INVALID_EVENT'],
    ['an empty object', () => ({}), 'TOKEN_MISSING'],
    ['no headers', () => fixture('authorizer-v2-no-headers.json'), 'TOKEN_MISSING'],
    ['no requestContext', () => fixture('authorizer-v2-no-request-context.json', tokens.alice), 'INVALID_EVENT'],
    ['garbage (array headers, object rawPath, binary body)', () => fixture('authorizer-v2-garbage.json', tokens.alice), 'TOKEN_MISSING'],
    [
      'garbage with a valid token',
      () => {
        const e = fixture('authorizer-v2-garbage.json', tokens.alice) as unknown as Record<string, unknown>;
        e.headers = { authorization: `Bearer ${tokens.alice}` };
        return e;
      },
      'INVALID_EVENT',
    ],
    [
      'no rawPath and no http.path',
      () => {
        const e = awsEvent({ token: tokens.alice }) as unknown as { rawPath?: string; requestContext: { http: { path?: string } } };
        delete e.rawPath;
        delete e.requestContext.http.path;
        return e;
      },
      'INVALID_EVENT',
    ],
    [
      'a header value that is not a string',
      () => {
        const e = awsEvent({ token: null }) as unknown as { headers: Record<string, unknown> };
        e.headers.authorization = ['Bearer', tokens.alice];
        return e;
      },
      'TOKEN_MISSING',
    ],
    ['a 2 KiB path', () => awsEvent({ token: tokens.alice, path: `/ims/${'a'.repeat(2048)}` }), 'INVALID_PATH'],
  ])('%s -> deny %s', async (_n, event, reason) => {
    const { result, lines } = await authorize(event());
    expect(result.isAuthorized).toBe(false);
    expect(result.context.reason).toBe(reason);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ fn: 'authorizer', decision: 'deny', reason, decision_id: result.context.decision_id });
  });

  it('the store unreachable -> deny STORE_UNAVAILABLE, logged with the decision id', async () => {
    const endpoint = process.env.DYNAMODB_ENDPOINT;
    clearReferenceCache();
    process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:9';
    resetClient();
    try {
      const { result, lines, written } = await call({ token: tokens.alice });
      expect(result).toMatchObject({ isAuthorized: false, context: { reason: 'STORE_UNAVAILABLE' } });
      expect(lines).toHaveLength(1);
      expect(written).toContain(`"decision_id":"${result.context.decision_id}","request_id"`);
    } finally {
      process.env.DYNAMODB_ENDPOINT = endpoint;
      resetClient();
    }
  });
});

describe('decision log', () => {
  it('one line per call: decision id, account, actions, resource, decision, reason, latency, catalog version; no token, policies or context values', async () => {
    setTtl(0);
    const epId = 'ep-secret-123';
    const ip = '203.0.113.250';
    const { result, lines, written } = await call({ token: tokens.alice, ip, headers: { [IMS_HEADERS.enterpriseProjectId]: epId } });
    expect(lines).toHaveLength(1);
    const line = lines[0] as Record<string, unknown>;
    expect(Object.keys(line).sort()).toEqual(['action', 'caller_account', 'catalog_version', 'decision', 'decision_id', 'fn', 'latency_ms', 'level', 'reason', 'request_id', 'resource'].sort());
    expect(line).toMatchObject({
      fn: 'authorizer',
      request_id: 'CAfMZg0sDoEEMJw=',
      decision_id: result.context.decision_id,
      caller_account: 'acc-1',
      action: ['ims:images:get'],
      resource: `ims:${REGION}:acc-1:image:6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60`,
      decision: 'allow',
      reason: 'allowed',
      catalog_version: result.context.catalog_version,
    });
    expect(typeof line.latency_ms).toBe('number');
    for (const secret of [tokens.alice, tokens.alice.split('.')[2] as string, ip, epId, 'Statement', '"Effect"', 'alice']) expect(written).not.toContain(secret);
  });
});

describe('cache safety (API Gateway caches each answer under the identity-source values)', () => {
  it('serverless.yml: the identity sources are IDENTITY_SOURCES; one TTL for API Gateway and the function', () => {
    const block = /imsAuthorizer:\n(?:\s{4}[^\n]*\n)*?\s{4}definition:\n((?:\s{6}[^\n]*\n)+)/.exec(yml)?.[1] ?? '';
    expect(block).toMatch(/type: request\n/);
    expect(block).toMatch(/functionName: authorizer\n/);
    expect(block).toMatch(/enableSimpleResponses: true\n/);
    expect(block).toMatch(/payloadVersion: '2\.0'\n/);
    expect(block).toMatch(/resultTtlInSeconds: \$\{self:custom\.imsAuthorizer\.resultTtlInSeconds\}\n/);
    const sources = /identitySource:\n((?:\s+- [^\n]+\n)+)/
      .exec(block)?.[1]
      ?.trim()
      .split('\n')
      .map((l) => l.trim().replace(/^- /, ''));
    expect(yml).toMatch(/authorizers: \$\{self:custom\.auth\.authorizers\}\n/);
    expect(sources).toEqual([...IDENTITY_SOURCES]);
    expect(yml).toMatch(/IMS_AUTHORIZER_CACHE_TTL: '\$\{self:custom\.imsAuthorizer\.resultTtlInSeconds\}'/);
    expect(DEPLOYED_TTL).toBeGreaterThan(0);
    expect(yml).toMatch(/path: \/ims\/\{proxy\+\}\n\s+authorizer:\n\s+name: imsAuthorizer\n/);
  });

  it('the key holds the token, the method, the full path and the source IP; a request without a token has no key (401)', () => {
    const base = awsEvent({ token: tokens.alice });
    const variants = [
      awsEvent({ token: tokens.bob }),
      awsEvent({ token: tokens.account }),
      awsEvent({ token: tokens.alice, method: 'DELETE' }),
      awsEvent({ token: tokens.alice, path: '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f61' }),
      awsEvent({ token: tokens.alice, path: '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f60/members' }),
      awsEvent({ token: tokens.alice, ip: '203.0.113.9' }),
    ];
    const keys = new Set([base, ...variants].map((e) => cacheKey(e)));
    expect(keys.size).toBe(variants.length + 1);
    expect(keys.has(null)).toBe(false);
    expect(cacheKey(awsEvent({ token: null }))).toBeNull();
    // The route key alone would put every path and method under /ims/{proxy+} in one entry.
    expect(cacheKey(base, ['$request.header.Authorization', '$context.routeKey'])).toBe(
      cacheKey(awsEvent({ token: tokens.alice, method: 'DELETE', path: '/ims/v2/images/6f3c2a1e-8b4d-4c5e-9f7a-1b2c3d4e5f61' }), ['$request.header.Authorization', '$context.routeKey']),
    );
  });

  it('two principals on the same call get different answers, under different keys', async () => {
    const alice = awsEvent({ token: tokens.alice, method: 'DELETE' });
    const account = awsEvent({ token: tokens.account, method: 'DELETE' });
    const [a, b] = [await authorize(alice), await authorize(account)];
    expect([a.result.isAuthorized, b.result.isAuthorized]).toEqual([false, true]);
    expect(cacheKey(alice)).not.toBe(cacheKey(account));
  });

  it('the answer is a function of the key: requests that share a key get the same answer, whatever else they carry', async () => {
    setTtl(DEPLOYED_TTL);
    const requests: CallOptions[] = [];
    for (const token of [tokens.alice, tokens.bob, tokens.account, tokens.agency]) {
      for (const [method, path] of [
        ['GET', IMG],
        ['DELETE', IMG],
        ['GET', '/ims/v2/cloudimages'],
        ['POST', '/ims/v2/cloudimages/quickimport/action'],
      ] as const) {
        for (const headers of <Array<Record<string, string>>>[
          {},
          { [IMS_HEADERS.region]: 'cn-east-3' },
          { [IMS_HEADERS.enterpriseProjectId]: 'ep-1', [IMS_HEADERS.enterpriseProject]: 'true' },
          { [IMS_HEADERS.quickImportDisk]: 'data', 'x-forwarded-for': '10.0.0.1', cookie: 'a=b' },
        ]) {
          requests.push({ token, method, path, headers });
        }
      }
    }
    const byKey = new Map<string, Set<string>>();
    for (const r of requests) {
      const event = awsEvent(r);
      const { result } = await authorize(event);
      const { decision_id: _id, ...answer } = result.context;
      const key = cacheKey(event) as string;
      (byKey.get(key) ?? byKey.set(key, new Set()).get(key)!).add(JSON.stringify({ ok: result.isAuthorized, ...answer }));
    }
    expect(byKey.size).toBe(16); // 4 tokens x 4 calls: the x-ims-* headers do not make keys, and do not change answers
    for (const [key, answers] of byKey) expect(answers.size, `${key}: ${[...answers].join(' | ')}`).toBe(1);
  });

  it('with caching off the headers change answers: the configuration that reads them must not cache', async () => {
    setTtl(0);
    process.env.IMS_REGION = ''; // a deployment without a region of its own: the header names it
    const north = await call({ token: tokens.alice, method: 'DELETE', headers: { [IMS_HEADERS.region]: REGION } });
    const east = await call({ token: tokens.alice, method: 'DELETE', headers: { [IMS_HEADERS.region]: 'cn-east-3' } });
    expect(cacheKey(awsEvent({ token: tokens.alice, method: 'DELETE', headers: { [IMS_HEADERS.region]: REGION } }))).toBe(
      cacheKey(awsEvent({ token: tokens.alice, method: 'DELETE', headers: { [IMS_HEADERS.region]: 'cn-east-3' } })),
    );
    expect([north.result.isAuthorized, east.result.isAuthorized]).toEqual([false, true]);
  });
});

describe('unknown context keys: every key the gateway does not compute is unknown, not absent', () => {
  /** An image id in the form IMS issues. */
  const IMAGE_ID = '3f1c2a9e-5b7d-4c1e-9a8f-0d2b6e4c7a15';
  const user = { carol: '', dave: '' };

  beforeAll(async () => {
    // carol: the seeded share-within-org policy (share only when every target is under o-1/r-1/).
    await createUser('acc-1', { user_id: 'carol', name: 'Carol' });
    await createGrant('acc-1', { policy_id: 'share-within-org', principal: { type: 'user', id: 'carol' }, scope: { type: 'all_projects' } });
    // dave: reads when the stored name is Dave (a key derived from the stored principal); lists when the
    // principal URN is his (filled from the stored account and name); reads quotas when the principal type
    // is User (a principal key nothing fills: unknown, so undecided).
    await createUser('acc-1', { user_id: 'dave', name: 'Dave' });
    await createPolicy({
      account_id: 'acc-1',
      policy_id: 'dave-by-identity',
      name: 'Dave by identity',
      document: JSON.stringify({
        Version: '5.0',
        Statement: [
          { Effect: 'Allow', Action: ['ims:images:get'], Condition: { StringEquals: { 'g:UserName': ['Dave'] } } },
          { Effect: 'Allow', Action: ['ims:images:list'], Condition: { StringEquals: { 'g:PrincipalUrn': ['iam::acc-1:user:Dave'] } } },
          { Effect: 'Allow', Action: ['ims:quotas:get'], Condition: { StringEquals: { 'g:PrincipalType': ['User'] } } },
        ],
      }),
    });
    await createGrant('acc-1', { policy_id: 'dave-by-identity', principal: { type: 'user', id: 'dave' }, scope: { type: 'all_projects' } });
    user.carol = await mintImsToken('acc-1', { user_id: 'carol' });
    user.dave = await mintImsToken('acc-1', { user_id: 'dave' });
  });

  it('the issue: sharing with share-within-org through the authorizer is context_required (ims:TargetOrgPaths), not allowed', async () => {
    const { result, lines } = await call({ token: user.carol, method: 'POST', path: `/ims/v2/images/${IMAGE_ID}/members` });
    expect(result).toMatchObject({ isAuthorized: false, context: { reason: 'context_required', context_required_keys: 'ims:TargetOrgPaths', action: 'ims:images:share', principal: 'user:carol' } });
    expect(lines[0]).toMatchObject({ decision: 'deny', reason: 'context_required', context_required_keys: ['ims:TargetOrgPaths'], action: ['ims:images:share', 'ims:images:get'] });
    // What the policy allows without conditions is still allowed.
    expect((await call({ token: user.carol, path: `/ims/v2/images/${IMAGE_ID}` })).result).toMatchObject({ isAuthorized: true, context: { reason: 'allowed' } });
  });

  it('keys derived from the stored principal are known; principal keys nothing fills are unknown', async () => {
    expect((await call({ token: user.dave, path: `/ims/v2/images/${IMAGE_ID}` })).result).toMatchObject({ isAuthorized: true, context: { reason: 'allowed' } });
    expect((await call({ token: user.dave, path: '/ims/v2/cloudimages' })).result).toMatchObject({ isAuthorized: true, context: { reason: 'allowed' } });
    const quota = await call({ token: user.dave, path: '/ims/v1/cloudimages/quota' });
    expect(quota.result).toMatchObject({ isAuthorized: false, context: { reason: 'context_required', context_required_keys: 'g:PrincipalType' } });
  });

  it('no header can set or hide a key derived from the principal (every entry of the list, in any case)', async () => {
    setTtl(0);
    const baseline = await call({ token: user.dave, path: `/ims/v2/images/${IMAGE_ID}` });
    for (const { key } of PRINCIPAL_KEYS) {
      const name = key.replace('/*', '/dept');
      for (const v of [name, name.toLowerCase(), name.toUpperCase()]) {
        const headers = { [v]: 'Eve', [`x-ims-${v.replace(/[:/]/g, '-')}`]: 'Eve', 'x-ims-context': JSON.stringify({ [v]: 'Eve' }) };
        const event = awsEvent({ token: user.dave, path: `/ims/v2/images/${IMAGE_ID}`, headers });
        const read = readImsRequest(event, gatewayConfig());
        expect(read.ok).toBe(true);
        if (read.ok) for (const k of Object.keys(read.request.context)) expect(principalKeyOf(k), k).toBeNull();
        const { result } = await authorize(event);
        expect(result.isAuthorized, v).toBe(baseline.result.isAuthorized);
        expect(result.context.reason, v).toBe(baseline.result.context.reason);
      }
    }
  });
});
