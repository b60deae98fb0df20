/**
 * Coverage of a family of resources by a Resource list: whether the globs `patterns` (`*`, `?`, literals)
 * together match every string of the star pattern `family` (literals and `*`; a `?` in it is a literal).
 * An Allow whose Resource list covers the family applies to every member; a Deny whose NotResource list
 * covers it applies to none (lib/engine/families.ts). docs/limits.md states the bounds proved here.
 *
 * The hardest members: a run of the family (one `*`) is hardest when made of a character no pattern names
 * (only `?` and `*` match it): if the patterns match `l0 O^n1 l1 ... O^nm lm` for every run length n, they
 * match every member (a pattern that matches the former matches the latter with the same alignment). So
 * coverage is a question about those strings, decided in three stages, cheapest first:
 *
 *  1. Alignment (exact for patterns without `?`, sufficient with): a pattern covers the family when it
 *     matches the family with each run replaced by one character that only the pattern's `*` may match:
 *     every run is then absorbed whole by a `*`, whatever its length. Greedy, leftmost parts, bit-parallel:
 *     at most |family| x ceil(longest part / 32) + |pattern| steps per pattern.
 *  2. Witnesses (exact when they refute): the members with every run empty, every run one character long,
 *     and every run as long as the longest run of `?` plus one (at most 64). A witness no pattern matches
 *     is a member outside the list: the family is not covered. At most 3 x (|witness| x ceil(part / 32)
 *     + |pattern|) steps per pattern.
 *  3. Exploration (exact when it finishes): the patterns' automaton run over the family, keeping every
 *     set of positions a choice of run lengths can lead to (a set is pruned to what its latest `*` cannot
 *     already do); each pattern with `?` alone first (shortest first, within half the bound: no product
 *     of several patterns' positions), then all of them together. This is where the problem is hard:
 *     whether several patterns with `?` cover a family together is coNP-complete (docs/limits.md gives the
 *     reduction from SAT), so no polynomial method is exact. The exploration stops after EXPLORE_STEPS
 *     steps; the answer is then UNDECIDED, which callers read as "does not cover" (fail closed: an Allow
 *     does not apply, a NotResource Deny does) and report in the response's warnings.
 *
 * Without `?` in any pattern, stage 1 alone is exact (several star patterns cover together only if one
 * does: a member whose runs are long runs of an unnamed character needs one pattern's stars for all).
 */
import { work } from '../steps.js';
import type { Glob } from './glob.js';

export const COVERS = 1;
export const NOT_COVERED = 2;
/** Not decided within the exploration's bound: read as NOT_COVERED by every caller. */
export const UNDECIDED = 3;
export type Coverage = typeof COVERS | typeof NOT_COVERED | typeof UNDECIDED;

/** The exploration's bound, in steps (automaton states stepped). */
export const EXPLORE_STEPS = 20_000;

/** The witnesses' runs are at most this long (bounds the witness strings: see coverCost). */
const MAX_WITNESS_RUN = 64;

const STAR = 42;
const QUESTION = 63;

/** What the cost bound of a pattern list needs, computed once per list. */
export interface ListShape {
  /** Characters of all patterns. */
  chars: number;
  patterns: number;
  /** Sum over the patterns of the words (32 characters) of their longest part between stars. */
  words: number;
  /** Some pattern has a `?`. */
  question: boolean;
  /** The longest run of `?` in any pattern. */
  questionRun: number;
}

export function listShape(patterns: readonly string[]): ListShape {
  let chars = 0;
  let words = 0;
  let question = false;
  let questionRun = 0;
  for (const p of patterns) {
    chars += p.length;
    let part = 0;
    let longest = 0;
    let run = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c === STAR) {
        part = 0;
        run = 0;
        continue;
      }
      part++;
      if (part > longest) longest = part;
      if (c === QUESTION) {
        question = true;
        run++;
        if (run > questionRun) questionRun = run;
      } else run = 0;
    }
    words += wordsOf(longest);
  }
  work.steps += chars;
  return { chars, patterns: patterns.length, words, question, questionRun };
}

const wordsOf = (n: number): number => (n + 31) >>> 5 || 1;

/** What the cost bound of a family needs. */
export interface FamilyShape {
  length: number;
  /** Runs (maximal sequences of `*`). */
  runs: number;
}

