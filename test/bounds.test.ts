/**
 * The guaranteed bounds of docs/limits.md, routine by routine: each super-linear routine takes at most the
 * steps its cost function says (the work limits add those up before the work, so a request the limits
 * accept cannot take more), on random and on adversarial inputs; and the faster routines still answer
 * exactly where they must (coverage against the reference model, KMP and banded edit distance against
 * the textbook versions, fail-closed readings of an undecided coverage).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, explain } from '../lib/engine/engine.js';
import { UNDECIDED_COVERAGE_WARNING } from '../lib/engine/engine.js';
import { compileCoverList, cover, coverCost, coverWith, COVERS, familyShape, listShape, NOT_COVERED, UNDECIDED } from '../lib/match/cover.js';
import { compileGlob, globsIntersect, meetCost, meetShape } from '../lib/match/glob.js';
import { UnknownKeys } from '../lib/engine/context.js';
import { EVALUATION_LIMITS, REQUEST_TOO_COMPLEX } from '../lib/engine/limits.js';
import { measureSteps } from '../lib/steps.js';
import { editDistance, suggest } from '../lib/validate/suggest.js';
import { everyMemberMatched, globMatch } from './reference/glob.js';
import { handWritten } from './support/adversary.js';

const SEED = 20261206;
const chars = (alphabet: string[], max: number): fc.Arbitrary<string> => fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((a) => a.join(''));
/** Patterns and texts with long runs: the shapes that made matchers slow (long parts, many stars, many `?`). */
const piece = fc.oneof(
  fc.constantFrom('a', 'b', '*', '?', ':'),
  fc.tuple(fc.constantFrom('a', '?', '*a', 'a?', 'ab', '?*'), fc.integer({ min: 1, max: 300 })).map(([s, n]) => s.repeat(n)),
);
const longPattern = fc.array(piece, { maxLength: 12 }).map((a) => a.join(''));
const longText = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', 'b', ':'),
      fc.tuple(fc.constantFrom('a', 'ab', 'b'), fc.integer({ min: 1, max: 800 })).map(([s, n]) => s.repeat(n)),
    ),
    { maxLength: 8 },
  )
  .map((a) => a.join(''));
const familyOf = (p: string): string => p.replace(/\?/g, 'a');

describe('glob tests stay within fixed + length x perChar steps', () => {
  it('on random long patterns and texts', () => {
    fc.assert(
      fc.property(longPattern, longText, (p, s) => {
        const g = compileGlob(p);
        const { value, steps } = measureSteps(() => g.test(s));
        expect(steps).toBeLessThanOrEqual(g.fixed + s.length * g.perChar);
        if (p.length + s.length < 400) expect(value).toBe(globMatch(p, s));
      }),
      { numRuns: 400, seed: SEED },
    );
  });

  it('a long part without `?` is searched in linear steps, near misses or not (indexOf took 0.5 ms on a..ab..a in 2 KiB)', () => {
    const part = `${'a'.repeat(1000)}b${'a'.repeat(1000)}`;
    const g = compileGlob(`*x*${part}*`);
    const text = `x${'a'.repeat(2047)}`;
    const { value, steps } = measureSteps(() => g.test(text));
    expect(value).toBe(false);
    expect(g.perChar).toBe(4);
    expect(steps).toBeLessThanOrEqual(g.fixed + 4 * text.length);
    expect(compileGlob(`*${part}*`).test(`c${part}c`)).toBe(true);
  });

  it('a part of thousands of distinct characters compiles in linear steps (no mask per character of the part)', () => {
    const part = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(0x4e00 + i)).join('');
    const { steps } = measureSteps(() => compileGlob(`*?${part}*`));
    expect(steps).toBeLessThan(4 * 3000);
  });
});

describe('intersection stays within meetCost', () => {
  it('on random long patterns and families', () => {
    fc.assert(
      fc.property(longPattern, longPattern, (p, q0) => {
        const q = familyOf(q0);
        const shape = { ...meetShape(p), perChar: compileGlob(p).perChar };
        const { steps } = measureSteps(() => globsIntersect(p, q));
        expect(steps).toBeLessThanOrEqual(meetCost(shape, meetShape(q)));
      }),
      { numRuns: 400, seed: SEED },
    );
  });
});

