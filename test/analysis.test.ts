/**
 * The access analysis: golden cases from the seeded examples, the kinds of sets it must handle (deny-only,
 * SCP chains, legacy 1.1, grant scopes, multi-valued keys), assumptions, limits (UNKNOWN, never PASS),
 * input errors, the summary, and the text and SARIF renderings. Every witness is re-decided by the public
 * `evaluate` with the policies inline.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import catalog from '@ims-authz/catalog';
import {
  analysisSarif,
  checkAccessNotGranted,
  checkNoNewAccess,
  diff,
  policySetOf,
  renderAnalysis,
  renderSummary,
  summarize,
  validationSarif,
  type AnalysisPolicySet,
  type AnalysisResult,
} from '../lib/analysis/index.js';
import { createEvaluator, validate } from '../lib/index.js';
import type { ErrorResponse, InlinePolicy, ScopedPolicy } from '../lib/types.js';
import { compileGlobLower } from '../lib/match/glob.js';

const example = (path: string): string => readFileSync(new URL(`../examples/${path}`, import.meta.url), 'utf8');
const policy = (id: string, path: string): InlinePolicy => ({ id, document: example(path) });
const doc = (id: string, statements: unknown[], version = '5.0'): ScopedPolicy => ({ id, document: { Version: version, Statement: statements } as ScopedPolicy['document'] });
const FULL_SCP: InlinePolicy = { id: 'FullAccess', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] } };

function ok<T>(r: T): Exclude<T, ErrorResponse> {
  if (typeof r === 'object' && r !== null && 'error' in r) throw new Error((r as unknown as ErrorResponse).error.message);
  return r as Exclude<T, ErrorResponse>;
}

/** Every witness of the answer, decided by evaluate under each set (scoped policies through createEvaluator). */
function expectWitnesses(r: AnalysisResult, existing: AnalysisPolicySet, proposed: AnalysisPolicySet): void {
  const e = createEvaluator({ policies: existing.policies ?? [], scps: existing.scps ?? [] });
  const p = createEvaluator({ policies: proposed.policies ?? [], scps: proposed.scps ?? [] });
  for (const f of r.findings) {
    const [allowing, refusing] = f.kind === 'lost_access' ? [e, p] : [p, e];
    const a = allowing.evaluate(f.witness);
    expect('error' in a ? a.error : a.decision, `${f.action}: ${JSON.stringify(f.witness)}`).toBe('allow');
    if (f.kind !== 'access_granted') {
      const d = refusing.evaluate(f.witness);
      expect('error' in d ? d.error : d.decision, `${f.action}: ${JSON.stringify(f.witness)}`).toBe('deny');
    }
  }
}

const actionsMatching = (pattern: string): string[] => {
  const g = compileGlobLower(pattern);
  return catalog.actions.filter((a) => [a.name, ...a.aliases].some((n) => g.test(n.toLowerCase()))).map((a) => a.name);
};

