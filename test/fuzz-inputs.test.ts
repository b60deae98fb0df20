/**
 * Input fuzzing of every HTTP function and route of serverless.yml (in-process, API Gateway v2 events, a real
 * local DynamoDB, valid tokens so the input reaches the body parsing), and of the CLI (tests at the end).
 *
 * Families: invalid JSON, huge numbers, deep nesting, 1 MB strings, prototype-pollution keys at every level
 * (in bodies, policy documents and contexts), a wrong type at every field, Unicode edge cases, thousands of
 * `*` and `?` in patterns, random mutations of valid bodies (fast-check), base64 bodies, content types,
 * headers, odd path parameters and query strings.
 *
 * Every call: the handler returns (never throws), the status is below 500, a 4xx is the structured error
 * `{"error": {"code", "message", "details"?, "request_id"}}`, and a call with at most 64 KiB of input takes
 * under 50 ms. The time is the service's: the call's time minus the time the local DynamoDB spent
 * serving its requests (DynamoDB's share on AWS; on this machine its work competes for the same cores), and
 * the whole time must stay under 1 s (a hang). Timing on a shared machine: a call over 50 ms is timed
 * again, at most twice (after a 30 ms, then a 150 ms pause), if it can be replayed (a read, or a refused
 * write, which changed nothing); it fails only if every attempt is over. A slow successful write cannot
 * be replayed: it is reported, not failed. Stored state: the local table counts
 * write requests; after a call that sent any, the table is scanned, and a refused call must leave it as it
 * was (compared item by item).
 *
 * `npm test` runs a quick, seeded version (about 20 s); `npm run fuzz:inputs` (FUZZ_RUNS=n, FUZZ_SEED=s)
 * runs n random cases per body route and family, and prints the timings per function.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli/main.js';
import { handler as authorizer } from '../functions/authorizer.js';
import { handler as imsDemo } from '../functions/ims-demo.js';
import { handler as notFound } from '../functions/not-found.js';
import { ROUTES } from '../functions/shared/openapi.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { client, HANDLERS as API_HANDLERS } from './support/api.js';
import {
  BAD_UTF8,
  BUDGET_MS,
  STRICT_TIME,
  deepTexts,
  defineKey,
  FUZZ_RUNS,
  FUZZ_SEED,
  FuzzRunner,
  getAt,
  invalidJsonTexts,
  mutatedBody,
  NO_HEADER,
  NUMBER_LITERALS,
  objectPaths,
  paths,
  randomBodies,
  RAW_UNICODE_BODIES,
  sample,
  setAt,
  startFuzzDb,
  stringPaths,
  UNICODE_STRINGS,
  wildcardPatterns,
  withDuplicateKey,
  withRawAt,
  WRONG_TYPES,
  type EventSpec,
  type FuzzDb,
  type Handler,
  type JsonLike,
} from './support/fuzz.js';

const LONG = FUZZ_RUNS > 0;
/** Random cases per body route and random family. */
const RUNS = FUZZ_RUNS || 12;
/** Per-test timeout: the quick version stays well inside vitest's default; the long one may take hours. */
const TIMEOUT = LONG ? 6 * 3600_000 : 30_000;

/** The routed functions (test/support/api.ts's table) and the two that serve any path. */
const HANDLERS: Readonly<Record<string, Handler>> = { ...API_HANDLERS, notFound, imsDemo };

const ACC = 'acc-fz';
const INVITED = 'acc-fz2';
let db: FuzzDb;
let run: FuzzRunner;
let token: string;
let invitedToken: string;
const ids = { orgId: '', rootId: '', ouId: '', grantId: '' };
const errors: string[] = [];
let protoBefore: string;

// ---------------------------------------------------------------------------------------------------------
// Valid bodies: the starting points of every family.

