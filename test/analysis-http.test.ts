/**
 * The analysis routes called in-process as API Gateway calls them (test/support/api.ts): each answers its
 * OpenAPI example with a reply of its response schema whose witnesses `evaluate` decides as claimed; bad
 * input is a structured 4xx before any work (schema, size, unknown action, invalid policy), a token without
 * the `evaluate` scope a 403; nothing answers 500. Over serverless-offline: test/e2e-analysis.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evaluate } from '../lib/engine/engine.js';
import { checkSchema, SCHEMAS, type SchemaName } from '../lib/schema/schemas.js';
import type { EvaluateRequest } from '../lib/types.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { ANALYSIS_ROUTES } from '../functions/shared/routes.js';
import { send, type ApiReply } from './support/api.js';

process.env.AUTH_MODE = 'hs256';
process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;

let token = '';
beforeAll(async () => {
  token = await mintToken('acc-1', ['evaluate'], { secret: LOCAL_JWT_SECRET });
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterAll(() => vi.restoreAllMocks());

const post = async (path: string, body: unknown, bearer = token): Promise<ApiReply> => {
  const r = await send(bearer, 'POST', path, body);
  expect(r.status, r.text).toBeLessThan(500);
  return r;
};

const READ = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:get*'] }] };
const WIDE = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:*'] }] };
const set = (document: unknown): Record<string, unknown> => ({ policies: [{ id: 'p', document }] });

/** The request's sets as evaluate takes them: the witness with the set's policies and SCPs. */
const decide = (witness: EvaluateRequest, s: Record<string, unknown>): string => {
  const r = evaluate({
    ...witness,
    ...(s.policies ? { policies: (s.policies as Array<{ id: string; document: unknown }>).map(({ id, document }) => ({ id, document })) } : {}),
    ...(s.scps ? { scps: s.scps } : {}),
  });
  if ('error' in r) throw new Error(r.error.message);
  return r.decision;
};

describe('the analysis routes answer their OpenAPI examples', () => {
  const cases = Object.entries(ANALYSIS_ROUTES).map(([key, r]) => ({ path: key.split(' ')[1] as string, request: r.request as SchemaName, response: r.response as SchemaName }));
  it.each(cases)('$path', async ({ path, request, response }) => {
    const examples = SCHEMAS[request].examples ?? [];
    expect(examples.length).toBeGreaterThan(0);
    for (const body of examples as Array<Record<string, Record<string, unknown>>>) {
      const r = await post(path, body);
      expect(r.status, r.text).toBe(200);
      expect(checkSchema(response, r.json)).toBeNull();
      // Every witness is what it claims: allowed by the allowing set, denied by the other (evaluate decides).
      const [allowing, other] = path === '/v1/checks/no-new-access' ? [body.proposed, body.existing] : path === '/v1/diff' ? [body.b, body.a] : [body.set, undefined];
      for (const f of r.json.findings ?? []) {
        const [yes, no] = f.kind === 'lost_access' ? [other, allowing] : [allowing, other];
        expect(decide(f.witness, yes as Record<string, unknown>)).toBe('allow');
        if (no) expect(decide(f.witness, no)).toBe('deny');
      }
    }
  });

  it('widening ims:images:get* to ims:images:* is FAIL with exactly the new actions', async () => {
    const r = await post('/v1/checks/no-new-access', { existing: set(READ), proposed: set(WIDE) });
    expect(r.json.result).toBe('FAIL');
    const actions = new Set<string>(r.json.findings.map((f: { action: string }) => f.action));
    expect(actions.size).toBeGreaterThan(3);
    for (const a of actions) expect(a).toMatch(/^ims:images:/);
    for (const a of actions) expect(a.startsWith('ims:images:get')).toBe(false);
    // The other way round: narrowing grants nothing new.
    expect((await post('/v1/checks/no-new-access', { existing: set(WIDE), proposed: set(READ) })).json.result).toBe('PASS');
  });

  it('assume narrows the space, as in the library', async () => {
    const scoped = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Condition: { StringEquals: { 'g:RequestedRegion': ['cn-north-4'] } } }] };
    // Users (the account itself needs no Allow: it is granted everywhere).
    const anywhere = await post('/v1/checks/access-not-granted', { set: set(scoped), actions: ['ims:images:list'], assume: { principal: { type: 'user' } } });
    expect(anywhere.json.result).toBe('FAIL');
    expect(anywhere.json.findings.every((f: { witness: { region?: string } }) => f.witness.region === 'cn-north-4')).toBe(true);
    const elsewhere = await post('/v1/checks/access-not-granted', { set: set(scoped), actions: ['ims:images:list'], assume: { principal: { type: 'user' }, region: 'cn-south-1' } });
    expect(elsewhere.json.result).toBe('PASS');
  });
});