describe('golden cases from the seeded examples', () => {
  const full = policy('ims-full-access', 'policies/ims-full-access.json');
  const denyDelete = policy('deny-delete', 'policies/deny-delete.json');

  it('adding the "deny delete" policy to IMS FullAccess is PASS', () => {
    const r = ok(checkNoNewAccess({ policies: [full] }, { policies: [full, denyDelete] }));
    expect(r.result).toBe('PASS');
    expect(r.findings).toEqual([]);
    expect(r.unknown_reasons).toEqual([]);
  });

  it('and removing it is FAIL: exactly image deletion, for every principal that was denied', () => {
    const existing = { policies: [full, denyDelete] };
    const proposed = { policies: [full] };
    const r = ok(checkNoNewAccess(existing, proposed));
    expect(r.result).toBe('FAIL');
    expect([...new Set(r.findings.map((f) => f.action))]).toEqual(['ims:images:deleteImage']);
    expect(new Set(r.findings.flatMap((f) => f.principals))).toEqual(new Set(['user_or_agency', 'account', 'scp_exempt', 'management_account']));
    expect(r.findings.every((f) => f.refused_by!.denied_by.some((d) => d.policy_id === 'deny-delete'))).toBe(true);
    expectWitnesses(r, existing, proposed);
  });

  it('widening ims:images:get* to ims:images:* is FAIL with exactly the new actions, for principals that need an Allow', () => {
    const existing = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get*'] }])] };
    const proposed = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:*'] }])] };
    const r = ok(checkNoNewAccess(existing, proposed));
    expect(r.result).toBe('FAIL');
    const gained = actionsMatching('ims:images:*').filter((a) => !actionsMatching('ims:images:get*').includes(a));
    expect([...new Set(r.findings.map((f) => f.action))].sort()).toEqual(gained.sort());
    for (const f of r.findings) {
      expect(f.principals.sort()).toEqual(['scp_exempt', 'user_or_agency']);
      expect(f.condition.all_of).toEqual([]);
      expect(f.granted_by.map((g) => g.policy_id)).toEqual(['p']);
    }
    expectWitnesses(r, existing, proposed);
  });

  it('the SCP that denies unencrypted copies loses exactly copyInRegion of unencrypted images (diff, seed chain root > prod > eu > team-a)', () => {
    const scp = policy('deny-unencrypted-copy', 'scps/deny-unencrypted-copy.json');
    const chain = (eu: InlinePolicy[]): NonNullable<AnalysisPolicySet['scps']> => [
      { level: 'root', policies: [FULL_SCP] },
      { level: 'prod', policies: [FULL_SCP] },
      { level: 'eu', policies: [FULL_SCP, ...eu] },
      { level: 'team-a', policies: [FULL_SCP] },
    ];
    const before = { policies: [full], scps: chain([]) };
    const after = { policies: [full], scps: chain([scp]) };
    const r = ok(diff(before, after));
    expect(r.result).toBe('FAIL');
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.kind).toBe('lost_access');
    expect(f.action).toBe('ims:images:copyInRegion');
    expect(f.resources).toEqual([{ match: [], except: [] }]);
    // Members: users, agencies and the account; the management account and service-linked agencies are exempt.
    expect(f.principals.sort()).toEqual(['account', 'user_or_agency']);
    expect(f.condition.all_of).toHaveLength(1);
    const k = f.condition.all_of[0]!;
    expect(k.key).toBe('ims:Encrypted');
    expect(k.includes).toEqual([{ holds: [{ operator: 'Bool', key: 'ims:Encrypted', values: ['false'] }], fails: [] }]);
    expect(f.refused_by!.denied_by.map((d) => [d.level, d.policy_id, d.sid])).toEqual([['eu', 'deny-unencrypted-copy', 'NoUnencryptedCopies']]);
    expect(f.witness.context).toEqual({ 'ims:Encrypted': 'false' });
    expectWitnesses(r, before, after);
    // With encrypted images assumed, nothing changes.
    expect(ok(diff(before, after, { assume: { context: { 'ims:Encrypted': true } } })).result).toBe('PASS');
  });
});

