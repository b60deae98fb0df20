/**
 * The access analysis's parts against oracles: the string classes of the automaton against a brute-force
 * enumeration of every short string, the witness search against the same enumeration, the decision
 * diagrams against explicit sets of points, and the typed value classes against random values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCondition, evalConditionValues } from '../lib/engine/conditions.js';
import { FALSE, Mdd, TRUE, type Cube } from '../lib/analysis/mdd.js';
import { exploreClasses, globTokens, literalTokens, segmentAtom, STAR, StringSearch, URN_SHAPE, type AtomConstraint, type RegularAtom } from '../lib/analysis/strings.js';
import { SYNTAX, valueClasses, type ValueAtom } from '../lib/analysis/values.js';
import { readDate, readIp, readNumber } from '../lib/policy/values.js';
import type { Shape } from '../lib/analysis/strings.js';
import { compileGlob } from '../lib/match/glob.js';
import { parseOperator } from '../lib/policy/operators.js';

// ---------------------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------------------

interface AtomSpec {
  alts: Array<{ pattern: string; ci: boolean }>;
  negated: boolean;
}

/** Case-sensitive globs over a few letters; case-insensitive literals, prefixes and suffixes (as the engine's string operators). */
const altArb = fc.oneof(
  fc.stringMatching(/^[abkKiI*?]{0,4}$/).map((pattern) => ({ pattern, ci: false })),
  fc
    .tuple(fc.stringMatching(/^[abkiKI]{0,3}$/), fc.constantFrom('', 'prefix', 'suffix'))
    .map(([text, how]) => ({ pattern: how === 'prefix' ? `${text.toLowerCase()}*` : how === 'suffix' ? `*${text.toLowerCase()}` : text.toLowerCase(), ci: true })),
);
const atomsArb = fc.array(fc.record({ alts: fc.array(altArb, { minLength: 1, maxLength: 2 }), negated: fc.boolean() }), { minLength: 1, maxLength: 3 });

function toAtom(s: AtomSpec): RegularAtom {
  return {
    alternatives: s.alts.map((a) => ({ tokens: a.ci ? a.pattern.split('').map((c) => (c === '*' ? STAR : c.charCodeAt(0))) : globTokens(a.pattern), caseInsensitive: a.ci })),
    negated: s.negated,
  };
}

/** The truth of an atom on a string, straight from the definition (the engine's own glob for the matching). */
function truth(s: AtomSpec, text: string): number {
  const hit = s.alts.some((a) => (a.ci ? compileGlob(a.pattern).test(text.toLowerCase()) : compileGlob(a.pattern).test(text)));
  return hit !== s.negated ? 1 : 0;
}

/** Every character with a distinct behaviour for these atoms (Kelvin sign, dotted capital I, dotless i included). */
const BRUTE_ALPHABET = ['a', 'b', 'k', 'i', 'A', 'B', 'K', 'I', '\u212a', '\u0130', '\u0131', 'x'];

function allStrings(maxLength: number): string[] {
  const out = [''];
  let layer = [''];
  for (let n = 1; n <= maxLength; n++) {
    layer = layer.flatMap((p) => BRUTE_ALPHABET.map((c) => p + c));
    out.push(...layer);
  }
  return out;
}
const STRINGS_3 = allStrings(3);