export function familyShape(family: string): FamilyShape {
  let runs = 0;
  for (let i = 0; i < family.length; i++) if (family.charCodeAt(i) === STAR && (i === 0 || family.charCodeAt(i - 1) !== STAR)) runs++;
  return { length: family.length, runs };
}

function witnessRun(list: ListShape, family: FamilyShape): number {
  const run = Math.min(list.questionRun + 1, MAX_WITNESS_RUN);
  // A witness is at most 4,096 characters longer than the family.
  return family.runs * run > 4096 ? Math.max(1, Math.floor(4096 / Math.max(1, family.runs))) : run;
}

/**
 * An upper bound of the steps `cover` takes for these shapes (the work limits add it up before any work:
 * lib/engine/limits.ts). Compiling the list: a few passes over its characters. Each test of a pattern
 * against a text T (the aligned family, a witness): twice T's length times the words of the pattern's
 * longest part (the scan, and the character masks it makes), plus its length twice. Stage 2 makes three
 * witnesses; stage 3 is bounded by EXPLORE_STEPS, plus the step that crosses it (every position of the
 * automaton, weighed) and building the automaton.
 */
export function coverCost(list: ListShape, family: FamilyShape, explore = true): number {
  const k = list.patterns;
  const compile = 5 * list.chars + 2 * k;
  const test = (text: number): number => 2 * text * list.words + 2 * list.chars + 3 * k;
  const start = compile + 2 * family.length + k + test(family.length);
  if (!list.question) return start;
  const run = witnessRun(list, family);
  let witnesses = 0;
  for (const n of [0, 1, run]) {
    const length = family.length + family.runs * n;
    witnesses += length + test(length);
  }
  // Exploration: the shared bound, plus per automaton (each pattern alone, then all) its building and the
  // one step that crosses the bound (every position, weighed): twice the positions in all.
  const positions = list.chars + k;
  return start + witnesses + (explore ? EXPLORE_STEPS + 2 * (2 + 8 * STEP_WEIGHT) * positions : 0);
}

/** Code units marked while looking for one no pattern uses (module-level: cleared after each use). */
let used: Uint8Array | undefined;

/** A UTF-16 code unit that occurs in no pattern (from the private use area up; there are more than patterns have characters). */
function unusedCode(patterns: readonly string[]): number {
  const marks = (used ??= new Uint8Array(65536));
  for (const p of patterns) for (let i = 0; i < p.length; i++) marks[p.charCodeAt(i)] = 1;
  let code = 0xe000;
  while (marks[code] === 1) code = (code + 1) & 0xffff;
  for (const p of patterns) for (let i = 0; i < p.length; i++) marks[p.charCodeAt(i)] = 0;
  return code;
}

const collapse = (s: string): string => (s.indexOf('**') === -1 ? s : s.replace(/\*{2,}/g, '*'));

/** A part of a pattern between stars, ready for shift-and searches (masks made per text character: see glob.ts). */
interface Part {
  text: string;
  words: number;
  /** Positions holding a `?`. */
  question: Int32Array;
  /** Positions of each character the part names. */
  at: Map<number, number[]>;
  /** Masks of the text characters met so far (cleared before a scan when MASKS_KEPT are kept). */
  masks: Map<number, Int32Array>;
}

const MASKS_KEPT = 256;

interface Matcher {
  /** No `*`: the whole pattern is one part compared in place. */
  star: boolean;
  head: string;
  tail: string;
  middle: Part[];
  length: number;
}

/** A Resource list compiled for coverage questions (a memo keeps it per list: lib/engine/families.ts). */
export interface CoverList {
  /** The patterns with runs of `*` collapsed. */
  patterns: string[];
  shape: ListShape;
  /** Some pattern is made only of `*`. */
  any: boolean;
  /** A code unit no pattern uses: the hardest character of a run. */
  blank: number;
  matchers: Matcher[];
  /** The exploration's automata (all patterns; each alone), made when first needed. */
  automaton: Automaton | null;
  singles: Array<Automaton | undefined>;
  /** Pattern positions, shortest pattern first. */
  byLength: number[];
}

