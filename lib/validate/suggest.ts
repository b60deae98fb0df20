/** "Did you mean": candidates close to a misspelled name, by case-insensitive edit distance. */
import { actionAt, catalog, lookupAction } from '../catalog/catalog.js';
import { work } from '../steps.js';

/**
 * Levenshtein distance, or `limit + 1` as soon as it exceeds `limit`. Only the cells within `limit` of the
 * diagonal are filled (the others exceed it), so it costs at most (|a| + 1) x (2 x limit + 1) steps, and
 * nothing when the lengths differ by more than `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const band = Number.isFinite(limit) ? limit : Math.max(a.length, b.length);
  const big = band + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j <= band ? j : big;
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - band);
    const hi = Math.min(b.length, i + band);
    work.steps += hi - lo + 2;
    cur[0] = i <= band ? i : big;
    if (lo > 1) cur[lo - 1] = big;
    let rowMin = cur[0] as number;
    for (let j = lo; j <= hi; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const up = j <= i - 1 + band ? (prev[j] as number) : big;
      const v = Math.min(up + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (hi < b.length) cur[hi + 1] = big;
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  const d = prev[b.length] as number;
  return d > limit ? limit + 1 : d;
}

/** Where the steps of optional work come from (the validator's Reporter: a budget per document). */
export interface WorkBudget {
  afford(steps: number): boolean;
}

/**
 * Up to `max` candidates within a distance that grows with the word's length, best first. With a budget,
 * the suggestions are made only if it affords their cost bound (else none: they are optional).
 */
export function suggest(word: string, candidates: Iterable<string>, max = 3, budget?: WorkBudget): string[] {
  const list = Array.isArray(candidates) ? (candidates as string[]) : [...candidates];
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 6)));
  if (budget) {
    // Each candidate: the band (at most |word| rows, cut at the candidate's length + limit), the tail test.
    let cost = word.length;
    for (const c of list) cost += (Math.min(word.length, c.length + limit) + 1) * (2 * limit + 1) + c.length + 1;
    if (!budget.afford(cost)) return [];
  }
  const w = word.toLowerCase();
  const tail = w.slice(w.lastIndexOf(':') + 1);
  const scored: Array<[string, number]> = [];
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c)) continue;
    seen.add(c);
    const cl = c.toLowerCase();
    work.steps += cl.length + 1;
    let d = editDistance(w, cl, limit);
    // A candidate that contains the word's last segment is a good hint too (ims:images:dlete -> deleteImage).
    if (d > limit) {
      if (tail.length >= 3 && tail.length <= cl.length && cl.slice(cl.lastIndexOf(':') + 1).includes(tail)) d = limit;
    }
    if (d <= limit) scored.push([c, d]);
  }
  scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  return scored.slice(0, max).map(([c]) => c);
}

/** The names and legacy aliases of the catalog's actions (IMS ones only, or with the foreign ones), listed once. */
let imsActionNames: string[] | undefined;
let allActionNames: string[] | undefined;
const actionNames = (foreign: boolean): string[] =>
  foreign
    ? (allActionNames ??= catalog.actions.flatMap((a) => [a.name, ...a.aliases]))
    : (imsActionNames ??= catalog.actions.filter((a) => a.kind !== 'foreign').flatMap((a) => [a.name, ...a.aliases]));

/**
 * "Did you mean" for an action name, from the catalog's names and legacy (1.1) aliases. A legacy name
 * that comes close is replaced by the current name(s) it designates (`ims:images:dlete` ->
 * `ims:images:deleteImage`), unless `legacy` is set: 1.1 policies, whose names the aliases are. With a
 * budget (the validator's), as suggest: none when it does not afford their cost bound.
 */
export function suggestActionName(word: string, options: { legacy?: boolean; foreign?: boolean; budget?: WorkBudget } = {}, max = 3): string[] {
  const close = suggest(word, actionNames(options.foreign === true), max * 2, options.budget);
  if (options.legacy) return close.slice(0, max);
  const out: string[] = [];
  for (const name of close) {
    for (const idx of lookupAction(name)) {
      const current = actionAt(idx).name;
      if (!out.includes(current)) out.push(current);
    }
  }
  return out.slice(0, max);
}
