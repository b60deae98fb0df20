/**
 * One test per validation rule (every code of lib/validate/codes.ts): a minimal document that triggers the rule,
 * checked for the code, its severity, its JSON Pointer and `valid`, and — wherever it means something — the
 * nearest correct document, which must not produce the code. Positive cases assert the complete set of codes
 * the document produces, so a rule that over-fires (or a neighbour that starts firing) fails here too.
 *
 * Severities are written out literally (not read from codes.ts), so changing a code's severity fails a test.
 */
import { describe, expect, it } from 'vitest';
import { FINDING_CODES, type FindingCode } from '../lib/validate/codes.js';
import { validate } from '../lib/validate/validate.js';
import { validate as validateFromIndex } from '../lib/index.js';
import type { Finding, PolicyDocument, Severity, ValidateOptions, ValidateResponse } from '../lib/types.js';

// -------------------------------------------------------------------------------------------------------------
// Helpers
// -------------------------------------------------------------------------------------------------------------

type Json = unknown;

function run(doc: Json, opts?: ValidateOptions): ValidateResponse {
  return validate(doc as PolicyDocument, opts);
}

function codesOf(r: ValidateResponse): string[] {
  return [...new Set(r.findings.map((f) => f.code))].sort();
}

function withCode(r: ValidateResponse, code: string): Finding[] {
  return r.findings.filter((f) => f.code === code);
}

/** A 5.0 (or 1.1) policy with one statement. */
function pol(stmt: Record<string, Json>, version = '5.0'): Record<string, Json> {
  return { Version: version, Statement: [stmt] };
}

/** A Deny statement of ims:images:get (an action with a resource type and no condition keys) plus `extra`. */
function denyGet(extra: Record<string, Json> = {}, version = '5.0'): Record<string, Json> {
  return pol({ Effect: 'Deny', Action: ['ims:images:get'], ...extra }, version);
}

/** A Deny statement of ims:images:list with one condition. */
function cond(operator: string, key: string, value: Json, action = 'ims:images:list'): Record<string, Json> {
  return pol({ Effect: 'Deny', Action: [action], Condition: { [operator]: { [key]: value } } });
}

const SCP: ValidateOptions = { type: 'scp' };
const SCP_2024: ValidateOptions = { type: 'scp', scp_revision: '2024' };
const SCP_2025_07: ValidateOptions = { type: 'scp', scp_revision: '2025-07' };
const SCP_2025_12: ValidateOptions = { type: 'scp', scp_revision: '2025-12' };

interface Positive {
  /** Short description, shown in the test name. */
  what: string;
  code: FindingCode;
  severity: Severity;
  /** JSON Pointer of the finding with `code`. */
  path: string;
  doc: Json;
  opts?: ValidateOptions;
  /** Other codes the document unavoidably produces (the full set is asserted). */
  also?: string[];
  /** Expected `valid` (default: severity !== 'error' and no error among `also`). */
  valid?: boolean;
  /** Expected "did you mean" suggestions (the first ones, in order). */
  suggestions?: string[];
}

interface Negative {
  what: string;
  /** The code that must NOT be reported. */
  code: FindingCode;
  doc: Json;
  opts?: ValidateOptions;
  /** The complete set of codes the document produces (default: none). */
  codes?: string[];
}

function checkPositive(c: Positive): void {
  const r = run(c.doc, c.opts);
  const hits = withCode(r, c.code);
  expect(hits.length, `${c.code} not reported; got ${JSON.stringify(r.findings.map((f) => [f.code, f.path]))}`).toBeGreaterThan(0);
  expect(hits.map((f) => f.path)).toContain(c.path);
  for (const f of hits) {
    expect(f.severity).toBe(c.severity);
    expect(typeof f.message).toBe('string');
    expect(f.message.length).toBeGreaterThan(10);
    // object input: no spans
    expect(f.span).toBeUndefined();
  }
  expect(codesOf(r)).toEqual([...new Set([c.code, ...(c.also ?? [])])].sort());
  const expectedValid = c.valid ?? (c.severity !== 'error' && !(c.also ?? []).some((x) => FINDING_CODES[x as FindingCode] === 'error'));
  expect(r.valid).toBe(expectedValid);
  expect(r.valid).toBe(!r.findings.some((f) => f.severity === 'error'));
  if (c.suggestions) {
    const f = hits.find((x) => x.path === c.path) as Finding;
    expect(f.suggestions?.slice(0, c.suggestions.length)).toEqual(c.suggestions);
  }
}

function checkNegative(c: Negative): void {
  const r = run(c.doc, c.opts);
  expect(withCode(r, c.code)).toEqual([]);
  expect(codesOf(r)).toEqual([...(c.codes ?? [])].sort());
  expect(r.valid).toBe(!r.findings.some((f) => f.severity === 'error'));
}

// -------------------------------------------------------------------------------------------------------------
// Positive cases: one or more per code
// -------------------------------------------------------------------------------------------------------------

