/**
 * Warm decision latency of the compiled evaluator on the seeded workloads (small, realistic, large):
 * per-decision p50/p99 for evaluate and explain, decisions per second, and compile time.
 * `npm run bench:warm` (the quick version of `npm run bench`, without peers and files).
 */
import { createEvaluator } from '../lib/index.js';
import type { EvaluateRequest } from '../lib/types.js';
import { measure } from './harness.js';
import { WORKLOADS } from './workloads.js';

const rows: string[] = ['| workload | compile ms | evaluate p50 µs | evaluate p99 µs | decisions/s | explain p50 µs | explain p99 µs |', '|---|---|---|---|---|---|---|'];
for (const [name, make] of Object.entries(WORKLOADS)) {
  const w = make();
  const t0 = process.hrtime.bigint();
  const pdp = createEvaluator({ policies: w.policies, scps: w.scps });
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (pdp.error) throw new Error(`${name}: ${JSON.stringify(pdp.error)}`);
  const ev = measure((r: EvaluateRequest) => pdp.evaluate(r), w.requests);
  const ex = measure((r: EvaluateRequest) => pdp.explain(r), w.requests);
  rows.push(`| ${name} | ${compileMs.toFixed(2)} | ${ev.p50_us.toFixed(2)} | ${ev.p99_us.toFixed(2)} | ${Math.round(ev.per_second)} | ${ex.p50_us.toFixed(2)} | ${ex.p99_us.toFixed(2)} |`);
}
console.log(rows.join('\n'));
