/**
 * Unused access in lib (lib/access/unused.ts): granted actions from the identity Allow statements, the
 * window's hour rounding, and the least-privilege suggestion: it keeps every used action (with the granted
 * resources, conditions and scope), drops the unused, keeps every Deny, and passes checkNoNewAccess against
 * the current set; each kept action is still allowed and each dropped one denied by the engine.
 */
import { describe, expect, it } from 'vitest';
import { grantedActions, suggestPolicy, unusedAccess, type LastUse } from '../lib/access/unused.js';
import { policySetOfLoaded } from '../lib/decision/policy-set.js';
import type { LoadedGrant, LoadedPolicies } from '../lib/decision/source.js';
import { checkNoNewAccess } from '../lib/analysis/index.js';
import { createEvaluator } from '../lib/engine/engine.js';
import type { GrantScope, ScopedPolicy } from '../lib/types.js';

const ACC = 'acc-1';
const grant = (id: string, document: unknown, scope: GrantScope = { type: 'global' }, holder: LoadedGrant['principal'] = { type: 'user', id: 'alice' }): LoadedGrant => ({
  grant_id: `${holder.type}:${holder.id}:${id}`,
  principal: holder,
  scope,
  policy_id: id,
  version: 'v1',
  document: JSON.stringify(document),
});
const setOf = (grants: LoadedGrant[], organization: LoadedPolicies['organization'] = null) => {
  const loaded: Omit<LoadedPolicies, 'stamp'> = { principal: { type: 'user', id: 'alice', name: 'alice' }, groups: ['admins'], grants, organization };
  return policySetOfLoaded(ACC, loaded);
};
/** acc-1 in OU eu of o-1, whose SCP denies unencrypted copies (the seeded example's shape). */
const ORG: LoadedPolicies['organization'] = {
  org_id: 'o-1',
  management_account_id: 'acc-0',
  scp_enabled: true,
  org_path: 'o-1/r-1/ou-eu/acc-1',
  levels: [
    {
      node_id: 'r-1',
      node_type: 'root',
      policies: [{ policy_id: 'FullAccess', version: 'v1', document: JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] }) }],
    },
    {
      node_id: 'ou-eu',
      node_type: 'ou',
      policies: [
        { policy_id: 'FullAccess', version: 'v1', document: JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] }) },
        {
          policy_id: 'no-unencrypted-copy',
          version: 'v2',
          document: JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:copyInRegion'], Resource: ['*'], Condition: { Bool: { 'ims:Encrypted': ['false'] } } }] }),
        },
      ],
    },
    {
      node_id: 'acc-1',
      node_type: 'account',
      policies: [{ policy_id: 'FullAccess', version: 'v1', document: JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] }) }],
    },
  ],
};

const fullAccess = grant('ims-full', { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] }, { type: 'all_projects' }, { type: 'group', id: 'admins' });
const noDelete = grant('no-delete', { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] }, { type: 'project', project: 'cn-north-4' }, { type: 'group', id: 'admins' });
const tagged = grant('tagged-get', {
  Version: '5.0',
  Statement: [{ Sid: 'Prod', Effect: 'Allow', Action: ['ims:images:get', 'ims:images:list'], Resource: ['ims:*:acc-1:image:*'], Condition: { StringEquals: { 'g:ResourceTag/env': ['prod'] } } }],
});

const NOW = Date.parse('2026-12-06T12:30:00Z');
const use = (action: string, last_used: string): LastUse => ({ principal: { type: 'user', id: 'alice' }, action, last_used });

describe('grantedActions', () => {
  it('expands the Allow statements over the catalog (patterns, aliases), canonical names', () => {
    const g = grantedActions(setOf([tagged]));
    expect(g).toEqual(['ims:images:get', 'ims:images:list']);
    const all = grantedActions(setOf([fullAccess, noDelete]));
    expect(all).toContain('ims:images:deleteImage');
    expect(all).toContain('ims:images:list');
    expect(all.every((a) => a.startsWith('ims:'))).toBe(true);
  });

  it('NotAction grants every catalog action it leaves out; Deny statements grant nothing', () => {
    const g = grantedActions(setOf([grant('not', { Version: '5.0', Statement: [{ Effect: 'Allow', NotAction: ['ims:images:delete*'], Resource: ['*'] }] })]));
    expect(g).not.toContain('ims:images:deleteImage');
    expect(g).toContain('ims:images:list');
    expect(grantedActions(setOf([noDelete]))).toEqual([]);
  });
});

