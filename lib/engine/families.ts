/**
 * Families of resources (a wildcard or incomplete resource: docs/semantics.md, choice 6) against a
 * statement's Resource / NotResource list, memoised per compiled set: each distinct (Resource list,
 * family) coverage and (pattern, family) intersection is decided once, whichever statements, layers,
 * actions and requests repeat it (a set meets the same few families again and again; the issue-12
 * request repeated one family 25 times against 43 statements). The memo keeps at most MAX_FAMILIES
 * families (then starts again), so its memory is bounded too.
 *
 * Coverage that cannot be decided within its bound (lib/match/cover.ts, UNDECIDED) is read as "not
 * covered" at both of its uses, which fails closed at both: an Allow's Resource list that may not cover
 * the family does not apply, and a Deny's NotResource list that may not cover it leaves the Deny
 * applying. Each such reading is counted in `undecided`, so the response can say so (engine.ts).
 */
import { compileCoverList, coverWith, COVERS, UNDECIDED, type Coverage, type CoverList } from '../match/cover.js';
import { globsIntersect } from '../match/glob.js';

/**
 * What the memo needs of a compiled statement (compile.ts's FamilyStatement has these fields): named
 * here so that this module does not import compile.ts, which imports it.
 */
interface FamilyStatement {
  families: FamilyMemo;
  resList: number;
  resSlots: Int32Array;
}

/** Families remembered per compiled set before the memo is cleared. */
export const MAX_FAMILIES = 64;

export interface FamilyMemo {
  /** The set's distinct Resource / NotResource lists (patterns with a lower-cased service), by list slot. */
  lists: string[][];
  /** The set's distinct patterns, by glob slot (the decision memo's slots). */
  patterns: string[];
  /** Per family: [lists) coverage, then [patterns) intersection, then [patterns) coverage by the pattern alone; 0 = not yet known. */
  byFamily: Map<string, Uint8Array>;
  /** How many times an undecided coverage was read as "not covered" (never reset: callers compare before and after). */
  undecided: number;
  /** The lists, and each pattern alone, compiled for coverage (made on first use, kept with the set). */
  compiledLists: Array<CoverList | undefined>;
  compiledAlone: Array<CoverList | undefined>;
}

export function newFamilyMemo(): FamilyMemo {
  return { lists: [], patterns: [], byFamily: new Map(), undecided: 0, compiledLists: [], compiledAlone: [] };
}

const YES = 1;
const NO = 2;

function rowOf(memo: FamilyMemo, family: string): Uint8Array {
  let row = memo.byFamily.get(family);
  if (row === undefined) {
    if (memo.byFamily.size >= MAX_FAMILIES) memo.byFamily.clear();
    row = new Uint8Array(memo.lists.length + 2 * memo.patterns.length);
    memo.byFamily.set(family, row);
  }
  return row;
}

/** Whether the statement's list (all of it) matches every member of the family; undecided is false (and counted). */
export function coversFamily(st: FamilyStatement, family: string): boolean {
  const memo = st.families;
  const row = rowOf(memo, family);
  let c = row[st.resList] as Coverage | 0;
  if (c === 0) {
    c = coverWith((memo.compiledLists[st.resList] ??= compileCoverList(memo.lists[st.resList] as string[])), family);
    row[st.resList] = c;
  }
  if (c === UNDECIDED) memo.undecided++;
  return c === COVERS;
}

/** Whether some pattern of the statement's list matches some member of the family. */
export function meetsFamily(st: FamilyStatement, family: string): boolean {
  return meetingPattern(st, family) !== -1;
}

/** The first pattern of the statement's list (by position) that matches some member of the family, or -1. */
export function meetingPattern(st: FamilyStatement, family: string): number {
  const memo = st.families;
  const row = rowOf(memo, family);
  const base = memo.lists.length;
  const slots = st.resSlots;
  for (let i = 0; i < slots.length; i++) {
    const at = base + (slots[i] as number);
    let m = row[at] as number;
    if (m === 0) {
      m = globsIntersect(memo.patterns[slots[i] as number] as string, family) ? YES : NO;
      row[at] = m;
    }
    if (m === YES) return i;
  }
  return -1;
}

/**
 * For explain: the first pattern of the list that covers the family alone, or -1. Decided without the
 * exploration stage (witnesses and alignment only), so explain's naming costs no more than a polynomial
 * per pattern; a pattern that covers alone only by exploration is not named (the trace then names the
 * first pattern that meets the family).
 */
export function coveringPattern(st: FamilyStatement, family: string): number {
  const memo = st.families;
  const row = rowOf(memo, family);
  const base = memo.lists.length + memo.patterns.length;
  const slots = st.resSlots;
  for (let i = 0; i < slots.length; i++) {
    const at = base + (slots[i] as number);
    let c = row[at] as number;
    if (c === 0) {
      const g = slots[i] as number;
      c = coverWith((memo.compiledAlone[g] ??= compileCoverList([memo.patterns[g] as string])), family, false);
      row[at] = c;
    }
    if (c === COVERS) return i;
  }
  return -1;
}
