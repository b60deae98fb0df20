/**
 * The playground's own logic, without a browser: the completion scanner (checked against a real JSON parser,
 * Lezer's, on every string of generated documents), the roles it gives, findings as diagnostics with fixes that
 * really fix, the share link codec, the request builder's state <-> EvaluateRequest mapping, and the browser
 * build (node:crypto replaced, any other Node built-in refused).
 */
import { parser } from '@lezer/json';
import type { SyntaxNode } from '@lezer/common';
import { build } from 'esbuild';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, explain, validate } from '../lib/index.js';
import { isErrorResponse, type EvaluateRequest, type ExplainResponse } from '../lib/types.js';
import { browserPlatform } from '../scripts/build-web.js';
import type { AnalysisAnswer } from '../web/src/analysis-protocol.js';
import { answer } from '../web/src/analysis-run.js';
import { completionsAt, roleOf, scanTo, type Role } from '../web/src/complete.js';
import { lineColumn, markOf } from '../web/src/findings.js';
import { randomUUID } from '../web/src/platform/crypto.js';
import { decidingStatements, traceStatement } from '../web/src/results.js';
import { decodeState, encodeState, stateProblem } from '../web/src/share.js';
import { defaultState, fromEvaluateRequest, policySet, requestOnly, toEvaluateRequest, type PlaygroundState } from '../web/src/state.js';

const root = join(import.meta.dirname, '..');

// ---------------------------------------------------------------------------------------------------------
// Completion: the tolerant scanner against Lezer's parse tree (the oracle) on complete documents.

/** The role of a string node from the parse tree: the same rules as complete.ts, read from a real parser. */
function oracleRole(node: SyntaxNode, text: string): Role | null {
  const name = (prop: SyntaxNode | null): string | null => {
    const key = prop?.getChild('PropertyName');
    return key ? (JSON.parse(text.slice(key.from, key.to)) as string) : null;
  };
  // Containers from the string outwards: Object / Array, with the Property each object value sits in.
  const chain: Array<{ kind: 'object' | 'array'; prop: SyntaxNode | null }> = [];
  const isKey = node.name === 'PropertyName';
  for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
    if (n.name === 'Object' || n.name === 'Array') chain.push({ kind: n.name === 'Object' ? 'object' : 'array', prop: n.parent?.name === 'Property' ? n.parent : null });
  }
  const ownProp = isKey ? node.parent : node.parent?.name === 'Property' ? node.parent : null;
  const depth = chain.length;
  const at = (k: number): { kind: 'object' | 'array'; prop: SyntaxNode | null } | undefined => chain[k];
  const inStatement = (k: number): boolean => {
    const f = at(k);
    if (f?.kind !== 'object') return false;
    if (f.prop) return name(f.prop) === 'Statement' && depth - k === 2;
    const arr = at(k + 1);
    return arr?.kind === 'array' && name(arr.prop) === 'Statement' && depth - k === 3;
  };
  if (isKey) {
    if (depth === 1) return 'document_key';
    if (inStatement(0)) return 'statement_key';
    if (name(at(0)?.prop ?? null) === 'Condition' && inStatement(1)) return 'operator';
    if (at(0)?.prop && name(at(1)?.prop ?? null) === 'Condition' && inStatement(2)) return 'condition_key';
    return null;
  }
  const top = at(0);
  const valueKey = top?.kind === 'array' ? name(top.prop) : name(ownProp);
  if ((valueKey === 'Action' || valueKey === 'NotAction') && inStatement(top?.kind === 'array' ? 1 : 0)) return 'action';
  if (top?.kind === 'object' && valueKey === 'Effect' && inStatement(0)) return 'effect';
  if (top?.kind === 'object' && valueKey === 'Version' && depth === 1) return 'version';
  return null;
}

function strings(text: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  parser.parse(text).iterate({ enter: (n) => void ((n.name === 'String' || n.name === 'PropertyName') && out.push(n.node)) });
  return out;
}

