/**
 * Reference model: glob matching, written for clarity, not speed (shares no code with lib/match).
 *
 * A glob is matched against a whole string: `*` is any run of characters (possibly empty, crossing `:` and
 * `/`), `?` is exactly one character, everything else is itself.
 *
 * For families of resources (docs/semantics.md, choice 6) the model reasons about SETS of strings: a request
 * resource with `*` designates every string it matches, and the questions are "does some pattern of the
 * list match SOME member?" and "is EVERY member matched by some pattern of the list?". Both are answered
 * exactly by walking the product of two small automata (the family, and all the patterns at once) over an
 * alphabet made of the characters that appear literally in any of them plus one "any other character".
 */

/**
 * Answers are remembered (the generated cases reuse a small vocabulary, and the walk is the slow part of
 * the model). A cache cannot change an answer: the functions below are pure.
 */
const remembered = new Map<string, boolean>();
function remember(key: string, compute: () => boolean): boolean {
  let answer = remembered.get(key);
  if (answer === undefined) {
    answer = compute();
    if (remembered.size > 100_000) remembered.clear();
    remembered.set(key, answer);
  }
  return answer;
}

const STAR = 42; // '*'
const QUESTION = 63; // '?'

/** Two rows of the dynamic programme below, reused from call to call (grown when a text is longer). */
let rowA = new Uint8Array(64);
let rowB = new Uint8Array(64);

/**
 * Whether `text` matches the glob `pattern`: the textbook dynamic programme, row by row.
 * `row[j]` says whether the pattern read so far matches the first j characters of the text.
 */
export function globMatch(pattern: string, text: string): boolean {
  const m = text.length;
  if (rowA.length <= m) [rowA, rowB] = [new Uint8Array(2 * m + 2), new Uint8Array(2 * m + 2)];
  let row = rowA;
  let next = rowB;
  row.fill(0, 0, m + 1);
  row[0] = 1; // the empty pattern matches the empty prefix
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern.charCodeAt(i);
    if (p === STAR) {
      // `*` matches any run: a prefix is matched if some shorter-or-equal prefix was.
      next[0] = row[0]!;
      for (let j = 1; j <= m; j++) next[j] = row[j]! | next[j - 1]!;
    } else {
      // Any other character matches one character: itself, or any for `?`.
      next[0] = 0;
      for (let j = 1; j <= m; j++) next[j] = row[j - 1]! & (p === QUESTION || p === text.charCodeAt(j - 1) ? 1 : 0);
    }
    const done = row;
    row = next;
    next = done;
  }
  return row[m] === 1;
}

/** A character that no pattern or family in the model contains: stands for "any other character". */
const OTHER = '\u0000';

/**
 * A star pattern or glob as a small automaton: state `i` means "the first i characters are matched".
 * A set of states is a sorted array. `step` reads one character; a `*` may also match nothing, so every
 * state comes with those reachable by skipping stars (`skip`).
 */
class Automaton {
  /** skip[i]: i, and i + 1 ... while the characters skipped are stars. */
  private readonly skip: number[][] = [];

  constructor(
    readonly text: string,
    /** Whether `?` is special (globs) or not (families, whose only special character is `*`). */
    private readonly questionMark: boolean,
  ) {
    for (let i = text.length; i >= 0; i--) this.skip[i] = text[i] === '*' ? [i, ...this.skip[i + 1]!] : [i];
  }

  start(): number[] {
    return this.skip[0]!;
  }

  step(states: readonly number[], ch: string): number[] {
    const next = new Set<number>();
    for (const i of states) {
      const c = this.text[i];
      if (c === undefined) continue; // at the end: nothing more can be read
      const to = c === '*' ? i : c === ch || (this.questionMark && c === '?') ? i + 1 : -1;
      if (to !== -1) for (const j of this.skip[to]!) next.add(j);
    }
    return [...next].sort((a, b) => a - b);
  }

  accepts(states: readonly number[]): boolean {
    return states.includes(this.text.length);
  }

