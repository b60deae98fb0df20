/**
 * `npm run bench:analysis`: the access analysis on the realistic and large sets of `npm run bench`
 * (bench/workloads.ts), each against a few proposed changes (the same set; an Allow for one more user; a
 * Resource widened to `*`; the identity Denies removed; the SCP guardrails removed): checkNoNewAccess, diff
 * and summarize. Per call: p50 / p99 over the runs, in milliseconds, with the work counts of one run.
 * Writes bench/results/analysis.{json,md}. Timings are wall-clock on this machine: reported, never gated.
 *
 *   npm run bench:analysis [-- --runs N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkNoNewAccess, diff, summarize, type AnalysisPolicySet, type AnalysisStats } from '../lib/analysis/index.js';
import type { InlinePolicy, PolicyDocument } from '../lib/types.js';
import { percentile } from './harness.js';
import { WORKLOADS, type Workload } from './workloads.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg !== -1 ? Number(process.argv[runsArg + 1]) : 21;
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

interface Variant {
  name: string;
  proposed: AnalysisPolicySet;
}

/** The changes a reviewer would check, made to a workload's set. */
function variants(w: Workload): Variant[] {
  const base: AnalysisPolicySet = { policies: w.policies, scps: w.scps };
  const admin: InlinePolicy = {
    id: 'new-admin',
    document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:*'], Resource: ['*'], Condition: { StringEquals: { 'g:UserName': ['new-admin'] } } }] } as PolicyDocument,
  };
  const statements = (p: InlinePolicy): Array<Record<string, unknown>> => (p.document as { Statement: Array<Record<string, unknown>> }).Statement;
  const withStatements = (p: InlinePolicy, st: Array<Record<string, unknown>>): InlinePolicy => ({ ...p, document: { ...(p.document as object), Statement: st } as PolicyDocument });
  const noDenies = w.policies.map((p) =>
    withStatements(
      p,
      statements(p).filter((st) => st.Effect !== 'Deny'),
    ),
  );
  const noGuardrails = w.scps.map((l) => ({ ...l, policies: l.policies.filter((p) => !p.id.startsWith('guardrail')) }));
  const widened = w.policies.map((p, i) =>
    i === 0
      ? withStatements(
          p,
          statements(p).map((st, j) => (j === 0 ? { ...st, Resource: ['*'] } : st)),
        )
      : p,
  );
  return [
    { name: 'same set', proposed: base },
    { name: 'an Allow for one more user', proposed: { policies: [...w.policies, admin], scps: w.scps } },
    { name: 'a Resource widened to *', proposed: { policies: widened, scps: w.scps } },
    { name: 'identity Denies removed', proposed: { policies: noDenies, scps: w.scps } },
    { name: 'SCP guardrails removed', proposed: { policies: w.policies, scps: noGuardrails } },
  ];
}

interface Row {
  workload: string;
  operation: string;
  result: string;
  findings: number;
  p50_ms: number;
  p99_ms: number;
  stats: AnalysisStats;
}

function time<T>(fn: () => T): { value: T; ms: number[] } {
  const ms: number[] = [];
  let value = fn(); // warm-up
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    value = fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { value, ms };
}

// Warm-up: every operation on every set once (the first calls of a process pay for compiling the code).
for (const name of ['realistic', 'large'] as const) {
  const w = WORKLOADS[name]();
  const existing: AnalysisPolicySet = { policies: w.policies, scps: w.scps };
  for (const v of variants(w)) for (let i = 0; i < 3; i++) checkNoNewAccess(existing, v.proposed);
  diff(existing, variants(w)[4]!.proposed);
  summarize(existing);
}

const rows: Row[] = [];
for (const name of ['realistic', 'large'] as const) {
  const w = WORKLOADS[name]();
  const existing: AnalysisPolicySet = { policies: w.policies, scps: w.scps };
  for (const v of variants(w)) {
    const { value, ms } = time(() => checkNoNewAccess(existing, v.proposed));
    if ('error' in value) throw new Error(`${name} ${v.name}: ${value.error.message}`);
    rows.push({
      workload: name,
      operation: `checkNoNewAccess: ${v.name}`,
      result: value.result,
      findings: value.findings.length + (value.findings_omitted ?? 0),
      p50_ms: percentile(ms, 0.5),
      p99_ms: percentile(ms, 0.99),
      stats: value.stats,
    });
  }
  const d = time(() => diff(existing, variants(w)[4]!.proposed));
  if ('error' in d.value) throw new Error(d.value.error.message);
  rows.push({
    workload: name,
    operation: 'diff: SCP guardrails removed',
    result: d.value.result,
    findings: d.value.findings.length,
    p50_ms: percentile(d.ms, 0.5),
    p99_ms: percentile(d.ms, 0.99),
    stats: d.value.stats,
  });
  const s = time(() => summarize(existing));
  if ('error' in s.value) throw new Error(s.value.error.message);
  const counts = s.value.groups.flatMap((g) => g.actions).reduce<Record<string, number>>((acc, a) => ((acc[a.access] = (acc[a.access] ?? 0) + 1), acc), {});
  rows.push({
    workload: name,
    operation: 'summarize',
    result: Object.entries(counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(', '),
    findings: 0,
    p50_ms: percentile(s.ms, 0.5),
    p99_ms: percentile(s.ms, 0.99),
    stats: s.value.stats,
  });
}

const f = (n: number): string => n.toFixed(1);
const md = [
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; per call, warm, single thread, ${RUNS} runs (compiling both sets included).`,
  '',
  '| workload | operation | result | findings | p50 ms | p99 ms | groups | outcome regions | engine decisions | diagram nodes | automaton steps |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.workload} | ${r.operation} | ${r.result} | ${r.findings} | ${f(r.p50_ms)} | ${f(r.p99_ms)} | ${r.stats.groups} | ${r.stats.outcome_regions} | ${r.stats.engine_decisions} | ${r.stats.diagram_nodes} | ${r.stats.automaton_steps} |`,
  ),
].join('\n');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}analysis.json`, `${JSON.stringify({ node: process.version, date: new Date().toISOString(), runs: RUNS, rows }, null, 2)}\n`);
writeFileSync(`${resultsDir}analysis.md`, `${md}\n`);
console.log(md);
