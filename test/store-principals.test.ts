/**
 * Users, groups (memberships), agencies and grants against DynamoDB Local: lifecycles with pagination and
 * If-Match, cascading deletes, grant rules and ids, tenant isolation.
 */
import { describe, expect, it } from 'vitest';
import {
  addMember,
  createAgency,
  createGrant,
  createGroup,
  createPolicy,
  createUser,
  deleteAgency,
  deleteGrant,
  deleteGroup,
  deleteUser,
  getAgency,
  getGrant,
  getGroup,
  getUser,
  listAgencies,
  listGrants,
  listGroupMembers,
  listGroups,
  listUserGroups,
  listUsers,
  removeMember,
  updateAgency,
  updateGroup,
  updateUser,
} from '../store/index.js';
import { allPages, IDENTITY_ALLOW, refusal, SCP_DENY_DELETE, useLocalTable } from './support/store-db.js';

useLocalTable('store-principals');

describe('users', () => {
  it('create, get, list by name in pages, update with If-Match, delete', async () => {
    const account = 'acc-users';
    const names = ['delta', 'Alpha', 'echo', 'charlie', 'bravo'];
    for (const [i, name] of names.entries()) await createUser(account, { user_id: `u${i}`, name });
    const u0 = await getUser(account, 'u0');
    expect(u0).toMatchObject({ account_id: account, user_id: 'u0', name: 'delta', revision: 1, etag: '"1"' });
    expect(u0.created_at).toBe(u0.updated_at);
    expect(await refusal(createUser(account, { user_id: 'u0', name: 'again' }))).toMatchObject({ code: 'ALREADY_EXISTS', status: 409 });
    expect((await getUser(account, 'u0')).name).toBe('delta');

    const { items, pages } = await allPages((page) => listUsers(account, page), 2);
    expect(pages).toBe(3);
    expect(items.map((u) => u.name)).toEqual(['Alpha', 'bravo', 'charlie', 'delta', 'echo']);

    const renamed = await updateUser(account, 'u0', { name: 'aardvark' }, '"1"');
    expect(renamed).toMatchObject({ name: 'aardvark', revision: 2, etag: '"2"' });
    expect((await refusal(updateUser(account, 'u0', { name: 'late' }, '"1"'))).code).toBe('PRECONDITION_FAILED');
    expect((await listUsers(account, { limit: 1 })).items[0]?.name).toBe('aardvark');

    expect((await refusal(deleteUser(account, 'u0', '"1"'))).code).toBe('PRECONDITION_FAILED');
    await deleteUser(account, 'u0', '"2"');
    expect((await refusal(getUser(account, 'u0'))).code).toBe('NOT_FOUND');
    expect((await refusal(deleteUser(account, 'u0'))).code).toBe('NOT_FOUND');
    expect((await listUsers(account)).items).toHaveLength(4);
    expect((await refusal(createUser(account, { user_id: 'bad id', name: 'x' }))).code).toBe('INVALID_INPUT');
    expect((await refusal(listUsers(account, { cursor: 'nope' }))).code).toBe('INVALID_CURSOR');
  });
});

describe('groups and memberships', () => {
  it('create, update, add and remove members, list both ways, cascade on deletes', async () => {
    const account = 'acc-groups';
    const g = await createGroup(account, { group_id: 'admins', name: 'Admins', description: 'all of it' });
    expect(g).toMatchObject({ group_id: 'admins', description: 'all of it', revision: 1 });
    await createGroup(account, { group_id: 'viewers', name: 'Viewers' });
    for (const u of ['ann', 'bob', 'cy', 'dee', 'eve']) await createUser(account, { user_id: u, name: u.toUpperCase() });

    for (const u of ['ann', 'bob', 'cy', 'dee', 'eve']) await addMember(account, 'admins', u);
    const again = await addMember(account, 'admins', 'ann'); // idempotent
    expect(again).toMatchObject({ group_id: 'admins', user_id: 'ann' });
    await addMember(account, 'viewers', 'ann');
    expect((await refusal(addMember(account, 'admins', 'nobody'))).code).toBe('NOT_FOUND');
    expect((await refusal(addMember(account, 'nogroup', 'ann'))).code).toBe('NOT_FOUND');

    const members = await allPages((page) => listGroupMembers(account, 'admins', page), 2);
    expect(members.items.map((m) => m.user_id)).toEqual(['ann', 'bob', 'cy', 'dee', 'eve']);
    expect(members.pages).toBe(3);
    expect((await listUserGroups(account, 'ann')).map((m) => m.group_id)).toEqual(['admins', 'viewers']);
    expect((await refusal(listUserGroups(account, 'nobody'))).code).toBe('NOT_FOUND');
    expect((await refusal(listGroupMembers(account, 'nogroup'))).code).toBe('NOT_FOUND');

    await removeMember(account, 'admins', 'eve');
    expect((await refusal(removeMember(account, 'admins', 'eve'))).code).toBe('NOT_FOUND');
    expect((await listUserGroups(account, 'eve')).map((m) => m.group_id)).toEqual([]);

    const updated = await updateGroup(account, 'admins', { name: 'Administrators', description: null }, g.etag);
    expect(updated).toMatchObject({ name: 'Administrators', revision: 2 });
    expect(updated).not.toHaveProperty('description');
    expect((await listGroups(account)).items.map((x) => x.name)).toEqual(['Administrators', 'Viewers']);

    // Deleting a user removes its memberships; deleting a group removes its members' memberships.
    await deleteUser(account, 'ann');
    expect((await listGroupMembers(account, 'viewers')).items).toEqual([]);
    await deleteGroup(account, 'admins');
    expect((await refusal(getGroup(account, 'admins'))).code).toBe('NOT_FOUND');
    expect((await listUserGroups(account, 'bob')).map((m) => m.group_id)).toEqual([]);
    // Recreating the group does not bring old members back.
    await createGroup(account, { group_id: 'admins', name: 'Admins again' });
    expect((await listGroupMembers(account, 'admins')).items).toEqual([]);
  });
});

