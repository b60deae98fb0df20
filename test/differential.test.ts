/**
 * Differential testing: the engine (lib/) against the reference model (test/reference/), a deliberately
 * simple interpreter written from docs/semantics.md with no code shared with the engine. 20,000 generated
 * cases (seeded, reproducible) must agree on the decision, the reason, denied_by, every result and the
 * missing context keys. `npm run fuzz:diff -- --runs N --seed S` runs any number.
 *
 * Every disagreement found so far is a golden case in test/golden/differential.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globsCover } from '../lib/match/cover.js';
import { compileGlob, globsIntersect } from '../lib/match/glob.js';
import { OPERATORS } from '../lib/policy/operators.js';
import * as engineValues from '../lib/policy/values.js';
import type { EvaluateRequest } from '../lib/types.js';
import { compareCase, policyWarningLines } from './reference/compare.js';
import { MODEL_OPERATORS } from './reference/conditions.js';
import { casesOf, diffGroup, GENERATED_OPERATORS, REQUESTS_PER_GROUP } from './reference/generate.js';
import { everyMemberMatched, globMatch, someMemberMatched } from './reference/glob.js';
import * as modelValues from './reference/values.js';
import { referenceEvaluate } from './reference/model.js';
import { emptyStats, record, runCases, skippedTotal } from './reference/stats.js';

const RUNS = 20_000;
const SEED = 20_251_201;

const stats = emptyStats();

describe('engine vs reference model', () => {
  it(`agrees on ${RUNS.toLocaleString('en')} generated cases (seed ${SEED})`, () => {
    fc.assert(
      fc.property(diffGroup, (g) => {
        for (const c of casesOf(g)) {
          const outcome = compareCase(c);
          record(stats, c, outcome);
          if (outcome.kind === 'disagree') {
            throw new Error(
              `engine and model disagree on ${outcome.differences.join(', ')}\ncase: ${JSON.stringify(c)}\nengine: ${JSON.stringify(outcome.engine)}\nmodel:  ${JSON.stringify(outcome.model)}`,
            );
          }
        }
      }),
      // Each generated policy set is decided for several requests.
      { numRuns: RUNS / REQUESTS_PER_GROUP, seed: SEED },
    );
    // 6-7 s on this 2-core machine when lightly loaded; the timeout leaves room for a machine shared with other work.
  }, 120_000);

  it('is not vacuous: both decisions, all three reasons and both implicit layers occur often; few cases are skipped', () => {
    if (stats.runs === 0) runCases(RUNS / REQUESTS_PER_GROUP, SEED, stats); // run on its own (-t)
    expect(stats.runs).toBeGreaterThanOrEqual(RUNS);
    const share = (n: number): number => n / stats.decided;
    expect(skippedTotal(stats) / stats.runs, `skipped: ${JSON.stringify(stats.skipped)}`).toBeLessThan(0.02);
    expect(share(stats.decisions.allow)).toBeGreaterThan(0.15);
    expect(share(stats.decisions.deny)).toBeGreaterThan(0.15);
    expect(share(stats.reasons.explicit_deny)).toBeGreaterThan(0.1);
    expect(share(stats.reasons.implicit_deny)).toBeGreaterThan(0.1);
    expect(share(stats.implicitBy.scp)).toBeGreaterThan(0.02);
    expect(share(stats.implicitBy.identity)).toBeGreaterThan(0.05);
    expect(share(stats.batches)).toBeGreaterThan(0.1);
    expect(share(stats.withMissingKeys)).toBeGreaterThan(0.05);
    expect(share(stats.presets)).toBeGreaterThan(0.1);
    expect(share(stats.apiCalls)).toBeGreaterThan(0.1);
    expect(share(stats.families)).toBeGreaterThan(0.1);
  });

  it('the model shares no code with the engine: it imports only types from lib/ and the catalog data', () => {
    for (const file of ['model.ts', 'conditions.ts', 'glob.ts', 'values.ts']) {
      const source = readFileSync(new URL(`./reference/${file}`, import.meta.url), 'utf8');
      const imports = [...source.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)].map((m) => ({ typeOnly: m[1] !== undefined, from: m[2]! }));
      for (const i of imports) {
        const allowed = i.from.startsWith('./') || i.from === '@ims-authz/catalog' || (i.typeOnly && i.from === '../../lib/types.js');
        expect(allowed, `${file} imports ${i.typeOnly ? 'types from ' : ''}${i.from}`).toBe(true);
      }
    }
  });

  it('generates, and the model knows, every condition operator of the engine', () => {
    const engine = OPERATORS.map((o) => o.name).sort();
    expect(GENERATED_OPERATORS.map((o) => o.name).sort()).toEqual(engine);
    expect(Object.keys(MODEL_OPERATORS).sort()).toEqual(engine);
  });
});

describe('reference model', () => {
  interface GoldenCase {
    name: string;
    request: EvaluateRequest;
    expect: Record<string, unknown> & {
      error?: string;
      results?: Array<Record<string, unknown>>;
      result_actions?: string[];
      missing_context_keys?: string[];
      required_actions?: string[];
      api_template?: string;
    };
  }
  const dir = new URL('./golden/', import.meta.url);
  const golden: Array<{ file: string; c: GoldenCase }> = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => (JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { cases: GoldenCase[] }).cases.map((c) => ({ file, c })));
  // The model decides valid requests; refusals (errors) are the engine's alone.
  const decidable = golden.filter(({ c }) => c.expect.error === undefined);

  it('decides the golden corpus as it expects (every case with valid input)', () => {
    expect(decidable.length).toBeGreaterThan(400);
    for (const { file, c } of decidable) {
      const m = referenceEvaluate(c.request);
      const where = `${file}: ${c.name}`;
      for (const field of ['decision', 'reason', 'denied_by'] as const) if (field in c.expect) expect(m[field], `${where} (${field})`).toEqual(c.expect[field]);
      if (c.expect.missing_context_keys) {
        const lower = (xs: string[]): string[] => [...new Set(xs.map((x) => x.toLowerCase()))].sort();
        expect(lower(m.missing_context_keys), `${where} (missing_context_keys)`).toEqual(lower(c.expect.missing_context_keys));
      }
      c.expect.results?.forEach((want, i) => {
        for (const [k, v] of Object.entries(want)) expect((m.results[i] as unknown as Record<string, unknown> | undefined)?.[k], `${where} (results[${i}].${k})`).toEqual(v);
      });
      if (c.expect.result_actions) expect([...new Set(m.results.map((r) => r.action))].sort(), `${where} (result actions)`).toEqual([...new Set(c.expect.result_actions)].sort());
      // The model counts the request's warnings; the policies' come from the validator (compare.ts).
      if (typeof c.expect.has_warnings === 'boolean') expect(m.warnings + policyWarningLines({ request: c.request }) > 0, `${where} (has_warnings)`).toBe(c.expect.has_warnings);
      if (c.expect.api_template) expect(m.api?.template, `${where} (api_template)`).toBe(c.expect.api_template);
      if (c.expect.required_actions) expect([...new Set(m.api?.required_actions)].sort(), `${where} (required_actions)`).toEqual([...new Set(c.expect.required_actions)].sort());
    }
  });

  it('reasons exactly about families of resources (checked against every member up to a length)', () => {
    // A family and patterns of up to 4 characters over {a, b}, and every member of the family of up to 6
    // characters over {a, b, c} (c: a character no pattern names; enough to tell apart patterns this short).
    const word = (alphabet: string[]) => fc.array(fc.constantFrom(...alphabet), { maxLength: 4 }).map((cs) => cs.join(''));
    const strings: string[] = [''];
    for (let len = 1; len <= 6; len++) for (const s of strings.filter((x) => x.length === len - 1)) strings.push(`${s}a`, `${s}b`, `${s}c`);
    fc.assert(
      fc.property(word(['a', 'b', '*']), fc.array(word(['a', 'b', '*', '?']), { minLength: 1, maxLength: 3 }), (family, patterns) => {
        const members = strings.filter((s) => globMatch(family, s));
        const matched = (s: string): boolean => patterns.some((p) => globMatch(p, s));
        expect(someMemberMatched(family, patterns)).toBe(members.some(matched));
        expect(everyMemberMatched(family, patterns)).toBe(members.every(matched));
      }),
      { numRuns: 500, seed: SEED },
    );
  });
});

/**
 * The same comparison on the pieces, with far more inputs than whole requests can carry: the readers of
 * typed values and the matching of resource families (engine code against model code).
 */
