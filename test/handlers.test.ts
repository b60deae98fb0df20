/**
 * The HTTP functions called directly with API Gateway v2 events: replies conform to the response schemas,
 * bad input gets a structured 4xx (never a 500), real faults a 500 with a request id and no stack, and
 * every decision writes one log line without policy documents or context values.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as catalogHandler } from '../functions/catalog.js';
import { handler as evaluateHandler } from '../functions/evaluate.js';
import { handler as explainHandler } from '../functions/explain.js';
import { handler as notFoundHandler } from '../functions/not-found.js';
import { handler as openapiHandler } from '../functions/openapi.js';
import { HttpError } from '../functions/shared/http.js';
import { ROUTES } from '../functions/shared/openapi.js';
import { publicService as service } from '../functions/shared/public-service.js';
import { handler as validateHandler } from '../functions/validate.js';
import { checkSchema, SCHEMAS, type SchemaName } from '../lib/schema/schemas.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { httpEvent, lambdaContext, useToken } from './support/events.js';

process.env.AUTH_MODE = 'hs256';
process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
beforeAll(async () => useToken(await mintToken('acc-1')));
afterAll(() => useToken(undefined));

const FULL = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] };
const NO_DELETE = { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] };
const deleteRequest = {
  principal: { account_id: 'acc-1', user_name: 'alice' },
  action: 'ims:images:deleteImage',
  resource: 'ims:cn-north-4:acc-1:image:abc',
  context: { 'g:SourceIp': '10.9.8.7' },
  policies: [
    { id: 'full', document: FULL },
    { id: 'no-delete', document: NO_DELETE },
  ],
};

type Result = { statusCode?: number; headers?: Record<string, string | number | boolean>; body?: string };
const call = async (h: typeof evaluateHandler, ...args: Parameters<typeof httpEvent>): Promise<Result & { json: any }> => {
  const r = (await h(httpEvent(...args), lambdaContext)) as Result;
  return { ...r, json: r.body ? JSON.parse(r.body) : undefined };
};

function conforms(name: SchemaName, value: unknown): void {
  expect(checkSchema(name, value)).toBeNull();
}

beforeEach(() => {
  // Decision log lines go to stdout; keep the test output readable (tests that check them spy again).
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe('POST /v1/evaluate', () => {
  it('decides and returns the engine response unchanged, with ids in headers', async () => {
    const r = await call(evaluateHandler, 'POST', '/v1/evaluate', deleteRequest);
    expect(r.statusCode).toBe(200);
    expect(r.json.decision).toBe('deny');
    expect(r.json.reason).toBe('explicit_deny');
    expect(r.json.denied_by).toMatchObject({ layer: 'identity', policy_id: 'no-delete', statement: 0 });
    expect(r.headers?.['x-decision-id']).toBe(r.json.decision_id);
    expect(r.headers?.['x-request-id']).toMatch(/^req-/);
    conforms('EvaluateResponse', r.json);
  });

  it('allows what the policies allow', async () => {
    const r = await call(evaluateHandler, 'POST', '/v1/evaluate', { ...deleteRequest, action: 'ims:images:get' });
    expect(r.statusCode).toBe(200);
    expect(r.json.decision).toBe('allow');
    conforms('EvaluateResponse', r.json);
  });

  it.each([
    ['malformed JSON', '{"action": ', 400, 'INVALID_JSON'],
    ['empty body', '', 400, 'INVALID_JSON'],
    ['a JSON array', '[]', 400, 'INVALID_REQUEST'],
    ['wrong type for action', { action: 42 }, 400, 'INVALID_REQUEST'],
    ['unknown field', { action: 'ims:images:get', actoin: 'x' }, 400, 'INVALID_REQUEST'],
    ['two modes', { action: 'ims:images:get', actions: ['ims:images:list'] }, 400, 'INVALID_REQUEST'],
    ['unknown action', { action: 'ims:images:dlete' }, 400, 'UNKNOWN_ACTION'],
    ['unknown API', { api: { method: 'GET', path: '/v9/nothing' } }, 400, 'UNKNOWN_API'],
    ['invalid inline policy', { action: 'ims:images:get', policies: [{ id: 'p', document: { Version: '5.0', Statement: [{ Effect: 'allow', Action: ['ims:images:get'] }] } }] }, 422, 'INVALID_POLICY'],
    ['prototype pollution keys', '{"__proto__": {"polluted": true}, "action": "ims:images:get"}', 400, 'INVALID_REQUEST'],
  ])('%s -> %i %s', async (_name, body, status, code) => {
    const r = await call(evaluateHandler, 'POST', '/v1/evaluate', body as string | object);
    expect(r.statusCode).toBe(status);
    expect(r.json.error.code).toBe(code);
    expect(typeof r.json.error.message).toBe('string');
    expect(r.json.error.request_id).toMatch(/^req-/);
    conforms('Error', r.json);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const big = { action: 'ims:images:get', context: { 'g:UserName': 'x'.repeat(70_000) } };
    const r = await call(evaluateHandler, 'POST', '/v1/evaluate', big);
    expect(r.statusCode).toBe(413);
    expect(r.json.error.code).toBe('INPUT_TOO_LARGE');
  });

  it('reads base64-encoded bodies', async () => {
    const e = httpEvent('POST', '/v1/evaluate');
    e.body = Buffer.from(JSON.stringify({ ...deleteRequest, action: 'ims:images:get' })).toString('base64');
    e.isBase64Encoded = true;
    const r = (await evaluateHandler(e, lambdaContext)) as Result;
    expect(r.statusCode).toBe(200);
  });

  it('refuses a non-JSON content type with 415', async () => {
    const r = await call(evaluateHandler, 'POST', '/v1/evaluate', deleteRequest, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.statusCode).toBe(415);
  });

  it('writes one decision log line without policy documents or context values', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const r = await call(evaluateHandler, 'POST', '/v1/evaluate', deleteRequest);
    expect(log).toHaveBeenCalledTimes(1);
    const line = String(log.mock.calls[0]?.[0]);
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({ fn: 'evaluate', decision_id: r.json.decision_id, decision: 'deny', reason: 'explicit_deny', action: 'ims:images:deleteImage', caller_account: 'acc-1' });
    expect(typeof entry.latency_ms).toBe('number');
    expect(line).not.toContain('10.9.8.7'); // a context value
    expect(line).not.toContain('Statement'); // a policy document
  });
});

describe('POST /v1/explain', () => {
  it('adds a trace and a readable text', async () => {
    const r = await call(explainHandler, 'POST', '/v1/explain', deleteRequest);
    expect(r.statusCode).toBe(200);
    expect(r.json.text).toContain('DENY');
    expect(r.json.trace[0].layers.at(-1).outcome).toBe('deny');
    conforms('ExplainResponse', r.json);
  });
});

describe('POST /v1/validate', () => {
  it('validates a document given as text and keeps spans', async () => {
    const text = '{\n  "Version": "5.0",\n  "Statement": [{"Effect": "Allow", "Action": ["ims:images:dlete"]}]\n}';
    const r = await call(validateHandler, 'POST', '/v1/validate', { policy: text });
    expect(r.statusCode).toBe(200);
    expect(r.json.valid).toBe(false);
    const f = r.json.findings.find((x: { code: string }) => x.code === 'UNKNOWN_ACTION');
    expect(f.span.start.line).toBe(3);
    expect(text.slice(f.span.start.offset, f.span.end.offset)).toBe('"ims:images:dlete"');
    conforms('ValidateResponse', r.json);
  });

  it('validates an SCP given as an object', async () => {
    const r = await call(validateHandler, 'POST', '/v1/validate', { policy: { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:share'] }] }, type: 'scp' });
    expect(r.statusCode).toBe(200);
    expect(r.json.valid).toBe(true);
  });

  it.each([
    [{}, 'policy'],
    [{ policy: 5 }, 'policy'],
    [{ policy: {}, type: 'role' }, 'type'],
  ])('refuses %j', async (body, field) => {
    const r = await call(validateHandler, 'POST', '/v1/validate', body);
    expect(r.statusCode).toBe(400);
    expect(r.json.error.details.field).toBe(field);
  });
});

describe('GET /v1/catalog', () => {
  it('returns the catalog with an ETag and Cache-Control, and 304 when unchanged', async () => {
    const r = await call(catalogHandler, 'GET', '/v1/catalog');
    expect(r.statusCode).toBe(200);
    expect(r.json.actions.length).toBeGreaterThanOrEqual(26);
    expect(r.headers?.etag).toBe(`"${r.json.version}"`);
    expect(String(r.headers?.['cache-control'])).toContain('max-age');
    conforms('Catalog', r.json);
    const again = await call(catalogHandler, 'GET', '/v1/catalog', undefined, { 'if-none-match': String(r.headers?.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const stale = await call(catalogHandler, 'GET', '/v1/catalog', undefined, { 'if-none-match': '"old"' });
    expect(stale.statusCode).toBe(200);
  });
});

describe('GET /v1/openapi.json', () => {
  it('documents every route with the schemas the functions validate with', async () => {
    const r = await call(openapiHandler, 'GET', '/v1/openapi.json');
    expect(r.statusCode).toBe(200);
    const doc = r.json;
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      const op = doc.paths[route.path]?.[route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      if (route.request) expect(op.requestBody.content['application/json'].schema.$ref).toBe(`#/components/schemas/${route.request}`);
    }
    // Every $ref resolves, and every example in the document conforms to its schema.
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of refs) expect(doc.components.schemas[ref.split('/').pop() as string], ref).toBeDefined();
    for (const [name, schema] of Object.entries(SCHEMAS)) {
      for (const example of schema.examples ?? []) expect(checkSchema(name as SchemaName, example), `${name} example`).toBeNull();
    }
  });

  it('every example request is answered by its function', async () => {
    for (const example of SCHEMAS.EvaluateRequest.examples ?? []) {
      const r = await call(evaluateHandler, 'POST', '/v1/evaluate', example as object);
      expect(r.statusCode).toBe(200);
    }
    for (const example of SCHEMAS.ValidateRequest.examples ?? []) {
      const r = await call(validateHandler, 'POST', '/v1/validate', example as object);
      expect(r.statusCode).toBe(200);
    }
  });

  it('serverless.yml routes every documented path to its function', () => {
    const yml = readFileSync(new URL('../serverless.yml', import.meta.url), 'utf8');
    for (const route of ROUTES) expect(yml).toContain(`httpApi: { method: ${route.method.toUpperCase()}, path: '${route.path}'`);
  });
});

describe('authentication', () => {
  const req = { ...deleteRequest, action: 'ims:images:get' };
  it.each([
    ['no token', undefined, 401],
    ['a malformed header', 'Token abc', 401],
    ['a garbage token', 'Bearer not.a.jwt', 401],
  ])('%s -> %i', async (_n, authorization, status) => {
    const r = await call(evaluateHandler, 'POST', '/v1/evaluate', req, authorization === undefined ? { authorization: '' } : { authorization });
    expect(r.statusCode).toBe(status);
    expect(r.json.error.code).toBe('UNAUTHENTICATED');
  });

  it('rejects a wrong signature, alg none, an expired token and another issuer', async () => {
    const bad = [
      await mintToken('acc-1', undefined, { secret: 'another-key-of-sufficient-length-000' }),
      await mintToken('acc-1', undefined, { ttl: -60 }),
      await mintToken('acc-1', undefined, { issuer: 'someone-else' }),
      await mintToken('acc-1', undefined, { audience: 'another-service' }),
    ];
    const [h, p] = (await mintToken('acc-1')).split('.') as [string, string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    void h;
    for (const token of [...bad, none]) {
      const r = await call(evaluateHandler, 'POST', '/v1/evaluate', req, { authorization: `Bearer ${token}` });
      expect(r.statusCode).toBe(401);
    }
  });

  it('requires the evaluate scope to evaluate', async () => {
    const token = await mintToken('acc-1', ['policies:read']);
    const r = await call(evaluateHandler, 'POST', '/v1/evaluate', req, { authorization: `Bearer ${token}` });
    expect(r.statusCode).toBe(403);
    expect(r.json.error.code).toBe('FORBIDDEN');
  });

  it('catalog and openapi are public', async () => {
    expect((await call(catalogHandler, 'GET', '/v1/catalog', undefined, { authorization: '' })).statusCode).toBe(200);
    expect((await call(openapiHandler, 'GET', '/v1/openapi.json', undefined, { authorization: '' })).statusCode).toBe(200);
  });
});

describe('errors', () => {
  it('an unknown route gets a structured 404', async () => {
    const r = await call(notFoundHandler, 'GET', '/v1/nothing');
    expect(r.statusCode).toBe(404);
    expect(r.json.error.code).toBe('NOT_FOUND');
  });

  it("request ids: the gateway's when real; a fresh UUID per request when it gives none or serverless-offline's placeholder", async () => {
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const withId = (requestId: string | undefined): ReturnType<typeof httpEvent> => {
      const e = httpEvent('POST', '/v1/evaluate', { action: 'ims:images:dlete' });
      if (requestId === undefined) delete (e.requestContext as { requestId?: string }).requestId;
      else e.requestContext.requestId = requestId;
      return e;
    };
    const idOf = async (requestId: string | undefined): Promise<string> => {
      const r = (await evaluateHandler(withId(requestId), lambdaContext)) as Result;
      const body = JSON.parse(r.body as string);
      expect(r.headers?.['x-request-id']).toBe(body.error.request_id);
      return body.error.request_id as string;
    };
    expect(await idOf('Kx3vZg0sDoEEMJw=')).toBe('Kx3vZg0sDoEEMJw=');
    const fresh = await Promise.all(['offlineContext_resourceId', 'offlineContext_resourceId', 'offlineContext_requestId', 'random-request-id', '', undefined].map(idOf));
    for (const id of fresh) expect(id).toMatch(UUID);
    expect(new Set(fresh).size).toBe(fresh.length);
  });

  it('a real fault is a 500 with the request id and no stack', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const boom = service({ name: 'boom' }, () => {
      throw new TypeError('secret internal detail');
    });
    const r = (await boom(httpEvent('GET', '/boom'), lambdaContext)) as Result;
    expect(r.statusCode).toBe(500);
    const body = JSON.parse(r.body as string);
    expect(body.error.code).toBe('INTERNAL_ERROR');
    expect(body.error.request_id).toMatch(/^req-/);
    expect(r.body).not.toContain('secret internal detail');
    expect(r.body).not.toContain('at ');
    expect(String(err.mock.calls[0]?.[0])).toContain('secret internal detail');
  });

  it('an HttpError thrown by a handler keeps its status and code', async () => {
    const h = service({ name: 'teapot' }, () => {
      throw new HttpError(409, 'CONFLICT', 'busy');
    });
    const r = (await h(httpEvent('GET', '/x'), lambdaContext)) as Result;
    expect(r.statusCode).toBe(409);
  });
});
