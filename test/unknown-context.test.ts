/**
 * Unknown context keys (docs/semantics.md, "Unknown context keys"): the `unknown_context_keys` request
 * field, three-valued conditions and statements, the decision (allow only when allowed whatever the
 * unknown keys are; explicit / implicit deny when denied whatever they are; otherwise `context_required`
 * with the keys that decide it), the precedence of reasons, explain's trace and text, the library, CLI and
 * HTTP entry points, and the soundness property against the two-valued evaluator.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';
import { createEvaluator, evaluate, explain, isErrorResponse, type EvaluateRequest, type EvaluateResponse, type ExplainResponse, type InlinePolicy, type JsonValue } from '../lib/index.js';
import { schemaChecker } from '../lib/schema/check.js';
import { REQUEST_SCHEMAS } from '../lib/schema/requests.js';
import { client, startLocalApi, type Client } from './support/api.js';
import { emptyUnknownStats, runUnknownCases } from './reference/unknown.js';

const requestSchemas = schemaChecker(REQUEST_SCHEMAS);
const checkSchema = (name: 'EvaluateRequest', value: unknown) => requestSchemas.check(name, value);

type Statement = { [key: string]: JsonValue };
const policy = (id: string, ...statements: Statement[]): InlinePolicy => ({ id, document: { Version: '5.0', Statement: statements } });

const ALICE = { account_id: 'acc-1', user_id: 'u-1', user_name: 'alice' };
const IMAGE = 'ims:cn-north-4:acc-1:image:3f1c2a9e-5b7d-4c1e-9a8f-0d2b6e4c7a15';
const SHARE_WITHIN_ORG = readFileSync(new URL('../examples/policies/share-within-org.json', import.meta.url), 'utf8');
const FULL: InlinePolicy = policy('full', { Effect: 'Allow', Action: ['*'] });

function ok(r: unknown): EvaluateResponse {
  if (isErrorResponse(r)) throw new Error(`refused: ${JSON.stringify(r.error)}`);
  return r as EvaluateResponse;
}

/** One action on IMAGE for alice, with the given policies and request fields. */
const decide = (policies: InlinePolicy[], extra: Partial<EvaluateRequest> = {}, action = 'ims:images:share'): EvaluateResponse =>
  ok(evaluate({ principal: ALICE, action, resource: IMAGE, region: 'cn-north-4', policies, ...extra }));

/**
 * The same on ims:images:addMember, whose Table 1 row lists g:ResourceTag (ims:images:share's does not: there
 * the key is absent, never unknown; docs/semantics.md, "Keys an action does not carry").
 */
const decideTagged = (policies: InlinePolicy[], extra: Partial<EvaluateRequest> = {}): EvaluateResponse => decide(policies, extra, 'ims:images:addMember');

// ---------------------------------------------------------------------------------------------------------
// The reproduction of the issue
// ---------------------------------------------------------------------------------------------------------