describe('unusedAccess', () => {
  const principals = [{ principal: { type: 'user' as const, id: 'alice' }, granted: ['ims:images:get', 'ims:images:list', 'ims:images:deleteImage'] }];

  it('splits granted actions by the last use within N days; never used is null', () => {
    const r = unusedAccess(principals, [use('ims:images:list', '2026-12-05T09:00:00.000Z'), use('ims:images:get', '2026-08-01T10:00:00.000Z')], 30, NOW);
    expect(r.since).toBe('2026-11-06T12:30:00.000Z');
    const p = r.principals[0]!;
    expect(p.granted).toBe(3);
    expect(p.used).toEqual([{ action: 'ims:images:list', last_used: '2026-12-05T09:00:00.000Z' }]);
    expect(p.unused).toEqual([
      { action: 'ims:images:deleteImage', last_used: null },
      { action: 'ims:images:get', last_used: '2026-08-01T10:00:00.000Z' },
    ]);
  });

  it("the hour of a use counts when it overlaps the window (the record's rounding never calls a use unused)", () => {
    // since = 2026-11-06T12:30: the hour 12:00-13:00 overlaps it, the hour 11:00-12:00 does not.
    expect(unusedAccess(principals, [use('ims:images:list', '2026-11-06T12:00:00.000Z')], 30, NOW).principals[0]!.used.map((u) => u.action)).toEqual(['ims:images:list']);
    expect(unusedAccess(principals, [use('ims:images:list', '2026-11-06T11:00:00.000Z')], 30, NOW).principals[0]!.used).toEqual([]);
  });

  it("records of actions the principal is not granted, and other principals' records, are ignored; legacy names read as canonical", () => {
    const r = unusedAccess(
      principals,
      [
        use('ims:images:share', '2026-12-05T09:00:00.000Z'),
        { principal: { type: 'user', id: 'bob' }, action: 'ims:images:get', last_used: '2026-12-05T09:00:00.000Z' },
        use('ims:images:deleteImage', '2026-12-06T12:00:00.000Z'),
      ],
      30,
      NOW,
    );
    expect(r.principals[0]!.used.map((u) => u.action)).toEqual(['ims:images:deleteImage']);
  });
});

describe('suggestPolicy', () => {
  it('keeps the used actions with their resources, conditions and scope, drops the unused, and proves it (PASS)', () => {
    const set = setOf([fullAccess, noDelete, tagged]);
    const s = suggestPolicy(set, ['ims:images:list', 'ims:images:get']);
    expect(s.safe).toBe(true);
    expect(s.proof?.result).toBe('PASS');
    expect(s.kept).toEqual(['ims:images:get', 'ims:images:list']);
    expect(s.dropped).toContain('ims:images:deleteImage');
    expect(s.dropped).not.toContain('ims:images:list');
    // One document per grant scope; the Deny stays, scoped to its project.
    const byScope = Object.fromEntries(s.policies.map((p) => [JSON.stringify(p.scope), p.document]));
    expect(byScope['{"type":"all_projects"}']).toEqual({ Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:get', 'ims:images:list'] }] });
    expect(byScope['{"type":"project","project":"cn-north-4"}']).toEqual({ Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] });
    expect(byScope['{"type":"global"}']!.Statement[0]).toEqual({
      Sid: 'Prod',
      Effect: 'Allow',
      Action: ['ims:images:get', 'ims:images:list'],
      Resource: ['ims:*:acc-1:image:*'],
      Condition: { StringEquals: { 'g:ResourceTag/env': ['prod'] } },
    });
    expect(s.policies.flatMap((p) => p.from.map((f) => f.policy_id)).sort()).toEqual(['ims-full', 'no-delete', 'tagged-get']);
  });

  it('the engine agrees: a used action is still allowed, an unused one is now denied, and nothing is new', () => {
    const set = setOf([fullAccess, noDelete]);
    const s = suggestPolicy(set, ['ims:images:list']);
    const proposed: ScopedPolicy[] = s.policies.map((p, i) => ({ id: `s${i}`, document: p.document, scope: p.scope }));
    // As the decision path decides a stored principal (lib/decision/account.ts): scoped policies, compiled once.
    const decide = (action: string, policies: ScopedPolicy[]): unknown => {
      const r = createEvaluator({ policies, scps: [] }, { policyWarnings: false }).evaluate({ principal: set.principal, region: 'cn-east-3', action });
      return 'error' in r ? r.error.code : r.decision;
    };
    expect(decide('ims:images:list', set.policies)).toBe('allow');
    expect(decide('ims:images:list', proposed)).toBe('allow');
    expect(decide('ims:images:updateImage', set.policies)).toBe('allow');
    expect(decide('ims:images:updateImage', proposed)).toBe('deny');
    // The same check, run here: no new access.
    const check = checkNoNewAccess({ policies: set.policies, principal: set.principal }, { policies: proposed, principal: set.principal });
    expect('result' in check && check.result).toBe('PASS');
  });

  it('in an organization: the SCP chain is on both sides of the proof (PASS)', () => {
    const s = suggestPolicy(setOf([fullAccess, noDelete], ORG), ['ims:images:list', 'ims:images:copyInRegion']);
    expect(s.proof_error).toBeUndefined();
    expect(s.proof?.result).toBe('PASS');
    expect(s.safe).toBe(true);
    expect(s.kept).toEqual(['ims:images:copyInRegion', 'ims:images:list']);
  });

  it('nothing used: no policy is suggested (every granted action dropped), still proved', () => {
    const s = suggestPolicy(setOf([fullAccess, noDelete]), []);
    expect(s.policies).toEqual([]);
    expect(s.kept).toEqual([]);
    expect(s.safe).toBe(true);
  });

  it('a suggestion the proof does not pass is not offered as safe', () => {
    // The analysis out of work (UNKNOWN, never PASS): the suggestion comes with the proof, and safe is false.
    const s = suggestPolicy(setOf([fullAccess, noDelete, tagged]), ['ims:images:list'], { automatonSteps: 1 });
    expect(s.proof?.result).toBe('UNKNOWN');
    expect(s.proof?.unknown_reasons.length).toBeGreaterThan(0);
    expect(s.safe).toBe(false);
  });
});
