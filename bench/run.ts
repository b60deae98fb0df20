/**
 * `npm run bench`: the seeded workloads (small 1x3, realistic 10x5 + 3 SCP levels, large 100x10 + 3 SCP
 * levels; 10,000 requests each) through the compiled evaluator: decisions per second, p50/p99 per decision
 * for evaluate and explain (the run with the median p50 of 3), policy-set compile time (median of 3), peak
 * memory; the two peers on equivalent policy sets (bench/peers) and our time as a ratio to each; the time
 * to load the compiled catalog in a fresh process. Writes bench/results/latest.{json,md}.
 * Timings are wall-clock on this machine: they are reported, never gated in tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEvaluator } from '../lib/index.js';
import type { EvaluateRequest } from '../lib/types.js';
import { median, medianRun, type Latency } from './harness.js';
import { WORKLOADS, type Workload } from './workloads.js';

const RUNS = 3;
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

interface PeerFigures {
  p50_us: number;
  p99_us: number;
  note?: string;
}

interface WorkloadResult {
  workload: string;
  policies: number;
  statements: number;
  scp_levels: number;
  requests: number;
  compile_ms: number;
  evaluate: Latency;
  explain: Latency;
  peak_rss_mb: number;
  peers: Record<string, PeerFigures | { error: string }>;
}

type MeasurePeers = (w: Workload) => Promise<Record<string, PeerFigures | { error: string }>>;

async function loadPeers(): Promise<MeasurePeers | null> {
  try {
    const mod = (await import('./peers/index.js')) as { measurePeers?: MeasurePeers };
    return mod.measurePeers ?? null;
  } catch (err) {
    console.error(`peers not measured: ${(err as Error).message}`);
    return null;
  }
}

/**
 * Loading the compiled catalog in a fresh process, after the CJS loader has served a tiny .json and a tiny
 * .js file (its own start-up: the first file read, JSON module and compile paths), so the figure is the
 * catalog's own cost: resolving the package, reading and parsing its data.
 */
function catalogLoadMs(): number {
  const dir = mkdtempSync(join(tmpdir(), 'ims-authz-bench-'));
  writeFileSync(join(dir, 'warm.json'), '{"warm":true}\n');
  writeFileSync(join(dir, 'warm.js'), 'module.exports = 1;\n');
  const code = `require(${JSON.stringify(join(dir, 'warm.json'))});require(${JSON.stringify(join(dir, 'warm.js'))});const t=performance.now();require('@ims-authz/catalog');process.stdout.write(String(performance.now()-t))`;
  try {
    const samples = Array.from({ length: 15 }, () => Number(spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' }).stdout));
    return median(samples);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const statementCount = (w: Workload): number => w.policies.reduce((n, p) => n + ((p.document as { Statement: unknown[] }).Statement?.length ?? 0), 0);

const measurePeers = await loadPeers();
const results: WorkloadResult[] = [];
for (const make of Object.values(WORKLOADS)) {
  const w = make();
  const compiles = Array.from({ length: RUNS }, () => {
    const t0 = process.hrtime.bigint();
    createEvaluator({ policies: w.policies, scps: w.scps });
    return Number(process.hrtime.bigint() - t0) / 1e6;
  });
  const pdp = createEvaluator({ policies: w.policies, scps: w.scps });
  if (pdp.error) throw new Error(`${w.name}: ${JSON.stringify(pdp.error)}`);
  const evaluate = medianRun(RUNS, (r: EvaluateRequest) => pdp.evaluate(r), w.requests);
  const explain = medianRun(RUNS, (r: EvaluateRequest) => pdp.explain(r), w.requests);
  const peers = measurePeers ? await measurePeers(w) : {};
  results.push({
    workload: w.name,
    policies: w.policies.length,
    statements: statementCount(w),
    scp_levels: w.scps.length,
    requests: w.requests.length,
    compile_ms: median(compiles),
    evaluate,
    explain,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    peers,
  });
}
const catalog_load_ms = catalogLoadMs();

const f = (n: number, d = 2): string => n.toFixed(d);
const peerCell = (r: WorkloadResult, peer: string): string => {
  const p = r.peers[peer];
  if (!p) return 'n/a';
  if ('error' in p) return `failed: ${p.error.slice(0, 40)}`;
  return `${f(p.p50_us, 1)} / ${f(p.p99_us, 1)} (${Math.round(p.p50_us / r.evaluate.p50_us)}x)`;
};
const md = [
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; per decision, warm, single thread; the run with the median p50 of ${RUNS}.`,
  '',
  '| workload | policies x statements + SCP levels | compile ms | evaluate p50 / p99 µs | decisions/s | explain p50 / p99 µs | explain / evaluate | peak RSS MB | cedar-wasm p50 / p99 µs (ratio) | iam-simulate p50 / p99 µs (ratio) |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.workload} | ${r.policies} x ${r.statements / Math.max(1, r.policies)} + ${r.scp_levels} | ${f(r.compile_ms)} | ${f(r.evaluate.p50_us)} / ${f(r.evaluate.p99_us)} | ${Math.round(r.evaluate.per_second)} | ${f(r.explain.p50_us)} / ${f(r.explain.p99_us)} | ${f(r.explain.p50_us / r.evaluate.p50_us, 1)}x | ${f(r.peak_rss_mb, 0)} | ${peerCell(r, 'cedar')} | ${peerCell(r, 'iam_simulate')} |`,
  ),
  '',
  `Large vs small evaluate p50: ${f((results[2]?.evaluate.p50_us ?? 0) / (results[0]?.evaluate.p50_us ?? 1), 2)}x. Compiled catalog load in a fresh process (after the module loader's own start-up: a tiny .json and .js first): ${f(catalog_load_ms)} ms (median of 15).`,
].join('\n');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify({ node: process.version, date: new Date().toISOString(), catalog_load_ms, results }, null, 2)}\n`);
writeFileSync(`${resultsDir}latest.md`, `${md}\n`);
console.log(md);