describe('the issue: an Allow on ForAllValues of a key the caller cannot supply', () => {
  const policies = [{ id: 'share-within-org', document: SHARE_WITHIN_ORG }];

  it('two-valued (the key absent) the Allow applies; with the key unknown it may not: context_required, naming the key as written', () => {
    expect(decide(policies).decision).toBe('allow');
    for (const unknown of [['ims:TargetOrgPaths'], ['IMS:TARGETORGPATHS'], ['ims:*'], ['*'], ['ims:Target*']]) {
      const r = decide(policies, { unknown_context_keys: unknown });
      expect(r, JSON.stringify(unknown)).toMatchObject({ decision: 'deny', reason: 'context_required', context_required_keys: ['ims:TargetOrgPaths'] });
      expect(r.results[0]).toMatchObject({ reason: 'context_required', context_required_keys: ['ims:TargetOrgPaths'], denied_by: { layer: 'identity', policy_id: null } });
      expect(r.message).toContain('ims:TargetOrgPaths');
      // missing_context_keys keeps its meaning: keys the request lacked.
      expect(r.missing_context_keys).toEqual(['ims:TargetOrgPaths']);
    }
  });

  it('given, the key decides as usual (a pattern does not make a given key unknown)', () => {
    expect(decide(policies, { unknown_context_keys: ['*'], context: { 'ims:TargetOrgPaths': ['o-1/r-1/ou-a'] } })).toMatchObject({ decision: 'allow', context_required_keys: [] });
    expect(decide(policies, { unknown_context_keys: ['ims:*'], context: { 'ims:TargetOrgPaths': ['o-2/r-9'] } }).reason).toBe('implicit_deny');
    // Given as null or []: known to be absent.
    expect(decide(policies, { unknown_context_keys: ['*'], context: { 'ims:TargetOrgPaths': null } }).decision).toBe('allow');
  });

  it('an action the Allow does not condition is decided: ims:images:get is allowed whatever the keys are', () => {
    expect(decide(policies, { unknown_context_keys: ['*'] }, 'ims:images:get')).toMatchObject({ decision: 'allow', reason: 'allowed', context_required_keys: [] });
  });
});

// ---------------------------------------------------------------------------------------------------------
// The request field
// ---------------------------------------------------------------------------------------------------------

