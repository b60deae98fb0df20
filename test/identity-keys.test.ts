/**
 * Identity keys come from the identity (docs/semantics.md, "Identity keys"): the condition keys derived
 * from the principal (PRINCIPAL_KEYS in lib/engine/context.ts, the one list) cannot be set in `context`
 * nor named in `unknown_context_keys` when a stored principal is evaluated (by reference: POST /v1/evaluate
 * and /v1/explain without inline policies, the batch worker; the IMS authorizer in test/authorizer.test.ts):
 * 400 INVALID_REQUEST naming the key. Inline evaluation takes them as what-if overrides, with one warning.
 * Every entry of the list, in every case variant, is checked: a key added to the list is covered.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as batch } from '../functions/batch.js';
import { clearReferenceCache } from '../functions/shared/reference.js';
import { PRINCIPAL_KEYS, principalKeyOf } from '../lib/engine/context.js';
import { principalKeyError } from '../lib/engine/request.js';
import { evaluate, isErrorResponse, type EvaluateRequest, type EvaluateResponse } from '../lib/index.js';
import { client, startLocalApi, type Client } from './support/api.js';
import { lambdaContext } from './support/events.js';
import { sqsEvent, sqsRecord } from './support/fixtures.js';

const ACC = 'acc-idk';
/** The what-if warning (responses also carry their inline policies' warnings). */
const whatIf = (warnings: readonly string[]): string[] => warnings.filter((w) => w.includes('derived from the principal'));

/** Every spelling of an entry to try: as listed, lower case, upper case, mixed; a tag entry with two tag keys. */
function variants(entry: string): string[] {
  const names = entry.endsWith('/*') ? [entry.replace('/*', '/dept'), entry.replace('/*', '/Cost-Center')] : [entry];
  const out = new Set<string>();
  for (const name of names) {
    const slash = name.indexOf('/');
    const [head, tail] = slash === -1 ? [name, ''] : [name.slice(0, slash), name.slice(slash)];
    // The tag key after the slash is case-sensitive: only the name before it changes case.
    for (const h of [head, head.toLowerCase(), head.toUpperCase(), [...head].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('')]) out.add(h + tail);
  }
  return [...out];
}

const ALL = PRINCIPAL_KEYS.flatMap(({ key }) => variants(key).map((v) => [key, v] as const));