describe('sets of every kind', () => {
  it('deny-only policies: removing one gains access only for the account itself (which needs no identity Allow)', () => {
    const existing = { policies: [policy('deny-delete', 'policies/deny-delete.json')] };
    const r = ok(checkNoNewAccess(existing, {}));
    expect(r.result).toBe('FAIL');
    expect([...new Set(r.findings.map((f) => f.action))]).toEqual(['ims:images:deleteImage']);
    expect([...new Set(r.findings.flatMap((f) => f.principals))].sort()).toEqual(['account', 'management_account']);
    expectWitnesses(r, existing, {});
    expect(ok(checkNoNewAccess({}, existing)).result).toBe('PASS');
  });

  it('legacy 1.1 aliases: ims:images:copy is both copy actions', () => {
    const a = { policies: [doc('old', [{ Effect: 'Allow', Action: ['ims:images:copy'] }], '1.1')] };
    const b = { policies: [doc('new', [{ Effect: 'Allow', Action: ['ims:images:copyInRegion'], Resource: ['*'] }])] };
    const r = ok(diff(a, b));
    expect(r.findings.map((f) => [f.kind, f.action])).toEqual([['lost_access', 'ims:images:copyCrossRegion']]);
    expectWitnesses(r, a, b);
  });

  it('grant scopes: a project-scoped Allow opens the access in that region only', () => {
    const existing = { policies: [doc('read', [{ Effect: 'Allow', Action: ['ims:images:get'] }])] };
    const scoped = { ...doc('del', [{ Effect: 'Allow', Action: ['ims:images:deleteImage'] }]), scope: { type: 'project' as const, project: 'cn-north-4' } };
    const proposed = { policies: [...existing.policies, scoped] };
    const r = ok(checkNoNewAccess(existing, proposed));
    expect(r.result).toBe('FAIL');
    const f = r.findings.find((x) => x.principals.includes('user_or_agency'))!;
    expect(f.action).toBe('ims:images:deleteImage');
    expect(f.condition.all_of.map((k) => [k.field, k.absent, k.one_of?.[0]?.holds[0]?.values])).toEqual([['region', 'forbidden', ['cn-north-4']]]);
    expect(f.witness.region).toBe('cn-north-4');
    expectWitnesses(r, existing, proposed);
  });

  it('enterprise-project scopes apply only to actions with enterprise projects, in that project; assumed facts decide scopes too', () => {
    const existing = { policies: [doc('read', [{ Effect: 'Allow', Action: ['ims:images:get'] }])] };
    const ep = { ...doc('ep', [{ Effect: 'Allow', Action: ['ims:images:copyCrossRegion', 'ims:images:upload'] }]), scope: { type: 'enterprise_project' as const, enterprise_project_id: 'ep-1' } };
    const proposed = { policies: [...existing.policies, ep] };
    const r = ok(checkNoNewAccess(existing, proposed));
    // upload does not support enterprise projects: the grant never applies to it.
    expect([...new Set(r.findings.map((f) => f.action))]).toEqual(['ims:images:copyCrossRegion']);
    expect(r.findings[0]!.condition.all_of[0]!.includes![0]!.holds[0]).toEqual({ operator: 'StringEquals', key: 'g:EnterpriseProjectId', values: ['ep-1'], scope: true });
    expectWitnesses(r, existing, proposed);
    expect(ok(checkNoNewAccess(existing, proposed, { assume: { context: { 'g:EnterpriseProjectId': ['0'] } } })).result).toBe('PASS');
    const inProject = ok(checkNoNewAccess(existing, proposed, { assume: { context: { 'g:EnterpriseProjectId': 'ep-1' } } }));
    expect(inProject.findings.map((f) => f.condition.text)).toEqual(['none']);
    expectWitnesses(inProject, existing, proposed);
  });

  it('multi-valued keys: ForAllValues holds for an absent key, ForAnyValue needs a value', () => {
    const any = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:share'], Condition: { 'ForAnyValue:StringEquals': { 'ims:TargetOrgPaths': ['o-1'] } } }])] };
    const all = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:share'], Condition: { 'ForAllValues:StringEquals': { 'ims:TargetOrgPaths': ['o-1'] } } }])] };
    const r = ok(diff(any, all));
    expectWitnesses(r, any, all);
    const users = r.findings.filter((f) => f.principals.includes('user_or_agency'));
    const gained = users.find((f) => f.kind === 'new_access')!;
    expect(gained.witness.context).toBeUndefined(); // absent: ForAllValues is true, ForAnyValue false
    const lost = users.find((f) => f.kind === 'lost_access')!;
    expect(lost.witness.context?.['ims:TargetOrgPaths']).toEqual(['o-1', 'example']); // o-1 and a value that is not
  });

  it('keys IAM fills from the principal are read as the request states them: decided, witnesses state them (null for absent)', () => {
    const none = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'] }])] };
    const byUrn = {
      policies: [
        doc('p', [
          { Effect: 'Allow', Action: ['ims:images:get'] },
          { Effect: 'Allow', Action: ['ims:images:delete'], Condition: { StringEquals: { 'g:PrincipalUrn': ['iam::acc-1:user:alice'] } } },
        ]),
      ],
    };
    const gained = ok(checkNoNewAccess(none, byUrn));
    expect(gained.result).toBe('FAIL');
    expect(gained.unknown_reasons).toEqual([]);
    expectWitnesses(gained, none, byUrn);
    const f = gained.findings.find((x) => x.action === 'ims:images:deleteImage' && x.principals.includes('user_or_agency'))!;
    expect(f.witness.context?.['g:PrincipalUrn']).toBe('iam::acc-1:user:alice');
    // Allowing when the key is absent: the witness states it absent (null), or the engine would fill it from the principal.
    const whenAbsent = {
      policies: [
        doc('p', [
          { Effect: 'Allow', Action: ['ims:images:get'] },
          { Effect: 'Allow', Action: ['ims:images:delete'], Condition: { Null: { 'g:PrincipalId': ['true'] } } },
        ]),
      ],
    };
    const absent = ok(checkNoNewAccess(none, whenAbsent));
    expect(absent.unknown_reasons).toEqual([]);
    expectWitnesses(absent, none, whenAbsent);
    const w = absent.findings.find((x) => x.action === 'ims:images:deleteImage' && x.principals.includes('user_or_agency'))!.witness;
    expect(w.context).toHaveProperty('g:PrincipalId', null);
  });

  it('policy variables are literal text (docs/semantics.md): no UNKNOWN', () => {
    const set = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Condition: { StringEquals: { 'g:UserName': ['${g:UserName}'] } } }])] };
    const r = ok(checkAccessNotGranted(set, { actions: ['ims:images:get'] }));
    expect(r.result).toBe('FAIL');
    expect(r.unknown_reasons).toEqual([]);
    expect(r.findings.some((f) => f.witness.principal?.user_name === '${g:UserName}')).toBe(true);
  });

  it('URN patterns whose * crosses ":" combine: a URN can match two image patterns of different accounts', () => {
    const set = {
      policies: [
        doc('p', [
          { Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:acc-1:image:a*'] },
          { Effect: 'Deny', Action: ['ims:images:get'], Resource: ['ims:*:acc-2:image:*'] },
        ]),
      ],
    };
    const r = ok(checkAccessNotGranted(set, { actions: ['ims:images:get'], resources: ['ims:*:acc-2:*'] }));
    // A URN such as ims::acc-1:image:acc-2: matches the acc-2 question (the first * is ":acc-1:image") and the
    // acc-1 Allow (its id starts with "a"), but not the acc-2 Deny (no ":acc-2:image:" in it).
    expect(r.result).toBe('FAIL');
    const users = r.findings.find((f) => f.principals.includes('user_or_agency'))!;
    expect(users.resources).toEqual([{ match: ['ims:*:acc-1:image:a*', 'ims:*:acc-2:*'], except: ['ims:*:acc-2:image:*'] }]);
    expectWitnesses(r, set, set);
  });
});