describe('engine vs reference model, piece by piece', () => {
  const text = (tokens: string[], maxLength: number): fc.Arbitrary<string> => fc.array(fc.constantFrom(...tokens), { maxLength }).map((t) => t.join(''));
  const runs = { numRuns: 4000, seed: SEED };

  it('read the same numbers', () => {
    const input = fc.oneof(text(['0', '1', '9', '.', 'e', 'E', '+', '-', ' ', 'x', 'Infinity'], 7), fc.double().map(String));
    fc.assert(
      fc.property(input, (s) => {
        expect(modelValues.readNumber(s), JSON.stringify(s)).toBe(engineValues.readNumber(s));
      }),
      runs,
    );
  });

  it('read the same dates', () => {
    // Each part mostly valid, sometimes not.
    const part = (valid: string[], invalid: string[]): fc.Arbitrary<string> => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
    const opt = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.option(a, { nil: '' });
    const seconds = fc.tuple(part([':00', ':59'], [':60', ':61', ':5']), opt(part(['.0', '.5', '.0005', '.999999999999'], ['.']))).map((x) => x.join(''));
    const zone = part(['Z', '+08:00', '-05:30', '+0800', '+08', '-00:00'], ['z', '+24:00', '+08:60', 'UTC', '+8']);
    const time = fc.tuple(part(['T'], ['t', ' ', '_']), part(['00', '09', '23'], ['24', '25', '7']), part([':00', ':30', ':59'], [':60', '']), opt(seconds), opt(zone)).map((t) => t.join(''));
    const input = fc.oneof(
      fc
        .tuple(
          part(['2026', '2024', '2100', '2000', '1969', '9999'], ['1900', '0000', '0099', '026']),
          part(['-01', '-02', '-12'], ['-13', '-00', '-1']),
          part(['-01', '-28', '-29', '-30', '-31'], ['-32', '-00', '-1']),
          opt(time),
        )
        .map((t) => t.join('')),
      text(['2026', '-', '01', 'T', ':', '00', 'Z', '.', '5'], 10),
    );
    fc.assert(
      fc.property(input, (s) => {
        const mine = modelValues.readDate(s);
        const theirs = engineValues.readDate(s);
        // The same instant, to well under a microsecond (the two sum their parts in another order).
        expect(mine === undefined, `${JSON.stringify(s)}: model ${mine}, engine ${theirs}`).toBe(theirs === undefined);
        if (mine !== undefined && theirs !== undefined) expect(Math.abs(mine - theirs), JSON.stringify(s)).toBeLessThan(1e-3);
      }),
      runs,
    );
  });

  it('read the same IP addresses and blocks', () => {
    const octet = fc.constantFrom('0', '1', '10', '255', '256', '010', '', 'a');
    const v4 = fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.'));
    const group = fc.constantFrom('0', '1', 'ffff', 'FFFF', 'db8', '2001', '12345', 'g', '');
    const v6 = fc.tuple(fc.array(group, { maxLength: 8 }), fc.nat({ max: 9 }), fc.option(v4, { nil: undefined })).map(([groups, at, tail]) => {
      const parts = [...groups, ...(tail === undefined ? [] : [tail])];
      // Sometimes a "::" somewhere.
      return at < parts.length ? [...parts.slice(0, at), '', ...parts.slice(at)].join(':').replace(/^:(?!:)/, '::') : parts.join(':');
    });
    const address = fc.oneof(v4, v6, text(['10', '1', '.', ':', '::', 'ffff', '%eth0', ' '], 8));
    const input = fc.tuple(address, fc.option(fc.constantFrom('/0', '/8', '/32', '/33', '/96', '/104', '/128', '/129', '/', '/08', '/x'), { nil: '' })).map(([a, p]) => a + p);
    const asBigInt = (words: number[]): bigint => words.reduce((acc, w) => (acc << 32n) | BigInt(w >>> 0), 0n);
    fc.assert(
      fc.property(input, (s) => {
        const mine = modelValues.readIp(s);
        const theirs = engineValues.readIp(s);
        expect(mine && { version: mine.version, value: mine.value }, `address ${JSON.stringify(s)}`).toEqual(theirs && { version: theirs.v, value: asBigInt(theirs.words) });
        const block = modelValues.readIpBlock(s);
        const range = engineValues.readIpRange(s);
        const bits = range ? (range.v === 4 ? 32 : 128) : 0;
        const network = range ? (asBigInt(range.words) >> BigInt(bits - range.prefix)) << BigInt(bits - range.prefix) : 0n;
        expect(block, `block ${JSON.stringify(s)}`).toEqual(range && { version: range.v, network, prefix: range.prefix });
      }),
      runs,
    );
  });

  it('decide the same families of resources', () => {
    const word = (alphabet: string[]) => fc.array(fc.constantFrom(...alphabet), { maxLength: 5 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(word(['a', 'b', ':', '*']), fc.array(word(['a', 'b', ':', '*', '?']), { minLength: 1, maxLength: 3 }), (family, patterns) => {
        expect(
          globsCover(
            patterns.map((p) => compileGlob(p)),
            family,
          ),
          `cover ${family} by ${patterns}`,
        ).toBe(everyMemberMatched(family, patterns));
        expect(
          patterns.some((p) => globsIntersect(p, family)),
          `intersect ${family} with ${patterns}`,
        ).toBe(someMemberMatched(family, patterns));
      }),
      { numRuns: 2000, seed: SEED },
    );
  });
});
