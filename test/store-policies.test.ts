/**
 * Stored policies against DynamoDB Local: system policies, lifecycle with optimistic concurrency, versions,
 * validation (422 with findings, warnings kept), tenant isolation, concurrent writers, and deletes of
 * granted policies.
 */
import { describe, expect, it } from 'vitest';
import { SCP_FULL_ACCESS_ID, SYSTEM_POLICIES } from '../lib/system-policies.js';
import {
  createGrant,
  createPolicy,
  createPolicyVersion,
  createUser,
  deletePolicy,
  deletePolicyVersion,
  getGrant,
  getPolicy,
  getPolicyVersion,
  listGrants,
  listPolicies,
  setDefaultVersion,
  StoreError,
  updatePolicy,
} from '../store/index.js';
import { allPages, IDENTITY_ALLOW, IDENTITY_DENY_DELETE, refusal, SCP_DENY_DELETE, useLocalTable } from './support/store-db.js';

useLocalTable('store-policies');

/** A valid 5.0 identity document told apart by its Sid. */
const doc50 = (sid: string): string => `{"Version":"5.0","Statement":[{"Sid":"${sid}","Effect":"Allow","Action":["ims:images:list"],"Resource":["*"]}]}`;
/** A 1.1 document told apart by the action it allows. */
const ACTIONS = ['ims:images:list', 'ims:images:get', 'ims:images:create', 'ims:images:update', 'ims:images:delete'];
const doc11 = (i: number): string => `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["${ACTIONS[i % ACTIONS.length]}"]}]}`;

async function settle<T>(promises: Array<Promise<T>>): Promise<{ won: Array<{ i: number; value: T }>; lost: StoreError[] }> {
  const results = await Promise.allSettled(promises);
  const won: Array<{ i: number; value: T }> = [];
  const lost: StoreError[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') won.push({ i, value: r.value });
    else {
      expect(r.reason).toBeInstanceOf(StoreError);
      lost.push(r.reason as StoreError);
    }
  });
  return { won, lost };
}

describe('system policies', () => {
  it('are present and read-only in every account', async () => {
    for (const account of ['acc-sys-1', 'acc-sys-2']) {
      const p = await getPolicy(account, 'system:IMS-ReadOnlyAccess');
      expect(p).toMatchObject({
        account_id: account,
        policy_id: 'system:IMS-ReadOnlyAccess',
        name: 'IMS ReadOnlyAccess',
        type: 'identity',
        syntax: '1.1',
        system: true,
        revision: 1,
        etag: '"1"',
        default_version: 'v1',
      });
      expect(JSON.parse(p.versions[0]?.document ?? '')).toEqual(SYSTEM_POLICIES[1]?.document);
    }
    const scp = await getPolicy('acc-sys-1', SCP_FULL_ACCESS_ID);
    expect(scp).toMatchObject({ type: 'scp', syntax: '5.0', system: true });
    expect(await getPolicyVersion('acc-sys-1', 'system:IMS-FullAccess', 'v1')).toMatchObject({ policy_id: 'system:IMS-FullAccess', version_id: 'v1', is_default: true });
    expect((await refusal(getPolicyVersion('acc-sys-1', 'system:IMS-FullAccess', 'v2'))).code).toBe('NOT_FOUND');
    expect((await refusal(getPolicy('acc-sys-1', 'system:NoSuchPolicy'))).status).toBe(404);
  });

  it('refuse every write with READ_ONLY (403)', async () => {
    const id = 'system:IMS-FullAccess';
    const writes: Array<() => Promise<unknown>> = [
      () => updatePolicy('acc-sys-1', id, { name: 'mine now' }),
      () => deletePolicy('acc-sys-1', id),
      () => deletePolicy('acc-sys-1', id, { detach: true }),
      () => createPolicyVersion('acc-sys-1', id, { document: IDENTITY_ALLOW }),
      () => deletePolicyVersion('acc-sys-1', id, 'v1'),
      () => setDefaultVersion('acc-sys-1', id, 'v1'),
    ];
    for (const w of writes) expect(await refusal(w())).toMatchObject({ code: 'READ_ONLY', status: 403 });
    // Custom ids cannot squat the system prefix.
    expect((await refusal(createPolicy({ account_id: 'acc-sys-1', policy_id: 'system:Mine', name: 'x', document: IDENTITY_ALLOW }))).code).toBe('INVALID_INPUT');
  });

  it('are listed first (counting towards the limit), filtered by type, and left out with include_system: false', async () => {
    const account = 'acc-sys-list';
    await createPolicy({ account_id: account, policy_id: 'a', name: 'alpha', document: IDENTITY_ALLOW });
    await createPolicy({ account_id: account, policy_id: 'b', name: 'bravo', document: IDENTITY_ALLOW });
    await createPolicy({ account_id: account, policy_id: 's', name: 'scp one', type: 'scp', document: SCP_DENY_DELETE });

    const { items, pages } = await allPages((page) => listPolicies(account, page), 3);
    expect(items.map((p) => p.policy_id)).toEqual([...SYSTEM_POLICIES.map((p) => p.policy_id), 'a', 'b', 's']);
    expect(pages).toBe(3);
    expect(items.slice(0, 4).every((p) => p.system === true && p.version_ids.join() === 'v1')).toBe(true);
    expect(items.slice(4).every((p) => p.system === undefined)).toBe(true);

    const scps = await listPolicies(account, { type: 'scp' });
    expect(scps.items.map((p) => p.policy_id)).toEqual([SCP_FULL_ACCESS_ID, 's']);
    const noSystem = await listPolicies(account, { include_system: false });
    expect(noSystem.items.map((p) => p.policy_id)).toEqual(['a', 'b', 's']);

    // A cursor belongs to its listing (account, type filter, include_system).
    const first = await listPolicies(account, { limit: 2 });
    const cursor = first.next_cursor as string;
    expect((await refusal(listPolicies(account, { limit: 2, cursor, include_system: false }))).code).toBe('INVALID_CURSOR');
    expect((await refusal(listPolicies('acc-other', { limit: 2, cursor }))).code).toBe('INVALID_CURSOR');
    expect((await listPolicies(account, { limit: 2, cursor })).items.map((p) => p.policy_id)).toEqual(SYSTEM_POLICIES.slice(2, 4).map((p) => p.policy_id));
  });
});

