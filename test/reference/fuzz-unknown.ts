/**
 * `npm run fuzz:unknown -- [--runs N] [--seed S]`: the soundness check of three-valued evaluation
 * (test/reference/unknown.ts) on N generated requests (default 20,000, rounded up to whole groups; seed
 * default: random, printed), each with random unknown keys and 6 fillings. Prints the counts, and for an
 * unsound answer the shrunk counterexample. Exit code 0: sound on every case; 1: a counterexample; 2: bad
 * arguments.
 */
import { REQUESTS_PER_GROUP } from './generate.js';
import { emptyUnknownStats, FILLINGS, runUnknownCases } from './unknown.js';

function integer(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  const text = i !== -1 ? args[i + 1] : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
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
const groups = Math.ceil(runs / REQUESTS_PER_GROUP);
const stats = emptyUnknownStats();
const started = performance.now();
let failure: unknown;
try {
  runUnknownCases(groups, seed, stats);
} catch (err) {
  failure = err;
}
const summary = { seed, fillings_per_request: FILLINGS, ...stats, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) };
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
if (failure !== undefined) {
  process.stdout.write(`\nUnsound:\n${String(failure)}\n${String((failure as Error).cause ?? '')}\n`);
  process.exit(1);
}
