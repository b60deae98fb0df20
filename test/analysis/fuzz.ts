/**
 * `npm run fuzz:analysis -- [--pairs N] [--seed S] [--requests R] [--workers W] [--max-unknown U] [--show-unknown]`:
 * the soundness and completeness check of test/analysis-soundness.test.ts on any number of generated pairs
 * (default 1,000,000), split over worker processes (default: one per core). Prints progress and, at the end,
 * the counts (results, differences found, UNKNOWN, with the reasons' codes) and the first violations with
 * their pairs. Exits 1 on any violation, and when more than U answers are UNKNOWN (default: no bound); a
 * worker that fails exits it non-zero too. CI runs 20,000 pairs with a bound (.ci/run).
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { checkPair, pairArb } from './harness.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};

interface Report {
  pairs: number;
  results: Record<string, number>;
  differences: number;
  findings: number;
  violations: string[];
  /** The first UNKNOWN answers: pair and reasons. */
  unknown: string[];
  /** UNKNOWN answers by the codes of their reasons. */
  unknownCodes: Record<string, number>;
}

/** One worker: pairs [from, to) of the seeded sequence, in batches of 1,000. */
function runSlice(from: number, to: number, seed: number, requests: number, progress: (done: number) => void): Report {
  const r: Report = { pairs: 0, results: {}, differences: 0, findings: 0, violations: [], unknown: [], unknownCodes: {} };
  for (let start = from; start < to; start += 1000) {
    const end = Math.min(to, start + 1000);
    // Batch b is the sample of seed + b: any slice reproduces alone.
    const batch = fc.sample(pairArb, { numRuns: 1000, seed: seed + Math.floor(start / 1000) }).slice(start % 1000, (start % 1000) + (end - start));
    batch.forEach((pair, k) => {
      const i = start + k;
      const mode = i % 3 === 2 ? 'diff' : 'check';
      const o = checkPair(pair, requests, seed + i, mode);
      r.pairs++;
      r.results[o.result] = (r.results[o.result] ?? 0) + 1;
      r.differences += o.differences;
      r.findings += o.findings;
      if (o.result === 'UNKNOWN') for (const code of new Set(o.unknown.map((u) => /^\[(\w+)\]/.exec(u)?.[1] ?? 'OTHER'))) r.unknownCodes[code] = (r.unknownCodes[code] ?? 0) + 1;
      if (o.result === 'UNKNOWN' && r.unknown.length < 20) r.unknown.push(`pair ${i} (${mode}): ${o.unknown.slice(0, 2).join(' | ')}\n${JSON.stringify(pair)}`);
      if (o.violations.length > 0 && r.violations.length < 5) r.violations.push(`pair ${i} (seed ${seed}, ${mode}): ${o.violations[0]}\n${JSON.stringify(pair)}`);
    });
    progress(end - from);
  }
  return r;
}

if (process.env.FUZZ_WORKER) {
  const [from, to, seed, requests] = process.env.FUZZ_WORKER.split(',').map(Number) as [number, number, number, number];
  const report = runSlice(from, to, seed, requests, (done) => process.send?.({ done }));
  process.send?.({ report });
  process.exit(0);
} else {
  const pairs = arg('pairs', 1_000_000);
  const seed = arg('seed', 20_261_216);
  const requests = arg('requests', 40);
  const workers = Math.max(1, arg('workers', availableParallelism()));
  const maxUnknown = arg('max-unknown', Number.POSITIVE_INFINITY);
  const started = Date.now();
  const per = Math.ceil(pairs / workers / 1000) * 1000;
  const done = new Array<number>(workers).fill(0);
  const reports = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const from = w * per;
      const to = Math.min(pairs, from + per);
      return new Promise<Report>((resolve, reject) => {
        if (from >= to) return resolve({ pairs: 0, results: {}, differences: 0, findings: 0, violations: [], unknown: [], unknownCodes: {} });
        const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, FUZZ_WORKER: `${from},${to},${seed},${requests}` }, execArgv: ['--import', 'tsx'] });
        child.on('message', (m: { done?: number; report?: Report }) => {
          if (m.done !== undefined) {
            done[w] = m.done;
            const total = done.reduce((a, b) => a + b, 0);
            process.stdout.write(`\r${total.toLocaleString('en')} / ${pairs.toLocaleString('en')} pairs, ${((Date.now() - started) / 1000).toFixed(0)} s`);
          }
          if (m.report) resolve(m.report);
        });
        child.on('error', reject);
        child.on('exit', (code) => code !== 0 && reject(new Error(`worker ${w} exited ${code}`)));
      });
    }),
  );
  const total: Report = { pairs: 0, results: {}, differences: 0, findings: 0, violations: [], unknown: [], unknownCodes: {} };
  for (const r of reports) {
    total.pairs += r.pairs;
    total.differences += r.differences;
    total.findings += r.findings;
    for (const [k, v] of Object.entries(r.results)) total.results[k] = (total.results[k] ?? 0) + v;
    total.violations.push(...r.violations);
    total.unknown.push(...r.unknown);
    for (const [k, v] of Object.entries(r.unknownCodes)) total.unknownCodes[k] = (total.unknownCodes[k] ?? 0) + v;
  }
  const unknown = total.results.UNKNOWN ?? 0;
  console.log(
    `\n${total.pairs.toLocaleString('en')} pairs (seed ${seed}, ${requests} requests each) in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(total.results)}; ${total.differences.toLocaleString('en')} differences found by the random requests; ${total.findings.toLocaleString('en')} findings; UNKNOWN ${unknown}${unknown > 0 ? ` (by reason: ${JSON.stringify(total.unknownCodes)})` : ''}`,
  );
  if (total.unknown.length > 0 && process.argv.includes('--show-unknown')) console.log(`UNKNOWN answers:\n${total.unknown.join('\n\n')}`);
  let failed = false;
  if (total.violations.length > 0) {
    console.log(total.violations.slice(0, 5).join('\n\n'));
    failed = true;
  }
  if (unknown > maxUnknown) {
    console.log(`${unknown} UNKNOWN answers, more than the bound of ${maxUnknown} (--max-unknown); rerun with --show-unknown to see them`);
    failed = true;
  }
  if (total.pairs !== pairs) {
    console.log(`only ${total.pairs} of ${pairs} pairs were checked`);
    failed = true;
  }
  if (failed) process.exit(1);
}