describe('policy lifecycle', () => {
  it('create, get, update with If-Match in every form, list by the new name, delete', async () => {
    const account = 'acc-life';
    const { policy } = await createPolicy({ account_id: account, policy_id: 'p1', name: 'Zulu', description: 'first', document: IDENTITY_ALLOW });
    await createPolicy({ account_id: account, policy_id: 'p2', name: 'Mike', document: IDENTITY_ALLOW });
    expect(policy).toMatchObject({ revision: 1, etag: '"1"' });

    const r2 = await updatePolicy(account, 'p1', { name: 'Alpha' }, '"1"');
    expect(r2).toMatchObject({ name: 'Alpha', description: 'first', revision: 2, etag: '"2"' });
    const r3 = await updatePolicy(account, 'p1', { description: 'second' }, 2);
    expect(r3).toMatchObject({ name: 'Alpha', description: 'second', revision: 3 });
    const r4 = await updatePolicy(account, 'p1', { description: '' }, 'W/"3"');
    expect(r4.revision).toBe(4);
    expect(r4).not.toHaveProperty('description');
    const r5 = await updatePolicy(account, 'p1', { name: 'Alpha 2' });
    expect(r5.revision).toBe(5);
    expect(await getPolicy(account, 'p1')).toEqual(r5);
    expect((await listPolicies(account, { include_system: false })).items.map((p) => p.name)).toEqual(['Alpha 2', 'Mike']);

    // A stale If-Match changes nothing.
    const stale = await refusal(updatePolicy(account, 'p1', { name: 'Lost' }, '"4"'));
    expect(stale).toMatchObject({ code: 'PRECONDITION_FAILED', status: 412, details: { current_revision: 5, current_etag: '"5"' } });
    expect(await getPolicy(account, 'p1')).toEqual(r5);
    expect((await refusal(updatePolicy(account, 'p1', { name: 'x' }, 'garbage'))).code).toBe('INVALID_INPUT');
    expect((await refusal(updatePolicy(account, 'p1', {}))).code).toBe('INVALID_INPUT');
    expect((await refusal(updatePolicy(account, 'p1', { name: '' }))).code).toBe('INVALID_INPUT');
    expect((await refusal(updatePolicy(account, 'nope', { name: 'x' }))).code).toBe('NOT_FOUND');

    expect((await refusal(deletePolicy(account, 'p1', { ifMatch: '"1"' }))).code).toBe('PRECONDITION_FAILED');
    expect((await getPolicy(account, 'p1')).revision).toBe(5);
    expect(await deletePolicy(account, 'p1', { ifMatch: '"5"' })).toEqual({ policy_id: 'p1', detached_grants: [], detached_scps: [] });
    expect((await refusal(getPolicy(account, 'p1'))).code).toBe('NOT_FOUND');
    expect((await refusal(deletePolicy(account, 'p1'))).code).toBe('NOT_FOUND');
    await deletePolicy(account, 'p2');
    expect((await listPolicies(account, { include_system: false })).items).toEqual([]);
  });

  it('isolates tenants: another account cannot see or change a policy (NOT_FOUND)', async () => {
    await createPolicy({ account_id: 'acc-a', policy_id: 'secret', name: 'Secret', document: IDENTITY_ALLOW });
    const b = 'acc-b';
    for (const attempt of [
      () => getPolicy(b, 'secret'),
      () => getPolicyVersion(b, 'secret', 'v1'),
      () => updatePolicy(b, 'secret', { name: 'stolen' }),
      () => updatePolicy(b, 'secret', { name: 'stolen' }, '"1"'),
      () => createPolicyVersion(b, 'secret', { document: IDENTITY_ALLOW }),
      () => setDefaultVersion(b, 'secret', 'v1'),
      () => deletePolicyVersion(b, 'secret', 'v1'),
      () => deletePolicy(b, 'secret', { detach: true }),
    ]) {
      expect(await refusal(attempt())).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    }
    expect((await listPolicies(b, { include_system: false })).items).toEqual([]);
    expect(await getPolicy('acc-a', 'secret')).toMatchObject({ name: 'Secret', revision: 1 });
  });
});

