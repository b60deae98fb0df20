/**
 * Classes of request values (one context value, a principal field, a region, a resource URN) under the
 * predicates ("atoms") a policy set applies to them, each class with a representative value.
 *
 * The engine compares a value as text (string operators, Bool, the glob of a Resource pattern), or reads
 * it as a number, a date or an IP address first. Text predicates are regular and their classes are exact
 * (lib/analysis/strings.ts). A typed predicate depends only on the value read: numbers and dates by the
 * intervals between the policy's constants, addresses by the segments the CIDR blocks cut the address line
 * into; one value per interval or segment (and one unreadable text) gives every class of a key that only
 * typed operators test. When one key meets both kinds (a StringMatch and a NumberLessThan on the same
 * key), the classes are the combinations observed on many candidates (every text class's shortest
 * string, every typed representative, the policy's own values, and a few splices of them); a combination
 * that was not observed and cannot be ruled out (the text class is not a finite set of literals that were
 * all tried) is kept as a class without a representative: the analysis may not build a witness in it, and
 * answers UNKNOWN if the result depends on it.
 *
 * Every class's vector is the engine's own answer for its representative (the `holds` of each atom calls
 * the engine's condition or glob code); the automaton only proposes. When the two disagree the analysis
 * stops with UNKNOWN (a bug, never a guess).
 */
import { readDate, readIp, readIpRange, readNumber, type IpRange } from '../policy/values.js';
import { allowedString, exploreClasses, type RegularAtom, type Shape } from './strings.js';

export type TypedFamily = 'numeric' | 'date' | 'ip';

export interface ValueAtom {
  /** The engine's answer for one value. */
  holds(value: string): boolean;
  /** The atom as text predicates, when it is one. */
  regular: RegularAtom | null;
  /** The atom as a typed comparison: its family and policy values. */
  typed: { family: TypedFamily; values: readonly string[] } | null;
  /** Values worth trying (the policy's own). */
  literals: readonly string[];
}

export interface ValueClass {
  /** Truth of each atom. */
  vector: Uint8Array;
  /** A value of the class; null when the class could not be ruled out but no value of it was found. */
  rep: string | null;
}

export interface ValueClasses {
  classes: ValueClass[];
  /** Set when the classes could not be computed exactly (the caller answers UNKNOWN where they matter). */
  problem?: string;
  /** Automaton steps taken. */
  work: number;
}

export interface ValueSpace {
  /** Readable values to use as representatives where they fall in a class (tried first, preferred). */
  nice?: readonly string[];
  maxLength: number;
  shape?: Shape;
  /** Characters values may not contain. */
  excluded?: string;
  workLimit: number;
}

const vectorKey = (v: Uint8Array): string => v.join('');

