/**
 * Who can, over the seeded example data in a real local table (infra/local/seed.ts): the account's
 * principals read in two round trips (store/account-reader.ts), each principal's set derived as the decision
 * path reads it, and the answer for "who can delete image abc" exact, each witness confirmed by deciding it
 * by reference (the decision path, lib/decision/account.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { whoCan, type WhoCanEntry, type WhoCanResult } from '../lib/access/who-can.js';
import { MAX_SECTIONS, whatCan, type WhatCanResult } from '../lib/access/what-can.js';
import { applyChange, compareAccounts } from '../lib/access/preview.js';
import { principalSet, principalsOf } from '../lib/access/sets.js';
import { policySetOfLoaded } from '../lib/decision/policy-set.js';
import type { LoadedAccount } from '../lib/decision/source.js';
import { createAccountDecisions } from '../lib/decision/account.js';
import { seedExamples } from '../infra/local/seed.js';
import { startupMessage } from '../infra/local/start.js';
import { loadAccount } from '../store/account-reader.js';
import { dynamoPolicySetSource, loadPrincipalPolicies } from '../store/evaluation-reader.js';
import { observeRequests } from '../store/dynamo-http.js';
import { shellWords } from './support/doc-examples.js';
import { useLocalTable } from './support/store-db.js';
import type { EvaluateRequest } from '../lib/types.js';

const table = useLocalTable('who-can');
let account: LoadedAccount;

beforeAll(async () => {
  await seedExamples({ endpoint: table.db().endpoint, tableName: table.db().tableName });
  account = await loadAccount('acc-1');
}, 60_000);

const entry = (r: WhoCanResult, type: string, id: string): WhoCanEntry => {
  const e = r.principals.find((p) => p.principal.type === type && p.principal.id === id);
  if (!e) throw new Error(`no entry for ${type} ${id}`);
  return e;
};

const ok = (r: WhoCanResult | { error: unknown }): WhoCanResult => {
  if ('error' in r) throw new Error(JSON.stringify(r.error));
  return r;
};

/** The decision by reference of a witness, through the one decision path over the table. */
const decisions = createAccountDecisions(async () => dynamoPolicySetSource);
async function byReference(request: EvaluateRequest): Promise<'allow' | 'deny'> {
  const out = await decisions.decide('acc-1', request, 'evaluate');
  if ('error' in out) throw new Error(JSON.stringify(out));
  return out.decision;
}

describe('loadAccount', () => {
  it('reads the whole account in two round trips (a Query, then one BatchGet and the SCP Query in parallel)', async () => {
    const sent: string[] = [];
    const stop = observeRequests((op) => sent.push(op));
    try {
      await loadAccount('acc-1');
    } finally {
      stop();
    }
    expect(sent).toEqual(['Query', 'BatchGetItem', 'Query']);
  });

  it('derives each principal set exactly as the decision path loads it', async () => {
    for (const p of principalsOf(account)) {
      const derived = principalSet(account, p);
      const selector = p.type === 'user' ? { user_id: p.id } : p.type === 'agency' ? { agency: p.id } : {};
      const loaded = await loadPrincipalPolicies('acc-1', selector);
      expect(derived.set).toEqual(policySetOfLoaded('acc-1', loaded));
    }
    expect(principalsOf(account).map((p) => `${p.type}:${p.id}`)).toEqual(['user:alice', 'user:bob', 'agency:ims-copy', 'account:acc-1']);
  });
});

