/**
 * Exact classes of strings under a few regular predicates (globs, literals, prefixes, suffixes, each
 * case-sensitive or compared after `toLowerCase()`): which Boolean combinations of the predicates some
 * string satisfies, with the shortest such string for each.
 *
 * Each predicate (an "atom") is an OR of alternatives, each a glob over UTF-16 code units (`*` any run,
 * `?` one unit, anything else itself), read either on the string itself (case-sensitive) or on its
 * `toLowerCase()`. The alternatives together form one nondeterministic automaton (a set of positions, as in
 * lib/match/glob.ts's coverage check); a breadth-first walk over the sets of positions reachable from the
 * start (the subset construction, built only as far as it is reached) visits every combination of
 * accepting alternatives any string can reach, shortest strings first. The walk reads an alphabet of one
 * character per behaviour: two characters that every pattern (and the shape) treats alike lead to the same
 * set, so one of them stands for all (see `buildAlphabet` for why the few it keeps are every behaviour
 * there is). The walk is bounded (`workLimit` position steps); when it stops early the answer says so and
 * the caller reports UNKNOWN rather than a partial class list.
 */

/** Pattern tokens: a code unit (>= 0), any run of units, any one unit. */
export const STAR = -1;
export const ANY = -2;
/** View of a character no literal of the patterns names. */
const OTHER = -3;
/**
 * Tokens within one `:`-separated segment of a URN: any run of units other than `:`, any one unit other than
 * `:` (the account segment of a URN read as a principal field, `segmentAtom`).
 */
export const SEG_STAR = -4;
export const SEG_ANY = -5;
const COLON = 58;

/** Whether a token is a run (`*` or a segment's run): a position there may also skip it. */
const isRun = (t: number): boolean => t === STAR || t === SEG_STAR;

/** Whether a position with token `t` moves on reading the unit `code` (OTHER for a unit no literal names). */
function advances(t: number, code: number): boolean {
  return t === ANY || (t === SEG_ANY && code !== COLON) || (t === code && code >= 0);
}
/** Whether a run token stays where it is on reading `code`. */
function stays(t: number, code: number): boolean {
  return t === STAR || (t === SEG_STAR && code !== COLON);
}

/**
 * A predicate on the third `:`-separated segment of a URN (the account the engine compares with the
 * principal's, lib/engine/request.ts) as a predicate on the whole URN: each alternative read on the segment
 * becomes `[^:]*:[^:]*:<alternative, its runs kept within the segment>:*`. An alternative with a literal `:`
 * never matches a segment and is left out. Exact for URNs (at least four `:`): the segment is the text between
 * the second and third `:`; read on its lower case for a case-insensitive alternative (`:` has no case).
 */
export function segmentAtom(atom: RegularAtom): RegularAtom {
  const alternatives = atom.alternatives
    .filter((a) => !a.tokens.includes(COLON))
    .map((a) => ({
      tokens: [SEG_STAR, COLON, SEG_STAR, COLON, ...a.tokens.map((t) => (t === STAR ? SEG_STAR : t === ANY ? SEG_ANY : t)), COLON, STAR],
      caseInsensitive: a.caseInsensitive,
    }));
  return { alternatives, negated: atom.negated };
}

export interface Alternative {
  readonly tokens: readonly number[];
  /** Read on `toLowerCase()` of the string (the tokens are then lower-case already). */
  readonly caseInsensitive: boolean;
}

export interface RegularAtom {
  readonly alternatives: readonly Alternative[];
  /** True when no alternative matches (a negated condition). */
  readonly negated: boolean;
}

/** Tokens of a glob (`*`, `?` wildcards), runs of stars collapsed. */
export function globTokens(pattern: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 42) {
      if (out[out.length - 1] !== STAR) out.push(STAR);
    } else out.push(c === 63 ? ANY : c);
  }
  return out;
}

