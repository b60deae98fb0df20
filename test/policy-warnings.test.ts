/**
 * The validator and the engine agree on every inline policy (docs/semantics.md, "Policies the engine
 * refuses, and their warnings"): a policy validate calls invalid is INVALID_POLICY in evaluate and explain
 * (with the same error findings), a valid one is decided, and its warnings and security warnings, as validate
 * reports them, are the response's `warnings` after the request's own, at most MAX_POLICY_WARNINGS lines
 * and one that counts the rest. A set compiled once (createEvaluator) renders them once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEvaluator, evaluate, explain, MAX_POLICY_WARNINGS, validate } from '../lib/index.js';
import type { ErrorResponse, EvaluateRequest, EvaluateResponse, Finding, InlinePolicy, PolicyDocument } from '../lib/types.js';

const P = { account_id: 'acc-1', user_name: 'alice' };
const IMG = 'ims:cn-north-4:acc-1:image:img-1';

/** The lines the rule gives for one policy's findings (written here from the documented format). */
function expectedLines(id: string, findings: readonly Finding[], level?: string): string[] {
  return findings
    .filter((f) => f.severity === 'warning' || f.severity === 'security_warning')
    .map((f) => `policy "${id}"${level ? ` (SCP level ${level})` : ''} ${f.path || 'document'}: ${f.code} (${f.severity === 'security_warning' ? 'security warning' : 'warning'}): ${f.message}`);
}

function capped(lines: string[]): string[] {
  if (lines.length <= MAX_POLICY_WARNINGS) return lines;
  const more = lines.length - MAX_POLICY_WARNINGS;
  return [...lines.slice(0, MAX_POLICY_WARNINGS), `... and ${more} more policy warning${more > 1 ? 's' : ''} (validate the policies for the full list).`];
}

const isError = (r: unknown): r is ErrorResponse => typeof r === 'object' && r !== null && 'error' in r;