describe('agencies', () => {
  it('create, get, list, update, delete', async () => {
    const account = 'acc-agencies';
    const a = await createAgency(account, { agency_id: 'ecs-ops', name: 'ECS ops', description: 'for the ops account' });
    expect(a).toMatchObject({ account_id: account, agency_id: 'ecs-ops', name: 'ECS ops', description: 'for the ops account', revision: 1 });
    await createAgency(account, { agency_id: 'backup', name: 'Backup' });
    expect(await getAgency(account, 'ecs-ops')).toEqual(a);
    expect((await refusal(createAgency(account, { agency_id: 'backup', name: 'x' }))).code).toBe('ALREADY_EXISTS');
    expect((await allPages((p) => listAgencies(account, p), 1)).items.map((x) => x.agency_id)).toEqual(['backup', 'ecs-ops']);
    expect(await updateAgency(account, 'backup', { description: 'nightly' })).toMatchObject({ description: 'nightly', revision: 2 });
    await deleteAgency(account, 'backup');
    expect((await refusal(getAgency(account, 'backup'))).code).toBe('NOT_FOUND');
    expect((await listAgencies(account)).items.map((x) => x.agency_id)).toEqual(['ecs-ops']);
  });
});

describe('grants', () => {
  const account = 'acc-grants';

  it('grant identity policies (custom and system) to users, groups and agencies, in every scope', async () => {
    await createPolicy({ account_id: account, policy_id: 'custom', name: 'Custom', document: IDENTITY_ALLOW });
    await createPolicy({ account_id: account, policy_id: 'an-scp', name: 'SCP', type: 'scp', document: SCP_DENY_DELETE });
    await createUser(account, { user_id: 'alice', name: 'Alice' });
    await createGroup(account, { group_id: 'ops', name: 'Ops' });
    await createAgency(account, { agency_id: 'ag', name: 'Agency' });

    const global = await createGrant(account, { policy_id: 'custom', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' } });
    expect(global).toMatchObject({ account_id: account, policy_id: 'custom', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' } });
    expect(global.grant_id).toMatch(/^user:alice:[0-9a-f]{16}$/);
    expect(await getGrant(account, global.grant_id)).toEqual(global);

    const project = await createGrant(account, { policy_id: 'custom', principal: { type: 'user', id: 'alice' }, scope: { type: 'project', project: 'cn-north-4' } });
    const ep = await createGrant(account, { policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'group', id: 'ops' }, scope: { type: 'enterprise_project', enterprise_project_id: 'ep-1' } });
    const all = await createGrant(account, { policy_id: 'system:IMS-FullAccess', principal: { type: 'agency', id: 'ag' }, scope: { type: 'all_projects' } });
    expect(new Set([global.grant_id, project.grant_id, ep.grant_id, all.grant_id]).size).toBe(4);
    expect(ep.scope).toEqual({ type: 'enterprise_project', enterprise_project_id: 'ep-1' });

    // The same grant twice is the same id: refused.
    expect(await refusal(createGrant(account, { policy_id: 'custom', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' } }))).toMatchObject({ code: 'ALREADY_EXISTS', status: 409 });
    // SCPs are not granted; missing policies and principals; malformed scopes.
    expect((await refusal(createGrant(account, { policy_id: 'an-scp', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' } }))).code).toBe('INVALID_INPUT');
    expect((await refusal(createGrant(account, { policy_id: 'system:FullAccess', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' } }))).code).toBe('INVALID_INPUT');
    expect((await refusal(createGrant(account, { policy_id: 'missing', principal: { type: 'user', id: 'alice' }, scope: { type: 'global' } }))).code).toBe('NOT_FOUND');
    expect((await refusal(createGrant(account, { policy_id: 'custom', principal: { type: 'user', id: 'bob' }, scope: { type: 'global' } }))).code).toBe('NOT_FOUND');
    expect((await refusal(createGrant(account, { policy_id: 'custom', principal: { type: 'group', id: 'alice' }, scope: { type: 'global' } }))).code).toBe('NOT_FOUND');
    for (const scope of [{ type: 'project' }, { type: 'global', project: 'x' }, { type: 'region', project: 'x' }, { type: 'project', project: 'a#b' }]) {
      expect((await refusal(createGrant(account, { policy_id: 'custom', principal: { type: 'user', id: 'alice' }, scope: scope as never }))).code).toBe('INVALID_INPUT');
    }
  });

  it('list by principal, by policy, by both, and all, in pages', async () => {
    const byUser = await allPages((p) => listGrants(account, { principal: { type: 'user', id: 'alice' } }, p), 1);
    expect(byUser.items.map((g) => g.scope.type).sort()).toEqual(['global', 'project']);
    expect(byUser.pages).toBeGreaterThanOrEqual(2);
    const byPolicy = await allPages((p) => listGrants(account, { policy_id: 'custom' }, p), 1);
    expect(byPolicy.items.map((g) => g.principal.id)).toEqual(['alice', 'alice']);
    const both = await listGrants(account, { principal: { type: 'group', id: 'ops' }, policy_id: 'system:IMS-ReadOnlyAccess' });
    expect(both.items.map((g) => g.scope)).toEqual([{ type: 'enterprise_project', enterprise_project_id: 'ep-1' }]);
    expect((await listGrants(account, { principal: { type: 'group', id: 'ops' }, policy_id: 'custom' })).items).toEqual([]);
    const everything = await allPages((p) => listGrants(account, {}, p), 3);
    expect(everything.items).toHaveLength(4);
    // A cursor of one filter is refused by another.
    const first = await listGrants(account, { policy_id: 'custom' }, { limit: 1 });
    expect((await refusal(listGrants(account, {}, { limit: 1, cursor: first.next_cursor as string }))).code).toBe('INVALID_CURSOR');
  });

  it('delete a grant; deleting a principal deletes its grants', async () => {
    const [g] = (await listGrants(account, { principal: { type: 'agency', id: 'ag' } })).items;
    await deleteGrant(account, g?.grant_id as string);
    expect((await refusal(getGrant(account, g?.grant_id as string))).code).toBe('NOT_FOUND');
    expect((await refusal(deleteGrant(account, g?.grant_id as string))).code).toBe('NOT_FOUND');
    expect((await refusal(getGrant(account, 'not-a-grant-id'))).code).toBe('NOT_FOUND');

    await deleteUser(account, 'alice');
    await deleteGroup(account, 'ops');
    expect((await listGrants(account)).items).toEqual([]);
  });
});

describe('tenant isolation', () => {
  it('another account cannot see, use or change users, groups, agencies, memberships or grants (NOT_FOUND)', async () => {
    const a = 'acc-tenant-a';
    const b = 'acc-tenant-b';
    await createUser(a, { user_id: 'u', name: 'U' });
    await createGroup(a, { group_id: 'g', name: 'G' });
    await createAgency(a, { agency_id: 'ag', name: 'AG' });
    await addMember(a, 'g', 'u');
    await createPolicy({ account_id: a, policy_id: 'p', name: 'P', document: IDENTITY_ALLOW });
    const grant = await createGrant(a, { policy_id: 'p', principal: { type: 'group', id: 'g' }, scope: { type: 'global' } });

    await createUser(b, { user_id: 'other', name: 'Other' });
    for (const attempt of [
      () => getUser(b, 'u'),
      () => getGroup(b, 'g'),
      () => getAgency(b, 'ag'),
      () => updateUser(b, 'u', { name: 'x' }),
      () => updateGroup(b, 'g', { name: 'x' }),
      () => updateAgency(b, 'ag', { name: 'x' }),
      () => deleteUser(b, 'u'),
      () => deleteGroup(b, 'g'),
      () => deleteAgency(b, 'ag'),
      () => addMember(b, 'g', 'u'),
      () => addMember(b, 'g', 'other'),
      () => removeMember(b, 'g', 'u'),
      () => listGroupMembers(b, 'g'),
      () => listUserGroups(b, 'u'),
      () => getGrant(b, grant.grant_id),
      () => deleteGrant(b, grant.grant_id),
      () => createGrant(b, { policy_id: 'p', principal: { type: 'user', id: 'other' }, scope: { type: 'global' } }),
    ]) {
      expect(await refusal(attempt())).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    }
    expect((await listUsers(b)).items.map((u) => u.user_id)).toEqual(['other']);
    expect((await listGroups(b)).items).toEqual([]);
    expect((await listAgencies(b)).items).toEqual([]);
    expect((await listGrants(b)).items).toEqual([]);
    // A's data is intact.
    expect((await listGroupMembers(a, 'g')).items.map((m) => m.user_id)).toEqual(['u']);
    expect(await getGrant(a, grant.grant_id)).toEqual(grant);
  });
});
