/**
 * The adversary (test/support/adversary.ts) searches for slow requests inside every documented limit and
 * counts their work in steps (lib/steps.ts), which is deterministic: the same seed finds the same requests
 * and the same counts on any machine, so the search runs in CI. Every request must stay within
 * REQUEST_STEP_BOUND (the step-denominated work limits plus a linear allowance per byte of body: see
 * lib/engine/limits.ts and docs/limits.md) and its reply within REPLY_CHAR_BOUND; a request beyond them is
 * shrunk by fast-check to a small one that still is. Evaluate and explain shapes run half the time with
 * `unknown_context_keys` (the three-valued decision of lib/engine/unknown.ts), and one shape is made for
 * it: statements conditioned on many long keys, most of them unknown.
 *
 * `npm test` runs a short search with a fixed seed; `npm run adversary` runs a long one (ADVERSARY_RUNS,
 * ADVERSARY_SEED, or a random seed) and writes its slowest findings, by seed and position, to
 * bench/results/adversary.json, where `npm run bench:worst` picks them up. On today's main the issue-12
 * shapes took up to 311 million steps (30 s).
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as evaluateHandler } from '../functions/evaluate.js';
import { handler as explainHandler } from '../functions/explain.js';
import { handler as validateHandler } from '../functions/validate.js';
import { LOCAL_JWT_SECRET, mintToken } from '../infra/local/token.js';
import { EVALUATION_LIMITS, REQUEST_STEP_BOUND } from '../lib/engine/limits.js';
import { MAX_FINDING_CHARS } from '../lib/validate/reporter.js';
import { adversarialProbe, handWritten, runProbe, runProbeHandler, type Probe } from './support/adversary.js';

const LONG = Number(process.env.ADVERSARY_RUNS ?? '') || 0;
const RUNS = LONG || 60;
const SEED = Number(process.env.ADVERSARY_SEED ?? '') || (LONG ? Math.floor(Math.random() * 2 ** 31) : 20261206);
/** Explain's reply limit, plus what a validate reply may list (two buckets of findings, with spans and JSON quoting). */
const REPLY_CHAR_BOUND = EVALUATION_LIMITS.explainBytes + 8 * MAX_FINDING_CHARS;

interface Finding {
  seed: number;
  index: number;
  label: string;
  route: string;
  steps: number;
  cpu_ms: number;
  reply_chars: number;
  outcome: string;
}

describe('the adversary finds no request beyond the bounds', () => {
  it(
    `${RUNS} generated requests (seed ${SEED}) stay within ${REQUEST_STEP_BOUND} steps and ${REPLY_CHAR_BOUND} reply characters`,
    () => {
      const seen: Finding[] = [];
      let index = 0;
      let threeValued = 0;
      fc.assert(
        fc.property(adversarialProbe, (p) => {
          const r = runProbe(p);
          if (p.body.unknown_context_keys !== undefined && (r.outcome === 'allow' || r.outcome === 'deny')) threeValued++;
          seen.push({ seed: SEED, index: index++, label: p.label, route: p.route, steps: r.steps, cpu_ms: r.cpuMs, reply_chars: r.replyChars, outcome: r.outcome });
          expect(r.steps, p.label).toBeLessThanOrEqual(REQUEST_STEP_BOUND);
          expect(r.replyChars, p.label).toBeLessThanOrEqual(REPLY_CHAR_BOUND);
        }),
        { numRuns: RUNS, seed: SEED },
      );
      const slowest = [...seen].sort((a, b) => b.steps - a.steps).slice(0, 10);
      if (LONG) {
        writeFileSync(
          new URL('../bench/results/adversary.json', import.meta.url),
          `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, seed: SEED, step_bound: REQUEST_STEP_BOUND, slowest }, null, 2)}\n`,
        );
        console.log(slowest.map((f) => `${f.steps} steps, ${f.cpu_ms.toFixed(1)} ms CPU, ${f.outcome}: ${f.label.slice(0, 160)}`).join('\n'));
      }
      // The search does reach real work (a bound nothing approaches would prove nothing), and decides
      // requests with unknown keys (the three-valued path) among them.
      expect(slowest[0]?.steps ?? 0).toBeGreaterThan(REQUEST_STEP_BOUND / 100);
      expect(threeValued).toBeGreaterThan(RUNS / 20);
    },
    LONG ? 3_600_000 : undefined,
  );

  it('the hand-written worst cases (the issue-12 reproduction among them) stay within the bounds', () => {
    for (const p of handWritten()) {
      const r = runProbe(p);
      expect(r.steps, p.label).toBeLessThanOrEqual(REQUEST_STEP_BOUND);
      expect(r.replyChars, p.label).toBeLessThanOrEqual(REPLY_CHAR_BOUND);
    }
  });
});

describe('through the HTTP functions', () => {
  let token = '';
  beforeAll(async () => {
    process.env.AUTH_MODE = 'hs256';
    process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
    token = await mintToken('acc-1');
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterAll(() => vi.restoreAllMocks());
  const handlers = { evaluate: evaluateHandler, explain: explainHandler, validate: validateHandler };

  it('the hand-written worst cases are answered (never a 5xx) within the step bound', async () => {
    for (const p of handWritten()) {
      const r = await runProbeHandler(p, handlers, token);
      expect(r.status, p.label).toBeLessThan(500);
      expect(r.steps, p.label).toBeLessThanOrEqual(REQUEST_STEP_BOUND);
    }
  });

  it('and so are a few generated ones', async () => {
    const probes: Probe[] = fc.sample(adversarialProbe, { numRuns: 12, seed: SEED + 1 });
    for (const p of probes) {
      const r = await runProbeHandler(p, handlers, token);
      expect(r.status, p.label).toBeLessThan(500);
      expect(r.steps, p.label).toBeLessThanOrEqual(REQUEST_STEP_BOUND);
    }
  });
});
