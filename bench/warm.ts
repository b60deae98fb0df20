/**
 * Warm decision latency of the compiled evaluator on the seeded workloads (small, realistic, large):
 * per-decision p50/p99 for evaluate and explain, decisions per second, and compile time.
 * `npm run bench:warm`. Timings are wall-clock on this machine: report them, do not gate tests on them.
 */
import { createEvaluator } from '../lib/index.js';
import type { EvaluateRequest } from '../lib/types.js';
import { WORKLOADS } from './workloads.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

function measure(fn: (r: EvaluateRequest) => unknown, requests: EvaluateRequest[]): { p50: number; p99: number; perSec: number } {
  for (let i = 0; i < 2000; i++) fn(requests[i % requests.length] as EvaluateRequest); // warm-up
  const times = new Array<number>(requests.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < requests.length; i++) {
    const t0 = process.hrtime.bigint();
    fn(requests[i] as EvaluateRequest);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), perSec: requests.length / total };
}

const rows: string[] = ['| workload | compile ms | evaluate p50 µs | evaluate p99 µs | decisions/s | explain p50 µs | explain p99 µs |', '|---|---|---|---|---|---|---|'];
for (const [name, make] of Object.entries(WORKLOADS)) {
  const w = make();
  const t0 = process.hrtime.bigint();
  const pdp = createEvaluator({ policies: w.policies, scps: w.scps });
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (pdp.error) throw new Error(`${name}: ${JSON.stringify(pdp.error)}`);
  const ev = measure((r) => pdp.evaluate(r), w.requests);
  const ex = measure((r) => pdp.explain(r), w.requests);
  rows.push(`| ${name} | ${compileMs.toFixed(2)} | ${ev.p50.toFixed(2)} | ${ev.p99.toFixed(2)} | ${Math.round(ev.perSec)} | ${ex.p50.toFixed(2)} | ${ex.p99.toFixed(2)} |`);
}
console.log(rows.join('\n'));
