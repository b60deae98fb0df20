/**
 * Glob matching (`*` = any run of characters, possibly empty; `?` = exactly one character) over a whole
 * string, compiled once per pattern. No regular expression is built from user input: a pattern is split
 * into literal parts at its stars and matched greedily left to right (leftmost occurrence of each part),
 * which is exact for star-only separators. The first and last parts are compared in place; a middle part
 * is searched for between the previous one and the last part, so the searches of one test never scan a
 * character twice:
 *  - a short part without `?` (under 8 characters) with indexOf (at most 8 comparisons a character);
 *  - a longer part without `?` natively (indexOf of its first character, startsWith) until near misses
 *    cost as much as the text scanned, then with Knuth-Morris-Pratt (at most 4 steps a character in all:
 *    indexOf alone is quadratic on some inputs, 1 ms for a 2 KiB text and a 1,000-character part);
 *  - a part with `?` with a bit-parallel (shift-and) scan, one 32-bit word operation per 32 characters of
 *    the part for each character of the text.
 * So a test costs at most `fixed + text length x perChar` steps (both on the compiled glob), never more
 * (docs/limits.md). Each test adds what it did to the step counter (lib/steps.ts).
 */
import { work } from '../steps.js';

export type GlobTest = (s: string) => boolean;

export interface Glob {
  readonly source: string;
  /** True when the pattern has no `*` and no `?`. */
  readonly literal: boolean;
  /** True when the pattern is made only of `*` (matches everything). */
  readonly matchesAll: boolean;
  readonly test: GlobTest;
  /** A test against a text of n characters takes at most `fixed + n * perChar` steps. */
  readonly fixed: number;
  readonly perChar: number;
}

const alwaysTrue: GlobTest = () => true;

/** Middle parts without `?` at least this long are searched with KMP rather than indexOf. */
const KMP_FROM = 8;

/** Compiles a glob. The caller lower-cases pattern and input for case-insensitive matching. */
export function compileGlob(pattern: string): Glob {
  work.steps += pattern.length;
  const hasStar = pattern.indexOf('*') !== -1;
  const hasQ = pattern.indexOf('?') !== -1;
  // A test's constant part: the first and last parts, and each middle search's own few steps.
  const fixed = 2 * pattern.length + 2;
  if (!hasStar && !hasQ) {
    return {
      source: pattern,
      literal: true,
      matchesAll: false,
      fixed,
      perChar: 0,
      test: (s) => {
        work.steps += 1;
        return s === pattern;
      },
    };
  }
  // Collapse runs of stars: `a**b` == `a*b`.
  const collapsed = hasStar ? pattern.replace(/\*{2,}/g, '*') : pattern;
  if (collapsed === '*') return { source: pattern, literal: false, matchesAll: true, fixed: 0, perChar: 0, test: alwaysTrue };
  const chunks = collapsed.split('*');
  const lastIdx = chunks.length - 1;
  const head = chunks[0] as string;
  const tail = chunks[lastIdx] as string;
  const headQ = head.indexOf('?') !== -1;
  const tailQ = tail.indexOf('?') !== -1;
  const ends = head.length + tail.length + 1;

  if (!hasStar) {
    // Only `?`: same length, compare position by position.
    return {
      source: pattern,
      literal: false,
      matchesAll: false,
      fixed,
      perChar: 0,
      test: (s) => {
        work.steps += ends;
        return s.length === head.length && matchAt(s, 0, head, true);
      },
    };
  }
  if (!hasQ && chunks.length === 2) {
    const min = head.length + tail.length;
    const test: GlobTest =
      tail === ''
        ? (s) => ((work.steps += ends), s.startsWith(head))
        : head === ''
          ? (s) => ((work.steps += ends), s.endsWith(tail))
          : (s) => ((work.steps += ends), s.length >= min && s.startsWith(head) && s.endsWith(tail));
    return { source: pattern, literal: false, matchesAll: false, fixed, perChar: 0, test };
  }
  const middle = chunks.slice(1, lastIdx);
  const searches: PartSearch[] = middle.map((c) => (c.indexOf('?') !== -1 ? searcherWithQ(c) : c.length >= KMP_FROM ? searcherKmp(c) : searcherIndexOf(c)));
  let perChar = 0;
  for (let i = 0; i < middle.length; i++) perChar = Math.max(perChar, weightOf(middle[i] as string));
  const minLength = chunks.reduce((n, c) => n + c.length, 0);
  const test: GlobTest = (s) => {
    work.steps += ends;
    if (s.length < minLength) return false;
    if (head.length > 0 && !matchAt(s, 0, head, headQ)) return false;
    const end = s.length - tail.length;
    if (tail.length > 0 && !matchAt(s, end, tail, tailQ)) return false;
    let pos = head.length;
    for (let i = 0; i < middle.length; i++) {
      const found = (searches[i] as PartSearch)(s, pos, end);
      if (found === -1) return false;
      pos = found + (middle[i] as string).length;
    }
    return pos <= end;
  };
  return { source: pattern, literal: false, matchesAll: false, fixed, perChar, test };
}