describe('policy versions', () => {
  it('keeps at most 5, with one default; ids are never reused', async () => {
    const account = 'acc-ver';
    await createPolicy({ account_id: account, policy_id: 'v', name: 'Versioned', document: doc11(0) });
    for (let i = 1; i <= 4; i++) {
      const r = await createPolicyVersion(account, 'v', { document: doc11(i) });
      expect(r.version).toMatchObject({ version_id: `v${i + 1}`, document: doc11(i), is_default: false });
      expect(r.policy.default_version).toBe('v1');
      expect(r.policy.revision).toBe(i + 1);
    }
    const full = await refusal(createPolicyVersion(account, 'v', { document: doc11(0) }));
    expect(full).toMatchObject({ code: 'CONFLICT', status: 409 });
    const p = await getPolicy(account, 'v');
    expect(p.versions.map((x) => x.version_id)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(p.revision).toBe(5);

    // The default cannot be deleted; another can.
    expect((await refusal(deletePolicyVersion(account, 'v', 'v1'))).code).toBe('CONFLICT');
    const afterDelete = await deletePolicyVersion(account, 'v', 'v2', p.etag);
    expect(afterDelete.versions.map((x) => x.version_id)).toEqual(['v1', 'v3', 'v4', 'v5']);
    expect((await refusal(deletePolicyVersion(account, 'v', 'v2'))).code).toBe('NOT_FOUND');
    expect((await refusal(getPolicyVersion(account, 'v', 'v2'))).code).toBe('NOT_FOUND');
    expect((await refusal(getPolicyVersion(account, 'v', 'two'))).code).toBe('INVALID_INPUT');

    // A new version gets the next number (v6, not v2), and can become the default on creation.
    const v6 = await createPolicyVersion(account, 'v', { document: doc11(2), set_as_default: true });
    expect(v6.version).toMatchObject({ version_id: 'v6', is_default: true });
    expect(v6.policy.default_version).toBe('v6');
    expect(v6.policy.versions.filter((x) => x.is_default).map((x) => x.version_id)).toEqual(['v6']);

    const back = await setDefaultVersion(account, 'v', 'v3', v6.policy.etag);
    expect(back.default_version).toBe('v3');
    expect((await getPolicyVersion(account, 'v', 'v3')).is_default).toBe(true);
    expect((await refusal(setDefaultVersion(account, 'v', 'v9'))).code).toBe('NOT_FOUND');
    expect((await refusal(setDefaultVersion(account, 'v', 'v1', v6.policy.etag))).code).toBe('PRECONDITION_FAILED');
    await deletePolicyVersion(account, 'v', 'v6');
    expect((await getPolicy(account, 'v')).versions.map((x) => x.version_id)).toEqual(['v1', 'v3', 'v4', 'v5']);
  });

  it('refuses a document with errors (422 INVALID_POLICY, findings in details) and stores the warnings of a valid one', async () => {
    const account = 'acc-ver-valid';
    await createPolicy({ account_id: account, policy_id: 'w', name: 'W', document: doc50('a') });
    const bad = await refusal(createPolicyVersion(account, 'w', { document: '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:lisst"],"Resource":["*"]}]}' }));
    expect(bad).toMatchObject({ code: 'INVALID_POLICY', status: 422 });
    expect(bad.details).toBe(bad.findings);
    expect(bad.findings?.some((f) => f.code === 'UNKNOWN_ACTION' && f.severity === 'error')).toBe(true);
    expect((await getPolicy(account, 'w')).versions).toHaveLength(1);

    const withWarning = '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:list"],"Resource":["ims:cn-north-4:acc-1:image:abc"]}]}';
    const r = await createPolicyVersion(account, 'w', { document: withWarning });
    expect(r.findings.map((f) => f.code)).toEqual(['RESOURCE_NOT_SUPPORTED_BY_ACTION']);
    expect(r.version.findings).toEqual(r.findings);
    const stored = await getPolicyVersion(account, 'w', r.version.version_id);
    expect(stored.findings).toEqual(r.findings);
    expect(stored.findings[0]?.span).toBeDefined();

    // A policy keeps its syntax, and an SCP's versions are validated as SCPs.
    expect((await refusal(createPolicyVersion(account, 'w', { document: IDENTITY_ALLOW }))).code).toBe('INVALID_INPUT');
    await createPolicy({ account_id: account, policy_id: 'scp', name: 'S', type: 'scp', document: SCP_DENY_DELETE });
    expect((await refusal(createPolicyVersion(account, 'scp', { document: IDENTITY_ALLOW }))).code).toBe('INVALID_POLICY');
    const scpWarning = await createPolicyVersion(account, 'scp', { document: '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["*"],"Resource":["*"]}]}' });
    expect(scpWarning.version.findings.map((f) => f.code)).toEqual(['SCP_ALLOW_NOT_SUPPORTED']);
  });
});

describe('concurrent writers', () => {
  const N = 20;

  it(`${N} updatePolicy with the same If-Match: exactly one wins, the rest get 412, nothing else changes`, async () => {
    const account = 'acc-race-1';
    await createPolicy({ account_id: account, policy_id: 'p', name: 'start', document: IDENTITY_ALLOW });
    const { won, lost } = await settle(Array.from({ length: N }, (_, i) => updatePolicy(account, 'p', { name: `writer ${i}`, description: `by ${i}` }, '"1"')));
    expect(won).toHaveLength(1);
    expect(lost.map((e) => e.code)).toEqual(Array(N - 1).fill('PRECONDITION_FAILED'));
    const winner = won[0] as { i: number };
    expect(await getPolicy(account, 'p')).toMatchObject({ name: `writer ${winner.i}`, description: `by ${winner.i}`, revision: 2 });
  });

  it(`${N} createPolicyVersion with the same If-Match: one new version, the winner's`, async () => {
    const account = 'acc-race-2';
    await createPolicy({ account_id: account, policy_id: 'p', name: 'p', document: doc50('start') });
    const { won, lost } = await settle(Array.from({ length: N }, (_, i) => createPolicyVersion(account, 'p', { document: doc50(`w${i}`), set_as_default: true }, '"1"')));
    expect(won).toHaveLength(1);
    expect(lost.every((e) => e.code === 'PRECONDITION_FAILED')).toBe(true);
    const winner = won[0] as { i: number };
    const p = await getPolicy(account, 'p');
    expect(p.revision).toBe(2);
    expect(p.versions.map((v) => [v.version_id, v.document])).toEqual([
      ['v1', doc50('start')],
      ['v2', doc50(`w${winner.i}`)],
    ]);
    expect(p.default_version).toBe('v2');
  });

  it(`${N} setDefaultVersion with the same If-Match: the winner's version is the default`, async () => {
    const account = 'acc-race-3';
    await createPolicy({ account_id: account, policy_id: 'p', name: 'p', document: doc11(0) });
    for (let i = 1; i <= 4; i++) await createPolicyVersion(account, 'p', { document: doc11(i) });
    const target = (i: number): string => `v${(i % 4) + 2}`;
    const { won, lost } = await settle(Array.from({ length: N }, (_, i) => setDefaultVersion(account, 'p', target(i), '"5"')));
    expect(won).toHaveLength(1);
    expect(lost.every((e) => e.code === 'PRECONDITION_FAILED')).toBe(true);
    const p = await getPolicy(account, 'p');
    expect(p).toMatchObject({ default_version: target((won[0] as { i: number }).i), revision: 6 });
  });

  it(`${N} read-modify-write loops retrying on 412: no update is lost`, async () => {
    const account = 'acc-race-4';
    await createPolicy({ account_id: account, policy_id: 'p', name: 'p', description: '', document: IDENTITY_ALLOW });
    let retries = 0;
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        for (;;) {
          const current = await getPolicy(account, 'p');
          try {
            await updatePolicy(account, 'p', { description: `${current.description ?? ''}[${i}]` }, current.etag);
            return;
          } catch (err) {
            if (!(err instanceof StoreError) || err.code !== 'PRECONDITION_FAILED') throw err;
            retries++;
          }
        }
      }),
    );
    const p = await getPolicy(account, 'p');
    const tags = (p.description ?? '').match(/\[\d+\]/g) ?? [];
    expect(tags.sort()).toEqual(Array.from({ length: N }, (_, i) => `[${i}]`).sort());
    expect(p.revision).toBe(1 + N);
    expect(retries).toBeGreaterThan(0);
  });

  it(`${N} createPolicyVersion without If-Match: retried internally, exactly 4 fit, none lost or duplicated`, async () => {
    const account = 'acc-race-5';
    await createPolicy({ account_id: account, policy_id: 'p', name: 'p', document: doc50('start') });
    const { won, lost } = await settle(Array.from({ length: N }, (_, i) => createPolicyVersion(account, 'p', { document: doc50(`w${i}`) })));
    expect(won).toHaveLength(4);
    expect(lost.every((e) => e.code === 'CONFLICT')).toBe(true);
    const p = await getPolicy(account, 'p');
    expect(p.versions.map((v) => v.version_id)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(
      p.versions
        .slice(1)
        .map((v) => v.document)
        .sort(),
    ).toEqual(won.map((w) => doc50(`w${w.i}`)).sort());
    for (const w of won) expect(p.versions.find((v) => v.version_id === w.value.version.version_id)?.document).toBe(doc50(`w${w.i}`));
    expect(p.revision).toBe(5);
  });
});

