/** Regressions found by reviewing the validator against the rules (each failed before its fix). */
import { describe, expect, it } from 'vitest';
import { validate, type PolicyDocument } from '../lib/index.js';
import { readDate, readIp, readIpRange, ipInRange } from '../lib/policy/values.js';

const codes = (doc: unknown, type: 'identity' | 'scp' = 'identity'): string[] => validate(doc as PolicyDocument, { type }).findings.map((f) => f.code);
const stmt = (s: object) => ({ Version: '5.0', Statement: [s] });

describe('validator regressions', () => {
  it('tag keys that differ only in case are different condition keys', () => {
    const doc = stmt({ Effect: 'Allow', Action: ['ims:images:showImageTags'], Resource: ['*'], Condition: { StringEquals: { 'g:ResourceTag/Env': 'a', 'g:ResourceTag/env': 'b' } } });
    expect(codes(doc)).not.toContain('DUPLICATE_CONDITION_KEY');
    const same = stmt({ Effect: 'Allow', Action: ['ims:images:showImageTags'], Resource: ['*'], Condition: { StringEquals: { 'g:UserName': 'a', 'G:USERNAME': 'b' } } });
    expect(codes(same)).toContain('DUPLICATE_CONDITION_KEY');
  });

  it('a structural error does not hide the catalog checks of the same statement', () => {
    expect(codes(stmt({ Effect: 'Deny', Action: ['ims:images:dlete'], Condition: { DateLessThan: { 'g:CurrentTime': 'someday' } } }))).toEqual(
      expect.arrayContaining(['INVALID_CONDITION_VALUE', 'UNKNOWN_ACTION']),
    );
    expect(codes(stmt({ Effect: 'allow', Action: ['ims:images:dlete'] }))).toEqual(expect.arrayContaining(['INVALID_EFFECT', 'UNKNOWN_ACTION']));
    expect(codes(stmt({ Effect: 'Allow', Action: ['ims:images:dlete'], NotAction: ['ims:images:get'] }))).toEqual(expect.arrayContaining(['UNSUPPORTED_ELEMENT_COMBINATION', 'UNKNOWN_ACTION']));
  });

  it('only 24:00:00 is a valid hour 24', () => {
    expect(readDate('2026-01-01T24:30:00Z')).toBeUndefined();
    expect(readDate('2026-01-01T24:00:00Z')).toBe(Date.UTC(2026, 0, 2));
    expect(codes(stmt({ Effect: 'Deny', Action: ['ims:images:get'], Condition: { DateLessThan: { 'g:CurrentTime': '2026-01-01T24:30:00Z' } } }))).toContain('INVALID_CONDITION_VALUE');
  });

  it('an IPv4-mapped IPv6 block is the IPv4 block', () => {
    const r = readIpRange('::ffff:10.0.0.0/104');
    expect(r).toBeDefined();
    expect(ipInRange(readIp('10.2.3.4')!, r!)).toBe(true);
    expect(ipInRange(readIp('11.2.3.4')!, r!)).toBe(false);
  });

  it('service wildcards that mean everything are "allow all"', () => {
    for (const a of ['*:*:*', '*:*', '*']) expect(codes(stmt({ Effect: 'Allow', Action: [a] }))).toContain('ALLOW_ALL_WITHOUT_CONDITION');
  });

  it('member actions can take the recommended ims:TargetOrgPaths condition without a key warning', () => {
    const doc = stmt({
      Effect: 'Allow',
      Action: ['ims:images:addMember'],
      Resource: ['ims:*:acc-1:image:*'],
      Condition: { 'ForAllValues:StringMatch': { 'ims:TargetOrgPaths': ['o-1/r-1/*'] } },
    });
    expect(codes(doc)).toEqual([]);
    expect(codes({ ...doc, Statement: [{ ...doc.Statement[0], Condition: undefined }] })).toContain('SHARING_WITHOUT_ORG_PATH_CONDITION');
  });

  it('non-JSON documents get no nonsense size finding', () => {
    expect(codes(undefined)).toEqual(['INVALID_DOCUMENT']);
    const f = validate(undefined as unknown as PolicyDocument).findings[0];
    expect(f?.message).not.toContain('a undefined');
  });

  it('a syntax error at the end of the text has a span inside the text', () => {
    const f = validate('').findings[0]!;
    expect(f.code).toBe('JSON_SYNTAX_ERROR');
    expect(f.span?.end.offset).toBe(0);
  });

  it('a throwing getter does not escape the library', () => {
    const doc = Object.defineProperty({ Version: '5.0' }, 'Statement', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(() => validate(doc as unknown as PolicyDocument)).not.toThrow();
    expect(validate(doc as unknown as PolicyDocument).valid).toBe(false);
  });

  it('Null "true" with a positive test of the same key never applies', () => {
    const doc = stmt({ Effect: 'Deny', Action: ['ims:images:get'], Condition: { Null: { 'g:UserName': 'true' }, StringEquals: { 'g:UserName': 'a' } } });
    expect(codes(doc)).toContain('STATEMENT_NEVER_APPLIES');
    const ok = stmt({ Effect: 'Deny', Action: ['ims:images:get'], Condition: { Null: { 'g:UserName': 'true' }, StringNotEquals: { 'g:UserName': 'a' } } });
    expect(codes(ok)).not.toContain('STATEMENT_NEVER_APPLIES');
  });
});