describe('string classes (automaton product)', () => {
  it('finds exactly the classes a brute-force enumeration of every string up to length 3 finds, each with a right representative', () => {
    fc.assert(
      fc.property(atomsArb, (specs) => {
        const atoms = specs.map(toAtom);
        const found = exploreClasses(atoms, { maxLength: 3, workLimit: 1e6 });
        expect(found.complete).toBe(true);
        const brute = new Set(STRINGS_3.map((s) => specs.map((a) => truth(a, s)).join('')));
        const mine = new Set(found.classes.map((c) => c.vector.join('')));
        expect([...mine].sort()).toEqual([...brute].sort());
        for (const c of found.classes) expect(specs.map((a) => truth(a, c.rep)).join('')).toBe(c.vector.join(''));
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('sees the characters whose lower case is another letter or longer (Kelvin sign, dotted capital I)', () => {
    const atoms: RegularAtom[] = [
      { alternatives: [{ tokens: literalTokens('k'), caseInsensitive: true }], negated: false },
      {
        alternatives: [
          { tokens: literalTokens('k'), caseInsensitive: false },
          { tokens: literalTokens('K'), caseInsensitive: false },
        ],
        negated: false,
      },
      { alternatives: [{ tokens: globTokens('??'), caseInsensitive: true }], negated: false },
      { alternatives: [{ tokens: globTokens('?'), caseInsensitive: false }], negated: false },
    ];
    const found = exploreClasses(atoms, { maxLength: 4, workLimit: 1e5 });
    const byVector = new Map(found.classes.map((c) => [c.vector.join(''), c.rep]));
    expect(byVector.get('1001')).toBe('\u212a'); // lower-cases to k, but is neither k nor K
    expect(byVector.get('0011')).toBe('\u0130'); // one unit, two once lower-cased
  });

  it('respects the URN shape: a lower-case service, at least four colons, no * or ?', () => {
    const atoms: RegularAtom[] = [{ alternatives: [{ tokens: globTokens('*X*'), caseInsensitive: false }], negated: false }];
    const found = exploreClasses(atoms, { maxLength: 30, shape: URN_SHAPE, excluded: '*?', workLimit: 1e5 });
    for (const c of found.classes) {
      expect(c.rep).toMatch(/^[^:*?A-Z]+(:[^*?]*){4,}$/);
      expect(c.vector[0]).toBe(c.rep.includes('X') ? 1 : 0);
    }
    expect(found.classes.length).toBe(2);
  });

  it('stops at the work limit and says so', () => {
    const atoms = Array.from({ length: 12 }, (_, i) => ({ alternatives: [{ tokens: globTokens(`*a${'b'.repeat(i)}a*`), caseInsensitive: false }], negated: false }));
    const found = exploreClasses(atoms, { maxLength: 100, workLimit: 500 });
    expect(found.complete).toBe(false);
    expect(found.problem).toMatch(/automaton steps/);
  });
});

/** A constraint over atom truths given as an explicit set of allowed vectors. */
function explicitConstraint(k: number, allowed: ReadonlySet<string>): AtomConstraint & { states: Array<Map<number, number>> } {
  const states: Array<Map<number, number>> = [new Map(), new Map()];
  const vectors = (fixed: Map<number, number>): string[] => [...allowed].filter((v) => [...fixed].every(([a, x]) => Number(v[a]) === x));
  const ids = new Map<string, number>();
  const idOf = (fixed: Map<number, number>): number => {
    if (vectors(fixed).length === 0) return 0;
    const key = [...fixed]
      .sort((x, y) => x[0] - y[0])
      .map(([a, x]) => `${a}=${x}`)
      .join(',');
    let id = ids.get(key);
    if (id === undefined) {
      ids.set(key, (id = states.length));
      states.push(fixed);
    }
    return id;
  };
  const initial = idOf(new Map());
  return {
    states,
    initial,
    NONE: 0,
    restrict: (s, atom, value) => idOf(new Map([...(states[s] as Map<number, number>), [atom, value]])),
    support: (s) => Array.from({ length: k }, (_, a) => a).filter((a) => !(states[s] as Map<number, number>).has(a)),
    accept: () => true,
  };
}

describe('witness search', () => {
  it('finds a shortest string in the allowed combinations exactly when one exists (brute force up to length 3)', () => {
    fc.assert(
      fc.property(atomsArb, fc.array(fc.nat(), { maxLength: 8 }), (specs, picks) => {
        const k = specs.length;
        const all = Array.from({ length: 1 << k }, (_, i) => Array.from({ length: k }, (_, a) => (i >> a) & 1).join(''));
        const allowed = new Set(picks.map((p) => all[p % all.length] as string));
        const search = new StringSearch(specs.map(toAtom), { maxLength: 3, workLimit: 1e6 });
        const found = search.find(explicitConstraint(k, allowed));
        expect(found.complete).toBe(true);
        const brute = STRINGS_3.find((s) => allowed.has(specs.map((a) => truth(a, s)).join('')));
        if (brute === undefined) expect(found.value).toBeNull();
        else {
          expect(found.value).not.toBeNull();
          expect(allowed.has(specs.map((a) => truth(a, found.value as string)).join(''))).toBe(true);
          expect((found.value as string).length).toBe(brute.length);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

/** Atoms over few letters for the URN searches below (their brute force enumerates longer strings). */
const urnAltArb = fc.oneof(
  fc.stringMatching(/^[ak*?]{0,3}$/).map((pattern) => ({ pattern, ci: false })),
  fc
    .tuple(fc.stringMatching(/^[ak]{0,2}$/), fc.constantFrom('', 'prefix', 'suffix'))
    .map(([text, how]) => ({ pattern: how === 'prefix' ? `${text}*` : how === 'suffix' ? `*${text}` : text, ci: true })),
);
const urnAtomsArb = fc.array(fc.record({ alts: fc.array(urnAltArb, { minLength: 1, maxLength: 2 }), negated: fc.boolean() }), { minLength: 1, maxLength: 3 });
/** Every URN (a lower-case service, at least four ':') up to length 7 over the letters, ':', an upper-case K, the Kelvin sign and the dotted capital I. */
const URNS_7 = (() => {
  const chars = ['a', 'k', 'K', '\u212a', '\u0130', 'x', ':'];
  const out: string[] = [];
  let layer = [''];
  for (let n = 1; n <= 7; n++) {
    layer = layer.flatMap((p) => chars.map((c) => p + c));
    for (const s of layer) if (/^[akx]+(:[^:]*){4,}$/.test(s) && (s.match(/:/g) ?? []).length >= 4) out.push(s);
  }
  return out;
})();

describe('witness search for URNs', () => {
  it('with the URN shape and atoms read on the account segment: a shortest URN in the allowed combinations exactly when one exists (brute force up to length 7)', () => {
    // A URN needs four ':' that no live pattern position may name (every atom settled, or dead, early): the search
    // must write them anyway (it once could not, and reported no URN). The segment atoms read the third segment.
    fc.assert(
      fc.property(urnAtomsArb, fc.array(fc.nat(), { maxLength: 8 }), (specs, picks) => {
        const atoms = [...specs.map(toAtom), ...specs.map((s) => segmentAtom(toAtom(s)))];
        const k = atoms.length;
        const vectorOf = (u: string): string => [...specs.map((a) => truth(a, u)), ...specs.map((a) => truth(a, u.split(':')[2] as string))].join('');
        const all = Array.from({ length: 1 << k }, (_, i) => Array.from({ length: k }, (_, a) => (i >> a) & 1).join(''));
        const allowed = new Set(picks.map((p) => all[p % all.length] as string));
        const search = new StringSearch(atoms, { maxLength: 7, shape: URN_SHAPE, excluded: '*?', workLimit: 1e6 });
        const found = search.find(explicitConstraint(k, allowed));
        expect(found.complete).toBe(true);
        const brute = URNS_7.find((u) => allowed.has(vectorOf(u)));
        if (brute === undefined) expect(found.value).toBeNull();
        else {
          expect(found.value, `brute force found ${brute}`).not.toBeNull();
          expect(URNS_7).toContain(found.value);
          expect(allowed.has(vectorOf(found.value as string))).toBe(true);
          expect((found.value as string).length).toBe(brute.length);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('a segment atom is its atom read on the third segment, and never matches a segment with ":" in the alternative', () => {
    const atom: RegularAtom = {
      alternatives: [
        { tokens: globTokens('a*'), caseInsensitive: false },
        { tokens: globTokens('x:y'), caseInsensitive: false },
      ],
      negated: false,
    };
    const seg = segmentAtom(atom);
    expect(seg.alternatives).toHaveLength(1);
    const search = new StringSearch([seg], { maxLength: 12, shape: URN_SHAPE, excluded: '*?', workLimit: 1e5 });
    const yes = search.find(explicitConstraint(1, new Set(['1'])));
    expect(yes.value?.split(':')[2]).toMatch(/^a/);
    const no = search.find(explicitConstraint(1, new Set(['0'])));
    expect(no.value?.split(':')[2]).not.toMatch(/^a/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Decision diagrams
// ---------------------------------------------------------------------------------------------------------

const DOMAINS = [3, 2, 2, 4];
const POINTS: number[][] = (() => {
  let out: number[][] = [[]];
  for (const d of DOMAINS) out = out.flatMap((p) => Array.from({ length: d }, (_, i) => [...p, i]));
  return out;
})();

const cubeArb: fc.Arbitrary<Cube> = fc
  .tuple(...DOMAINS.map((d) => fc.option(fc.array(fc.boolean(), { minLength: d, maxLength: d }), { nil: null })))
  .map((sets) => sets.map((s) => (s ? Uint8Array.from(s, (b) => (b ? 1 : 0)) : null)));
const setArb = fc.array(cubeArb, { maxLength: 4 });

describe('decision diagrams', () => {
  it('union, intersection, complement, cofactor and membership agree with explicit sets of points; cubes cover exactly', () => {
    fc.assert(
      fc.property(setArb, setArb, fc.nat({ max: DOMAINS.length - 1 }), fc.nat(), (xs, ys, v, value) => {
        const m = new Mdd(DOMAINS, 100_000);
        const build = (cubes: Cube[]): number => m.orAll(cubes.map((c) => m.cube(c)));
        const inCube = (c: Cube, p: number[]): boolean => c.every((s, i) => !s || s[p[i] as number] === 1);
        const explicit = (cubes: Cube[]): Set<string> => new Set(POINTS.filter((p) => cubes.some((c) => inCube(c, p))).map((p) => p.join()));
        const a = build(xs);
        const b = build(ys);
        const ea = explicit(xs);
        const eb = explicit(ys);
        const val = value % (DOMAINS[v] as number);
        for (const p of POINTS) {
          const k = p.join();
          expect(m.contains(m.and(a, b), p)).toBe(ea.has(k) && eb.has(k));
          expect(m.contains(m.or(a, b), p)).toBe(ea.has(k) || eb.has(k));
          expect(m.contains(m.not(a), p)).toBe(!ea.has(k));
          const q = [...p];
          q[v] = val;
          expect(m.contains(m.restrict(a, v, val), p)).toBe(ea.has(q.join()));
        }
        // Canonical: equal sets are the same node.
        expect(m.or(a, b)).toBe(m.or(b, a));
        expect(a === FALSE).toBe(ea.size === 0);
        expect(a === TRUE).toBe(ea.size === POINTS.length);
        const { cubes } = m.cubes(a, 1000);
        expect(explicit(cubes)).toEqual(ea);
        const pick = m.pick(a);
        if (ea.size === 0) expect(pick).toBeNull();
        else expect(ea.has(pick!.map((x) => (x === -1 ? 0 : x)).join())).toBe(true);
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Typed values
// ---------------------------------------------------------------------------------------------------------

function conditionAtom(operator: string, values: string[]): ValueAtom {
  const parsed = parseOperator(operator);
  if (!parsed.ok) throw new Error(operator);
  const c = compileCondition({ operator: parsed.operator, key: 'k', values, path: '' });
  const holds = (v: string): boolean => evalConditionValues(c, [v]);
  const lit = (x: string, ci: boolean): number[] => (ci ? x.toLowerCase() : x).split('').map((ch) => ch.charCodeAt(0));
  switch (c.op.comparison) {
    case 'equals':
      return { holds, regular: { alternatives: values.map((x) => ({ tokens: lit(x, false), caseInsensitive: false })), negated: c.op.negated }, typed: null, literals: values };
    case 'equals_ignore_case':
      return { holds, regular: { alternatives: values.map((x) => ({ tokens: lit(x, true), caseInsensitive: true })), negated: c.op.negated }, typed: null, literals: values };
    case 'match':
      return { holds, regular: { alternatives: values.map((x) => ({ tokens: globTokens(x), caseInsensitive: false })), negated: c.op.negated }, typed: null, literals: values };
    case 'starts_with':
      return { holds, regular: { alternatives: values.map((x) => ({ tokens: [...lit(x, true), STAR], caseInsensitive: true })), negated: c.op.negated }, typed: null, literals: values };
    case 'ends_with':
      return { holds, regular: { alternatives: values.map((x) => ({ tokens: [STAR, ...lit(x, true)], caseInsensitive: true })), negated: c.op.negated }, typed: null, literals: values };
    default: {
      const family = c.op.family === 'date' ? 'date' : c.op.family === 'ip' ? 'ip' : 'numeric';
      return { holds, regular: null, typed: { family, values }, literals: values };
    }
  }
}

const NUMBERS = ['0', '1', '-1', '300', '3600', '1.5', '1e3', '-0', '.5', '9007199254740993'];
const DATES = ['2026-01-01T00:00:00Z', '2026-01-01', '2025-12-31T23:59:59.999Z', '2026-01-01T00:00:00.0005Z', '0000-01-01', '9999-12-31T23:59:59Z', '2026-01-01T08:00:00+08:00'];
const IPS = ['10.0.0.0/8', '10.1.2.3/32', '192.168.0.0/16', '0.0.0.0/0', '2001:db8::/32', '::/0', '::ffff:10.0.0.0/104', '::1', 'fe80::/10'];

function runs(shape: Shape, s: string): boolean {
  let st = shape.start;
  for (let i = 0; i < s.length && st !== -1; i++) st = shape.step(st, s[i] as string);
  return st !== -1 && shape.accepts(st);
}

describe('syntax automata of the typed readings', () => {
  // Strings near the syntaxes (their characters, in any order) and readable ones, every spelling variant.
  const near = fc.array(fc.constantFrom(...'0123456789.+-eETtZz: aAfF'), { maxLength: 30 }).map((cs) => cs.join(''));
  const numbers = fc.oneof(
    fc.double({ noNaN: true }).map(String),
    fc.integer().map(String),
    fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        fc.stringMatching(/^\d{0,4}$/),
        fc.constantFrom('', '.'),
        fc.stringMatching(/^\d{0,3}$/),
        fc.constantFrom('', 'e', 'E'),
        fc.constantFrom('', '+', '-'),
        fc.stringMatching(/^\d{0,3}$/),
      )
      .map((p) => p.join('')),
  );
  const dates = fc
    .tuple(
      fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
      fc.constantFrom('T', 't', ' '),
      fc.constantFrom('', 'Z', 'z', '+08:00', '-0530', '+01'),
      fc.nat(4),
    )
    .map(([d, sep, zone, cut]) => {
      const iso = d.toISOString().slice(0, 23);
      const body = [
        iso.slice(0, 10),
        `${iso.slice(0, 10)}${sep}${iso.slice(11, 16)}`,
        `${iso.slice(0, 10)}${sep}${iso.slice(11, 19)}`,
        `${iso.slice(0, 10)}${sep}${iso.slice(11, 23)}`,
        `${iso.slice(0, 10)}${sep}${iso.slice(11, 23)}0001`,
      ][cut]!;
      return cut === 0 ? body : body + zone;
    });
  const addresses = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.ipV4().map((a) => `::ffff:${a}`),
    fc.ipV6().map((a) => a.toUpperCase()),
  );
  const cases = [
    { name: 'numbers', shape: SYNTAX.numeric, read: readNumber, arb: fc.oneof(near, numbers) },
    { name: 'dates', shape: SYNTAX.date, read: readDate, arb: fc.oneof(near, dates) },
    { name: 'addresses', shape: SYNTAX.ip, read: readIp, arb: fc.oneof(near, addresses) },
  ] as const;
  for (const { name, shape, read, arb } of cases) {
    it(`${name}: accepts every string the engine reads`, () => {
      let readable = 0;
      fc.assert(
        fc.property(arb, (s) => {
          if ((read as (x: string) => unknown)(s) === undefined) return;
          readable++;
          expect(runs(shape, s), s).toBe(true);
        }),
        { numRuns: 3000, seed: 5 },
      );
      expect(readable).toBeGreaterThan(500);
    });
  }
});

describe('typed value classes', () => {
  it('keys compared both as text and as numbers, dates or addresses: every value falls in a class (one without a value at worst)', () => {
    const STRING_OPS = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringMatch', 'StringNotMatch', 'StringStartWith', 'StringEndWith', 'StringNotEndWith'];
    const TYPED_OPS = ['NumberLessThan', 'NumberGreaterThanEquals', 'NumberEquals', 'DateLessThan', 'DateNotEquals', 'IpAddress', 'NotIpAddress'];
    const WORDS = [...NUMBERS, ...DATES.slice(0, 3), '10.1.2.3', '10.*', '*.5', '1?', '2026-*', 'alice', 'a*', '*-4', ':', '::1'];
    const valueFor = (op: string, w: string): string =>
      op.startsWith('Number')
        ? readNumber(w) !== undefined
          ? w
          : '300'
        : op.startsWith('Date')
          ? readDate(w) !== undefined
            ? w
            : DATES[0]!
          : op.includes('Ip')
            ? IPS.includes(w)
              ? w
              : '10.0.0.0/8'
            : w;
    const probes = fc.oneof(fc.constantFrom(...WORDS, '', 'x', '1e999', '10.0.0.1', '2026-01-01T00:00:00Z'), fc.stringMatching(/^[0-9.+\-eE:a-fTZ]{0,12}$/), fc.double({ noNaN: true }).map(String));
    let uncertain = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...STRING_OPS, ...TYPED_OPS), fc.subarray(WORDS, { minLength: 1, maxLength: 2 })), { minLength: 2, maxLength: 3 }),
        fc.array(probes, { minLength: 30, maxLength: 30 }),
        (conds, ps) => {
          const atoms = conds.map(([op, ws]) =>
            conditionAtom(
              op,
              ws.map((w) => valueFor(op, w)),
            ),
          );
          const { classes, problem } = valueClasses(atoms, { maxLength: 64, workLimit: 1e6 });
          expect(problem).toBeUndefined();
          uncertain += classes.filter((c) => c.rep === null).length;
          const keys = new Set(classes.map((c) => c.vector.join('')));
          for (const p of ps) expect(keys.has(atoms.map((a) => (a.holds(p) ? 1 : 0)).join('')), `${p} ${JSON.stringify(conds)}`).toBe(true);
          for (const c of classes) if (c.rep !== null) expect(atoms.map((a) => (a.holds(c.rep as string) ? 1 : 0)).join('')).toBe(c.vector.join(''));
        },
      ),
      { numRuns: 300, seed: 13 },
    );
    // Deliberately adversarial mixes: some combinations exist but only with unusual spellings (-10000e-4 is
    // -1 and ends with "-4"; ::ffff:a01:1e3 is in 10.0.0.0/8 and ends with "1e3"), which no candidate hits;
    // they stay classes without a value (a result that needs one is UNKNOWN). A bound against regressions.
    expect(uncertain).toBeLessThan(70);
  });

  it('a text class no string of which reads as a number is not combined with the number classes', () => {
    const atoms = [conditionAtom('StringEndWith', ['acc-2', 'true', '10.1.2.3']), conditionAtom('NumberGreaterThanEquals', ['+300'])];
    const { classes } = valueClasses(atoms, { maxLength: 256, workLimit: 1e6 });
    expect(classes.every((c) => c.rep !== null)).toBe(true);
    expect(classes.map((c) => c.vector.join('')).sort()).toEqual(['00', '01', '10']);
  });

  const cases: Array<{ family: string; ops: string[]; values: string[]; probe: fc.Arbitrary<string> }> = [
    {
      family: 'numbers',
      ops: ['NumberEquals', 'NumberNotEquals', 'NumberLessThan', 'NumberLessThanEquals', 'NumberGreaterThan', 'NumberGreaterThanEquals'],
      values: NUMBERS,
      probe: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.integer({ min: -5000, max: 5000 }).map(String), fc.constantFrom(...NUMBERS, 'x', '', '1e999', ' 1')),
    },
    {
      family: 'dates',
      ops: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
      values: DATES,
      probe: fc.oneof(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constantFrom(...DATES, '2026-02-30', 'x', '2026-01-01T00:00:00.00049Z'),
      ),
    },
    {
      family: 'addresses',
      ops: ['IpAddress', 'NotIpAddress'],
      values: IPS,
      probe: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('10.0.0.0', '9.255.255.255', '11.0.0.0', '::ffff:10.1.2.3', '::ffff:0:0', 'fe80::1', 'x')),
    },
  ];
  for (const { family, ops, values, probe } of cases) {
    it(`${family}: every value falls in a class found, and each representative is in its class`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom(...ops), fc.subarray(values, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 3 }),
          fc.array(probe, { minLength: 20, maxLength: 20 }),
          (conds, probes) => {
            const atoms = conds.map(([op, vs]) => conditionAtom(op, vs));
            const { classes, problem } = valueClasses(atoms, { maxLength: 2048, workLimit: 1e5 });
            expect(problem).toBeUndefined();
            const keys = new Set(classes.map((c) => c.vector.join('')));
            for (const c of classes) if (c.rep !== null) expect(atoms.map((a) => (a.holds(c.rep as string) ? 1 : 0)).join('')).toBe(c.vector.join(''));
            for (const p of probes) expect(keys.has(atoms.map((a) => (a.holds(p) ? 1 : 0)).join(''))).toBe(true);
          },
        ),
        { numRuns: 150, seed: 11 },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------------------

describe('the analysis and the engine', () => {
  it('reaches the engine internals through lib/analysis/engine.ts alone', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../lib/analysis/', import.meta.url);
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'engine.ts')
      .filter((f) => /from '\.\.\/engine\//.test(readFileSync(new URL(f, dir), 'utf8')));
    expect(offenders).toEqual([]);
    // Not vacuous: the door itself imports the engine.
    expect(readFileSync(new URL('engine.ts', dir), 'utf8')).toMatch(/from '\.\.\/engine\/decide\.js'/);
  });
});
