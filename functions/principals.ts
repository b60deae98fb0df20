/** Users (with group membership), user groups and agencies of the caller's account. */
import {
  addMember,
  createAgency,
  createGroup,
  createUser,
  deleteAgency,
  deleteGroup,
  deleteUser,
  getAgency,
  getGroup,
  getUser,
  listAgencies,
  listGroupMembers,
  listGroups,
  listUserGroups,
  listUsers,
  removeMember,
} from '../store/index.js';
import { ok, page, router, withEtag } from './shared/router.js';

type Named = { name: string; description?: string };

export const handler = router('principals', [
  {
    key: 'POST /v1/users',
    scope: 'policies:write',
    body: 'CreateUserBody',
    handle: async ({ caller, body }) => withEtag(await createUser(caller.account_id, body as { user_id: string; name: string }), 201),
  },
  { key: 'GET /v1/users', scope: 'policies:read', handle: async ({ caller, query }) => ok(await listUsers(caller.account_id, page(query))) },
  { key: 'GET /v1/users/{user_id}', scope: 'policies:read', handle: async ({ caller, params }) => withEtag(await getUser(caller.account_id, params.user_id as string)) },
  {
    key: 'DELETE /v1/users/{user_id}',
    scope: 'policies:write',
    handle: async ({ caller, params, ifMatch }) => {
      await deleteUser(caller.account_id, params.user_id as string, ifMatch);
      return { status: 204 };
    },
  },
  { key: 'GET /v1/users/{user_id}/groups', scope: 'policies:read', handle: async ({ caller, params }) => ok({ items: await listUserGroups(caller.account_id, params.user_id as string) }) },
  {
    key: 'POST /v1/groups',
    scope: 'policies:write',
    body: 'CreateGroupBody',
    handle: async ({ caller, body }) => withEtag(await createGroup(caller.account_id, body as { group_id: string } & Named), 201),
  },
  { key: 'GET /v1/groups', scope: 'policies:read', handle: async ({ caller, query }) => ok(await listGroups(caller.account_id, page(query))) },
  { key: 'GET /v1/groups/{group_id}', scope: 'policies:read', handle: async ({ caller, params }) => withEtag(await getGroup(caller.account_id, params.group_id as string)) },
  {
    key: 'DELETE /v1/groups/{group_id}',
    scope: 'policies:write',
    handle: async ({ caller, params, ifMatch }) => {
      await deleteGroup(caller.account_id, params.group_id as string, ifMatch);
      return { status: 204 };
    },
  },
  {
    key: 'GET /v1/groups/{group_id}/members',
    scope: 'policies:read',
    handle: async ({ caller, params, query }) => ok(await listGroupMembers(caller.account_id, params.group_id as string, page(query))),
  },
  {
    key: 'PUT /v1/groups/{group_id}/members/{user_id}',
    scope: 'policies:write',
    handle: async ({ caller, params }) => {
      await addMember(caller.account_id, params.group_id as string, params.user_id as string);
      return { status: 204 };
    },
  },
  {
    key: 'DELETE /v1/groups/{group_id}/members/{user_id}',
    scope: 'policies:write',
    handle: async ({ caller, params }) => {
      await removeMember(caller.account_id, params.group_id as string, params.user_id as string);
      return { status: 204 };
    },
  },
  {
    key: 'POST /v1/agencies',
    scope: 'policies:write',
    body: 'CreateAgencyBody',
    handle: async ({ caller, body }) => withEtag(await createAgency(caller.account_id, body as { agency_id: string } & Named), 201),
  },
  { key: 'GET /v1/agencies', scope: 'policies:read', handle: async ({ caller, query }) => ok(await listAgencies(caller.account_id, page(query))) },
  { key: 'GET /v1/agencies/{agency_id}', scope: 'policies:read', handle: async ({ caller, params }) => withEtag(await getAgency(caller.account_id, params.agency_id as string)) },
  {
    key: 'DELETE /v1/agencies/{agency_id}',
    scope: 'policies:write',
    handle: async ({ caller, params, ifMatch }) => {
      await deleteAgency(caller.account_id, params.agency_id as string, ifMatch);
      return { status: 204 };
    },
  },
]);