describe('deleting a granted policy', () => {
  it('is refused (409, with the grants) unless detach, which removes the grants first', async () => {
    const account = 'acc-del';
    await createPolicy({ account_id: account, policy_id: 'deny', name: 'Deny delete', document: IDENTITY_DENY_DELETE });
    await createUser(account, { user_id: 'alice', name: 'Alice' });
    const g1 = await createGrant(account, { policy_id: 'deny', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' } });
    const g2 = await createGrant(account, { policy_id: 'deny', principal: { type: 'user', id: 'alice' }, scope: { type: 'project', project: 'cn-north-4' } });

    const refused = await refusal(deletePolicy(account, 'deny'));
    expect(refused).toMatchObject({ code: 'CONFLICT', status: 409 });
    expect((refused.details as { grants: string[] }).grants.sort()).toEqual([g1.grant_id, g2.grant_id].sort());
    expect(await getGrant(account, g1.grant_id)).toEqual(g1);

    const result = await deletePolicy(account, 'deny', { detach: true });
    expect(result.detached_grants.sort()).toEqual([g1.grant_id, g2.grant_id].sort());
    expect((await refusal(getGrant(account, g1.grant_id))).code).toBe('NOT_FOUND');
    expect((await refusal(getPolicy(account, 'deny'))).code).toBe('NOT_FOUND');
  });

  it('racing createGrant: whichever order, no grant is left on a deleted policy', async () => {
    const account = 'acc-del-race';
    await createUser(account, { user_id: 'bob', name: 'Bob' });
    for (let round = 0; round < 8; round++) {
      const id = `racy-${round}`;
      await createPolicy({ account_id: account, policy_id: id, name: id, document: IDENTITY_ALLOW });
      const grant = createGrant(account, { policy_id: id, principal: { type: 'user', id: 'bob' }, scope: { type: 'global' } });
      const del = new Promise((r) => setTimeout(r, round * 3)).then(() => deletePolicy(account, id)); // 0-21 ms: both orders and the middle
      const [g, d] = await Promise.allSettled([grant, del]);
      const policyGone = d.status === 'fulfilled';
      if (!policyGone) expect((d.reason as StoreError).code).toBe('CONFLICT'); // the grant came first
      if (g.status === 'rejected') expect((g.reason as StoreError).code).toBe('NOT_FOUND'); // the delete came first
      const grants = (await listGrants(account, { policy_id: id })).items;
      expect(grants).toHaveLength(policyGone ? 0 : 1);
    }
  });
});
