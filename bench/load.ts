/**
 * Load and faults against the local stack: DynamoDB Local (seeded) behind the fault proxy of
 * test/support/fault-proxy.ts in a child process (bench/store-process.ts), `serverless offline` on 127.0.0.1
 * with the bundles of dist/functions reaching it through the proxy, autocannon here:
 *  1. 50 connections for 30 s on the mix of test/support/load.ts (inline and by-reference evaluations with
 *     known decisions, the catalog): every answer checked;
 *  2. the same 50 connections with the store down (refused) for 4 s mid-run, then hanging (never answering)
 *     for 8 s, then slow (1.5 s per answer, under the client timeout) for 4 s: by reference an answer is right
 *     or 503 STORE_UNAVAILABLE, never an answer from data that could not be read; inline always right;
 *  3. 50 concurrent conflicting writers over the stack (one offline worker each): 50 PATCHes with the same
 *     If-Match (one 200, 49 412) and 50 read-modify-write clients retrying on 412 (no lost update).
 * Writes bench/results/load.{json,md}. Bounded: about 3 minutes; loopback only.
 *   npm run build && npm run load [-- --seconds 30 --connections 50]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LocalDynamo } from '../infra/local/dynamo.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import type { FaultMode } from '../test/support/fault-proxy.js';
import { reportMarkdown, runLoad, runWithFault, standardMix, warmUp, type FaultWindowReport, type LoadReport } from '../test/support/load.js';
import { startLocalStack } from '../test/support/offline.js';
import type { StoreCommand, StoreReady } from './store-process.js';

const { values: args } = parseArgs({ args: process.argv.slice(2), options: { seconds: { type: 'string' }, connections: { type: 'string' } }, strict: false, allowPositionals: true });
const arg = (name: 'seconds' | 'connections', fallback: number): number => {
  const given = args[name];
  const v = given === undefined ? fallback : typeof given === 'string' ? Number(given) : Number.NaN;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
};
const SECONDS = arg('seconds', 30);
const CONNECTIONS = arg('connections', 50);
/** Each fault run: FAULT_AT seconds of load, the fault, FAULT_AFTER seconds after it. */
const FAULT_AT = 3;
const FAULT_AFTER = 4;
const WRITERS = 50;

const log = (s: string): boolean => process.stdout.write(`${s}\n`);
const started = Date.now();
const machine = { node: process.version, cpus: cpus().length, loadavg_at_start: loadavg().map((x) => Math.round(x * 100) / 100) };

