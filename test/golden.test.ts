/**
 * Golden corpus: evaluation cases written from docs/semantics.md and the IMS tables, independently of the
 * engine. Each `test/golden/*.json` file holds `{ "cases": [ { name, rule, request, expect } ] }`.
 *
 * `expect` is either `{ "error": "<CODE>" }` or any subset of:
 * - `decision`, `reason`, `denied_by`: deep equality;
 * - `missing_context_keys`, `ignored_context_keys`: deep equality after sorting both sides;
 * - `results`: same length, and each element a partial object (`action`, `resource`, `decision`, `reason`,
 *   `denied_by`, `ignored_context_keys`), every given field deep-equal to the result with the same index;
 * - `required_actions`: compared as a set with `response.api.required_actions`;
 * - `api_template`: equal to `response.api.template`;
 * - `result_actions`: the set of `results[].action` (for wildcard expansions whose order is not documented);
 * - `has_warnings`: whether `response.warnings` is non-empty.
 * Messages, `matched`, `catalog_version` and `decision_id` are not compared.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../lib/index.js';
import type { EvaluateRequest, EvaluateResponse, ErrorResponse } from '../lib/types.js';

interface GoldenExpect {
  error?: string;
  decision?: string;
  reason?: string;
  denied_by?: unknown;
  missing_context_keys?: string[];
  ignored_context_keys?: string[];
  results?: Array<Record<string, unknown>>;
  required_actions?: string[];
  api_template?: string;
  result_actions?: string[];
  has_warnings?: boolean;
}

interface GoldenCase {
  name: string;
  rule: string;
  request: EvaluateRequest;
  expect: GoldenExpect;
}

const dir = new URL('./golden/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const corpus: Array<{ file: string; cases: GoldenCase[] }> = files.map((file) => {
  const parsed = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { cases: GoldenCase[] };
  return { file, cases: parsed.cases };
});

const setOf = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

function isError(r: unknown): r is ErrorResponse {
  return typeof r === 'object' && r !== null && 'error' in r;
}

describe('golden corpus', () => {
  it('has unique case names and at least 150 cases', () => {
    const names = corpus.flatMap((f) => f.cases.map((c) => c.name));
    const dupes = names.filter((n, i) => names.indexOf(n) !== i);
    expect(dupes).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(150);
    for (const f of corpus) {
      for (const c of f.cases) {
        expect(typeof c.rule, `${f.file}: ${c.name} has a rule`).toBe('string');
        expect(c.request, `${f.file}: ${c.name} has a request`).toBeTypeOf('object');
        expect(c.expect, `${f.file}: ${c.name} has an expectation`).toBeTypeOf('object');
      }
    }
  });
});

for (const { file, cases } of corpus) {
  describe(file, () => {
    for (const c of cases) {
      it(`${file}: ${c.name}`, async () => {
        // A deep copy, so that an engine that normalises its input cannot leak into another case.
        const request = JSON.parse(JSON.stringify(c.request)) as EvaluateRequest;
        const response: unknown = await evaluate(request);
        const exp = c.expect;

        if (exp.error !== undefined) {
          expect(isError(response), `expected error ${exp.error}, got ${JSON.stringify(response)}`).toBe(true);
          expect((response as ErrorResponse).error.code).toBe(exp.error);
          return;
        }
        if (isError(response)) {
          throw new Error(`expected a decision, got error ${JSON.stringify(response.error)}`);
        }
        const r = response as EvaluateResponse;

        if (exp.decision !== undefined) expect(r.decision, 'decision').toBe(exp.decision);
        if (exp.reason !== undefined) expect(r.reason, 'reason').toBe(exp.reason);
        if ('denied_by' in exp) expect(r.denied_by, 'denied_by').toEqual(exp.denied_by);
        if (exp.missing_context_keys !== undefined) {
          expect([...r.missing_context_keys].sort(), 'missing_context_keys').toEqual([...exp.missing_context_keys].sort());
        }
        if (exp.ignored_context_keys !== undefined) {
          expect([...r.ignored_context_keys].sort(), 'ignored_context_keys').toEqual([...exp.ignored_context_keys].sort());
        }
        if (exp.results !== undefined) {
          expect(
            r.results.map((x) => `${x.action} @ ${x.resource}`),
            'results (action @ resource)',
          ).toHaveLength(exp.results.length);
          exp.results.forEach((want, i) => {
            const got = r.results[i] as unknown as Record<string, unknown>;
            for (const [key, value] of Object.entries(want)) {
              expect(got[key], `results[${i}].${key}`).toEqual(value);
            }
          });
        }
        if (exp.result_actions !== undefined) {
          expect(setOf(r.results.map((x) => x.action)), 'result actions (set)').toEqual(setOf(exp.result_actions));
        }
        if (exp.required_actions !== undefined) {
          expect(r.api, 'api resolution').toBeDefined();
          expect(setOf(r.api?.required_actions ?? []), 'api.required_actions (set)').toEqual(setOf(exp.required_actions));
        }
        if (exp.api_template !== undefined) {
          expect(r.api?.template, 'api.template').toBe(exp.api_template);
        }
        if (exp.has_warnings !== undefined) {
          expect((r.warnings ?? []).length > 0, `warnings: ${JSON.stringify(r.warnings)}`).toBe(exp.has_warnings);
        }
      });
    }
  });
}
