/**
 * `npm run bench:worst`: the slowest requests we know, in milliseconds of CPU. Runs the hand-written worst
 * cases of test/support/adversary.ts (the issue-12 reproduction among them), the adversarial generator's
 * slowest findings (bench/results/adversary.json, written by `npm run adversary`, regenerated here from
 * their seed and position) and the slowest of a fresh fixed-seed search, through evaluate / explain /
 * validate in-process and through their HTTP functions (token check, body limit, schema, reply); then
 * stored-data routes (policy create and new version, which validate; a listing) against an in-process
 * DynamoDB Local. Each request runs twice to warm up, then RUNS times; the figure is the median CPU time (user +
 * system of this process), the maximum beside it. Target: at most 50 ms for every request (docs/limits.md).
 * Writes bench/results/worst.{json,md}. Timings are reported, never gated: the CI-safe guard is the step
 * count (test/adversary.test.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { handler as evaluateHandler } from '../functions/evaluate.js';
import { handler as explainHandler } from '../functions/explain.js';
import { handler as policiesHandler } from '../functions/policies.js';
import { handler as validateHandler } from '../functions/validate.js';
import { startLocalDynamo } from '../infra/local/dynamo.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { REQUEST_STEP_BOUND } from '../lib/engine/limits.js';
import { work } from '../lib/steps.js';
import { resetClient } from '../store/client.js';
import { adversarialProbe, handWritten, runProbe, runProbeHandler, type Probe, type ProbeRun } from '../test/support/adversary.js';
import { apiEvent } from '../test/support/api.js';
import { lambdaContext } from '../test/support/events.js';
import { median } from './harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const RUNS = Number(process.env.WORST_RUNS ?? '') || 7;
const SEARCH = Number(process.env.WORST_SEARCH ?? '') || 150;
const TARGET_MS = 50;
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc;

interface Row {
  label: string;
  route: string;
  via: 'library' | 'http';
  outcome: string;
  steps: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  first_ms: number;
  reply_chars: number;
}

async function measure(run: () => Promise<ProbeRun> | ProbeRun): Promise<{ first: ProbeRun; times: number[]; last: ProbeRun }> {
  gc?.();
  const first = await run();
  await run();
  const times: number[] = [];
  let last = first;
  for (let i = 0; i < RUNS; i++) {
    gc?.();
    last = await run();
    times.push(last.cpuMs);
  }
  return { first, times, last };
}

const row = (label: string, route: string, via: Row['via'], m: { first: ProbeRun; times: number[]; last: ProbeRun }): Row => ({
  label,
  route,
  via,
  outcome: m.last.outcome,
  steps: m.last.steps,
  median_ms: median(m.times),
  min_ms: Math.min(...m.times),
  max_ms: Math.max(...m.times),
  first_ms: m.first.cpuMs,
  reply_chars: m.last.replyChars,
});

/** The probes: hand-written, the long search's findings, and the slowest of a fresh search (by steps). */
function probes(): Probe[] {
  const out = handWritten();
  const file = `${resultsDir}adversary.json`;
  if (existsSync(file)) {
    const found = JSON.parse(readFileSync(file, 'utf8')) as { slowest: Array<{ seed: number; index: number }> };
    for (const f of found.slowest.slice(0, 5)) {
      const p = fc.sample(adversarialProbe, { numRuns: f.index + 1, seed: f.seed })[f.index];
      if (p) out.push({ ...p, label: `adversary (seed ${f.seed} #${f.index}) ${p.label}` });
    }
  }
  const fresh = fc.sample(adversarialProbe, { numRuns: SEARCH, seed: 20261206 }).map((p, i) => ({ p, i, steps: runProbe(p).steps }));
  fresh.sort((a, b) => b.steps - a.steps);
  for (const { p, i } of fresh.slice(0, 8)) out.push({ ...p, label: `search (seed 20261206 #${i}) ${p.label}` });
  return out;
}

process.env.AUTH_MODE = 'hs256';
process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
const log = console.log;
console.log = () => undefined; // the functions' decision log lines
const token = await mintToken('acc-1');
const handlers = { evaluate: evaluateHandler, explain: explainHandler, validate: validateHandler };
const rows: Row[] = [];
for (const p of probes()) {
  rows.push(row(p.label, p.route, 'library', await measure(() => runProbe(p))));
  rows.push(row(p.label, p.route, 'http', await measure(() => runProbeHandler(p, handlers, token))));
}