export function valueClasses(atoms: readonly ValueAtom[], space: ValueSpace): ValueClasses {
  const regularIdx: number[] = [];
  const typedIdx: number[] = [];
  atoms.forEach((a, i) => (a.regular ? regularIdx : typedIdx).push(i));
  const explored = exploreClasses(
    regularIdx.map((i) => (atoms[i] as ValueAtom).regular as RegularAtom),
    { maxLength: space.maxLength, workLimit: space.workLimit, ...(space.shape ? { shape: space.shape } : {}), ...(space.excluded ? { excluded: space.excluded } : {}) },
  );
  const work = explored.work;
  if (explored.problem !== undefined) return { classes: [], problem: explored.problem, work };

  const allowed = (s: string): boolean => allowedString(s, space);
  const observed = new Map<string, ValueClass>();
  const niceKeys = new Set<string>();
  const observe = (s: string, nice = false): Uint8Array | null => {
    if (!allowed(s)) return null;
    const v = new Uint8Array(atoms.length);
    for (let i = 0; i < atoms.length; i++) v[i] = (atoms[i] as ValueAtom).holds(s) ? 1 : 0;
    const key = vectorKey(v);
    const seen = observed.get(key);
    if (niceKeys.has(key)) return v;
    if (nice) niceKeys.add(key);
    if (nice || !seen || seen.rep === null || s.length < seen.rep.length) observed.set(key, { vector: v, rep: s });
    return v;
  };
  for (const s of space.nice ?? []) observe(s, true);

  // Text classes: the engine must agree with the automaton on each shortest string.
  for (const c of explored.classes) {
    const v = observe(c.rep);
    if (!v) return { classes: [], problem: `internal: the automaton proposed "${c.rep}", which the request space does not allow`, work };
    for (let j = 0; j < regularIdx.length; j++) {
      if (v[regularIdx[j] as number] !== c.vector[j]) {
        return { classes: [], problem: `internal: the automaton and the engine disagree on "${c.rep}"`, work };
      }
    }
  }
  if (typedIdx.length === 0) return { classes: [...observed.values()], work };

  // Typed atoms: representatives of every interval / segment, the policy's values, splices.
  const families = new Map<TypedFamily, string[]>();
  for (const i of typedIdx) {
    const t = (atoms[i] as ValueAtom).typed;
    if (!t) continue;
    const list = families.get(t.family) ?? [];
    list.push(...t.values);
    families.set(t.family, list);
  }
  const typedReps: string[] = [];
  for (const [family, values] of families) typedReps.push(...typedRepresentatives(family, values));
  const unreadable = 'x';
  for (const t of typedReps) observe(t);
  observe(unreadable);
  observe('');
  for (const a of atoms) for (const l of a.literals) for (const x of [l, l.toLowerCase(), l.toUpperCase()]) observe(x);
  // Splices: a text class's string made a number, a date or an address (or unreadable) by what it gets
  // before or after it (`-4` becomes 1e-4 and 100000e-4).
  const PREFIXES = ['0', '1', '5', '.5', 'x', ' ', ':', '/', '1e', '100000e', '-1e', '-100000e', '0.', '::'];
  const SUFFIXES = ['0', '1', '5', '.5', 'e9', 'e-9', 'x', ' ', ':', '/', '0000', '::'];
  for (const c of explored.classes) {
    for (const s of SUFFIXES) observe(c.rep + s);
    for (const s of PREFIXES) observe(s + c.rep);
    for (const t of typedReps.slice(0, 24)) {
      observe(c.rep + t);
      observe(t + c.rep);
    }
  }

  // Which text classes hold a string that may be read as each family: the syntax a reading needs, run as
  // an automaton beside the text atoms (an exact walk over both).
  const fams = [...families.keys()];
  const regular = regularIdx.map((i) => (atoms[i] as ValueAtom).regular as RegularAtom);
  const refined = exploreClasses(regular, {
    maxLength: space.maxLength,
    workLimit: space.workLimit,
    syntaxes: fams.map((f) => SYNTAX[f]),
    ...(space.shape ? { shape: space.shape } : {}),
    ...(space.excluded ? { excluded: space.excluded } : {}),
  });
  const readable = new Map<string, Set<TypedFamily>>();
  if (refined.complete) {
    for (const c of refined.classes) {
      observe(c.rep);
      const base = Array.from(c.vector.subarray(0, regular.length)).join('');
      let set = readable.get(base);
      if (!set) readable.set(base, (set = new Set()));
      fams.forEach((f, k) => {
        if (c.vector[regular.length + k] === 1) set!.add(f);
      });
    }
  }

  // Combinations not observed: a text class that is a finite set of tried literals, or none of whose
  // strings can be read as the family, rules them out; otherwise the class stays, without a representative.
  const typedSituations: Array<{ vector: Uint8Array; family: TypedFamily | null }> = [];
  const seenSituations = new Set<string>();
  for (const t of [unreadable, ...typedReps]) {
    const v = new Uint8Array(atoms.length);
    for (const i of typedIdx) v[i] = (atoms[i] as ValueAtom).holds(t) ? 1 : 0;
    const key = typedIdx.map((i) => v[i]).join('');
    if (seenSituations.has(key)) continue;
    seenSituations.add(key);
    typedSituations.push({ vector: v, family: t === unreadable ? null : familyReading(t, fams) });
  }
  for (const c of explored.classes) {
    if (finiteLiteralClass(regular, c.vector)) continue;
    const canRead = refined.complete ? (readable.get(c.vector.join('')) ?? new Set<TypedFamily>()) : new Set(fams);
    for (const t of typedSituations) {
      if (t.family !== null && !canRead.has(t.family)) continue;
      const v = Uint8Array.from(t.vector);
      regularIdx.forEach((i, j) => (v[i] = c.vector[j] as number));
      const key = vectorKey(v);
      if (!observed.has(key)) observed.set(key, { vector: v, rep: null });
    }
  }
  return { classes: [...observed.values()], work };
}

/**
 * Whether every string of the text class reads, as a number, date or address, like one of finitely many
 * literals the policy names: some atom the class satisfies positively is a list of literals without
 * wildcards. A case-insensitive literal stands for its case variants, which the typed readers read alike
 * (they read ASCII only, letters in either case); the literal in lower and upper case were tried.
 */
function finiteLiteralClass(atoms: readonly RegularAtom[], vector: Uint8Array): boolean {
  return atoms.some((a, j) => {
    const matched = (vector[j] === 1) !== a.negated;
    return matched && a.alternatives.length > 0 && a.alternatives.every((alt) => alt.tokens.every((t) => t >= 0));
  });
}

// ---------------------------------------------------------------------------------------------------------
// Syntax of the typed readings (lib/policy/values.ts), as small automata over characters. Each accepts at
// least every string its reader reads (numbers and dates exactly their regular expressions; addresses a
// superset), so a text class none of whose strings they accept is never read as that family.
// ---------------------------------------------------------------------------------------------------------