export function compileCoverList(patterns: readonly string[]): CoverList {
  const ps = patterns.map(collapse);
  const shape = listShape(ps);
  const blank = unusedCode(ps);
  work.steps += 2 * shape.chars;
  return {
    patterns: ps,
    shape,
    any: ps.includes('*'),
    blank,
    matchers: ps.map((p) => matcherOf(p)),
    automaton: null,
    singles: [],
    byLength: ps.map((_, i) => i).sort((x, y) => (ps[x] as string).length - (ps[y] as string).length || x - y),
  };
}

function matcherOf(p: string): Matcher {
  const parts = p.split('*');
  const middle = parts.slice(1, -1).map(partOf);
  return { star: parts.length > 1, head: parts[0] as string, tail: parts[parts.length - 1] as string, middle, length: p.length };
}

function partOf(text: string): Part {
  const m = text.length;
  const words = (m + 31) >>> 5 || 1;
  const question = new Int32Array(words);
  const at = new Map<number, number[]>();
  for (let j = 0; j < m; j++) {
    const c = text.charCodeAt(j);
    if (c === QUESTION) question[j >>> 5]! |= 1 << (j & 31);
    else {
      const list = at.get(c);
      if (list) list.push(j);
      else at.set(c, [j]);
    }
  }
  work.steps += m + words;
  return { text, words, question, at, masks: new Map() };
}

/** The mask of a text character: the part's positions that accept it (`?` ones unless it is `blank` and blanks are not wild). */
function maskOf(part: Part, c: number, blank: number, blankIsWild: boolean): Int32Array {
  const key = c === blank && !blankIsWild ? -1 : c;
  let row = part.masks.get(key);
  if (row === undefined) {
    row = key === -1 ? new Int32Array(part.words) : part.question.slice();
    const at = key === -1 ? undefined : part.at.get(c);
    if (at) for (const j of at) row[j >>> 5]! |= 1 << (j & 31);
    work.steps += part.words + (at?.length ?? 0);
    part.masks.set(key, row);
  }
  return row;
}

/** Whether the patterns match every member of the family (see the module comment); without `explore`, stage 3 is skipped (UNDECIDED). */
export function cover(patterns: readonly string[], family: string, explore = true): Coverage {
  return coverWith(compileCoverList(patterns), family, explore);
}

export function coverWith(list: CoverList, family: string, explore = true): Coverage {
  if (list.any) return COVERS;
  const q = collapse(family);
  const blankChar = String.fromCharCode(list.blank);
  work.steps += 2 * q.length + list.matchers.length;
  // 1. Alignment: each run of the family as one character only a `*` matches.
  const aligned = q.split('*').join(blankChar);
  for (const m of list.matchers) if (matches(m, aligned, list.blank, false)) return COVERS;
  if (!list.shape.question) return NOT_COVERED;
  // 2. Witnesses: members no pattern may match.
  const run = witnessRun(list.shape, familyShape(q));
  for (const n of [0, 1, run]) {
    const witness = q.split('*').join(blankChar.repeat(n));
    work.steps += witness.length;
    let matched = false;
    for (const m of list.matchers) {
      if (matches(m, witness, list.blank, true)) {
        matched = true;
        break;
      }
    }
    if (!matched) return NOT_COVERED;
  }
  // 3. Exploration: each pattern with `?` alone, shortest first (cheap: no product of several patterns'
  // positions), within half the bound; then all of them together, with what is left.
  if (!explore) return UNDECIDED;
  let left = EXPLORE_STEPS;
  const k = list.patterns.length;
  if (k > 1) {
    const half = EXPLORE_STEPS / 2;
    for (const i of list.byLength) {
      if (EXPLORE_STEPS - left >= half) break;
      if ((list.patterns[i] as string).indexOf('?') === -1) continue; // stage 1 was exact for it
      const alone = (list.singles[i] ??= automatonOf([list.patterns[i] as string]));
      const r = exploreCoverage(alone, q, list.blank, half - (EXPLORE_STEPS - left));
      left -= r.steps;
      if (r.answer === COVERS) return COVERS;
    }
  }
  return exploreCoverage((list.automaton ??= automatonOf(list.patterns)), q, list.blank, Math.max(0, left)).answer;
}

