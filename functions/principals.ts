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
import { deltaAfterWrite, deltaHeader, ownAccount, previewMembership, wantsPreview } from './shared/preview.js';
import { ok, page, router, withEtag } from './shared/router.js';
import { PRINCIPALS_ROUTES } from './shared/routes.js';

export const handler = router('principals', PRINCIPALS_ROUTES, {
  'POST /v1/users': async ({ caller, body }) => withEtag(await createUser(caller.account_id, body), 201),
  'GET /v1/users': async ({ caller, query }) => ok(await listUsers(caller.account_id, page(query))),
  'GET /v1/users/{user_id}': async ({ caller, params }) => withEtag(await getUser(caller.account_id, params.user_id)),
  'DELETE /v1/users/{user_id}': async ({ caller, params, ifMatch }) => {
    await deleteUser(caller.account_id, params.user_id, ifMatch);
    return { status: 204 };
  },
  'GET /v1/users/{user_id}/groups': async ({ caller, params }) => ok({ items: await listUserGroups(caller.account_id, params.user_id) }),
  'POST /v1/groups': async ({ caller, body }) => withEtag(await createGroup(caller.account_id, body), 201),
  'GET /v1/groups': async ({ caller, query }) => ok(await listGroups(caller.account_id, page(query))),
  'GET /v1/groups/{group_id}': async ({ caller, params }) => withEtag(await getGroup(caller.account_id, params.group_id)),
  'DELETE /v1/groups/{group_id}': async ({ caller, params, ifMatch }) => {
    await deleteGroup(caller.account_id, params.group_id, ifMatch);
    return { status: 204 };
  },
  'GET /v1/groups/{group_id}/members': async ({ caller, params, query }) => ok(await listGroupMembers(caller.account_id, params.group_id, page(query))),
  'PUT /v1/groups/{group_id}/members/{user_id}': async ({ caller, params, query }) => {
    if (wantsPreview(query)) return previewMembership(caller, params.group_id, params.user_id, true);
    await addMember(caller.account_id, params.group_id, params.user_id);
    return { status: 204, headers: deltaHeader(await deltaAfterWrite(ownAccount(caller), { kind: 'member_removed', user_id: params.user_id, group_id: params.group_id })) };
  },
  'DELETE /v1/groups/{group_id}/members/{user_id}': async ({ caller, params, query }) => {
    if (wantsPreview(query)) return previewMembership(caller, params.group_id, params.user_id, false);
    await removeMember(caller.account_id, params.group_id, params.user_id);
    return { status: 204, headers: deltaHeader(await deltaAfterWrite(ownAccount(caller), { kind: 'member_added', user_id: params.user_id, group_id: params.group_id })) };
  },
  'POST /v1/agencies': async ({ caller, body }) => withEtag(await createAgency(caller.account_id, body), 201),
  'GET /v1/agencies': async ({ caller, query }) => ok(await listAgencies(caller.account_id, page(query))),
  'GET /v1/agencies/{agency_id}': async ({ caller, params }) => withEtag(await getAgency(caller.account_id, params.agency_id)),
  'DELETE /v1/agencies/{agency_id}': async ({ caller, params, ifMatch }) => {
    await deleteAgency(caller.account_id, params.agency_id, ifMatch);
    return { status: 204 };
  },
});
