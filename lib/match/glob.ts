/**
 * Glob matching (`*` = any run of characters, possibly empty; `?` = exactly one character) over a whole
 * string, compiled once per pattern. No regular expression is built from user input: a pattern is split
 * into literal chunks at its stars and matched greedily left to right (leftmost occurrence of each chunk),
 * which is exact for star-only separators. Chunks without `?` are found with indexOf; longer chunks with
 * `?` with a bit-parallel (shift-and) scan, so a test costs O(text x chunk / 32) at worst, never
 * exponential (a pattern of thousands of `*` and `?` against a 2 KiB value: well under a millisecond).
 */

import { work } from '../steps.js';
const steps = work;

export type GlobTest = (s: string) => boolean;

export interface Glob {
  readonly source: string;
  /** True when the pattern has no `*` and no `?`. */
  readonly literal: boolean;
  /** True when the pattern is made only of `*` (matches everything). */
  readonly matchesAll: boolean;
  readonly test: GlobTest;
}

const alwaysTrue: GlobTest = () => true;

/** Compiles a glob. The caller lower-cases pattern and input for case-insensitive matching. */
export function compileGlob(pattern: string): Glob {
  const hasStar = pattern.indexOf('*') !== -1;
  const hasQ = pattern.indexOf('?') !== -1;
  if (!hasStar && !hasQ) {
    return { source: pattern, literal: true, matchesAll: false, test: (s) => s === pattern };
  }
  // Collapse runs of stars: `a**b` == `a*b`.
  const collapsed = hasStar ? pattern.replace(/\*{2,}/g, '*') : pattern;
  if (collapsed === '*') return { source: pattern, literal: false, matchesAll: true, test: alwaysTrue };
  const chunks = collapsed.split('*');
  const lastIdx = chunks.length - 1;
  const head = chunks[0] as string;
  const tail = chunks[lastIdx] as string;
  const headQ = head.indexOf('?') !== -1;
  const tailQ = tail.indexOf('?') !== -1;

  if (!hasStar) {
    // Only `?`: same length, compare position by position.
    return { source: pattern, literal: false, matchesAll: false, test: (s) => s.length === head.length && matchAt(s, 0, head, true) };
  }
  if (!hasQ && chunks.length === 2) {
    if (tail === '') return { source: pattern, literal: false, matchesAll: false, test: (s) => s.startsWith(head) };
    if (head === '') return { source: pattern, literal: false, matchesAll: false, test: (s) => s.endsWith(tail) };
    const min = head.length + tail.length;
    return { source: pattern, literal: false, matchesAll: false, test: (s) => s.length >= min && s.startsWith(head) && s.endsWith(tail) };
  }
  const middle = chunks.slice(1, lastIdx);
  const middleQ = middle.map((c) => (c.indexOf('?') === -1 ? null : searcherWithQ(c)));
  const minLength = chunks.reduce((n, c) => n + c.length, 0);
  const test: GlobTest = (s) => {
    work.steps += s.length;
    if (s.length < minLength) return false;
    if (head.length > 0 && !matchAt(s, 0, head, headQ)) return false;
    const end = s.length - tail.length;
    if (tail.length > 0 && !matchAt(s, end, tail, tailQ)) return false;
    let pos = head.length;
    for (let i = 0; i < middle.length; i++) {
      const chunk = middle[i] as string;
      const q = middleQ[i];
      const found = q ? q(s, pos, end) : indexWithin(s, chunk, pos, end);
      if (found === -1) return false;
      pos = found + chunk.length;
    }
    return pos <= end;
  };
  return { source: pattern, literal: false, matchesAll: false, test };
}

function matchAt(s: string, at: number, chunk: string, hasQ: boolean): boolean {
  if (!hasQ) return s.startsWith(chunk, at);
  if (at < 0 || at + chunk.length > s.length) return false;
  for (let j = 0; j < chunk.length; j++) {
    const c = chunk.charCodeAt(j);
    if (c !== 63 /* ? */ && c !== s.charCodeAt(at + j)) return false;
  }
  return true;
}

function indexWithin(s: string, chunk: string, from: number, end: number): number {
  const i = s.indexOf(chunk, from);
  return i === -1 || i + chunk.length > end ? -1 : i;
}

/** Finds the leftmost occurrence of a chunk with `?` in s[from, end): -1 if none. */
type ChunkSearch = (s: string, from: number, end: number) => number;

/**
 * Shift-and over 32-bit words: bit j of the state says "the chunk's first j+1 characters end here"; one
 * pass over the text, ceil(chunk/32) word operations per character (only the words that can hold a set
 * bit), whatever the text and the chunk hold. `?` is a wildcard in the chunk, or (`wildText`) in the text.
 */