// DynamoDB Local and the fault proxy in a child process (bench/store-process.ts), serverless-offline in another.
const storeProcess: ChildProcess = fork(fileURLToPath(new URL('./store-process.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const ready = await new Promise<StoreReady>((resolve, reject) => {
  storeProcess.once('message', (m: { ready?: StoreReady }) => (m.ready ? resolve(m.ready) : reject(new Error('store process: unexpected message'))));
  storeProcess.once('exit', (code) => reject(new Error(`store process exited (${code})`)));
});
const setMode = (mode: FaultMode): Promise<void> =>
  new Promise<void>((resolve) => {
    storeProcess.once('message', () => resolve());
    storeProcess.send({ mode } satisfies StoreCommand);
  });
const db: LocalDynamo = {
  endpoint: `http://127.0.0.1:${ready.dynamoPort}`,
  port: ready.dynamoPort,
  tableName: ready.tableName,
  close: () =>
    new Promise<void>((resolve) => {
      if (storeProcess.exitCode !== null) return resolve();
      storeProcess.once('exit', () => resolve());
      storeProcess.send({ close: true } satisfies StoreCommand);
    }),
};
const proxyEndpoint = `http://127.0.0.1:${ready.proxyPort}`;
const stack = await startLocalStack(['evaluate', 'catalog', 'policies'], { DYNAMODB_ENDPOINT: proxyEndpoint }, { db });
log(`local stack at ${stack.base} (the store through the proxy on ${proxyEndpoint}, both in their own process) in ${Date.now() - started} ms`);

const token = await mintToken('acc-1', undefined, { secret: LOCAL_JWT_SECRET });
const mix = standardMix();
const out: { machine: typeof machine; warm_up_ms: number[]; steady: LoadReport | null; faults: Array<{ fault: string; seconds: number } & FaultWindowReport>; writers: Record<string, unknown> } = {
  machine,
  warm_up_ms: [],
  steady: null,
  faults: [],
  writers: {},
};

try {
  // 1. Steady load.
  out.warm_up_ms = await warmUp(stack.base, mix, token, CONNECTIONS);
  log(`warm-up waves (worker pools grown to ${CONNECTIONS}): ${out.warm_up_ms.join(' / ')} ms`);
  out.steady = await runLoad(stack.base, mix, { title: `${CONNECTIONS} connections, ${SECONDS} s`, connections: CONNECTIONS, duration: SECONDS, token });
  log(reportMarkdown(out.steady).join('\n'));

  // 2. Faults under load (evaluate only: the catalog does not touch the store).
  const evaluations = mix.filter((k) => k.path === '/v1/evaluate');
  // A hanging store makes every by-reference request wait for the 5 s load budget: its window is longer,
  // so that requests start and end inside it.
  const faults: Array<{ fault: string; mode: FaultMode; strict: boolean; seconds: number }> = [
    { fault: 'store down (connections refused)', mode: { kind: 'refuse' }, strict: true, seconds: 4 },
    { fault: 'store hanging (connections accepted, never answered)', mode: { kind: 'hang' }, strict: true, seconds: 8 },
    { fault: 'store slow (every answer 1.5 s late, under the 2.5 s client timeout)', mode: { kind: 'delay', ms: 1_500 }, strict: false, seconds: 4 },
  ];
  for (const f of faults) {
    const r = await runWithFault(stack.base, evaluations, {
      title: f.fault,
      connections: CONNECTIONS,
      duration: FAULT_AT + f.seconds + FAULT_AFTER,
      token,
      at: FAULT_AT,
      seconds: f.seconds,
      strict: f.strict,
      begin: () => setMode(f.mode),
      end: () => setMode({ kind: 'pass' }),
    });
    out.faults.push({ fault: f.fault, seconds: f.seconds, ...r });
    log(`${f.fault}: ${JSON.stringify(r.phases)}; by-reference latency during: ${JSON.stringify(r.during_by_reference_ms)}; violations: ${r.violations.length}`);
    for (const v of r.violations) log(`  ! ${v}`);
    await new Promise((r2) => setTimeout(r2, 3_000)); // answers still held by the proxy drain
  }

  // 3. 50 concurrent conflicting writers over the stack.
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; etag: string | null; json: any }> => {
    const res = await fetch(`${stack.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, etag: res.headers.get('etag'), json: text ? JSON.parse(text) : undefined };
  };
  const doc = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Resource: ['*'] }] };
  const policiesKind = [{ name: 'policy read', method: 'GET' as const, path: '/v1/policies/ims-readonly', check: () => null }];
  const writersWarmUp = await warmUp(stack.base, policiesKind, token, WRITERS);
  log(`policies worker pool grown to ${WRITERS}: ${writersWarmUp.join(' / ')} ms`);
  const created = await call('POST', '/v1/policies', { policy_id: 'p-load-race', name: 'race', type: 'identity', description: 'start', document: doc });
  const etag = created.etag as string;
  let t = Date.now();
  const same = await Promise.all(Array.from({ length: WRITERS }, (_x, i) => call('PATCH', '/v1/policies/p-load-race', { description: `writer ${i}` }, { 'if-match': etag })));
  const sameStatuses: Record<string, number> = {};
  for (const r of same) sameStatuses[r.status] = (sameStatuses[r.status] ?? 0) + 1;
  const sameMs = Date.now() - t;
  const afterSame = await call('GET', '/v1/policies/p-load-race');
  t = Date.now();
  let conflicts = 0;
  let other = 0;
  const otherAnswers: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: WRITERS }, async (_x, i) => {
      const mark = `w${String(i).padStart(2, '0')}`;
      for (let attempt = 1; attempt <= 200; attempt++) {
        const current = await call('GET', '/v1/policies/p-load-race');
        const r = await call('PATCH', '/v1/policies/p-load-race', { description: `${current.json.description} ${mark}` }, { 'if-match': current.etag as string });
        if (r.status === 200) return;
        if (r.status === 412) conflicts++;
        else {
          // Not a conflict (the store slow under this load: 503; a Lambda timeout ...): retried all the same.
          other++;
          const key = `${r.status} ${r.json?.error?.code ?? r.json?.errorType ?? ''}`.trim();
          otherAnswers[key] = (otherAnswers[key] ?? 0) + 1;
        }
        await new Promise((r2) => setTimeout(r2, Math.random() * Math.min(1_000, 10 * 2 ** attempt)));
      }
    }),
  );
  const rmwMs = Date.now() - t;
  const final = await call('GET', '/v1/policies/p-load-race');
  const marks = String(final.json.description)
    .split(' ')
    .filter((m) => /^w\d\d$/.test(m));
  const missing = Array.from({ length: WRITERS }, (_x, i) => `w${String(i).padStart(2, '0')}`).filter((m) => !marks.includes(m));
  out.writers = {
    same_if_match: { writers: WRITERS, statuses: sameStatuses, ms: sameMs, revision_after: afterSame.etag },
    read_modify_write: {
      writers: WRITERS,
      conflicts_412: conflicts,
      other_errors: other,
      other_answers: otherAnswers,
      ms: rmwMs,
      marks: marks.length,
      missing,
      duplicates: marks.length - new Set(marks).size,
      revision_after: final.etag,
    },
  };
  log(`50 writers: ${JSON.stringify(out.writers)}`);
} finally {
  await stack.stop();
}

const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}load.json`, `${JSON.stringify({ date: new Date().toISOString(), ...out }, null, 2)}\n`);
const s = out.steady;
const w = out.writers as {
  same_if_match: { statuses: Record<string, number>; ms: number };
  read_modify_write: { conflicts_412: number; other_errors: number; other_answers: Record<string, number>; ms: number; marks: number; missing: string[] };
};
const md = [
  `Node ${machine.node}, ${machine.cpus} cores (load average ${machine.loadavg_at_start.join(' / ')} at the start: the machine is shared), ${new Date().toISOString().slice(0, 10)}; serverless-offline runs one worker thread per concurrent invocation; pools grown first (waves of ${out.warm_up_ms.join(' / ')} ms).`,
  '',
  ...(s ? reportMarkdown(s) : []),
  '',
  `### Faults under load (${CONNECTIONS} connections; ${FAULT_AT} s of load, the fault, ${FAULT_AFTER} s after; evaluate only)`,
  '',
  'Answers by phase: before the fault, during it (started after it began and ended before it ended), after it; answers straddling a switch are in the JSON.',
  '',
  '| fault | seconds | by reference before | during | after | inline during | by-reference p50 / p99 during ms | violations |',
  '|---|---|---|---|---|---|---|---|',
  ...out.faults.map((f) => {
    const c = (x: Record<string, number>): string =>
      Object.entries(x)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || '-';
    return `| ${f.fault} | ${f.seconds} | ${c(f.phases.before.by_reference)} | ${c(f.phases.during.by_reference)} | ${c(f.phases.after.by_reference)} | ${c(f.phases.during.inline)} | ${f.during_by_reference_ms.p50} / ${f.during_by_reference_ms.p99} | ${f.violations.length} |`;
  }),
  '',
  `### ${WRITERS} concurrent writers over the stack`,
  '',
  `Same If-Match: ${Object.entries(w.same_if_match.statuses)
    .map(([k, v]) => `${v} x ${k}`)
    .join(', ')} in ${w.same_if_match.ms} ms. ` +
    `Read-modify-write with retries on 412: ${w.read_modify_write.marks} of ${WRITERS} changes kept (missing: ${w.read_modify_write.missing.join(', ') || 'none'}), ${w.read_modify_write.conflicts_412} 412s, ${w.read_modify_write.other_errors} other answers (${
      Object.entries(w.read_modify_write.other_answers)
        .map(([k, v]) => `${v} x ${k}`)
        .join(', ') || 'none'
    }; retried too), ${w.read_modify_write.ms} ms.`,
];
writeFileSync(`${dir}load.md`, `${md.join('\n')}\n`);
log(`wrote bench/results/load.{json,md} in ${Math.round((Date.now() - started) / 1000)} s`);
const failed =
  !s || s.errors + s.timeouts + s.non2xx + s.wrong > 0 || out.faults.some((f) => f.violations.length > 0) || w.read_modify_write.missing.length > 0 || w.same_if_match.statuses['200'] !== 1;
process.exit(failed ? 1 : 0);