describe('coverage', () => {
  const smallFamily = chars(['a', 'b', ':', '*'], 6);
  const smallPatterns = fc.array(chars(['a', 'b', ':', '*', '?'], 6), { minLength: 1, maxLength: 3 });

  it('is exact against the reference model on small lists (the exploration always finishes there)', () => {
    fc.assert(
      fc.property(smallFamily, smallPatterns, (family, patterns) => {
        const got = cover(patterns, family);
        expect(got).not.toBe(UNDECIDED);
        expect(got === COVERS, `${patterns} over ${family}`).toBe(everyMemberMatched(family, patterns));
      }),
      { numRuns: 3000, seed: SEED },
    );
  });

  it('is sound on larger lists: COVERS and NOT_COVERED are always right, UNDECIDED is allowed', () => {
    const family = chars(['a', 'b', '*'], 14);
    const patterns = fc.array(chars(['a', 'b', '*', '?', '??'], 9), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(family, patterns, (f, ps) => {
        const got = cover(ps, f);
        if (got !== UNDECIDED) expect(got === COVERS, `${ps} over ${f}`).toBe(everyMemberMatched(f, ps));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('stays within coverCost, on random long lists and families', () => {
    fc.assert(
      fc.property(fc.array(longPattern, { minLength: 1, maxLength: 5 }), longPattern, fc.boolean(), (ps, q0, explore) => {
        const q = familyOf(q0);
        const { steps } = measureSteps(() => cover(ps, q, explore));
        expect(steps).toBeLessThanOrEqual(coverCost(listShape(ps), familyShape(q), explore));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('a compiled list answers within coverCost without the compilation, every time', () => {
    const ps = [`ims:*:*:image:*${'?'.repeat(64)}*x1`, `ims:*:*:image:${'?'.repeat(30)}*`];
    const list = compileCoverList(ps);
    const family = `ims:cn-north-4:acc-1:image:${'*a'.repeat(40)}*`;
    for (let i = 0; i < 3; i++) {
      const { steps } = measureSteps(() => coverWith(list, family));
      expect(steps).toBeLessThanOrEqual(coverCost(listShape(ps), familyShape(family)));
    }
  });

  it('several patterns with `?` cover together (the exploration): `x?*` and `x` cover `x*`', () => {
    expect(cover(['ims:r:a:image:x?*', 'ims:r:a:image:x'], 'ims:r:a:image:x*')).toBe(COVERS);
    expect(cover(['ims:r:a:image:x??*', 'ims:r:a:image:x'], 'ims:r:a:image:x*')).toBe(NOT_COVERED);
  });

  it('a clause per pattern: the list covers the family exactly when the formula is unsatisfiable (docs/limits.md)', () => {
    // Runs between '#' are the variables: empty = false, non-empty = true; a pattern matches the
    // assignments that falsify its clause ('' = the variable is false there, '?*' = true, '*' = either).
    const family = 'ims:r:a:image:*#*';
    const clauses = (list: string[][]): string[] => list.map((c) => `ims:r:a:image:${c.join('#')}`);
    // (x1 or x2) and (not x1) and (not x2): unsatisfiable, so every assignment falsifies a clause.
    expect(
      cover(
        clauses([
          ['', ''],
          ['?*', '*'],
          ['*', '?*'],
        ]),
        family,
      ),
    ).toBe(COVERS);
    // (x1 or x2) and (not x1): x1 = false, x2 = true satisfies it: a member no pattern matches.
    expect(
      cover(
        clauses([
          ['', ''],
          ['?*', '*'],
        ]),
        family,
      ),
    ).toBe(NOT_COVERED);
  });

  it('a pattern with a character the family writes as `*` does not cover the family (fail open on main: \\u0000)', () => {
    expect(cover(['ims:*:*:image:\u0000'], 'ims:*:*:image:*')).toBe(NOT_COVERED);
    expect(cover(['ims:*:*:image:\ue000'], 'ims:*:*:image:*')).toBe(NOT_COVERED);
    const r = evaluate({
      action: 'ims:images:delete',
      principal: { account_id: 'acc-1' },
      region: 'cn-north-4',
      policies: [{ id: 'p', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: 'ims:images:delete', Resource: 'ims:*:*:image:\u0000' }] } }],
    });
    expect(r).toMatchObject({ decision: 'deny', reason: 'implicit_deny' });
  });
});

describe('an undecided coverage fails closed at both of its uses, and says so', () => {
  // Four runs between '#', and one pattern per choice of empty / non-empty runs: together they cover the
  // family (each member has one of the 16 shapes), none alone does; showing it takes the exploration of all
  // 16 together past its bound.
  const family = 'ims:r:a:image:*#*#*#*';
  const list = Array.from({ length: 16 }, (_, m) => `ims:r:a:image:${Array.from({ length: 4 }, (_, v) => ((m >> v) & 1 ? '?*' : '')).join('#')}`);
  const doc = (st: Record<string, unknown>) => [{ id: 'p', document: { Version: '5.0', Statement: [st] } }];

  it('the list is undecided, and covers the family in truth (the reference model)', () => {
    expect(cover(list, family)).toBe(UNDECIDED);
    expect(everyMemberMatched(family, list)).toBe(true);
  });

  it('an Allow whose Resource list is undecided does not apply (deny), with a warning', () => {
    const r = evaluate({ action: 'ims:images:get', resource: family, policies: doc({ Effect: 'Allow', Action: 'ims:images:get', Resource: list }) });
    expect(r).toMatchObject({ decision: 'deny', reason: 'implicit_deny' });
    expect('warnings' in r && r.warnings).toContain(UNDECIDED_COVERAGE_WARNING);
  });

  it('a Deny whose NotResource list is undecided applies (deny), with a warning', () => {
    const r = evaluate({
      action: 'ims:images:get',
      resource: family,
      policies: [...doc({ Effect: 'Deny', Action: 'ims:images:get', NotResource: list }).map((p) => ({ ...p, id: 'd' })), ...doc({ Effect: 'Allow', Action: 'ims:images:get', Resource: '*' })],
    });
    expect(r).toMatchObject({ decision: 'deny', reason: 'explicit_deny', denied_by: { policy_id: 'd' } });
    expect('warnings' in r && r.warnings).toContain(UNDECIDED_COVERAGE_WARNING);
    const e = explain({ action: 'ims:images:get', resource: family, policies: doc({ Effect: 'Deny', Action: 'ims:images:get', NotResource: list }) });
    expect('warnings' in e && e.warnings).toContain(UNDECIDED_COVERAGE_WARNING);
  });

  it('a decided coverage adds no warning', () => {
    const r = evaluate({ action: 'ims:images:get', resource: family, policies: doc({ Effect: 'Allow', Action: 'ims:images:get', Resource: ['ims:r:a:image:*#*'] }) });
    expect(r).toMatchObject({ decision: 'allow' });
    expect('warnings' in r && r.warnings).not.toContain(UNDECIDED_COVERAGE_WARNING);
  });
});

describe('edit distance (did you mean)', () => {
  /** The textbook dynamic programme. */
  const full = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
  };

  it('the banded distance agrees with the full one up to the limit, and says "more" beyond it', () => {
    const word = chars(['a', 'b', 'c', ':'], 12);
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 4 }), (a, b, limit) => {
        const d = full(a, b);
        expect(editDistance(a, b, limit)).toBe(d <= limit ? d : limit + 1);
        expect(editDistance(a, b)).toBe(d);
      }),
      { numRuns: 2000, seed: SEED },
    );
  });

  it('costs at most (|a| + 1) x (2 x limit + 1) steps', () => {
    const a = 'ab'.repeat(3000);
    const b = 'ba'.repeat(3001);
    const { steps } = measureSteps(() => editDistance(a, b, 3));
    expect(steps).toBeLessThanOrEqual((a.length + 1) * 7 + a.length);
  });

  it('suggestions are skipped when the budget cannot afford them', () => {
    let left = 10;
    const budget = { afford: (n: number) => (n <= left ? ((left -= n), true) : false) };
    expect(suggest('ims:images:dlete', ['ims:images:delete'], 3, budget)).toEqual([]);
    expect(suggest('ims:images:dlete', ['ims:images:delete'])).toEqual(['ims:images:delete']);
  });
});

describe('three-valued evaluation (unknown_context_keys) within the same bounds', () => {
  const key = fc.array(fc.constantFrom('g:', 'a', 'b', 'ab', 'k'.repeat(40), '/', 'x'), { maxLength: 8 }).map((a) => a.join(''));

  it('a key is unknown exactly when an entry names it or is a prefix of it (a binary search against the scan of every prefix)', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 12 }), fc.array(key, { maxLength: 4 }), fc.array(key, { maxLength: 20 }), (prefixes, exact, keys) => {
        const u = new UnknownKeys(new Set(exact), prefixes);
        for (const k of keys) expect(u.covers(k)).toBe(exact.includes(k) || prefixes.some((p) => k.startsWith(p)));
      }),
      { numRuns: 400, seed: SEED },
    );
  });

  it('a new key costs O(log p x key length) steps, an asked one nothing (100 prefixes of 256 characters near the key)', () => {
    const prefixes = Array.from({ length: 100 }, (_, i) => `g:resourcetag/${'k'.repeat(230)}${i}`);
    const u = new UnknownKeys(new Set(), prefixes);
    const k = `g:resourcetag/${'k'.repeat(230)}`;
    const first = measureSteps(() => u.covers(k));
    expect(first.value).toBe(false);
    expect(first.steps).toBeLessThanOrEqual(8 * (k.length + 1));
    expect(measureSteps(() => u.covers(k)).steps).toBe(0);
  });

  const probe = (label: string): Record<string, unknown> => handWritten().find((p) => p.label.startsWith(label))!.body;

  it('a pair that is context_required lists its keys, counted in the results before the work: 9 Allows on 20 unknown keys each over 100 resources of the tagged actions (with ims:images:* and 20 resources it was a 12 MB reply)', () => {
    const r = evaluate(probe('three-valued: 9 Allows on 20 unknown keys each, 100 resources'));
    expect(r).toMatchObject({ error: { code: REQUEST_TOO_COMPLEX, details: { limit: EVALUATION_LIMITS.replyChars } } });
    expect((r as unknown as { error: { details: { reply_chars: number } } }).error.details.reply_chars).toBeGreaterThan(EVALUATION_LIMITS.replyChars);
  });

  it('with 15 resources it is answered (context_required), and its reply is within the limit it was counted against', () => {
    const r = evaluate(probe('three-valued: the same with 15 resources'));
    expect(r).toMatchObject({ decision: 'deny', reason: 'context_required' });
    expect(JSON.stringify(r).length).toBeLessThanOrEqual(EVALUATION_LIMITS.replyChars);
    expect(JSON.stringify(r).length).toBeGreaterThan(1_000_000);
  });
});