const DOC: JsonLike = {
  Version: '5.0',
  Statement: [
    {
      Sid: 'S1',
      Effect: 'Allow',
      Action: ['ims:images:get', 'ims:images:list'],
      Resource: ['ims:*:*:image:*'],
      Condition: { StringEquals: { 'g:UserName': ['alice'] }, 'ForAnyValue:StringMatch': { 'g:TagKeys': ['env*'] } },
    },
  ],
};
const SCP_DOC: JsonLike = { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'], Resource: ['*'], Condition: { Bool: { 'ims:Encrypted': ['false'] } } }] };
const CONTEXT: JsonLike = { 'g:SourceIp': '10.0.0.1', 'g:TagKeys': ['env', 'owner'], 'ims:Encrypted': true, 'g:MFAAge': 30 };

const EVALUATE_INLINE: JsonLike = {
  principal: { type: 'user', account_id: ACC, user_id: 'u-1', user_name: 'alice', org_path: `o-1/r-1/ou-a/${ACC}`, management_account: false },
  action: 'ims:images:get',
  resource: `ims:cn-north-4:${ACC}:image:img-1`,
  region: 'cn-north-4',
  context: CONTEXT,
  policies: [
    { id: 'p1', document: DOC },
    { id: 'p2', document: JSON.stringify(DOC) },
  ],
  scps: [{ level: 'root', policies: [{ id: 'scp1', document: SCP_DOC }] }],
};
const EVALUATE_API: JsonLike = {
  principal: { account_id: ACC, user_name: 'alice' },
  api: { method: 'POST', path: '/v1/cloudimages/abc/copy', hints: { enterprise_project: false, quick_import_disk: 'system' } },
  region: 'cn-north-4',
  context: { 'ims:Encrypted': true },
  policies: [{ id: 'p1', document: DOC }],
};
const EVALUATE_REF: JsonLike = {
  principal: { account_id: ACC, user_id: 'fz-user' },
  actions: ['ims:images:list', 'ims:images:get'],
  resources: [`ims:cn-north-4:${ACC}:image:img-1`],
  region: 'cn-north-4',
  context: { 'g:SourceIp': '10.0.0.1' },
};

interface BodyCase {
  name: string;
  fn: string;
  method: string;
  route: string;
  params?: () => Record<string, string>;
  body: () => JsonLike;
}

const BODY_CASES: readonly BodyCase[] = [
  { name: 'evaluate inline', fn: 'evaluate', method: 'POST', route: '/v1/evaluate', body: () => EVALUATE_INLINE },
  { name: 'evaluate api', fn: 'evaluate', method: 'POST', route: '/v1/evaluate', body: () => EVALUATE_API },
  { name: 'evaluate by reference', fn: 'evaluate', method: 'POST', route: '/v1/evaluate', body: () => EVALUATE_REF },
  { name: 'explain inline', fn: 'explain', method: 'POST', route: '/v1/explain', body: () => EVALUATE_INLINE },
  { name: 'explain by reference', fn: 'explain', method: 'POST', route: '/v1/explain', body: () => EVALUATE_REF },
  { name: 'validate object', fn: 'validate', method: 'POST', route: '/v1/validate', body: () => ({ policy: DOC, type: 'identity', scp_revision: '2025-12' }) },
  { name: 'validate text', fn: 'validate', method: 'POST', route: '/v1/validate', body: () => ({ policy: JSON.stringify(SCP_DOC, null, 2), type: 'scp', scp_revision: '2025-07' }) },
  {
    name: 'create policy',
    fn: 'policies',
    method: 'POST',
    route: '/v1/policies',
    body: () => ({ policy_id: 'fz-new-pol', name: 'New', type: 'identity', document: DOC, description: 'made by the fuzzer' }),
  },
  { name: 'update policy', fn: 'policies', method: 'PATCH', route: '/v1/policies/{policy_id}', params: () => ({ policy_id: 'fz-pol' }), body: () => ({ name: 'FZ', description: 'fz' }) },
  {
    name: 'create version',
    fn: 'policies',
    method: 'POST',
    route: '/v1/policies/{policy_id}/versions',
    params: () => ({ policy_id: 'fz-pol' }),
    body: () => ({ document: DOC, set_as_default: false }),
  },
  { name: 'default version', fn: 'policies', method: 'PUT', route: '/v1/policies/{policy_id}/default_version', params: () => ({ policy_id: 'fz-pol' }), body: () => ({ version_id: 'v1' }) },
  { name: 'create user', fn: 'principals', method: 'POST', route: '/v1/users', body: () => ({ user_id: 'fz-new-user', name: 'New User' }) },
  { name: 'create group', fn: 'principals', method: 'POST', route: '/v1/groups', body: () => ({ group_id: 'fz-new-group', name: 'New Group', description: 'd' }) },
  { name: 'create agency', fn: 'principals', method: 'POST', route: '/v1/agencies', body: () => ({ agency_id: 'fz-new-agency', name: 'New Agency', description: 'd' }) },
  {
    name: 'create grant',
    fn: 'grants',
    method: 'POST',
    route: '/v1/grants',
    body: () => ({ policy_id: 'fz-pol', principal: { type: 'group', id: 'fz-group' }, scope: { type: 'enterprise_project', enterprise_project_id: 'ep-1' } }),
  },
  {
    name: 'import (dry run)',
    fn: 'imports',
    method: 'POST',
    route: '/v1/imports',
    body: () => ({
      source: 'huawei',
      files: [
        {
          name: 'iam/roles.json',
          content: {
            roles: [{ id: 'fz-role-1', display_name: 'FZ', catalog: 'CUSTOMED', type: 'XA', policy: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'] }] } }],
            total_number: 1,
          },
        },
      ],
      dry_run: true,
    }),
  },
  { name: 'create OU', fn: 'organizations', method: 'POST', route: '/v1/organizations/{org_id}/ous', params: () => ({ org_id: ids.orgId }), body: () => ({ parent_id: ids.rootId, name: 'fz-ou-2' }) },
  {
    name: 'invite account',
    fn: 'organizations',
    method: 'POST',
    route: '/v1/organizations/{org_id}/accounts',
    params: () => ({ org_id: ids.orgId }),
    body: () => ({ account_id: 'acc-fz3', parent_id: ids.rootId }),
  },
  {
    name: 'move account',
    fn: 'organizations',
    method: 'PATCH',
    route: '/v1/organizations/{org_id}/accounts/{account_id}',
    params: () => ({ org_id: ids.orgId, account_id: ACC }),
    body: () => ({ parent_id: ids.ouId }),
  },
];

/** Sends `text` as the body of a body case. */
function bodyCall(c: BodyCase, family: string, label: string, text: string, extra: Partial<EventSpec> = {}): Promise<unknown> {
  const spec: EventSpec = { method: c.method, route: c.route, token, body: text, ...extra };
  const params = c.params?.();
  if (params) spec.params = params;
  return run.call(spec, { fn: c.fn, family, label: `${c.name}: ${label}`, readOnly: c.method === 'GET' || ['evaluate', 'explain', 'validate'].includes(c.fn) });
}

/** In the quick run, every nth element, starting at `offset` (vary it to cover them all across calls); all of them in the long run. */
function thin<T>(xs: readonly T[], keepOneIn: number, offset = 0): T[] {
  return LONG ? [...xs] : xs.filter((_, i) => i % keepOneIn === offset % keepOneIn);
}

// ---------------------------------------------------------------------------------------------------------
// Set-up: a table on DynamoDB Local, an account with a policy (two versions), an SCP, a user in a group, an agency, a grant,
// an organization with an OU, SCPs enabled and attached, and a pending invitation.

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined); // decision log lines
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    errors.push(args.map(String).join(' ').slice(0, 500));
  });
  protoBefore = prototypesFingerprint();
  db = await startFuzzDb('fuzz-inputs');
  process.env.AUTH_MODE = 'hs256';
  process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
  token = await mintToken(ACC);
  invitedToken = await mintToken(INVITED);
  const a = await client(ACC);
  const ok = async (p: Promise<{ status: number; text: string; json: any }>, status: number): Promise<any> => {
    const r = await p;
    if (r.status !== status) throw new Error(`set-up: ${r.status} ${r.text}`);
    return r.json;
  };
  await ok(a.post('/v1/policies', { policy_id: 'fz-pol', name: 'FZ', type: 'identity', document: DOC }), 201);
  await ok(a.post('/v1/policies/fz-pol/versions', { document: DOC }), 201);
  await ok(a.post('/v1/users', { user_id: 'fz-user', name: 'FZ User' }), 201);
  await ok(a.post('/v1/groups', { group_id: 'fz-group', name: 'FZ Group' }), 201);
  await ok(a.put('/v1/groups/fz-group/members/fz-user'), 204);
  await ok(a.post('/v1/agencies', { agency_id: 'fz-agency', name: 'FZ Agency' }), 201);
  ids.grantId = (await ok(a.post('/v1/grants', { policy_id: 'fz-pol', principal: { type: 'user', id: 'fz-user' }, scope: { type: 'global' } }), 201)).grant_id;
  const org = await ok(a.post('/v1/organizations'), 201);
  // SCPs belong to an organization: its management account creates them once it manages one.
  await ok(a.post('/v1/policies', { policy_id: 'fz-scp', name: 'FZ SCP', type: 'scp', document: SCP_DOC }), 201);
  ids.orgId = org.org_id;
  ids.rootId = org.root_id;
  ids.ouId = (await ok(a.post(`/v1/organizations/${ids.orgId}/ous`, { parent_id: ids.rootId, name: 'fz-ou' }), 201)).node_id;
  await ok(a.post(`/v1/organizations/${ids.orgId}/scp/enable`), 200);
  await ok(a.put(`/v1/organizations/${ids.orgId}/nodes/${ids.ouId}/policies/fz-scp`), 204);
  await ok(a.post(`/v1/organizations/${ids.orgId}/accounts`, { account_id: INVITED, parent_id: ids.rootId }), 202);
  run = new FuzzRunner(HANDLERS, db);
  await run.rebase();
  // Warm every function once (module initialisation, schema compilation, the store client).
  for (const c of BODY_CASES) await bodyCall(c, 'warm-up', 'valid body', JSON.stringify(c.body()));
  for (const r of ROUTES) if (r.method === 'get') await run.call(routeSpec(r.method, r.path, paramsOf(r.path)), { fn: r.function, family: 'warm-up', label: r.path, readOnly: true });
  run.samples.length = 0;
}, 60_000);

