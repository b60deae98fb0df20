/**
 * The access analysis over stored data, in process (the access and policies handlers, no HTTP server)
 * against DynamoDB Local with generated data: an account of 1,000 users in 50 groups, 200 policies (5.0 and
 * 1.1, Allows and Denies, conditions on regions, enterprise projects, tags and encryption), grants with every
 * kind of scope (one policy attached to 25 groups: 500 principals), 100 users with direct grants, and an
 * organization of 3 OU levels with an SCP at each. Per call: latency p50/p99, the table requests and round
 * trips (counted, both clients), the distinct sets analysed. Issue 17's targets: who-can p50 <= 300 ms,
 * what-can <= 100 ms, a preview of a version change to a policy attached to 500 principals <= 2 s.
 *   npm run bench:access [-- --runs 20]
 * Writes bench/results/access.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Context } from 'aws-lambda';
import { handler as access } from '../functions/access.js';
import { handler as policies } from '../functions/policies.js';
import type { HttpEvent } from '../functions/shared/http.js';
import { startLocalDynamo } from '../infra/local/dynamo.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { catalog } from '../lib/catalog/catalog.js';
import { acceptInvitation, addMember, attachScp, createGrant, createGroup, createOrganization, createOu, createPolicy, createUser, enableScp, inviteAccount, type GrantScope } from '../store/index.js';
import { resetClient } from '../store/client.js';
import { interceptRequests } from '../store/dynamo-http.js';
import { countTableCalls, describeCalls } from '../test/support/table-calls.js';

const { runs: runsArg } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string' } }, strict: false, allowPositionals: true }).values;
const N = runsArg === undefined ? 20 : Number(runsArg);
process.env.AUTH_MODE = 'hs256';
process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
console.log = () => undefined;
const out = (s: string): boolean => process.stdout.write(`${s}\n`);
const machine = { node: process.version, cpus: cpus().length, loadavg_at_start: loadavg().map((x) => Math.round(x * 100) / 100) };

const ACC = 'acc-bench';
const MGMT = 'acc-bench-mgmt';
const USERS = 1000;
const GROUPS = 50;
const POLICIES = 200;

const db = await startLocalDynamo({ port: 0, tableName: `bench-access-${process.pid}` });
process.env.DYNAMODB_ENDPOINT = db.endpoint;
process.env.POLICY_TABLE = db.tableName;
resetClient();

// A seeded generator: the same data every run.
let seed = 20_261_206;
const rnd = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const actions = catalog.actions.filter((a) => a.access_level !== null && a.name.startsWith('ims:')).map((a) => a.name);
const REGIONS = ['cn-north-4', 'cn-east-3', 'ap-southeast-1'];

function policyDocument(i: number): unknown {
  const n = 1 + Math.floor(rnd() * 6);
  const some = Array.from({ length: n }, () => pick(actions));
  if (i % 4 === 3) return { Version: '1.1', Statement: [{ Effect: rnd() < 0.2 ? 'Deny' : 'Allow', Action: some }] };
  const conditions = [
    undefined,
    { StringEquals: { 'g:EnterpriseProjectId': [`ep-${Math.floor(rnd() * 5)}`] } },
    { Bool: { 'ims:Encrypted': ['true'] } },
    { StringEquals: { 'g:ResourceTag/team': [`team-${Math.floor(rnd() * 8)}`] } },
  ];
  const condition = pick(conditions);
  const statement: Record<string, unknown> = { Effect: rnd() < 0.15 ? 'Deny' : 'Allow', Action: some, Resource: [rnd() < 0.5 ? '*' : `ims:${pick(REGIONS)}:${ACC}:image:*`] };
  if (condition) statement.Condition = condition;
  return { Version: '5.0', Statement: [statement] };
}

async function inBatches<T>(items: readonly T[], size: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const setupStarted = performance.now();
await inBatches(
  Array.from({ length: POLICIES }, (_, i) => i),
  16,
  (i) => createPolicy({ account_id: ACC, policy_id: `p-${i}`, name: `p-${i}`, document: policyDocument(i) as never }),
);
await inBatches(
  Array.from({ length: GROUPS }, (_, g) => g),
  16,
  (g) => createGroup(ACC, { group_id: `g-${g}`, name: `g-${g}` }),
);
await inBatches(
  Array.from({ length: USERS }, (_, u) => u),
  16,
  (u) => createUser(ACC, { user_id: `u-${u}`, name: `u-${u}` }),
);
// Each user in one group (20 per group), every third also in a second one.
await inBatches(
  Array.from({ length: USERS }, (_, u) => u),
  16,
  async (u) => {
    await addMember(ACC, `g-${u % GROUPS}`, `u-${u}`);
    if (u % 3 === 0) await addMember(ACC, `g-${(u * 7 + 1) % GROUPS}`, `u-${u}`);
  },
);
const scopes = (i: number): GrantScope =>
  i % 5 === 0
    ? { type: 'project', project: pick(REGIONS) }
    : i % 7 === 0
      ? { type: 'enterprise_project', enterprise_project_id: `ep-${i % 5}` }
      : i % 2 === 0
        ? { type: 'all_projects' }
        : { type: 'global' };
// The widely attached policy p-0: to groups 0..24 (500 users). Then 4 more policies per group, 100 direct grants.
const grants: Array<{ policy: string; type: 'user' | 'group'; id: string; scope: GrantScope }> = [];
for (let g = 0; g < 25; g++) grants.push({ policy: 'p-0', type: 'group', id: `g-${g}`, scope: { type: 'global' } });
for (let g = 0; g < GROUPS; g++) for (let k = 0; k < 4; k++) grants.push({ policy: `p-${1 + ((g * 4 + k) % (POLICIES - 1))}`, type: 'group', id: `g-${g}`, scope: scopes(g * 4 + k) });
for (let u = 0; u < 100; u++) grants.push({ policy: `p-${1 + Math.floor(rnd() * (POLICIES - 1))}`, type: 'user', id: `u-${u * 10}`, scope: scopes(u) });
await inBatches(grants, 16, (x) =>
  createGrant(ACC, { policy_id: x.policy, principal: { type: x.type, id: x.id }, scope: x.scope }).catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'ALREADY_EXISTS') throw err;
  }),
);
// The organization: root -> ou-1 -> ou-2 -> ou-3 -> the account; an SCP at each level.
const org = await createOrganization(MGMT);
let parent = org.root_id;
const ous: string[] = [];
for (const name of ['ou-1', 'ou-2', 'ou-3']) {
  parent = (await createOu(MGMT, org.org_id, { parent_id: parent, name })).node_id;
  ous.push(parent);
}
await inviteAccount(MGMT, org.org_id, { account_id: ACC, parent_id: parent });
await acceptInvitation(ACC, org.org_id);
await enableScp(MGMT, org.org_id);
for (const [i, ou] of ous.entries()) {
  const doc = { Version: '5.0', Statement: [{ Effect: 'Deny', Action: [pick(actions)], Resource: ['*'], Condition: { StringNotEquals: { 'g:RequestedRegion': [REGIONS[i] as string] } } }] };
  await createPolicy({ account_id: MGMT, policy_id: `scp-${i}`, name: `scp-${i}`, type: 'scp', document: doc as never });
  await attachScp(MGMT, org.org_id, ou, `scp-${i}`);
}
const setupMs = performance.now() - setupStarted;

const token = await mintToken(ACC, undefined, { secret: LOCAL_JWT_SECRET });
const ctx = { getRemainingTimeInMillis: () => 29_000 } as Context;
function event(method: string, path: string, query: Record<string, string>, routeKey: string, body?: unknown): HttpEvent {
  const e: HttpEvent = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    queryStringParameters: query,
    requestContext: { requestId: 'bench', http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' } } as HttpEvent['requestContext'],
    isBase64Encoded: false,
  };
  const params = /\/v1\/policies\/([^/]+)\/versions/.exec(path);
  if (params) e.pathParameters = { policy_id: params[1] as string };
  if (body !== undefined) e.body = JSON.stringify(body);
  return e;
}

interface Kind {
  kind: string;
  target_ms: number;
  call: () => Promise<{ statusCode?: number; body?: string }>;
}
const widened = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:*'], Resource: ['*'] }] };
const kinds: Kind[] = [
  {
    kind: 'who-can ims:images:deleteImage on an image',
    target_ms: 300,
    call: () => access(event('GET', '/v1/access/who-can', { action: 'ims:images:deleteImage', resource: `ims:cn-north-4:${ACC}:image:img-1` }, 'GET /v1/access/who-can'), ctx) as never,
  },
  {
    kind: 'what-can for a user in two groups with a direct grant',
    target_ms: 100,
    call: () => access(event('GET', '/v1/access/what-can', { principal_type: 'user', principal_id: 'u-0' }, 'GET /v1/access/what-can'), ctx) as never,
  },
  {
    kind: 'preview: a new default version of a policy attached to 500 principals',
    target_ms: 2000,
    call: () => policies(event('POST', '/v1/policies/p-0/versions', { preview: 'true' }, 'POST /v1/policies/{policy_id}/versions', { document: widened, set_as_default: true }), ctx) as never,
  },
];

// The wall time spent with at least one read-path request open (parallel requests count once): the table's
// share, so the figures without it are the function's (on AWS a round trip is a few ms; here DynamoDB Local
// answers a 3,000-item Query in a JVM on the same 2 cores).
let open = 0;
let openedAt = 0;
let tableMs = 0;
interceptRequests(async (operation, input, next) => {
  if (open++ === 0) openedAt = performance.now();
  try {
    return await next(operation, input);
  } finally {
    if (--open === 0) tableMs += performance.now() - openedAt;
  }
});

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] as number;
};
const rows: Array<Record<string, unknown>> = [];
for (const k of kinds) {
  for (let w = 0; w < 2; w++) await k.call(); // warm-up
  const ms: number[] = [];
  const own: number[] = [];
  let calls = '';
  let requests = 0;
  let detail: Record<string, unknown> = {};
  for (let i = 0; i < N; i++) {
    let reply: { statusCode?: number; body?: string } = {};
    tableMs = 0;
    const t = performance.now();
    const counted = await countTableCalls(async () => {
      reply = await k.call();
    });
    ms.push(performance.now() - t);
    own.push(performance.now() - t - tableMs);
    if (reply.statusCode !== 200) throw new Error(`${k.kind}: ${reply.statusCode} ${reply.body}`);
    calls = describeCalls(counted);
    requests = counted.requests.length;
    const body = JSON.parse(reply.body as string) as Record<string, unknown>;
    detail = {
      principals: (body.principals as unknown[] | undefined)?.length ?? (body.counts as { principals?: number } | undefined)?.principals,
      sets_analysed: body.sets_analysed ?? (body.counts as { sets_analysed?: number } | undefined)?.sets_analysed,
      principals_changed: (body.counts as { principals_changed?: number } | undefined)?.principals_changed,
      sections: (body.sections as unknown[] | undefined)?.length,
    };
  }
  rows.push({
    kind: k.kind,
    target_ms: k.target_ms,
    p50_ms: pct(ms, 0.5),
    p99_ms: pct(ms, 0.99),
    own_p50_ms: pct(own, 0.5),
    own_p99_ms: pct(own, 0.99),
    table_requests: requests,
    round_trips: calls,
    ...detail,
  });
}
await db.close();

const f = (x: unknown): string => (x as number).toFixed(1);
const md = [
  `Node ${machine.node}, ${machine.cpus} cores (load average ${machine.loadavg_at_start.join(' / ')} at the start), ${new Date().toISOString().slice(0, 10)}; DynamoDB Local; an account of ${USERS} users in ${GROUPS} groups, ${POLICIES} policies, ${grants.length} grants, 3 OU levels with an SCP each (generated in ${(setupMs / 1000).toFixed(0)} s); ${N} calls per kind, in process.`,
  '',
  '| call | p50 / p99 ms | without the table wait: p50 / p99 ms | target p50 | table requests (round trips) | principals | distinct sets analysed |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.kind as string} | ${f(r.p50_ms)} / ${f(r.p99_ms)} | ${f(r.own_p50_ms)} / ${f(r.own_p99_ms)} | ${r.target_ms as number} ms | ${r.table_requests as number} (${r.round_trips as string}) | ${String(r.principals ?? '-')}${r.principals_changed !== undefined ? `, ${String(r.principals_changed)} changed` : ''} | ${String(r.sets_analysed ?? r.sections ?? '-')}${r.sections !== undefined ? ' sections' : ''} |`,
  ),
];
out(md.join('\n'));
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}access.json`, `${JSON.stringify({ date: new Date().toISOString(), machine, runs: N, setup_ms: setupMs, rows }, null, 2)}\n`);
writeFileSync(`${dir}access.md`, `${md.join('\n')}\n`);
