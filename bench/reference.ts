/**
 * The evaluate handler alone, in process (no serverless-offline, no HTTP server), by reference against a
 * local DynamoDB Local with the seeded example data: per request kind, the table requests it made and the
 * round trips they took, and its latency p50/p99, in all and without the time spent waiting for the table
 * (so the figures are the function's, not the emulator's); then decisions per second by reference.
 *   npm run bench:reference [-- --runs 200]
 * Kinds: the first request for a principal (cache empty: the graph Query, then the policies and the path in
 * one round trip), a warm one with nothing changed (the stamp: one request), a warm one within
 * `max_staleness_ms` (no request). Writes bench/results/reference.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Context } from 'aws-lambda';
import { handler } from '../functions/evaluate.js';
import type { HttpEvent } from '../functions/shared/http.js';
import { clearReferenceCache } from '../functions/shared/reference.js';
import { startLocalDynamo } from '../infra/local/dynamo.js';
import { seedExamples } from '../infra/local/seed.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { interceptRequests } from '../store/dynamo-http.js';

const { runs: runsArg } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string' } }, strict: false, allowPositionals: true }).values;
const N = runsArg === undefined ? 300 : Number(runsArg);
process.env.AUTH_MODE = 'hs256';
process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
console.log = () => undefined; // the decision log lines
const out = (s: string): boolean => process.stdout.write(`${s}\n`);
const machine = { node: process.version, cpus: cpus().length, loadavg_at_start: loadavg().map((x) => Math.round(x * 100) / 100) };

const db = await startLocalDynamo({ port: 0, tableName: `bench-ref-${process.pid}` });
process.env.DYNAMODB_ENDPOINT = db.endpoint;
process.env.POLICY_TABLE = db.tableName;
await seedExamples({ endpoint: db.endpoint, tableName: db.tableName });
const token = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
const body = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ principal: { account_id: 'acc-1', user_id: 'alice' }, region: 'cn-north-4', action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc', ...extra });
const event = (b: string): HttpEvent => ({
  version: '2.0',
  routeKey: 'POST /v1/evaluate',
  rawPath: '/v1/evaluate',
  rawQueryString: '',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  requestContext: { requestId: 'bench', http: { method: 'POST', path: '/v1/evaluate', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' } } as HttpEvent['requestContext'],
  isBase64Encoded: false,
  body: b,
});
const ctx = { getRemainingTimeInMillis: () => 10_000 } as Context;

// Every table request, timed: its operation, and the wall time the handler spent with at least one request
// open (parallel requests of one round trip count once), and the round trips (batches of overlapping requests).
let requests: string[] = [];
let open = 0;
let openedAt = 0;
let tableMs = 0;
let roundTrips = 0;
interceptRequests(async (operation, input, next) => {
  requests.push(operation);
  if (open++ === 0) {
    openedAt = performance.now();
    roundTrips++;
  }
  try {
    return await next(operation, input);
  } finally {
    if (--open === 0) tableMs += performance.now() - openedAt;
  }
});

interface Sample {
  ms: number;
  ownMs: number;
  requests: string[];
  roundTrips: number;
}
async function once(b: string): Promise<Sample> {
  requests = [];
  tableMs = 0;
  roundTrips = 0;
  const t = performance.now();
  const r = await handler(event(b), ctx);
  const ms = performance.now() - t;
  if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}: ${String(r.body)}`);
  return { ms, ownMs: ms - tableMs, requests, roundTrips };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] as number;
};
const kinds: Array<{ kind: string; prepare: () => void; body: string }> = [
  { kind: 'first request for the principal (cache empty)', prepare: () => clearReferenceCache(), body: body() },
  { kind: 'warm, nothing changed (stamp checked)', prepare: () => undefined, body: body() },
  { kind: 'warm, max_staleness_ms 5000', prepare: () => undefined, body: body({ max_staleness_ms: 5_000 }) },
];
const rows: Array<Record<string, unknown>> = [];
for (let w = 0; w < 20; w++) await once(body()); // JIT warm-up of the handler
for (const k of kinds) {
  const samples: Sample[] = [];
  for (let i = 0; i < N; i++) {
    k.prepare();
    samples.push(await once(k.body));
  }
  const ops = [...new Set(samples.map((s) => s.requests.slice().sort().join(' + ') || 'none'))];
  rows.push({
    kind: k.kind,
    table_requests: ops,
    round_trips: Math.max(...samples.map((s) => s.roundTrips)),
    p50_ms: pct(
      samples.map((s) => s.ms),
      0.5,
    ),
    p99_ms: pct(
      samples.map((s) => s.ms),
      0.99,
    ),
    own_p50_ms: pct(
      samples.map((s) => s.ownMs),
      0.5,
    ),
    own_p99_ms: pct(
      samples.map((s) => s.ownMs),
      0.99,
    ),
  });
}

// Throughput: decisions by reference per second, 16 requests in flight (warm, stamp checked every time).
const CONCURRENCY = 16;
const SECONDS = 5;
let decisions = 0;
const until = performance.now() + SECONDS * 1000;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < until) {
      await once(body());
      decisions++;
    }
  }),
);
const perSecond = decisions / SECONDS;
await db.close();

const f = (x: unknown): string => (x as number).toFixed(2);
const md = [
  `Node ${machine.node}, ${machine.cpus} cores (load average ${machine.loadavg_at_start.join(' / ')} at the start: the machine is shared), ${new Date().toISOString().slice(0, 10)}; DynamoDB Local in memory; ${N} requests per kind.`,
  '',
  '| request | table requests | round trips | p50 / p99 ms | without the table wait: p50 / p99 ms |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.kind as string} | ${(r.table_requests as string[]).join('; ')} | ${r.round_trips as number} | ${f(r.p50_ms)} / ${f(r.p99_ms)} | ${f(r.own_p50_ms)} / ${f(r.own_p99_ms)} |`),
  '',
  `Throughput, warm with the stamp checked, ${CONCURRENCY} in flight for ${SECONDS} s: ${perSecond.toFixed(0)} decisions by reference per second.`,
];
out(md.join('\n'));
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(
  `${dir}reference.json`,
  `${JSON.stringify({ date: new Date().toISOString(), machine, runs: N, rows, throughput: { concurrency: CONCURRENCY, seconds: SECONDS, decisions_per_second: perSecond } }, null, 2)}\n`,
);
writeFileSync(`${dir}reference.md`, `${md.join('\n')}\n`);
