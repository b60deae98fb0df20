/**
 * The route table (functions/shared/routes.ts) is the one list of functions and routes:
 *  - serverless.yml declares exactly its functions, each with its bundle and exactly its events (read by the
 *    framework itself: `sls print --format json`, in the gateway-jwt mode so that the /v1 authorizer shows);
 *  - each function's source and bundle exist, and no bundle carries another function's routes (cold start);
 *  - path parameters are typed from the route key, handlers and bodies from the table (checked by tsc:
 *    the `@ts-expect-error` lines fail the typecheck if the types stop refusing), and the router refuses an
 *    event that lacks a parameter its key names rather than hand the handler an undefined.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACCESS_LIMITS } from '../lib/access/limits.js';
import { ROUTES } from '../functions/shared/openapi.js';
import { router } from '../functions/shared/router.js';
import { FUNCTIONS, type PathParams, type RouteDef } from '../functions/shared/routes.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { httpEvent, lambdaContext, useToken } from './support/events.js';

const root = join(import.meta.dirname, '..');

function serverlessBin(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('serverless/package.json');
  return join(dirname(pkg), (require(pkg) as { bin: Record<string, string> }).bin.serverless as string);
}

const camel = (name: string): string => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const routesOf = (f: (typeof FUNCTIONS)[number]): Array<[string, RouteDef]> => Object.entries(f.routes ?? {}) as Array<[string, RouteDef]>;

type Printed = {
  provider: { timeout?: number; httpApi: { authorizers: Record<string, { functionName?: string }> } };
  functions: Record<string, { handler: string; timeout?: number; package: { patterns: string[] }; events?: Array<Record<string, unknown>> }>;
};

describe('serverless.yml matches the route table', () => {
  let printed: Printed;
  beforeAll(() => {
    const env = { ...process.env };
    delete env.AUTH_OFFLINE_JWT_SECRET;
    const run = spawnSync(process.execPath, [serverlessBin(), 'print', '--format', 'json', '--param=authMode=gateway-jwt', '--param=jwtIssuer=https://login.example.com'], {
      cwd: root,
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    printed = JSON.parse(run.stdout) as Printed;
  }, 60_000);

  it('declares every function of the table and no other, each with its bundle', () => {
    expect(Object.keys(printed.functions).sort()).toEqual(FUNCTIONS.map((f) => camel(f.name)).sort());
    for (const f of FUNCTIONS) {
      const fn = printed.functions[camel(f.name)]!;
      expect(fn.handler, f.name).toBe(`dist/functions/${f.name}.handler`);
      expect(fn.package.patterns, f.name).toEqual(expect.arrayContaining(['!**', `dist/functions/${f.name}.cjs`, `dist/functions/${f.name}.cjs.map`]));
    }
  });

  it('gives a function with a preview or an access analysis the time its analysis budget needs (ACCESS_LIMITS.answerMs, plus its reads)', () => {
    const analysing = FUNCTIONS.filter((f) => f.name === 'access' || routesOf(f).some(([, r]) => r.query?.preview !== undefined));
    expect(analysing.map((f) => f.name).sort()).toEqual(['access', 'grants', 'organizations', 'policies', 'principals']);
    for (const f of analysing) {
      const seconds = printed.functions[camel(f.name)]!.timeout ?? printed.provider.timeout ?? 6;
      // 10 s for the reads and the answer after the analysis stops (up to 200 member accounts of 2 round trips).
      expect(seconds * 1000, f.name).toBeGreaterThanOrEqual(ACCESS_LIMITS.answerMs + 10_000);
      expect(seconds, `${f.name}: HTTP API waits 30 s at most`).toBeLessThanOrEqual(29);
    }
  });

  it("gives each function exactly its table's events (an HTTP route's authorizer from its auth)", () => {
    for (const f of FUNCTIONS) {
      const events = printed.functions[camel(f.name)]!.events ?? [];
      const kinds = events.map((e) => Object.keys(e)[0]);
      switch (f.trigger) {
        case 'http': {
          expect(
            kinds.every((k) => k === 'httpApi'),
            f.name,
          ).toBe(true);
          const declared = events.map((e) => JSON.stringify(e.httpApi)).sort();
          const expected = routesOf(f)
            .map(([key, r]) => {
              const [method, path] = key.split(' ');
              const authorizer = r.auth === 'public' ? undefined : r.auth === 'ims' ? { name: 'imsAuthorizer' } : 'v1Jwt';
              return JSON.stringify(authorizer === undefined ? { method, path } : { method, path, authorizer });
            })
            .sort();
          expect(declared, f.name).toEqual(expected);
          break;
        }
        case 'http-default':
          expect(events, f.name).toEqual([{ httpApi: '*' }]);
          break;
        case 'sqs':
          expect(kinds, f.name).toEqual(['sqs']);
          break;
        case 'dynamodb-stream':
          expect(kinds, f.name).toEqual(['stream']);
          expect((events[0]!.stream as { type: string }).type).toBe('dynamodb');
          break;
        case 'schedule':
          expect(kinds, f.name).toEqual(['schedule']);
          break;
        case 'authorizer':
          expect(kinds, f.name).toEqual([]);
          expect(
            Object.values(printed.provider.httpApi.authorizers).some((a) => a.functionName === f.name),
            f.name,
          ).toBe(true);
          break;
      }
    }
  });
});

describe('the table and the code', () => {
  it('every function has its source; route keys are unique across functions; ROUTES are the documented ones', () => {
    const keys = new Set<string>();
    for (const f of FUNCTIONS) {
      expect(existsSync(join(root, 'functions', `${f.name}.ts`)), f.name).toBe(true);
      expect(f.trigger === 'http', `${f.name}: routes iff HTTP`).toBe(f.routes !== undefined);
      for (const [key] of routesOf(f)) {
        expect(keys.has(key), key).toBe(false);
        keys.add(key);
      }
    }
    const documented = FUNCTIONS.flatMap((f) =>
      routesOf(f)
        .filter(([, r]) => r.documented !== false)
        .map(([key]) => `${f.name} ${key}`),
    );
    expect(ROUTES.map((r) => `${r.function} ${r.method.toUpperCase()} ${r.path}`)).toEqual(documented);
  });

  it("no function bundle carries another function's routes (dist/functions, after npm run build)", () => {
    const dist = join(root, 'dist', 'functions');
    if (!existsSync(dist)) throw new Error('dist/functions is missing: run npm run build first.');
    for (const f of FUNCTIONS) {
      const bundle = readFileSync(join(dist, `${f.name}.cjs`), 'utf8');
      for (const other of FUNCTIONS) {
        if (other === f || f.name === 'openapi') continue; // the OpenAPI document lists every route
        for (const [key, r] of routesOf(other)) {
          if (routesOf(f).some(([, own]) => own.summary === r.summary)) continue;
          expect(bundle.includes(r.summary), `${f.name} carries ${other.name}'s ${key}`).toBe(false);
        }
      }
    }
  });
});

describe('typed routes', () => {
  // Compile-time: tsc (npm run typecheck) fails if a @ts-expect-error line stops being an error.
  const both: PathParams<'GET /v1/policies/{policy_id}/versions/{version_id}'> = { policy_id: 'p', version_id: 'v1' };
  // @ts-expect-error a parameter the key does not name
  const extra: PathParams<'GET /v1/policies/{policy_id}'> = { policy_id: 'p', version_id: 'v1' };
  // @ts-expect-error a parameter the key names is required
  const missing: PathParams<'GET /v1/policies/{policy_id}/versions/{version_id}'> = { policy_id: 'p' };

  process.env.AUTH_MODE = 'hs256';
  process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
  beforeAll(async () => useToken(await mintToken('acc-1')));
  afterAll(() => useToken(undefined));
  beforeEach(() => void vi.spyOn(console, 'log').mockImplementation(() => undefined));
  afterEach(() => vi.restoreAllMocks());

  const TABLE = {
    'GET /t/{a}/{b}': { auth: 'policies:read', summary: 'two parameters' },
    'POST /t': { auth: 'policies:write', request: 'CreateOuBody', summary: 'a body' },
  } as const;
  const seen: unknown[] = [];
  const handler = router('test', TABLE, {
    'GET /t/{a}/{b}': async ({ params }) => {
      seen.push(params);
      return { status: 200, body: { a: params.a, b: params.b } };
    },
    // The body is typed from its schema: parent_id and name are strings.
    'POST /t': async ({ body }) => ({ status: 201, body: { parent: body.parent_id.toUpperCase(), name: body.name } }),
  });

  it('the handler gets every parameter its key names, decoded; an event without one is a 400 naming it', async () => {
    const event = httpEvent('GET', '/t/x%2Fy/z');
    event.routeKey = 'GET /t/{a}/{b}';
    event.pathParameters = { a: 'x%2Fy', b: 'z' };
    const ok = await handler(event, lambdaContext);
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body ?? '')).toEqual({ a: 'x/y', b: 'z' });
    seen.length = 0;
    const partial = httpEvent('GET', '/t/x/z');
    partial.routeKey = 'GET /t/{a}/{b}';
    partial.pathParameters = { a: 'x' };
    const r = await handler(partial, lambdaContext);
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body ?? '').error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'b' } });
    expect(seen).toEqual([]);
  });

  it("the body is checked against the route's schema before the handler runs", async () => {
    const good = await handler(httpEvent('POST', '/t', { parent_id: 'r-1', name: 'ou' }), lambdaContext);
    expect(good.statusCode).toBe(201);
    expect(JSON.parse(good.body ?? '')).toEqual({ parent: 'R-1', name: 'ou' });
    const bad = await handler(httpEvent('POST', '/t', { parent_id: 'r-1' }), lambdaContext);
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body ?? '').error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'name' } });
  });

  it('a table and its handlers must match (compile time)', () => {
    // @ts-expect-error a route of the table without a handler
    router('test', TABLE, { 'GET /t/{a}/{b}': async () => ({ status: 204 }) });
    router('test', TABLE, {
      'GET /t/{a}/{b}': async () => ({ status: 204 }),
      'POST /t': async () => ({ status: 204 }),
      // @ts-expect-error a handler for a route the table does not have
      'GET /u': async () => ({ status: 204 }),
    });
    router('test', TABLE, {
      // @ts-expect-error `c` is not a parameter of this route
      'GET /t/{a}/{b}': async ({ params }) => ({ status: 200, body: params.c }),
      'POST /t': async () => ({ status: 204 }),
    });
    expect([both, extra, missing]).toHaveLength(3);
  });
});
