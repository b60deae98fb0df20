/**
 * Fidelity review: cases written from the Huawei documents only (the research notes on Huawei IAM /
 * Organizations, sections cited per block as "§n", and the IMS seed pages), as a reviewer who has not read
 * the engine would write them. Each expectation is what the document says; where the document is silent
 * the case follows the choice docs/semantics.md states, and says so.
 */
import { describe, expect, it } from 'vitest';
import { catalog, createEvaluator, evaluate, explain, validate, type EvaluateResponse, type GrantScope, type PolicyDocument, type ScopedPolicy } from '../lib/index.js';

type Stmt = Record<string, unknown>;
const v5 = (...Statement: Stmt[]): PolicyDocument => ({ Version: '5.0', Statement }) as PolicyDocument;
const v11 = (...Statement: Stmt[]): PolicyDocument => ({ Version: '1.1', Statement }) as PolicyDocument;
const allow = (Action: string[], extra: Stmt = {}): Stmt => ({ Effect: 'Allow', Action, ...extra });
const deny = (Action: string[], extra: Stmt = {}): Stmt => ({ Effect: 'Deny', Action, ...extra });

const IMAGE = 'ims:cn-north-4:acc-1:image:abc';
const OTHER_IMAGE = 'ims:cn-north-4:acc-1:image:def';
const USER = { account_id: 'acc-1', user_id: 'u-1', user_name: 'alice' };
const FULL_ACCESS_SCP = { id: 'FullAccess', document: v5(allow(['*'], { Resource: ['*'] })) };
/** 2026-06-01T12:00:00Z */
const CLOCK = (): number => Date.UTC(2026, 5, 1, 12, 0, 0);

interface Req {
  action?: string;
  actions?: string[];
  api?: { method: string; path: string; hints?: Record<string, unknown> };
  resource?: string;
  region?: string;
  principal?: Record<string, unknown>;
  context?: Record<string, unknown>;
  scps?: { level: string; policies: { id: string; document: PolicyDocument }[] }[];
}

function run(docs: PolicyDocument[], req: Req): EvaluateResponse {
  const r = evaluate({ principal: USER, region: 'cn-north-4', ...req, policies: docs.map((document, i) => ({ id: `p${i}`, document })) }, { clock: CLOCK });
  if ('error' in r) throw new Error(JSON.stringify(r.error));
  return r;
}
const decision = (docs: PolicyDocument[], req: Req): string => run(docs, req).decision;
const reason = (docs: PolicyDocument[], req: Req): string => run(docs, req).reason;
const codes = (doc: unknown, type?: 'identity' | 'scp', scp_revision?: '2024' | '2025-07' | '2025-12'): string[] =>
  validate(doc as PolicyDocument, { ...(type ? { type } : {}), ...(scp_revision ? { scp_revision } : {}) }).findings.map((f) => f.code);
const errors = (doc: unknown, type?: 'identity' | 'scp'): string[] =>
  validate(doc as PolicyDocument, type ? { type } : {})
    .findings.filter((f) => f.severity === 'error')
    .map((f) => f.code);

