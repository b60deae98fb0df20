/**
 * Standalone run of the peer benchmarks:
 *   npx tsx bench/peers/run.ts [--runs N] [--workload small|realistic|large] [--cedar-actions groups|list]
 * Prints a Markdown table of Cedar and iam-simulate per-decision times (warm, single thread, µs) on policy
 * sets equivalent to our seeded workloads; with several runs, each figure is the median over the runs.
 * Timings are wall-clock on this machine: report them, do not gate tests on them.
 */
import { parseArgs } from 'node:util';
import { WORKLOADS } from '../workloads.js';
import { isPeerError, measurePeers, type PeerResult, type PeerTiming } from './index.js';

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: { runs: { type: 'string' }, workload: { type: 'string' }, 'cedar-actions': { type: 'string' } },
  strict: false,
  allowPositionals: true,
});
function arg(name: 'runs' | 'workload' | 'cedar-actions'): string | undefined {
  const v = args[name];
  return typeof v === 'string' ? v : undefined;
}

const runs = Math.max(1, Number(arg('runs') ?? 3));
const only = arg('workload');
const cedarActions = arg('cedar-actions') ?? 'groups';
if (cedarActions !== 'groups' && cedarActions !== 'list') throw new Error('--cedar-actions groups|list');
const names = (Object.keys(WORKLOADS) as Array<keyof typeof WORKLOADS>).filter((n) => only === undefined || n === only);
if (names.length === 0) throw new Error(`unknown workload ${only}; one of ${Object.keys(WORKLOADS).join(', ')}`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Median of each figure over the runs; the first error if any run failed. */
function combine(results: PeerResult[]): PeerResult {
  const bad = results.find(isPeerError);
  if (bad) return bad;
  const ok = results as PeerTiming[];
  const first = ok[0] as PeerTiming;
  const out: PeerTiming = {
    p50_us: median(ok.map((r) => r.p50_us)),
    p99_us: median(ok.map((r) => r.p99_us)),
    per_decision_mean_us: median(ok.map((r) => r.per_decision_mean_us)),
    requests: first.requests,
    agreement: Math.min(...ok.map((r) => r.agreement)),
  };
  if (first.note !== undefined) out.note = first.note;
  return out;
}

const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const cell = (r: PeerResult): string[] =>
  isPeerError(r)
    ? [`error: ${r.error.replace(/\|/g, '\\|').slice(0, 120)}`, '', '', '', '']
    : [f(r.p50_us), f(r.p99_us), f(r.per_decision_mean_us), `${r.requests}`, `${(r.agreement * 100).toFixed(1)}%`];

const rows = [
  '| workload | cedar p50 µs | cedar p99 µs | cedar mean µs | cedar requests | cedar agrees | iam-simulate p50 µs | iam-simulate p99 µs | iam-simulate mean µs | iam-simulate requests | iam-simulate agrees |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
const notes: string[] = [];
for (const name of names) {
  const w = WORKLOADS[name]();
  const cedar: PeerResult[] = [];
  const iam: PeerResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await measurePeers(w, { cedarActions });
    cedar.push(r.cedar);
    iam.push(r.iam_simulate);
    process.stderr.write(`${name} run ${i + 1}/${runs} done\n`);
  }
  const c = combine(cedar);
  const s = combine(iam);
  rows.push(`| ${name} | ${[...cell(c), ...cell(s)].join(' | ')} |`);
  for (const [peer, r] of [
    ['cedar', c],
    ['iam-simulate', s],
  ] as const)
    if (!isPeerError(r) && r.note) notes.push(`- ${name}, ${peer}: ${r.note}`);
}
console.log(rows.join('\n'));
console.log(
  `\nWarm, single thread, per decision; ${runs === 1 ? 'one run' : `median of ${runs} runs`}. "agrees": share of the timed requests on which the peer's outcome (allow, explicit deny, implicit deny) equals ims-authz's.`,
);
if (notes.length > 0) console.log(notes.join('\n'));
