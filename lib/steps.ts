/**
 * A deterministic measure of work. Every routine whose cost is not a constant times the size of its input
 * (the glob matchers, family coverage and intersection, the validator's catalog searches and suggestions,
 * the schema checker, ...) adds the steps it took here: one step is roughly one character compared, one
 * 32-bit word of a bit-parallel scan, one automaton state visited or one table cell filled, so steps and
 * CPU time stay proportional (bench/worst.ts measures the ratio). Tests and the adversarial generator
 * read the counter to bound the work of a request without timing it (docs/limits.md).
 *
 * The counter is a plain number on a module object: routines add a count once per call or per loop, never
 * per character, so the hot path pays one addition.
 */
export const work = { steps: 0 };

/** Steps counted since the last reset (or since the process started). */
export function stepsTaken(): number {
  return work.steps;
}

export function resetSteps(): void {
  work.steps = 0;
}

/** Runs `fn` and returns its result with the steps it took (nested measurements add up as expected). */
export function measureSteps<T>(fn: () => T): { value: T; steps: number } {
  const before = work.steps;
  const value = fn();
  return { value, steps: work.steps - before };
}
