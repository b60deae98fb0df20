/**
 * Keys an action does not carry (docs/semantics.md, "Keys an action does not carry"), cross-checked between
 * the validator and the engine: for random policies, a condition key the validator calls absent for an
 * action (CONDITION_KEY_NOT_SUPPORTED_BY_ACTION on a statement naming only that action) never changes that
 * action's decision, whether the request gives it (any value), leaves it out, or marks it unknown. The
 * validator is asked on its own, per (action, key), and the engine is only run: neither reads the other's
 * answer. And the check is not vacuous: keys the validator calls supported do change decisions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog } from '../lib/catalog/catalog.js';
import { evaluate, validate } from '../lib/index.js';
import type { ActionResult, ContextValue, EvaluateRequest, EvaluateResponse } from '../lib/types.js';

const ACTIONS = catalog.actions.filter((a) => a.kind === 'action').map((a) => a.name);
/** Keys the service provides (action-scoped), beside keys IAM fills (global). */
const KEYS = ['g:ResourceTag/env', 'g:RequestTag/team', 'g:TagKeys', 'g:EnterpriseProjectId', 'ims:TargetOrgPaths', 'ims:Encrypted', 'ims:OriginBucketOrgPaths', 'g:UserName', 'g:MFAPresent'];
const WORDS = ['prod', 'dev', 'true', 'false', 'o-1/r-1/ou-a', 'ep-1'];
const OPERATORS = ['StringEquals', 'StringNotEquals', 'StringEqualsIfExists', 'StringMatch', 'StringNotMatch', 'Null', 'ForAnyValue:StringEquals', 'ForAllValues:StringEquals'];

/** The validator's verdict, asked once per (action, key): absent from the action's requests? */
const verdicts = new Map<string, boolean>();
function validatorSaysAbsent(action: string, key: string): boolean {
  const id = `${action}\u0000${key}`;
  let absent = verdicts.get(id);
  if (absent === undefined) {
    const doc = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: [action], Resource: ['*'], Condition: { StringEquals: { [key]: ['x'] } } }] };
    absent = validate(doc).findings.some((f) => f.code === 'CONDITION_KEY_NOT_SUPPORTED_BY_ACTION');
    verdicts.set(id, absent);
  }
  return absent;
}

const condition = fc.record({
  operator: fc.constantFrom(...OPERATORS),
  key: fc.constantFrom(...KEYS),
  values: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 2 }),
});
const statement = fc.record({
  effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
  actions: fc.constantFrom(['ims:*:*'], ['ims:images:*'], ['*']),
  conditions: fc.array(condition, { minLength: 1, maxLength: 2 }),
});
const policyDoc = fc.array(statement, { minLength: 1, maxLength: 3 }).map((sts) => ({
  Version: '5.0',
  Statement: [
    ...sts.map((s) => {
      const cond: Record<string, Record<string, string[]>> = {};
      for (const c of s.conditions) {
        const values = c.operator === 'Null' ? [c.values[0] === 'true' ? 'true' : 'false'] : c.values;
        (cond[c.operator] ??= {})[c.key] = values;
      }
      return { Effect: s.effect, Action: [...s.actions], Resource: ['*'], Condition: cond };
    }),
  ],
}));
const value: fc.Arbitrary<ContextValue> = fc.oneof(fc.constantFrom(...WORDS), fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 2 }), fc.boolean());

const decisionOf = (r: ActionResult): string => `${r.decision}/${r.reason}/${JSON.stringify(r.denied_by)}`;

function ok(req: EvaluateRequest): EvaluateResponse {
  const r = evaluate(req);
  if ('error' in r) throw new Error(`refused: ${JSON.stringify(r.error)}`);
  return r;
}

describe('validator and engine agree on keys an action does not carry', () => {
  it('a key the validator calls absent for an action never changes its decision (given, left out, or unknown)', () => {
    const seen = { absent: 0, supportedChanged: 0 };
    fc.assert(
      fc.property(policyDoc, fc.constantFrom(...ACTIONS), fc.constantFrom(...KEYS), value, (doc, action, key, v) => {
        if (!validate(doc).valid) return;
        const base: EvaluateRequest = {
          principal: { account_id: 'acc-1', user_name: 'alice' },
          action,
          resource: 'ims:cn-north-4:acc-1:image:img-1',
          region: 'cn-north-4',
          policies: [{ id: 'p', document: doc }],
        };
        const without = ok(base).results[0]!;
        const given = ok({ ...base, context: { [key]: v } }).results[0]!;
        const unknown = ok({ ...base, unknown_context_keys: [key] }).results[0]!;
        if (validatorSaysAbsent(action, key)) {
          seen.absent++;
          expect(decisionOf(given), `${action} ${key}=${JSON.stringify(v)}`).toBe(decisionOf(without));
          expect(decisionOf(unknown), `${action} ${key} unknown`).toBe(decisionOf(without));
          expect(given.ignored_context_keys, 'reported as ignored').toEqual([key]);
        } else {
          if (decisionOf(given) !== decisionOf(without)) seen.supportedChanged++;
          expect(given.ignored_context_keys).toBeUndefined();
        }
      }),
      { numRuns: 600, seed: 20_261_206 },
    );
    expect(seen.absent).toBeGreaterThan(100);
    expect(seen.supportedChanged).toBeGreaterThan(5);
  });

  it("the validator calls absent exactly the service keys an action's Table 1 row does not list; IAM's keys never", () => {
    expect(validatorSaysAbsent('ims:images:get', 'g:ResourceTag/env')).toBe(true);
    expect(validatorSaysAbsent('ims:images:addMember', 'g:ResourceTag/env')).toBe(false);
    expect(validatorSaysAbsent('ims:images:import', 'ims:OriginBucketOrgPaths')).toBe(true);
    expect(validatorSaysAbsent('ims:images:addMember', 'ims:TargetOrgPaths')).toBe(false);
    for (const action of ACTIONS) for (const key of ['g:UserName', 'g:MFAPresent']) expect(validatorSaysAbsent(action, key)).toBe(false);
  });
});