// ---------------------------------------------------------------------------------------------------------
// §2 grammar 1.1
// ---------------------------------------------------------------------------------------------------------
describe('policy grammar 1.1 (§2)', () => {
  it('IMS-CUSTOM: Deny ims:images:delete with IMS FullAccess allows everything but deleting images (§2.4)', () => {
    const full = v11(allow(['ims:*:*']));
    const noDelete = v11(deny(['ims:images:delete']));
    expect(reason([full, noDelete], { action: 'ims:images:deleteImage', resource: IMAGE })).toBe('explicit_deny');
    expect(decision([full, noDelete], { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
    expect(decision([full, noDelete], { action: 'ims:images:list' })).toBe('allow');
    expect(decision([full, noDelete], { action: 'ims:serverImages:create' })).toBe('allow');
  });

  it('resource type and operation are case-insensitive in 1.1 Actions (§2.1)', () => {
    expect(decision([v11(allow(['ims:IMAGES:LIST']))], { action: 'ims:images:list' })).toBe('allow');
    expect(decision([v11(allow(['ims:Images:Get']))], { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
  });

  it('the 1.1 service name must be lowercase (§2.1): the validator refuses IMS:images:list', () => {
    expect(errors(v11(allow(['IMS:images:list'])))).toContain('V11_SERVICE_NOT_LOWERCASE');
    expect(errors(v11(allow(['ims:images:list'])))).toEqual([]);
  });

  it('NotAction, NotResource and Principal are not part of the 1.1 grammar (§2.1)', () => {
    expect(errors(v11({ Effect: 'Allow', NotAction: ['ims:images:list'] })).length).toBeGreaterThan(0);
    expect(errors(v11(allow(['ims:images:list'], { NotResource: ['*'] }))).length).toBeGreaterThan(0);
    expect(errors(v11(allow(['ims:images:list'], { Principal: { ID: ['x'] } }))).length).toBeGreaterThan(0);
  });

  it('a 1.1 Action is required (§2.1)', () => {
    expect(errors(v11({ Effect: 'Allow' }))).toContain('MISSING_ACTION');
  });

  it('IAM ReadOnlyAccess style wildcards in the middle segment and as a prefix glob (§1, §8.4)', () => {
    const ro = v11(allow(['ims:*:get*', 'ims:*:list*']));
    for (const a of ['ims:images:list', 'ims:quotas:get', 'ims:images:listOsVersion', 'ims:images:getJob', 'ims:images:getTags', 'ims:images:listImagesByTag'])
      expect(decision([ro], { action: a }), a).toBe('allow');
    expect(decision([ro], { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
    for (const a of ['ims:images:deleteImage', 'ims:images:updateImage', 'ims:images:share', 'ims:images:upload']) expect(decision([ro], { action: a, resource: IMAGE }), a).toBe('deny');
    expect(decision([ro], { action: 'ims:serverImages:create' })).toBe('deny');
  });

  it('"*" alone matches every action; ims:* every IMS action (§2.2)', () => {
    expect(decision([v11(allow(['*']))], { action: 'ims:images:share', resource: IMAGE })).toBe('allow');
    expect(decision([v11(allow(['ims:*']))], { action: 'ims:quotas:get' })).toBe('allow');
  });

  it('1.1 Condition values are arrays of strings, Bool included; IfExists on an absent key (§2.3, §2.4)', () => {
    const doc = v11(
      allow(['ims:images:list'], {
        Condition: { StringEndWithIfExists: { 'g:UserName': ['ice'] }, Bool: { 'g:MFAPresent': ['true'] } },
      }),
    );
    expect(decision([doc], { action: 'ims:images:list', context: { 'g:MFAPresent': true } })).toBe('allow');
    expect(decision([doc], { action: 'ims:images:list', context: { 'g:MFAPresent': false } })).toBe('deny');
    expect(decision([doc], { action: 'ims:images:list' })).toBe('deny'); // g:MFAPresent absent: Bool false
    expect(decision([doc], { action: 'ims:images:list', principal: { account_id: 'acc-1', user_name: 'bob' }, context: { 'g:MFAPresent': true } })).toBe('deny');
    expect(decision([doc], { action: 'ims:images:list', principal: { account_id: 'acc-1' }, context: { 'g:MFAPresent': true } })).toBe('allow');
  });

  it('a 1.1 Resource naming IMS resources is refused (IMS is not on the 1.1 resource-level list, §2.1)', () => {
    expect(errors(v11(allow(['ims:images:get'], { Resource: ['ims:*:*:image:abc'] })))).toContain('V11_RESOURCE_NOT_SUPPORTED');
    expect(errors(v11(allow(['ims:images:get'], { Resource: ['*'] })))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// §3 grammar 5.0
// ---------------------------------------------------------------------------------------------------------
describe('policy grammar 5.0 (§3.1)', () => {
  it('Version must be exactly "5.0" (or "1.1"): MISSING_VERSION / INVALID_VERSION', () => {
    expect(errors({ Statement: [allow(['ims:images:list'])] })).toContain('MISSING_VERSION');
    expect(errors({ Version: '5', Statement: [allow(['ims:images:list'])] })).toContain('INVALID_VERSION');
    expect(errors({ Version: '2012-10-17', Statement: [allow(['ims:images:list'])] })).toContain('INVALID_VERSION');
  });

  it('Statement is required: MISSING_STATEMENT', () => {
    expect(errors({ Version: '5.0' })).toContain('MISSING_STATEMENT');
  });

  it('Effect must be Allow or Deny', () => {
    expect(errors(v5({ Effect: 'allow', Action: ['ims:images:list'] }))).toContain('INVALID_EFFECT');
    expect(errors(v5({ Action: ['ims:images:list'] }))).toContain('MISSING_EFFECT');
  });

  it('exactly one of Action / NotAction; at most one of Resource / NotResource', () => {
    expect(errors(v5({ Effect: 'Allow', Action: ['ims:images:list'], NotAction: ['ims:images:get'] })).length).toBeGreaterThan(0);
    expect(errors(v5({ Effect: 'Allow' })).length).toBeGreaterThan(0);
    expect(errors(v5(allow(['ims:images:get'], { Resource: ['*'], NotResource: [IMAGE] }))).length).toBeGreaterThan(0);
  });

  it('Principal is not allowed in identity policies or SCPs: UNSUPPORTED_PRINCIPAL', () => {
    expect(errors(v5(allow(['ims:images:list'], { Principal: { IAM: ['*'] } })))).toContain('UNSUPPORTED_PRINCIPAL');
    expect(errors(v5(deny(['ims:images:list'], { Principal: { IAM: ['*'] } })), 'scp')).toContain('UNSUPPORTED_PRINCIPAL');
  });

  it('the order of elements does not matter', () => {
    const a = { Statement: [{ Resource: [IMAGE], Action: ['ims:images:get'], Effect: 'Allow' }], Version: '5.0' };
    expect(errors(a)).toEqual([]);
    expect(decision([a as PolicyDocument], { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
  });

  it('Sid is a free label (zero or more characters)', () => {
    expect(errors(v5(allow(['ims:images:list'], { Sid: '' })))).toEqual([]);
    expect(errors(v5(allow(['ims:images:list'], { Sid: 'any label: with spaces' })))).toEqual([]);
  });
});

describe('Action / NotAction (§3.2, §7.3)', () => {
  it('5.0 Actions are case-insensitive, with * and ?', () => {
    expect(decision([v5(allow(['IMS:IMAGES:LIST']))], { action: 'ims:images:list' })).toBe('allow');
    expect(decision([v5(allow(['ims:images:ge?']))], { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
    // a pattern that matches no IMS action: the validator calls the policy invalid, evaluation refuses it (fail closed)
    expect(errors(v5(allow(['ims:images:g?'])))).toContain('ACTION_MATCHES_NOTHING');
    expect(decision([v5(allow(['ims:*:get*']))], { action: 'ims:quotas:get' })).toBe('allow');
    expect(decision([v5(allow(['ims:*:get*']))], { action: 'ims:images:list' })).toBe('deny');
  });

  it('Allow + NotAction grants everything but the listed actions', () => {
    const doc = v5({ Effect: 'Allow', NotAction: ['ims:images:deleteImage'] });
    expect(decision([doc], { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
    expect(reason([doc], { action: 'ims:images:deleteImage', resource: IMAGE })).toBe('implicit_deny');
  });

  it('Deny + NotAction denies everything but the listed actions', () => {
    const docs = [v5(allow(['ims:*'])), v5({ Effect: 'Deny', NotAction: ['ims:images:list', 'ims:images:get'] })];
    expect(decision(docs, { action: 'ims:images:list' })).toBe('allow');
    expect(decision(docs, { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
    expect(reason(docs, { action: 'ims:images:share', resource: IMAGE })).toBe('explicit_deny');
  });

  it('aliases: an old name matches its current actions; NotAction on an alias also exempts them (V5-FAQ-ALIAS)', () => {
    expect(decision([v5(allow(['ims:images:delete']))], { action: 'ims:images:deleteImage', resource: IMAGE })).toBe('allow');
    expect(decision([v5(allow(['ims:images:update']))], { action: 'ims:images:updateImage', resource: IMAGE })).toBe('allow');
    expect(decision([v5(allow(['ims:images:copy']))], { action: 'ims:images:copyInRegion', resource: IMAGE })).toBe('allow');
    expect(decision([v5(allow(['ims:images:copy']))], { action: 'ims:images:copyCrossRegion', resource: IMAGE })).toBe('allow');
    const docs = [v5(allow(['ims:*'])), v5({ Effect: 'Deny', NotAction: ['ims:images:delete'] })];
    expect(decision(docs, { action: 'ims:images:deleteImage', resource: IMAGE })).toBe('allow');
    expect(reason(docs, { action: 'ims:images:updateImage', resource: IMAGE })).toBe('explicit_deny');
  });

  it('a Deny naming another service never denies an IMS action', () => {
    const docs = [v5(allow(['ims:*'])), v5(deny(['obs:*:*']))];
    expect(decision(docs, { action: 'ims:images:list' })).toBe('allow');
  });
});

describe('Resource / NotResource (§3.2, §3.3, §7.3)', () => {
  it('Resource names one image; others are not granted', () => {
    const doc = v5(allow(['ims:images:get'], { Resource: [IMAGE] }));
    expect(decision([doc], { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
    expect(decision([doc], { action: 'ims:images:get', resource: OTHER_IMAGE })).toBe('deny');
  });

  it('absent Resource means every resource; * and ? in URN segments', () => {
    expect(decision([v5(allow(['ims:images:get']))], { action: 'ims:images:get', resource: OTHER_IMAGE })).toBe('allow');
    expect(decision([v5(allow(['ims:images:get'], { Resource: ['ims:*:*:image:*'] }))], { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
    expect(decision([v5(allow(['ims:images:get'], { Resource: ['ims:cn-north-4:acc-1:image:ab?'] }))], { action: 'ims:images:get', resource: IMAGE })).toBe('allow');
    expect(decision([v5(allow(['ims:images:get'], { Resource: ['ims:cn-east-3:*:image:*'] }))], { action: 'ims:images:get', resource: IMAGE })).toBe('deny');
  });

  it('no wildcard in the URN service segment (V5-URN)', () => {
    expect(errors(v5(allow(['ims:images:get'], { Resource: ['*:*:*:image:*'] })))).toContain('WILDCARD_IN_URN_SERVICE');
  });

  it('an action without a resource type needs Resource "*" (seed 001 Table 1 legend: "you must specify all resources")', () => {
    expect(decision([v5(allow(['ims:images:list'], { Resource: ['*'] }))], { action: 'ims:images:list' })).toBe('allow');
    expect(decision([v5(allow(['ims:images:list'], { Resource: ['ims:*:*:image:*'] }))], { action: 'ims:images:list' })).toBe('deny');
  });

  it('NotResource: Allow every image except one; Deny every image except one', () => {
    const a = v5(allow(['ims:images:get'], { NotResource: [IMAGE] }));
    expect(decision([a], { action: 'ims:images:get', resource: OTHER_IMAGE })).toBe('allow');
    expect(decision([a], { action: 'ims:images:get', resource: IMAGE })).toBe('deny');
    const d = [v5(allow(['ims:*'])), v5(deny(['ims:images:deleteImage'], { NotResource: [IMAGE] }))];
    expect(decision(d, { action: 'ims:images:deleteImage', resource: IMAGE })).toBe('allow');
    expect(reason(d, { action: 'ims:images:deleteImage', resource: OTHER_IMAGE })).toBe('explicit_deny');
  });

  it('an image URN is ims:<region>:<account-id>:image:<image-id> (seed 001 Table 3)', () => {
    expect(errors(v5(allow(['ims:images:get'], { Resource: ['ims:cn-north-4:acc-1:image:abc'] })))).toEqual([]);
    expect(errors(v5(allow(['ims:images:get'], { Resource: ['ims:cn-north-4:acc-1:snapshot:abc'] })))).toContain('UNKNOWN_RESOURCE_TYPE');
  });
});

// ---------------------------------------------------------------------------------------------------------
// §4 conditions
// ---------------------------------------------------------------------------------------------------------
const LIST = { action: 'ims:images:list' };
const onList = (Condition: Record<string, unknown>): PolicyDocument[] => [v5(allow(['ims:images:list'], { Condition }))];
const denyListIf = (Condition: Record<string, unknown>): PolicyDocument[] => [v5(allow(['ims:images:list'])), v5(deny(['ims:images:list'], { Condition }))];

describe('condition operators (§4.1)', () => {
  const withUser = (user_name: string, ctx: Record<string, unknown> = {}): Req => ({ ...LIST, principal: { account_id: 'acc-1', user_name }, context: ctx });
  it.each([
    // operator, policy values, user name, expected
    ['StringEquals', ['alice'], 'alice', 'allow'],
    ['StringEquals', ['Alice'], 'alice', 'deny'], // case-sensitive
    ['StringNotEquals', ['bob', 'carol'], 'alice', 'allow'],
    ['StringNotEquals', ['bob', 'alice'], 'alice', 'deny'], // must differ from all
    ['StringNotEquals', ['ALICE'], 'alice', 'allow'], // case-sensitive
    ['StringEqualsIgnoreCase', ['ALICE'], 'alice', 'allow'],
    ['StringNotEqualsIgnoreCase', ['ALICE'], 'alice', 'deny'],
    ['StringMatch', ['al*'], 'alice', 'allow'],
    ['StringMatch', ['al?ce'], 'alice', 'allow'],
    ['StringMatch', ['AL*'], 'alice', 'deny'], // case-sensitive
    ['StringMatch', ['al?'], 'alice', 'deny'],
    ['StringNotMatch', ['b*', 'c*'], 'alice', 'allow'],
    ['StringNotMatch', ['b*', 'a*'], 'alice', 'deny'],
    ['StringStartWith', ['ali'], 'alice', 'allow'],
    ['StringStartWith', ['ALI'], 'alice', 'allow'], // "unless the table says otherwise, comparison is case-insensitive"
    ['StringStartWith', ['lic'], 'alice', 'deny'],
    ['StringEndWith', ['ICE'], 'alice', 'allow'],
    ['StringEndWith', ['ali'], 'alice', 'deny'],
  ])('%s %j on g:UserName=%s: %s', (op, values, user, expected) => {
    expect(decision(onList({ [op]: { 'g:UserName': values } }), withUser(user))).toBe(expected);
  });

  it.each([
    ['NumberEquals', ['300'], 300, 'allow'],
    ['NumberEquals', ['300'], 301, 'deny'],
    ['NumberNotEquals', ['300', '400'], 301, 'allow'],
    ['NumberNotEquals', ['300', '400'], 400, 'deny'],
    ['NumberLessThan', ['300'], 299, 'allow'],
    ['NumberLessThan', ['300'], 300, 'deny'],
    ['NumberLessThanEquals', ['300'], 300, 'allow'],
    ['NumberGreaterThan', ['300'], 301, 'allow'],
    ['NumberGreaterThan', ['300'], 300, 'deny'],
    ['NumberGreaterThanEquals', ['300'], 300, 'allow'],
    ['NumberLessThan', ['100', '500'], 300, 'allow'], // any value
  ])('%s %j on g:MFAAge=%s: %s', (op, values, age, expected) => {
    expect(decision(onList({ [op]: { 'g:MFAAge': values } }), { ...LIST, context: { 'g:MFAAge': age } })).toBe(expected);
  });

  it.each([
    // g:CurrentTime is 2026-06-01T12:00:00Z
    ['DateLessThan', ['2026-06-01T12:00:01Z'], 'allow'],
    ['DateLessThan', ['2026-06-01T12:00:00Z'], 'deny'],
    ['DateLessThanEquals', ['2026-06-01T12:00:00Z'], 'allow'],
    ['DateGreaterThan', ['2026-06-01T11:59:59Z'], 'allow'],
    ['DateGreaterThan', ['2026-06-01T12:00:00Z'], 'deny'],
    ['DateGreaterThanEquals', ['2026-06-01T12:00:00Z'], 'allow'],
    ['DateLessThan', ['2012-11-11T23:59:59Z'], 'deny'],
  ])('%s %j on g:CurrentTime: %s', (op, values, expected) => {
    expect(decision(onList({ [op]: { 'g:CurrentTime': values } }), LIST)).toBe(expected);
  });

  it('Bool: values true/false', () => {
    expect(decision(onList({ Bool: { 'g:MFAPresent': ['true'] } }), { ...LIST, context: { 'g:MFAPresent': 'true' } })).toBe('allow');
    expect(decision(onList({ Bool: { 'g:MFAPresent': ['false'] } }), { ...LIST, context: { 'g:MFAPresent': 'true' } })).toBe('deny');
    expect(decision(onList({ Bool: { 'g:MFAPresent': ['false'] } }), { ...LIST, context: { 'g:MFAPresent': false } })).toBe('allow');
  });

  it('Null: true = the key is absent, false = present', () => {
    expect(decision(onList({ Null: { 'g:MFAPresent': ['true'] } }), LIST)).toBe('allow');
    expect(decision(onList({ Null: { 'g:MFAPresent': ['true'] } }), { ...LIST, context: { 'g:MFAPresent': true } })).toBe('deny');
    expect(decision(onList({ Null: { 'g:MFAPresent': ['false'] } }), { ...LIST, context: { 'g:MFAPresent': true } })).toBe('allow');
    expect(decision(onList({ Null: { 'g:MFAPresent': ['false'] } }), LIST)).toBe('deny');
  });

  it('IpAddress / NotIpAddress with addresses and CIDR blocks on g:SourceIp', () => {
    const inNet = { ...LIST, context: { 'g:SourceIp': '10.1.2.3' } };
    const outNet = { ...LIST, context: { 'g:SourceIp': '192.168.0.1' } };
    expect(decision(onList({ IpAddress: { 'g:SourceIp': ['10.0.0.0/8'] } }), inNet)).toBe('allow');
    expect(decision(onList({ IpAddress: { 'g:SourceIp': ['10.0.0.0/8'] } }), outNet)).toBe('deny');
    expect(decision(onList({ IpAddress: { 'g:SourceIp': ['192.168.0.1'] } }), outNet)).toBe('allow');
    expect(decision(onList({ NotIpAddress: { 'g:SourceIp': ['10.0.0.0/8'] } }), outNet)).toBe('allow');
    expect(decision(onList({ NotIpAddress: { 'g:SourceIp': ['10.0.0.0/8'] } }), inNet)).toBe('deny');
  });

  it('an unknown operator name is an error', () => {
    expect(errors(v5(allow(['ims:images:list'], { Condition: { StringEqualz: { 'g:UserName': ['a'] } } })))).toContain('INVALID_CONDITION_OPERATOR');
  });

  it('type mismatch: a value that cannot be read as the operator type makes the condition false (§4.1, V5-ELEM2)', () => {
    expect(decision(onList({ NumberEquals: { 'g:MFAAge': ['300'] } }), { ...LIST, context: { 'g:MFAAge': 'abc' } })).toBe('deny');
    expect(decision(onList({ DateLessThan: { 'g:CurrentTime': ['2030-01-01T00:00:00Z'] } }), { ...LIST, context: { 'g:CurrentTime': 'yesterday' } })).toBe('deny');
    expect(decision(onList({ IpAddress: { 'g:SourceIp': ['10.0.0.0/8'] } }), { ...LIST, context: { 'g:SourceIp': 'not-an-ip' } })).toBe('deny');
  });

  it('a type mismatch on a Deny makes the Deny not apply (condition false: the statement is ignored, §4.4)', () => {
    expect(decision(denyListIf({ NumberGreaterThan: { 'g:MFAAge': ['10'] } }), { ...LIST, context: { 'g:MFAAge': 'abc' } })).toBe('allow');
  });
});

describe('IfExists (§4.2)', () => {
  it('absent key: true; present key: evaluated normally', () => {
    const docs = onList({ StringEqualsIfExists: { 'g:UserName': ['alice'] } });
    expect(decision(docs, { ...LIST, principal: { account_id: 'acc-1' } })).toBe('allow');
    expect(decision(docs, { ...LIST, principal: { account_id: 'acc-1', user_name: 'alice' } })).toBe('allow');
    expect(decision(docs, { ...LIST, principal: { account_id: 'acc-1', user_name: 'bob' } })).toBe('deny');
  });

  it('without IfExists a positive operator on an absent key is false (Allow does not apply, Deny does not either)', () => {
    expect(decision(onList({ StringEquals: { 'g:UserName': ['alice'] } }), { ...LIST, principal: { account_id: 'acc-1' } })).toBe('deny');
    expect(decision(denyListIf({ StringEquals: { 'g:SourceVpc': ['vpc-1'] } }), LIST)).toBe('allow');
  });

  it('IfExists may be added to any operator except Null', () => {
    expect(errors(v5(allow(['ims:images:list'], { Condition: { NullIfExists: { 'g:UserName': ['true'] } } })))).toContain('NULL_WITH_IF_EXISTS');
    for (const op of ['NumberLessThanIfExists', 'DateGreaterThanIfExists', 'BoolIfExists', 'IpAddressIfExists', 'StringMatchIfExists']) {
      const key = op.startsWith('Number') ? 'g:MFAAge' : op.startsWith('Date') ? 'g:CurrentTime' : op.startsWith('Bool') ? 'g:MFAPresent' : op.startsWith('Ip') ? 'g:SourceIp' : 'g:UserName';
      const value = op.startsWith('Number') ? '1' : op.startsWith('Date') ? '2020-01-01T00:00:00Z' : op.startsWith('Bool') ? 'true' : op.startsWith('Ip') ? '10.0.0.0/8' : 'a*';
      expect(errors(v5(allow(['ims:images:list'], { Condition: { [op]: { [key]: [value] } } }))), op).toEqual([]);
    }
  });

  it('NumberLessThanIfExists with the key absent is true', () => {
    expect(decision(onList({ NumberLessThanIfExists: { 'g:MFAAge': ['300'] } }), LIST)).toBe('allow');
  });
});

describe('ForAllValues / ForAnyValue (§4.3) on multi-valued keys', () => {
  const create = (tagKeys: string[] | undefined): Req => ({ action: 'ims:images:create', ...(tagKeys ? { context: { 'g:TagKeys': tagKeys } } : {}) });
  it('ForAllValues: every request value must match some policy value', () => {
    const docs = [v5(allow(['ims:images:create'], { Condition: { 'ForAllValues:StringEquals': { 'g:TagKeys': ['env', 'team'] } } }))];
    expect(decision(docs, create(['env']))).toBe('allow');
    expect(decision(docs, create(['env', 'team']))).toBe('allow');
    expect(decision(docs, create(['env', 'owner']))).toBe('deny');
  });

  it('ForAnyValue: some request value matches; no key or an empty set is false', () => {
    const docs = [v5(allow(['ims:images:create'], { Condition: { 'ForAnyValue:StringEquals': { 'g:TagKeys': ['env'] } } }))];
    expect(decision(docs, create(['owner', 'env']))).toBe('allow');
    expect(decision(docs, create(['owner']))).toBe('deny');
    expect(decision(docs, create(undefined))).toBe('deny');
    expect(decision(docs, create([]))).toBe('deny');
  });

  it('ForAllValues on an absent key is true (documents silent; docs/semantics.md chooses vacuous truth)', () => {
    const docs = [v5(allow(['ims:images:create'], { Condition: { 'ForAllValues:StringEquals': { 'g:TagKeys': ['env'] } } }))];
    expect(decision(docs, create(undefined))).toBe('allow');
  });

  it('SCP example: sharing only inside the organization (ForAllValues:StringMatch on ims:TargetOrgPaths, §4.3, §6.3)', () => {
    const scps = [
      {
        level: 'r-1',
        policies: [FULL_ACCESS_SCP, { id: 'in-org', document: v5(deny(['ims:images:share'], { Condition: { 'ForAnyValue:StringNotMatch': { 'ims:TargetOrgPaths': ['o-1/r-1/*'] } } })) }],
      },
    ];
    const share = (paths: string[]): Req => ({ action: 'ims:images:share', resource: IMAGE, context: { 'ims:TargetOrgPaths': paths }, scps, principal: { ...USER, org_path: 'o-1/r-1/acc-1' } });
    const id = [v5(allow(['ims:images:share']))];
    expect(decision(id, share(['o-1/r-1/ou-1/acc-2']))).toBe('allow');
    expect(reason(id, share(['o-1/r-1/ou-1/acc-2', 'o-9/r-9/acc-9']))).toBe('explicit_deny');
  });
});

describe('combining conditions (§4.4)', () => {
  it('several values of one key: OR; several keys: AND; several operators: AND', () => {
    const p = { account_id: 'acc-1', user_name: 'alice', user_id: 'u-1' };
    expect(decision(onList({ StringEquals: { 'g:UserName': ['bob', 'alice'] } }), { ...LIST, principal: p })).toBe('allow');
    expect(decision(onList({ StringEquals: { 'g:UserName': ['alice'], 'g:UserId': ['u-2'] } }), { ...LIST, principal: p })).toBe('deny');
    expect(decision(onList({ StringEquals: { 'g:UserName': ['alice'], 'g:UserId': ['u-1'] } }), { ...LIST, principal: p })).toBe('allow');
    expect(decision(onList({ StringEquals: { 'g:UserName': ['alice'] }, Bool: { 'g:MFAPresent': ['true'] } }), { ...LIST, principal: p, context: { 'g:MFAPresent': false } })).toBe('deny');
  });

  it('a Deny whose condition is false is ignored', () => {
    expect(decision(denyListIf({ Bool: { 'g:MFAPresent': ['false'] } }), { ...LIST, context: { 'g:MFAPresent': true } })).toBe('allow');
    expect(reason(denyListIf({ Bool: { 'g:MFAPresent': ['false'] } }), { ...LIST, context: { 'g:MFAPresent': false } })).toBe('explicit_deny');
  });
});

describe('policy variables (§4.5): none documented, ${...} is literal text', () => {
  it('a ${g:UserName} in a condition value is not substituted', () => {
    expect(decision(onList({ StringEquals: { 'g:UserName': ['${g:UserName}'] } }), LIST)).toBe('deny');
    expect(decision(onList({ StringEquals: { 'g:UserName': ['${g:UserName}'] } }), { ...LIST, principal: { account_id: 'acc-1', user_name: '${g:UserName}' } })).toBe('allow');
  });
  it('a ${g:UserName} in a Resource is not substituted (the validator says so, as for condition values)', () => {
    const doc = v5(allow(['ims:images:get'], { Resource: ['ims:*:*:image:${g:UserName}'] }));
    expect(codes(doc)).toContain('POLICY_VARIABLE_NOT_SUPPORTED');
    expect(codes(onList({ StringEquals: { 'g:UserName': ['${g:UserName}'] } })[0])).toContain('POLICY_VARIABLE_NOT_SUPPORTED');
    expect(decision([doc], { action: 'ims:images:get', resource: 'ims:cn-north-4:acc-1:image:alice' })).toBe('deny');
  });
});

// ---------------------------------------------------------------------------------------------------------
// §5 global keys
// ---------------------------------------------------------------------------------------------------------
describe('global condition keys (§5)', () => {
  it('IAM fills g:UserName, g:UserId, g:PrincipalAccount, g:ProjectName from the caller and the project', () => {
    expect(decision(onList({ StringEquals: { 'g:UserId': ['u-1'] } }), LIST)).toBe('allow');
    expect(decision(onList({ StringEquals: { 'g:PrincipalAccount': ['acc-1'] } }), LIST)).toBe('allow');
    expect(decision(onList({ StringEquals: { 'g:ProjectName': ['cn-north-4'] } }), LIST)).toBe('allow');
    expect(decision(onList({ StringEquals: { 'g:ProjectName': ['cn-north-4'] } }), { ...LIST, region: 'eu-west-0' })).toBe('deny');
  });

  it('g:PrincipalOrgPath is single-valued: StringMatch with * over <org-id>/<root-id>/(<ou-id>/)*<account-id>', () => {
    const docs = onList({ StringMatch: { 'g:PrincipalOrgPath': ['o-1/r-1/*'] } });
    expect(decision(docs, { ...LIST, principal: { ...USER, org_path: 'o-1/r-1/ou-1/acc-1' } })).toBe('allow');
    expect(decision(docs, { ...LIST, principal: { ...USER, org_path: 'o-2/r-2/acc-1' } })).toBe('deny');
    expect(decision(docs, LIST)).toBe('deny'); // not in an organization: the key is absent
  });

  it('g:PrincipalUrn of a user is iam::<acct>:user:<name>', () => {
    expect(decision(onList({ StringEquals: { 'g:PrincipalUrn': ['iam::acc-1:user:alice'] } }), LIST)).toBe('allow');
  });

  it('g:PrincipalUrn of an agency session is sts::<acct>:assumed-agency:<agency>/<session>', () => {
    const principal = { type: 'agency', account_id: 'acc-1', agency: 'ops', session_name: 's1' };
    expect(decision(onList({ StringEquals: { 'g:PrincipalUrn': ['sts::acc-1:assumed-agency:ops/s1'] } }), { ...LIST, principal })).toBe('allow');
  });

  it('g:EnterpriseProjectId on ims:images:list (seed 001 Table 1)', () => {
    const docs = onList({ StringEquals: { 'g:EnterpriseProjectId': ['ep-1'] } });
    expect(decision(docs, { ...LIST, context: { 'g:EnterpriseProjectId': 'ep-1' } })).toBe('allow');
    expect(decision(docs, { ...LIST, context: { 'g:EnterpriseProjectId': 'ep-2' } })).toBe('deny');
  });

  it('g:ResourceTag/<key> on ims:images:showImageTags (seed 001 Table 1); the tag key is part of the name', () => {
    const doc = v5(allow(['ims:images:showImageTags'], { Condition: { StringEquals: { 'g:ResourceTag/env': ['prod'] } } }));
    expect(decision([doc], { action: 'ims:images:showImageTags', resource: IMAGE, context: { 'g:ResourceTag/env': 'prod' } })).toBe('allow');
    expect(decision([doc], { action: 'ims:images:showImageTags', resource: IMAGE, context: { 'g:ResourceTag/env': 'dev' } })).toBe('deny');
  });

  it('ims:Encrypted (boolean) on ims:images:copyInRegion (seed 001 Tables 1 and 4)', () => {
    const docs = [v5(allow(['ims:images:copyInRegion'], { Condition: { Bool: { 'ims:Encrypted': ['true'] } } }))];
    expect(decision(docs, { action: 'ims:images:copyInRegion', resource: IMAGE, context: { 'ims:Encrypted': true } })).toBe('allow');
    expect(decision(docs, { action: 'ims:images:copyInRegion', resource: IMAGE, context: { 'ims:Encrypted': false } })).toBe('deny');
  });
});

// ---------------------------------------------------------------------------------------------------------
// §6 SCPs and the organization path; §7 combination
// ---------------------------------------------------------------------------------------------------------
describe('SCP evaluation and the organization path (§6.2, §7.2, §7.4)', () => {
  const member = { ...USER, org_path: 'o-1/r-1/ou-1/acc-1' };
  const idAll = [v5(allow(['ims:*']))];
  const chain = (root: object[], ou: object[], account: object[]) =>
    [
      { level: 'r-1', policies: root },
      { level: 'ou-1', policies: ou },
      { level: 'acc-1', policies: account },
    ] as NonNullable<Req['scps']>;
  const full = [FULL_ACCESS_SCP];

  it('FullAccess at every level and an identity Allow: allowed', () => {
    expect(decision(idAll, { ...LIST, principal: member, scps: chain(full, full, full) })).toBe('allow');
  });

  it('SCPs grant nothing: FullAccess without an identity Allow is an implicit deny by the identity layer', () => {
    const r = run([], { ...LIST, principal: member, scps: chain(full, full, full) });
    expect(r.reason).toBe('implicit_deny');
    expect(r.denied_by?.layer).toBe('identity');
  });

  it('an Allow is needed at every level: FullAccess detached from the OU denies the OU and its accounts (ORG-DETACH)', () => {
    const onlyDeny = [{ id: 'd', document: v5(deny(['ims:images:deleteImage'])) }];
    const r = run(idAll, { ...LIST, principal: member, scps: chain(full, onlyDeny, full) });
    expect(r.reason).toBe('implicit_deny');
    expect(r.denied_by).toMatchObject({ layer: 'scp', level: 'ou-1' });
  });

  it('the intersection of levels: root allows list+get, account allows only list', () => {
    const root = [{ id: 'r', document: v5(allow(['ims:images:list', 'ims:images:get'])) }];
    const acct = [{ id: 'a', document: v5(allow(['ims:images:list'])) }];
    expect(decision(idAll, { ...LIST, principal: member, scps: chain(root, full, acct) })).toBe('allow');
    const r = run(idAll, { action: 'ims:images:get', resource: IMAGE, principal: member, scps: chain(root, full, acct) });
    expect(r.denied_by).toMatchObject({ layer: 'scp', level: 'acc-1' });
  });

  it('a Deny at any level denies, even with FullAccess everywhere and an identity Allow', () => {
    const d = [...full, { id: 'no-share', document: v5(deny(['ims:images:share'])) }];
    expect(reason(idAll, { action: 'ims:images:share', resource: IMAGE, principal: member, scps: chain(full, d, full) })).toBe('explicit_deny');
    expect(decision(idAll, { action: 'ims:images:get', resource: IMAGE, principal: member, scps: chain(full, d, full) })).toBe('allow');
  });

  it('the management account and service-linked agencies are not restricted by SCPs (ORG-SCP)', () => {
    const none = [{ id: 'd', document: v5(deny(['*'])) }];
    expect(decision(idAll, { ...LIST, principal: { ...member, management_account: true }, scps: chain(none, none, none) })).toBe('allow');
    expect(decision(idAll, { ...LIST, principal: { type: 'service_linked_agency', account_id: 'acc-1', agency: 'svc' }, scps: chain(none, none, none) })).toBe('allow');
  });

  it('an agency (not service-linked) is restricted by SCPs like a user', () => {
    const d = [...full, { id: 'd', document: v5(deny(['ims:images:list'])) }];
    expect(reason(idAll, { ...LIST, principal: { type: 'agency', account_id: 'acc-1', agency: 'ops', session_name: 's' }, scps: chain(full, d, full) })).toBe('explicit_deny');
  });

  it('the account itself calls every API without identity policies (IMS-AUTH), but SCPs still bind it (§6.2 [I])', () => {
    const account = { type: 'account', account_id: 'acc-1', org_path: 'o-1/r-1/acc-1' };
    expect(decision([], { ...LIST, principal: account })).toBe('allow');
    const d = [...full, { id: 'd', document: v5(deny(['ims:images:list'])) }];
    expect(reason([], { ...LIST, principal: account, scps: chain(full, full, d) })).toBe('explicit_deny');
  });

  it('an SCP Deny with a condition: no unencrypted in-region copies', () => {
    const d = [...full, { id: 'enc', document: v5(deny(['ims:images:copyInRegion'], { Condition: { Bool: { 'ims:Encrypted': ['false'] } } })) }];
    const copy = (enc: boolean): Req => ({ action: 'ims:images:copyInRegion', resource: IMAGE, principal: member, scps: chain(full, full, d), context: { 'ims:Encrypted': enc } });
    expect(reason(idAll, copy(false))).toBe('explicit_deny');
    expect(decision(idAll, copy(true))).toBe('allow');
  });

  it('an SCP Deny + NotAction allow-list (Deny everything but list and get)', () => {
    const d = [...full, { id: 'allowlist', document: v5({ Effect: 'Deny', NotAction: ['ims:images:list', 'ims:images:get'] }) }];
    expect(decision(idAll, { ...LIST, principal: member, scps: chain(d, full, full) })).toBe('allow');
    expect(reason(idAll, { action: 'ims:quotas:get', principal: member, scps: chain(d, full, full) })).toBe('explicit_deny');
  });

  it('explain names the SCP level that lacked an Allow', () => {
    const r = explain({ principal: member, action: 'ims:images:list', region: 'cn-north-4', policies: [{ id: 'p', document: idAll[0] }], scps: chain(full, [], full) as never }, { clock: CLOCK });
    // an SCP level with no policy attached (every entity keeps >= 1 SCP, ORG-ATTACH) has no Allow: it denies
    if ('error' in r) throw new Error(JSON.stringify(r.error));
    expect(r.reason).toBe('implicit_deny');
    expect(r.denied_by).toMatchObject({ layer: 'scp', level: 'ou-1', policy_id: null });
    expect(r.trace[0]!.layers.find((l) => l.level === 'ou-1')!.outcome).toBe('no_match');
    expect(r.message).toContain('ou-1');
  });
});

describe('SCP syntax revisions (§6.1)', () => {
  it('2025-12 (revision C): custom Allow is not listed; NotAction unsupported; NotResource supported', () => {
    expect(codes(v5(allow(['ims:images:list'])), 'scp', '2025-12')).toContain('SCP_ALLOW_NOT_SUPPORTED');
    expect(codes(v5({ Effect: 'Deny', NotAction: ['ims:images:list'] }), 'scp', '2025-12')).toContain('SCP_NOT_ACTION_NOT_SUPPORTED');
    expect(codes(v5(deny(['ims:images:get'], { NotResource: [IMAGE] })), 'scp', '2025-12')).not.toContain('SCP_NOT_RESOURCE_NOT_SUPPORTED');
  });
  it('2025-07 (revision B): only Deny; NotAction and NotResource unsupported', () => {
    expect(codes(v5(allow(['ims:images:list'])), 'scp', '2025-07')).toContain('SCP_ALLOW_NOT_SUPPORTED');
    expect(codes(v5({ Effect: 'Deny', NotAction: ['ims:images:list'] }), 'scp', '2025-07')).toContain('SCP_NOT_ACTION_NOT_SUPPORTED');
    expect(codes(v5(deny(['ims:images:get'], { NotResource: [IMAGE] })), 'scp', '2025-07')).toContain('SCP_NOT_RESOURCE_NOT_SUPPORTED');
  });
  it('2024 (revision A): Allow needs Resource "*" and no Condition; wildcards only alone or at the end; Deny NotAction fine', () => {
    expect(codes(v5(allow(['ims:images:list'], { Resource: ['*'] })), 'scp', '2024')).not.toContain('SCP_ALLOW_NOT_SUPPORTED');
    expect(codes(v5(allow(['ims:images:get'], { Resource: [IMAGE] })), 'scp', '2024')).toContain('SCP_ALLOW_WITH_RESOURCE');
    expect(codes(v5(allow(['ims:images:list'], { Condition: { Bool: { 'g:MFAPresent': ['true'] } } })), 'scp', '2024')).toContain('SCP_ALLOW_WITH_CONDITION');
    expect(codes(v5(deny(['ims:*:get*'])), 'scp', '2024')).toContain('SCP_ACTION_WILDCARD_POSITION');
    expect(codes(v5(deny(['ims:images:*'])), 'scp', '2024')).not.toContain('SCP_ACTION_WILDCARD_POSITION');
    expect(codes(v5({ Effect: 'Deny', NotAction: ['ims:images:list'] }), 'scp', '2024')).not.toContain('SCP_NOT_ACTION_NOT_SUPPORTED');
    expect(codes(v5(deny(['ims:images:get'], { NotResource: [IMAGE] })), 'scp', '2024')).toContain('SCP_NOT_RESOURCE_NOT_SUPPORTED');
  });
  it('an SCP is at most 5,120 characters (ORG-QUOTA); SCP Version is 5.0', () => {
    const big = v5(deny(Array.from({ length: 200 }, (_, i) => `ims:images:getX${String(i).padStart(12, '0')}`)));
    expect(JSON.stringify(big).length).toBeGreaterThan(5120);
    expect(codes(big, 'scp')).toContain('POLICY_SIZE_EXCEEDED');
    expect(errors(v11(deny(['ims:images:list'])), 'scp').length).toBeGreaterThan(0);
  });
});

describe('explicit deny precedence (§7.1, §7.2)', () => {
  it('a Deny in any identity policy beats an Allow in another, whatever the order', () => {
    const a = v5(allow(['ims:images:list']));
    const d = v5(deny(['ims:images:list']));
    expect(reason([a, d], LIST)).toBe('explicit_deny');
    expect(reason([d, a], LIST)).toBe('explicit_deny');
    expect(reason([v5(allow(['ims:images:list']), deny(['ims:*']))], LIST)).toBe('explicit_deny');
  });
  it('a 1.1 Deny beats a 5.0 Allow and the reverse (both models: deny if either denies, §1 [I])', () => {
    expect(reason([v5(allow(['ims:images:list'])), v11(deny(['ims:images:list']))], LIST)).toBe('explicit_deny');
    expect(reason([v11(allow(['ims:images:list'])), v5(deny(['ims:images:list']))], LIST)).toBe('explicit_deny');
    expect(decision([v11(allow(['ims:images:list']))], LIST)).toBe('allow');
  });
  it('no applicable statement: default deny', () => {
    expect(reason([v5(allow(['ims:images:get']))], LIST)).toBe('implicit_deny');
    expect(reason([], LIST)).toBe('implicit_deny');
  });
});

// ---------------------------------------------------------------------------------------------------------
// §7.1 projects and enterprise projects
// ---------------------------------------------------------------------------------------------------------
describe('project and enterprise-project scopes (§7.1)', () => {
  const scoped = (scope: GrantScope, Action: string[] = ['ims:*']): ScopedPolicy => ({ id: 's', document: v5(allow(Action)), scope });
  const decideScoped = (p: ScopedPolicy[], req: Record<string, unknown>): string => {
    const r = createEvaluator({ policies: p }).evaluate({ principal: USER, ...req });
    if ('error' in r) throw new Error(JSON.stringify(r.error));
    return r.decision;
  };
  it('a region-project grant works only in that project; all projects everywhere', () => {
    expect(decideScoped([scoped({ type: 'project', project: 'cn-north-4' })], { ...LIST, region: 'cn-north-4' })).toBe('allow');
    expect(decideScoped([scoped({ type: 'project', project: 'cn-north-4' })], { ...LIST, region: 'ap-southeast-1' })).toBe('deny');
    expect(decideScoped([scoped({ type: 'all_projects' })], { ...LIST, region: 'ap-southeast-1' })).toBe('allow');
  });
  it('an EP grant works for EP-supporting actions, in its enterprise project only', () => {
    const ep = scoped({ type: 'enterprise_project', enterprise_project_id: 'ep-1' });
    expect(decideScoped([ep], { ...LIST, region: 'cn-north-4', context: { 'g:EnterpriseProjectId': 'ep-1' } })).toBe('allow');
    expect(decideScoped([ep], { ...LIST, region: 'cn-north-4', context: { 'g:EnterpriseProjectId': 'ep-2' } })).toBe('deny');
    expect(decideScoped([ep], { action: 'ims:serverImages:create', region: 'cn-north-4', context: { 'g:EnterpriseProjectId': 'ep-1' } })).toBe('allow');
  });
  it('an EP grant does not take effect for an action without enterprise-project support (ims:images:listOsVersion, EP x)', () => {
    const ep = scoped({ type: 'enterprise_project', enterprise_project_id: 'ep-1' });
    expect(decideScoped([ep], { action: 'ims:images:listOsVersion', region: 'cn-north-4', context: { 'g:EnterpriseProjectId': 'ep-1' } })).toBe('deny');
  });
});

// ---------------------------------------------------------------------------------------------------------
// §8 IMS actions and API mappings (seed 001 Tables 1 and 2)
// ---------------------------------------------------------------------------------------------------------
describe('IMS API to action mappings (seed 001 Table 2)', () => {
  const api = (method: string, path: string, hints?: Record<string, unknown>): Req => ({ api: { method, path, ...(hints ? { hints } : {}) } });
  const required = (req: Req): string[] => {
    const r = run([v5(allow(['*']))], req);
    return r.api?.required_actions ?? [];
  };
  it.each([
    ['GET', '/v2/cloudimages', ['ims:images:list']],
    ['GET', '/v2/images/abc', ['ims:images:get']],
    ['POST', '/v2/images', ['ims:images:create']],
    ['POST', '/v2/images/abc/members', ['ims:images:share', 'ims:images:get']],
    ['POST', '/v1/cloudimages/abc/cross_region_copy', ['ims:images:copyCrossRegion']],
    ['GET', '/v1/cloudimages/quota', ['ims:quotas:get']],
    // Table 2 names the dependency by its 1.1 name ims:images:update, the alias of ims:images:updateImage (catalog note)
    ['PUT', '/v1/cloudimages/abc/upload', ['ims:images:upload', 'ims:images:get', 'ims:images:updateImage']],
    ['PUT', '/v2/images/abc/file', ['ims:images:upload', 'ims:images:get', 'ims:images:updateImage']],
    ['POST', '/v1/cloudimages/wholeimages/action', ['ims:wholeImages:create']],
    ['POST', '/v1/cloudimages/abc/file', ['ims:images:export', 'obs:object:GetObject', 'obs:object:PutObject']],
    ['POST', '/v1/cloudimages/dataimages/action', ['ims:dataImages:create']],
    ['POST', '/v2/cloudimages/action', ['ims:serverImages:create']],
    ['PUT', '/v1/cloudimages/tags', ['ims:images:setTags']],
    ['GET', '/v1/cloudimages/tags', ['ims:images:getTags']],
    ['DELETE', '/v2/images/abc', ['ims:images:deleteImage']],
    ['PATCH', '/v2/images/abc', ['ims:images:updateImage']],
    ['GET', '/v1/cloudimages/os_version', ['ims:images:listOsVersion']],
    ['GET', '/v1/cloudimages/job/j-1', ['ims:images:getJob']],
    ['PUT', '/v1/cloudimages/members', ['ims:images:updateMemberStatus']],
    ['PUT', '/v2/images/abc/members/m-1', ['ims:images:updateMemberStatus']],
    ['POST', '/v1/cloudimages/members', ['ims:images:addMember']],
    ['DELETE', '/v1/cloudimages/members', ['ims:images:deleteMember']],
    ['POST', '/v2/p-1/images/resource_instances/action', ['ims:images:listImagesByTag']],
    ['GET', '/v2/p-1/images/abc/tags', ['ims:images:showImageTags']],
    ['GET', '/v2/p-1/images/tags', ['ims:images:listImageTags']],
  ])('%s %s needs %j', (method, path, actions) => {
    expect(new Set(required(api(method, path)))).toEqual(new Set(actions));
  });

  it('POST /v2/cloudimages/quickimport/action: import plus the disk action of its kind', () => {
    expect(new Set(required(api('POST', '/v2/cloudimages/quickimport/action', { quick_import_disk: 'data' })))).toEqual(new Set(['ims:images:import', 'ims:dataImages:create']));
    expect(new Set(required(api('POST', '/v2/cloudimages/quickimport/action', { quick_import_disk: 'system' })))).toEqual(new Set(['ims:images:import', 'ims:serverImages:create']));
  });

  it('POST /v1/cloudimages/{image_id}/copy: ims:serverImages:create only for enterprise-project users', () => {
    expect(required(api('POST', '/v1/cloudimages/abc/copy', { enterprise_project: false }))).toEqual(['ims:images:copyInRegion']);
    expect(new Set(required(api('POST', '/v1/cloudimages/abc/copy', { enterprise_project: true })))).toEqual(new Set(['ims:images:copyInRegion', 'ims:serverImages:create']));
  });

  it('PATCH /v2/cloudimages/{image_id}: ims:serverImages:create only for enterprise-project migration', () => {
    expect(required(api('PATCH', '/v2/cloudimages/abc', { enterprise_project: false }))).toEqual(['ims:images:updateImage']);
  });

  it('sharing an image by API needs ims:images:get too: share alone is denied', () => {
    expect(decision([v5(allow(['ims:images:share']))], api('POST', '/v2/images/abc/members'))).toBe('deny');
    expect(decision([v5(allow(['ims:images:share', 'ims:images:get']))], api('POST', '/v2/images/abc/members'))).toBe('allow');
  });

  it('an IAM user querying images needs ims:images:list (seed 000)', () => {
    expect(decision([v5(allow(['ims:images:list']))], api('GET', '/v2/cloudimages'))).toBe('allow');
    expect(decision([v5(allow(['ims:images:get']))], api('GET', '/v2/cloudimages'))).toBe('deny');
  });
});

describe('IMS actions of seed 001 Table 1 (access level, resource type, condition keys)', () => {
  it('a resource type "-" action accepts only Resource "*"; an image* action accepts image URNs', () => {
    for (const a of [
      'ims:images:list',
      'ims:images:create',
      'ims:quotas:get',
      'ims:wholeImages:create',
      'ims:dataImages:create',
      'ims:serverImages:create',
      'ims:images:getTags',
      'ims:images:listOsVersion',
      'ims:images:getJob',
      'ims:images:import',
      'ims:images:setOrDeleteTags',
      'ims:images:listImagesByTag',
      'ims:images:listImageTags',
    ])
      expect(codes(v5(allow([a], { Resource: [IMAGE] }))), a).toContain('RESOURCE_NOT_SUPPORTED_BY_ACTION');
    for (const a of [
      'ims:images:get',
      'ims:images:share',
      'ims:images:copyInRegion',
      'ims:images:copyCrossRegion',
      'ims:images:upload',
      'ims:images:export',
      'ims:images:setTags',
      'ims:images:deleteImage',
      'ims:images:updateImage',
      'ims:images:updateMemberStatus',
      'ims:images:addMember',
      'ims:images:deleteMember',
      'ims:images:showImageTags',
    ])
      expect(codes(v5(allow([a], { Resource: [IMAGE] }))), a).not.toContain('RESOURCE_NOT_SUPPORTED_BY_ACTION');
  });

  it('a condition key the action does not list is flagged and absent (e.g. ims:Encrypted on ims:images:get)', () => {
    expect(codes(v5(allow(['ims:images:get'], { Condition: { Bool: { 'ims:Encrypted': ['true'] } } })))).toContain('CONDITION_KEY_NOT_SUPPORTED_BY_ACTION');
    expect(codes(v5(allow(['ims:images:copyInRegion'], { Condition: { Bool: { 'ims:Encrypted': ['true'] } } })))).not.toContain('CONDITION_KEY_NOT_SUPPORTED_BY_ACTION');
  });

  it('an unknown IMS action is an error', () => {
    expect(errors(v5(allow(['ims:images:fly'])))).toContain('UNKNOWN_ACTION');
  });
});

// ---------------------------------------------------------------------------------------------------------
// More rules
// ---------------------------------------------------------------------------------------------------------
describe('more grammar and combination rules', () => {
  it('a 5.0 Condition value may be a single string (SDK-V5: string | [string])', () => {
    expect(decision(onList({ StringEquals: { 'g:UserName': 'alice' } }), LIST)).toBe('allow');
  });

  it('a 5.0 identity policy is at most 6,144 characters (V5-QUOTA)', () => {
    const fill = (n: number): PolicyDocument => v5(allow(['ims:images:list'], { Sid: 'x'.repeat(n) }));
    const base = JSON.stringify(fill(0)).length;
    expect(codes(fill(6144 - base))).not.toContain('POLICY_SIZE_EXCEEDED');
    expect(codes(fill(6145 - base))).toContain('POLICY_SIZE_EXCEEDED');
  });

  it('Organizations example: Deny when ForAnyValue:StringNotEquals on g:RequestTag/owner ["Alice","Jack"] (ORG-SYN)', () => {
    const docs = [v5(allow(['ims:*'])), v5(deny(['ims:images:create'], { Resource: ['*'], Condition: { 'ForAnyValue:StringNotEquals': { 'g:RequestTag/owner': ['Alice', 'Jack'] } } }))];
    expect(reason(docs, { action: 'ims:images:create', context: { 'g:RequestTag/owner': 'Bob' } })).toBe('explicit_deny');
    expect(decision(docs, { action: 'ims:images:create', context: { 'g:RequestTag/owner': 'Alice' } })).toBe('allow');
    expect(decision(docs, { action: 'ims:images:create' })).toBe('allow'); // ForAnyValue on an absent key: false
  });

  it('an explicit identity Deny is reported over an SCP level without an Allow (explicit deny wins, §7.2)', () => {
    const r = run([v5(deny(['ims:images:list']))], {
      ...LIST,
      principal: { ...USER, org_path: 'o-1/r-1/acc-1' },
      scps: [{ level: 'r-1', policies: [{ id: 'd', document: v5(deny(['ims:images:get'])) }] }],
    });
    expect(r.reason).toBe('explicit_deny');
    expect(r.denied_by).toMatchObject({ layer: 'identity', statement: 0 });
  });

  it("across accounts both sides must allow and IMS has no resource policies: another account's image is denied (§7.2)", () => {
    expect(reason([v5(allow(['ims:*']))], { action: 'ims:images:get', resource: 'ims:cn-north-4:acc-2:image:x' })).toBe('implicit_deny');
    expect(decision([v5(allow(['ims:*']))], { action: 'ims:images:get', resource: 'ims:cn-north-4:acc-1:image:x' })).toBe('allow');
  });

  it('an action requested by its legacy name is decided as its current action(s)', () => {
    expect(decision([v5(allow(['ims:images:deleteImage']))], { action: 'ims:images:delete', resource: IMAGE })).toBe('allow');
    expect(decision([v5(allow(['ims:images:copyInRegion']))], { action: 'ims:images:copy', resource: IMAGE })).toBe('deny'); // both copy actions needed
    expect(decision([v5(allow(['ims:images:copyInRegion', 'ims:images:copyCrossRegion']))], { action: 'ims:images:copy', resource: IMAGE })).toBe('allow');
  });

  it('Deny + NotAction with an alias pattern exempts both current actions of the alias (V5-FAQ-ALIAS pattern)', () => {
    const docs = [v5(allow(['ims:*'])), v5({ Effect: 'Deny', NotAction: ['ims:images:copy'] })];
    expect(decision(docs, { action: 'ims:images:copyCrossRegion', resource: IMAGE })).toBe('allow');
    expect(decision(docs, { action: 'ims:images:copyInRegion', resource: IMAGE })).toBe('allow');
    expect(reason(docs, { action: 'ims:images:get', resource: IMAGE })).toBe('explicit_deny');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Discrepancies with the documents (it.fails: the assertion is the document's answer, which the engine does
// not give today; the test turns red when the engine is changed to agree, and then becomes a plain `it`).
// ---------------------------------------------------------------------------------------------------------
describe('discrepancies: enterprise-project grants (§7.1, §8.2 EP column)', () => {
  // §7.1: "an EP-scoped grant takes effect only for actions whose table row says EP = √ [R] IMS-AUTH. Actions
  // with EP = × (e.g. GET /v2/images, sharing, tags) cannot be granted through EP authorization."
  const ep = (Action: string[]): ScopedPolicy => ({ id: 'ep', document: v5(allow(Action)), scope: { type: 'enterprise_project', enterprise_project_id: 'ep-1' } });
  const decideEp = (action: string, resource?: string): string => {
    const r = createEvaluator({ policies: [ep([action])] }).evaluate({
      principal: USER,
      region: 'cn-north-4',
      action,
      ...(resource ? { resource } : {}),
      context: { 'g:EnterpriseProjectId': 'ep-1' },
    });
    if ('error' in r) throw new Error(JSON.stringify(r.error));
    return r.decision;
  };
  // EP x in the 1.1 tables (sharing, tags, cross-region copy); the engine lets the EP grant take effect
  // because their 5.0 rows list g:EnterpriseProjectId.
  it.fails.each([
    ['ims:images:addMember', IMAGE], // POST /v1/cloudimages/members: EP x (image sharing)
    ['ims:images:deleteMember', IMAGE], // DELETE /v1/cloudimages/members: EP x
    ['ims:images:showImageTags', IMAGE], // GET /v2/{project_id}/images/{image_id}/tags: EP x
    ['ims:images:getTags', undefined], // GET /v1/cloudimages/tags: EP x
    ['ims:images:copyCrossRegion', IMAGE], // POST /v1/cloudimages/{image_id}/cross_region_copy: EP x
  ])('an EP grant does not take effect for %s (EP x)', (action, resource) => {
    expect(decideEp(action, resource)).toBe('deny');
  });
  // EP √ in the 1.1 tables; the engine refuses the EP grant (fail closed) because their 5.0 rows do not list
  // g:EnterpriseProjectId.
  it.fails.each([
    ['ims:images:get', IMAGE], // GET /v2/images/{image_id}: EP √
    ['ims:quotas:get', undefined], // GET /v1/cloudimages/quota: EP √
    ['ims:images:export', IMAGE], // POST /v1/cloudimages/{image_id}/file: EP √
  ])('an EP grant takes effect for %s (EP √)', (action, resource) => {
    expect(decideEp(action, resource)).toBe('allow');
  });
});

describe('operator family against the key type (§4.1)', () => {
  // §4.1: "Type mismatch: if the operator family does not match the key's type, the condition always fails to
  // match [R] V5-ELEM2". The validator warns (CONDITION_TYPE_MISMATCH); the engine used to read the value anyway.
  it.each<[string, Record<string, unknown>, Req]>([
    ['NumberEquals on the string key g:UserName', { NumberEquals: { 'g:UserName': ['5'] } }, { ...LIST, principal: { account_id: 'acc-1', user_name: '5' } }],
    ['StringEquals on the numeric key g:MFAAge', { StringEquals: { 'g:MFAAge': ['300'] } }, { ...LIST, context: { 'g:MFAAge': 300 } }],
    ['StringEquals on the boolean key g:MFAPresent', { StringEquals: { 'g:MFAPresent': ['true'] } }, { ...LIST, context: { 'g:MFAPresent': true } }],
    ['Bool on the string key g:UserName', { Bool: { 'g:UserName': ['true'] } }, { ...LIST, principal: { account_id: 'acc-1', user_name: 'true' } }],
    ['StringEquals on the IP key g:SourceIp', { StringEquals: { 'g:SourceIp': ['10.0.0.1'] } }, { ...LIST, context: { 'g:SourceIp': '10.0.0.1' } }],
    ['IpAddress on the string key g:SourceVpc', { IpAddress: { 'g:SourceVpc': ['10.0.0.0/8'] } }, { ...LIST, context: { 'g:SourceVpc': '10.0.0.1' } }],
  ])('an Allow with %s never applies', (_what, condition, req) => {
    expect(decision(onList(condition), req)).toBe('deny');
  });

  it('a Deny whose operator does not fit the key type never applies to a present key; IfExists and absence keep their rules', () => {
    expect(decision(denyListIf({ StringNotEquals: { 'g:MFAPresent': ['true'] } }), { ...LIST, context: { 'g:MFAPresent': false } })).toBe('allow');
    expect(reason(denyListIf({ StringNotEquals: { 'g:MFAPresent': ['true'] } }), LIST)).toBe('explicit_deny'); // absent: negated is true
    expect(decision(onList({ StringEqualsIfExists: { 'g:MFAAge': ['300'] } }), LIST)).toBe('allow'); // absent: IfExists
    expect(decision(onList({ StringEqualsIfExists: { 'g:MFAAge': ['300'] } }), { ...LIST, context: { 'g:MFAAge': 300 } })).toBe('deny');
    const tags = [v5(allow(['ims:images:create'], { Condition: { 'ForAllValues:NumberEquals': { 'g:TagKeys': ['1'] } } }))];
    expect(decision(tags, { action: 'ims:images:create', context: { 'g:TagKeys': ['1'] } })).toBe('deny');
    expect(decision(tags, { action: 'ims:images:create' })).toBe('allow'); // ForAllValues on an absent key: true
  });

  it("a key the catalog does not type (another service's key) is compared as before", () => {
    expect(decision(onList({ NumberEquals: { 'obs:max-keys': ['5'] } }), { ...LIST, context: { 'obs:max-keys': '5' } })).toBe('allow');
  });
});

describe('keys an action does not carry (seed 001 Table 1 legend; documents in conflict, docs/semantics.md choice)', () => {
  // Seed 001: "If the Condition Key column of an action is empty (-), the action does not support any condition
  // keys", but also "Global condition keys (with the g: prefix) apply to all actions". docs/semantics.md reads
  // service-provided g: keys (g:ResourceTag/*, g:EnterpriseProjectId, ...) by the row: absent for the others.
  // For a Deny with a positive operator that is not fail-closed: these cases pin the stated reading.
  it('a Deny on g:ResourceTag/env does not reach ims:images:get (its row lists no key)', () => {
    const docs = [v5(allow(['ims:*'])), v5(deny(['ims:images:get'], { Condition: { StringEquals: { 'g:ResourceTag/env': ['prod'] } } }))];
    const r = run(docs, { action: 'ims:images:get', resource: IMAGE, context: { 'g:ResourceTag/env': 'prod' } });
    expect(r.decision).toBe('allow');
    expect(r.ignored_context_keys).toEqual(['g:ResourceTag/env']);
  });
  it('a Deny on unencrypted copies (ims:Encrypted) reaches copyInRegion only: copyCrossRegion does not list the key', () => {
    const docs = [v5(allow(['ims:*'])), v5(deny(['ims:images:copy'], { Condition: { Bool: { 'ims:Encrypted': ['false'] } } }))];
    expect(reason(docs, { action: 'ims:images:copyInRegion', resource: IMAGE, context: { 'ims:Encrypted': false } })).toBe('explicit_deny');
    expect(decision(docs, { action: 'ims:images:copyCrossRegion', resource: IMAGE, context: { 'ims:Encrypted': false } })).toBe('allow');
  });
  it('a Deny with a negated operator on a key the action does not carry applies (absent key: negated is true)', () => {
    const docs = [v5(allow(['ims:*'])), v5(deny(['ims:*'], { Condition: { StringNotEquals: { 'g:EnterpriseProjectId': ['ep-1'] } } }))];
    expect(reason(docs, { action: 'ims:images:get', resource: IMAGE, context: { 'g:EnterpriseProjectId': 'ep-1' } })).toBe('explicit_deny');
    expect(decision(docs, { ...LIST, context: { 'g:EnterpriseProjectId': 'ep-1' } })).toBe('allow');
  });
});

describe('decision messages (§9.1)', () => {
  it('implicit deny: "... because no <type> policy allows the <action> action."', () => {
    const r = run([], { action: 'ims:images:get', resource: IMAGE });
    expect(r.message).toBe(`User: iam::acc-1:user:alice is not authorized to perform: ims:images:get on resource: ${IMAGE} because no identity-based policy allows the ims:images:get action.`);
  });
  it('explicit deny: "... with an explicit deny in the <type> policy" (the engine adds the policy id)', () => {
    const r = run([v5(deny(['ims:*']))], { action: 'ims:images:get', resource: IMAGE });
    expect(r.message.startsWith(`User: iam::acc-1:user:alice is not authorized to perform: ims:images:get on resource: ${IMAGE} with an explicit deny in the identity-based policy`)).toBe(true);
  });
});

describe('absent keys where the documents are silent (§4.2, §4.3; docs/semantics.md choices)', () => {
  // Not fail-closed for Allows: an Allow with a negated operator or ForAllValues applies when the key is absent.
  it('an Allow with StringNotEquals on an absent key applies (negated operator, absent key: true)', () => {
    expect(decision(onList({ StringNotEquals: { 'g:SourceVpc': ['vpc-1'] } }), LIST)).toBe('allow');
  });
  it('with the key named unknown, the same Allow is context_required (denied)', () => {
    const r = evaluate(
      { principal: USER, region: 'cn-north-4', ...LIST, unknown_context_keys: ['g:SourceVpc'], policies: [{ id: 'p', document: onList({ StringNotEquals: { 'g:SourceVpc': ['vpc-1'] } })[0]! }] },
      { clock: CLOCK },
    );
    if ('error' in r) throw new Error(JSON.stringify(r.error));
    expect(r.reason).toBe('context_required');
  });
});

describe('explain traces the rule that decided', () => {
  it('a condition whose operator does not fit the key type is traced false', () => {
    const r = explain(
      { principal: { account_id: 'acc-1', user_name: '5' }, region: 'cn-north-4', ...LIST, policies: [{ id: 'p', document: onList({ NumberEquals: { 'g:UserName': ['5'] } })[0]! }] },
      { clock: CLOCK },
    );
    if ('error' in r) throw new Error(JSON.stringify(r.error));
    const st = r.trace[0]!.layers.find((l) => l.layer === 'identity')!.policies[0]!.statements[0]!;
    expect(st.conditions[0]).toMatchObject({ operator: 'NumberEquals', key: 'g:UserName', request_values: ['5'], result: false });
    expect(st.applies).toBe(false);
  });
});

describe('seed 001 tables against the catalog (a sample, written out from the seed by hand)', () => {
  // [action, access level, resource type ("-" = none; all image types are required, "image *"), condition keys]
  const rows: [string, string, string, string[]][] = [
    ['ims:images:list', 'list', '-', ['g:EnterpriseProjectId']],
    ['ims:images:share', 'permission_management', 'image', ['ims:TargetOrgPaths']],
    ['ims:images:copyCrossRegion', 'write', 'image', ['g:ResourceTag/<tag-key>', 'g:EnterpriseProjectId']],
    ['ims:images:export', 'read', 'image', []],
    ['ims:images:setTags', 'tagging', 'image', ['g:RequestTag/<tag-key>', 'g:TagKeys']],
    ['ims:images:getTags', 'read', '-', ['g:EnterpriseProjectId', 'g:RequestTag/<tag-key>', 'g:TagKeys']],
    ['ims:images:setOrDeleteTags', 'write', '-', ['g:RequestTag/<tag-key>', 'g:TagKeys']],
    ['ims:images:addMember', 'write', 'image', ['g:EnterpriseProjectId', 'g:ResourceTag/<tag-key>']],
    ['ims:images:listImageTags', 'list', '-', []],
    ['ims:images:getJob', 'read', '-', []],
  ];
  it.each(rows)('%s: %s, %s, %j', (name, level, type, keys) => {
    const a = catalog.actions.find((x) => x.name === name)!;
    expect(a.access_level).toBe(level);
    expect(a.resource_types).toEqual(type === '-' ? [] : [{ type, required: true }]);
    expect(a.condition_keys).toEqual(keys);
  });
  it('Table 3: one resource type, image, ims:<region>:<account-id>:image:<image-id>', () => {
    expect(catalog.resource_types.map((t) => [t.name, t.urn_template])).toEqual([['image', 'ims:<region>:<account-id>:image:<image-id>']]);
  });
  it.each([
    ['ims:TargetOrgPaths', 'string', true],
    ['ims:Encrypted', 'boolean', false],
    ['ims:TargetBucketOrgPaths', 'string', true],
    ['ims:OriginBucketOrgPaths', 'string', true],
  ])('Table 4: %s is %s, multi-valued %s', (key, type, multi) => {
    const k = catalog.condition_keys.find((x) => x.key === key)!;
    expect([k.type, k.multi_valued]).toEqual([type, multi]);
  });
});
