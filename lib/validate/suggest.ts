/** "Did you mean": candidates close to a misspelled name, by case-insensitive edit distance. */
import { actionAt, catalog, lookupAction } from '../catalog/catalog.js';

export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] as number;
}

/** Up to `max` candidates within a distance that grows with the word's length, best first. */
export function suggest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(w.length / 6)));
  const scored: Array<[string, number]> = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c)) continue;
    seen.add(c);
    const cl = c.toLowerCase();
    let d = editDistance(w, cl, limit);
    // A candidate that contains the word's last segment is a good hint too (ims:images:dlete -> deleteImage).
    if (d > limit) {
      const tail = w.slice(w.lastIndexOf(':') + 1);
      if (tail.length >= 3 && cl.slice(cl.lastIndexOf(':') + 1).includes(tail)) d = limit;
    }
    if (d <= limit) scored.push([c, d]);
  }
  scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  return scored.slice(0, max).map(([c]) => c);
}

/**
 * "Did you mean" for an action name, from the catalog's names and legacy (1.1) aliases. A legacy name
 * that comes close is replaced by the current name(s) it designates (`ims:images:dlete` ->
 * `ims:images:deleteImage`), unless `legacy` is set: 1.1 policies, whose names the aliases are.
 */
export function suggestActionName(word: string, options: { legacy?: boolean; foreign?: boolean } = {}, max = 3): string[] {
  const entries = options.foreign ? catalog.actions : catalog.actions.filter((a) => a.kind !== 'foreign');
  const close = suggest(word, entries.flatMap((a) => [a.name, ...a.aliases]), max * 2);
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
