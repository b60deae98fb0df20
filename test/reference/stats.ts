/**
 * Runs generated cases through engine and model, counting outcomes; shared by the differential test and
 * `npm run fuzz:diff`.
 */
import fc from 'fast-check';
import { compareCase, type DiffCase, type Outcome } from './compare.js';
import { casesOf, diffGroup } from './generate.js';

export interface DiffStats {
  runs: number;
  decided: number;
  skipped: Record<string, number>;
  disagreements: number;
  decisions: Record<'allow' | 'deny', number>;
  reasons: Record<'allowed' | 'explicit_deny' | 'implicit_deny', number>;
  /** Implicit denials by layer. */
  implicitBy: Record<'scp' | 'identity', number>;
  /** Cases with several results, with missing context keys, with a preset (scoped) policy set. */
  batches: number;
  withMissingKeys: number;
  presets: number;
  /** Cases in api mode; cases with a family of resources (a URN pattern with `*`). */
  apiCalls: number;
  families: number;
  /** The first disagreement met (unshrunk). */
  first?: { case: DiffCase; outcome: Extract<Outcome, { kind: 'disagree' }> };
}

export function emptyStats(): DiffStats {
  return {
    runs: 0,
    decided: 0,
    skipped: {},
    disagreements: 0,
    decisions: { allow: 0, deny: 0 },
    reasons: { allowed: 0, explicit_deny: 0, implicit_deny: 0 },
    implicitBy: { scp: 0, identity: 0 },
    batches: 0,
    withMissingKeys: 0,
    presets: 0,
    apiCalls: 0,
    families: 0,
  };
}

export function record(stats: DiffStats, c: DiffCase, outcome: Outcome): void {
  stats.runs++;
  if (outcome.kind === 'skipped') {
    stats.skipped[outcome.code] = (stats.skipped[outcome.code] ?? 0) + 1;
    return;
  }
  stats.decided++;
  if (c.preset) stats.presets++;
  if (outcome.kind === 'disagree') {
    stats.disagreements++;
    stats.first ??= { case: c, outcome };
    return;
  }
  const m = outcome.model;
  stats.decisions[m.decision]++;
  stats.reasons[m.reason]++;
  if (m.reason === 'implicit_deny' && m.denied_by) stats.implicitBy[m.denied_by.layer]++;
  if (m.results.length > 1) stats.batches++;
  if (m.missing_context_keys.length > 0) stats.withMissingKeys++;
  if (c.request.api) stats.apiCalls++;
  if (m.results.some((r) => r.resource.includes('*') && r.resource !== '*')) stats.families++;
}

export const skippedTotal = (s: DiffStats): number => Object.values(s.skipped).reduce((a, b) => a + b, 0);

/** Runs `groups` generated policy sets with their requests (seeded), recording every outcome; never stops early. */
/** `onGroup`: called after each group (the fuzz script's progress line). */
export function runCases(groups: number, seed: number, stats: DiffStats = emptyStats(), onGroup?: () => void): DiffStats {
  fc.assert(
    fc.property(diffGroup, (g) => {
      for (const c of casesOf(g)) record(stats, c, compareCase(c));
      onGroup?.();
    }),
    { numRuns: groups, seed },
  );
  return stats;
}

/** Re-runs the same seed, stopping at the first group with a disagreement and shrinking it; returns its first disagreeing case. */
export function shrinkFirstDisagreement(groups: number, seed: number): { case: DiffCase; outcome: Outcome } | null {
  const details = fc.check(
    fc.property(diffGroup, (g) => casesOf(g).every((c) => compareCase(c).kind !== 'disagree')),
    { numRuns: groups, seed },
  );
  if (!details.failed || !details.counterexample) return null;
  for (const c of casesOf(details.counterexample[0])) {
    const outcome = compareCase(c);
    if (outcome.kind === 'disagree') return { case: c, outcome };
  }
  return null;
}