function searcherWithQ(chunk: string, wildText = false): ChunkSearch {
  const m = chunk.length;
  if (m === 0) return (_s, from, end) => (from <= end ? from : -1);
  const words = (m + 31) >>> 5;
  // Mask rows: 0 for characters the chunk does not name (only its `?` match them), one per other
  // character of the chunk, and with `wildText` a last row of all ones for the text's `?`.
  const rowOf = new Map<number, number>();
  const ascii = new Int32Array(128);
  for (let j = 0; j < m; j++) {
    const c = chunk.charCodeAt(j);
    if ((wildText || c !== 63) && !rowOf.has(c)) {
      rowOf.set(c, rowOf.size + 1);
      if (c < 128) ascii[c] = rowOf.size;
    }
  }
  const rows = rowOf.size + 1 + (wildText ? 1 : 0);
  const masks = new Int32Array(rows * words);
  for (let j = 0; j < m; j++) {
    const c = chunk.charCodeAt(j);
    const bit = 1 << (j & 31);
    const w = j >>> 5;
    if (c === 63 && !wildText) for (let r = 0; r <= rowOf.size; r++) masks[r * words + w]! |= bit;
    else masks[(rowOf.get(c) as number) * words + w]! |= bit;
    if (wildText) masks[(rows - 1) * words + w]! |= bit;
  }
  if (wildText) ascii[63] = rows - 1;
  const rowAt = (code: number): number => (code < 128 ? (ascii[code] as number) : (rowOf.get(code) ?? 0)) * words;
  if (words === 1) {
    const top = 1 << (m - 1);
    return (s, from, end) => {
      let d = 0;
      work.steps += end - from;
      for (let i = from; i < end; i++) {
        d = ((d << 1) | 1) & (masks[rowAt(s.charCodeAt(i))] as number);
        if ((d & top) !== 0) return i - m + 1;
      }
      return -1;
    };
  }
  const topWord = words - 1;
  const topBit = 1 << ((m - 1) & 31);
  const state = new Int32Array(words);
  return (s, from, end) => {
    state.fill(0);
    work.steps += (end - from) * words;
    let high = 0; // state[w] is 0 for w > high
    for (let i = from; i < end; i++) {
      const row = rowAt(s.charCodeAt(i));
      const last = high < topWord ? high + 1 : topWord;
      let carry = 1;
      high = 0;
      for (let w = 0; w <= last; w++) {
        const d = state[w] as number;
        const v = ((d << 1) | carry) & (masks[row + w] as number);
        state[w] = v;
        if (v !== 0) high = w;
        carry = d >>> 31;
      }
      if (((state[topWord] as number) & topBit) !== 0) return i - m + 1;
    }
    return -1;
  };
}

/** Case-insensitive glob: pattern lower-cased once; the caller passes lower-cased input. */
export function compileGlobLower(pattern: string): Glob {
  return compileGlob(pattern.toLowerCase());
}

export function hasWildcard(s: string): boolean {
  return s.indexOf('*') !== -1 || s.indexOf('?') !== -1;
}

const ANY_RUN = '\u0000';

/**
 * Whether glob `p` matches every string of the star pattern `q` (literals and `*` only).
 * Without `?`: `q`'s stars become a character no literal matches, so `p` can only match them with its own
 * stars (exact). With `?`: see `coversWithQ`.
 */
export function globCovers(p: Glob, q: string): boolean {
  if (p.matchesAll) return true;
  if (p.source.indexOf('?') !== -1) return coversWithQ([p.source], q);
  return p.test(q.split('*').join(ANY_RUN));
}

/**
 * Whether the globs together match every string of the star pattern `q` (a Resource list covering a
 * family of resources). Without `?` several globs cover only if one does (a member whose runs are long
 * runs of a character no glob names needs one glob's stars for all of them); with `?` they may cover
 * together (`x?*` and `x` cover `x*`).
 */
export function globsCover(globs: readonly Glob[], q: string): boolean {
  for (const g of globs) if (globCovers(g, q)) return true;
  if (globs.length < 2 || !globs.some((g) => g.source.indexOf('?') !== -1)) return false;
  return coversWithQ(globs.map((g) => g.source), q);
}

/** Work bound of `coversWithQ` (states stepped); beyond it the answer is "does not cover" (fail closed). */
const COVER_WORK_LIMIT = 200_000;

/**
 * Exact coverage for globs with `?`. The hardest content of a run of `q` is a run of a character no glob
 * names (only `?` and `*` match it): the globs cover `q` iff they match `q` with every run replaced by
 * such characters, for every run length. Simulates the globs' automaton (a set of positions) over `q`,
 * keeping every set a run length can lead to (the sets one run produces repeat, so there are few).
 */