describe('an operator that does not fit its key type, on an unknown key', () => {
  // The condition reads no value of the key: present, it is false whatever the values; absent, IfExists and
  // ForAllValues hold. So an Allow on it is not allowed whatever the key is (it was: `*` was taken to match).
  const USER = { account_id: 'acc-1', user_name: 'alice' };
  it.each([{ StringMatchIfExists: { 'g:MFAAge': ['*'] } }, { 'ForAllValues:StringMatch': { 'g:MFAAge': ['*'] } }, { StringEqualsIfExists: { 'g:MFAPresent': ['true'] } }])(
    '%j: context_required, not allow',
    (cond) => {
      const base = {
        principal: USER,
        action: 'ims:images:list',
        policies: [{ id: 'p', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'], Condition: cond }] } }],
      };
      expect((evaluate(base) as EvaluateResponse).decision).toBe('allow'); // absent: holds
      expect((evaluate({ ...base, context: { 'g:MFAAge': 300, 'g:MFAPresent': true } }) as EvaluateResponse).decision).toBe('deny'); // present: never
      const unknown = evaluate({ ...base, unknown_context_keys: ['g:MFAAge', 'g:MFAPresent'] }) as EvaluateResponse;
      expect(unknown).toMatchObject({ decision: 'deny', reason: 'context_required' });
    },
  );
});

describe('unknown_context_keys in the request', () => {
  const tagged = [policy('p', { Effect: 'Allow', Action: ['ims:images:addMember'], Condition: { StringEquals: { 'g:ResourceTag/Env': ['prod'] } } })];

  it('is part of the request schema (library, CLI, HTTP and OpenAPI share it): an array of at most 100 names', () => {
    expect(checkSchema('EvaluateRequest', { action: 'ims:images:get', unknown_context_keys: ['g:ResourceTag/*'] })).toBeNull();
    expect(checkSchema('EvaluateRequest', { action: 'ims:images:get', unknown_context_keys: 'ims:*' })).not.toBeNull();
    expect(checkSchema('EvaluateRequest', { action: 'ims:images:get', unknown_context_keys: [''] })).not.toBeNull();
    expect(checkSchema('EvaluateRequest', { action: 'ims:images:get', unknown_context_keys: Array.from({ length: 101 }, (_, i) => `k${i}`) })).not.toBeNull();
  });

  it('names compare case-insensitively, tag keys case-sensitively (exact names and prefixes)', () => {
    expect(decideTagged(tagged, { unknown_context_keys: ['G:RESOURCETAG/Env'] }).reason).toBe('context_required');
    expect(decideTagged(tagged, { unknown_context_keys: ['g:resourcetag/*'] }).reason).toBe('context_required');
    expect(decideTagged(tagged, { unknown_context_keys: ['g:ResourceTag/E*'] }).reason).toBe('context_required');
    // Another tag key, or another case of this one: not this key (absent: the Allow does not apply).
    expect(decideTagged(tagged, { unknown_context_keys: ['g:ResourceTag/env'] }).reason).toBe('implicit_deny');
    expect(decideTagged(tagged, { unknown_context_keys: ['g:ResourceTag/e*'] }).reason).toBe('implicit_deny');
    // An action that does not carry the key: absent for it, never unknown.
    expect(
      decide(
        tagged.map((p) => ({ ...p, document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:share'], Condition: { StringEquals: { 'g:ResourceTag/Env': ['prod'] } } }] } })),
        { unknown_context_keys: ['*'] },
      ).reason,
    ).toBe('implicit_deny');
  });

  it('an empty list is the two-valued evaluation (no context_required_keys field)', () => {
    const r = decideTagged(tagged, { unknown_context_keys: [] });
    expect(r.reason).toBe('implicit_deny');
    expect(r).not.toHaveProperty('context_required_keys');
  });

  it('a key both given and named exactly is a 400 INVALID_REQUEST naming the entry; a "*" may only end an entry', () => {
    const both = evaluate({
      principal: ALICE,
      action: 'ims:images:share',
      resource: IMAGE,
      policies: tagged,
      context: { 'g:ResourceTag/Env': 'prod' },
      unknown_context_keys: ['ims:*', 'G:RESOURCETAG/Env'],
    });
    expect(both).toMatchObject({ error: { code: 'INVALID_REQUEST', details: { field: 'unknown_context_keys[1]', key: 'g:ResourceTag/Env' } } });
    for (const bad of ['g:*Tag', '**', 'ims:*:x']) {
      expect(evaluate({ action: 'ims:images:get', policies: [FULL], unknown_context_keys: [bad] }), bad).toMatchObject({
        error: { code: 'INVALID_REQUEST', details: { field: 'unknown_context_keys[0]' } },
      });
    }
  });

  it('derived keys (principal, region) are known under a pattern, unknown when named exactly', () => {
    const byName = [policy('p', { Effect: 'Allow', Action: ['ims:images:share'], Condition: { StringEquals: { 'g:UserName': ['alice'], 'g:RequestedRegion': ['cn-north-4'] } } })];
    expect(decide(byName, { unknown_context_keys: ['*'] }).decision).toBe('allow');
    expect(decide(byName, { unknown_context_keys: ['g:*'] }).decision).toBe('allow');
    expect(decide(byName, { unknown_context_keys: ['g:UserName'] })).toMatchObject({ reason: 'context_required', context_required_keys: ['g:UserName'] });
    expect(decide(byName, { unknown_context_keys: ['g:requestedregion'] })).toMatchObject({ reason: 'context_required', context_required_keys: ['g:RequestedRegion'] });
    // Without a principal name there is nothing to derive: `*` makes it unknown.
    expect(ok(evaluate({ principal: { account_id: 'acc-1' }, action: 'ims:images:share', resource: IMAGE, region: 'cn-north-4', policies: byName, unknown_context_keys: ['*'] })).reason).toBe(
      'context_required',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Three-valued conditions
// ---------------------------------------------------------------------------------------------------------

describe('three-valued conditions: unknown unless the result is the same for absence and every value', () => {
  const KEY = 'g:ResourceTag/env';
  const allowIf = (operator: string, values: string[]): InlinePolicy[] => [policy('p', { Effect: 'Allow', Action: ['ims:images:addMember'], Condition: { [operator]: { [KEY]: values } } })];
  const denyIf = (operator: string, values: string[]): InlinePolicy[] => [FULL, policy('d', { Effect: 'Deny', Action: ['ims:images:addMember'], Condition: { [operator]: { [KEY]: values } } })];
  const unknown = { unknown_context_keys: [KEY] };

  it.each([
    ['StringEquals', ['prod']],
    ['StringNotEquals', ['prod']],
    ['StringEqualsIfExists', ['prod']],
    ['ForAllValues:StringEquals', ['prod']],
    ['ForAnyValue:StringEquals', ['prod']],
    ['StringMatch', ['*']], // absent: false; any value: true
    ['StringNotMatch', ['*']], // absent: true; any value: false
    ['Null', ['true']],
    ['Null', ['false']],
  ])('%s %j is unknown: an Allow may apply, a Deny may apply', (op, values) => {
    expect(decideTagged(allowIf(op, values), unknown).reason).toBe('context_required');
    expect(decideTagged(denyIf(op, values), unknown)).toMatchObject({ reason: 'context_required', denied_by: { policy_id: 'd', statement: 0 } });
  });

  it.each([
    ['StringMatchIfExists', ['*'], true],
    ['ForAllValues:StringMatch', ['*'], true],
    ['ForAllValues:StringMatchIfExists', ['prod', '*'], true],
    ['ForAnyValue:StringNotMatch', ['*'], false],
    ['Null', ['true', 'false'], true],
  ])('%s %j is decided exactly (%s whatever the key is)', (op, values, result) => {
    expect(decideTagged(allowIf(op, values), unknown).reason).toBe(result ? 'allowed' : 'implicit_deny');
    expect(decideTagged(denyIf(op, values), unknown).reason).toBe(result ? 'explicit_deny' : 'allowed');
  });

  it('a false condition on a known key decides the statement whatever the unknown ones are', () => {
    const p = [policy('p', { Effect: 'Allow', Action: ['ims:images:addMember'], Condition: { StringEquals: { [KEY]: ['prod'], 'g:UserName': ['bob'] } } })];
    expect(decideTagged(p, unknown).reason).toBe('implicit_deny');
    const d = [FULL, policy('d', { Effect: 'Deny', Action: ['ims:images:addMember'], Condition: { StringEquals: { [KEY]: ['prod'], 'g:UserName': ['bob'] } } })];
    expect(decideTagged(d, unknown).reason).toBe('allowed');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Decisions and precedence
// ---------------------------------------------------------------------------------------------------------

describe('decisions', () => {
  const tagDeny = policy('tag-deny', { Effect: 'Deny', Action: ['ims:images:*'], Condition: { StringEquals: { 'g:ResourceTag/env': ['prod'] } } });
  const plainDeny = policy('no-share', { Effect: 'Deny', Action: ['ims:images:addMember'] });
  const mfaAllow = policy('mfa', { Effect: 'Allow', Action: ['ims:images:*'], Condition: { Bool: { 'g:MFAPresent': ['true'] } } });
  const unknown = { unknown_context_keys: ['g:*'] };

  it('explicit deny when a Deny applies whatever the keys are, even if another may', () => {
    expect(decideTagged([FULL, tagDeny, plainDeny], unknown)).toMatchObject({ reason: 'explicit_deny', denied_by: { policy_id: 'no-share' } });
  });

  it('implicit deny when a required layer has no Allow that may apply; SCP levels too', () => {
    expect(decideTagged([tagDeny], unknown).reason).toBe('implicit_deny');
    const r = decideTagged([FULL], {
      ...unknown,
      scps: [{ level: 'root', policies: [policy('scp-deny-tag', { Effect: 'Deny', Action: ['ims:images:*'], Condition: { StringEquals: { 'g:ResourceTag/env': ['prod'] } } })] }],
    });
    expect(r).toMatchObject({ reason: 'implicit_deny', denied_by: { layer: 'scp', level: 'root' } });
  });

  it('context_required when an Allow only may apply, or a Deny may apply; keys sorted, from every undecided statement', () => {
    expect(decideTagged([mfaAllow], unknown)).toMatchObject({ reason: 'context_required', context_required_keys: ['g:MFAPresent'] });
    const both = decideTagged([mfaAllow, tagDeny], unknown);
    expect(both).toMatchObject({ reason: 'context_required', context_required_keys: ['g:MFAPresent', 'g:ResourceTag/env'], denied_by: { policy_id: 'tag-deny' } });
    // An Allow that applies for sure makes the layer's other Allows irrelevant; the Deny still decides.
    expect(decideTagged([FULL, mfaAllow, tagDeny], unknown)).toMatchObject({ reason: 'context_required', context_required_keys: ['g:ResourceTag/env'] });
    expect(decideTagged([FULL, mfaAllow], unknown).reason).toBe('allowed');
  });

  it('the account itself needs no identity Allow; exempt principals skip SCPs', () => {
    const account = ok(evaluate({ principal: { type: 'account', account_id: 'acc-1' }, action: 'ims:images:share', resource: IMAGE, policies: [mfaAllow], ...unknown }));
    expect(account.decision).toBe('allow');
    const scps = [{ level: 'root', policies: [FULL, policy('scp', { Effect: 'Deny', Action: ['*'], Condition: { Bool: { 'g:MFAPresent': ['false'] } } })] }];
    const user = ok(evaluate({ principal: ALICE, action: 'ims:images:share', resource: IMAGE, policies: [FULL], scps, ...unknown }));
    expect(user).toMatchObject({ reason: 'context_required', denied_by: { layer: 'scp', level: 'root', policy_id: 'scp' } });
    const mgmt = ok(evaluate({ principal: { ...ALICE, management_account: true }, action: 'ims:images:share', resource: IMAGE, policies: [FULL], scps, ...unknown }));
    expect(mgmt.decision).toBe('allow');
  });

  it('an enterprise-project grant scope with g:EnterpriseProjectId unknown may or may not cover the request', () => {
    const ep = { type: 'enterprise_project', enterprise_project_id: 'ep-1' } as const;
    const pdp = createEvaluator({ policies: [{ ...policy('ep-read', { Effect: 'Allow', Action: ['ims:images:list'] }), scope: ep }] });
    const list = (extra: Partial<EvaluateRequest>): EvaluateResponse => ok(pdp.evaluate({ principal: ALICE, action: 'ims:images:list', ...extra }));
    expect(list({}).reason).toBe('implicit_deny'); // absent: the scoped Allow does not apply (fail closed)
    expect(list({ unknown_context_keys: ['g:EnterpriseProjectId'] })).toMatchObject({ reason: 'context_required', context_required_keys: ['g:EnterpriseProjectId'] });
    expect(list({ unknown_context_keys: ['*'], context: { 'g:EnterpriseProjectId': 'ep-1' } }).reason).toBe('allowed');
  });

  it('precedence over several results: explicit > implicit (SCP, identity) > context_required > allowed', () => {
    const onImages = [
      policy('p', { Effect: 'Allow', Action: ['ims:images:get', 'ims:images:list'] }),
      policy('q', { Effect: 'Allow', Action: ['ims:images:share'], Condition: { Bool: { 'g:MFAPresent': ['true'] } } }),
    ];
    const two = ok(evaluate({ principal: ALICE, actions: ['ims:images:share', 'ims:images:deleteImage', 'ims:images:get'], resource: IMAGE, policies: onImages, ...unknown }));
    expect(two.results.map((r) => r.reason)).toEqual(['context_required', 'implicit_deny', 'allowed']);
    // Denied whatever the keys are: no key decides the request.
    expect(two).toMatchObject({ decision: 'deny', reason: 'implicit_deny', context_required_keys: [] });
    const one = ok(evaluate({ principal: ALICE, actions: ['ims:images:share', 'ims:images:get'], resource: IMAGE, policies: onImages, ...unknown }));
    expect(one).toMatchObject({ decision: 'deny', reason: 'context_required', context_required_keys: ['g:MFAPresent'] });
    const explicit = ok(
      evaluate({
        principal: ALICE,
        actions: ['ims:images:share', 'ims:images:deleteImage'],
        resource: IMAGE,
        policies: [...onImages, policy('d', { Effect: 'Deny', Action: ['ims:images:deleteImage'] })],
        ...unknown,
      }),
    );
    expect(explicit.reason).toBe('explicit_deny');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Explain
// ---------------------------------------------------------------------------------------------------------

describe('explain with unknown keys', () => {
  it('condition traces say unknown; statements may apply; layers depend on unknown keys; the text says so', () => {
    const request: EvaluateRequest = {
      principal: ALICE,
      action: 'ims:images:share',
      resource: IMAGE,
      region: 'cn-north-4',
      unknown_context_keys: ['ims:*', 'g:ResourceTag/*', 'g:MFAPresent'],
      policies: [
        { id: 'share-within-org', document: SHARE_WITHIN_ORG },
        policy('guard', { Effect: 'Deny', Action: ['ims:images:share'], Condition: { StringMatchIfExists: { 'g:ResourceTag/env': ['*'] }, Bool: { 'g:MFAPresent': ['false'] } } }),
      ],
    };
    const r = explain(request) as ExplainResponse;
    expect(isErrorResponse(r)).toBe(false);
    const layer = r.trace[0]!.layers[0]!;
    expect(layer.outcome).toBe('unknown');
    const share = layer.policies[0]!.statements[1]!;
    expect(share).toMatchObject({ applies: false, may_apply: true, conditions_matched: 'unknown' });
    expect(share.conditions[0]).toEqual({
      operator: 'ForAllValues:StringMatch',
      key: 'ims:TargetOrgPaths',
      policy_values: ['o-1/r-1/*'],
      request_values: null,
      missing: true,
      unknown: true,
      result: 'unknown',
    });
    const guard = layer.policies[1]!.statements[0]!;
    expect(guard).toMatchObject({ applies: false, may_apply: true, conditions_matched: 'unknown' });
    // ims:images:share does not carry g:ResourceTag: absent (never unknown), so decided exactly.
    expect(guard.conditions.find((c) => c.operator === 'StringMatchIfExists')).toMatchObject({ not_carried: true, missing: true, result: true });
    expect(guard.conditions.find((c) => c.operator === 'StringMatchIfExists')).not.toHaveProperty('unknown');
    expect(r).toMatchObject({ reason: 'context_required', context_required_keys: ['g:MFAPresent', 'ims:TargetOrgPaths'] });
    const lines = r.text.split('\n');
    expect(lines[0]).toMatch(/^DENY \(context_required\): /);
    expect(lines).toContain('  identity policies: depends on unknown keys');
    expect(lines).toContain('    ?     share-within-org statement 1 (Sid "ShareInsideTheOrganization") (Allow) may apply, depending on ForAllValues:StringMatch ims:TargetOrgPaths');
    expect(lines).toContain('          ?      ForAllValues:StringMatch ims:TargetOrgPaths ["o-1/r-1/*"]: unknown');
    expect(lines).toContain('Context required (the answer depends on these unknown keys): g:MFAPresent, ims:TargetOrgPaths');
    // Explain and evaluate agree.
    const { decision_id: _e, current_time: _et, ...evaluated } = ok(evaluate(request));
    const { decision_id: _x, current_time: _xt, trace: _t, text: _s, ...explained } = r;
    expect(explained).toEqual(evaluated);
  });
});

// ---------------------------------------------------------------------------------------------------------
// CLI and HTTP
// ---------------------------------------------------------------------------------------------------------

const shareRequest: EvaluateRequest = {
  principal: ALICE,
  action: 'ims:images:share',
  resource: IMAGE,
  region: 'cn-north-4',
  unknown_context_keys: ['ims:*'],
  policies: [{ id: 'share-within-org', document: SHARE_WITHIN_ORG }],
};

describe('CLI', () => {
  function cli(argv: string[], file: string): { code: number; stdout: string } {
    let stdout = '';
    const code = runCli(argv, { stdout: (s) => (stdout += s), stderr: () => undefined, readFile: () => file, readStdin: () => file });
    return { code, stdout };
  }

  it('evaluate and explain --text take unknown_context_keys', () => {
    const ev = cli(['evaluate', 'request.json'], JSON.stringify(shareRequest));
    expect(ev.code).toBe(0);
    expect(JSON.parse(ev.stdout)).toMatchObject({ decision: 'deny', reason: 'context_required', context_required_keys: ['ims:TargetOrgPaths'] });
    const ex = cli(['explain', '-', '--text'], JSON.stringify(shareRequest));
    expect(ex.stdout).toMatch(/^DENY \(context_required\)/);
    expect(ex.stdout).toContain('ims:TargetOrgPaths ["o-1/r-1/*"]: unknown');
    const bad = cli(['evaluate', 'request.json'], JSON.stringify({ ...shareRequest, unknown_context_keys: ['ims:*x'] }));
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
  });
});

describe('HTTP: POST /v1/evaluate and /v1/explain', () => {
  let stop: () => Promise<void>;
  let api: Client;
  beforeAll(async () => {
    ({ stop } = await startLocalApi('unknown-context'));
    api = await client('acc-1');
  });
  afterAll(async () => stop?.());

  it('take unknown_context_keys through the shared request schema', async () => {
    const ev = await api.post('/v1/evaluate', shareRequest);
    expect(ev.status, ev.text).toBe(200);
    expect(ev.json).toMatchObject({ decision: 'deny', reason: 'context_required', context_required_keys: ['ims:TargetOrgPaths'] });
    const ex = await api.post('/v1/explain', shareRequest);
    expect(ex.status, ex.text).toBe(200);
    expect(ex.json.trace[0].layers[0].outcome).toBe('unknown');
    const bad = await api.post('/v1/evaluate', { ...shareRequest, unknown_context_keys: 'ims:*' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'unknown_context_keys' } });
    const clash = await api.post('/v1/evaluate', { ...shareRequest, unknown_context_keys: ['ims:TargetOrgPaths'], context: { 'ims:TargetOrgPaths': ['o-1/r-1/x'] } });
    expect(clash.status).toBe(400);
    expect(clash.json.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'unknown_context_keys[0]' } });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Soundness (property)
// ---------------------------------------------------------------------------------------------------------

describe('soundness against the two-valued evaluator (test/reference/unknown.ts)', () => {
  it('allow => every filling allowed; explicit/implicit deny => every filling denied; nothing unknown => the two-valued answer', () => {
    // 3,000 requests, 6 fillings each (seeded); `npm run fuzz:unknown -- --runs N` runs more.
    const stats = runUnknownCases(300, 20_261_212);
    expect(stats.skipped / stats.requests).toBeLessThan(0.02);
    // Not vacuous: every outcome occurs, most requests have an unknown key the policies read, and the
    // fillings of context_required answers went both ways in most of them.
    const share = (n: number): number => n / stats.requests;
    expect(share(stats.withUnknown)).toBeGreaterThan(0.5);
    expect(share(stats.outcomes.allowed)).toBeGreaterThan(0.1);
    expect(share(stats.outcomes.explicit_deny)).toBeGreaterThan(0.1);
    expect(share(stats.outcomes.implicit_deny)).toBeGreaterThan(0.1);
    expect(share(stats.outcomes.context_required)).toBeGreaterThan(0.04);
    expect(stats.contextRequired.both / stats.outcomes.context_required).toBeGreaterThan(0.5);
  }, 120_000);

  it('is not vacuous: reading unknown keys as absent (the bug of the issue) is refuted', () => {
    let failure: unknown;
    try {
      runUnknownCases(300, 20_261_212, emptyUnknownStats(), { unknownAsAbsent: true });
    } catch (err) {
      failure = err;
    }
    // fast-check keeps the property's own error as the cause.
    // (Per request or per result: a result denied for sure that a filling allows refutes it as well.)
    expect(String((failure as Error | undefined)?.cause ?? failure)).toMatch(/but a filling is (denied|allowed)|three-valued, (denied|allowed) filled/);
  });
});