// Stored-data routes: create a policy (validation with spans, the store's write), a new version, a listing.
const db = await startLocalDynamo({ port: 0, tableName: `worst-${process.pid}` });
process.env.DYNAMODB_ENDPOINT = db.endpoint;
process.env.POLICY_TABLE = db.tableName;
resetClient();
try {
  let n = 0;
  const store = async (method: string, path: string, body?: object): Promise<ProbeRun> => {
    const before = work.steps;
    const cpu = process.cpuUsage();
    const r = (await policiesHandler(apiEvent(token, method, path, body).event, lambdaContext)) as { statusCode: number; body?: string };
    const used = process.cpuUsage(cpu);
    return { steps: work.steps - before, cpuMs: (used.user + used.system) / 1000, replyChars: r.body?.length ?? 0, outcome: String(r.statusCode) };
  };
  const documents = handWritten()
    .filter((p) => p.route === 'validate')
    .map((p) => ({ label: p.label, document: p.body.policy }));
  documents.push({ label: 'issue 12 policy (valid, 6,127 characters)', document: JSON.stringify((handWritten()[0]?.body.policies as Array<{ document: unknown }> | undefined)?.[0]?.document) });
  for (const d of documents) {
    const create = await measure(() => store('POST', '/v1/policies', { policy_id: `w${++n}`, name: 'worst', type: 'identity', document: d.document }));
    rows.push(row(`policy create: ${d.label}`, 'POST /v1/policies', 'http', create));
  }
  await store('POST', '/v1/policies', { policy_id: 'base', name: 'base', type: 'identity', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: 'ims:images:get' }] } });
  for (const d of documents) {
    const version = await measure(() => store('POST', '/v1/policies/base/versions', { document: d.document }));
    rows.push(row(`new version: ${d.label}`, 'POST /v1/policies/{id}/versions', 'http', version));
  }
  rows.push(row('listing, 100 a page', 'GET /v1/policies', 'http', await measure(() => store('GET', '/v1/policies?limit=100'))));
} finally {
  resetClient();
  await db.close();
}
console.log = log;

const slowest = rows.reduce((a, b) => (b.median_ms > a.median_ms ? b : a));
const slowestMin = rows.reduce((a, b) => (b.min_ms > a.min_ms ? b : a));
const load = (await import('node:os'))
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(' / ');
const f = (x: number): string => x.toFixed(2);
const md = [
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; CPU time of this process per request (user + system, GC threads included), median of ${RUNS} after 2 warm-up runs (min and max beside it; "first" is the first run); ${gc ? 'GC forced before each run' : 'GC not forced (run with --expose-gc)'}; load average at the end ${load} (2 cores). Target: ${TARGET_MS} ms. Step bound per request: ${REQUEST_STEP_BOUND}. Stored-data routes run against DynamoDB Local (another process: its CPU is not counted).`,
  '',
  `Slowest by median: **${f(slowest.median_ms)} ms** (${slowest.via}, ${slowest.route}): ${slowest.label.slice(0, 120)}`,
  `Slowest by min: **${f(slowestMin.min_ms)} ms** (${slowestMin.via}, ${slowestMin.route}): ${slowestMin.label.slice(0, 120)}`,
  '',
  '| request | route | via | outcome | steps | median ms | min ms | max ms | first ms | reply chars |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.label.slice(0, 110).replace(/\|/g, '/')} | ${r.route} | ${r.via} | ${r.outcome} | ${r.steps} | ${f(r.median_ms)} | ${f(r.min_ms)} | ${f(r.max_ms)} | ${f(r.first_ms)} | ${r.reply_chars} |`,
  ),
].join('\n');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  `${resultsDir}worst.json`,
  `${JSON.stringify({ node: process.version, date: new Date().toISOString(), load_average: load, runs: RUNS, target_ms: TARGET_MS, step_bound: REQUEST_STEP_BOUND, slowest, slowest_min: slowestMin, rows }, null, 2)}\n`,
);
writeFileSync(`${resultsDir}worst.md`, `${md}\n`);
console.log(md);
if (slowest.median_ms > TARGET_MS) console.log(`\nThe slowest request is above the ${TARGET_MS} ms target.`);
