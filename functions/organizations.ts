/**
 * Organizations: the caller's organization, its OUs and member accounts, and SCP attachments. Only the
 * management account manages them; any other account gets 404 (existence does not leak). An account joins
 * only by accepting an invitation with its own token, as in Huawei Organizations.
 */
import {
  acceptInvitation,
  attachScp,
  createOrganization,
  createOu,
  declineInvitation,
  deleteOu,
  detachScp,
  disableScp,
  enableScp,
  getOrganization,
  inviteAccount,
  listAttachments,
  listChildren,
  listInvitations,
  moveAccount,
  removeAccount,
} from '../store/index.js';
import { ok, page, router, withEtag } from './shared/router.js';

const p = (params: Record<string, string>, k: string): string => params[k] as string;

export const handler = router('organizations', [
  { key: 'POST /v1/organizations', scope: 'org:write', handle: async ({ caller }) => withEtag(await createOrganization(caller.account_id), 201) },
  { key: 'GET /v1/organizations/{org_id}', scope: 'policies:read', handle: async ({ caller, params }) => withEtag(await getOrganization(caller.account_id, p(params, 'org_id'))) },
  {
    key: 'POST /v1/organizations/{org_id}/ous',
    scope: 'org:write',
    body: 'CreateOuBody',
    handle: async ({ caller, params, body }) => ok(await createOu(caller.account_id, p(params, 'org_id'), body as { parent_id: string; name: string }), 201),
  },
  {
    key: 'DELETE /v1/organizations/{org_id}/ous/{ou_id}',
    scope: 'org:write',
    handle: async ({ caller, params, ifMatch }) => {
      await deleteOu(caller.account_id, p(params, 'org_id'), p(params, 'ou_id'), ifMatch);
      return { status: 204 };
    },
  },
  {
    key: 'POST /v1/organizations/{org_id}/accounts',
    scope: 'org:write',
    body: 'AddAccountBody',
    // An invitation: the account joins when it accepts (POST /v1/invitations/{org_id}/accept with its own token).
    handle: async ({ caller, params, body }) => ok(await inviteAccount(caller.account_id, p(params, 'org_id'), body as { account_id: string; parent_id: string }), 202),
  },
  { key: 'GET /v1/invitations', scope: 'policies:read', handle: async ({ caller }) => ok({ items: await listInvitations(caller.account_id) }) },
  {
    key: 'POST /v1/invitations/{org_id}/accept',
    scope: 'org:write',
    handle: async ({ caller, params }) => ok(await acceptInvitation(caller.account_id, p(params, 'org_id')), 201),
  },
  {
    key: 'DELETE /v1/invitations/{org_id}',
    scope: 'org:write',
    handle: async ({ caller, params }) => {
      await declineInvitation(caller.account_id, p(params, 'org_id'));
      return { status: 204 };
    },
  },
  {
    key: 'PATCH /v1/organizations/{org_id}/accounts/{account_id}',
    scope: 'org:write',
    body: 'MoveAccountBody',
    handle: async ({ caller, params, body, ifMatch }) => ok(await moveAccount(caller.account_id, p(params, 'org_id'), p(params, 'account_id'), body as { parent_id: string }, ifMatch)),
  },
  {
    key: 'DELETE /v1/organizations/{org_id}/accounts/{account_id}',
    scope: 'org:write',
    handle: async ({ caller, params }) => {
      await removeAccount(caller.account_id, p(params, 'org_id'), p(params, 'account_id'));
      return { status: 204 };
    },
  },
  {
    key: 'GET /v1/organizations/{org_id}/nodes/{node_id}/children',
    scope: 'policies:read',
    handle: async ({ caller, params, query }) => ok(await listChildren(caller.account_id, p(params, 'org_id'), p(params, 'node_id'), page(query))),
  },
  {
    key: 'POST /v1/organizations/{org_id}/scp/enable',
    scope: 'org:write',
    handle: async ({ caller, params, ifMatch }) => withEtag(await enableScp(caller.account_id, p(params, 'org_id'), ifMatch)),
  },
  {
    key: 'POST /v1/organizations/{org_id}/scp/disable',
    scope: 'org:write',
    handle: async ({ caller, params, ifMatch }) => withEtag(await disableScp(caller.account_id, p(params, 'org_id'), ifMatch)),
  },
  {
    key: 'GET /v1/organizations/{org_id}/nodes/{node_id}/policies',
    scope: 'policies:read',
    handle: async ({ caller, params }) => ok({ items: await listAttachments(caller.account_id, p(params, 'org_id'), p(params, 'node_id')) }),
  },
  {
    key: 'PUT /v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}',
    scope: 'org:write',
    handle: async ({ caller, params, ifMatch }) => {
      await attachScp(caller.account_id, p(params, 'org_id'), p(params, 'node_id'), p(params, 'policy_id'), ifMatch);
      return { status: 204 };
    },
  },
  {
    key: 'DELETE /v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}',
    scope: 'org:write',
    handle: async ({ caller, params, ifMatch }) => {
      await detachScp(caller.account_id, p(params, 'org_id'), p(params, 'node_id'), p(params, 'policy_id'), ifMatch);
      return { status: 204 };
    },
  },
]);