const POSITIVE: Positive[] = [
  // --- errors: document structure
  { what: 'unterminated array', code: 'JSON_SYNTAX_ERROR', severity: 'error', path: '', doc: '{"Version":"5.0","Statement":[' },
  { what: 'trailing comma', code: 'JSON_SYNTAX_ERROR', severity: 'error', path: '', doc: '{"Version":"5.0","Statement":[],}' },
  { what: 'empty text', code: 'JSON_SYNTAX_ERROR', severity: 'error', path: '', doc: '' },
  {
    what: 'the same key twice in a statement',
    code: 'DUPLICATE_KEY',
    severity: 'error',
    path: '/Statement/0/Effect',
    doc: '{"Version":"5.0","Statement":[{"Effect":"Deny","Effect":"Deny","Action":["ims:images:get"]}]}',
  },
  {
    what: 'the same key twice at the top',
    code: 'DUPLICATE_KEY',
    severity: 'error',
    path: '/Version',
    doc: '{"Version":"5.0","Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:get"]}]}',
  },
  { what: 'an array', code: 'INVALID_DOCUMENT', severity: 'error', path: '', doc: [pol({ Effect: 'Deny', Action: ['ims:images:get'] })] },
  { what: 'a JSON string', code: 'INVALID_DOCUMENT', severity: 'error', path: '', doc: '"5.0"' },
  { what: 'null', code: 'INVALID_DOCUMENT', severity: 'error', path: '', doc: null },
  { what: 'a number', code: 'INVALID_DOCUMENT', severity: 'error', path: '', doc: 42 },
  { what: 'no Version', code: 'MISSING_VERSION', severity: 'error', path: '', doc: { Statement: [{ Effect: 'Deny', Action: ['ims:images:get'] }] } },
  { what: 'Version 2.0', code: 'INVALID_VERSION', severity: 'error', path: '/Version', doc: { Version: '2.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:get'] }] } },
  { what: 'Version 5 (a number)', code: 'INVALID_VERSION', severity: 'error', path: '/Version', doc: { Version: 5, Statement: [{ Effect: 'Deny', Action: ['ims:images:get'] }] } },
  { what: 'Version "5"', code: 'INVALID_VERSION', severity: 'error', path: '/Version', doc: { Version: '5', Statement: [{ Effect: 'Deny', Action: ['ims:images:get'] }] } },
  { what: 'Version 1.0 (system roles only)', code: 'INVALID_VERSION', severity: 'error', path: '/Version', doc: { Version: '1.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:get'] }] } },
  {
    what: 'Version 1.1 in an SCP',
    code: 'INVALID_VERSION',
    severity: 'error',
    path: '/Version',
    doc: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:get'] }] },
    opts: SCP,
  },
  { what: 'no Statement', code: 'MISSING_STATEMENT', severity: 'error', path: '', doc: { Version: '5.0' } },
  {
    what: 'unknown top-level element',
    code: 'INVALID_POLICY_ELEMENT',
    severity: 'error',
    path: '/Id',
    doc: { Version: '5.0', Id: 'x', Statement: [{ Effect: 'Deny', Action: ['ims:images:get'] }] },
  },
  {
    what: 'statement element at the top level',
    code: 'INVALID_POLICY_ELEMENT',
    severity: 'error',
    path: '/Effect',
    doc: { Version: '5.0', Effect: 'Deny', Statement: [{ Effect: 'Deny', Action: ['ims:images:get'] }] },
  },
  {
    what: 'misspelled statement element (did you mean Action)',
    code: 'INVALID_POLICY_ELEMENT',
    severity: 'error',
    path: '/Statement/0/Acton',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:get'], Acton: ['ims:images:list'] }),
    suggestions: ['Action'],
  },
  {
    what: 'misspelled top-level element (did you mean Statement)',
    code: 'INVALID_POLICY_ELEMENT',
    severity: 'error',
    path: '/Statment',
    doc: { Version: '5.0', Statment: [], Statement: [{ Effect: 'Deny', Action: ['ims:images:get'] }] },
    suggestions: ['Statement'],
  },
  {
    what: 'element names are case-sensitive ("resource")',
    code: 'INVALID_POLICY_ELEMENT',
    severity: 'error',
    path: '/Statement/0/resource',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:get'], resource: ['*'] }),
  },
  { what: 'Statement is an object', code: 'DATA_TYPE_MISMATCH', severity: 'error', path: '/Statement', doc: { Version: '5.0', Statement: { Effect: 'Deny', Action: ['ims:images:get'] } } },
  { what: 'a statement is a string', code: 'DATA_TYPE_MISMATCH', severity: 'error', path: '/Statement/0', doc: { Version: '5.0', Statement: ['Deny'] } },
  { what: 'Action is a number', code: 'DATA_TYPE_MISMATCH', severity: 'error', path: '/Statement/0/Action', doc: pol({ Effect: 'Deny', Action: 5 }) },
  { what: 'Action is an object', code: 'DATA_TYPE_MISMATCH', severity: 'error', path: '/Statement/0/Action', doc: pol({ Effect: 'Deny', Action: { a: 'ims:images:get' } }) },
  { what: 'an Action entry is a number', code: 'DATA_TYPE_MISMATCH', severity: 'error', path: '/Statement/0/Action/1', doc: pol({ Effect: 'Deny', Action: ['ims:images:get', 5] }) },
  { what: 'Resource is null', code: 'DATA_TYPE_MISMATCH', severity: 'error', path: '/Statement/0/Resource', doc: denyGet({ Resource: null }) },
  { what: 'Sid is a number', code: 'DATA_TYPE_MISMATCH', severity: 'error', path: '/Statement/0/Sid', doc: denyGet({ Sid: 1 }) },
  { what: 'Condition is an array', code: 'DATA_TYPE_MISMATCH', severity: 'error', path: '/Statement/0/Condition', doc: denyGet({ Condition: [] }) },
  {
    what: 'an operator block is a string',
    code: 'DATA_TYPE_MISMATCH',
    severity: 'error',
    path: '/Statement/0/Condition/StringEquals',
    doc: denyGet({ Condition: { StringEquals: 'g:UserName' } }),
  },
  {
    what: 'a condition value is an object',
    code: 'DATA_TYPE_MISMATCH',
    severity: 'error',
    path: '/Statement/0/Condition/StringEquals/g:UserName',
    doc: cond('StringEquals', 'g:UserName', { a: 'b' }),
  },
  {
    what: 'a condition value entry is null',
    code: 'DATA_TYPE_MISMATCH',
    severity: 'error',
    path: '/Statement/0/Condition/StringEquals/g:UserName/1',
    doc: cond('StringEquals', 'g:UserName', ['a', null]),
  },
  { what: 'no Effect', code: 'MISSING_EFFECT', severity: 'error', path: '/Statement/0', doc: pol({ Action: ['ims:images:get'] }) },
  { what: 'Effect "allow" (case)', code: 'INVALID_EFFECT', severity: 'error', path: '/Statement/0/Effect', doc: pol({ Effect: 'allow', Action: ['ims:images:get'] }), suggestions: ['Allow'] },
  { what: 'Effect "Permit"', code: 'INVALID_EFFECT', severity: 'error', path: '/Statement/0/Effect', doc: pol({ Effect: 'Permit', Action: ['ims:images:get'] }) },
  { what: 'Effect true', code: 'INVALID_EFFECT', severity: 'error', path: '/Statement/0/Effect', doc: pol({ Effect: true, Action: ['ims:images:get'] }) },
  { what: 'no Action nor NotAction', code: 'MISSING_ACTION', severity: 'error', path: '/Statement/0', doc: pol({ Effect: 'Deny', Resource: ['*'] }) },
  {
    what: 'Action and NotAction together',
    code: 'UNSUPPORTED_ELEMENT_COMBINATION',
    severity: 'error',
    path: '/Statement/0/NotAction',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:get'], NotAction: ['ims:images:list'] }),
  },
  {
    what: 'Resource and NotResource together',
    code: 'UNSUPPORTED_ELEMENT_COMBINATION',
    severity: 'error',
    path: '/Statement/0/NotResource',
    doc: denyGet({ Resource: ['ims:*:*:image:a'], NotResource: ['ims:*:*:image:b'] }),
  },
  { what: 'Principal in an identity policy', code: 'UNSUPPORTED_PRINCIPAL', severity: 'error', path: '/Statement/0/Principal', doc: denyGet({ Principal: { ID: ['*'] } }) },
  { what: 'NotPrincipal in an identity policy', code: 'UNSUPPORTED_PRINCIPAL', severity: 'error', path: '/Statement/0/NotPrincipal', doc: denyGet({ NotPrincipal: '*' }) },
  { what: 'Principal in an SCP', code: 'UNSUPPORTED_PRINCIPAL', severity: 'error', path: '/Statement/0/Principal', doc: denyGet({ Principal: '*' }), opts: SCP },
  { what: 'Principal in a 1.1 policy', code: 'UNSUPPORTED_PRINCIPAL', severity: 'error', path: '/Statement/0/Principal', doc: denyGet({ Principal: '*' }, '1.1') },
  {
    what: 'NotAction in 1.1',
    code: 'UNSUPPORTED_ELEMENT_IN_VERSION',
    severity: 'error',
    path: '/Statement/0/NotAction',
    doc: pol({ Effect: 'Deny', NotAction: ['ims:images:get'] }, '1.1'),
    also: ['MISSING_ACTION'],
  },
  {
    what: 'NotResource in 1.1',
    code: 'UNSUPPORTED_ELEMENT_IN_VERSION',
    severity: 'error',
    path: '/Statement/0/NotResource',
    doc: denyGet({ NotResource: ['*'] }, '1.1'),
  },
  { what: 'Sid in 1.1', code: 'UNSUPPORTED_ELEMENT_IN_VERSION', severity: 'error', path: '/Statement/0/Sid', doc: denyGet({ Sid: 'NoDelete' }, '1.1') },

  // --- errors: actions
  { what: 'spaces instead of colons', code: 'INVALID_ACTION_FORMAT', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims images get'] }) },
  { what: 'two segments, no wildcard', code: 'INVALID_ACTION_FORMAT', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims:images'] }) },
  { what: 'four segments', code: 'INVALID_ACTION_FORMAT', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims:images:get:x'] }) },
  { what: 'empty action', code: 'INVALID_ACTION_FORMAT', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: [''] }) },
  { what: 'leading space', code: 'INVALID_ACTION_FORMAT', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: [' ims:images:get'] }) },
  { what: 'empty segment', code: 'INVALID_ACTION_FORMAT', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims::get'] }) },
  {
    what: 'misspelled action (did you mean the current name, not the legacy one it is closest to)',
    code: 'UNKNOWN_ACTION',
    severity: 'error',
    path: '/Statement/0/Action/0',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:dlete'] }),
    suggestions: ['ims:images:deleteImage'],
  },
  {
    what: 'misspelled action in 1.1 (did you mean the 1.1 name)',
    code: 'UNKNOWN_ACTION',
    severity: 'error',
    path: '/Statement/0/Action/0',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:dlete'] }, '1.1'),
    suggestions: ['ims:images:delete'],
  },
  {
    what: 'unknown action second in the list',
    code: 'UNKNOWN_ACTION',
    severity: 'error',
    path: '/Statement/0/Action/1',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:get', 'ims:images:lsit'] }),
    suggestions: ['ims:images:list'],
  },
  { what: 'unknown IMS action in 1.1', code: 'UNKNOWN_ACTION', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims:images:destroy'] }, '1.1') },
  { what: 'pattern with no match', code: 'ACTION_MATCHES_NOTHING', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims:images:zz*'] }) },
  { what: 'resource-type pattern with no match', code: 'ACTION_MATCHES_NOTHING', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims:volumes:*'] }) },
  { what: '? needs exactly one character', code: 'ACTION_MATCHES_NOTHING', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims:images:get?'] }) },
  { what: 'uppercase service in 1.1', code: 'V11_SERVICE_NOT_LOWERCASE', severity: 'error', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['IMS:images:list'] }, '1.1') },

  // --- errors: resources
  {
    what: 'IMS URN in 1.1 (Huawei refuses the policy)',
    code: 'V11_RESOURCE_NOT_SUPPORTED',
    severity: 'error',
    path: '/Statement/0/Resource/0',
    doc: denyGet({ Resource: ['ims:*:*:image:img-1'] }, '1.1'),
    suggestions: ['*'],
  },
  {
    what: 'IMS URN in 1.1 beside "*"',
    code: 'V11_RESOURCE_NOT_SUPPORTED',
    severity: 'error',
    path: '/Statement/0/Resource/1',
    doc: denyGet({ Resource: ['*', 'IMS:cn-north-4:acc-1:image:*'] }, '1.1'),
    also: ['REDUNDANT_RESOURCE'],
  },
  {
    what: 'IMS URN in a 1.1 Allow',
    code: 'V11_RESOURCE_NOT_SUPPORTED',
    severity: 'error',
    path: '/Statement/0/Resource/0',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:cn-north-4:acc-1:image:img-1'] }, '1.1'),
  },
  { what: 'three-segment URN', code: 'INVALID_URN', severity: 'error', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: ['ims:cn-north-4:acc-1'] }) },
  { what: 'four-segment URN', code: 'INVALID_URN', severity: 'error', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: ['ims:cn-north-4:acc-1:image'] }) },
  { what: 'a bare image id', code: 'INVALID_URN', severity: 'error', path: '/Statement/0/Resource/1', doc: denyGet({ Resource: ['ims:*:*:image:a', 'img-123'] }) },
  { what: 'empty resource', code: 'INVALID_URN', severity: 'error', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: [''] }) },
  { what: '* as service', code: 'WILDCARD_IN_URN_SERVICE', severity: 'error', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: ['*:cn-north-4:acc-1:image:img-1'] }) },
  { what: 'partial wildcard in service', code: 'WILDCARD_IN_URN_SERVICE', severity: 'error', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: ['im*:cn-north-4:acc-1:image:img-1'] }) },
  { what: '? in service', code: 'WILDCARD_IN_URN_SERVICE', severity: 'error', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: ['im?:cn-north-4:acc-1:image:img-1'] }) },
  { what: 'all-wildcard URN', code: 'WILDCARD_IN_URN_SERVICE', severity: 'error', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: ['*:*:*:*:*'] }) },
  {
    what: 'misspelled resource type',
    code: 'UNKNOWN_RESOURCE_TYPE',
    severity: 'error',
    path: '/Statement/0/Resource/0',
    doc: denyGet({ Resource: ['ims:cn-north-4:acc-1:imag:img-1'] }),
    suggestions: ['image'],
  },
  { what: 'resource type pattern matching nothing', code: 'UNKNOWN_RESOURCE_TYPE', severity: 'error', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: ['ims:*:*:snap*:x'] }) },

  // --- errors: conditions
  {
    what: 'misspelled operator',
    code: 'INVALID_CONDITION_OPERATOR',
    severity: 'error',
    path: '/Statement/0/Condition/StringEqual',
    doc: cond('StringEqual', 'g:UserName', 'alice'),
    suggestions: ['StringEquals'],
  },
  { what: 'operator names are case-sensitive', code: 'INVALID_CONDITION_OPERATOR', severity: 'error', path: '/Statement/0/Condition/stringequals', doc: cond('stringequals', 'g:UserName', 'alice') },
  {
    what: 'misspelled qualifier',
    code: 'INVALID_CONDITION_OPERATOR',
    severity: 'error',
    path: '/Statement/0/Condition/ForAnyValues:StringEquals',
    doc: cond('ForAnyValues:StringEquals', 'g:TagKeys', ['env'], 'ims:images:create'),
    suggestions: ['ForAnyValue'],
  },
  {
    what: 'unknown operator with IfExists',
    code: 'INVALID_CONDITION_OPERATOR',
    severity: 'error',
    path: '/Statement/0/Condition/StringContainsIfExists',
    doc: cond('StringContainsIfExists', 'g:UserName', 'a'),
  },
  { what: 'NullIfExists', code: 'NULL_WITH_IF_EXISTS', severity: 'error', path: '/Statement/0/Condition/NullIfExists', doc: cond('NullIfExists', 'g:UserName', 'true') },
  {
    what: 'ForAllValues:NullIfExists',
    code: 'NULL_WITH_IF_EXISTS',
    severity: 'error',
    path: '/Statement/0/Condition/ForAllValues:NullIfExists',
    doc: cond('ForAllValues:NullIfExists', 'g:TagKeys', 'true', 'ims:images:create'),
  },
  {
    what: 'misspelled global key',
    code: 'UNKNOWN_CONDITION_KEY',
    severity: 'error',
    path: '/Statement/0/Condition/StringEquals/g:UserNam',
    doc: cond('StringEquals', 'g:UserNam', 'alice'),
    suggestions: ['g:UserName'],
  },
  { what: 'key without a prefix', code: 'UNKNOWN_CONDITION_KEY', severity: 'error', path: '/Statement/0/Condition/StringEquals/UserName', doc: cond('StringEquals', 'UserName', 'alice') },
  { what: 'key with an empty prefix', code: 'UNKNOWN_CONDITION_KEY', severity: 'error', path: '/Statement/0/Condition/StringEquals/:UserName', doc: cond('StringEquals', ':UserName', 'alice') },
  { what: 'unknown IMS key', code: 'UNKNOWN_CONDITION_KEY', severity: 'error', path: '/Statement/0/Condition/StringEquals/ims:ImageType', doc: cond('StringEquals', 'ims:ImageType', 'private') },
  {
    what: 'g:ResourceTag/ without a tag key',
    code: 'MISSING_TAG_KEY',
    severity: 'error',
    path: '/Statement/0/Condition/StringEquals/g:ResourceTag~1',
    doc: cond('StringEquals', 'g:ResourceTag/', 'prod', 'ims:images:showImageTags'),
  },
  {
    what: 'g:RequestTag/ without a tag key',
    code: 'MISSING_TAG_KEY',
    severity: 'error',
    path: '/Statement/0/Condition/StringEquals/g:RequestTag~1',
    doc: cond('StringEquals', 'g:RequestTag/', 'prod', 'ims:images:create'),
  },
  {
    what: 'one key in two spellings',
    code: 'DUPLICATE_CONDITION_KEY',
    severity: 'error',
    path: '/Statement/0/Condition/StringEquals/G:USERNAME',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:list'], Condition: { StringEquals: { 'g:UserName': 'a', 'G:USERNAME': 'b' } } }),
  },
  { what: 'unparseable date', code: 'INVALID_CONDITION_VALUE', severity: 'error', path: '/Statement/0/Condition/DateLessThan/g:CurrentTime/0', doc: cond('DateLessThan', 'g:CurrentTime', 'tomorrow') },
  { what: 'unparseable number', code: 'INVALID_CONDITION_VALUE', severity: 'error', path: '/Statement/0/Condition/NumberLessThan/g:MFAAge/0', doc: cond('NumberLessThan', 'g:MFAAge', 'ten') },
  { what: 'unparseable boolean', code: 'INVALID_CONDITION_VALUE', severity: 'error', path: '/Statement/0/Condition/Bool/g:MFAPresent/0', doc: cond('Bool', 'g:MFAPresent', 'yes') },
  { what: 'unparseable Null value', code: 'INVALID_CONDITION_VALUE', severity: 'error', path: '/Statement/0/Condition/Null/g:UserName/0', doc: cond('Null', 'g:UserName', 'maybe') },
  { what: 'unparseable IP', code: 'INVALID_CONDITION_VALUE', severity: 'error', path: '/Statement/0/Condition/IpAddress/g:SourceIp/0', doc: cond('IpAddress', 'g:SourceIp', 'localhost') },
  {
    what: 'second value of a list is bad',
    code: 'INVALID_CONDITION_VALUE',
    severity: 'error',
    path: '/Statement/0/Condition/NotIpAddress/g:SourceIp/1',
    doc: cond('NotIpAddress', 'g:SourceIp', ['10.0.0.0/8', '10.0.0.0/33']),
  },

  // --- security warnings
  { what: 'Allow with NotAction', code: 'ALLOW_WITH_NOT_ACTION', severity: 'security_warning', path: '/Statement/0/NotAction', doc: pol({ Effect: 'Allow', NotAction: ['ims:images:deleteImage'] }) },
  {
    what: 'Allow with NotResource',
    code: 'ALLOW_WITH_NOT_RESOURCE',
    severity: 'security_warning',
    path: '/Statement/0/NotResource',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:get'], NotResource: ['ims:*:*:image:img-1'] }),
  },
  {
    what: 'Allow * (Resource omitted)',
    code: 'ALLOW_ALL_WITHOUT_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['*'] }),
    also: ['SHARING_WITHOUT_ORG_PATH_CONDITION'],
  },
  {
    what: 'Allow ims:* on *',
    code: 'ALLOW_ALL_WITHOUT_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['ims:*'], Resource: ['*'] }),
    also: ['SHARING_WITHOUT_ORG_PATH_CONDITION'],
  },
  {
    what: 'Allow IMS:*:* (case-insensitive)',
    code: 'ALLOW_ALL_WITHOUT_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['IMS:*:*'] }),
    also: ['SHARING_WITHOUT_ORG_PATH_CONDITION'],
  },
  {
    what: 'Allow ims:* in 1.1',
    code: 'ALLOW_ALL_WITHOUT_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['ims:*:*'] }, '1.1'),
    also: ['SHARING_WITHOUT_ORG_PATH_CONDITION'],
  },
  {
    what: 'Allow ims:images:share',
    code: 'SHARING_WITHOUT_ORG_PATH_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:share'] }),
  },
  {
    what: 'Allow ims:images:addMember',
    code: 'SHARING_WITHOUT_ORG_PATH_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:addMember'] }),
  },
  {
    what: 'Allow ims:images:deleteMember',
    code: 'SHARING_WITHOUT_ORG_PATH_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:deleteMember'] }),
  },
  {
    what: 'Allow ims:images:updateMemberStatus',
    code: 'SHARING_WITHOUT_ORG_PATH_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:updateMemberStatus'] }),
  },
  {
    what: 'Allow ims:images:* (covers share)',
    code: 'SHARING_WITHOUT_ORG_PATH_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:*'] }),
  },
  {
    what: 'Allow share with an unrelated condition',
    code: 'SHARING_WITHOUT_ORG_PATH_CONDITION',
    severity: 'security_warning',
    path: '/Statement/0/Action',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:share'], Condition: { Bool: { 'g:MFAPresent': 'true' } } }),
  },

  // --- warnings
  {
    what: 'specific image for ims:images:list',
    code: 'RESOURCE_NOT_SUPPORTED_BY_ACTION',
    severity: 'warning',
    path: '/Statement/0/Resource',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:list'], Resource: ['ims:cn-north-4:acc-1:image:img-1'] }),
  },
  {
    what: 'image pattern for ims:quotas:get (mixed with get)',
    code: 'RESOURCE_NOT_SUPPORTED_BY_ACTION',
    severity: 'warning',
    path: '/Statement/0/Resource',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:get', 'ims:quotas:get'], Resource: ['ims:*:*:image:*'] }),
  },
  {
    what: 'ims:Encrypted on ims:images:get',
    code: 'CONDITION_KEY_NOT_SUPPORTED_BY_ACTION',
    severity: 'warning',
    path: '/Statement/0/Condition/Bool/ims:Encrypted',
    doc: cond('Bool', 'ims:Encrypted', 'true', 'ims:images:get'),
  },
  {
    what: 'g:EnterpriseProjectId on ims:images:get',
    code: 'CONDITION_KEY_NOT_SUPPORTED_BY_ACTION',
    severity: 'warning',
    path: '/Statement/0/Condition/StringEquals/g:EnterpriseProjectId',
    doc: cond('StringEquals', 'g:EnterpriseProjectId', '0', 'ims:images:get'),
  },
  {
    what: 'g:ResourceTag/env on ims:images:list',
    code: 'CONDITION_KEY_NOT_SUPPORTED_BY_ACTION',
    severity: 'warning',
    path: '/Statement/0/Condition/StringEquals/g:ResourceTag~1env',
    doc: cond('StringEquals', 'g:ResourceTag/env', 'prod', 'ims:images:list'),
  },
  {
    what: 'g:TagKeys without a qualifier',
    code: 'MULTI_VALUED_KEY_WITHOUT_QUALIFIER',
    severity: 'warning',
    path: '/Statement/0/Condition/StringEquals/g:TagKeys',
    doc: cond('StringEquals', 'g:TagKeys', ['env'], 'ims:images:create'),
  },
  {
    what: 'ims:TargetOrgPaths without a qualifier',
    code: 'MULTI_VALUED_KEY_WITHOUT_QUALIFIER',
    severity: 'warning',
    path: '/Statement/0/Condition/StringMatch/ims:TargetOrgPaths',
    doc: cond('StringMatch', 'ims:TargetOrgPaths', ['o-1/r-1/*'], 'ims:images:share'),
  },
  {
    what: 'ForAnyValue on g:UserName',
    code: 'SINGLE_VALUED_KEY_WITH_QUALIFIER',
    severity: 'warning',
    path: '/Statement/0/Condition/ForAnyValue:StringEquals/g:UserName',
    doc: cond('ForAnyValue:StringEquals', 'g:UserName', ['alice']),
  },
  {
    what: 'ForAllValues on g:PrincipalOrgPath (single-valued in Huawei)',
    code: 'SINGLE_VALUED_KEY_WITH_QUALIFIER',
    severity: 'warning',
    path: '/Statement/0/Condition/ForAllValues:StringMatch/g:PrincipalOrgPath',
    doc: cond('ForAllValues:StringMatch', 'g:PrincipalOrgPath', ['o-1/*']),
  },
  { what: 'StringLike', code: 'AWS_OPERATOR_NAME', severity: 'warning', path: '/Statement/0/Condition/StringLike', doc: cond('StringLike', 'g:UserName', 'dev-*') },
  { what: 'StringNotLike', code: 'AWS_OPERATOR_NAME', severity: 'warning', path: '/Statement/0/Condition/StringNotLike', doc: cond('StringNotLike', 'g:UserName', 'dev-*') },
  { what: 'StringLikeIfExists', code: 'AWS_OPERATOR_NAME', severity: 'warning', path: '/Statement/0/Condition/StringLikeIfExists', doc: cond('StringLikeIfExists', 'g:UserName', 'dev-*') },
  { what: 'StringNotStartWith', code: 'UNVERIFIED_OPERATOR', severity: 'warning', path: '/Statement/0/Condition/StringNotStartWith', doc: cond('StringNotStartWith', 'g:UserName', 'dev') },
  { what: 'StringNotEndWith', code: 'UNVERIFIED_OPERATOR', severity: 'warning', path: '/Statement/0/Condition/StringNotEndWith', doc: cond('StringNotEndWith', 'g:UserName', 'dev') },
  { what: 'DateEquals', code: 'UNVERIFIED_OPERATOR', severity: 'warning', path: '/Statement/0/Condition/DateEquals', doc: cond('DateEquals', 'g:CurrentTime', '2026-01-01') },
  { what: 'g:PrincipalType', code: 'UNVERIFIED_CONDITION_KEY', severity: 'warning', path: '/Statement/0/Condition/StringEquals/g:PrincipalType', doc: cond('StringEquals', 'g:PrincipalType', 'User') },
  { what: 'g:SecureTransport', code: 'UNVERIFIED_CONDITION_KEY', severity: 'warning', path: '/Statement/0/Condition/Bool/g:SecureTransport', doc: cond('Bool', 'g:SecureTransport', 'true') },
  {
    what: 'string operator on an IP key',
    code: 'CONDITION_TYPE_MISMATCH',
    severity: 'warning',
    path: '/Statement/0/Condition/StringEquals/g:SourceIp',
    doc: cond('StringEquals', 'g:SourceIp', '10.0.0.1'),
  },
  { what: 'IP operator on a string key', code: 'CONDITION_TYPE_MISMATCH', severity: 'warning', path: '/Statement/0/Condition/IpAddress/g:UserName', doc: cond('IpAddress', 'g:UserName', '10.0.0.1') },
  {
    what: 'number operator on a date key',
    code: 'CONDITION_TYPE_MISMATCH',
    severity: 'warning',
    path: '/Statement/0/Condition/NumberLessThan/g:CurrentTime',
    doc: cond('NumberLessThan', 'g:CurrentTime', '5'),
  },
  { what: 'JSON boolean value', code: 'CONDITION_VALUE_NOT_STRING', severity: 'warning', path: '/Statement/0/Condition/Bool/g:MFAPresent', doc: cond('Bool', 'g:MFAPresent', true) },
  { what: 'JSON number in a list', code: 'CONDITION_VALUE_NOT_STRING', severity: 'warning', path: '/Statement/0/Condition/NumberLessThan/g:MFAAge/0', doc: cond('NumberLessThan', 'g:MFAAge', [3600]) },
  {
    what: '${...} in a string value',
    code: 'POLICY_VARIABLE_NOT_SUPPORTED',
    severity: 'warning',
    path: '/Statement/0/Condition/StringEquals/g:UserName/0',
    doc: cond('StringEquals', 'g:UserName', '${g:UserId}'),
  },
  { what: 'Action as a string', code: 'STRING_INSTEAD_OF_ARRAY', severity: 'warning', path: '/Statement/0/Action', doc: pol({ Effect: 'Deny', Action: 'ims:images:get' }) },
  { what: 'NotAction as a string', code: 'STRING_INSTEAD_OF_ARRAY', severity: 'warning', path: '/Statement/0/NotAction', doc: pol({ Effect: 'Deny', NotAction: 'ims:images:get' }) },
  { what: 'Resource as a string', code: 'STRING_INSTEAD_OF_ARRAY', severity: 'warning', path: '/Statement/0/Resource', doc: denyGet({ Resource: '*' }) },
  { what: '1.1 Action as a string', code: 'STRING_INSTEAD_OF_ARRAY', severity: 'warning', path: '/Statement/0/Action', doc: pol({ Effect: 'Deny', Action: 'ims:images:get' }, '1.1') },
  {
    what: '1.1 condition value as a string',
    code: 'STRING_INSTEAD_OF_ARRAY',
    severity: 'warning',
    path: '/Statement/0/Condition/StringEquals/g:UserName',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:list'], Condition: { StringEquals: { 'g:UserName': 'alice' } } }, '1.1'),
  },
  { what: 'obs:object:GetObject', code: 'FOREIGN_ACTION', severity: 'warning', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['obs:object:GetObject'] }) },
  { what: 'obs:object:*', code: 'FOREIGN_ACTION', severity: 'warning', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['obs:object:*'] }) },
  {
    what: 'ecs:cloudServers:list next to an IMS action',
    code: 'FOREIGN_ACTION',
    severity: 'warning',
    path: '/Statement/0/Action/1',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:list', 'ecs:cloudServers:list'] }),
  },
  { what: 'an OBS bucket URN', code: 'FOREIGN_RESOURCE', severity: 'warning', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: ['obs:*:*:bucket:my-bucket'] }) },
  { what: 'an OBS key', code: 'FOREIGN_CONDITION_KEY', severity: 'warning', path: '/Statement/0/Condition/StringEquals/obs:prefix', doc: cond('StringEquals', 'obs:prefix', 'logs/') },
  {
    what: 'legacy name in 5.0',
    code: 'LEGACY_ACTION_NAME',
    severity: 'warning',
    path: '/Statement/0/Action/0',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:delete'] }),
    suggestions: ['ims:images:deleteImage'],
  },
  {
    what: 'legacy name with two targets in 5.0',
    code: 'LEGACY_ACTION_NAME',
    severity: 'warning',
    path: '/Statement/0/Action/0',
    doc: pol({ Effect: 'Deny', Action: ['IMS:IMAGES:COPY'] }),
    suggestions: ['ims:images:copyInRegion', 'ims:images:copyCrossRegion'],
  },
  { what: 'legacy name in NotAction (5.0)', code: 'LEGACY_ACTION_NAME', severity: 'warning', path: '/Statement/0/NotAction/0', doc: pol({ Effect: 'Deny', NotAction: ['ims:images:update'] }) },
  {
    what: 'legacy name in a SCP (5.0 grammar)',
    code: 'LEGACY_ACTION_NAME',
    severity: 'warning',
    path: '/Statement/0/Action/0',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:delete'] }),
    opts: SCP,
  },
  {
    what: 'a 5.0 wildcard that reaches an action only through its legacy name',
    code: 'LEGACY_ACTION_NAME',
    severity: 'warning',
    path: '/Statement/0/Action/0',
    doc: pol({ Effect: 'Deny', Action: ['ims:*:delet?'] }),
    suggestions: ['ims:images:deleteImage'],
  },
  {
    what: 'two statements with one Sid',
    code: 'DUPLICATE_SID',
    severity: 'warning',
    path: '/Statement/1/Sid',
    doc: {
      Version: '5.0',
      Statement: [
        { Sid: 'S', Effect: 'Deny', Action: ['ims:images:get'] },
        { Sid: 'S', Effect: 'Deny', Action: ['ims:images:list'] },
      ],
    },
  },
  { what: 'Allow in a default (2025-12) SCP', code: 'SCP_ALLOW_NOT_SUPPORTED', severity: 'warning', path: '/Statement/0/Effect', doc: pol({ Effect: 'Allow', Action: ['ims:images:get'] }), opts: SCP },
  {
    what: 'Deny NotAction in a default SCP',
    code: 'SCP_NOT_ACTION_NOT_SUPPORTED',
    severity: 'warning',
    path: '/Statement/0/NotAction',
    doc: pol({ Effect: 'Deny', NotAction: ['ims:images:get'] }),
    opts: SCP,
  },
  {
    what: 'NotResource in a 2025-07 SCP',
    code: 'SCP_NOT_RESOURCE_NOT_SUPPORTED',
    severity: 'warning',
    path: '/Statement/0/NotResource',
    doc: denyGet({ NotResource: ['ims:*:*:image:img-1'] }),
    opts: SCP_2025_07,
  },
  {
    what: 'Allow NotAction in a 2024 SCP',
    code: 'SCP_ALLOW_WITH_NOT_ACTION',
    severity: 'warning',
    path: '/Statement/0/NotAction',
    doc: pol({ Effect: 'Allow', NotAction: ['ims:images:get'] }),
    opts: SCP_2024,
    also: ['ALLOW_WITH_NOT_ACTION'],
  },
  {
    what: 'Allow with Condition in a 2024 SCP',
    code: 'SCP_ALLOW_WITH_CONDITION',
    severity: 'warning',
    path: '/Statement/0/Condition',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:get'], Condition: { StringEquals: { 'g:RequestedRegion': 'cn-north-4' } } }),
    opts: SCP_2024,
  },
  {
    what: 'Allow with a specific Resource in a 2024 SCP',
    code: 'SCP_ALLOW_WITH_RESOURCE',
    severity: 'warning',
    path: '/Statement/0/Resource',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:*:image:img-1'] }),
    opts: SCP_2024,
  },
  { what: 'ims:*:get* in a 2024 SCP', code: 'SCP_ACTION_WILDCARD_POSITION', severity: 'warning', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims:*:get*'] }), opts: SCP_2024 },
  {
    what: 'ims:images:g?t in a 2024 SCP',
    code: 'SCP_ACTION_WILDCARD_POSITION',
    severity: 'warning',
    path: '/Statement/0/Action/0',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:g?t'] }),
    opts: SCP_2024,
  },

  // --- suggestions
  { what: 'exact duplicate', code: 'REDUNDANT_ACTION', severity: 'suggestion', path: '/Statement/0/Action/1', doc: pol({ Effect: 'Deny', Action: ['ims:images:get', 'ims:images:get'] }) },
  { what: 'duplicate in another case', code: 'REDUNDANT_ACTION', severity: 'suggestion', path: '/Statement/0/Action/1', doc: pol({ Effect: 'Deny', Action: ['ims:images:get', 'IMS:Images:GET'] }) },
  { what: 'covered by a later wildcard', code: 'REDUNDANT_ACTION', severity: 'suggestion', path: '/Statement/0/Action/0', doc: pol({ Effect: 'Deny', Action: ['ims:images:get', 'ims:images:*'] }) },
  { what: 'covered by *', code: 'REDUNDANT_ACTION', severity: 'suggestion', path: '/Statement/0/Action/1', doc: pol({ Effect: 'Deny', Action: ['*', 'ims:quotas:get'] }) },
  {
    what: 'alias and canonical name',
    code: 'REDUNDANT_ACTION',
    severity: 'suggestion',
    path: '/Statement/0/Action/1',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:delete', 'ims:images:deleteImage'] }, '1.1'),
  },
  {
    what: 'covered by an alias with two targets',
    code: 'REDUNDANT_ACTION',
    severity: 'suggestion',
    path: '/Statement/0/Action/1',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:copy', 'ims:images:copyInRegion'] }, '1.1'),
  },
  {
    what: 'alias and canonical name (5.0)',
    code: 'REDUNDANT_ACTION',
    severity: 'suggestion',
    path: '/Statement/0/Action/1',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:delete', 'ims:images:deleteImage'] }),
    also: ['LEGACY_ACTION_NAME'],
  },
  {
    what: 'foreign action covered by a foreign wildcard',
    code: 'REDUNDANT_ACTION',
    severity: 'suggestion',
    path: '/Statement/0/Action/1',
    doc: pol({ Effect: 'Deny', Action: ['obs:object:*', 'obs:object:GetObject'] }),
    also: ['FOREIGN_ACTION'],
  },
  { what: 'duplicate URN', code: 'REDUNDANT_RESOURCE', severity: 'suggestion', path: '/Statement/0/Resource/1', doc: denyGet({ Resource: ['ims:*:*:image:a', 'ims:*:*:image:a'] }) },
  { what: 'URN next to *', code: 'REDUNDANT_RESOURCE', severity: 'suggestion', path: '/Statement/0/Resource/0', doc: denyGet({ Resource: ['ims:*:*:image:a', '*'] }) },
  {
    what: 'repeated condition value',
    code: 'REDUNDANT_CONDITION_VALUE',
    severity: 'suggestion',
    path: '/Statement/0/Condition/StringEquals/g:UserName',
    doc: cond('StringEquals', 'g:UserName', ['alice', 'bob', 'alice']),
  },
  { what: 'no statements', code: 'EMPTY_POLICY', severity: 'suggestion', path: '/Statement', doc: { Version: '5.0', Statement: [] } },
  { what: 'no statements (1.1)', code: 'EMPTY_POLICY', severity: 'suggestion', path: '/Statement', doc: { Version: '1.1', Statement: [] } },
  { what: 'Action []', code: 'EMPTY_ARRAY', severity: 'suggestion', path: '/Statement/0/Action', doc: pol({ Effect: 'Deny', Action: [] }) },
  { what: 'Resource []', code: 'EMPTY_ARRAY', severity: 'suggestion', path: '/Statement/0/Resource', doc: denyGet({ Resource: [] }) },
  { what: 'condition values []', code: 'EMPTY_ARRAY', severity: 'suggestion', path: '/Statement/0/Condition/StringEquals/g:UserName', doc: cond('StringEquals', 'g:UserName', []) },
  { what: 'Condition {}', code: 'EMPTY_CONDITION', severity: 'suggestion', path: '/Statement/0/Condition', doc: denyGet({ Condition: {} }) },
  { what: 'operator block {}', code: 'EMPTY_CONDITION', severity: 'suggestion', path: '/Statement/0/Condition/StringEquals', doc: denyGet({ Condition: { StringEquals: {} } }) },
  { what: 'Sid ""', code: 'EMPTY_SID', severity: 'suggestion', path: '/Statement/0/Sid', doc: denyGet({ Sid: '' }) },
  { what: 'NotAction ["*"]', code: 'STATEMENT_NEVER_APPLIES', severity: 'suggestion', path: '/Statement/0/NotAction', doc: pol({ Effect: 'Deny', NotAction: ['*'] }) },
  { what: 'NotResource ["*"]', code: 'STATEMENT_NEVER_APPLIES', severity: 'suggestion', path: '/Statement/0/NotResource', doc: denyGet({ NotResource: ['*'] }) },
];