/** The `fixed` and `perChar` of compileGlob(pattern), without compiling it (the work limits sum them up). */
export function globCost(pattern: string): { fixed: number; perChar: number } {
  const collapsed = pattern.indexOf('**') === -1 ? pattern : pattern.replace(/\*{2,}/g, '*');
  if (collapsed === '*') return { fixed: 0, perChar: 0 };
  const chunks = collapsed.split('*');
  let perChar = 0;
  if (chunks.length > 2 || (chunks.length === 2 && pattern.indexOf('?') !== -1)) for (let i = 1; i < chunks.length - 1; i++) perChar = Math.max(perChar, weightOf(chunks[i] as string));
  return { fixed: 2 * pattern.length + 2, perChar };
}

/** Steps per text character of a middle part's search (see the module comment). */
function weightOf(part: string): number {
  if (part.indexOf('?') !== -1) return 2 * ((part.length + 31) >>> 5);
  return part.length >= KMP_FROM ? 4 : part.length;
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

/** Finds the leftmost occurrence of a part in s[from, end) (it must end by `end`): -1 if none. */
type PartSearch = (s: string, from: number, end: number) => number;

/** indexOf, for parts under KMP_FROM characters: at most `part` comparisons per character. */
function searcherIndexOf(part: string): PartSearch {
  const m = part.length;
  return (s, from, end) => {
    const i = s.indexOf(part, from);
    const found = i === -1 || i + m > end ? -1 : i;
    work.steps += ((found === -1 ? end : found + m) - from) * (m || 1) + 1;
    return found;
  };
}

/**
 * A part of KMP_FROM characters or more, without `?`: candidates found natively (indexOf of its first
 * character, then startsWith), as fast as indexOf on ordinary text; after near misses worth the scanned
 * length (each counted as the part's length), Knuth-Morris-Pratt from there on, which compares at most
 * twice per character whatever the text. indexOf alone is quadratic on some inputs (1 ms for a 2 KiB text
 * of `a` and a part `a...ab...a` of 2,000 characters). At most 4 steps per text character, plus the part.
 */
function searcherKmp(part: string): PartSearch {
  const m = part.length;
  const fail = new Int32Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    const c = part.charCodeAt(i);
    while (k > 0 && part.charCodeAt(k) !== c) k = fail[k - 1] as number;
    if (part.charCodeAt(k) === c) k++;
    fail[i] = k;
  }
  const first = part[0] as string;
  return (s, from, end) => {
    // Native candidates, while the near misses cost no more than the text scanned.
    let misses = 0;
    let i = from;
    for (;;) {
      i = s.indexOf(first, i);
      if (i === -1 || i + m > end) {
        work.steps += end - from + misses + 1;
        return -1;
      }
      if (s.startsWith(part, i)) {
        work.steps += i + m - from + misses;
        return i;
      }
      misses += m;
      i++;
      if (misses > end - from) break;
    }
    // Knuth-Morris-Pratt from i: every earlier start is ruled out.
    const start = i;
    let k = 0;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      while (k > 0 && part.charCodeAt(k) !== c) k = fail[k - 1] as number;
      if (part.charCodeAt(k) === c) k++;
      if (k === m) {
        work.steps += start - from + misses + 2 * (i + 1 - start);
        return i - m + 1;
      }
    }
    work.steps += start - from + misses + 2 * (end - start) + 1;
    return -1;
  };
}

/**
 * Shift-and over 32-bit words: bit j of the state says "the part's first j+1 characters end here"; one
 * pass over the text, ceil(part/32) word operations per character (only the words that can hold a set
 * bit), whatever the text and the part hold. `?` is a wildcard in the part, or (`wildText`) in the text.
 *
 * The mask of a text character (the part's positions that accept it) is made when the character is first
 * met and kept (at most MASKS_KEPT characters; the cache starts again before a scan when full): making
 * it costs its words plus the part's occurrences of it, so masks cost at most as much as the scan itself
 * plus the part's length. Masks made per character of the part instead would cost (distinct characters
 * x words), quadratic in a part of thousands of distinct characters.
 */