const word = fc.constantFrom('Version', 'Statement', 'Effect', 'Action', 'NotAction', 'Resource', 'Condition', 'Sid', 'Bool', 'StringEquals', 'ims:Encrypted', 'x', 'a"b', 'c\\d');
const leaf = fc.oneof(word, fc.integer(), fc.boolean(), fc.constant(null));
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(word, tie('value'), { maxKeys: 4 }),
})).value;
/** Policy-shaped documents (so the roles are hit) and arbitrary JSON around them. */
const policyDoc = fc.record(
  {
    Version: fc.oneof(fc.constantFrom('5.0', '1.1'), jsonValue),
    Statement: fc.oneof(
      fc.array(
        fc.record(
          {
            Effect: fc.oneof(word, jsonValue),
            Action: fc.oneof(fc.array(word, { maxLength: 3 }), word, jsonValue),
            Condition: fc.dictionary(word, fc.oneof(fc.dictionary(word, fc.array(word, { maxLength: 2 }), { maxKeys: 2 }), jsonValue), { maxKeys: 2 }),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      fc.record({ Effect: word, NotAction: fc.array(word, { maxLength: 2 }) }),
      jsonValue,
    ),
  },
  { requiredKeys: [] },
);

describe('completion context (complete.ts)', () => {
  it('the scanner gives every string of a complete document the role the parse tree gives it', () => {
    fc.assert(
      fc.property(policyDoc, fc.constantFrom(0, 2), (doc, indent) => {
        const text = JSON.stringify(doc, null, indent);
        for (const node of strings(text)) {
          const scan = scanTo(text, node.from + 1);
          expect(scan, `a string at ${node.from} of ${text}`).not.toBeNull();
          expect(roleOf(scan!.stack), `${text.slice(node.from, node.to)} at ${node.from} of ${text}`).toBe(oracleRole(node, text));
        }
        // Outside strings, nothing is offered.
        expect(completionsAt(text, text.length)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  const at = (text: string): ReturnType<typeof completionsAt> => completionsAt(text, text.length);

  it('offers actions with access level and description, 1.1 names as such', () => {
    const c = at('{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:co');
    expect(c?.role).toBe('action');
    expect(c?.from).toBe('{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["'.length);
    const copy = c?.options.find((o) => o.label === 'ims:images:copyInRegion');
    expect(copy).toMatchObject({ detail: 'write', info: 'Grants permission to replicate images within a region.' });
    expect(c?.options.find((o) => o.label === 'ims:images:copy')?.detail).toMatch(/1\.1 name of/);
    expect(at('{"Statement":{"Effect":"Deny","NotAction":"ims:')?.role).toBe('action');
  });

  it('offers condition keys with their type, operators, elements and fixed values where they go', () => {
    const key = at('{"Statement":[{"Condition":{"Bool":{"ims:Enc');
    expect(key?.role).toBe('condition_key');
    expect(key?.options.find((o) => o.label === 'ims:Encrypted')?.detail).toBe('boolean · IMS key');
    expect(key?.options.find((o) => o.label === 'g:ResourceTag/')?.info).toMatch(/tag key after the slash/);
    expect(at('{"Statement":[{"Condition":{"Str')?.options.map((o) => o.label)).toContain('StringEquals');
    expect(at('{"Statement":[{"Eff')?.role).toBe('statement_key');
    expect(at('{"Ver')?.role).toBe('document_key');
    expect(at('{"Statement":[{"Effect":"A')?.options.map((o) => o.label)).toEqual(['Allow', 'Deny']);
    expect(at('{"Version":"')?.options.map((o) => o.label)).toEqual(['5.0', '1.1']);
    expect(at('{"Statement":[{"Resource":["ims:')).toBeNull();
    expect(at('{"Statement":[{"Condition":{"Bool":{"ims:Encrypted":["')).toBeNull();
  });

  it('replaces up to the closing quote when the string is closed', () => {
    const text = '{"Statement":[{"Action":["ims:images:dlete"]}]}';
    const pos = text.indexOf('dlete');
    const c = completionsAt(text, pos);
    expect(text.slice(c!.from, c!.to)).toBe('ims:images:dlete');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Findings as diagnostics.

describe('findings as diagnostics (findings.ts)', () => {
  it('a suggestion fix replaces the quoted span and the finding goes away', () => {
    const actions = ['ims:images:list', 'ims:images:dlete', 'ims:images:copyInRegon', 'ims:images:gett'];
    for (const bad of actions.slice(1)) {
      const text = JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:list', bad], Resource: ['*'] }] }, null, 2);
      const finding = validate(text).findings.find((f) => f.code === 'UNKNOWN_ACTION');
      expect(finding, bad).toBeDefined();
      const mark = markOf(finding!, text);
      expect(text.slice(mark.from, mark.to)).toBe(JSON.stringify(bad));
      expect(mark.severity).toBe('error');
      expect(mark.fixes.length).toBeGreaterThan(0);
      const fix = mark.fixes[0]!;
      const fixed = text.slice(0, fix.from) + fix.insert + text.slice(fix.to);
      expect(JSON.parse(fixed)).toBeTruthy();
      expect(validate(fixed).findings.filter((f) => f.code === 'UNKNOWN_ACTION')).toEqual([]);
      const { line } = lineColumn(text, mark.from);
      expect(text.split('\n')[line - 1]).toContain(bad);
    }
  });

  it('a finding without a span marks the first character and offers no fix; spans past the end are clamped', () => {
    const m = markOf({ code: 'X', severity: 'suggestion', message: 'm', path: '', suggestions: ['a'] }, '{}');
    expect(m).toMatchObject({ from: 0, to: 1, severity: 'info', fixes: [] });
    const p = { line: 1, column: 50, offset: 50 };
    expect(markOf({ code: 'X', severity: 'warning', message: 'm', path: '', span: { start: p, end: p } }, '{}')).toMatchObject({ from: 2, to: 2 });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Share link.

describe('share link (share.ts)', () => {
  it('decodes what it encodes, for any text in the tabs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ id: fc.string({ maxLength: 20 }), text: fc.string({ unit: 'binary', maxLength: 300 }), scp: fc.boolean() }), { maxLength: 5 }), async (tabs) => {
        const state: PlaygroundState = { ...defaultState(), tabs: tabs.map((t) => (t.scp ? { id: t.id, type: 'scp', level: 'r-1', text: t.text } : { id: t.id, type: 'identity', text: t.text })) };
        const hash = await encodeState(state);
        expect(hash).toMatch(/^#s=[A-Za-z0-9_-]*$/);
        expect(await decodeState(hash)).toEqual(state);
      }),
      { numRuns: 15 },
    );
  }, 60_000);

  it('compresses: the default state fits a short link', async () => {
    const hash = await encodeState(defaultState());
    expect(hash.length).toBeLessThan(JSON.stringify(defaultState()).length * 0.6);
  });

  it('refuses damaged or foreign fragments with a message, ignores other fragments', async () => {
    expect(await decodeState('')).toBeNull();
    expect(await decodeState('#section-2')).toBeNull();
    expect(await decodeState('#s=AAAA-broken')).toBeInstanceOf(Error);
    const other = await encodeState({ ...defaultState(), v: 2 } as unknown as PlaygroundState);
    expect(String(await decodeState(other))).toMatch(/version 2/);
    expect(stateProblem({ ...defaultState(), tabs: [{ id: 1, type: 'identity', text: '' }] })).toMatch(/malformed policy tab/);
    expect(stateProblem({ ...defaultState(), request: { ...defaultState().request, context: [{ key: 'k', value: 1 }] } })).toMatch(/context row/);
    expect(stateProblem(defaultState())).toBeNull();
  });

  it('carries the compare baseline and the view in front, and checks them', async () => {
    const state: PlaygroundState = { ...defaultState(), baseline: defaultState().tabs, view: 'compare' };
    expect(await decodeState(await encodeState(state))).toEqual(state);
    expect(stateProblem({ ...defaultState(), baseline: 'x' })).toMatch(/compare baseline/);
    expect(stateProblem({ ...defaultState(), baseline: [{ id: 'a', type: 'other', text: '' }] })).toMatch(/malformed policy tab in its compare baseline/);
    expect(stateProblem({ ...defaultState(), baseline: Array.from({ length: 51 }, () => defaultState().tabs[0]) })).toMatch(/at most 50/);
    expect(stateProblem({ ...defaultState(), view: 7 })).toMatch(/result view/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The compare and summary views' analysis (analysis-run.ts, run by the worker) and its place in the build.

/** The default page with the first tab's `ims:images:*` replaced by `actions`. */
function withActions(actions: string): PlaygroundState {
  const s = defaultState();
  s.tabs[0]!.text = s.tabs[0]!.text.replace('"ims:images:*"', actions);
  return s;
}

describe('compare and summary analysis (analysis-run.ts)', () => {
  it('widening get* to * is new access, each region in words with a witness the current policies allow and the baseline denies', () => {
    const baseline = withActions('"ims:images:get*"');
    const current = withActions('"ims:images:*"');
    const a = answer({ kind: 'compare', baseline: policySet(baseline), current: policySet(current) }) as Extract<AnalysisAnswer, { kind: 'compare' }>;
    if (isErrorResponse(a.no_new_access) || isErrorResponse(a.diff)) throw new Error('analysis error');
    expect(a.no_new_access.result).toBe('FAIL');
    const actions = a.no_new_access.findings.map((f) => f.action);
    expect(actions).toContain('ims:images:deleteImage');
    expect(actions.filter((x) => x.startsWith('ims:images:get'))).toEqual([]);
    expect(a.diff.findings.filter((f) => f.kind === 'lost_access')).toEqual([]);
    for (const f of a.no_new_access.findings) {
      expect(f.resources_text).toBe('ims:cn-north-4:acc-1:image:*');
      expect(f.principals_text).toMatch(/^users and agencies/);
      expect(f.granted_by[0]?.text).toMatch(/^policy image-admin statement 0 "ManageImagesInBeijing4" \(line 4\)$/);
      // The witness, loaded into the builder as the page does, is allowed now and was denied before.
      const decide = (s: PlaygroundState): string => (explain(toEvaluateRequest({ ...s, request: fromEvaluateRequest(f.witness, s.request) })) as ExplainResponse).decision;
      expect([f.action, decide(current)]).toEqual([f.action, 'allow']);
      expect([f.action, decide(baseline)]).toEqual([f.action, 'deny']);
    }
    // The reverse edit takes the same access away.
    const back = answer({ kind: 'compare', baseline: policySet(current), current: policySet(baseline) }) as Extract<AnalysisAnswer, { kind: 'compare' }>;
    if (isErrorResponse(back.no_new_access) || isErrorResponse(back.diff)) throw new Error('analysis error');
    expect(back.no_new_access.result).toBe('PASS');
    expect(back.diff.findings.map((f) => [f.kind, f.action])).toEqual(actions.map((x) => ['lost_access', x]));
  });

  it('a witness that needs a key IAM fills absent (null) loads as such, and is allowed', () => {
    const baseline = withActions('"ims:images:get"');
    const current = defaultState();
    current.tabs[0]!.text = JSON.stringify({
      Version: '5.0',
      Statement: [{ Effect: 'Allow', Action: ['ims:images:deleteImage'], Resource: ['*'], Condition: { Null: { 'g:PrincipalOrgId': ['true'] } } }],
    });
    const a = answer({ kind: 'compare', baseline: policySet(baseline), current: policySet(current) }) as Extract<AnalysisAnswer, { kind: 'compare' }>;
    if (isErrorResponse(a.no_new_access)) throw new Error('analysis error');
    const f = a.no_new_access.findings.find((x) => x.action === 'ims:images:deleteImage');
    expect(f?.witness.context?.['g:PrincipalOrgId']).toBeNull();
    const request = fromEvaluateRequest(f!.witness, current.request);
    expect(request.context.find((c) => c.key === 'g:PrincipalOrgId')).toMatchObject({ absent: true, enabled: true });
    expect(requestOnly(request).context?.['g:PrincipalOrgId']).toBeNull();
    expect((explain(toEvaluateRequest({ ...current, request })) as ExplainResponse).decision).toBe('allow');
  });

  it('an invalid policy is an error answer, not an exception', () => {
    const s = defaultState();
    s.tabs[0]!.text = '{"Version": "5.0", "Statement": [';
    const a = answer({ kind: 'compare', baseline: policySet(defaultState()), current: policySet(s) }) as Extract<AnalysisAnswer, { kind: 'compare' }>;
    expect(isErrorResponse(a.no_new_access) && a.no_new_access.error.code).toBe('INVALID_POLICY');
  });

  it('the summary gives every catalog action once, by access level: always, conditional (in words) or never', () => {
    const a = answer({ kind: 'summary', set: policySet(withActions('"ims:images:get*"')) }) as Extract<AnalysisAnswer, { kind: 'summary' }>;
    if (isErrorResponse(a.summary)) throw new Error('analysis error');
    const all = a.summary.groups.flatMap((g) => g.actions.map((x) => ({ ...x, level: g.access_level })));
    expect(all.map((x) => x.action).sort()).toEqual(catalog.actions.map((x) => x.name).sort());
    const of = (name: string) => all.find((x) => x.action === name);
    expect(of('ims:images:list')).toMatchObject({ access: 'always', level: 'list' });
    expect(of('ims:images:deleteImage')).toMatchObject({ access: 'never', level: 'write' });
    expect(of('ims:images:get')).toMatchObject({ access: 'conditional', level: 'read' });
    expect(of('ims:images:get')?.when?.[0]?.resources_text).toBe('ims:cn-north-4:acc-1:image:*');
    expect(a.summary.principals_text).toBe('users and agencies');
  });

  it("the page's own modules import nothing of lib/analysis (nor lib/index.ts, which re-exports it) but types: the analysis is the worker's", () => {
    const dir = join(root, 'web', 'src');
    const worker = new Set(['analysis-run.ts', 'analysis-worker.ts']);
    const offending: string[] = [];
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.ts') && !worker.has(n))) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
        if (!m[1] && /lib\/(analysis\/|index\.js)/.test(m[2] as string)) offending.push(`${f}: ${m[2]}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The request builder's state and the engine's request.

describe('request builder state (state.ts)', () => {
  it('the default page decides deny, by the statement the page highlights', () => {
    const r = explain(toEvaluateRequest(defaultState()));
    expect(isErrorResponse(r)).toBe(false);
    const x = r as ExplainResponse;
    expect([x.decision, x.reason]).toEqual(['deny', 'explicit_deny']);
    const [ref] = decidingStatements(x);
    expect(ref).toMatchObject({ policy_id: 'no-unencrypted-copies', statement: 0, kind: 'deny' });
    const span = traceStatement(x, ref!)!.span!;
    const text = defaultState().tabs[1]!.text;
    expect(text.slice(span.start.offset, span.end.offset)).toMatch(/^\{[\s\S]*"NoUnencryptedCopies"[\s\S]*\}$/);
  });

  it('an allow is decided by the identity Allow statements that applied', () => {
    const s = defaultState();
    s.request.context = [{ key: 'ims:Encrypted', value: 'true', enabled: true }];
    const x = explain(toEvaluateRequest(s)) as ExplainResponse;
    expect(x.decision).toBe('allow');
    expect(decidingStatements(x)).toEqual([{ layer: 'identity', level: null, policy_id: 'image-admin', statement: 0, kind: 'allow' }]);
  });

  it('loads every example request into the builder and gives it back (policies aside)', () => {
    for (const name of ['delete-image.json', 'copy-api.json']) {
      const req = JSON.parse(readFileSync(join(root, 'examples', 'requests', name), 'utf8')) as EvaluateRequest;
      const back = requestOnly(fromEvaluateRequest(req, defaultState().request));
      const { policies: _p, scps: _s, ...rest } = req;
      expect(back, name).toEqual({ ...rest, principal: { type: 'user', ...rest.principal } });
    }
  });

  it('types context values by the catalog: booleans, numbers, lists for multi-valued keys, strings otherwise', () => {
    const s = defaultState();
    s.request.context = [
      { key: 'ims:Encrypted', value: 'true', enabled: true },
      { key: 'g:MFAAge', value: '30', enabled: true },
      { key: 'g:TagKeys', value: 'env, owner', enabled: true },
      { key: 'g:SourceIp', value: '10.0.0.1', enabled: true },
      { key: 'my:key', value: 'true', enabled: true },
      { key: 'g:UserName', value: 'off', enabled: false },
    ];
    expect(requestOnly(s.request).context).toEqual({ 'ims:Encrypted': true, 'g:MFAAge': 30, 'g:TagKeys': ['env', 'owner'], 'g:SourceIp': '10.0.0.1', 'my:key': 'true' });
  });

  it('groups SCP tabs by level in tab order, with the system FullAccess SCP when asked', () => {
    const s = defaultState();
    s.tabs.push({ id: 'a', type: 'scp', level: 'ou-1', text: '{}' }, { id: 'b', type: 'scp', level: 'r-1', text: '{}' }, { id: 'c', type: 'scp', level: 'ou-1', text: '{}' });
    expect(policySet(s).scps.map((l) => [l.level, l.policies.map((p) => p.id)])).toEqual([
      ['ou-1', ['system:FullAccess', 'a', 'c']],
      ['r-1', ['system:FullAccess', 'b']],
    ]);
    s.request.scp_full_access = false;
    expect(policySet(s).scps.map((l) => l.policies.map((p) => p.id))).toEqual([['a', 'c'], ['b']]);
    expect(policySet(defaultState()).scps).toEqual([]);
  });

  it('an API call is sent with its filled path and only the hints given; no resource (the path names it)', () => {
    const s = defaultState();
    s.request.mode = 'api';
    s.request.api = 'POST /v2/cloudimages/quickimport/action';
    s.request.hints = { quick_import_disk: 'data' };
    expect(requestOnly(s.request)).toMatchObject({ api: { method: 'POST', path: '/v2/cloudimages/quickimport/action', hints: { quick_import_disk: 'data' } } });
    s.request.api = 'POST /v1/cloudimages/{image_id}/copy';
    s.request.api_params = { image_id: 'a b' };
    s.request.hints = {};
    const req = requestOnly(s.request);
    expect(req.api).toEqual({ method: 'POST', path: '/v1/cloudimages/a%20b/copy' });
    expect(req.resource).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------
// The browser build.

describe('browser build (scripts/build-web.ts)', () => {
  it('randomUUID is an RFC 9562 version 4 UUID from getRandomValues', () => {
    const ids = new Set(Array.from({ length: 200 }, () => randomUUID()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  const bundle = (contents: string) =>
    build({ stdin: { contents, resolveDir: root, loader: 'ts' }, bundle: true, write: false, platform: 'browser', format: 'esm', logLevel: 'silent', plugins: [browserPlatform] });

  it('replaces node:crypto with the browser module and refuses any other Node built-in', async () => {
    const ok = await bundle("import { randomUUID } from 'node:crypto'; console.log(randomUUID());");
    expect(ok.outputFiles[0]!.text).toContain('getRandomValues');
    await expect(bundle("import { readdirSync, readFileSync } from 'node:fs'; console.log(readFileSync);")).rejects.toThrow(/node:fs .* is a Node built-in: the playground runs in the browser/);
  });

  it('the engine bundles for the browser', async () => {
    const r = await bundle("import { explain } from './lib/index.ts'; console.log(explain);");
    expect(r.outputFiles[0]!.text).not.toMatch(/require\(["']node:/);
  });
});