describe('the list (lib/engine/context.ts PRINCIPAL_KEYS)', () => {
  it('holds the keys derived from the principal, once each', () => {
    const keys = PRINCIPAL_KEYS.map((k) => k.key);
    expect(new Set(keys.map((k) => k.toLowerCase())).size).toBe(keys.length);
    for (const k of [
      'g:UserId',
      'g:UserName',
      'g:PrincipalAccount',
      'g:PrincipalOrgPath',
      'g:PrincipalUrn',
      'g:PrincipalId',
      'g:PrincipalType',
      'g:PrincipalOrgId',
      'g:PrincipalOrgManagementAccountId',
      'g:PrincipalIsRootUser',
      'g:PrincipalTag/*',
      'g:DomainName',
    ]) {
      expect(keys).toContain(k);
    }
  });

  it('every variant of every entry is recognised as that entry; other keys are not', () => {
    for (const [entry, v] of ALL) expect(principalKeyOf(v), v).toBe(entry);
    for (const other of [
      'g:SourceIp',
      'g:ResourceTag/dept',
      'g:RequestTag/dept',
      'g:ProjectName',
      'g:RequestedRegion',
      'g:EnterpriseProjectId',
      'ims:Encrypted',
      'g:UserIdx',
      'g:User',
      'g:Principal',
      'x:UserName',
      'UserName',
      'g:PrincipalTag',
      '',
    ]) {
      expect(principalKeyOf(other), other).toBeNull();
    }
  });

  it('the reference model lists the same keys (its warning count depends on them)', async () => {
    const model = await import('./reference/model.js');
    // The model has no export for the list; its reading is checked through a warning-producing request.
    for (const [, v] of ALL) {
      const r = model.referenceEvaluate({ action: 'ims:images:get', context: { [v]: 'x' } }, { policies: [] });
      expect(r.warnings, v).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('by reference: refused (lib principalKeyError, used by the account decisions of lib/decision and the authorizer)', () => {
  it('a context that sets any variant of any key: INVALID_REQUEST naming it; unknown_context_keys naming it too', () => {
    for (const [entry, v] of ALL) {
      const inContext = principalKeyError({ action: 'ims:images:get', context: { 'g:SourceIp': '10.0.0.1', [v]: 'x' } });
      expect(inContext, v).toMatchObject({ error: { code: 'INVALID_REQUEST', details: { field: `context.${v}`, key: v } } });
      expect(inContext?.error.message).toContain(entry);
      const asNull = principalKeyError({ action: 'ims:images:get', context: { [v]: null } });
      expect(asNull, v).not.toBeNull();
      const unknown = principalKeyError({ action: 'ims:images:get', unknown_context_keys: ['ims:*', v] });
      expect(unknown, v).toMatchObject({ error: { code: 'INVALID_REQUEST', details: { field: 'unknown_context_keys[1]', key: v } } });
    }
  });

  it('patterns in unknown_context_keys and other keys are fine (a pattern never hides a key the principal gives)', () => {
    expect(
      principalKeyError({ action: 'ims:images:get', context: { 'g:SourceIp': '10.0.0.1', 'g:ResourceTag/dept': 'x' }, unknown_context_keys: ['*', 'g:*', 'g:PrincipalTag/*', 'g:User*'] }),
    ).toBeNull();
  });
});

describe('inline: a what-if, with one warning naming the keys', () => {
  const FULL = { id: 'full', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'] }] } };

  it('any variant of any key, in context or named exactly in unknown_context_keys', () => {
    fc.assert(
      fc.property(
        fc.subarray(
          ALL.map(([, v]) => v),
          { minLength: 1, maxLength: 4 },
        ),
        fc.boolean(),
        (keys, asUnknown) => {
          // One spelling per key name (two spellings of one key in one context is not the point here).
          const distinct = keys.filter((k, i) => keys.findIndex((x) => principalKeyOf(x) === principalKeyOf(k) && x.toLowerCase() === k.toLowerCase()) === i);
          const req: EvaluateRequest = { principal: { account_id: 'acc-1', user_name: 'alice' }, action: 'ims:images:get', policies: [FULL] };
          if (asUnknown) req.unknown_context_keys = distinct;
          else req.context = Object.fromEntries(distinct.map((k) => [k, 'x']));
          const r = evaluate(req);
          if (isErrorResponse(r)) throw new Error(JSON.stringify(r.error));
          const warnings = whatIf(r.warnings);
          expect(warnings).toHaveLength(1);
          for (const k of distinct) expect(warnings[0]).toContain(k);
        },
      ),
      { numRuns: 200, seed: 12 },
    );
  });

  it('the override decides (what-if) and no warning without such keys', () => {
    const guard = { id: 'guard', document: { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:deleteImage'], Condition: { StringNotEquals: { 'g:UserName': ['Admin'] } } }] } };
    const base: EvaluateRequest = { principal: { account_id: 'acc-1', user_name: 'alice' }, action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:x', policies: [FULL, guard] };
    const plain = evaluate(base) as EvaluateResponse;
    expect(plain.reason).toBe('explicit_deny');
    expect(whatIf(plain.warnings)).toEqual([]);
    const forged = evaluate({ ...base, context: { 'g:UserName': 'Admin' } }) as EvaluateResponse;
    expect(forged.decision).toBe('allow');
    expect(whatIf(forged.warnings)).toEqual([expect.stringContaining('g:UserName')]);
    // The request's warnings come before its policies'.
    expect(forged.warnings[0]).toBe(whatIf(forged.warnings)[0]);
  });
});

describe('over HTTP and batch (stored principals)', () => {
  let stop: () => Promise<void>;
  let api: Client;
  /** A user who may do anything except delete, unless the user's name is "Admin". */
  const GUARD = {
    Version: '5.0',
    Statement: [
      { Effect: 'Allow', Action: ['*'] },
      { Effect: 'Deny', Action: ['ims:images:deleteImage'], Condition: { StringNotEquals: { 'g:UserName': ['Admin'] } } },
    ],
  };
  const del = (context?: Record<string, string>): EvaluateRequest => ({
    principal: { user_id: 'mallory' },
    action: 'ims:images:deleteImage',
    resource: `ims:cn-north-4:${ACC}:image:3f1c2a9e-5b7d-4c1e-9a8f-0d2b6e4c7a15`,
    region: 'cn-north-4',
    ...(context ? { context } : {}),
  });

  beforeAll(async () => {
    ({ stop } = await startLocalApi('identity-keys'));
    api = await client(ACC);
    const must = async (p: Promise<{ status: number; text: string }>, status: number): Promise<void> => {
      const r = await p;
      if (r.status !== status) throw new Error(`${r.status}: ${r.text}`);
    };
    await must(api.post('/v1/policies', { policy_id: 'guard', name: 'guard', type: 'identity', document: GUARD }), 201);
    await must(api.post('/v1/users', { user_id: 'mallory', name: 'Mallory' }), 201);
    await must(api.post('/v1/grants', { policy_id: 'guard', principal: { type: 'user', id: 'mallory' }, scope: { type: 'global' } }), 201);
    clearReferenceCache();
  });
  afterAll(async () => stop?.());

  it('the reproduction: the stored name decides, and a context naming g:UserName "Admin" is refused (it used to allow)', async () => {
    const stored = await api.post('/v1/evaluate', del());
    expect(stored.status, stored.text).toBe(200);
    expect(stored.json).toMatchObject({ decision: 'deny', reason: 'explicit_deny' });
    const forged = await api.post('/v1/evaluate', del({ 'g:UserName': 'Admin' }));
    expect(forged.status, forged.text).toBe(400);
    expect(forged.json.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'context.g:UserName', key: 'g:UserName' } });
  });

  it('POST /v1/evaluate and /v1/explain refuse every variant of every key, in context and in unknown_context_keys', async () => {
    for (const path of ['/v1/evaluate', '/v1/explain']) {
      for (const [, v] of ALL) {
        const r = await api.post(path, del({ [v]: 'Admin' }));
        expect(r.status, `${path} ${v}: ${r.text}`).toBe(400);
        expect(r.json.error).toMatchObject({ code: 'INVALID_REQUEST', details: { key: v } });
        const u = await api.post(path, { ...del(), unknown_context_keys: [v] });
        expect(u.status, `${path} unknown ${v}: ${u.text}`).toBe(400);
        expect(u.json.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'unknown_context_keys[0]', key: v } });
      }
    }
    // Patterns are fine: the stored name is known, so the guard decides.
    const pattern = await api.post('/v1/evaluate', { ...del(), unknown_context_keys: ['*'] });
    expect(pattern.status, pattern.text).toBe(200);
    expect(pattern.json).toMatchObject({ decision: 'deny', reason: 'explicit_deny' });
  });

  it('inline over HTTP: 200, evaluated as given, with the warning', async () => {
    const r = await api.post('/v1/evaluate', { ...del({ 'g:UserName': 'Admin' }), principal: { account_id: ACC, user_name: 'Mallory' }, policies: [{ id: 'guard', document: GUARD }] });
    expect(r.status, r.text).toBe(200);
    expect(r.json.decision).toBe('allow');
    expect(whatIf(r.json.warnings)).toEqual([expect.stringContaining('g:UserName')]);
  });

  it('the batch worker refuses them by reference (stored as INVALID_REQUEST, reported as malformed)', async () => {
    const records = ALL.map(([, v], i) => sqsRecord({ correlation_id: `idk-${i}`, account_id: ACC, request: del({ [v]: 'Admin' }) }));
    const inline = sqsRecord({
      correlation_id: 'idk-inline',
      account_id: ACC,
      request: { ...del({ 'g:UserName': 'Admin' }), principal: { account_id: ACC }, policies: [{ id: 'guard', document: GUARD }] },
    });
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let failures: string[];
    try {
      failures = (await batch(sqsEvent(...records, inline), lambdaContext)).batchItemFailures.map((f) => f.itemIdentifier);
    } finally {
      vi.restoreAllMocks();
    }
    expect(failures.sort()).toEqual(records.map((r) => r.messageId).sort());
    for (const [i, [, v]] of ALL.entries()) {
      const stored = await api.get(`/v1/decisions/idk-${i}`);
      expect(stored.json, v).toMatchObject({ status: 'error', error: { code: 'INVALID_REQUEST', details: { key: v } } });
    }
    const ok = await api.get('/v1/decisions/idk-inline');
    expect(ok.json).toMatchObject({ status: 'completed', result: { decision: 'allow' } });
    expect(whatIf(ok.json.result.warnings)).toEqual([expect.stringContaining('g:UserName')]);
  });
});
