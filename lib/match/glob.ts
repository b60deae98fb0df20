/**
 * Glob matching (`*` = any run of characters, possibly empty; `?` = exactly one character) over a whole
 * string, compiled once per pattern. No regular expression is built from user input: a pattern is split
 * into literal chunks at its stars and matched greedily left to right (leftmost occurrence of each chunk),
 * which is exact for star-only separators and runs in O(text x chunk) at worst, never exponential.
 */

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
  const middleQ = middle.map((c) => c.indexOf('?') !== -1);
  const minLength = chunks.reduce((n, c) => n + c.length, 0);
  const test: GlobTest = (s) => {
    if (s.length < minLength) return false;
    if (head.length > 0 && !matchAt(s, 0, head, headQ)) return false;
    const end = s.length - tail.length;
    if (tail.length > 0 && !matchAt(s, end, tail, tailQ)) return false;
    let pos = head.length;
    for (let i = 0; i < middle.length; i++) {
      const chunk = middle[i] as string;
      const found = middleQ[i] ? findWithQ(s, chunk, pos, end) : indexWithin(s, chunk, pos, end);
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

function findWithQ(s: string, chunk: string, from: number, end: number): number {
  for (let i = from; i + chunk.length <= end; i++) if (matchAt(s, i, chunk, true)) return i;
  return -1;
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

/** Whether glob pattern `p` (with `*` and `?`) and star pattern `q` match at least one common string. */
export function globsIntersect(p: string, q: string): boolean {
  const n = p.length;
  const m = q.length;
  // Beyond this size the answer is "may intersect": callers use it in the fail-closed direction.
  if ((n + 1) * (m + 1) > 4_000_000) return true;
  // memo[i * (m + 1) + j]: 0 unknown, 1 true, 2 false. Iterative over i descending, j descending.
  const memo = new Uint8Array((n + 1) * (m + 1));
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      let r: boolean;
      const at = (a: number, b: number): boolean => memo[a * (m + 1) + b] === 1;
      if (i === n && j === m) r = true;
      else if (i < n && p.charCodeAt(i) === 42 /* * */) r = at(i + 1, j) || (j < m && at(i, j + 1));
      else if (j < m && q.charCodeAt(j) === 42) r = at(i, j + 1) || (i < n && at(i + 1, j));
      else if (i < n && j < m && (p.charCodeAt(i) === 63 /* ? */ || p.charCodeAt(i) === q.charCodeAt(j))) r = at(i + 1, j + 1);
      else r = false;
      memo[i * (m + 1) + j] = r ? 1 : 2;
    }
  }
  return memo[0] === 1;
}
