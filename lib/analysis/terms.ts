/**
 * Short exact descriptions of sets of classes. A class is a vector of atom truths (which Resource patterns
 * a URN matches, which conditions a value satisfies); a set of classes is described as a union of terms,
 * each term a few required truths ("matches A, does not match B"), such that the union holds exactly the
 * set's classes among all the classes that exist (the universe): nothing more, nothing less.
 *
 * Greedy: take a class not yet covered, add the literals of its vector that rule out the most classes
 * outside the set until none is left, drop literals that turn out unnecessary, and repeat. A term made
 * of all the class's literals holds only classes with that very vector, so this always ends.
 */

export interface Term {
  /** Atoms that must be true. */
  pos: number[];
  /** Atoms that must be false. */
  neg: number[];
}

export function coverTerms(universe: readonly Uint8Array[], inTarget: readonly boolean[], atoms: number): Term[] {
  const n = universe.length;
  const covered = new Uint8Array(n);
  const terms: Term[] = [];
  for (let t = 0; t < n; t++) {
    if (!inTarget[t] || covered[t] === 1) continue;
    const vec = universe[t] as Uint8Array;
    let cover: number[] = Array.from({ length: n }, (_, i) => i);
    const lits: number[] = [];
    const outside = (set: readonly number[]): number => set.reduce((k, i) => k + (inTarget[i] ? 0 : 1), 0);
    while (outside(cover) > 0) {
      let best = -1;
      let bestOut = -1;
      let bestIn = -1;
      for (let a = 0; a < atoms; a++) {
        if (lits.includes(a)) continue;
        let ruledOut = 0;
        let keptIn = 0;
        for (const i of cover) {
          if ((universe[i] as Uint8Array)[a] !== vec[a]) {
            if (!inTarget[i]) ruledOut++;
          } else if (inTarget[i]) keptIn++;
        }
        // Most outsiders ruled out; then most of the set kept; then a positive literal.
        if (ruledOut > bestOut || (ruledOut === bestOut && (keptIn > bestIn || (keptIn === bestIn && vec[a] === 1 && best !== -1 && vec[best] === 0)))) {
          best = a;
          bestOut = ruledOut;
          bestIn = keptIn;
        }
      }
      if (best === -1 || bestOut === 0) break; // cannot happen: the full vector rules out every outsider
      lits.push(best);
      cover = cover.filter((i) => (universe[i] as Uint8Array)[best] === vec[best]);
    }
    // Drop literals the others make unnecessary.
    for (let k = lits.length - 1; k >= 0; k--) {
      const rest = lits.filter((_, j) => j !== k);
      const wider = Array.from({ length: n }, (_, i) => i).filter((i) => rest.every((a) => (universe[i] as Uint8Array)[a] === vec[a]));
      if (outside(wider) === 0) lits.splice(k, 1);
    }
    for (let i = 0; i < n; i++) if (lits.every((a) => (universe[i] as Uint8Array)[a] === vec[a])) covered[i] = 1;
    const term: Term = { pos: [], neg: [] };
    for (const a of [...lits].sort((x, y) => x - y)) (vec[a] === 1 ? term.pos : term.neg).push(a);
    terms.push(term);
  }
  return terms;
}