  /** The characters that can be read next: any, after a `*`; otherwise the literal ones. */
  nextCharacters(states: readonly number[], alphabet: readonly string[]): readonly string[] {
    if (states.some((i) => this.text[i] === '*')) return alphabet;
    return [...new Set(states.map((i) => this.text[i]).filter((c): c is string => c !== undefined))];
  }
}

/**
 * Walks every string the family designates, one character at a time, tracking where each pattern could be;
 * `found` is asked at every reachable point where the string read so far is a member of the family, with
 * whether some pattern matches that member. Returns true as soon as `found` does.
 */
function someReachableMember(familyText: string, patternTexts: readonly string[], found: (matchedBySomePattern: boolean) => boolean): boolean {
  const family = new Automaton(familyText, false);
  const patterns = patternTexts.map((p) => new Automaton(p, true));
  const alphabet = new Set<string>([OTHER]);
  for (const s of [familyText, ...patternTexts]) for (const c of s) if (c !== '*' && c !== '?') alphabet.add(c);
  const letters = [...alphabet];
  type State = { f: number[]; p: number[][] };
  const key = (s: State): string => `${s.f.join(',')}|${s.p.map((x) => x.join(',')).join('|')}`;
  const start: State = { f: family.start(), p: patterns.map((a) => a.start()) };
  const seen = new Set<string>([key(start)]);
  const todo: State[] = [start];
  while (todo.length > 0) {
    const s = todo.pop()!;
    if (family.accepts(s.f) && found(patterns.some((a, k) => a.accepts(s.p[k]!)))) return true;
    for (const ch of family.nextCharacters(s.f, letters)) {
      const f = family.step(s.f, ch);
      if (f.length === 0) continue; // no member of the family continues with this character
      const next: State = { f, p: patterns.map((a, k) => a.step(s.p[k]!, ch)) };
      const k = key(next);
      if (!seen.has(k)) {
        seen.add(k);
        todo.push(next);
      }
    }
  }
  return false;
}

/**
 * Whether some string matches both the family (only `*` special) and the glob: a dynamic programme over
 * pairs of positions, like `globMatch` with a `*` on both sides.
 */
function shareAString(family: string, pattern: string): boolean {
  const n = family.length;
  const m = pattern.length;
  const memo = new Map<number, boolean>();
  const shares = (i: number, j: number): boolean => {
    const k = i * (m + 1) + j;
    const known = memo.get(k);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === n && j === m) r = true;
    // The family's `*` reads nothing more, or the character the pattern reads next.
    else if (family[i] === '*') r = shares(i + 1, j) || (j < m && shares(i, j + 1));
    // The pattern's `*` reads nothing more, or the family's next (literal) character.
    else if (pattern[j] === '*') r = shares(i, j + 1) || (i < n && shares(i + 1, j));
    else r = i < n && j < m && (pattern[j] === '?' || pattern[j] === family[i]) && shares(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return shares(0, 0);
}

/** Some string designated by `family` (where `*` is any run) is matched by at least one of the globs. */
export function someMemberMatched(family: string, patterns: readonly string[]): boolean {
  if (!family.includes('*')) return patterns.some((p) => globMatch(p, family));
  return patterns.some((p) => remember(`some\u0001${family}\u0001${p}`, () => shareAString(family, p)));
}

/** Every string designated by `family` is matched by at least one of the globs. */
export function everyMemberMatched(family: string, patterns: readonly string[]): boolean {
  if (!family.includes('*')) return patterns.some((p) => globMatch(p, family));
  // Quick answer for most "no": two members of the family (its stars read as nothing, or as one character
  // no pattern names); one that no pattern matches settles it. The walk decides the rest.
  for (const member of [family.replaceAll('*', ''), family.replaceAll('*', OTHER)]) {
    if (!patterns.some((p) => globMatch(p, member))) return false;
  }
  const covers = (list: readonly string[]): boolean => remember(`every\u0001${family}\u0001${list.join('\u0001')}`, () => !someReachableMember(family, list, (matched) => !matched));
  // One pattern covering the family is the usual answer (and single patterns recur more than lists do).
  return patterns.some((p) => covers([p])) || (patterns.length > 1 && covers(patterns));
}