/** The account segment of a URN (the one the engine compares with the principal's account). */
const accountOf = (urn: string | undefined): string | undefined => urn?.split(':')[2];

/** Every witness with a resource and an account is in the principal's own account (never denied for being across accounts). */
function expectOwnAccount(r: AnalysisResult): void {
  for (const f of r.findings) {
    const account = f.witness.principal?.account_id;
    if (account !== undefined && f.witness.resource !== undefined) expect(accountOf(f.witness.resource), JSON.stringify(f.witness)).toBe(account);
  }
}

describe("cross-account requests (denied whatever the policies): witnesses in the principal's account", () => {
  const none: AnalysisPolicySet = { policies: [] };

  it('a condition on g:PrincipalAccount and a Resource of another account meet in a URN whose * crosses ":" (was a wrong PASS)', () => {
    // The Resource names acc-1 but its first * may hold ":acc-2": ims::acc-2:acc-1:image:x is in acc-2's account and
    // matches. The representative used to take the account class (acc-2) and a URN (acc-1) apart: across accounts,
    // denied by both, PASS.
    const proposed = {
      policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:acc-1:image:*'], Condition: { StringEquals: { 'g:PrincipalAccount': ['acc-2'] } } }])],
    };
    const r = ok(checkNoNewAccess(none, proposed));
    expect(r.result).toBe('FAIL');
    expect(r.unknown_reasons).toEqual([]);
    const f = r.findings.find((x) => x.action === 'ims:images:get')!;
    expect(f.witness.principal?.account_id).toBe('acc-2');
    expect(accountOf(f.witness.resource)).toBe('acc-2');
    expectWitnesses(r, none, proposed);
  });

  it('an assumed account: witnesses in it, and none when no URN can be in it', () => {
    const proposed = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:acc-1:image:*'] }])] };
    const r = ok(checkNoNewAccess(none, proposed, { assume: { principal: { type: 'user', account_id: 'acc-7' } } }));
    expect(r.result).toBe('FAIL');
    expect(r.findings.map((f) => [f.witness.principal?.account_id, accountOf(f.witness.resource)])).toEqual([['acc-7', 'acc-7']]);
    expectWitnesses(r, none, proposed);
    // An account with ":" is never a URN's account segment: every request with a resource is across accounts.
    expect(ok(checkNoNewAccess(none, proposed, { assume: { principal: { type: 'user', account_id: 'a:b' } } })).result).toBe('PASS');
  });

  it('witnesses of regions that need an account are built in it (was INTERNAL_MISMATCH: a witness across accounts failed its own check)', () => {
    // The Deny spares requests outside cn-north-4 (no account needed) and principals of accounts not like acc-?:
    // the second part's witness needs an account ("example") and a URN in it, which no pattern names.
    const proposed = {
      policies: [
        doc('p', [
          { Effect: 'Allow', Action: ['ims:images:get'] },
          { Effect: 'Deny', Action: ['ims:images:get'], Condition: { StringEquals: { 'g:RequestedRegion': 'cn-north-4' }, StringLikeIfExists: { 'g:PrincipalAccount': 'acc-?' } } },
        ]),
      ],
    };
    const r = ok(checkNoNewAccess(none, proposed));
    expect(r.result).toBe('FAIL');
    expect(r.unknown_reasons).toEqual([]);
    const byAccount = r.findings.find((f) => f.condition.all_of.some((k) => k.field === 'principal.account_id'))!;
    expect(byAccount.condition.text).toBe('principal.account_id: not StringLike "acc-?"');
    expect(accountOf(byAccount.witness.resource)).toBe(byAccount.witness.principal?.account_id);
    expectOwnAccount(r);
    expectWitnesses(r, none, proposed);
  });

  // g:PrincipalAccount is a string key: a Number, Date or IP operator on it never matches (docs/semantics.md,
  // "Conditions"), so these Allows and Denies apply to no request. (They used to read the account as a number,
  // a date or an address, and these cases checked that the search found such accounts.)
  it('an account compared as a number or a date: the Allow never applies, no new access', () => {
    for (const condition of [{ NumberLessThan: { 'g:PrincipalAccount': ['1e3'] } }, { DateLessThan: { 'g:PrincipalAccount': ['2026-01-01T00:00:00Z'] } }]) {
      const proposed = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:cn-*:acc-1:image:img-2'], Condition: condition }])] };
      const r = ok(checkNoNewAccess(none, proposed));
      expect(r.result, JSON.stringify(condition)).toBe('PASS');
      expect(r.unknown_reasons).toEqual([]);
    }
  });

  it('an account in an IP block: the Allow never applies, with or without a resource', () => {
    for (const action of ['ims:images:get', 'ims:images:list']) {
      const inBlock = { policies: [doc('p', [{ Effect: 'Allow', Action: [action], Condition: { IpAddress: { 'g:PrincipalAccount': '2001:db8::/32' } } }])] };
      const r = ok(checkNoNewAccess(none, inBlock));
      expect(r.unknown_reasons).toEqual([]);
      expect(r.result, action).toBe('PASS');
    }
  });

  it('an account read as a number, date or address: the Deny never applies, it takes nothing away', () => {
    const user = { assume: { principal: { type: 'user' as const } } };
    for (const P of ['ims:??-north-4:acc-?:image:*', 'ims:*:*:image:*']) {
      for (const condition of [{ NumberEquals: { 'g:PrincipalAccount': '+300' } }, { IpAddress: { 'g:PrincipalAccount': '0.0.0.0/0' } }, { DateEquals: { 'g:PrincipalAccount': '2026-01-01' } }]) {
        const a = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: [P] }])] };
        const b = {
          policies: [
            doc('p', [
              { Effect: 'Allow', Action: ['ims:images:get'], Resource: [P] },
              { Effect: 'Deny', Action: ['ims:images:get'], Condition: condition },
            ]),
          ],
        };
        const r = ok(diff(a, b, user));
        expect(r.unknown_reasons, JSON.stringify(condition)).toEqual([]);
        expect(r.result).toBe('PASS');
      }
    }
  });

  it('a URN with a service no pattern names: the search writes the ":" a URN needs after every pattern is settled (was a wrong PASS)', () => {
    const proposed = {
      policies: [
        doc('p', [
          { Effect: 'Allow', Action: ['ims:images:get'] },
          { Effect: 'Deny', Action: ['ims:images:get'], Resource: ['ims:*:*:*:*', 'obs:*:*:*:*'] },
        ]),
      ],
    };
    const r = ok(checkNoNewAccess(none, proposed));
    expect(r.result).toBe('FAIL');
    const f = r.findings.find((x) => x.principals.includes('user_or_agency'))!;
    expect(f.resources).toEqual([{ match: [], except: ['ims:*:*:*:*', 'obs:*:*:*:*'] }]);
    expect(f.witness.resource).not.toMatch(/^(ims|obs):/);
    expectWitnesses(r, none, proposed);
  });
});