afterAll(async () => {
  if (LONG || process.env.FUZZ_REPORT) {
    const lines = [
      `fuzz-inputs: ${run.calls} calls (${run.refusedWithWrites} refused after sending writes, table compared), seed ${FUZZ_SEED}, runs ${RUNS}; times of calls with at most 64 KiB of input, best attempt, ms`,
    ];
    const table = (by: 'fn' | 'family'): void => {
      lines.push(`${by.padEnd(15)}  calls     p50     p99     max | with the store: p99     max | max input bytes`);
      for (const r of run.report(by)) {
        const cells = [r.p50, r.p99, r.max].map((n) => String(n).padStart(7)).join(' ');
        lines.push(`${r.key.padEnd(15)} ${String(r.calls).padStart(6)} ${cells} |                 ${String(r.totalP99).padStart(7)} ${String(r.totalMax).padStart(7)} | ${r.maxBytes}`);
      }
    };
    table('fn');
    table('family');
    lines.push(`CLI: ${cliCalls} in-process runs (each under ${BUDGET_MS} ms for inputs of at most 64 KiB)`);
    lines.push('slowest calls (best attempt):');
    for (const s of [...run.samples].sort((x, y) => y.ms - x.ms).slice(0, 12))
      lines.push(
        `  ${s.ms.toFixed(1)} ms (${s.totalMs.toFixed(1)} with the store, first attempt ${s.firstMs.toFixed(1)}) ${s.status} ${s.fn} ${s.family} ${s.bytes} B, ${s.store} store requests: ${s.label}`,
      );
    for (const s of run.slow) lines.push(`slow${s.replayed ? '' : ' (successful write, not replayed)'}: ${s.fn} ${s.family} ${s.label.slice(0, 120)} ${s.ms.map((m) => m.toFixed(1)).join('/')} ms`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  vi.restoreAllMocks();
  await db?.stop();
});

/** Fails the test with every problem the runner recorded in it (and any logged fault). */
function expectClean(): void {
  const faults = errors.splice(0);
  const failures = run.failures.splice(0);
  expect([...failures, ...faults.map((f) => `logged: ${f}`)]).toEqual([]);
}

function paramsOf(path: string): Record<string, string> {
  const valid: Record<string, string> = {
    policy_id: 'fz-pol',
    version_id: 'v1',
    user_id: 'fz-user',
    group_id: 'fz-group',
    agency_id: 'fz-agency',
    grant_id: ids.grantId,
    org_id: ids.orgId,
    ou_id: ids.ouId,
    node_id: ids.ouId,
    account_id: ACC,
    correlation_id: 'fz-no-such-result',
  };
  const out: Record<string, string> = {};
  for (const m of path.matchAll(/\{([a-z_]+)\}/g)) out[m[1] as string] = valid[m[1] as string] ?? 'x';
  return out;
}

function routeSpec(method: string, route: string, params: Record<string, string>, extra: Partial<EventSpec> = {}): EventSpec {
  return { method: method.toUpperCase(), route, params, token: route.startsWith('/v1/invitations') ? invitedToken : token, ...extra };
}

/** A fingerprint of the built-in prototypes: any key added, removed or redefined changes it. */
function prototypesFingerprint(): string {
  const describeProto = (o: object): string =>
    Object.getOwnPropertyNames(o)
      .sort()
      .map((k) => {
        const d = Object.getOwnPropertyDescriptor(o, k) as PropertyDescriptor;
        return `${k}:${typeof d.value}:${String(d.writable)}:${String(d.enumerable)}:${typeof d.get}`;
      })
      .join(',');
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype].map(describeProto).join('|');
}

function expectPrototypesUntouched(): void {
  expect(prototypesFingerprint()).toBe(protoBefore);
  const probe: Record<string, unknown> = {};
  for (const k of ['polluted', 'isAdmin', 'x', 'a']) expect(probe[k]).toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
}

// ---------------------------------------------------------------------------------------------------------

describe('fuzzing the HTTP functions', () => {
  it('invalid JSON: truncated, trailing garbage, BOM, NaN, comments, lone surrogates, 1e999 ... in every body route', { timeout: TIMEOUT }, async () => {
    for (const c of BODY_CASES) {
      const valid = JSON.stringify(c.body());
      for (const [label, text] of invalidJsonTexts(valid)) await bodyCall(c, 'invalid-json', label, text);
    }
    expectClean();
  });

  it('huge and odd numbers (1e999, 2**64, -0, 1e-400 ...) at every field', { timeout: TIMEOUT }, async () => {
    for (const c of BODY_CASES) {
      const valid = c.body();
      const leaves = paths(valid).filter((p) => {
        const v = getAt(valid, p);
        return v === null || typeof v !== 'object';
      });
      for (const literal of NUMBER_LITERALS) {
        await bodyCall(c, 'numbers', `body ${literal}`, literal);
        for (const p of thin(leaves, 3)) await bodyCall(c, 'numbers', `${p.join('.')} = ${literal}`, withRawAt(valid, p, literal));
      }
    }
    expectClean();
  });

  it('deep nesting (10,000 levels of [[[ and {"a":{"a": ...) as the body and at every container', { timeout: TIMEOUT }, async () => {
    for (const c of BODY_CASES) {
      const valid = c.body();
      for (const [label, text] of [...deepTexts(10_000), ...deepTexts(65), ...deepTexts(64)]) await bodyCall(c, 'deep', label, text);
      const containers = paths(valid).filter((p) => typeof getAt(valid, p) === 'object' && getAt(valid, p) !== null);
      for (const [i, p] of containers.entries())
        for (const [label, text] of thin([...deepTexts(10_000), ...deepTexts(60)], 3, i)) await bodyCall(c, 'deep', `${p.join('.')}: ${label}`, withRawAt(valid, p, text));
    }
    expectClean();
  });

  it('1 MB bodies and strings (413), and 60,000-character strings at every string field', { timeout: TIMEOUT }, async () => {
    const mb = 'x'.repeat(1024 * 1024);
    for (const c of BODY_CASES) {
      const valid = c.body();
      await bodyCall(c, 'big', '1 MB of spaces', ' '.repeat(1024 * 1024));
      await bodyCall(c, 'big', '1 MB string body', JSON.stringify(mb));
      await bodyCall(c, 'big', 'just over 64 KiB', `${JSON.stringify(valid)}${' '.repeat(64 * 1024)}`);
      for (const [i, p] of stringPaths(valid).entries()) {
        const sizes: Array<[string, string]> = [
          ['1 MB', mb],
          ['60,000 characters', 'a'.repeat(60_000)],
          ['15,000 emoji', '\u{1f600}'.repeat(15_000)],
        ];
        for (const [label, big] of thin(sizes, 3, i)) await bodyCall(c, 'big', `${p.join('.')}: ${label}`, JSON.stringify(setAt(valid, p, big)));
      }
    }
    expectClean();
  });

  it('prototype-pollution keys (__proto__, constructor, prototype) at every level, in policy documents and contexts', { timeout: TIMEOUT }, async () => {
    const keys = ['__proto__', 'constructor', 'prototype'];
    const values: JsonLike[] = [{ polluted: true, isAdmin: true }, 'x', null, [{ polluted: true }]];
    for (const c of BODY_CASES) {
      const valid = c.body();
      for (const at of objectPaths(valid)) {
        for (const key of keys) {
          for (const value of thin(values, 2)) {
            const obj = structuredClone(getAt(valid, at)) as { [key: string]: JsonLike };
            defineKey(obj, key, value);
            await bodyCall(c, 'proto', `${at.join('.') || '(root)'}.${key} = ${JSON.stringify(value)}`, JSON.stringify(setAt(valid, at, obj)));
          }
          // The same key twice, the second time an object.
          await bodyCall(c, 'proto', `${at.join('.') || '(root)'}: ${key} twice`, withDuplicateKey(valid, at, key, { polluted: true }));
        }
      }
    }
    // Inside policy documents given as text, and context keys (which the schema allows: any key name).
    const pollutedDoc =
      '{"Version":"5.0","__proto__":{"polluted":true},"Statement":[{"Effect":"Allow","Action":["ims:images:list"],"constructor":{"prototype":{"polluted":true}},"Condition":{"StringEquals":{"__proto__":["x"]}}}]}';
    const evalCase = BODY_CASES[0] as BodyCase;
    await bodyCall(evalCase, 'proto', 'document text with __proto__', JSON.stringify({ action: 'ims:images:list', policies: [{ id: 'p', document: pollutedDoc }] }));
    await bodyCall(BODY_CASES[5] as BodyCase, 'proto', 'validate text with __proto__', JSON.stringify({ policy: pollutedDoc }));
    await bodyCall(BODY_CASES[7] as BodyCase, 'proto', 'stored document text with __proto__', JSON.stringify({ name: 'x', type: 'identity', document: pollutedDoc }));
    for (const key of [...keys, 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__']) {
      const context: { [key: string]: JsonLike } = {};
      defineKey(context, key, ['x']);
      const doc = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Condition: { StringEquals: { [key]: ['x'] } } }] };
      await bodyCall(evalCase, 'proto', `context key ${key}`, JSON.stringify({ action: 'ims:images:list', context, policies: [{ id: 'p', document: doc }] }));
      await bodyCall(BODY_CASES[3] as BodyCase, 'proto', `explain context key ${key}`, JSON.stringify({ action: 'ims:images:list', context, policies: [{ id: 'p', document: doc }] }));
    }
    expectPrototypesUntouched();
    expectClean();
  });

  it('a wrong type at every field (null, numbers, strings, arrays, objects, booleans) and every field removed', { timeout: TIMEOUT }, async () => {
    for (const c of BODY_CASES) {
      const valid = c.body();
      const all = paths(valid);
      for (const [i, p] of all.entries()) {
        await bodyCall(c, 'types', `${p.join('.')} removed`, JSON.stringify(setAt(valid, p, undefined)));
        for (const wrong of thin(WRONG_TYPES, 3, i)) await bodyCall(c, 'types', `${p.join('.')} = ${JSON.stringify(wrong)}`, JSON.stringify(setAt(valid, p, wrong)));
      }
      for (const wrong of WRONG_TYPES) await bodyCall(c, 'types', `body = ${JSON.stringify(wrong)}`, JSON.stringify(wrong));
    }
    expectClean();
  });

  it('Unicode edge cases (lone surrogates, U+0000, RTL, combining marks, emoji ...) in every string and key', { timeout: TIMEOUT }, async () => {
    for (const c of BODY_CASES) {
      const valid = c.body();
      for (const [i, p] of stringPaths(valid).entries())
        for (const [label, s] of thin(UNICODE_STRINGS, 4, i)) await bodyCall(c, 'unicode', `${p.join('.')}: ${label}`, JSON.stringify(setAt(valid, p, s)));
      for (const [i, at] of thin(objectPaths(valid), 2).entries()) {
        for (const [label, s] of thin(UNICODE_STRINGS, 4, i)) {
          const obj = structuredClone(getAt(valid, at)) as { [key: string]: JsonLike };
          defineKey(obj, s, 'x');
          await bodyCall(c, 'unicode', `${at.join('.') || '(root)'}: key ${label}`, JSON.stringify(setAt(valid, at, obj)));
        }
      }
      for (const [label, text] of RAW_UNICODE_BODIES) await bodyCall(c, 'unicode', label, text);
    }
    expectClean();
  });

  it('thousands of * and ? in actions, resources and StringMatch values: linear, never exponential', { timeout: TIMEOUT }, async () => {
    const evalCase = BODY_CASES[0] as BodyCase;
    const explainCase = BODY_CASES[3] as BodyCase;
    const validateCase = BODY_CASES[5] as BodyCase;
    const createCase = BODY_CASES[7] as BodyCase;
    const long = 'a'.repeat(2040);
    for (const [label, pattern] of [...wildcardPatterns(2000), ...wildcardPatterns(6000)]) {
      const doc = (st: JsonLike): JsonLike => ({ Version: '5.0', Statement: [st] });
      const inAction = doc({ Effect: 'Allow', Action: [pattern], Resource: ['*'] });
      const inResource = doc({ Effect: 'Deny', Action: ['ims:images:get'], Resource: [`ims:${pattern}:acc-fz:image:x`] });
      const inCondition = doc({ Effect: 'Allow', Action: ['ims:images:list'], Condition: { 'ForAnyValue:StringMatch': { 'g:UserName': [pattern, `${pattern}b`, `b${pattern}`] } } });
      for (const [where, document] of [
        ['Action', inAction],
        ['Resource', inResource],
        ['StringMatch', inCondition],
      ] as const) {
        const request = {
          actions: ['ims:images:list', 'ims:images:get'],
          resource: `ims:cn-north-4:acc-fz:image:${long.slice(0, 1000)}`,
          context: { 'g:UserName': [long, long, long, long, long, long, long, long] },
          policies: [{ id: 'p', document }],
        };
        await bodyCall(evalCase, 'wildcards', `${where}: ${label}`, JSON.stringify(request));
        await bodyCall(explainCase, 'wildcards', `${where}: ${label}`, JSON.stringify(request));
        await bodyCall(validateCase, 'wildcards', `${where}: ${label}`, JSON.stringify({ policy: document }));
        await bodyCall(createCase, 'wildcards', `${where}: ${label}`, JSON.stringify({ name: 'w', type: 'identity', document }));
      }
      // The request's own patterns: wildcard actions, and wildcard ("family") resources against Deny patterns.
      await bodyCall(evalCase, 'wildcards', `request action: ${label}`, JSON.stringify({ action: `ims:${pattern.slice(0, 250)}`, policies: [{ id: 'p', document: DOC }] }));
      await bodyCall(
        evalCase,
        'wildcards',
        `request resources: ${label}`,
        JSON.stringify({
          action: 'ims:images:get',
          resources: Array.from({ length: 20 }, (_, i) => `ims:*:acc-fz:image:${pattern.replace(/\?/g, '*').slice(0, 2000)}${i}`),
          policies: [{ id: 'p', document: { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:get'], Resource: [`ims:*:*:image:${pattern.slice(0, 1500)}`] }] } }],
        }),
      );
    }
    // The worst case of the `?` search: many 2 KiB values against long `a?a?...b` patterns, within 64 KiB.
    const qPattern = `*${'a?'.repeat(480)}`;
    const qDoc = (n: number): JsonLike => ({
      Version: '5.0',
      Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Condition: { 'ForAnyValue:StringMatch': { 'g:UserName': Array.from({ length: 5 }, (_, i) => `${qPattern}${'bcdef'[i]}${n}*`) } } }],
    });
    const worst = { action: 'ims:images:list', context: { 'g:UserName': Array.from({ length: 23 }, () => long) }, policies: [0, 1].map((n) => ({ id: `p${n}`, document: qDoc(n) })) };
    await bodyCall(evalCase, 'wildcards', `? search worst case (${JSON.stringify(worst).length} bytes)`, JSON.stringify(worst));
    await bodyCall(explainCase, 'wildcards', `? search worst case (${JSON.stringify(worst).length} bytes)`, JSON.stringify(worst));
    expectClean();
  });

  it('random mutations of valid bodies, random JSON and random text (fast-check)', { timeout: TIMEOUT }, async () => {
    for (const [i, c] of BODY_CASES.entries()) {
      for (const text of sample(mutatedBody(c.body()), RUNS, FUZZ_SEED + i)) await bodyCall(c, 'random', text, text);
      for (const text of sample(randomBodies, Math.ceil(RUNS / 3), FUZZ_SEED + 100 + i)) await bodyCall(c, 'random', text, text);
    }
    expectPrototypesUntouched();
    expectClean();
  });

  it('base64 bodies (isBase64Encoded): valid, not base64, not UTF-8 (overlong, surrogates), a BOM, 1 MB', { timeout: TIMEOUT }, async () => {
    for (const c of BODY_CASES) {
      const valid = JSON.stringify(c.body());
      const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
      const cases: Array<[string, string]> = [
        ['valid', b64(valid)],
        ['with BOM', b64(`\ufeff${valid}`)],
        ['not base64', '!!!!'],
        ['base64url alphabet', b64(valid).replace(/\+/g, '-').replace(/\//g, '_')],
        ['bad padding', `${b64(valid)}===`],
        ['one character', 'e'],
        ['whitespace', ` ${b64(valid)} `],
        ['1 MB', b64('x'.repeat(1024 * 1024))],
        ['empty after decoding', '===='],
      ];
      for (const [label, bytes] of BAD_UTF8) cases.push([label, b64(Buffer.from(bytes))]);
      for (const [label, body] of cases) await bodyCall(c, 'base64', label, body, { isBase64Encoded: true });
    }
    expectClean();
  });

  it('content types and odd headers', { timeout: TIMEOUT }, async () => {
    const types = [
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
      'application/merge-patch+json',
      'application/jsonx',
      '',
      ';',
      'x'.repeat(10_000),
      NO_HEADER,
    ];
    for (const c of BODY_CASES) {
      const valid = JSON.stringify(c.body());
      for (const type of thin(types, 3, BODY_CASES.indexOf(c))) await bodyCall(c, 'headers', `content-type ${type.slice(0, 40)}`, valid, { headers: { 'content-type': type } });
    }
    const expired = await mintToken(ACC, undefined, { ttl: -3600 });
    const otherIssuer = await mintToken(ACC, undefined, { issuer: 'someone-else' });
    const noScopes = await mintToken(ACC, []);
    const badClaims = await mintToken('acc with spaces');
    const [h, p] = token.split('.') as [string, string];
    const authValues = [
      NO_HEADER,
      '',
      'Bearer',
      'Bearer ',
      `bearer ${token}`,
      `Bearer  ${token}`,
      `Bearer ${token} extra`,
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      `Bearer ${expired}`,
      `Bearer ${otherIssuer}`,
      `Bearer ${noScopes}`,
      `Bearer ${badClaims}`,
      `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`,
      `Bearer ${h}.${p}.AAAA`,
      `Bearer ${'x'.repeat(60_000)}`,
      `Bearer ${token}\u0000`,
      'Bearer \ud800',
    ];
    for (const [ri, r] of ROUTES.entries()) {
      if (r.public) continue;
      for (const auth of thin(authValues, 4, ri)) {
        // A valid body where there is one, so a wrong pass would reach the function.
        const bodyCase = BODY_CASES.find((c) => c.route === r.path && c.method === r.method.toUpperCase());
        const spec = routeSpec(r.method, r.path, paramsOf(r.path), { headers: { authorization: auth } });
        if (bodyCase) spec.body = JSON.stringify(bodyCase.body());
        // Nothing may pass but the valid token spelled differently (`bearer`, two spaces), so no write follows: odd ids.
        if (!r.public && r.method !== 'get' && /^bearer\s+\S+$/i.test(auth) && auth.includes(token)) continue;
        await run.call(spec, { fn: r.function, family: 'headers', label: `${r.method} ${r.path} authorization ${auth.slice(0, 30)}`, readOnly: r.method === 'get' });
      }
    }
    // Both spellings of the header; a header name in odd case; If-Match and If-None-Match oddities.
    await run.call(routeSpec('GET', '/v1/policies', {}, { headers: { Authorization: 'Bearer nope', authorization: `Bearer ${token}` } }), {
      fn: 'policies',
      family: 'headers',
      label: 'two authorization headers',
      readOnly: true,
    });
    await run.call(routeSpec('GET', '/v1/policies', {}, { headers: { AUTHORIZATION: `Bearer ${token}` } }), { fn: 'policies', family: 'headers', label: 'AUTHORIZATION', readOnly: true });
    const ifMatch = ['garbage', '"1e999"', '"-1"', '"0"', 'W/"x"', '"', '""', '"99999999999999999999"', '\u0000', 'x'.repeat(10_000), '"1", "2"', '\ud800'];
    for (const c of BODY_CASES.filter((x) => x.fn !== 'evaluate' && x.fn !== 'explain' && x.fn !== 'validate')) {
      for (const v of thin(ifMatch, 3, BODY_CASES.indexOf(c))) await bodyCall(c, 'headers', `if-match ${v.slice(0, 30)}`, JSON.stringify(c.body()), { headers: { 'if-match': v } });
    }
    for (const v of ['*', '"x"', 'W/"x"', '', ',,,', 'x'.repeat(10_000), '"a", *']) {
      await run.call({ method: 'GET', route: '/v1/catalog', headers: { 'if-none-match': v } }, { fn: 'catalog', family: 'headers', label: `if-none-match ${v.slice(0, 20)}`, readOnly: true });
    }
    expectClean();
  });

  it('odd path parameters on every route: malformed percent-encoding, prototype names, long, empty, Unicode', { timeout: TIMEOUT }, async () => {
    const odd = [
      '%',
      '%zz',
      '%E0%A4%A',
      '%ED%A0%80',
      '%00',
      '..',
      '.',
      'a%2Fb',
      'a/b',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'x'.repeat(65),
      'x'.repeat(10_000),
      '',
      ' ',
      '#',
      'a#b',
      'ACCT#acc-other',
      '\u0000',
      '\ud800',
      '\u{1f600}',
      'admin\u202e',
      'system:IMS-FullAccess',
      'system:nope',
      'v0',
      'v999999999999999999999',
      '-1',
      '1e999',
      'NaN',
      '*',
      '?',
    ];
    for (const [ri, r] of ROUTES.entries()) {
      const valid = paramsOf(r.path);
      for (const [pi, name] of Object.keys(valid).entries()) {
        for (const value of thin(odd, 4, ri + pi)) {
          // Deleting a system policy or a valid id is not this family's business: the other ids stay valid, this one is odd.
          if (r.method === 'delete' && value.startsWith('system:')) continue;
          const bodyCase = BODY_CASES.find((c) => c.route === r.path && c.method === r.method.toUpperCase());
          const spec = routeSpec(r.method, r.path, { ...valid, [name]: value });
          if (bodyCase) spec.body = JSON.stringify(bodyCase.body());
          await run.call(spec, { fn: r.function, family: 'params', label: `${r.method} ${r.path} ${name}=${value.slice(0, 30)}`, readOnly: r.method === 'get' });
        }
      }
    }
    // Missing path parameters altogether.
    for (const r of ROUTES.filter((x) => x.path.includes('{'))) {
      if (r.method !== 'get') continue;
      await run.call(routeSpec(r.method, r.path, {}), { fn: r.function, family: 'params', label: `${r.path} without parameters`, readOnly: true });
    }
    expectClean();
  });

  it('odd query strings on every list route: cursor=garbage, limit=-1, limit=1e9 ...', { timeout: TIMEOUT }, async () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64url');
    const queries: Array<Record<string, string>> = [
      { limit: '-1' },
      { limit: '0' },
      { limit: '101' },
      { limit: '1e9' },
      { limit: '1e1' },
      { limit: '1.5' },
      { limit: 'NaN' },
      { limit: 'Infinity' },
      { limit: '' },
      { limit: ' 5' },
      { limit: '0x10' },
      { limit: '\u0663' },
      { limit: '99999999999999999999' },
      { cursor: 'garbage' },
      { cursor: '' },
      { cursor: '%' },
      { cursor: b64('null') },
      { cursor: b64('[]') },
      { cursor: b64('{"s":"x"}') },
      { cursor: b64('{"__proto__":{"polluted":true},"s":"x"}') },
      { cursor: b64(`{"s":"policies|${ACC}","i":1e999}`) },
      { cursor: b64(`{"s":"policies|${ACC}","k":{"pk":"ACCT#acc-other","sk":"POLICY#x"}}`) },
      { cursor: b64(`{"s":"policies|${ACC}","k":{"pk":{"S":"x"}}}`) },
      { cursor: 'x'.repeat(10_000) },
      { cursor: '\ud800' },
      { type: 'x' },
      { type: '' },
      { include_system: 'maybe' },
      { principal_type: 'user' },
      { principal_type: 'user', principal_id: '#' },
      { principal_type: 'robot', principal_id: 'x' },
      { policy_id: '\u0000' },
      { detach: 'yes' },
      { days: '0' },
      { days: '1e2' },
      { days: '401' },
      { days: '-1' },
      { principal_type: 'user', principal_id: 'fz-user', days: '\u0663' },
      { principal_type: 'agency', principal_id: 'fz-missing' },
      { __proto__: 'x', constructor: 'y' } as Record<string, string>,
    ];
    for (const [ri, r] of ROUTES.filter((x) => x.method === 'get').entries()) {
      for (const q of thin(queries, 3, ri)) {
        const query: Record<string, string> = {};
        for (const [k, v] of Object.entries(q)) query[k] = v;
        await run.call(routeSpec(r.method, r.path, paramsOf(r.path), { query }), { fn: r.function, family: 'query', label: `${r.path}?${JSON.stringify(query).slice(0, 60)}`, readOnly: true });
      }
    }
    // A prototype key in the query of a write route, with an odd id (nothing may be deleted).
    const query: Record<string, string> = {};
    defineKey(query as { [key: string]: JsonLike }, '__proto__', 'x');
    await run.call(routeSpec('DELETE', '/v1/policies/{policy_id}', { policy_id: 'fz-missing' }, { query: { ...query, detach: 'true' } }), {
      fn: 'policies',
      family: 'query',
      label: 'DELETE ?__proto__',
      readOnly: false,
    });
    expectClean();
  });

  it('unknown routes and methods (not-found), the public routes, and the IMS demo backend', { timeout: TIMEOUT }, async () => {
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'get', 'BREW', ''];
    const paths0 = ['/', '/v1', '/v1/', '/v2/evaluate', '/v1/evaluate/../policies', '/%', '/%zz', `/${'x'.repeat(10_000)}`, '/\u0000', '/\ud800', '/\u{1f600}', '//', '/v1/policies?x=1'];
    for (const m of methods) {
      for (const path of thin(paths0, 2)) {
        const spec: EventSpec = { method: m, route: path, token, body: '{"a":1}' };
        await run.call(spec, { fn: 'notFound', family: 'routes', label: `${m} ${path.slice(0, 40)}`, readOnly: true });
        await run.call({ method: m, route: path }, { fn: 'imsDemo', family: 'routes', label: `${m} ${path.slice(0, 40)}`, readOnly: true });
      }
    }
    for (const body of [undefined, '{', 'x'.repeat(100_000)]) {
      for (const fn of ['catalog', 'openapi']) {
        const spec: EventSpec = { method: 'GET', route: fn === 'catalog' ? '/v1/catalog' : '/v1/openapi.json' };
        if (body !== undefined) spec.body = body;
        await run.call(spec, { fn, family: 'routes', label: `${fn} with body ${String(body?.slice(0, 10))}`, readOnly: true });
      }
    }
    // A body route with its route key missing: the router answers 404, not a fault.
    await run.call({ method: 'POST', route: '$default', token, body: '{}' }, { fn: 'policies', family: 'routes', label: '$default route key', readOnly: true });
    expectClean();
  });

  it('the IMS authorizer never throws and always answers isAuthorized with a reason', { timeout: TIMEOUT }, async () => {
    const headerSets: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${token}` },
      { authorization: `Bearer ${token}`, 'x-ims-region': '\ud800' },
      { authorization: `Bearer ${token}`, 'x-ims-region': 'x'.repeat(10_000), 'x-ims-enterprise-project': 'maybe', 'x-ims-quick-import-disk': '__proto__' },
      { authorization: 'Bearer \u0000' },
    ];
    const rawPaths = ['/ims/v1/cloudimages', '/ims/v2/cloudimages/%2e%2e/x', '/ims/%', `/ims/${'*'.repeat(5000)}`, '/ims/v1/cloudimages/\ud800', '/ims/v2/cloudimages/abc/copy?x', '/', ''];
    for (const headers of headerSets) {
      for (const rawPath of rawPaths) {
        for (const method of ['GET', 'POST', 'BREW']) {
          const event = {
            version: '2.0',
            type: 'REQUEST',
            routeArn: 'arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/ims',
            identitySource: [headers.authorization ?? ''],
            routeKey: 'ANY /ims/{proxy+}',
            rawPath,
            rawQueryString: '',
            headers,
            requestContext: { http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '\ud800', userAgent: 'fuzz' }, requestId: 'r', routeKey: 'ANY /ims/{proxy+}', stage: '$default' },
          } as unknown as Parameters<typeof authorizer>[0];
          const times: number[] = [];
          for (let i = 0; i < 3 && (times.length === 0 || Math.min(...times) >= BUDGET_MS); i++) {
            const t0 = performance.now();
            const r = await authorizer(event);
            times.push(performance.now() - t0);
            expect(typeof r.isAuthorized).toBe('boolean');
            expect(typeof r.context.reason).toBe('string');
          }
          if (STRICT_TIME) expect(Math.min(...times)).toBeLessThan(BUDGET_MS);
        }
      }
    }
    expectClean();
  });

  it('a batch of bad writes to one policy leaves it exactly as it was (and its versions, grants and attachments)', { timeout: TIMEOUT }, async () => {
    const a = await client(ACC);
    const read = async (): Promise<string> =>
      JSON.stringify([(await a.get('/v1/policies/fz-pol')).json, (await a.get('/v1/grants?policy_id=fz-pol')).json, (await a.get(`/v1/organizations/${ids.orgId}/nodes/${ids.ouId}/policies`)).json]);
    const before = await read();
    const bad: Array<[string, string, string | undefined, Record<string, string>?]> = [
      ['PATCH', '/v1/policies/{policy_id}', '{"name":""}'],
      ['PATCH', '/v1/policies/{policy_id}', '{"name":"x","__proto__":{"name":"y"}}'],
      ['PATCH', '/v1/policies/{policy_id}', '{"name":"\u0000"}'],
      ['PATCH', '/v1/policies/{policy_id}', '{"name":"\ud800"}'],
      ['PATCH', '/v1/policies/{policy_id}', `{"description":"${'d'.repeat(1001)}"}`],
      ['PATCH', '/v1/policies/{policy_id}', '{"name":"ok"}', { 'if-match': '"999"' }],
      ['PATCH', '/v1/policies/{policy_id}', '{"name":"ok"}', { 'if-match': 'garbage' }],
      ['POST', '/v1/policies/{policy_id}/versions', '{"document":{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:dlete"]}]}}'],
      ['POST', '/v1/policies/{policy_id}/versions', '{"document":"{"Version":"5.0","Statement":[1e999]}"}'],
      ['POST', '/v1/policies/{policy_id}/versions', '{"document":{"Version":"5.0","Statement":[]},"set_as_default":"yes"}'],
      ['POST', '/v1/policies/{policy_id}/versions', `{"document":${JSON.stringify('x'.repeat(40_000))}}`],
      ['PUT', '/v1/policies/{policy_id}/default_version', '{"version_id":"v99"}'],
      ['PUT', '/v1/policies/{policy_id}/default_version', '{"version_id":"__proto__"}'],
      ['DELETE', '/v1/policies/{policy_id}/versions/{version_id}', undefined],
      ['DELETE', '/v1/policies/{policy_id}', undefined],
    ];
    for (const [method, route, body, headers] of bad) {
      const params: Record<string, string> = route.includes('version_id') ? { policy_id: 'fz-pol', version_id: 'v0' } : { policy_id: 'fz-pol' };
      const spec: EventSpec = { method, route, params, token };
      if (body !== undefined) spec.body = body;
      if (headers) spec.headers = headers;
      const r = await run.call(spec, { fn: 'policies', family: 'bad-writes', label: `${method} ${route} ${String(body).slice(0, 60)}`, readOnly: false });
      expect([method, route, body, (r?.status ?? 0) >= 400]).toEqual([method, route, body, true]);
    }
    expect(await read()).toBe(before);
    expectClean();
  });

  it('nothing stored was lost: the seeded entities are all still there and readable', async () => {
    const a = await client(ACC);
    for (const url of [
      '/v1/policies/fz-pol',
      '/v1/policies/fz-scp',
      '/v1/users/fz-user',
      '/v1/groups/fz-group',
      '/v1/agencies/fz-agency',
      `/v1/grants/${ids.grantId}`,
      `/v1/organizations/${ids.orgId}`,
    ]) {
      const r = await a.get(url);
      expect([url, r.status]).toEqual([url, 200]);
    }
    expect((await a.get('/v1/groups/fz-group/members')).json.items.map((m: { user_id: string }) => m.user_id)).toContain('fz-user');
    expectPrototypesUntouched();
  });
});

// ---------------------------------------------------------------------------------------------------------
// The CLI, in-process (runCli with an in-memory io) and, for a few cases, the bundled binary.

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

let cliCalls = 0;

function cli(argv: string[], files: Record<string, string | Error> = {}, stdin?: string): CliRun {
  cliCalls++;
  let stdout = '';
  let stderr = '';
  const t0 = performance.now();
  const code = runCli(argv, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    readFile: (path) => {
      const f = files[path];
      if (f === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      if (f instanceof Error) throw f;
      return f;
    },
    readStdin: () => {
      if (stdin === undefined) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      return stdin;
    },
  });
  return { code, stdout, stderr, ms: performance.now() - t0 };
}

const cliProblems: string[] = [];
const CLI_BIN = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));

/** Exit code 0, 1 or 2; nothing on stderr (no stack trace); JSON on stdout unless --text; code 2 is {"error": {code, message}}. */
function checkCli(label: string, exec: () => CliRun, argv: string[], inputBytes: number): void {
  const r = exec();
  const problem = ((): string | null => {
    if (![0, 1, 2].includes(r.code)) return `exit code ${r.code}`;
    if (r.stderr !== '') return `stderr: ${r.stderr.slice(0, 200)}`;
    if (argv.includes('--text') && r.code !== 2) return null;
    if (argv[0] === undefined || ['help', '--help', '-h'].includes(argv[0])) return null;
    let json: unknown;
    try {
      json = JSON.parse(r.stdout);
    } catch {
      return `stdout is not JSON: ${r.stdout.slice(0, 100)}`;
    }
    if (r.code === 2) {
      const e = (json as { error?: { code?: unknown; message?: unknown } }).error;
      if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') return `exit 2 without {"error": {code, message}}: ${r.stdout.slice(0, 200)}`;
      if (e.code === 'INTERNAL_ERROR') return 'INTERNAL_ERROR';
    }
    if (inputBytes <= 64 * 1024 && r.ms >= BUDGET_MS) {
      // Timed again, at most twice, before it counts as slow (a shared machine).
      const times = [r.ms, exec().ms];
      if (Math.min(...times) >= BUDGET_MS) times.push(exec().ms);
      if (STRICT_TIME && Math.min(...times) >= BUDGET_MS) return `took ${times.map((t) => t.toFixed(1)).join(', ')} ms`;
    }
    return null;
  })();
  if (problem && cliProblems.length < 50) cliProblems.push(`${label}: ${problem}`);
}

function expectCliClean(): void {
  expect(cliProblems.splice(0)).toEqual([]);
}

describe('fuzzing the CLI', () => {
  const requests: Array<[string, JsonLike]> = [
    ['inline', EVALUATE_INLINE],
    ['api', EVALUATE_API],
  ];

  it('bad files, invalid JSON, deep nesting, huge inputs, wrong types, Unicode, wildcards: exit 2 with {"error"} (validate: 0/1)', { timeout: TIMEOUT }, () => {
    const texts: Array<[string, string]> = [];
    for (const [name, req] of requests) {
      const valid = JSON.stringify(req);
      for (const [label, text] of invalidJsonTexts(valid)) texts.push([`${name} ${label}`, text]);
      for (const [label, text] of deepTexts(10_000)) texts.push([`${name} ${label}`, text]);
      for (const [i, p] of thin(paths(req), 2).entries())
        for (const wrong of thin(WRONG_TYPES, 4, i)) texts.push([`${name} ${p.join('.')} = ${JSON.stringify(wrong)}`, JSON.stringify(setAt(req, p, wrong))]);
      for (const p of stringPaths(req)) for (const [label, s] of thin(UNICODE_STRINGS, 3)) texts.push([`${name} ${p.join('.')}: ${label}`, JSON.stringify(setAt(req, p, s))]);
      for (const literal of NUMBER_LITERALS) texts.push([`${name} number ${literal}`, withRawAt(req, ['context', 'g:MFAAge'], literal)]);
      for (const [label, pattern] of wildcardPatterns(2000)) texts.push([`${name} action ${label}`, JSON.stringify(setAt(req, ['policies', 0, 'document', 'Statement', 0, 'Action', 0], pattern))]);
    }
    texts.push(['8 MiB + 1', ' '.repeat(8 * 1024 * 1024 + 1)], ['1 MB string', JSON.stringify('x'.repeat(1024 * 1024))], ['empty', ''], ['BOM only', '\ufeff']);
    for (const [label, text] of texts) {
      for (const command of ['evaluate', 'explain']) {
        const argv = [command, 'req.json'];
        checkCli(`${command} ${label}`, () => cli(argv, { 'req.json': text }), argv, text.length);
      }
      const argv = ['validate', '-'];
      checkCli(`validate ${label}`, () => cli(argv, {}, text), argv, text.length);
    }
    // Files that cannot be read.
    const unreadable: Array<[string, Error]> = [
      ['a directory', Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR' })],
      ['no permission', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })],
      ['an error without a code', new Error('boom')],
    ];
    for (const [label, err] of unreadable) {
      for (const command of ['validate', 'evaluate', 'explain']) {
        const argv = [command, 'f.json'];
        checkCli(`${command} ${label}`, () => cli(argv, { 'f.json': err }), argv, 0);
      }
    }
    for (const command of ['validate', 'evaluate', 'explain']) {
      for (const argv of [[command], [command, 'missing.json'], [command, '-']]) checkCli(argv.join(' '), () => cli(argv), argv, 0);
    }
    expectCliClean();
  });

  it('unknown options, odd option values and arguments: exit 2 with {"error"}', () => {
    const file = { 'p.json': JSON.stringify(DOC), 'r.json': JSON.stringify(EVALUATE_INLINE) };
    const argvs: string[][] = [
      [],
      ['help'],
      ['--help'],
      ['-h'],
      ['nope'],
      [''],
      ['\ud800'],
      ['__proto__'],
      ['constructor'],
      ['catalog', 'extra'],
      ['catalog', '--text'],
      ['validate', 'p.json', '--nope'],
      ['validate', 'p.json', '--'],
      ['validate', 'p.json', '--='],
      ['validate', 'p.json', '--constructor', 'x'],
      ['validate', 'p.json', '--__proto__', 'x'],
      ['validate', 'p.json', '--toString'],
      ['validate', 'p.json', '--hasOwnProperty=1'],
      ['validate', 'p.json', '--type'],
      ['validate', 'p.json', '--type='],
      ['validate', 'p.json', '--type', 'resource'],
      ['validate', 'p.json', '--type', '__proto__'],
      ['validate', 'p.json', '--type=scp=scp'],
      ['validate', 'p.json', '--scp-revision', '2024=1'],
      ['validate', 'p.json', '--scp-revision=2024=x'],
      ['validate', 'p.json', '--scp-revision', 'x'.repeat(100_000)],
      ['validate', 'p.json', '--text=false'],
      ['validate', 'p.json', 'p.json'],
      ['validate', 'p.json', '--TEXT'],
      ['validate', 'p.json', '-t'],
      ['validate', '--text'],
      ['evaluate', 'r.json', '--text'],
      ['evaluate', 'r.json', '--type', 'scp'],
      ['explain', 'r.json', '--text', '--text'],
      ['explain', 'r.json', `--${'x'.repeat(10_000)}`],
      ['explain', 'r.json', '--\u{1f600}'],
    ];
    for (const argv of argvs) checkCli(JSON.stringify(argv).slice(0, 80), () => cli(argv, file), argv, 0);
    // The options that used to reach Object.prototype are refused by name.
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = cli(['validate', 'p.json', `--${name}`, 'x'], file);
      expect([name, r.code, (JSON.parse(r.stdout) as { error: { code: string } }).error.code]).toEqual([name, 2, 'UNKNOWN_OPTION']);
    }
    expectCliClean();
  });

  it.skipIf(!existsSync(CLI_BIN))('the bundled binary (dist/cli.cjs): exit 2, a JSON error on stdout, nothing on stderr', () => {
    const cases: Array<[string[], string]> = [
      [['evaluate', '-'], '['.repeat(100_000)],
      [['explain', '-'], '{"action":"ims:images:list","context":{"g:MFAAge":1e999}}'],
      [['validate', '-', '--constructor', 'x'], '{}'],
      [['evaluate', 'no/such/file.json'], ''],
    ];
    if (LONG) cases.push([['validate', '-'], ' '.repeat(8 * 1024 * 1024 + 1)]);
    for (const [argv, input] of cases) {
      const r = spawnSync(process.execPath, [CLI_BIN, ...argv], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect([argv, r.status, r.stderr]).toEqual([argv, 2, '']);
      expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(['error']);
    }
  });

  it('random mutations of valid requests and documents (fast-check)', { timeout: TIMEOUT }, () => {
    for (const [i, [name, req]] of requests.entries()) {
      for (const text of sample(mutatedBody(req), RUNS * 3, FUZZ_SEED + 500 + i)) {
        for (const command of ['evaluate', 'explain']) {
          const argv = [command, '-'];
          checkCli(`${command} ${name} ${text.slice(0, 100)}`, () => cli(argv, {}, text), argv, text.length);
        }
      }
    }
    for (const text of sample(mutatedBody(DOC), RUNS * 3, FUZZ_SEED + 600)) {
      for (const argv of [
        ['validate', '-'],
        ['validate', '-', '--type', 'scp', '--text'],
      ]) {
        checkCli(`validate ${text.slice(0, 100)}`, () => cli(argv, {}, text), argv, text.length);
      }
    }
    for (const text of sample(randomBodies, RUNS * 3, FUZZ_SEED + 700)) {
      for (const argv of [
        ['validate', '-'],
        ['evaluate', '-'],
        ['explain', '-', '--text'],
      ])
        checkCli(`${argv[0]} ${text.slice(0, 100)}`, () => cli(argv, {}, text), argv, text.length);
    }
    expectPrototypesUntouched();
    expectCliClean();
  });
});