describe('bad input is a structured 4xx before the work', () => {
  const big = { Version: '5.0', Statement: [{ Sid: 'x'.repeat(70_000), Effect: 'Allow', Action: ['ims:images:list'] }] };
  it.each([
    ['malformed JSON', 400, 'INVALID_JSON', '/v1/diff', '{"a": '],
    ['a set missing', 400, 'INVALID_REQUEST', '/v1/checks/no-new-access', { existing: set(READ) }],
    ['an unknown field', 400, 'INVALID_REQUEST', '/v1/summary', { set: set(READ), sett: {} }],
    ['an unknown set field', 400, 'INVALID_REQUEST', '/v1/summary', { set: { ...set(READ), polices: [] } }],
    ['a grant scope of no type', 400, 'INVALID_REQUEST', '/v1/summary', { set: { policies: [{ id: 'p', document: READ, scope: { type: 'region' } }] } }],
    ['more policies than evaluate takes', 400, 'INVALID_REQUEST', '/v1/summary', { set: { policies: Array.from({ length: 51 }, (_, i) => ({ id: `p${i}`, document: READ })) } }],
    ['an empty action list', 400, 'INVALID_REQUEST', '/v1/checks/access-not-granted', { set: set(READ), actions: [] }],
    ['an action the catalog lacks', 400, 'UNKNOWN_ACTION', '/v1/checks/access-not-granted', { set: set(READ), actions: ['ims:images:dlete'] }],
    ['a pattern matching no action', 400, 'UNKNOWN_ACTION', '/v1/checks/access-not-granted', { set: set(READ), actions: ['ims:nothing:*'] }],
    ['an invalid policy', 422, 'INVALID_POLICY', '/v1/diff', { a: set(READ), b: set({ Version: '5.0', Statement: [{ Effect: 'allow', Action: ['ims:images:get'] }] }) }],
    ['contradicting facts', 400, 'INVALID_REQUEST', '/v1/diff', { a: { ...set(READ), region: 'cn-north-4' }, b: set(READ), assume: { region: 'cn-south-1' } }],
    ['a body over 64 KiB', 413, 'INPUT_TOO_LARGE', '/v1/summary', { set: set(big) }],
  ])('%s -> %i %s', async (_name, status, code, path, body) => {
    const r = await post(path, body);
    expect(r.status, r.text).toBe(status);
    expect(r.json.error.code).toBe(code);
    expect(r.json.error.message.length).toBeGreaterThan(0);
    expect(checkSchema('Error', r.json)).toBeNull();
  });

  it('a body within the limits built to be hard is answered within the work budgets (steps and nodes counted, never a 500)', async () => {
    let seed = 2;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
    const seg = (): string => pick(['a*', '*b', 'a*b*', '*', 'ab?', '?*?', 'x*y*z', '*a*a*', 'abc']);
    const keys = ['g:ResourceTag/env', 'g:ResourceTag/team', 'g:UserName', 'g:TagKeys', 'ims:TargetOrgPaths', 'g:EnterpriseProjectId'];
    const hard = (): Record<string, unknown> => ({
      policies: Array.from({ length: 3 }, (_, p) => ({
        id: `p${p}`,
        document: {
          Version: '5.0',
          Statement: Array.from({ length: 3 }, () => ({
            Effect: rnd() < 0.3 ? 'Deny' : 'Allow',
            Action: [pick(['ims:images:*', 'ims:*:get*', 'ims:images:share', 'ims:images:delete*', '*'])],
            Resource: [`ims:${seg()}:${seg()}:image:${seg()}${seg()}`],
            Condition: { [pick(['StringMatch', 'StringNotMatch', 'ForAnyValue:StringMatch', 'ForAllValues:StringMatch'])]: { [pick(keys)]: [seg() + seg(), seg()], [pick(keys)]: [seg()] } },
          })),
        },
      })),
    });
    const r = await post('/v1/checks/no-new-access', { existing: hard(), proposed: hard() });
    expect(r.status, r.text).toBe(200);
    expect(r.json.stats.automaton_steps).toBeLessThanOrEqual(1_000_000 + 10_000);
    expect(r.json.stats.diagram_nodes).toBeLessThanOrEqual(200_000);
    if (r.json.result === 'UNKNOWN') expect(r.json.unknown_reasons[0].code).toBe('WORK_LIMIT');
  });

  it('needs the evaluate scope (403 without it, 401 without a token)', async () => {
    const other = await mintToken('acc-1', ['policies:read'], { secret: LOCAL_JWT_SECRET });
    for (const path of ['/v1/checks/no-new-access', '/v1/checks/access-not-granted', '/v1/diff', '/v1/summary']) {
      expect((await post(path, { set: set(READ) }, other)).status).toBe(403);
      const none = await send(undefined, 'POST', path, { set: set(READ) });
      expect(none.status).toBe(401);
    }
  });
});
