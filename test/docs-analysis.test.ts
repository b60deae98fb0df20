/**
 * The examples of docs/analysis.md run as written: every ```json analysis-example block names a call, its
 * arguments and the parts of the answer it must contain (objects: the keys given; lists: the same length,
 * element by element). Every witness of the answer is decided again by `evaluate` with the set's policies.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectContains } from './support/contains.js';
import * as analysis from '../lib/analysis/index.js';
import type { AnalysisPolicySet } from '../lib/analysis/index.js';
import { evaluate } from '../lib/index.js';
import type { EvaluateRequest, JsonValue } from '../lib/types.js';

const page = readFileSync(new URL('../docs/analysis.md', import.meta.url), 'utf8');
const blocks = [...page.matchAll(/```json analysis-example\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] as string) as { call: string; args: JsonValue[]; expect: JsonValue });

const decide = (set: AnalysisPolicySet, w: EvaluateRequest): string => {
  const r = evaluate({ ...w, policies: set.policies ?? [], scps: set.scps ?? [] });
  return 'error' in r ? r.error.code : r.decision;
};

describe('docs/analysis.md examples', () => {
  it('has examples of every operation', () => {
    expect(new Set(blocks.map((b) => b.call))).toEqual(new Set(['checkNoNewAccess', 'diff', 'checkAccessNotGranted', 'summarize']));
  });
  blocks.forEach((b, i) => {
    it(`example ${i + 1}: ${b.call}`, () => {
      const fn = (analysis as unknown as Record<string, (...args: unknown[]) => unknown>)[b.call] as (...args: unknown[]) => unknown;
      const answer = fn(...b.args) as Record<string, unknown>;
      expect(answer.error).toBeUndefined();
      expectContains(b.expect, answer, b.call);
      const sets = b.args as unknown as AnalysisPolicySet[];
      for (const f of (answer.findings ?? []) as analysis.AnalysisFinding[]) {
        const [allowing, refusing] = f.kind === 'lost_access' ? [sets[0]!, sets[1]!] : b.call === 'checkAccessNotGranted' ? [sets[0]!, null] : [sets[1]!, sets[0]!];
        expect(decide(allowing, f.witness)).toBe('allow');
        if (refusing) expect(decide(refusing, f.witness)).toBe('deny');
      }
      for (const g of (answer.groups ?? []) as analysis.SummaryResult['groups']) {
        for (const a of g.actions) for (const w of a.when ?? []) expect(decide(sets[0]!, w.witness)).toBe('allow');
      }
    });
  });
});
