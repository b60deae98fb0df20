/**
 * The algebra of the decision (fast-check): deny wins, adding an Allow never removes access, adding an
 * SCP level never grants access, a wildcard grants at least what a concrete action it covers grants,
 * and the compiled evaluator agrees with one-shot evaluation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEvaluator, evaluate, explain } from '../lib/index.js';
import type { EvaluateRequest, EvaluateResponse, InlinePolicy, PolicyDocument } from '../lib/types.js';
import { evaluateRequest, policyDocument, statementSpec, type StatementSpec } from './support/arbitraries.js';

const RUNS = { numRuns: 400 };

function ok(req: EvaluateRequest): EvaluateResponse {
  const r = evaluate(req);
  if ('error' in r) throw new Error(`generated request refused: ${JSON.stringify(r.error).slice(0, 2000)}`);
  return r;
}

const DENY_ALL: InlinePolicy = { id: 'deny-all', document: { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['*'] }] } };

describe('decision algebra', () => {
  it('generated requests are valid and decisions are consistent with their results', () => {
    fc.assert(
      fc.property(evaluateRequest, (req) => {
        const r = ok(req);
        const allAllow = r.results.every((x) => x.decision === 'allow');
        expect(r.decision).toBe(allAllow ? 'allow' : 'deny');
        expect(r.reason === 'allowed').toBe(r.decision === 'allow');
        expect(r.denied_by === null).toBe(r.decision === 'allow');
      }),
      RUNS,
    );
  });

  it('an explicit Deny of everything wins over any allow, in any identity position', () => {
    fc.assert(
      fc.property(evaluateRequest, fc.nat(), (req, pos) => {
        const policies = [...(req.policies ?? [])];
        policies.splice(pos % (policies.length + 1), 0, DENY_ALL);
        const r = ok({ ...req, policies });
        expect(r.decision).toBe('deny');
        expect(r.reason).toBe('explicit_deny');
      }),
      RUNS,
    );
  });

  it('a Deny of everything in an SCP level denies unless the principal is exempt from SCPs', () => {
    fc.assert(
      fc.property(evaluateRequest, (req) => {
        const scps = [...(req.scps ?? []), { level: 'extra', policies: [DENY_ALL] }];
        const r = ok({ ...req, scps });
        const exempt = req.principal?.management_account === true || req.principal?.type === 'service_linked_agency';
        if (!exempt) expect(r.reason).toBe('explicit_deny');
        else expect(r.decision).toBe(ok(req).decision);
      }),
      RUNS,
    );
  });

  it('adding an Allow statement never turns an allow into a deny', () => {
    fc.assert(
      fc.property(evaluateRequest, statementSpec, (req, extra) => {
        const before = ok(req);
        const allowOnly: StatementSpec = { ...extra, effect: 'Allow' };
        const policies = [...(req.policies ?? []), { id: 'extra', document: policyDocument([allowOnly]) }];
        const after = ok({ ...req, policies });
        if (before.decision === 'allow') expect(after.decision).toBe('allow');
        // And it never creates an explicit deny.
        if (before.reason !== 'explicit_deny') expect(after.reason).not.toBe('explicit_deny');
      }),
      RUNS,
    );
  });

  it('adding an SCP level never turns a deny into an allow', () => {
    fc.assert(
      fc.property(evaluateRequest, fc.array(statementSpec, { minLength: 1, maxLength: 3 }), (req, stmts) => {
        const before = ok(req);
        const scps = [...(req.scps ?? []), { level: 'added', policies: [{ id: 'added', document: policyDocument(stmts) }] }];
        const after = ok({ ...req, scps });
        if (before.decision === 'deny') expect(after.decision).toBe('deny');
      }),
      RUNS,
    );
  });

  it('adding a Deny statement never turns a deny into an allow', () => {
    fc.assert(
      fc.property(evaluateRequest, statementSpec, (req, extra) => {
        const before = ok(req);
        const policies = [...(req.policies ?? []), { id: 'extra', document: policyDocument([{ ...extra, effect: 'Deny' }]) }];
        const after = ok({ ...req, policies });
        if (before.decision === 'deny') expect(after.decision).toBe('deny');
      }),
      RUNS,
    );
  });

  it('a wildcard pattern grants at least what a concrete action it covers grants', () => {
    // Replace the concrete action of an Allow by a pattern that covers it: what was allowed stays allowed.
    const coverings = (name: string): string[] => {
      const [svc, type, op] = name.split(':') as [string, string, string];
      return ['*', `${svc}:*`, `${svc}:${type}:*`, `${svc}:*:${op}`, `${name.slice(0, -1)}?`, `${name.slice(0, 6)}*`, name.toUpperCase()];
    };
    fc.assert(
      fc.property(evaluateRequest, fc.nat(), (req, pick) => {
        const action = req.action as string;
        const concrete: PolicyDocument = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: [action], Resource: ['*'] }] };
        const pattern = coverings(action)[pick % 7] as string;
        const wild: PolicyDocument = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: [pattern], Resource: ['*'] }] };
        const a = ok({ ...req, policies: [...(req.policies ?? []), { id: 'grant', document: concrete }] });
        const b = ok({ ...req, policies: [...(req.policies ?? []), { id: 'grant', document: wild }] });
        if (a.decision === 'allow') expect(b.decision).toBe('allow');
      }),
      RUNS,
    );
  });

  it('createEvaluator (compiled once) and explain agree with evaluate', () => {
    fc.assert(
      fc.property(evaluateRequest, (req) => {
        const direct = ok(req);
        const { policies, scps, ...rest } = req;
        const ev = createEvaluator({ policies: policies ?? [], scps: scps ?? [] });
        const viaEvaluator = ev.evaluate(rest);
        const viaExplain = explain(req);
        for (const r of [viaEvaluator, viaExplain]) {
          if ('error' in r) throw new Error(JSON.stringify(r.error));
          expect(r.decision).toBe(direct.decision);
          expect(r.reason).toBe(direct.reason);
          expect(r.denied_by).toEqual(direct.denied_by);
          expect(r.missing_context_keys).toEqual(direct.missing_context_keys);
        }
        if (!('error' in viaExplain)) {
          // The trace's per-layer outcome is consistent with the decision.
          viaExplain.trace.forEach((t, i) => {
            expect(t.decision).toBe(direct.results[i]?.decision);
            const anyDeny = t.layers.some((l) => l.outcome === 'deny');
            expect(anyDeny).toBe(direct.results[i]?.reason === 'explicit_deny');
          });
        }
      }),
      { numRuns: 200 },
    );
  });
});