// Cases whose size documents are built by helpers (see the size-limit and 1.1-limit sections below) are listed
// here so the coverage check sees them.
const COVERED_ELSEWHERE: FindingCode[] = ['FINDINGS_TRUNCATED', 'POLICY_SIZE_EXCEEDED', 'TOO_MANY_STATEMENTS', 'TOO_MANY_ACTIONS', 'TOO_MANY_RESOURCES', 'RESOURCE_TOO_LONG', 'TOO_MANY_CONDITIONS'];

// -------------------------------------------------------------------------------------------------------------
// Negative twins: the nearest correct document does not produce the code
// -------------------------------------------------------------------------------------------------------------

const NEGATIVE: Negative[] = [
  { what: 'valid JSON text', code: 'JSON_SYNTAX_ERROR', doc: '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:get"]}]}' },
  { what: 'text with whitespace and a BOM', code: 'JSON_SYNTAX_ERROR', doc: '\ufeff\n {\r\n\t"Version" : "5.0" ,\n "Statement" : [ ]\n}\n', codes: ['EMPTY_POLICY'] },
  { what: 'the same key in two objects', code: 'DUPLICATE_KEY', doc: '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:get"]},{"Effect":"Deny","Action":["ims:images:list"]}]}' },
  {
    what: 'keys differing in case are not duplicates (but "effect" is unknown)',
    code: 'DUPLICATE_KEY',
    doc: '{"Version":"5.0","Statement":[{"Effect":"Deny","effect":"Deny","Action":["ims:images:get"]}]}',
    codes: ['INVALID_POLICY_ELEMENT'],
  },
  { what: 'an empty object is a document (missing parts)', code: 'INVALID_DOCUMENT', doc: {}, codes: ['MISSING_VERSION', 'MISSING_STATEMENT'] },
  { what: 'Version 5.0', code: 'MISSING_VERSION', doc: denyGet() },
  { what: 'Version 1.1 (identity)', code: 'INVALID_VERSION', doc: denyGet({}, '1.1') },
  { what: 'Version 5.0 (SCP)', code: 'INVALID_VERSION', doc: denyGet(), opts: SCP },
  { what: 'Statement present', code: 'MISSING_STATEMENT', doc: denyGet() },
  { what: 'every 5.0 element', code: 'INVALID_POLICY_ELEMENT', doc: denyGet({ Sid: 'All', Resource: ['*'], Condition: { Bool: { 'g:MFAPresent': 'true' } } }) },
  { what: 'every 1.1 element', code: 'INVALID_POLICY_ELEMENT', doc: denyGet({ Resource: ['*'], Condition: { Bool: { 'g:MFAPresent': ['true'] } } }, '1.1') },
  { what: 'well-typed elements', code: 'DATA_TYPE_MISMATCH', doc: denyGet({ Sid: 'x', Resource: ['*'], Condition: { StringEquals: { 'g:UserName': ['a', 'b'] } } }) },
  { what: 'Effect present', code: 'MISSING_EFFECT', doc: denyGet() },
  { what: 'Effect Allow', code: 'INVALID_EFFECT', doc: pol({ Effect: 'Allow', Action: ['ims:images:get'] }) },
  { what: 'NotAction alone (5.0)', code: 'MISSING_ACTION', doc: pol({ Effect: 'Deny', NotAction: ['ims:images:get'] }) },
  { what: 'Action and NotResource', code: 'UNSUPPORTED_ELEMENT_COMBINATION', doc: denyGet({ NotResource: ['ims:*:*:image:a'] }) },
  { what: 'no Principal', code: 'UNSUPPORTED_PRINCIPAL', doc: denyGet() },
  { what: 'NotAction, NotResource and Sid in 5.0', code: 'UNSUPPORTED_ELEMENT_IN_VERSION', doc: pol({ Sid: 'x', Effect: 'Deny', NotAction: ['ims:images:get'], NotResource: ['ims:*:*:image:a'] }) },
  {
    what: 'service:* and wildcard segments are well formed',
    code: 'INVALID_ACTION_FORMAT',
    doc: { Version: '5.0', Statement: ['ims:*', 'ims:*:get*', 'ims:images:???', 'ims:*Images:create', '*'].map((a) => ({ Effect: 'Deny', Action: [a] })) },
  },
  { what: 'case-insensitive action name (5.0)', code: 'UNKNOWN_ACTION', doc: pol({ Effect: 'Deny', Action: ['IMS:IMAGES:DELETEIMAGE'] }) },
  { what: 'an alias (5.0: a warning only)', code: 'UNKNOWN_ACTION', doc: pol({ Effect: 'Deny', Action: ['ims:images:update'] }), codes: ['LEGACY_ACTION_NAME'] },
  { what: 'an alias (1.1)', code: 'UNKNOWN_ACTION', doc: pol({ Effect: 'Deny', Action: ['ims:images:update'] }, '1.1') },
  { what: 'a dependency-only action', code: 'UNKNOWN_ACTION', doc: pol({ Effect: 'Deny', Action: ['ims:images:deleteTags'] }) },
  { what: 'a pattern that matches', code: 'ACTION_MATCHES_NOTHING', doc: pol({ Effect: 'Deny', Action: ['ims:images:get*'] }) },
  { what: 'lowercase service in 1.1, any case after', code: 'V11_SERVICE_NOT_LOWERCASE', doc: pol({ Effect: 'Deny', Action: ['ims:IMAGES:LIST'] }, '1.1') },
  { what: 'uppercase service in 5.0', code: 'V11_SERVICE_NOT_LOWERCASE', doc: pol({ Effect: 'Deny', Action: ['IMS:images:list'] }) },
  { what: 'five-segment URN; resource path may hold : and /', code: 'INVALID_URN', doc: denyGet({ Resource: ['ims:cn-north-4:acc-1:image:img-1', 'ims:cn-north-4:acc-1:image:a:b/c'] }) },
  { what: 'wildcards outside the service segment', code: 'WILDCARD_IN_URN_SERVICE', doc: denyGet({ Resource: ['ims:*:*:image:*', 'ims:cn-north-?:acc-1:image:img-*'] }) },
  { what: 'resource type image (and a matching pattern)', code: 'UNKNOWN_RESOURCE_TYPE', doc: denyGet({ Resource: ['ims:*:*:image:img-1', 'ims:*:*:im*:img-2'] }) },
  {
    what: 'documented operators, IfExists, qualifiers',
    code: 'INVALID_CONDITION_OPERATOR',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:create'], Condition: { StringEqualsIfExists: { 'g:UserName': 'a' }, 'ForAllValues:StringEquals': { 'g:TagKeys': ['env'] } } }),
  },
  { what: 'Null without IfExists', code: 'NULL_WITH_IF_EXISTS', doc: cond('Null', 'g:UserName', 'true') },
  { what: 'known key in another case', code: 'UNKNOWN_CONDITION_KEY', doc: cond('StringEquals', 'G:USERNAME', 'alice') },
  { what: 'tag key present', code: 'MISSING_TAG_KEY', doc: cond('StringEquals', 'g:ResourceTag/env', 'prod', 'ims:images:showImageTags') },
  {
    what: 'the same key under two operators',
    code: 'DUPLICATE_CONDITION_KEY',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:list'], Condition: { StringEquals: { 'g:UserName': 'a' }, StringNotEquals: { 'g:UserName': 'b' } } }),
  },
  {
    what: 'well-formed typed values',
    code: 'INVALID_CONDITION_VALUE',
    doc: pol({
      Effect: 'Deny',
      Action: ['ims:images:list'],
      Condition: {
        DateLessThan: { 'g:CurrentTime': '2026-01-31T23:59:59Z' },
        NumberLessThan: { 'g:MFAAge': '3600' },
        Bool: { 'g:MFAPresent': 'true' },
        Null: { 'g:UserName': 'false' },
        IpAddress: { 'g:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] },
      },
    }),
  },
  { what: 'Deny with NotAction', code: 'ALLOW_WITH_NOT_ACTION', doc: pol({ Effect: 'Deny', NotAction: ['ims:images:get'] }) },
  { what: 'Deny with NotResource', code: 'ALLOW_WITH_NOT_RESOURCE', doc: denyGet({ NotResource: ['ims:*:*:image:img-1'] }) },
  {
    what: 'Allow with NotResource in a 2024 SCP is an SCP matter only',
    code: 'ALLOW_WITH_NOT_RESOURCE',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:get'], NotResource: ['ims:*:*:image:img-1'] }),
    opts: SCP_2024,
    codes: ['SCP_NOT_RESOURCE_NOT_SUPPORTED'],
  },
  {
    what: 'Allow ims:* with a condition',
    code: 'ALLOW_ALL_WITHOUT_CONDITION',
    doc: pol({ Effect: 'Allow', Action: ['ims:*'], Condition: { Bool: { 'g:MFAPresent': 'true' } } }),
    codes: ['SHARING_WITHOUT_ORG_PATH_CONDITION'],
  },
  {
    what: 'Allow ims:* on specific images',
    code: 'ALLOW_ALL_WITHOUT_CONDITION',
    doc: pol({ Effect: 'Allow', Action: ['ims:*'], Resource: ['ims:*:*:image:img-*'] }),
    codes: ['SHARING_WITHOUT_ORG_PATH_CONDITION'],
  },
  { what: 'Deny *', code: 'ALLOW_ALL_WITHOUT_CONDITION', doc: pol({ Effect: 'Deny', Action: ['*'] }) },
  { what: 'Allow of one resource type only', code: 'ALLOW_ALL_WITHOUT_CONDITION', doc: pol({ Effect: 'Allow', Action: ['ims:quotas:*'] }) },
  { what: 'Allow * in a 2024 SCP (SCPs grant nothing)', code: 'ALLOW_ALL_WITHOUT_CONDITION', doc: pol({ Effect: 'Allow', Action: ['*'], Resource: ['*'] }), opts: SCP_2024 },
  {
    what: 'Allow share restricted by ims:TargetOrgPaths',
    code: 'SHARING_WITHOUT_ORG_PATH_CONDITION',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:share'], Condition: { 'ForAllValues:StringMatch': { 'ims:TargetOrgPaths': ['o-1/r-1/*'] } } }),
  },
  {
    what: 'Allow share restricted by IMS:TARGETORGPATHS (key case)',
    code: 'SHARING_WITHOUT_ORG_PATH_CONDITION',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:share'], Condition: { 'ForAnyValue:StringEquals': { 'IMS:TARGETORGPATHS': ['o-1/r-1/ou-1/acc-2'] } } }),
  },
  { what: 'Deny share', code: 'SHARING_WITHOUT_ORG_PATH_CONDITION', doc: pol({ Effect: 'Deny', Action: ['ims:images:share'] }) },
  { what: 'Allow of a non-sharing action', code: 'SHARING_WITHOUT_ORG_PATH_CONDITION', doc: pol({ Effect: 'Allow', Action: ['ims:images:get', 'ims:images:list'] }) },
  { what: 'ims:images:list on *', code: 'RESOURCE_NOT_SUPPORTED_BY_ACTION', doc: pol({ Effect: 'Deny', Action: ['ims:images:list'], Resource: ['*'] }) },
  { what: 'ims:images:get on an image', code: 'RESOURCE_NOT_SUPPORTED_BY_ACTION', doc: denyGet({ Resource: ['ims:cn-north-4:acc-1:image:img-1'] }) },
  { what: 'ims:images:list, NotResource (excludes, not names)', code: 'RESOURCE_NOT_SUPPORTED_BY_ACTION', doc: pol({ Effect: 'Deny', Action: ['ims:images:list'], NotResource: ['ims:*:*:image:*'] }) },
  { what: 'ims:Encrypted on copyInRegion', code: 'CONDITION_KEY_NOT_SUPPORTED_BY_ACTION', doc: cond('Bool', 'ims:Encrypted', 'true', 'ims:images:copyInRegion') },
  { what: 'g:EnterpriseProjectId on list', code: 'CONDITION_KEY_NOT_SUPPORTED_BY_ACTION', doc: cond('StringEquals', 'g:EnterpriseProjectId', '0', 'ims:images:list') },
  { what: 'a global key no action scopes', code: 'CONDITION_KEY_NOT_SUPPORTED_BY_ACTION', doc: cond('StringEquals', 'g:UserName', 'alice', 'ims:images:get') },
  { what: 'foreign action: unchecked', code: 'CONDITION_KEY_NOT_SUPPORTED_BY_ACTION', doc: cond('Bool', 'ims:Encrypted', 'true', 'obs:object:GetObject'), codes: ['FOREIGN_ACTION'] },
  { what: 'ForAnyValue on g:TagKeys', code: 'MULTI_VALUED_KEY_WITHOUT_QUALIFIER', doc: cond('ForAnyValue:StringEquals', 'g:TagKeys', ['env'], 'ims:images:create') },
  { what: 'Null on a multi-valued key needs no qualifier', code: 'MULTI_VALUED_KEY_WITHOUT_QUALIFIER', doc: cond('Null', 'g:TagKeys', 'true', 'ims:images:create') },
  { what: 'g:UserName without a qualifier', code: 'SINGLE_VALUED_KEY_WITH_QUALIFIER', doc: cond('StringEquals', 'g:UserName', ['alice']) },
  {
    what: 'StringMatch / StringNotMatch',
    code: 'AWS_OPERATOR_NAME',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:list'], Condition: { StringMatch: { 'g:UserName': 'dev-*' }, StringNotMatch: { 'g:ProjectName': 'cn-*' } } }),
  },
  {
    what: 'StringStartWith / StringEndWith',
    code: 'UNVERIFIED_OPERATOR',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:list'], Condition: { StringStartWith: { 'g:UserName': 'dev' }, StringEndWithIfExists: { 'g:ProjectName': '-4' } } }),
  },
  { what: 'a documented key', code: 'UNVERIFIED_CONDITION_KEY', doc: cond('StringEquals', 'g:PrincipalId', 'p-1') },
  { what: 'IP operator on an IP key', code: 'CONDITION_TYPE_MISMATCH', doc: cond('IpAddress', 'g:SourceIp', '10.0.0.1') },
  { what: 'Null on a date key', code: 'CONDITION_TYPE_MISMATCH', doc: cond('Null', 'g:CurrentTime', 'false') },
  { what: 'string values', code: 'CONDITION_VALUE_NOT_STRING', doc: cond('Bool', 'g:MFAPresent', 'true') },
  { what: 'a $ without braces', code: 'POLICY_VARIABLE_NOT_SUPPORTED', doc: cond('StringEquals', 'g:UserName', '$alice{x}') },
  { what: 'a 5.0 condition value may be a string', code: 'STRING_INSTEAD_OF_ARRAY', doc: cond('StringEquals', 'g:UserName', 'alice') },
  { what: 'arrays', code: 'STRING_INSTEAD_OF_ARRAY', doc: denyGet({ Resource: ['*'] }) },
  { what: 'an IMS action', code: 'FOREIGN_ACTION', doc: pol({ Effect: 'Deny', Action: ['ims:images:get'] }) },
  { what: 'an IMS URN (service in another case)', code: 'FOREIGN_RESOURCE', doc: denyGet({ Resource: ['IMS:cn-north-4:acc-1:image:img-1'] }) },
  {
    what: 'g: and ims: keys',
    code: 'FOREIGN_CONDITION_KEY',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:share'], Condition: { StringEquals: { 'g:UserName': 'a' }, 'ForAnyValue:StringMatch': { 'ims:TargetOrgPaths': 'o-1/*' } } }),
  },
  { what: '1.1 with Resource *', code: 'V11_RESOURCE_NOT_SUPPORTED', doc: denyGet({ Resource: ['*'] }, '1.1') },
  { what: '1.1 with Resource ** (only stars)', code: 'V11_RESOURCE_NOT_SUPPORTED', doc: denyGet({ Resource: ['**'] }, '1.1') },
  { what: '1.1 without Resource', code: 'V11_RESOURCE_NOT_SUPPORTED', doc: denyGet({}, '1.1') },
  { what: 'the same URN in 5.0', code: 'V11_RESOURCE_NOT_SUPPORTED', doc: denyGet({ Resource: ['ims:*:*:image:img-1'] }) },
  {
    what: "another service's resource in 1.1 (OBS supports 1.1 resources)",
    code: 'V11_RESOURCE_NOT_SUPPORTED',
    doc: pol({ Effect: 'Allow', Action: ['obs:object:GetObject'], Resource: ['obs:*:*:object:my-bucket/*'] }, '1.1'),
    codes: ['FOREIGN_ACTION', 'FOREIGN_RESOURCE'],
  },
  { what: 'the current name in 5.0', code: 'LEGACY_ACTION_NAME', doc: pol({ Effect: 'Deny', Action: ['ims:images:deleteImage', 'ims:images:copyInRegion'] }) },
  { what: 'the legacy name in 1.1 (it is the 1.1 name)', code: 'LEGACY_ACTION_NAME', doc: pol({ Effect: 'Deny', Action: ['ims:images:delete', 'ims:images:copy'] }, '1.1') },
  { what: 'a 5.0 wildcard that matches the current name too', code: 'LEGACY_ACTION_NAME', doc: pol({ Effect: 'Deny', Action: ['ims:images:delete*'] }) },
  {
    what: 'distinct Sids',
    code: 'DUPLICATE_SID',
    doc: {
      Version: '5.0',
      Statement: [
        { Sid: 'A', Effect: 'Deny', Action: ['ims:images:get'] },
        { Sid: 'B', Effect: 'Deny', Action: ['ims:images:list'] },
      ],
    },
  },
  {
    what: 'statements without Sid',
    code: 'DUPLICATE_SID',
    doc: {
      Version: '5.0',
      Statement: [
        { Effect: 'Deny', Action: ['ims:images:get'] },
        { Effect: 'Deny', Action: ['ims:images:list'] },
      ],
    },
  },
  {
    what: 'exactly one of each action',
    code: 'REDUNDANT_ACTION',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:list', 'ims:images:listImagesByTag', 'ims:images:copyInRegion', 'ims:images:copyCrossRegion'] }),
  },
  { what: 'distinct URNs', code: 'REDUNDANT_RESOURCE', doc: denyGet({ Resource: ['ims:*:*:image:a', 'ims:*:*:image:b'] }) },
  { what: 'distinct values', code: 'REDUNDANT_CONDITION_VALUE', doc: cond('StringEquals', 'g:UserName', ['alice', 'Alice']) },
  { what: 'one statement', code: 'EMPTY_POLICY', doc: denyGet() },
  { what: 'a non-empty Sid', code: 'EMPTY_SID', doc: denyGet({ Sid: 'x' }) },
  { what: 'NotAction of one action', code: 'STATEMENT_NEVER_APPLIES', doc: pol({ Effect: 'Deny', NotAction: ['ims:images:deleteImage'] }) },
];

describe('every finding code has a positive test', () => {
  it('the table (plus the limit sections) covers every code of codes.ts', () => {
    const covered = new Set<string>([...POSITIVE.map((c) => c.code), ...COVERED_ELSEWHERE]);
    const missing = Object.keys(FINDING_CODES).filter((c) => !covered.has(c));
    expect(missing).toEqual([]);
  });

  it('severities in codes.ts are the documented ones', () => {
    // The four severities, and a few anchors from the requirement.
    expect(new Set(Object.values(FINDING_CODES))).toEqual(new Set(['error', 'security_warning', 'warning', 'suggestion']));
    expect(FINDING_CODES.ALLOW_WITH_NOT_ACTION).toBe('security_warning');
    expect(FINDING_CODES.AWS_OPERATOR_NAME).toBe('warning');
    expect(FINDING_CODES.REDUNDANT_ACTION).toBe('suggestion');
    expect(FINDING_CODES.NULL_WITH_IF_EXISTS).toBe('error');
  });
});

describe('positive: the rule fires (code, severity, path, valid)', () => {
  it.each(POSITIVE.map((c) => [`${c.code}: ${c.what}`, c] as const))('%s', (_name, c) => {
    // Text cases (JSON_SYNTAX_ERROR, DUPLICATE_KEY) carry spans; everything else is given as an object.
    if (typeof c.doc === 'string') {
      const r = run(c.doc, c.opts);
      const hits = withCode(r, c.code);
      expect(hits.map((f) => f.path)).toContain(c.path);
      for (const f of hits) expect(f.severity).toBe(c.severity);
      expect(codesOf(r)).toEqual([...new Set([c.code, ...(c.also ?? [])])].sort());
      expect(r.valid).toBe(c.valid ?? c.severity !== 'error');
      for (const f of hits) expect(f.span).toBeDefined();
      return;
    }
    checkPositive(c);
  });
});

describe('negative twins: the nearest correct document does not produce the code', () => {
  it.each(NEGATIVE.map((c) => [`no ${c.code}: ${c.what}`, c] as const))('%s', (_name, c) => {
    checkNegative(c);
  });
});

// -------------------------------------------------------------------------------------------------------------
// Document kinds
// -------------------------------------------------------------------------------------------------------------

describe('three document kinds', () => {
  it('a 5.0 identity policy is valid with no findings', () => {
    const r = run({
      Version: '5.0',
      Statement: [
        { Sid: 'Read', Effect: 'Allow', Action: ['ims:images:list', 'ims:images:get'], Resource: ['*'] },
        { Sid: 'NoDelete', Effect: 'Deny', Action: ['ims:images:deleteImage'], Resource: ['ims:cn-north-4:acc-1:image:*'] },
      ],
    });
    expect(r).toEqual({ valid: true, findings: [], catalog_version: expect.any(String) });
    expect(r.catalog_version.length).toBeGreaterThan(0);
  });

  it('a 1.1 fine-grained policy (the documented IMS example) is valid with no findings', () => {
    expect(run({ Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] }).findings).toEqual([]);
    const r = run({
      Version: '1.1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['ims:images:list', 'ims:images:get'],
          Condition: { StringEndWithIfExists: { 'g:UserName': ['specialCharactor'] }, Bool: { 'g:MFAPresent': ['true'] } },
          Resource: ['*'],
        },
      ],
    });
    expect(r.findings).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('an SCP (5.0 grammar, Deny) is valid with no findings', () => {
    const r = run(
      {
        Version: '5.0',
        Statement: [
          {
            Effect: 'Deny',
            Action: ['ims:images:share', 'ims:images:addMember'],
            Resource: ['*'],
            Condition: { 'ForAnyValue:StringNotMatch': { 'ims:TargetOrgPaths': ['o-1/r-1/*'] } },
          },
        ],
      },
      SCP,
    );
    expect(r.findings).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('the type option defaults to identity and unknown types are treated as identity', () => {
    const doc = pol({ Effect: 'Allow', Action: ['ims:images:get'] });
    expect(run(doc).findings).toEqual([]);
    expect(run(doc, { type: 'identity' }).findings).toEqual([]);
    expect(codesOf(run(doc, SCP))).toEqual(['SCP_ALLOW_NOT_SUPPORTED']);
  });

  it('lib/index.js exports the same validate', () => {
    expect(validateFromIndex).toBe(validate);
  });

  it('valid is false exactly when an error is present, whatever the other severities', () => {
    const r = run(pol({ Effect: 'Allow', NotAction: ['ims:images:dlete'] }));
    expect(codesOf(r)).toEqual(['ALLOW_WITH_NOT_ACTION', 'UNKNOWN_ACTION']);
    expect(r.valid).toBe(false);
    const w = run(pol({ Effect: 'Allow', NotAction: ['ims:images:deleteImage'] }));
    expect(codesOf(w)).toEqual(['ALLOW_WITH_NOT_ACTION']);
    expect(w.valid).toBe(true);
  });

  it('findings are ordered by severity (errors first)', () => {
    const r = run(pol({ Effect: 'Allow', Sid: '', NotAction: ['ims:images:dlete', 'ims:images:dlete'], Condition: { StringLike: { 'g:UserName': 'a' } } }));
    const order = { error: 0, security_warning: 1, warning: 2, suggestion: 3 } as const;
    const ranks = r.findings.map((f) => order[f.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(r.findings.map((f) => f.severity))).toEqual(new Set(['error', 'security_warning', 'warning', 'suggestion']));
  });
});

// -------------------------------------------------------------------------------------------------------------
// Case-insensitive names (5.0)
// -------------------------------------------------------------------------------------------------------------

describe('action and condition key names are case-insensitive; tag keys keep their case', () => {
  it.each(['IMS:IMAGES:DELETEIMAGE', 'Ims:Images:DeleteImage', 'ims:images:DELETEIMAGE', 'iMs:iMaGeS:lIsT', 'IMS:*:GET*', 'IMS:IMAGES:*'])('%s is a known action', (action) => {
    expect(run(pol({ Effect: 'Deny', Action: [action] })).findings).toEqual([]);
  });

  it.each(['ims:IMAGES:DELETE', 'ims:images:Delete'])('%s is a known (legacy) action: no finding in 1.1, a warning in 5.0', (action) => {
    expect(run(pol({ Effect: 'Deny', Action: [action] }, '1.1')).findings).toEqual([]);
    expect(codesOf(run(pol({ Effect: 'Deny', Action: [action] })))).toEqual(['LEGACY_ACTION_NAME']);
  });

  it.each(['G:USERNAME', 'g:username', 'G:UserName'])('%s is g:UserName', (key) => {
    expect(run(cond('StringEquals', key, 'alice')).findings).toEqual([]);
  });

  it.each(['IMS:ENCRYPTED', 'ims:encrypted'])('%s is ims:Encrypted (and copyInRegion supports it)', (key) => {
    expect(run(cond('Bool', key, 'true', 'ims:images:copyInRegion')).findings).toEqual([]);
  });

  it('a multi-valued key is recognised in any case', () => {
    expect(codesOf(run(cond('StringEquals', 'G:TAGKEYS', ['env'], 'ims:images:create')))).toEqual(['MULTI_VALUED_KEY_WITHOUT_QUALIFIER']);
    expect(run(cond('ForAnyValue:StringEquals', 'G:TAGKEYS', ['env'], 'ims:images:create')).findings).toEqual([]);
  });

  it.each(['G:RESOURCETAG/Env', 'g:resourcetag/Env', 'g:ResourceTag/ENV'])('tag prefix in any case: %s', (key) => {
    expect(run(cond('StringEquals', key, 'prod', 'ims:images:showImageTags')).findings).toEqual([]);
  });

  it('findings keep the key as written (tag key case included)', () => {
    const r = run(cond('StringEquals', 'g:ResourceTag/CostCenter', 'prod', 'ims:images:list'));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.path).toBe('/Statement/0/Condition/StringEquals/g:ResourceTag~1CostCenter');
    expect(r.findings[0]?.message).toContain('CostCenter');
  });

  it('operator names are not case-insensitive', () => {
    expect(codesOf(run(cond('BOOL', 'g:MFAPresent', 'true')))).toEqual(['INVALID_CONDITION_OPERATOR']);
  });

  it('Effect and element names are not case-insensitive', () => {
    expect(codesOf(run(pol({ Effect: 'DENY', Action: ['ims:images:get'] })))).toEqual(['INVALID_EFFECT']);
    expect(codesOf(run(pol({ Effect: 'Deny', action: ['ims:images:get'] })))).toEqual(['INVALID_POLICY_ELEMENT', 'MISSING_ACTION']);
  });
});

// -------------------------------------------------------------------------------------------------------------
// An unreadable operator does not hide the keys of its block
// -------------------------------------------------------------------------------------------------------------

describe('an unknown operator and a misspelled key in the same block: both are reported', () => {
  const OP = (written: string, key: string, action = 'ims:images:list') => cond(written, key, ['a'], action);
  it.each([
    ['an unknown operator', 'StringEqulas', '/Statement/0/Condition/StringEqulas'],
    ['a misspelled qualifier', 'ForAnyValues:StringEquals', '/Statement/0/Condition/ForAnyValues:StringEquals'],
    ['Null with IfExists', 'NullIfExists', '/Statement/0/Condition/NullIfExists'],
  ])('%s', (_what, written, opPath) => {
    const r = run(OP(written, 'g:UserNme'));
    const op = r.findings.find((f) => f.path === opPath);
    expect(op?.code).toMatch(/^(INVALID_CONDITION_OPERATOR|NULL_WITH_IF_EXISTS)$/);
    const key = withCode(r, 'UNKNOWN_CONDITION_KEY');
    expect(key.map((f) => f.path)).toEqual([`${opPath}/g:UserNme`]);
    expect(key[0]?.suggestions?.[0]).toBe('g:UserName');
    expect(r.valid).toBe(false);
  });

  it('every key-name rule applies under an unknown operator (foreign, missing tag key, unverified, not supported by the action); value rules do not', () => {
    const r = run(
      pol({ Effect: 'Deny', Action: ['ims:images:list'], Condition: { StringEqulas: { 'obs:prefix': 'a', 'g:ResourceTag/': 'b', 'g:PrincipalType': 'c', 'ims:Encrypted': 'd', 'g:UserName': 'e' } } }),
    );
    const at = (code: string): string[] => withCode(r, code).map((f) => f.path.slice('/Statement/0/Condition/StringEqulas/'.length));
    expect(at('FOREIGN_CONDITION_KEY')).toEqual(['obs:prefix']);
    expect(at('MISSING_TAG_KEY')).toEqual(['g:ResourceTag~1']);
    expect(at('UNVERIFIED_CONDITION_KEY')).toEqual(['g:PrincipalType']);
    expect(at('CONDITION_KEY_NOT_SUPPORTED_BY_ACTION')).toEqual(['ims:Encrypted']);
    expect(codesOf(r)).toEqual(['CONDITION_KEY_NOT_SUPPORTED_BY_ACTION', 'FOREIGN_CONDITION_KEY', 'INVALID_CONDITION_OPERATOR', 'MISSING_TAG_KEY', 'UNVERIFIED_CONDITION_KEY']);
  });

  it('a well-spelled key under an unknown operator adds nothing', () => {
    expect(codesOf(run(OP('StringEqulas', 'g:UserName')))).toEqual(['INVALID_CONDITION_OPERATOR']);
  });

  it('a block that is not an object under an unknown operator adds nothing', () => {
    expect(codesOf(run(pol({ Effect: 'Deny', Action: ['ims:images:list'], Condition: { StringEqulas: 'g:UserNme' } })))).toEqual(['INVALID_CONDITION_OPERATOR']);
  });
});

// -------------------------------------------------------------------------------------------------------------
// "Did you mean"
// -------------------------------------------------------------------------------------------------------------

describe('did you mean', () => {
  it('ims:images:dlete suggests ims:images:deleteImage in 5.0 (the current name), ims:images:delete in 1.1', () => {
    const f = withCode(run(pol({ Effect: 'Deny', Action: ['ims:images:dlete'] })), 'UNKNOWN_ACTION')[0] as Finding;
    expect(f.suggestions).toEqual(['ims:images:deleteImage']);
    expect(f.message).toContain('ims:images:dlete');
    const legacy = withCode(run(pol({ Effect: 'Deny', Action: ['ims:images:dlete'] }, '1.1')), 'UNKNOWN_ACTION')[0] as Finding;
    expect(legacy.suggestions?.[0]).toBe('ims:images:delete');
  });

  it('no 5.0 suggestion is a legacy name: a close legacy name gives the current name(s) it designates', () => {
    for (const typo of ['ims:images:cpy', 'ims:images:updat', 'ims:images:delte', 'ims:images:copy*x']) {
      const f = run(pol({ Effect: 'Deny', Action: [typo] })).findings.find((x) => x.code === 'UNKNOWN_ACTION' || x.code === 'ACTION_MATCHES_NOTHING');
      for (const name of f?.suggestions ?? []) expect(['ims:images:copy', 'ims:images:update', 'ims:images:delete']).not.toContain(name);
    }
    const copy = withCode(run(pol({ Effect: 'Deny', Action: ['ims:images:cpy'] })), 'UNKNOWN_ACTION')[0] as Finding;
    expect(copy.suggestions).toEqual(expect.arrayContaining(['ims:images:copyInRegion', 'ims:images:copyCrossRegion']));
  });

  it('the legacy-name warning gives the mapping in its message', () => {
    const f = withCode(run(pol({ Effect: 'Deny', Action: ['ims:images:copy'] })), 'LEGACY_ACTION_NAME')[0] as Finding;
    expect(f.message).toContain('"ims:images:copy" is the legacy (1.1) name of ims:images:copyInRegion and ims:images:copyCrossRegion');
  });

  it('suggestions come from the catalog (an alias or canonical name), at most a few', () => {
    const f = withCode(run(pol({ Effect: 'Deny', Action: ['ims:images:shre'] })), 'UNKNOWN_ACTION')[0] as Finding;
    expect(f.suggestions?.[0]).toBe('ims:images:share');
    expect(f.suggestions?.length).toBeLessThanOrEqual(3);
  });

  it('a name far from everything gets no suggestions', () => {
    const f = withCode(run(pol({ Effect: 'Deny', Action: ['ims:zzzzzz:qqqqqqqqq'] })), 'UNKNOWN_ACTION')[0] as Finding;
    expect(f.suggestions ?? []).toEqual([]);
  });

  it('misspelled condition key and operator get suggestions', () => {
    expect(withCode(run(cond('StringEquals', 'g:SourceIP', '10.0.0.1')), 'UNKNOWN_CONDITION_KEY')).toEqual([]); // case only: known
    expect(withCode(run(cond('IpAddress', 'g:SoureIp', '10.0.0.1')), 'UNKNOWN_CONDITION_KEY')[0]?.suggestions?.[0]).toBe('g:SourceIp');
    expect(withCode(run(cond('NumberLessThen', 'g:MFAAge', '1')), 'INVALID_CONDITION_OPERATOR')[0]?.suggestions?.[0]).toBe('NumberLessThan');
  });
});

// -------------------------------------------------------------------------------------------------------------
// Typed condition values, by operator family
// -------------------------------------------------------------------------------------------------------------

const BAD_VALUES: Array<[family: string, operator: string, key: string, value: string]> = [
  ['date', 'DateLessThan', 'g:CurrentTime', 'tomorrow'],
  ['date', 'DateLessThan', 'g:CurrentTime', '2026-13-01'],
  ['date', 'DateGreaterThan', 'g:CurrentTime', '2026-02-30'],
  ['date', 'DateGreaterThanEquals', 'g:CurrentTime', '2026-01-01T25:00:00Z'],
  ['date', 'DateLessThanEquals', 'g:CurrentTime', '2026-01-01T12:60:00Z'],
  ['date', 'DateLessThan', 'g:CurrentTime', '2026-01-01T12:00:00+25:00'],
  ['date', 'DateLessThan', 'g:CurrentTime', '01/31/2026'],
  ['date', 'DateLessThan', 'g:CurrentTime', '1769904000'],
  ['date', 'DateLessThan', 'g:CurrentTime', ''],
  ['number', 'NumberEquals', 'g:MFAAge', 'ten'],
  ['number', 'NumberLessThan', 'g:MFAAge', '0x10'],
  ['number', 'NumberLessThanEquals', 'g:MFAAge', ''],
  ['number', 'NumberGreaterThan', 'g:MFAAge', '1e999'],
  ['number', 'NumberGreaterThanEquals', 'g:MFAAge', '1,000'],
  ['number', 'NumberNotEquals', 'g:MFAAge', 'NaN'],
  ['number', 'NumberEquals', 'g:MFAAge', 'Infinity'],
  ['boolean', 'Bool', 'g:MFAPresent', 'yes'],
  ['boolean', 'Bool', 'g:MFAPresent', '1'],
  ['boolean', 'Bool', 'g:MFAPresent', ''],
  ['null', 'Null', 'g:UserName', 'absent'],
  ['ip', 'IpAddress', 'g:SourceIp', 'localhost'],
  ['ip', 'IpAddress', 'g:SourceIp', '10.0.0.256'],
  ['ip', 'IpAddress', 'g:SourceIp', '10.0.0'],
  ['ip', 'IpAddress', 'g:SourceIp', '10.0.0.0/33'],
  ['ip', 'IpAddress', 'g:SourceIp', '10.0.0.0/'],
  ['ip', 'IpAddress', 'g:SourceIp', '10.0.0.0/-1'],
  ['ip', 'IpAddress', 'g:SourceIp', '10.0.0.0/8/8'],
  ['ip', 'IpAddress', 'g:SourceIp', ' 10.0.0.1'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '2001:db8::/129'],
  ['ipv6', 'NotIpAddress', 'g:SourceIp', '2001:db8:::1'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '1::2::3'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '2001:db8::g'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '1:2:3:4:5:6:7:8:9'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '1:2:3:4:5:6:7::8'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '12345::1'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '::ffff:10.0.0.256'],
];

const GOOD_VALUES: Array<[family: string, operator: string, key: string, value: string]> = [
  ['date', 'DateLessThan', 'g:CurrentTime', '2026-01-31'],
  ['date', 'DateLessThan', 'g:CurrentTime', '2026-01-31T23:59:59Z'],
  ['date', 'DateLessThan', 'g:CurrentTime', '2026-01-31T23:59:59.123+08:00'],
  ['date', 'DateLessThanEquals', 'g:CurrentTime', '2024-02-29T00:00:00Z'],
  ['number', 'NumberEquals', 'g:MFAAge', '3600'],
  ['number', 'NumberLessThan', 'g:MFAAge', '-1.5e3'],
  ['number', 'NumberLessThan', 'g:MFAAge', '0.5'],
  ['boolean', 'Bool', 'g:MFAPresent', 'true'],
  ['boolean', 'Bool', 'g:MFAPresent', 'false'],
  ['null', 'Null', 'g:UserName', 'true'],
  ['ip', 'IpAddress', 'g:SourceIp', '10.0.0.1'],
  ['ip', 'IpAddress', 'g:SourceIp', '10.0.0.0/8'],
  ['ip', 'IpAddress', 'g:SourceIp', '0.0.0.0/0'],
  ['ip', 'IpAddress', 'g:SourceIp', '10.0.0.0/32'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '2001:db8::/32'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '2001:db8::/128'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '::1'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '::'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '2001:0db8:0000:0000:0000:ff00:0042:8329'],
  ['ipv6', 'IpAddress', 'g:SourceIp', '::ffff:192.0.2.1'],
  ['ipv6', 'NotIpAddressIfExists', 'g:SourceIp', 'fe80::/10'],
];

describe('condition values must parse for the operator family', () => {
  it.each(BAD_VALUES)('%s: %s %s "%s" is INVALID_CONDITION_VALUE', (_family, operator, key, value) => {
    const r = run(cond(operator, key, [value]));
    expect(codesOf(r)).toEqual(['INVALID_CONDITION_VALUE']);
    const f = r.findings[0] as Finding;
    expect(f.severity).toBe('error');
    expect(f.path).toBe(`/Statement/0/Condition/${operator}/${key}/0`);
    expect(f.message).toContain(value === '' ? '""' : value);
    expect(r.valid).toBe(false);
  });

  it.each(GOOD_VALUES)('%s: %s %s "%s" is accepted', (_family, operator, key, value) => {
    const r = run(cond(operator, key, [value]));
    expect(r.findings).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('a bad value under a qualifier and IfExists is still reported', () => {
    const r = run(cond('ForAnyValue:StringEquals', 'g:TagKeys', ['env'], 'ims:images:create'));
    expect(r.findings).toEqual([]);
    const bad = run(cond('NumberLessThanIfExists', 'g:MFAAge', ['soon']));
    expect(withCode(bad, 'INVALID_CONDITION_VALUE').map((f) => f.path)).toEqual(['/Statement/0/Condition/NumberLessThanIfExists/g:MFAAge/0']);
  });

  it('string operators accept any text (no value check)', () => {
    expect(run(cond('StringEquals', 'g:UserName', ['', '10.0.0.999', 'not a date'])).findings).toEqual([]);
  });
});

// -------------------------------------------------------------------------------------------------------------
// 1.1 API limits, at the boundary
// -------------------------------------------------------------------------------------------------------------

function v11(statements: Array<Record<string, Json>>): Record<string, Json> {
  return { Version: '1.1', Statement: statements };
}
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const STRING_KEYS = [
  'g:DomainName',
  'g:ProjectName',
  'g:ServiceName',
  'g:UserId',
  'g:UserName',
  'g:PrincipalUrn',
  'g:PrincipalAccount',
  'g:PrincipalOrgPath',
  'g:PrincipalId',
  'g:PrincipalOrgId',
  'g:PrincipalOrgManagementAccountId',
];

describe('1.1 API limits', () => {
  it('8 statements are accepted, 9 are TOO_MANY_STATEMENTS at /Statement', () => {
    const stmt = { Effect: 'Deny', Action: ['ims:images:list'] };
    const ok = run(v11(range(8).map(() => ({ ...stmt }))));
    expect(ok.findings).toEqual([]);
    const bad = run(v11(range(9).map(() => ({ ...stmt }))));
    expect(codesOf(bad)).toEqual(['TOO_MANY_STATEMENTS']);
    expect(bad.findings[0]).toMatchObject({ code: 'TOO_MANY_STATEMENTS', severity: 'error', path: '/Statement' });
    expect(bad.valid).toBe(false);
    // 5.0 has no statement limit
    expect(run({ Version: '5.0', Statement: range(9).map(() => ({ ...stmt })) }).findings).toEqual([]);
  });

  it('100 actions are accepted, 101 are TOO_MANY_ACTIONS at /Statement/0/Action', () => {
    // Distinct actions of another service: each is a FOREIGN_ACTION warning, none is redundant.
    const actions = (n: number): string[] => range(n).map((i) => `obs:object:Op${i}`);
    const ok = run(v11([{ Effect: 'Deny', Action: actions(100) }]));
    expect(codesOf(ok)).toEqual(['FOREIGN_ACTION']);
    expect(ok.valid).toBe(true);
    const bad = run(v11([{ Effect: 'Deny', Action: actions(101) }]));
    expect(codesOf(bad)).toEqual(['FOREIGN_ACTION', 'TOO_MANY_ACTIONS']);
    expect(withCode(bad, 'TOO_MANY_ACTIONS')).toMatchObject([{ severity: 'error', path: '/Statement/0/Action' }]);
    expect(bad.valid).toBe(false);
    expect(codesOf(run(pol({ Effect: 'Deny', Action: actions(101) })))).toEqual(['FOREIGN_ACTION']);
  });

  it('10 resources are accepted, 11 are TOO_MANY_RESOURCES at /Statement/0/Resource', () => {
    const resources = (n: number): string[] => range(n).map((i) => `obs:*:*:bucket:b${i}`);
    const ok = run(v11([{ Effect: 'Deny', Action: ['obs:bucket:ListBucket'], Resource: resources(10) }]));
    expect(codesOf(ok)).toEqual(['FOREIGN_ACTION', 'FOREIGN_RESOURCE']);
    expect(ok.valid).toBe(true);
    const bad = run(v11([{ Effect: 'Deny', Action: ['obs:bucket:ListBucket'], Resource: resources(11) }]));
    expect(codesOf(bad)).toEqual(['FOREIGN_ACTION', 'FOREIGN_RESOURCE', 'TOO_MANY_RESOURCES']);
    expect(withCode(bad, 'TOO_MANY_RESOURCES')).toMatchObject([{ severity: 'error', path: '/Statement/0/Resource' }]);
    expect(bad.valid).toBe(false);
    expect(codesOf(run(pol({ Effect: 'Deny', Action: ['obs:bucket:ListBucket'], Resource: resources(11) })))).toEqual(['FOREIGN_ACTION', 'FOREIGN_RESOURCE']);
  });

  it('a 128-character resource is accepted, 129 is RESOURCE_TOO_LONG at its index', () => {
    const urn = (n: number): string => {
      const head = 'obs:*:*:object:';
      return head + 'x'.repeat(n - head.length);
    };
    expect(urn(128)).toHaveLength(128);
    const ok = run(v11([{ Effect: 'Deny', Action: ['obs:object:GetObject'], Resource: ['*', urn(128)] }]));
    expect(withCode(ok, 'RESOURCE_TOO_LONG')).toEqual([]);
    expect(ok.valid).toBe(true);
    const bad = run(v11([{ Effect: 'Deny', Action: ['obs:object:GetObject'], Resource: [urn(20), urn(129)] }]));
    expect(codesOf(bad)).toEqual(['FOREIGN_ACTION', 'FOREIGN_RESOURCE', 'RESOURCE_TOO_LONG']);
    expect(withCode(bad, 'RESOURCE_TOO_LONG')).toMatchObject([{ severity: 'error', path: '/Statement/0/Resource/1' }]);
    expect(bad.valid).toBe(false);
    expect(withCode(run(pol({ Effect: 'Deny', Action: ['obs:object:GetObject'], Resource: [urn(129)] })), 'RESOURCE_TOO_LONG')).toEqual([]);
  });

  it('10 conditions are accepted, 11 are TOO_MANY_CONDITIONS at /Statement/0/Condition', () => {
    const condition = (n: number): Record<string, Json> => ({ StringEquals: Object.fromEntries(STRING_KEYS.slice(0, n).map((k) => [k, ['v']])) });
    const ok = run(v11([{ Effect: 'Deny', Action: ['ims:images:list'], Condition: condition(10) }]));
    expect(ok.findings).toEqual([]);
    const bad = run(v11([{ Effect: 'Deny', Action: ['ims:images:list'], Condition: condition(11) }]));
    expect(codesOf(bad)).toEqual(['TOO_MANY_CONDITIONS']);
    expect(bad.findings[0]).toMatchObject({ severity: 'error', path: '/Statement/0/Condition' });
    expect(bad.valid).toBe(false);
    // spread over two operators: still 11
    const split = {
      StringEquals: Object.fromEntries(STRING_KEYS.slice(0, 6).map((k) => [k, ['v']])),
      StringNotEquals: Object.fromEntries(STRING_KEYS.slice(6, 11).map((k) => [k, ['v']])),
    };
    expect(codesOf(run(v11([{ Effect: 'Deny', Action: ['ims:images:list'], Condition: split }])))).toEqual(['TOO_MANY_CONDITIONS']);
    expect(run(pol({ Effect: 'Deny', Action: ['ims:images:list'], Condition: condition(11) })).findings).toEqual([]);
  });
});

// -------------------------------------------------------------------------------------------------------------
// Document size limits (characters of the minified JSON)
// -------------------------------------------------------------------------------------------------------------

/** A policy whose minified JSON is exactly `size` characters (padding in the Sid). */
function sized(size: number, effect: 'Allow' | 'Deny' = 'Deny'): Record<string, Json> {
  const doc = { Version: '5.0', Statement: [{ Sid: 'x', Effect: effect, Action: ['ims:images:list'] }] };
  const base = JSON.stringify(doc).length;
  (doc.Statement[0] as { Sid: string }).Sid = 'x'.repeat(size - base + 1);
  expect(JSON.stringify(doc).length).toBe(size);
  return doc;
}

describe('document size limits', () => {
  it('identity: 6,144 characters are accepted, 6,145 are POLICY_SIZE_EXCEEDED', () => {
    expect(run(sized(6144)).findings).toEqual([]);
    const bad = run(sized(6145));
    expect(codesOf(bad)).toEqual(['POLICY_SIZE_EXCEEDED']);
    expect(bad.findings[0]).toMatchObject({ severity: 'error', path: '' });
    expect(bad.findings[0]?.message).toContain('6145');
    expect(bad.findings[0]?.message).toContain('6144');
    expect(bad.valid).toBe(false);
  });

  it('SCP: 5,120 characters are accepted, 5,121 are POLICY_SIZE_EXCEEDED', () => {
    expect(run(sized(5120), SCP).findings).toEqual([]);
    const bad = run(sized(5121), SCP);
    expect(codesOf(bad)).toEqual(['POLICY_SIZE_EXCEEDED']);
    expect(bad.findings[0]).toMatchObject({ severity: 'error', path: '' });
    expect(bad.findings[0]?.message).toContain('5120');
    expect(bad.valid).toBe(false);
    // the same document is fine as an identity policy
    expect(run(sized(5121)).findings).toEqual([]);
  });

  it('1.1 policies have the identity limit', () => {
    const doc = (n: number): Record<string, Json> => {
      const d = { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:list'], Condition: { StringEquals: { 'g:UserName': [''] } } }] };
      const base = JSON.stringify(d).length;
      d.Statement[0]!.Condition.StringEquals['g:UserName'] = ['u'.repeat(n - base)];
      expect(JSON.stringify(d).length).toBe(n);
      return d;
    };
    expect(run(doc(6144)).findings).toEqual([]);
    expect(codesOf(run(doc(6145)))).toEqual(['POLICY_SIZE_EXCEEDED']);
  });

  it('whitespace does not count: pretty-printed text of a 6,144-character policy is accepted', () => {
    const text = JSON.stringify(sized(6144), null, 4);
    expect(text.length).toBeGreaterThan(6144);
    expect(run(text).findings).toEqual([]);
    const bigText = JSON.stringify(sized(6145), null, 4);
    expect(codesOf(run(bigText))).toEqual(['POLICY_SIZE_EXCEEDED']);
  });

  it('text and object input measure the same', () => {
    expect(codesOf(run(JSON.stringify(sized(5121)), SCP))).toEqual(['POLICY_SIZE_EXCEEDED']);
    expect(run(JSON.stringify(sized(5120)), SCP).findings).toEqual([]);
  });
});

// -------------------------------------------------------------------------------------------------------------
// SCP syntax revisions
// -------------------------------------------------------------------------------------------------------------

type Rev = '2024' | '2025-07' | '2025-12';
interface RevisionCase {
  what: string;
  doc: Json;
  /** Complete set of codes under each revision. */
  codes: Record<Rev, string[]>;
}

const REVISION_CASES: RevisionCase[] = [
  {
    what: 'Allow with Action on *',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['*'] }),
    codes: { '2024': [], '2025-07': ['SCP_ALLOW_NOT_SUPPORTED'], '2025-12': ['SCP_ALLOW_NOT_SUPPORTED'] },
  },
  {
    what: 'FullAccess-like Allow * on *',
    doc: pol({ Effect: 'Allow', Action: ['*'], Resource: ['*'] }),
    codes: { '2024': [], '2025-07': ['SCP_ALLOW_NOT_SUPPORTED'], '2025-12': ['SCP_ALLOW_NOT_SUPPORTED'] },
  },
  {
    what: 'Deny with NotAction',
    doc: pol({ Effect: 'Deny', NotAction: ['ims:images:get'] }),
    codes: { '2024': [], '2025-07': ['SCP_NOT_ACTION_NOT_SUPPORTED'], '2025-12': ['SCP_NOT_ACTION_NOT_SUPPORTED'] },
  },
  {
    what: 'Deny with NotResource',
    doc: denyGet({ NotResource: ['ims:*:*:image:img-1'] }),
    codes: { '2024': ['SCP_NOT_RESOURCE_NOT_SUPPORTED'], '2025-07': ['SCP_NOT_RESOURCE_NOT_SUPPORTED'], '2025-12': [] },
  },
  {
    what: 'Allow with NotAction',
    doc: pol({ Effect: 'Allow', NotAction: ['ims:images:get'] }),
    codes: {
      '2024': ['ALLOW_WITH_NOT_ACTION', 'SCP_ALLOW_WITH_NOT_ACTION'],
      '2025-07': ['ALLOW_WITH_NOT_ACTION', 'SCP_ALLOW_NOT_SUPPORTED', 'SCP_NOT_ACTION_NOT_SUPPORTED'],
      '2025-12': ['ALLOW_WITH_NOT_ACTION', 'SCP_ALLOW_NOT_SUPPORTED', 'SCP_NOT_ACTION_NOT_SUPPORTED'],
    },
  },
  {
    what: 'Allow with a Condition',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:get'], Condition: { StringEquals: { 'g:RequestedRegion': 'cn-north-4' } } }),
    codes: { '2024': ['SCP_ALLOW_WITH_CONDITION'], '2025-07': ['SCP_ALLOW_NOT_SUPPORTED'], '2025-12': ['SCP_ALLOW_NOT_SUPPORTED'] },
  },
  {
    what: 'Allow on a specific resource',
    doc: pol({ Effect: 'Allow', Action: ['ims:images:get'], Resource: ['ims:*:*:image:img-1'] }),
    codes: { '2024': ['SCP_ALLOW_WITH_RESOURCE'], '2025-07': ['SCP_ALLOW_NOT_SUPPORTED'], '2025-12': ['SCP_ALLOW_NOT_SUPPORTED'] },
  },
  {
    what: 'Deny with a wildcard inside the action',
    doc: pol({ Effect: 'Deny', Action: ['ims:*:get*'] }),
    codes: { '2024': ['SCP_ACTION_WILDCARD_POSITION'], '2025-07': [], '2025-12': [] },
  },
  {
    what: 'Deny with trailing wildcards only',
    doc: pol({ Effect: 'Deny', Action: ['ims:images:get*', 'ims:quotas:*', 'ims:images:lis?'] }),
    codes: { '2024': [], '2025-07': [], '2025-12': [] },
  },
  {
    what: 'Deny with Condition and specific resource',
    doc: denyGet({ Resource: ['ims:*:*:image:img-1'], Condition: { Bool: { 'g:MFAPresent': 'false' } } }),
    codes: { '2024': [], '2025-07': [], '2025-12': [] },
  },
];

describe('SCP syntax revisions', () => {
  const revisions: Rev[] = ['2024', '2025-07', '2025-12'];
  for (const c of REVISION_CASES) {
    for (const rev of revisions) {
      it(`${c.what} under ${rev}: ${c.codes[rev].join(', ') || 'no findings'}`, () => {
        const r = run(c.doc, { type: 'scp', scp_revision: rev });
        expect(codesOf(r)).toEqual([...c.codes[rev]].sort());
        for (const f of r.findings) if (f.code.startsWith('SCP_')) expect(f.severity).toBe('warning');
        expect(r.valid).toBe(true);
      });
    }
    it(`${c.what}: the default revision is 2025-12`, () => {
      expect(codesOf(run(c.doc, SCP))).toEqual(codesOf(run(c.doc, SCP_2025_12)));
    });
    it(`${c.what}: no SCP_ finding in an identity policy`, () => {
      expect(codesOf(run(c.doc)).filter((x) => x.startsWith('SCP_'))).toEqual([]);
      expect(codesOf(run(c.doc, { type: 'identity', scp_revision: '2024' })).filter((x) => x.startsWith('SCP_'))).toEqual([]);
    });
  }

  it('SCP findings point at the offending element', () => {
    const r = run(
      {
        Version: '5.0',
        Statement: [
          { Effect: 'Deny', Action: ['ims:images:get'] },
          { Effect: 'Allow', Action: ['ims:images:list'] },
        ],
      },
      SCP,
    );
    expect(r.findings).toMatchObject([{ code: 'SCP_ALLOW_NOT_SUPPORTED', path: '/Statement/1/Effect', severity: 'warning' }]);
  });

  it('identity-only security warnings do not fire in SCPs', () => {
    const r = run(pol({ Effect: 'Allow', Action: ['ims:images:share'] }), SCP_2024);
    expect(r.findings).toEqual([]);
  });
});

// -------------------------------------------------------------------------------------------------------------
// Bad input never throws
// -------------------------------------------------------------------------------------------------------------

describe('bad input never throws out of the library', () => {
  const inputs: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['a function', () => 1],
    ['a boolean', true],
    ['an Action holding a function', { Version: '5.0', Statement: [{ Effect: 'Deny', Action: [() => 1] }] }],
    ['a Statement of nulls', { Version: '5.0', Statement: [null, null] }],
    ['a condition with a nested array value', cond('StringEquals', 'g:UserName', [['a']])],
    [
      'a cyclic object',
      (() => {
        const o: Record<string, unknown> = { Version: '5.0', Statement: [] };
        o['Self'] = o;
        return o;
      })(),
    ],
    ['a lone surrogate', '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:\ud800"]}]}'],
    ['a control character', '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:\u0001"]}]}'],
  ];
  it.each(inputs)('%s', (_what, input) => {
    const r = run(input);
    expect(r.valid).toBe(false);
    expect(r.findings.length).toBeGreaterThan(0);
    for (const f of r.findings) {
      expect(Object.keys(FINDING_CODES)).toContain(f.code);
      expect(f.severity).toBe(FINDING_CODES[f.code as FindingCode]);
    }
  });
});