const MASKS_KEPT = 256;

function searcherWithQ(chunk: string, wildText = false): PartSearch {
  const m = chunk.length;
  if (m === 0) return (_s, from, end) => (from <= end ? from : -1);
  const words = (m + 31) >>> 5;
  const question = new Int32Array(words);
  const at = new Map<number, number[]>();
  for (let j = 0; j < m; j++) {
    const c = chunk.charCodeAt(j);
    if (c === 63 && !wildText) question[j >>> 5]! |= 1 << (j & 31);
    else {
      const list = at.get(c);
      if (list) list.push(j);
      else at.set(c, [j]);
    }
  }
  work.steps += m + words;
  const ascii = new Array<Int32Array | undefined>(128);
  const other = new Map<number, Int32Array>();
  let kept = 0;
  const maskOf = (c: number): Int32Array => {
    const row = question.slice();
    if (wildText && c === 63) row.fill(-1);
    else for (const j of at.get(c) ?? []) row[j >>> 5]! |= 1 << (j & 31);
    work.steps += words + (at.get(c)?.length ?? 0);
    if (c < 128) ascii[c] = row;
    else other.set(c, row);
    kept++;
    return row;
  };
  const prepare = (): void => {
    if (kept < MASKS_KEPT) return;
    ascii.fill(undefined);
    other.clear();
    kept = 0;
  };
  if (words === 1) {
    const top = 1 << (m - 1);
    return (s, from, end) => {
      prepare();
      let d = 0;
      for (let i = from; i < end; i++) {
        const c = s.charCodeAt(i);
        const row = (c < 128 ? ascii[c] : other.get(c)) ?? maskOf(c);
        d = ((d << 1) | 1) & (row[0] as number);
        if ((d & top) !== 0) {
          work.steps += i + 1 - from;
          return i - m + 1;
        }
      }
      work.steps += end - from + 1;
      return -1;
    };
  }
  const topWord = words - 1;
  const topBit = 1 << ((m - 1) & 31);
  const state = new Int32Array(words);
  return (s, from, end) => {
    prepare();
    state.fill(0);
    let high = 0; // state[w] is 0 for w > high
    for (let i = from; i < end; i++) {
      const c = s.charCodeAt(i);
      const row = (c < 128 ? ascii[c] : other.get(c)) ?? maskOf(c);
      const last = high < topWord ? high + 1 : topWord;
      let carry = 1;
      high = 0;
      for (let w = 0; w <= last; w++) {
        const d = state[w] as number;
        const v = ((d << 1) | carry) & (row[w] as number);
        state[w] = v;
        if (v !== 0) high = w;
        carry = d >>> 31;
      }
      if (((state[topWord] as number) & topBit) !== 0) {
        work.steps += (i + 1 - from) * words + words;
        return i - m + 1;
      }
    }
    work.steps += (end - from + 1) * words;
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

/** What meetCost needs of a star pattern (a family) or a glob. */
export interface MeetShape {
  length: number;
  star: boolean;
  /** Words (32 characters) of the longest part between stars. */
  words: number;
  /** Building the bit-parallel searchers of the middle parts: sum of (2 x part + 2 x words). */
  build: number;
}

export function meetShape(s: string): MeetShape {
  const parts = s.split('*');
  let words = 1;
  let build = 0;
  for (const part of parts) {
    const w = (part.length + 31) >>> 5 || 1;
    if (w > words) words = w;
    build += 2 * part.length + 2 * w;
  }
  return { length: s.length, star: parts.length > 1, words, build };
}

/**
 * An upper bound of the steps of globsIntersect(p, q) (the work limits add it up before the work): both
 * reads, plus for a `p` without `*` and a `q` with one, the searches of q's parts in p (p's length times
 * the words of q's longest part, plus building them), and for a `p` with `*` and a `q` without, one test
 * of p's glob against q.
 */
export function meetCost(p: MeetShape & { perChar: number }, q: MeetShape): number {
  let n = 2 * (p.length + q.length) + 4;
  // The masks a search makes cost at most its scan: twice the scan.
  if (!p.star && q.star) n += 2 * (p.length + 1) * q.words + q.build;
  if (p.star && !q.star) n += p.length + 1 + q.length * p.perChar + p.length;
  return n;
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
  work.steps += p.length + q.length;
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