function coversWithQ(patterns: readonly string[], q: string): boolean {
  const codes: number[] = []; // character read from each position; -1 at a glob's end
  const starts: number[] = [];
  for (const raw of patterns) {
    const p = raw.indexOf('**') === -1 ? raw : raw.replace(/\*{2,}/g, '*');
    starts.push(codes.length);
    for (let i = 0; i < p.length; i++) codes.push(p.charCodeAt(i));
    codes.push(-1);
  }
  const OTHER = -2;
  let work = 0;
  const close = (states: readonly number[]): number[] => {
    const out = new Set<number>();
    for (const s of states) {
      out.add(s);
      if (codes[s] === 42) out.add(s + 1); // stars are collapsed: s + 1 is not a star
    }
    return [...out].sort((a, b) => a - b);
  };
  const step = (set: readonly number[], c: number): number[] => {
    work += set.length;
    steps.steps += set.length;
    const next: number[] = [];
    for (const s of set) {
      const code = codes[s] as number;
      if (code === 42) next.push(s);
      else if (code === 63 || (code === c && c >= 0)) next.push(s + 1);
    }
    return close(next);
  };
  let sets = new Map<string, number[]>();
  const first = close(starts);
  sets.set(first.join(), first);
  const qq = q.indexOf('**') === -1 ? q : q.replace(/\*{2,}/g, '*');
  for (let j = 0; j < qq.length; j++) {
    const c = qq.charCodeAt(j);
    const next = new Map<string, number[]>();
    for (const set of sets.values()) {
      if (c !== 42) {
        const s = step(set, c);
        if (s.length === 0) return false;
        next.set(s.join(), s);
      } else {
        // Every run length: the set, then after one, two, ... characters no glob names, until it repeats.
        let cur = set;
        while (!next.has(cur.join())) {
          next.set(cur.join(), cur);
          cur = step(cur, OTHER);
          if (cur.length === 0 || work > COVER_WORK_LIMIT) return false;
        }
      }
      if (work > COVER_WORK_LIMIT) return false;
    }
    sets = next;
  }
  for (const set of sets.values()) if (!set.some((s) => codes[s] === -1)) return false;
  return true;
}

/**
 * Whether glob pattern `p` (with `*` and `?`) and star pattern `q` (a `?` in q is a literal) match at
 * least one common string. In O(|p| + |q|), or O(|p| x |q| / 32) when p has no `*`:
 *  - both have a `*`: exactly when their literal prefixes (up to the first `*`) agree over their common
 *    length, and so do their suffixes (after the last `*`). A common string then exists: the merged
 *    prefix, p's middle parts, q's middle parts, the merged suffix; and any common string starts and
 *    ends with instances of both;
 *  - neither has one: same length, and every position agrees (`?` of p agrees with anything);
 *  - only q has one: q must match an instance of p, a fixed-length text in which `?` is any character:
 *    q's prefix and suffix at the ends, its middle parts at their leftmost places in between;
 *  - only p has one: q is a plain string, and p must match it.
 */
export function globsIntersect(p: string, q: string): boolean {
  const pStar = p.indexOf('*');
  const qStar = q.indexOf('*');
  if (pStar === -1 && qStar === -1) return p.length === q.length && agreeAt(p, 0, q, 0, q.length);
  if (qStar === -1) return compileGlob(p).test(q);
  const qParts = q.split('*');
  const qHead = qParts[0] as string;
  const qTail = qParts[qParts.length - 1] as string;
  if (pStar !== -1) {
    const pHead = p.slice(0, pStar);
    const pTail = p.slice(p.lastIndexOf('*') + 1);
    const head = Math.min(pHead.length, qHead.length);
    const tail = Math.min(pTail.length, qTail.length);
    return agreeAt(p, 0, q, 0, head) && agreeAt(p, p.length - tail, q, q.length - tail, tail);
  }
  // p is a fixed-length text with wildcards; q's parts are placed in it, left to right.
  const n = p.length;
  let need = 0;
  for (const part of qParts) need += part.length;
  if (need > n) return false;
  if (!agreeAt(p, 0, qHead, 0, qHead.length) || !agreeAt(p, n - qTail.length, qTail, 0, qTail.length)) return false;
  let pos = qHead.length;
  const end = n - qTail.length;
  for (let i = 1; i < qParts.length - 1; i++) {
    const part = qParts[i] as string;
    if (part === '') continue;
    const found = searcherWithQ(part, true)(p, pos, end);
    if (found === -1) return false;
    pos = found + part.length;
  }
  return pos <= end;
}

/** Whether p[pi, pi+len) and q[qi, qi+len) agree: equal characters, or a `?` of p. */
function agreeAt(p: string, pi: number, q: string, qi: number, len: number): boolean {
  for (let k = 0; k < len; k++) {
    const c = p.charCodeAt(pi + k);
    if (c !== 63 && c !== q.charCodeAt(qi + k)) return false;
  }
  return true;
}