/** Tokens of a literal text (its `*` and `?` are characters). */
export function literalTokens(text: string): number[] {
  const out: number[] = new Array<number>(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/**
 * A constraint on the whole string besides the atoms (a URN's form, a non-empty value): a small automaton
 * over characters. `classOf` says which characters it tells apart (the alphabet keeps one of each).
 */
export interface Shape {
  readonly start: number;
  /** Next state, or -1 when no string with this beginning is allowed. */
  step(state: number, char: string): number;
  accepts(state: number): boolean;
  classOf(char: string): number;
  /** Characters the shape names (added to the alphabet). */
  readonly chars: string;
}

/** Non-empty strings. */
export const NON_EMPTY: Shape = {
  start: 0,
  step: () => 1,
  accepts: (s) => s === 1,
  classOf: () => 0,
  chars: '',
};

const lowerStable = (c: string): boolean => c.toLowerCase() === c;

/**
 * A request URN the engine decides as one resource, as the engine normalises it: a service segment that is
 * not empty and already lower-case (the engine lower-cases it, so every URN decides as one of these), then at
 * least four `:`; no `*` (that would be a family) and no `?` (refused). The caller excludes `*` and `?`.
 */
export const URN_SHAPE: Shape = {
  start: 0,
  step: (s, c) => {
    if (c === ':') return s === 0 ? -1 : s === 1 ? 2 : s < 5 ? s + 1 : 5;
    if (s <= 1) return lowerStable(c) ? 1 : -1;
    return s;
  },
  accepts: (s) => s === 5,
  classOf: (c) => (c === ':' ? 2 : lowerStable(c) ? 0 : 1),
  chars: ':',
};

// ---------------------------------------------------------------------------------------------------------
// Case mapping tables (built once, on first use)
// ---------------------------------------------------------------------------------------------------------

let reverseLower: Map<number, number[]> | undefined;
let multiLower: number[] | undefined;

/** BMP code units whose `toLowerCase()` is the one unit `l`; and the units whose lower case is longer (İ). */
function caseTables(): { reverse: Map<number, number[]>; multi: number[] } {
  if (!reverseLower || !multiLower) {
    const reverse = new Map<number, number[]>();
    const multi: number[] = [];
    for (let u = 0; u < 0x10000; u++) {
      const l = String.fromCharCode(u).toLowerCase();
      if (l.length !== 1) {
        multi.push(u);
        continue;
      }
      const code = l.charCodeAt(0);
      if (code === u) continue;
      let list = reverse.get(code);
      if (!list) reverse.set(code, (list = []));
      list.push(u);
    }
    reverseLower = reverse;
    multiLower = multi;
  }
  return { reverse: reverseLower, multi: multiLower };
}

function lowerUnits(c: string): number[] {
  const l = c.toLowerCase();
  const out: number[] = new Array<number>(l.length);
  for (let i = 0; i < l.length; i++) out[i] = l.charCodeAt(i);
  return out;
}

/**
 * Whether some supplementary-plane character with this high surrogate has a case mapping (Deseret, Adlam,
 * ...): its lower case then changes its low surrogate too, which a unit-by-unit view cannot follow.
 */
const casedHighs = new Map<number, boolean>();
function casedHighSurrogate(h: number): boolean {
  let cased = casedHighs.get(h);
  if (cased === undefined) {
    cased = false;
    for (let lo = 0xdc00; lo <= 0xdfff && !cased; lo++) {
      const c = String.fromCharCode(h, lo);
      cased = c.toLowerCase() !== c || c.toUpperCase() !== c;
    }
    casedHighs.set(h, cased);
  }
  return cased;
}

// ---------------------------------------------------------------------------------------------------------
// Alphabet
// ---------------------------------------------------------------------------------------------------------

interface Sym {
  text: string;
  cs: number;
  ci: number[];
  shape: number;
  /**
   * A character some literal names whose behaviour in the shapes no character named by nothing has (the
   * `:` of a URN, the `.` of a number when a literal names it): tried at every step, since no other
   * character can stand for it where no literal expects it.
   */
  forced: boolean;
}

const OTHER_CANDIDATES = 'xzqjkw0#~_=!XZQ\u00b7\u2603';

/**
 * One character per behaviour. A character's behaviour is what the case-sensitive patterns see (the unit
 * itself if some literal names it, else OTHER), what the case-insensitive ones see (its lower case, unit
 * by unit, each named or OTHER) and its shape class. The behaviours that exist are: each named unit; for
 * each lower-case unit a case-insensitive literal names, the characters that lower to it but are not named
 * themselves (from the case table); the characters whose lower case is longer (İ); and characters named by
 * nothing (one per shape class, from a fixed list). Every other character behaves as one of those.
 * Returns a problem when a case-insensitive literal contains a unit whose case mapping this table cannot
 * model (a lower-case unit some context-dependent or supplementary-plane upper case maps to).
 */
function buildAlphabet(alts: readonly Alternative[], shapes: ReadonlyArray<Shape | undefined>, excluded: string, extra: string): { syms: Sym[]; problem?: string } {
  const cs = new Set<number>();
  const ci = new Set<number>();
  for (const a of alts) for (const t of a.tokens) if (t >= 0 || t === SEG_STAR || t === SEG_ANY) (a.caseInsensitive ? ci : cs).add(t >= 0 ? t : COLON);
  let problem: string | undefined;
  for (const u of ci) {
    if (u === 0x03c3 || u === 0x03c2 || (u >= 0xd800 && u <= 0xdbff && casedHighSurrogate(u))) {
      problem = `a case-insensitive comparison names "${String.fromCharCode(u)}" (U+${u.toString(16).toUpperCase().padStart(4, '0')}), whose upper-case forms lower differently by context or as a pair`;
    }
  }
  const syms = new Map<string, Sym>();
  const shapeKeys = new Map<Sym, string>();
  const add = (text: string): void => {
    if (excluded.includes(text)) return;
    const u = text.charCodeAt(0);
    const sym: Sym = {
      text,
      cs: cs.has(u) ? u : OTHER,
      ci: lowerUnits(text).map((l) => (ci.has(l) ? l : OTHER)),
      shape: 0,
      forced: false,
    };
    const classes = shapes.map((sh) => (sh ? sh.classOf(text) : 0));
    sym.shape = classes[0] ?? 0;
    const key = `${sym.cs}|${sym.ci.join(',')}|${classes.join('.')}`;
    if (!syms.has(key)) {
      syms.set(key, sym);
      shapeKeys.set(sym, classes.join('.'));
    }
  };
  for (const u of cs) add(String.fromCharCode(u));
  if (ci.size > 0) {
    const { reverse, multi } = caseTables();
    for (const l of ci) {
      add(String.fromCharCode(l));
      for (const u of reverse.get(l) ?? []) if (!cs.has(u)) add(String.fromCharCode(u));
    }
    for (const u of multi) add(String.fromCharCode(u));
  }
  for (const c of OTHER_CANDIDATES) add(c);
  for (const sh of shapes) for (const c of sh?.chars ?? '') add(c);
  for (const c of extra) add(c);
  // A named character stands where no literal expects it for every character that behaves as it does in the
  // shapes and is named by nothing; when there is none (the shapes tell it apart), it must be tried itself.
  const unnamed = (sym: Sym): boolean => sym.cs === OTHER && sym.ci.every((l) => l === OTHER);
  const covered = new Set([...syms.values()].filter(unnamed).map((sym) => shapeKeys.get(sym)));
  for (const sym of syms.values()) if (!unnamed(sym) && !covered.has(shapeKeys.get(sym))) sym.forced = true;
  return problem === undefined ? { syms: [...syms.values()] } : { syms: [...syms.values()], problem };
}

/**
 * The symbols worth trying from a set of positions: a symbol that no position's literal names (in the view
 * that position reads) moves every position exactly as a character named by nothing does, so only the named
 * ones, the characters named by nothing (one per shape class) and the ones whose lower case is longer are
 * tried. `tok[p]` is position p's token, `ci(p)` whether it reads the lower case.
 */
const csMark = new Int32Array(0x10000);
const ciMark = new Int32Array(0x10000);
let symGen = 0;
function usefulSymbols(syms: readonly Sym[], positions: readonly number[], tok: readonly number[], ci: (p: number) => boolean): number[] {
  const g = ++symGen;
  for (const p of positions) {
    const t = tok[p] as number;
    // A segment's run or unit expects anything but `:`, which ends the segment: `:` is tried there.
    if (t >= 0 || t === SEG_STAR || t === SEG_ANY) (ci(p) ? ciMark : csMark)[t >= 0 ? t : COLON] = g;
  }
  const out: number[] = [];
  for (let k = 0; k < syms.length; k++) {
    const sym = syms[k] as Sym;
    if (sym.ci.length !== 1 || sym.forced) out.push(k);
    else {
      const u = sym.ci[0] as number;
      if ((sym.cs === OTHER && u === OTHER) || (sym.cs >= 0 && csMark[sym.cs] === g) || (u >= 0 && ciMark[u] === g)) out.push(k);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Exploration
// ---------------------------------------------------------------------------------------------------------

export interface StringClass {
  /** Truth of each atom. */
  vector: Uint8Array;
  /** A shortest string of the class. */
  rep: string;
}

export interface Exploration {
  classes: StringClass[];
  /** False when the walk stopped at the work limit: the class list may be incomplete. */
  complete: boolean;
  /** Why the classes may be incomplete (work limit, unmodelled case mapping). */
  problem?: string;
  /** Position steps taken. */
  work: number;
}

export interface ExploreOptions {
  /** Longest string the request space allows. */
  maxLength: number;
  shape?: Shape;
  /** Characters the space forbids. */
  excluded?: string;
  /**
   * Automata run beside the atoms whose acceptance is reported as more atoms (after the others in each
   * vector): a syntax a value must have to be read as a number, a date or an address. They restrict nothing.
   */
  syntaxes?: readonly Shape[];
  /** More characters to try (they only matter for a shape that names them). */
  extra?: string;
  workLimit: number;
}

/** The classes of strings the atoms define (see the file comment). */
export function exploreClasses(atoms: readonly RegularAtom[], options: ExploreOptions): Exploration {
  const alts: Alternative[] = [];
  const altAtom: number[] = [];
  atoms.forEach((a, i) => {
    for (const alt of a.alternatives) {
      alts.push(alt);
      altAtom.push(i);
    }
  });
  const syntaxes = options.syntaxes ?? [];
  const { syms, problem: alphabetProblem } = buildAlphabet(alts, [options.shape, ...syntaxes], options.excluded ?? '', options.extra ?? '');
  // Global positions: alternative k's position p is offset[k] + p; position offset[k] + length is its end.
  const tok: number[] = [];
  const isCi: boolean[] = [];
  const endAtom: number[] = [];
  const starts: number[] = [];
  alts.forEach((alt, k) => {
    starts.push(tok.length);
    for (const t of alt.tokens) {
      tok.push(t);
      isCi.push(alt.caseInsensitive);
      endAtom.push(-1);
    }
    tok.push(OTHER); // the end position: no transition
    isCi.push(alt.caseInsensitive);
    endAtom.push(altAtom[k] as number);
  });
  const ends = new Uint8Array(tok.length);
  alts.forEach((alt, k) => (ends[(starts[k] as number) + alt.tokens.length] = 1));
  const n = tok.length;
  const mark = new Int32Array(n);
  let gen = 0;
  let work = 0;

  const addClosed = (p: number, out: number[]): void => {
    if (mark[p] === gen) return;
    mark[p] = gen;
    out.push(p);
    if (isRun(tok[p] as number)) addClosed(p + 1, out);
  };
  const stepUnit = (p: number, code: number, out: number[]): void => {
    if (ends[p] === 1) return;
    const t = tok[p] as number;
    if (stays(t, code)) addClosed(p, out);
    else if (advances(t, code)) addClosed(p + 1, out);
  };
  const closeInto = (p: number, seen: Set<number>): void => {
    if (seen.has(p)) return;
    seen.add(p);
    if (isRun(tok[p] as number)) closeInto(p + 1, seen);
  };
  const step = (set: readonly number[], sym: Sym): number[] => {
    gen++;
    const out: number[] = [];
    for (const p of set) {
      work++;
      if (!isCi[p]) stepUnit(p, sym.cs, out);
      else if (sym.ci.length === 1) stepUnit(p, sym.ci[0] as number, out);
      else {
        // A character whose lower case is several units (İ): step through each unit in turn.
        let cur = new Set<number>([p]);
        for (const unit of sym.ci) {
          const next = new Set<number>();
          for (const q of cur) {
            if (ends[q] === 1) continue;
            const t = tok[q] as number;
            if (stays(t, unit)) closeInto(q, next);
            else if (advances(t, unit)) closeInto(q + 1, next);
          }
          cur = next;
        }
        for (const q of cur) addClosed(q, out);
      }
    }
    out.sort((a, b) => a - b);
    return out;
  };

  gen++;
  const first: number[] = [];
  for (const s of starts) addClosed(s, first);
  first.sort((a, b) => a - b);

  const shape = options.shape;
  const states: number[][] = [first];
  const shapeOf: number[] = [shape ? shape.start : 0];
  const syntaxOf: number[][] = [syntaxes.map((x) => x.start)];
  const parent: number[] = [-1];
  const via: number[] = [-1];
  const depth: number[] = [0];
  const index = new Map<string, number>([[`${first.join(',')}|${shapeOf[0]}|${syntaxOf[0]!.join(',')}`, 0]]);
  const classes = new Map<string, number>();
  const vectorOf = (set: readonly number[], sx: readonly number[]): Uint8Array => {
    const v = new Uint8Array(atoms.length + syntaxes.length);
    for (const p of set) if (ends[p] === 1) v[endAtom[p] as number] = 1;
    atoms.forEach((a, i) => {
      if (a.negated) v[i] = v[i] === 1 ? 0 : 1;
    });
    syntaxes.forEach((x, k) => (v[atoms.length + k] = sx[k] !== -1 && x.accepts(sx[k] as number) ? 1 : 0));
    return v;
  };
  let complete = true;
  for (let head = 0; head < states.length; head++) {
    const set = states[head] as number[];
    const sh = shapeOf[head] as number;
    const sx = syntaxOf[head] as number[];
    if (!shape || shape.accepts(sh)) {
      const v = vectorOf(set, sx);
      const key = v.join('');
      if (!classes.has(key)) classes.set(key, head);
    }
    if ((depth[head] as number) >= options.maxLength) continue;
    for (const s of usefulSymbols(syms, set, tok, (p) => isCi[p] as boolean)) {
      const sym = syms[s] as Sym;
      const nsh = shape ? shape.step(sh, sym.text) : 0;
      if (nsh === -1) continue;
      const next = step(set, sym);
      const nsx = syntaxes.map((x, k) => (sx[k] === -1 ? -1 : x.step(sx[k] as number, sym.text)));
      const key = `${next.join(',')}|${nsh}|${nsx.join(',')}`;
      if (index.has(key)) continue;
      index.set(key, states.length);
      states.push(next);
      shapeOf.push(nsh);
      syntaxOf.push(nsx);
      parent.push(head);
      via.push(s);
      depth.push((depth[head] as number) + 1);
    }
    if (work > options.workLimit) {
      complete = false;
      break;
    }
  }
  const repOf = (i: number): string => {
    const parts: string[] = [];
    for (let at = i; at > 0; at = parent[at] as number) parts.push((syms[via[at] as number] as Sym).text);
    return parts.reverse().join('');
  };
  const out: StringClass[] = [];
  for (const [key, i] of classes) out.push({ vector: Uint8Array.from(key, (c) => (c === '1' ? 1 : 0)), rep: repOf(i) });
  const result: Exploration = { classes: out, complete: complete && alphabetProblem === undefined, work };
  if (!complete) result.problem = `the string classes of ${atoms.length} patterns need more than ${options.workLimit} automaton steps`;
  else if (alphabetProblem !== undefined) result.problem = alphabetProblem;
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------------------

/** Whether a string is in the space: within the length, without excluded characters, of the shape. */
export function allowedString(s: string, options: Pick<ExploreOptions, 'maxLength' | 'shape' | 'excluded'>): boolean {
  if (s.length > options.maxLength) return false;
  if (options.excluded) for (const c of options.excluded) if (s.includes(c)) return false;
  const shape = options.shape;
  if (!shape) return true;
  let st = shape.start;
  for (let i = 0; i < s.length && st !== -1; i++) st = shape.step(st, s[i] as string);
  return st !== -1 && shape.accepts(st);
}

/**
 * A constraint on the atoms' truths, given as an opaque set (the analysis's decision diagram) that can be
 * narrowed one atom at a time. `NONE` is the empty set.
 */
export interface AtomConstraint {
  readonly initial: number;
  /** The set with atom `atom` fixed to `value` (`NONE` when nothing is left). */
  restrict(set: number, atom: number, value: 0 | 1): number;
  /** The atoms the set still depends on, ascending. */
  support(set: number): readonly number[];
  /** With every atom fixed: whether a string ending here is a solution (the caller may need more than the set). */
  accept(set: number, value: string): boolean;
  readonly NONE: number;
}

export interface Found {
  /** A shortest string whose atom truths the constraint accepts; null when there is none. */
  value: string | null;
  /** False when the search stopped at the work limit (then `value` is null and nothing is proved). */
  complete: boolean;
  work: number;
  /** Whether some string met the set but `accept` refused it (so "none" is not a proof of emptiness). */
  refused: boolean;
}

/**
 * Strings whose truths of the atoms lie in a constraint, shortest first: the walk of `exploreClasses`,
 * pruned by the constraint. An atom's truth is settled before the string ends once no alternative can
 * match any more (false) or one has reached a final `*` (true, whatever follows); each settled atom narrows
 * the constraint, and a walk whose constraint becomes empty stops. Atoms the constraint no longer depends on
 * are dropped from the state, so strings that differ only in what no longer matters are one state.
 * The automaton is built once per atom list; each `find` is one search.
 */
export class StringSearch {
  private readonly alts: Alternative[] = [];
  private readonly altAtom: number[] = [];
  private readonly atomAlts: number[][];
  private readonly syms: Sym[];
  private readonly problem: string | undefined;
  private readonly tok: number[] = [];
  private readonly altOf: number[] = [];
  private readonly starts: number[] = [];
  private readonly isEnd: Uint8Array;
  private readonly sticky: Uint8Array;
  private readonly mark: Int32Array;
  private gen = 0;
  private readonly altMark: Int32Array;
  private readonly altBits: Uint8Array;
  private altGen = 0;
  work = 0;

  constructor(
    private readonly atoms: readonly RegularAtom[],
    private readonly options: ExploreOptions,
  ) {
    this.atomAlts = atoms.map(() => []);
    atoms.forEach((a, i) => {
      for (const alt of a.alternatives) {
        this.atomAlts[i]!.push(this.alts.length);
        this.alts.push(alt);
        this.altAtom.push(i);
      }
    });
    const built = buildAlphabet(this.alts, [options.shape], options.excluded ?? '', options.extra ?? '');
    this.syms = built.syms;
    this.problem = built.problem;
    const ends: number[] = [];
    this.alts.forEach((alt, k) => {
      this.starts.push(this.tok.length);
      for (const t of alt.tokens) {
        this.tok.push(t);
        this.altOf.push(k);
      }
      ends.push(this.tok.length);
      this.tok.push(OTHER);
      this.altOf.push(k);
    });
    const n = this.tok.length;
    this.isEnd = new Uint8Array(n);
    for (const e of ends) this.isEnd[e] = 1;
    this.sticky = new Uint8Array(n);
    for (let p = 0; p < n; p++) if (this.tok[p] === STAR && this.isEnd[p + 1] === 1) this.sticky[p] = 1;
    this.mark = new Int32Array(n);
    this.altMark = new Int32Array(this.alts.length);
    // Per alternative: bit 1 alive, 2 at a final star, 4 at its end.
    this.altBits = new Uint8Array(this.alts.length);
  }

  private addClosed(p: number, out: number[]): void {
    while (true) {
      if (this.mark[p] === this.gen) return;
      this.mark[p] = this.gen;
      out.push(p);
      if (!isRun(this.tok[p] as number)) return;
      p++;
    }
  }

  private stepUnit(p: number, code: number, out: number[]): void {
    if (this.isEnd[p] === 1) return;
    const t = this.tok[p] as number;
    if (stays(t, code)) this.addClosed(p, out);
    else if (advances(t, code)) this.addClosed(p + 1, out);
  }

  private step(set: readonly number[], sym: Sym): number[] {
    this.gen++;
    const out: number[] = [];
    for (const p of set) {
      this.work++;
      const ci = (this.alts[this.altOf[p] as number] as Alternative).caseInsensitive;
      if (!ci) this.stepUnit(p, sym.cs, out);
      else if (sym.ci.length === 1) this.stepUnit(p, sym.ci[0] as number, out);
      else {
        // A character whose lower case is several units (İ): step through each unit in turn.
        let cur = new Set<number>([p]);
        for (const unit of sym.ci) {
          const next = new Set<number>();
          for (const q of cur) {
            if (this.isEnd[q] === 1) continue;
            const t = this.tok[q] as number;
            let r = stays(t, unit) ? q : advances(t, unit) ? q + 1 : -1;
            while (r !== -1 && !next.has(r)) {
              next.add(r);
              r = isRun(this.tok[r] as number) ? r + 1 : -1;
            }
          }
          cur = next;
        }
        for (const q of cur) this.addClosed(q, out);
      }
    }
    out.sort((a, b) => a - b);
    return out;
  }

  /** Settles what can be settled, narrows the set, keeps only the positions of atoms it still depends on. */
  private settle(c: AtomConstraint, set: number, positions: readonly number[], atEnd: boolean): { set: number; positions: number[] } {
    const g = ++this.altGen;
    const bits = this.altBits;
    const marks = this.altMark;
    for (const p of positions) {
      const k = this.altOf[p] as number;
      if (marks[k] !== g) {
        marks[k] = g;
        bits[k] = 0;
      }
      bits[k]! |= 1 | (this.sticky[p] === 1 ? 2 : 0) | (this.isEnd[p] === 1 ? 4 : 0);
    }
    const bitsOf = (k: number): number => (marks[k] === g ? (bits[k] as number) : 0);
    let s = set;
    for (const a of c.support(set)) {
      const ks = this.atomAlts[a] as number[];
      let truth = -1;
      for (const k of ks) {
        const b = bitsOf(k);
        if ((b & 2) !== 0 || (atEnd && (b & 4) !== 0)) {
          truth = 1;
          break;
        }
      }
      if (truth === -1) {
        if (atEnd) truth = 0;
        else {
          let alive = false;
          for (const k of ks) if ((bitsOf(k) & 1) !== 0) alive = true;
          if (alive) continue;
          truth = 0;
        }
      }
      if ((this.atoms[a] as RegularAtom).negated) truth = 1 - truth;
      s = c.restrict(s, a, truth as 0 | 1);
      if (s === c.NONE) return { set: s, positions: [] };
    }
    if (s === set) return { set, positions: positions as number[] };
    const keep = new Set(c.support(s));
    return { set: s, positions: positions.filter((p) => keep.has(this.altAtom[this.altOf[p] as number] as number)) };
  }

  /**
   * `candidates`: batches of readable strings to try first (each batch computed only if the previous fail);
   * `workLimit`: the steps this search may take (default: the searcher's own limit).
   */
  find(c: AtomConstraint, candidates?: ReadonlyArray<() => readonly string[]>, truths?: (s: string) => Uint8Array, workLimit = this.options.workLimit): Found {
    const before = this.work;
    const result = (value: string | null, complete: boolean, refused: boolean): Found => ({ value, complete, refused, work: this.work - before });
    if (candidates && truths) {
      for (const batch of candidates)
        for (const s of batch()) {
          this.work++;
          if (!allowedString(s, this.options)) continue;
          const t = truths(s);
          let set = c.initial;
          for (const a of c.support(set)) {
            set = c.restrict(set, a, t[a] as 0 | 1);
            if (set === c.NONE) break;
          }
          if (set !== c.NONE && c.support(set).length === 0 && c.accept(set, s)) return result(s, true, false);
        }
    }
    if (this.problem !== undefined) return result(null, false, false);
    const shape = this.options.shape;
    this.gen++;
    const first: number[] = [];
    const need = new Set(c.support(c.initial));
    for (const [i, s] of this.starts.entries()) if (need.has(this.altAtom[i] as number)) this.addClosed(s, first);
    first.sort((a, b) => a - b);
    const start = this.settle(c, c.initial, first, false);
    if (start.set === c.NONE) return result(null, true, false);
    const sets: number[] = [start.set];
    const positionsOf: number[][] = [start.positions];
    const shapeOf: number[] = [shape ? shape.start : 0];
    const parent: number[] = [-1];
    const via: number[] = [-1];
    const depth: number[] = [0];
    const seen = new Set<string>([`${start.set}|${start.positions.join(',')}|${shapeOf[0]}`]);
    let refused = false;
    const textOf = (i: number): string => {
      const parts: string[] = [];
      for (let at = i; at > 0; at = parent[at] as number) parts.push((this.syms[via[at] as number] as Sym).text);
      return parts.reverse().join('');
    };
    const limit = before + workLimit;
    for (let head = 0; head < sets.length; head++) {
      const set = sets[head] as number;
      const positions = positionsOf[head] as number[];
      const sh = shapeOf[head] as number;
      if (!shape || shape.accepts(sh)) {
        const end = this.settle(c, set, positions, true);
        if (end.set !== c.NONE) {
          const s = textOf(head);
          if (c.accept(end.set, s)) return result(s, true, refused);
          refused = true;
        }
      }
      if ((depth[head] as number) >= this.options.maxLength) continue;
      for (const k of usefulSymbols(this.syms, positions, this.tok, (p) => (this.alts[this.altOf[p] as number] as Alternative).caseInsensitive)) {
        const sym = this.syms[k] as Sym;
        const nsh = shape ? shape.step(sh, sym.text) : 0;
        if (nsh === -1) continue;
        const next = this.settle(c, set, this.step(positions, sym), false);
        if (next.set === c.NONE) continue;
        const key = `${next.set}|${next.positions.join(',')}|${nsh}`;
        if (seen.has(key)) continue;
        seen.add(key);
        sets.push(next.set);
        positionsOf.push(next.positions);
        shapeOf.push(nsh);
        parent.push(head);
        via.push(k);
        depth.push((depth[head] as number) + 1);
      }
      if (this.work > limit) return result(null, false, refused);
    }
    return result(null, true, refused);
  }
}