describe('descriptions of regions', () => {
  it('a pattern with "?" does not cover a star pattern: img-? leaves out URNs img-* has (was a region holding requests that are no difference)', () => {
    // Lost access: URNs matching neither pattern. ims:*:*:image:img-? was taken to cover ims:*:acc-1:image:img-*
    // (its ? matched the character standing for the other's *), so the description left the second out of
    // "except" and held ims:cn-north-4:acc-1:image:img-12, which b still allows.
    const a = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], NotResource: ['ims:*:*:image:img-?'] }])] };
    const b = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:acc-1:image:img-*'] }])] };
    const r = ok(diff(a, b));
    const lost = r.findings.filter((f) => f.kind === 'lost_access' && f.action === 'ims:images:get' && f.principals.includes('user_or_agency'));
    expect(lost.length).toBeGreaterThan(0);
    for (const f of lost) for (const t of f.resources) expect(t.except).toContain('ims:*:acc-1:image:img-*');
    const stillAllowed = { principal: { type: 'user' as const }, action: 'ims:images:get', resource: 'ims:cn-north-4:acc-1:image:img-12' };
    const e = createEvaluator({ policies: b.policies });
    expect((e.evaluate(stillAllowed) as { decision: string }).decision).toBe('allow');
    expectWitnesses(r, a, b);
  });

  it('and where that was the only way: widening ims:*:acc-1:im*:?* back to ims:*:acc-1:image:* is new access (was a wrong PASS)', () => {
    // ims:*:acc-1:image:* matches ims::acc-1:image: (an empty id), which ims:*:acc-1:im*:?* does not: its ? needs a
    // character. Taking the second to cover the first ruled those URNs out, and the new access with them.
    const narrow = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:acc-1:im*:?*'] }])] };
    const wide = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:acc-1:image:*'] }])] };
    const r = ok(checkNoNewAccess(narrow, wide));
    expect(r.result).toBe('FAIL');
    expect(r.findings.map((f) => f.resources)).toEqual([[{ match: ['ims:*:acc-1:image:*'], except: ['ims:*:acc-1:im*:?*'] }]]);
    expect(r.findings[0]!.witness.resource).toMatch(/:image:$/);
    expectWitnesses(r, narrow, wide);
  });
});