// ------------------------------------------------------------------------------------------------------
// Greedy glob matching over a text in which `blank` is matched by `*` and, if `blankIsWild`, by `?` too
// (never by a literal: no pattern has it). Parts are placed at their leftmost occurrences: exact for
// parts separated by `*`. Each middle part is searched for by a shift-and scan of the text between the
// previous part and the tail; the scans do not overlap, so a test is at most |text| x words(longest
// part) + |pattern| steps.

let scratch = new Int32Array(64);

function matches(m: Matcher, text: string, blank: number, blankIsWild: boolean): boolean {
  work.steps += m.head.length + m.tail.length + m.middle.length + 1;
  if (!m.star) return m.length === text.length && partAt(m.head, text, 0, blank, blankIsWild);
  const end = text.length - m.tail.length;
  if (m.head.length > end) return false;
  if (!partAt(m.head, text, 0, blank, blankIsWild) || !partAt(m.tail, text, end, blank, blankIsWild)) return false;
  let pos = m.head.length;
  for (const part of m.middle) {
    const found = findPart(part, text, pos, end, blank, blankIsWild);
    if (found === -1) return false;
    pos = found + part.text.length;
  }
  return pos <= end;
}

function partAt(part: string, text: string, at: number, blank: number, blankIsWild: boolean): boolean {
  for (let j = 0; j < part.length; j++) {
    const c = part.charCodeAt(j);
    const t = text.charCodeAt(at + j);
    if (c === QUESTION ? t === blank && !blankIsWild : c !== t) return false;
  }
  return true;
}

/** Leftmost occurrence of the part in text[from, end) (ending by `end`), or -1. */
function findPart(part: Part, text: string, from: number, end: number, blank: number, blankIsWild: boolean): number {
  const m = part.text.length;
  if (m === 0) return from <= end ? from : -1;
  if (part.masks.size >= MASKS_KEPT) part.masks.clear();
  const words = part.words;
  if (scratch.length < words) scratch = new Int32Array(2 * words);
  const state = scratch;
  state.fill(0, 0, words);
  const top = words - 1;
  const topBit = 1 << ((m - 1) & 31);
  for (let i = from; i < end; i++) {
    const row = maskOf(part, text.charCodeAt(i), blank, blankIsWild);
    let carry = 1;
    for (let w = 0; w < words; w++) {
      const d = state[w] as number;
      state[w] = ((d << 1) | carry) & (row[w] as number);
      carry = d >>> 31;
    }
    if (((state[top] as number) & topBit) !== 0) {
      // Only what was scanned: the next part's scan starts after this occurrence.
      work.steps += (i + 1 - from) * words;
      return i - m + 1;
    }
  }
  work.steps += (end - from) * words + 1;
  return -1;
}

// ------------------------------------------------------------------------------------------------------
// Exploration: the patterns' positions as one automaton; a set of positions after each character of the
// family, for every choice of run lengths; a run is read as `blank` characters until the sets repeat.
// A set is a sorted array of positions; sets are told apart by a hash and a comparison.

interface Automaton {
  /** The character at each position; -1 at a pattern's end. */
  codes: Int32Array;
  /** The pattern of each position. */
  owner: Int32Array;
  starts: number[];
  /** Scratch: a stamp per position (duplicates within a step). */
  seen: Int32Array;
  stamp: number;
}

function automatonOf(ps: readonly string[]): Automaton {
  let n = 0;
  for (const p of ps) n += p.length + 1;
  const codes = new Int32Array(n);
  const owner = new Int32Array(n);
  const starts: number[] = [];
  let at = 0;
  ps.forEach((p, k) => {
    starts.push(at);
    for (let i = 0; i < p.length; i++) {
      codes[at] = p.charCodeAt(i);
      owner[at++] = k;
    }
    codes[at] = -1;
    owner[at++] = k;
  });
  work.steps += n;
  return { codes, owner, starts, seen: new Int32Array(n + 1), stamp: 0 };
}

/** Steps one exploration step counts per position it handles (stepping, ordering, pruning, hashing). */
const STEP_WEIGHT = 12;
/** Sets of one hash compared before a set is taken as new. */
const MAX_BUCKET = 4;