type Table = Record<number, Partial<Record<string, number>>>;

function syntax(chars: string, classOf: (c: string) => string, table: Table, accepting: readonly number[]): Shape {
  const ids = new Map<string, number>();
  return {
    start: 0,
    step: (state, c) => table[state]?.[classOf(c)] ?? -1,
    accepts: (state) => accepting.includes(state),
    classOf: (c) => {
      const k = classOf(c);
      let id = ids.get(k);
      if (id === undefined) ids.set(k, (id = ids.size + 1));
      return id;
    },
    chars,
  };
}

const DIGITS = '0123456789';
const isDigit = (c: string): boolean => c.length === 1 && c >= '0' && c <= '9';

/** `^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$` */
const NUMBER_SYNTAX = syntax(
  `${DIGITS}+-.eE`,
  (c) => (isDigit(c) ? 'd' : c === '+' || c === '-' ? 's' : c === '.' ? '.' : c === 'e' || c === 'E' ? 'e' : 'x'),
  { 0: { d: 2, s: 1, '.': 5 }, 1: { d: 2, '.': 5 }, 2: { d: 2, '.': 3, e: 6 }, 3: { d: 4, e: 6 }, 4: { d: 4, e: 6 }, 5: { d: 4 }, 6: { d: 8, s: 7 }, 7: { d: 8 }, 8: { d: 8 } },
  [2, 3, 4, 8],
);

/** `^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?)?$` */
const DATE_SYNTAX = syntax(
  `${DIGITS}-:Tt Zz+.`,
  (c) => (isDigit(c) ? 'd' : c === 'T' || c === 't' || c === ' ' ? 'T' : c === 'Z' || c === 'z' ? 'Z' : c === '-' ? '-' : c === '+' ? '+' : c === ':' ? ':' : c === '.' ? '.' : 'x'),
  {
    0: { d: 1 },
    1: { d: 2 },
    2: { d: 3 },
    3: { d: 4 },
    4: { '-': 5 },
    5: { d: 6 },
    6: { d: 7 },
    7: { '-': 8 },
    8: { d: 9 },
    9: { d: 10 },
    10: { T: 11 },
    11: { d: 12 },
    12: { d: 13 },
    13: { ':': 14 },
    14: { d: 15 },
    15: { d: 16 },
    16: { ':': 17, Z: 22, '+': 23, '-': 23 },
    17: { d: 18 },
    18: { d: 19 },
    19: { '.': 20, Z: 22, '+': 23, '-': 23 },
    20: { d: 21 },
    21: { d: 21, Z: 22, '+': 23, '-': 23 },
    23: { d: 24 },
    24: { d: 25 },
    25: { ':': 26, d: 27 },
    26: { d: 27 },
    27: { d: 28 },
  },
  [10, 16, 19, 21, 22, 25, 28],
);

/** IPv4 `d{1,3}(.d{1,3}){3}`, or any text of hex digits, `:` and `.` with a `:` (a superset of IPv6). */
const IP_SYNTAX: Shape = (() => {
  const HEX_LETTERS = 'abcdefABCDEF';
  const table: Table = {};
  // V(k, c) = 4k + c: k dots seen, c digits in the group; 16: hex text without ':'; 17: with ':'.
  for (let k = 0; k < 4; k++) {
    for (let c = 0; c < 4; c++) {
      const at = 4 * k + c;
      table[at] = { d: c < 3 ? at + 1 : 16, '.': c >= 1 && k < 3 ? 4 * (k + 1) : 16, h: 16, ':': 17 };
    }
  }
  table[16] = { d: 16, h: 16, '.': 16, ':': 17 };
  table[17] = { d: 17, h: 17, '.': 17, ':': 17 };
  return syntax(`${DIGITS}${HEX_LETTERS}:.`, (c) => (isDigit(c) ? 'd' : c.length === 1 && HEX_LETTERS.includes(c) ? 'h' : c === '.' ? '.' : c === ':' ? ':' : 'x'), table, [13, 14, 15, 17]);
})();

export const SYNTAX: Record<TypedFamily, Shape> = { numeric: NUMBER_SYNTAX, date: DATE_SYNTAX, ip: IP_SYNTAX };