describe('work shared between groups of actions', () => {
  it('a proof that no URN has some combinations of pattern matches serves every group that meets them (was WORK_LIMIT on a generated pair)', () => {
    const pair = JSON.parse(readFileSync(new URL('fixtures/analysis/shared-patterns-pair.json', import.meta.url), 'utf8')) as { existing: AnalysisPolicySet; proposed: AnalysisPolicySet };
    const r = ok(checkNoNewAccess(pair.existing, pair.proposed));
    expect(r.unknown_reasons).toEqual([]);
    expect(r.result).toBe('FAIL');
    // Each group searched alone needed more than the 1,000,000 steps of ANALYSIS_LIMITS for the whole answer.
    expect(r.stats.automaton_steps).toBeLessThan(600_000);
    expectWitnesses(r, pair.existing, pair.proposed);
  });
});

describe('assumptions', () => {
  const existing = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'] }])] };
  const proposed = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get', 'ims:images:deleteImage'], Condition: { StringEquals: { 'g:UserName': ['alice'] } } }])] };

  it('narrow the space: a principal fact, or facts carried by the sets', () => {
    const r = ok(checkNoNewAccess(existing, proposed));
    expect(r.result).toBe('FAIL');
    expect(r.findings[0]!.witness.principal?.user_name).toBe('alice');
    expect(ok(checkNoNewAccess(existing, proposed, { assume: { principal: { user_name: 'bob' } } })).result).toBe('PASS');
    expect(ok(checkNoNewAccess({ ...existing, principal: { user_name: 'bob' } }, proposed)).result).toBe('PASS');
    expect(ok(checkNoNewAccess(existing, proposed, { assume: { principal: { type: 'account' } } })).result).toBe('PASS');
  });

  it('refuse facts that contradict each other', () => {
    const r = checkNoNewAccess({ ...existing, region: 'cn-north-4' }, { ...proposed, region: 'eu-west-0' });
    expect('error' in r && r.error.code).toBe('INVALID_REQUEST');
    const none = checkNoNewAccess(existing, proposed, { assume: { principal: { type: 'account', management_account: true }, context: {} } });
    expect('error' in none).toBe(false);
    const contradiction = checkNoNewAccess(existing, proposed, { assume: { principal: { type: 'service_linked_agency', management_account: false } } });
    expect('error' in contradiction).toBe(false);
  });
});