/** Explores within `budget` steps; returns the answer and the steps taken (also added to the counter). */
function exploreCoverage(a: Automaton, q: string, blank: number, budget: number): { answer: Coverage; steps: number } {
  const { codes, owner, seen } = a;
  let steps = 0;
  const out: number[] = [];
  const add = (s: number): void => {
    if (seen[s] === a.stamp) return;
    seen[s] = a.stamp;
    out.push(s);
    if (codes[s] === STAR) add(s + 1); // a `*` may match nothing (stars are collapsed: s + 1 is not one)
  };
  /** The closed, pruned set of `states` (drops positions of a pattern before its latest `*` in the set: that `*` matches all they could). */
  const settle = (): number[] => {
    // Each position moved by at most 2 from its origin, which was sorted: insertion sort is linear here.
    for (let i = 1; i < out.length; i++) {
      const x = out[i] as number;
      let j = i - 1;
      while (j >= 0 && (out[j] as number) > x) {
        out[j + 1] = out[j] as number;
        j--;
      }
      out[j + 1] = x;
    }
    const kept: number[] = [];
    for (let i = out.length - 1, pattern = -1, starSeen = false; i >= 0; i--) {
      const s = out[i] as number;
      if (owner[s] !== pattern) {
        pattern = owner[s] as number;
        starSeen = false;
      }
      if (starSeen) continue;
      if (codes[s] === STAR) starSeen = true;
      kept.push(s);
    }
    steps += STEP_WEIGHT * out.length;
    out.length = 0;
    return kept.reverse();
  };
  const step = (set: readonly number[], c: number): number[] => {
    a.stamp++;
    for (const s of set) {
      const code = codes[s] as number;
      if (code === STAR) add(s);
      else if (code === QUESTION || (code === c && c >= 0)) add(s + 1);
    }
    return settle();
  };
  /** Sets by hash; a set is added once. */
  type Bucket = Map<number, number[][]>;
  const hashOf = (set: readonly number[]): number => {
    let h = 0x811c9dc5;
    for (const s of set) h = Math.imul(h ^ s, 0x01000193);
    return h >>> 0;
  };
  const same = (x: readonly number[], y: readonly number[]): boolean => {
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  };
  /** Adds the set to the bucket; false if it was there. */
  const put = (bucket: Bucket, set: number[]): boolean => {
    const h = hashOf(set);
    const list = bucket.get(h);
    if (!list) {
      bucket.set(h, [set]);
      return true;
    }
    // At most MAX_BUCKET sets per hash are compared (past them a set counts as new: never wrong, only slower).
    for (let i = 0; i < list.length && i < MAX_BUCKET; i++) {
      steps += set.length;
      if (same(list[i] as number[], set)) return false;
    }
    list.push(set);
    return true;
  };
  const finish = (answer: Coverage): { answer: Coverage; steps: number } => {
    work.steps += steps;
    return { answer, steps };
  };
  a.stamp++;
  for (const s of a.starts) add(s);
  let sets: number[][] = [settle()];
  for (let j = 0; j < q.length; j++) {
    const c = q.charCodeAt(j);
    const next: Bucket = new Map();
    const list: number[][] = [];
    for (const set of sets) {
      if (c !== STAR) {
        const s = step(set, c);
        if (s.length === 0) return finish(NOT_COVERED);
        if (put(next, s)) list.push(s);
      } else {
        // Every run length: the set, then after one, two, ... blank characters, until a set repeats.
        for (let cur = set; put(next, cur); ) {
          list.push(cur);
          cur = step(cur, blank);
          if (cur.length === 0) return finish(NOT_COVERED);
          if (steps > budget) return finish(UNDECIDED);
        }
      }
      if (steps > budget) return finish(UNDECIDED);
    }
    sets = list;
  }
  for (const set of sets) if (!set.some((s) => codes[s] === -1)) return finish(NOT_COVERED);
  return finish(COVERS);
}

/** Whether glob `p` matches every string of the star pattern `q` (literals and `*` only). */
export function globCovers(p: Glob, q: string): boolean {
  return p.matchesAll || cover([p.source], q) === COVERS;
}

/**
 * Whether the globs together match every string of the star pattern `q` (a Resource list covering a
 * family of resources); an answer not reached within the bounds above is false.
 */
export function globsCover(globs: readonly Glob[], q: string): boolean {
  return (
    globs.some((g) => g.matchesAll) ||
    cover(
      globs.map((g) => g.source),
      q,
    ) === COVERS
  );
}