describe('who can delete image abc', () => {
  it('in cn-north-4: alice never (the project-scoped Deny), bob never (no Allow), the agency never (deleteImage takes no enterprise project), the account always', async () => {
    const r = ok(whoCan(account, { action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc' }));
    expect(r.region).toBe('cn-north-4');
    const alice = entry(r, 'user', 'alice');
    expect(alice.access).toBe('never');
    expect(alice.decided_by.map((d) => [d.effect, d.policy_id, d.version])).toContainEqual(['Deny', 'deny-delete', 'v1']);
    const deny = alice.decided_by.find((d) => d.policy_id === 'deny-delete');
    expect(deny?.grants?.[0]).toMatchObject({ holder: { type: 'group', id: 'image-admins' }, scope: { type: 'project', project: 'cn-north-4' } });
    const bob = entry(r, 'user', 'bob');
    expect(bob.access).toBe('never');
    expect(bob.no_allow_in).toEqual([{ layer: 'identity', level: null }]);
    const agency = entry(r, 'agency', 'ims-copy');
    expect(agency.access).toBe('never');
    expect(agency.no_allow_in).toEqual([{ layer: 'identity', level: null }]);
    expect(entry(r, 'account', 'acc-1').access).toBe('always');
    for (const e of r.principals) {
      for (const w of e.allowed_when ?? []) expect(await byReference(w.witness)).toBe('allow');
      for (const w of e.denied_when ?? []) expect(await byReference(w.witness)).toBe('deny');
    }
  }, 60_000);

  it('in cn-east-3: alice always (the Deny is scoped to cn-north-4), with the grant that allows it', async () => {
    const r = ok(whoCan(account, { action: 'ims:images:deleteImage', resource: 'ims:cn-east-3:acc-1:image:abc' }));
    const alice = entry(r, 'user', 'alice');
    expect(alice.access).toBe('always');
    expect(alice.decided_by.map((d) => d.policy_id)).toEqual(['ims-full-access']);
    expect(alice.decided_by[0]?.grants?.[0]?.scope).toEqual({ type: 'all_projects' });
    expect(entry(r, 'user', 'bob').access).toBe('never');
    const w = alice.allowed_when?.[0]?.witness as EvaluateRequest;
    expect(w.principal).toEqual({ account_id: 'acc-1', user_id: 'alice' });
    expect(await byReference(w)).toBe('allow');
  }, 60_000);

  it('conditional access comes with its condition: bob lists images in cn-north-4 only, the agency acts only in enterprise project ep-1', () => {
    const list = ok(whoCan(account, { action: 'ims:images:list' }));
    expect(list.region).toBeUndefined();
    const bob = entry(list, 'user', 'bob');
    expect(bob.access).toBe('conditional');
    expect(bob.condition).toMatch(/cn-north-4/);
    const member = ok(whoCan(account, { action: 'ims:images:deleteMember', resource: 'ims:cn-north-4:acc-1:image:abc' }));
    const agency = entry(member, 'agency', 'ims-copy');
    expect(agency.access).toBe('conditional');
    expect(agency.condition).toMatch(/g:EnterpriseProjectId/);
    expect(agency.decided_by[0]).toMatchObject({ policy_id: 'system:IMS-Administrator', grants: [{ scope: { type: 'enterprise_project', enterprise_project_id: 'ep-1' } }] });
  });

  it('a policy granted twice (two groups, two scopes) is analysed as two grants and reported by its own id', () => {
    const viewers = account.grants.find((g) => g.principal.id === 'viewers') as LoadedAccount['grants'][number];
    const twice: LoadedAccount = {
      ...account,
      groups: [...account.groups, { id: 'viewers-east' }],
      users: account.users.map((u) => (u.id === 'bob' ? { ...u, groups: ['viewers', 'viewers-east'] } : u)),
      grants: [...account.grants, { ...viewers, grant_id: 'g-east', principal: { type: 'group', id: 'viewers-east' }, scope: { type: 'project', project: 'cn-east-3' } }],
    };
    const r = ok(whoCan(twice, { action: 'ims:images:list', region: 'cn-east-3' }));
    const bob = entry(r, 'user', 'bob');
    expect(bob.access).toBe('always');
    expect(bob.decided_by).toMatchObject([{ policy_id: 'system:IMS-ReadOnlyAccess', grants: [{ grant_id: viewers.grant_id }, { grant_id: 'g-east', scope: { project: 'cn-east-3' } }] }]);
    const what = whatCan(twice, { principal_type: 'user', principal_id: 'bob' });
    if ('error' in what) throw new Error(JSON.stringify(what));
    expect(what.sections.map((s) => s.project ?? s.scope)).toEqual(['all', 'cn-east-3', 'cn-north-4']);
  });

  it('analyses principals with equal effective sets once', () => {
    const twins: LoadedAccount = {
      ...account,
      users: [...account.users, { id: 'carol', name: 'Carol', groups: ['viewers'] }, { id: 'dave', name: 'Dave', groups: ['viewers'] }],
    };
    const r = ok(whoCan(twins, { action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc' }));
    expect(r.principals).toHaveLength(6);
    expect(r.sets_analysed).toBe(4);
    expect(entry(r, 'user', 'carol')).toMatchObject({ access: 'never', groups: ['viewers'] });
  });

  it('refuses what it cannot answer exactly: a pattern, a wildcard resource, a key the principal fills', () => {
    expect(whoCan(account, { action: 'ims:images:*', resource: 'ims:cn-north-4:acc-1:image:abc' })).toMatchObject({ error: { code: 'UNKNOWN_ACTION' } });
    expect(whoCan(account, { action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:*' })).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    expect(whoCan(account, { action: 'ims:images:deleteImage' })).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    expect(whoCan(account, { action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc', context: { 'g:PrincipalUrn': 'iam::acc-1:user:alice' } })).toMatchObject({
      error: { code: 'INVALID_REQUEST', details: { field: 'context.g:PrincipalUrn' } },
    });
  });
});

describe('what can', () => {
  const level = (r: WhatCanResult, i: number, action: string): string | undefined => r.sections[i]?.summary.groups.flatMap((g) => g.actions).find((a) => a.action === action)?.access;

  it('bob: read-only in cn-north-4 (his group grant is scoped to it), so conditional over every request', () => {
    const r = whatCan(account, { principal_type: 'user', principal_id: 'bob' });
    if ('error' in r) throw new Error(JSON.stringify(r));
    expect(r.groups).toEqual(['viewers']);
    expect(r.sections.map((s) => [s.scope, s.project])).toEqual([
      ['all', undefined],
      ['project', 'cn-north-4'],
    ]);
    expect(level(r, 0, 'ims:images:list')).toBe('conditional');
    expect(level(r, 1, 'ims:images:list')).toBe('always');
    expect(level(r, 1, 'ims:images:deleteImage')).toBe('never');
  });

  it('alice in cn-north-4: everything but deleting images; the unencrypted-copy SCP shows as a condition', () => {
    const r = whatCan(account, { principal_type: 'user', principal_id: 'alice' });
    if ('error' in r) throw new Error(JSON.stringify(r));
    expect(level(r, 1, 'ims:images:deleteImage')).toBe('never');
    expect(level(r, 1, 'ims:images:updateImage')).toBe('always');
    expect(level(r, 1, 'ims:images:copyInRegion')).toBe('conditional');
  });

  it('the agency by enterprise project, the account itself, and an unknown principal', () => {
    const agency = whatCan(account, { principal_type: 'agency', principal_id: 'ims-copy' });
    if ('error' in agency) throw new Error(JSON.stringify(agency));
    expect(agency.sections.map((s) => s.enterprise_project_id ?? s.scope)).toEqual(['all', 'ep-1']);
    expect(level(agency, 1, 'ims:images:deleteMember')).toBe('always');
    expect(level(agency, 1, 'ims:images:deleteImage')).toBe('never');
    const self = whatCan(account, { principal_type: 'account' });
    if ('error' in self) throw new Error(JSON.stringify(self));
    expect(level(self, 0, 'ims:images:deleteImage')).toBe('always');
    expect(whatCan(account, { principal_type: 'user', principal_id: 'mallory' })).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('what-can witnesses are requests by reference', () => {
  it("every conditional action's witness names the principal by its ids only and is allowed by reference", async () => {
    let checked = 0;
    for (const [type, id] of [
      ['user', 'alice'],
      ['user', 'bob'],
      ['agency', 'ims-copy'],
    ] as const) {
      const r = whatCan(account, { principal_type: type, principal_id: id });
      if ('error' in r) throw new Error(JSON.stringify(r));
      for (const section of r.sections) {
        for (const g of section.summary.groups) {
          for (const a of g.actions) {
            for (const w of a.when ?? []) {
              expect(w.witness.principal, `${id} ${a.action}`).toEqual(type === 'user' ? { account_id: 'acc-1', user_id: id } : { account_id: 'acc-1', agency: id });
              expect(await byReference(w.witness), `${id} ${a.action} ${JSON.stringify(w.witness)}`).toBe('allow');
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('bounded work: beyond the budget the rest is unknown, never guessed', () => {
  it('who-can analyses at most maxSets distinct sets (and stops when the time is up)', () => {
    const r = ok(whoCan(account, { action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc' }, { maxSets: 1 }));
    expect(r.sets_analysed).toBe(1);
    expect(r.principals.map((p) => p.access)).toEqual(['never', 'unknown', 'unknown', 'unknown']);
    expect(r.principals[1]?.unknown_reasons?.[0]?.code).toBe('WORK_LIMIT');
    const late = ok(whoCan(account, { action: 'ims:images:deleteImage', resource: 'ims:cn-north-4:acc-1:image:abc' }, { expired: () => true }));
    expect(late.sets_analysed).toBe(0);
    expect(late.principals.every((p) => p.access === 'unknown')).toBe(true);
  });

  it('a preview beyond its budget is UNKNOWN (skipped), never NO_CHANGE', () => {
    const r = compareAccounts([{ before: account, after: applyChange(account, { kind: 'member_added', user_id: 'bob', group_id: 'image-admins' }) }], { maxAnalyses: 0 });
    if ('error' in r) throw new Error(JSON.stringify(r));
    expect(r.result).toBe('UNKNOWN');
    expect(r.skipped).toMatch(/analyses/);
  });

  it('what-can summarises at most MAX_SECTIONS sections and says how many it left out', () => {
    const alice = account.users.find((u) => u.id === 'alice') as LoadedAccount['users'][number];
    const many: LoadedAccount = {
      ...account,
      grants: [
        ...account.grants,
        ...Array.from({ length: MAX_SECTIONS + 3 }, (_, i) => ({
          ...(account.grants[0] as LoadedAccount['grants'][number]),
          grant_id: `g-${i}`,
          principal: { type: 'user' as const, id: alice.id },
          scope: { type: 'project' as const, project: `region-${String(i).padStart(2, '0')}` },
        })),
      ],
    };
    const r = whatCan(many, { principal_type: 'user', principal_id: 'alice' });
    if ('error' in r) throw new Error(JSON.stringify(r));
    expect(r.sections).toHaveLength(MAX_SECTIONS);
    // every request, cn-north-4 (the deny-delete grant) and MAX_SECTIONS + 3 more projects: 5 left out.
    expect(r.sections_omitted).toBe(5);
  }, 60_000);
});

describe('who-can against evaluate (an oracle): random requests of each principal agree with its answer', () => {
  it('always: every request allowed; never: none; conditional: the allowed ones exist and the denied ones exist', async () => {
    const fc = (await import('fast-check')).default;
    const { MemoryPolicySetSource } = await import('../lib/decision/memory-source.js');
    // The decision path itself, by reference, over each principal's set as the account holds it.
    const source = new MemoryPolicySetSource();
    for (const p of principalsOf(account)) {
      const selector = p.type === 'user' ? { user_id: p.id } : p.type === 'agency' ? { agency: p.id } : {};
      source.put('acc-1', selector, principalSet(account, p).loaded);
    }
    const oracle = createAccountDecisions(async () => source);
    const actions = ['ims:images:deleteImage', 'ims:images:copyInRegion', 'ims:images:get', 'ims:images:update', 'ims:images:deleteMember', 'ims:images:share'];
    const requestArb = fc.record({
      region: fc.constantFrom('cn-north-4', 'cn-east-3', undefined),
      encrypted: fc.constantFrom(true, false, undefined),
      ep: fc.constantFrom('ep-1', 'ep-2', undefined),
    });
    let checked = 0;
    const seen = new Set<string>();
    for (const action of actions) {
      const resource = 'ims:cn-north-4:acc-1:image:abc';
      const r = ok(whoCan(account, { action, resource, region: '*' }));
      for (const e of r.principals) {
        const who = { account_id: 'acc-1', ...(e.principal.type === 'user' ? { user_id: e.principal.id } : e.principal.type === 'agency' ? { agency: e.principal.id } : {}) };
        for (const x of fc.sample(requestArb, { numRuns: 40, seed: checked })) {
          const context: Record<string, string | boolean> = {};
          if (x.encrypted !== undefined) context['ims:Encrypted'] = x.encrypted;
          if (x.ep !== undefined) context['g:EnterpriseProjectId'] = x.ep;
          const d = await oracle.decide('acc-1', { principal: who, action, resource, ...(x.region ? { region: x.region } : {}), context }, 'evaluate');
          if ('error' in d) throw new Error(JSON.stringify(d));
          if (e.access === 'always') expect(d.decision, `${action} ${e.principal.id} ${JSON.stringify(x)}`).toBe('allow');
          if (e.access === 'never') expect(d.decision, `${action} ${e.principal.id} ${JSON.stringify(x)}`).toBe('deny');
          checked++;
        }
        expect(e.access, `${action} ${e.principal.id}`).not.toBe('unknown');
        seen.add(e.access);
        // A conditional answer's witnesses exist on both sides (they are re-decided by reference elsewhere).
        if (e.access === 'conditional') expect((e.allowed_when?.length ?? 0) * (e.denied_when?.length ?? 0)).toBeGreaterThan(0);
      }
    }
    expect(checked).toBe(actions.length * 4 * 40);
    // Not vacuous: the three answers all occur.
    expect([...seen].sort()).toEqual(['always', 'conditional', 'never']);
  }, 120_000);
});

describe('accessRegions', () => {
  it('answers as checkAccessNotGranted and checkAccessAlwaysGranted do, separately, for every seeded principal', async () => {
    const { accessRegions, checkAccessAlwaysGranted, checkAccessNotGranted } = await import('../lib/analysis/index.js');
    for (const p of principalsOf(account)) {
      const s = principalSet(account, p);
      for (const action of ['ims:images:deleteImage', 'ims:images:copyInRegion', 'ims:images:list']) {
        const access = { actions: [action], ...(action === 'ims:images:list' ? {} : { resources: ['ims:cn-north-4:acc-1:image:abc'] }) };
        const both = accessRegions(s.analysis, access, { assume: s.assume });
        if ('error' in both) throw new Error(JSON.stringify(both));
        const strip = (r: unknown): unknown => JSON.parse(JSON.stringify(r, (k, v) => (k === 'stats' ? undefined : v)));
        expect(strip(both.granted)).toEqual(strip(checkAccessNotGranted(s.analysis, access, { assume: s.assume })));
        expect(strip(both.denied)).toEqual(strip(checkAccessAlwaysGranted(s.analysis, access, { assume: s.assume })));
      }
    }
  });
});

describe('who-can input', () => {
  it('a resource that is not a URN is INVALID_RESOURCE', () => {
    for (const resource of ['a:b', 'ims:cn-north-4:acc-1:image:', ':cn-north-4:acc-1:image:x']) {
      expect(whoCan(account, { action: 'ims:images:deleteImage', resource })).toMatchObject({ error: { code: 'INVALID_RESOURCE', details: { field: 'resource' } } });
    }
  });
});

describe("npm start's by-reference lines over the seeded data", () => {
  // A newcomer ran every line `npm start` prints: all the by-reference decisions were refusals, so the
  // unused-access lines after them showed no use at all and suggested an empty policy. One line now is allowed.
  it('each POST /v1/evaluate by reference is decided as its note says, and one is allowed before the unused-access lines', async () => {
    const base = 'http://127.0.0.1:4000';
    const lines = startupMessage(
      base,
      { endpoint: 'http://127.0.0.1:4567', tableName: 't' },
      { org_id: 'o-1', path: ['r-1', 'ou-1', 'ou-2', 'ou-3'] },
      { token: 'T', mgmtToken: 'M', imsToken: 'I' },
    ).split('\n');
    const unusedAt = lines.findIndex((l) => l.includes('/v1/access/unused'));
    const printed = lines
      .map((line, i) => ({ line: line.trim(), note: lines[i + 1] ?? '', i }))
      .filter(({ line }) => line.startsWith(`curl -s -X POST ${base}/v1/evaluate `))
      .map(({ line, note, i }) => {
        const words = shellWords(line);
        return { request: JSON.parse(words[words.indexOf('-d') + 1] as string) as EvaluateRequest, note, i };
      })
      .filter(({ request }) => request.policies === undefined);
    expect(printed.length).toBeGreaterThanOrEqual(2);
    const decided = await Promise.all(printed.map(async (r) => ({ ...r, decision: await byReference(r.request) })));
    for (const r of decided) expect(r.decision, r.note).toBe(r.note.includes('allowed') ? 'allow' : 'deny');
    expect(decided.some((r) => r.decision === 'allow' && r.i < unusedAt)).toBe(true);
  });
});