describe('never a guess', () => {
  it('is UNKNOWN, with reasons, when the work limits are too small', () => {
    const existing = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:acc-1:image:*'] }])] };
    const proposed = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:*:image:*'] }])] };
    expect(ok(checkNoNewAccess(existing, proposed)).result).toBe('FAIL');
    const r = ok(checkNoNewAccess(existing, proposed, { limits: { diagramNodes: 4 } }));
    expect(r.result).toBe('UNKNOWN');
    expect(r.unknown_reasons.length).toBeGreaterThan(0);
    expect(r.unknown_reasons.every((u) => u.code === 'WORK_LIMIT')).toBe(true);
    const p = ok(checkNoNewAccess(existing, existing, { limits: { diagramNodes: 4 } }));
    expect(p.result).toBe('UNKNOWN'); // even where the answer would be PASS
  });

  it('the limits bound the whole answer: at every budget an exact answer or UNKNOWN, never an exception or a PASS', () => {
    const existing = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:get*'], Resource: ['ims:*:acc-1:image:a*'], Condition: { StringMatch: { 'g:ResourceTag/env': ['prod*'] } } }])] };
    const proposed = { policies: [doc('p', [{ Effect: 'Allow', Action: ['ims:images:*'], Resource: ['ims:*:*:image:*b'], Condition: { 'ForAnyValue:StringMatch': { 'g:TagKeys': ['e*'] } } }])] };
    const full = ok(checkNoNewAccess(existing, proposed));
    expect(full.result).toBe('FAIL');
    const seen = new Set<string>();
    for (const diagramNodes of [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 1000, 2000, 5000]) {
      for (const automatonSteps of [1, 10, 100, 1000, 10_000, 1_000_000]) {
        const r = ok(checkNoNewAccess(existing, proposed, { limits: { diagramNodes, automatonSteps } }));
        seen.add(r.result);
        expect(r.result).not.toBe('PASS');
        // The work counted stays within the budgets, which are for the whole answer, not per group of actions.
        expect(r.stats.diagram_nodes).toBeLessThanOrEqual(diagramNodes + 2 * r.stats.groups);
        if (r.result === 'UNKNOWN') expect(r.unknown_reasons.every((u) => u.code === 'WORK_LIMIT')).toBe(true);
        // A FAIL is proved: each finding is one of the full answer's.
        for (const f of r.findings) expect(full.findings.some((g) => g.action === f.action && g.kind === f.kind)).toBe(true);
      }
    }
    // Not vacuous: small budgets give UNKNOWN, large ones the answer.
    expect([...seen].sort()).toEqual(['FAIL', 'UNKNOWN']);
  });

  it('bad input is an error response that says what to fix, never an exception', () => {
    const bad = checkNoNewAccess({ policies: [policy('needs-work', 'policies/needs-work.json')] }, {});
    expect('error' in bad && bad.error.code).toBe('INVALID_POLICY');
    expect('error' in bad && bad.error.message).toMatch(/existing policy set/);
    for (const input of [null, 3, 'x', { policies: 'x' }, { polices: [] }, { policies: [{ id: 'a' }] }, { policies: [{ id: 'a', document: {}, scope: { type: 'project' } }] }]) {
      const r = checkNoNewAccess(input, {});
      expect('error' in r && r.error.code, JSON.stringify(input)).toBe('INVALID_REQUEST');
    }
    const q = checkAccessNotGranted({}, { actions: ['ims:images:dlete'] });
    expect('error' in q && q.error.code).toBe('UNKNOWN_ACTION');
  });
});