describe("inline policies' warnings reach evaluate and explain", () => {
  const legacy: PolicyDocument = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:delete'], Resource: ['ims:cn-north-4:acc-1:image:*'] }] };

  it('a policy validate warns about: the same findings, as lines, in evaluate and in explain (and its text)', () => {
    const findings = validate(legacy).findings;
    expect(findings.map((f) => f.code)).toEqual(['LEGACY_ACTION_NAME']);
    const req: EvaluateRequest = { principal: P, action: 'ims:images:deleteImage', resource: IMG, policies: [{ id: 'del', document: legacy }] };
    const r = evaluate(req) as EvaluateResponse;
    expect(r.decision).toBe('allow');
    expect(r.warnings).toEqual(expectedLines('del', findings));
    expect(r.warnings[0]).toBe(
      'policy "del" /Statement/0/Action/0: LEGACY_ACTION_NAME (warning): "ims:images:delete" is the legacy (1.1) name of ims:images:deleteImage; 5.0 policies use the current name: write "ims:images:deleteImage".',
    );
    const x = explain(req);
    expect(isError(x)).toBe(false);
    if (isError(x)) return;
    expect(x.warnings).toEqual(r.warnings);
    expect(x.text).toContain(`\nWarning: ${r.warnings[0]}\n`);
  });

  it("the request's warnings come first, then the policies'; SCPs name their level; suggestions are left out", () => {
    const scp: PolicyDocument = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] };
    const twice: PolicyDocument = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:get', 'ims:images:get'] }] };
    expect(validate(twice).findings.map((f) => f.severity)).toEqual(['suggestion']);
    const r = evaluate({
      principal: { ...P, org_path: 'o-1/r-1/acc-1' },
      action: 'ims:images:get',
      policies: [
        { id: 'twice', document: twice },
        { id: 'del', document: legacy },
      ],
      scps: [{ level: 'r-1', policies: [{ id: 'full', document: scp }] }],
    }) as EvaluateResponse;
    expect(r.warnings[0]).toContain('No complete resource URN');
    expect(r.warnings.slice(1)).toEqual([...expectedLines('del', validate(legacy).findings), ...expectedLines('full', validate(scp, { type: 'scp' }).findings, 'r-1')]);
  });

  it(`at most ${MAX_POLICY_WARNINGS} lines, then one that says how many more`, () => {
    // Twelve statements, each with a legacy name: twelve warnings.
    const many: PolicyDocument = { Version: '5.0', Statement: Array.from({ length: 12 }, () => ({ Effect: 'Deny', Action: ['ims:images:update'] })) };
    const findings = validate(many).findings;
    expect(findings.filter((f) => f.severity === 'warning')).toHaveLength(12);
    const r = evaluate({ principal: P, action: 'ims:images:list', policies: [{ id: 'many', document: many }] }) as EvaluateResponse;
    expect(r.warnings).toHaveLength(MAX_POLICY_WARNINGS + 1);
    expect(r.warnings).toEqual(capped(expectedLines('many', findings)));
    expect(r.warnings[MAX_POLICY_WARNINGS]).toBe('... and 2 more policy warnings (validate the policies for the full list).');
    // The cap is over the whole set, not per policy.
    const two = evaluate({
      principal: P,
      action: 'ims:images:list',
      policies: [
        { id: 'a', document: many },
        { id: 'b', document: legacy },
      ],
    }) as EvaluateResponse;
    expect(two.warnings[MAX_POLICY_WARNINGS]).toBe('... and 3 more policy warnings (validate the policies for the full list).');
  });

  it('createEvaluator validates once: no policy is read again per request, the warnings come every time', () => {
    let reads = 0;
    const counted = {
      Version: '5.0',
      get Statement() {
        reads++;
        return [{ Effect: 'Allow', Action: ['ims:images:copy'] }];
      },
    } as unknown as PolicyDocument;
    const pdp = createEvaluator({ policies: [{ id: 'copy', document: counted }] });
    const afterCompile = reads;
    expect(afterCompile).toBeGreaterThan(0);
    const first = pdp.evaluate({ principal: P, action: 'ims:images:copyInRegion', resource: IMG }) as EvaluateResponse;
    for (let i = 0; i < 50; i++) pdp.evaluate({ principal: P, action: 'ims:images:copyInRegion', resource: IMG });
    const last = pdp.evaluate({ principal: P, action: 'ims:images:copyInRegion', resource: IMG }) as EvaluateResponse;
    expect(reads).toBe(afterCompile);
    expect(first.warnings.some((w) => w.includes('LEGACY_ACTION_NAME'))).toBe(true);
    expect(last.warnings).toEqual(first.warnings);
    // A response's warnings are its own: changing one does not change the next.
    first.warnings.push('x');
    expect((pdp.evaluate({ principal: P, action: 'ims:images:copyInRegion', resource: IMG }) as EvaluateResponse).warnings).toEqual(last.warnings);
    // Turned off (the by-reference path: stored policies were validated when written).
    expect(
      (createEvaluator({ policies: [{ id: 'copy', document: counted }] }, { policyWarnings: false }).evaluate({ principal: P, action: 'ims:images:copyInRegion', resource: IMG }) as EvaluateResponse)
        .warnings,
    ).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Validator and engine agree, on random documents
// ---------------------------------------------------------------------------------------------------------

/** Mostly well-formed pieces (each with its own warnings), some broken ones: both outcomes occur often. */
const mostly = <T>(good: T[], bad: T[]): fc.Arbitrary<T> => fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
const action = mostly(
  ['ims:images:get', 'ims:images:list', 'ims:images:deleteImage', 'ims:images:delete', 'ims:images:copy', 'ims:*', 'ims:*:delet?', 'obs:object:GetObject', '*', 'ims:images:share'],
  ['ims:images:dlete', 'IMS:images:get', 'ims:images:zz*', 'ims images get'],
);
const resource = mostly(['*', '**', IMG, 'IMS:*:*:image:*', 'obs:*:*:bucket:b'], ['ims:*:*:imag:x', 'img-1', '*:*:*:image:x']);
const condition = mostly<Record<string, unknown> | undefined>(
  [
    undefined,
    undefined,
    { StringEquals: { 'g:UserName': ['alice'] } },
    { 'ForAnyValue:StringEquals': { 'g:TagKeys': ['env'] } },
    { StringEquals: { 'g:TagKeys': ['env'] } },
    { StringEquals: { 'obs:prefix': ['a'] } },
    { StringLike: { 'g:UserName': ['a*'] } },
    { StringEquals: { 'g:PrincipalType': ['User'] } },
  ],
  [
    { StringEqulas: { 'g:UserNme': ['alice'] } },
    { StringEquals: { 'g:UserNme': ['alice'] } },
    { StringEqulas: { 'g:UserName': ['alice'] } },
    { Bool: { 'g:MFAPresent': ['yes'] } },
    { NullIfExists: { 'g:UserName': ['true'] } },
  ],
);
const statement = fc
  .record({
    effect: mostly(['Allow', 'Deny'], ['allow']),
    notAction: fc.boolean(),
    actions: fc.array(action, { minLength: 1, maxLength: 3 }),
    resourceMode: fc.constantFrom('none', 'list', 'not'),
    resources: fc.array(resource, { minLength: 1, maxLength: 2 }),
    condition,
    sid: fc.constantFrom(undefined, 'S', ''),
    extra: mostly([undefined], ['Acton', 'Principal']),
  })
  .map((s) => {
    const st: Record<string, unknown> = { Effect: s.effect, [s.notAction ? 'NotAction' : 'Action']: s.actions };
    if (s.resourceMode === 'list') st.Resource = s.resources;
    if (s.resourceMode === 'not') st.NotResource = s.resources;
    if (s.condition) st.Condition = s.condition;
    if (s.sid !== undefined) st.Sid = s.sid;
    if (s.extra) st[s.extra] = ['x'];
    return st;
  });
const documentArb = fc
  .record({ version: mostly(['5.0', '1.1'], ['2.0']), statements: fc.array(statement, { minLength: 1, maxLength: 2 }) })
  .map((d) => ({ Version: d.version, Statement: d.statements }) as PolicyDocument);

describe('validator and engine agree', () => {
  it('on random identity policies and SCPs: invalid <=> INVALID_POLICY (same errors); valid => decided, with the warnings validate gives', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(documentArb, fc.boolean(), fc.boolean(), (document, asScp, asText) => {
        const policy: InlinePolicy = { id: 'p', document: asText ? JSON.stringify(document) : document };
        const v = validate(policy.document, { type: asScp ? 'scp' : 'identity' });
        const req: EvaluateRequest = asScp
          ? { principal: { ...P, org_path: 'o-1/r-1/acc-1' }, action: 'ims:images:get', resource: IMG, scps: [{ level: 'r-1', policies: [policy] }] }
          : { principal: P, action: 'ims:images:get', resource: IMG, policies: [policy] };
        for (const r of [evaluate(req), explain(req)]) {
          if (!v.valid) {
            expect(isError(r) && r.error.code, JSON.stringify(v.findings.map((f) => f.code))).toBe('INVALID_POLICY');
            const details = (r as ErrorResponse).error.details as unknown as Array<{ findings: Finding[] }>;
            expect(details[0]?.findings).toEqual(v.findings.filter((f) => f.severity === 'error'));
          } else {
            expect(isError(r), JSON.stringify(r)).toBe(false);
            expect((r as EvaluateResponse).warnings).toEqual(capped(expectedLines('p', v.findings, asScp ? 'r-1' : undefined)));
          }
        }
        if (v.valid) valid++;
        else invalid++;
      }),
      { numRuns: 400, seed: 20261201 },
    );
    // Not vacuous: both sides occur often.
    expect(valid).toBeGreaterThan(40);
    expect(invalid).toBeGreaterThan(40);
  });

  it('the 1.1 Resource rule in particular: an IMS resource in 1.1 is an error in validate and INVALID_POLICY in evaluate; "*" and other services are neither', () => {
    const doc = (res: string[]): PolicyDocument => ({ Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete', 'obs:object:DeleteObject'], Resource: res }] });
    for (const [res, ok] of [
      [[IMG], false],
      [['IMS:*:*:image:*'], false],
      [['*', IMG], false],
      [['*'], true],
      [['**'], true],
      [['obs:*:*:object:b/*'], true],
    ] as Array<[string[], boolean]>) {
      expect(validate(doc(res)).valid, res.join()).toBe(ok);
      const r = evaluate({ principal: P, action: 'ims:images:deleteImage', resource: IMG, policies: [{ id: 'd', document: doc(res) }] });
      expect(isError(r) ? r.error.code : 'decided', res.join()).toBe(ok ? 'decided' : 'INVALID_POLICY');
    }
  });
});
