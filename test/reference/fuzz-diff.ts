/**
 * `npm run fuzz:diff -- [--runs N] [--seed S]`: compares the engine with the reference model on N generated
 * cases (default 20,000, rounded up to whole groups of cases sharing a policy set; seed default: random,
 * printed). Prints the counts and, for a disagreement, the
 * shrunk counterexample (the request, and the preset policy set when there is one) as JSON.
 * Exit code 0: no disagreement; 1: disagreements; 2: bad arguments.
 */
import { parseArgs } from 'node:util';
import { REQUESTS_PER_GROUP } from './generate.js';
import { runCases, shrinkFirstDisagreement, skippedTotal } from './stats.js';

const { values: args } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string' }, seed: { type: 'string' } }, strict: false, allowPositionals: true });
function argument(name: '--runs' | '--seed'): string | undefined {
  const v = args[name.slice(2)];
  return typeof v === 'string' ? v : undefined;
}

function integer(name: '--runs' | '--seed', fallback: number): number {
  const text = argument(name);
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`${name} needs a non-negative integer, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return n;
}

const runs = integer('--runs', 20_000);
const seed = integer('--seed', Math.floor(Math.random() * 2 ** 31));
// Cases come in groups: one generated policy set, several requests.
const groups = Math.ceil(runs / REQUESTS_PER_GROUP);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const stats = runCases(groups, seed);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const skipped = skippedTotal(stats);

const summary = {
  seed,
  runs: stats.runs,
  decided: stats.decided,
  skipped,
  skipped_by_code: stats.skipped,
  skip_rate: stats.runs === 0 ? 0 : Number((skipped / stats.runs).toFixed(4)),
  disagreements: stats.disagreements,
  decisions: stats.decisions,
  reasons: stats.reasons,
  implicit_deny_by: stats.implicitBy,
  cases_with: { several_results: stats.batches, missing_context_keys: stats.withMissingKeys, compiled_set: stats.presets, api_mode: stats.apiCalls, resource_families: stats.families },
  seconds: Number(seconds.toFixed(1)),
  cpu_seconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);

if (stats.disagreements > 0) {
  const shrunk = shrinkFirstDisagreement(groups, seed);
  const found = shrunk ?? stats.first!;
  process.stdout.write(`\nFirst disagreement${shrunk ? ' (shrunk)' : ''}:\n${JSON.stringify(found.case, null, 2)}\n`);
  if (found.outcome.kind === 'disagree') {
    process.stdout.write(`\nDiffering fields: ${found.outcome.differences.join(', ')}\n`);
    process.stdout.write(`engine: ${JSON.stringify(found.outcome.engine, null, 2)}\nmodel:  ${JSON.stringify(found.outcome.model, null, 2)}\n`);
  }
  process.exit(1);
}