describe('summarize', () => {
  it('says always / conditional / never for every catalog action, grouped by access level', () => {
    const set = { policies: [policy('share', 'policies/share-within-org.json')] };
    const s = ok(summarize(set));
    expect(s.groups.map((g) => g.access_level)).toEqual(['list', 'read', 'write', 'permission_management', 'tagging', 'other']);
    expect(s.groups.flatMap((g) => g.actions)).toHaveLength(catalog.actions.length);
    const of = (a: string) => s.groups.flatMap((g) => g.actions).find((x) => x.action === a)!;
    expect(of('ims:images:list').access).toBe('always');
    expect(of('ims:images:get').access).toBe('always');
    expect(of('ims:images:deleteImage').access).toBe('never');
    const share = of('ims:images:share');
    expect(share.access).toBe('conditional');
    expect(share.when![0]!.resources).toEqual([{ match: ['ims:cn-north-4:acc-1:image:*'], except: [] }]);
    expect(share.text).toMatch(/TargetOrgPaths/);
    const e = createEvaluator(set);
    for (const w of share.when!) expect((e.evaluate(w.witness) as { decision: string }).decision).toBe('allow');
    expect(renderSummary(s)).toMatch(/conditional +ims:images:share/);
  });
});

describe('renderings', () => {
  const existing = { policies: [{ id: 'p', document: '{\n  "Version": "5.0",\n  "Statement": [\n    { "Effect": "Allow", "Action": ["ims:images:get"] }\n  ]\n}' }] };
  const proposed = {
    policies: [
      {
        id: 'p',
        document:
          '{\n  "Version": "5.0",\n  "Statement": [\n    { "Effect": "Allow", "Action": ["ims:images:get"] },\n    { "Sid": "Del", "Effect": "Allow", "Action": ["ims:images:deleteImage"] }\n  ]\n}',
      },
    ],
  };

  it('text: the result, each region with its witness', () => {
    const r = ok(checkNoNewAccess(existing, proposed));
    const text = renderAnalysis(r);
    expect(text).toMatch(/^FAIL: /);
    expect(text).toMatch(/new access: ims:images:deleteImage/);
    expect(text).toMatch(/allowed by proposed: policy p statement 1 "Del" \(line 5\)/);
    expect(text).toMatch(/witness: +\{"principal"/);
    expect(renderAnalysis(ok(checkNoNewAccess(existing, existing)))).toMatch(/^PASS/);
  });

  it('SARIF 2.1.0: each finding on the line of the statement that grants it', () => {
    const r = ok(checkNoNewAccess(existing, proposed));
    const log = analysisSarif(r, { artifactOf: (_ref, side) => (side === 'allowing' ? 'proposed.json' : 'existing.json') });
    expect(log.version).toBe('2.1.0');
    const res = log.runs[0]!.results;
    expect(res.length).toBe(r.findings.length);
    const loc = res[0]!.locations[0]!.physicalLocation!;
    expect(loc.artifactLocation.uri).toBe('proposed.json');
    expect(loc.region!.startLine).toBe(5);
    expect(res[0]!.ruleId).toBe('IMS_NEW_ACCESS');
    const v = validationSarif(validate(example('policies/needs-work.json')), 'needs-work.json');
    expect(v.runs[0]!.results.some((x) => x.ruleId === 'UNKNOWN_ACTION' && x.locations[0]!.physicalLocation!.region!.startLine === 6)).toBe(true);
  });

  it('policySetOf reads a document (identity or SCP beside FullAccess) or a set', () => {
    expect(policySetOf({ Version: '5.0', Statement: [] })).toEqual({ policies: [{ id: 'policy', document: { Version: '5.0', Statement: [] } }] });
    const scp = policySetOf(example('scps/deny-unencrypted-copy.json'), { type: 'scp', id: 'guard' }) as AnalysisPolicySet;
    expect(scp.scps![0]!.policies.map((p) => p.id)).toEqual(['system:FullAccess', 'guard']);
    expect(policySetOf({ policies: [] })).toEqual({ policies: [] });
  });
});