/** The family a typed representative is read in. */
function familyReading(s: string, fams: readonly TypedFamily[]): TypedFamily | null {
  for (const f of fams) {
    if (f === 'numeric' && readNumber(s) !== undefined) return f;
    if (f === 'date' && readDate(s) !== undefined) return f;
    if (f === 'ip' && readIp(s) !== undefined) return f;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Typed representatives
// ---------------------------------------------------------------------------------------------------------

export function typedRepresentatives(family: TypedFamily, values: readonly string[]): string[] {
  switch (family) {
    case 'numeric':
      return numberRepresentatives(values.map(readNumber).filter((n): n is number => n !== undefined));
    case 'date':
      return dateRepresentatives(values);
    case 'ip':
      return ipRepresentatives(values.map(readIpRange).filter((r): r is IpRange => r !== undefined));
  }
}

/** Each constant, a value strictly between neighbours, one below the least and one above the greatest. */
function numberRepresentatives(constants: number[]): string[] {
  const cs = [...new Set(constants.map((c) => (Object.is(c, -0) ? 0 : c)))].sort((a, b) => a - b);
  if (cs.length === 0) return ['0'];
  const out: number[] = [];
  const first = cs[0] as number;
  const below = first - Math.max(1, Math.abs(first));
  if (Number.isFinite(below) && below < first) out.push(below);
  cs.forEach((c, i) => {
    out.push(c);
    const next = cs[i + 1];
    if (next !== undefined) {
      const mid = c + (next - c) / 2;
      if (mid > c && mid < next) out.push(mid);
    }
  });
  const last = cs[cs.length - 1] as number;
  const above = last + Math.max(1, Math.abs(last));
  if (Number.isFinite(above) && above > last) out.push(above);
  return out.map((n) => String(n)).filter((s) => readNumber(s) !== undefined);
}

/** An ISO 8601 spelling of an epoch-millisecond time (fractions of a millisecond as more digits). */
function formatDate(t: number): string | null {
  if (!Number.isFinite(t)) return null;
  const ms = Math.floor(t);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return null;
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) return null;
  let s = d.toISOString();
  const frac = t - ms;
  if (frac > 0) s = `${s.slice(0, -1)}${frac.toFixed(9).slice(2).replace(/0+$/, '')}Z`;
  return s;
}

const EARLIEST_DATE = '0000-01-01T00:00:00+23:59';
const LATEST_DATE = '9999-12-31T24:00:00-23:59';

function dateRepresentatives(values: readonly string[]): string[] {
  const constants = new Map<number, string>();
  for (const v of values) {
    const t = readDate(v);
    if (t !== undefined && !constants.has(t)) constants.set(t, v);
  }
  const out: string[] = [EARLIEST_DATE, LATEST_DATE];
  const cs = [...constants.keys()].sort((a, b) => a - b);
  /** A spelling that reads strictly inside (lo, hi), trying a few times. */
  const inside = (lo: number, hi: number, tries: number[]): void => {
    for (const t of tries) {
      const s = formatDate(t);
      if (s === null) continue;
      const r = readDate(s);
      if (r !== undefined && r > lo && r < hi) {
        out.push(s);
        return;
      }
    }
  };
  cs.forEach((c, i) => {
    out.push(constants.get(c) as string);
    const next = cs[i + 1];
    if (next !== undefined) inside(c, next, [c + (next - c) / 2, c + 1, c + 0.5, next - 1]);
  });
  if (cs.length > 0) {
    const first = cs[0] as number;
    const last = cs[cs.length - 1] as number;
    inside(-Infinity, first, [first - 86_400_000, first - 1, first - 0.001]);
    inside(last, Infinity, [last + 86_400_000, last + 1, last + 0.001]);
  } else out.push('2026-01-01T00:00:00Z');
  return out;
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;
const MAPPED_START = 0xffffn << 32n;
const MAPPED_END = MAPPED_START | 0xffffffffn;

function rangeBounds(r: IpRange): [bigint, bigint] {
  const bits = r.v === 4 ? 32 : 128;
  let value = 0n;
  for (const w of r.words) value = (value << 32n) | BigInt(w >>> 0);
  const host = BigInt(bits - r.prefix);
  const start = (value >> host) << host;
  return [start, start | ((1n << host) - 1n)];
}

function formatIp(v: 4 | 6, n: bigint): string {
  if (v === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

/** An address at each end of every block, just outside each, and at each end of both address lines. */
function ipRepresentatives(ranges: readonly IpRange[]): string[] {
  const out: string[] = [];
  for (const v of [4, 6] as const) {
    const max = v === 4 ? V4_MAX : V6_MAX;
    const points = new Set<bigint>([0n, max]);
    if (v === 6) for (const p of [MAPPED_START - 1n, MAPPED_END + 1n]) points.add(p);
    for (const r of ranges) {
      if (r.v !== v) continue;
      const [start, end] = rangeBounds(r);
      for (const p of [start - 1n, start, end, end + 1n]) points.add(p);
    }
    for (const p of points) {
      if (p < 0n || p > max) continue;
      if (v === 6 && p >= MAPPED_START && p <= MAPPED_END) continue;
      out.push(formatIp(v, p));
    }
  }
  return out;
}
