/**
 * Organizations: the caller's organization, its OUs and member accounts, and SCP attachments. Only the
 * management account manages them; any other account gets 404 (existence does not leak). An account joins
 * only by accepting an invitation with its own token, as in Huawei Organizations.
 */
import { type AccessDelta, accountsBelow, defaultOf, deltaAfterWrite, deltaHeader, moveDelta, previewMove, previewScpAttachment, wantsPreview } from './shared/preview.js';
import { loadAccount } from '../store/account-reader.js';
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
  getNode,
  getOrganization,
  inviteAccount,
  listAttachments,
  listChildren,
  listInvitations,
  moveAccount,
  removeAccount,
} from '../store/index.js';
import { ok, page, router, withEtag } from './shared/router.js';
import { ORGANIZATIONS_ROUTES } from './shared/routes.js';

export const handler = router('organizations', ORGANIZATIONS_ROUTES, {
  'POST /v1/organizations': async ({ caller }) => withEtag(await createOrganization(caller.account_id), 201),
  'GET /v1/organizations/{org_id}': async ({ caller, params }) => withEtag(await getOrganization(caller.account_id, params.org_id)),
  'POST /v1/organizations/{org_id}/ous': async ({ caller, params, body }) => ok(await createOu(caller.account_id, params.org_id, body), 201),
  'DELETE /v1/organizations/{org_id}/ous/{ou_id}': async ({ caller, params, ifMatch }) => {
    await deleteOu(caller.account_id, params.org_id, params.ou_id, ifMatch);
    return { status: 204 };
  },
  // An invitation: the account joins when it accepts (POST /v1/invitations/{org_id}/accept with its own token).
  'POST /v1/organizations/{org_id}/accounts': async ({ caller, params, body }) => ok(await inviteAccount(caller.account_id, params.org_id, body), 202),
  'GET /v1/invitations': async ({ caller }) => ok({ items: await listInvitations(caller.account_id) }),
  'POST /v1/invitations/{org_id}/accept': async ({ caller, params }) => ok(await acceptInvitation(caller.account_id, params.org_id), 201),
  'DELETE /v1/invitations/{org_id}': async ({ caller, params }) => {
    await declineInvitation(caller.account_id, params.org_id);
    return { status: 204 };
  },
  'PATCH /v1/organizations/{org_id}/accounts/{account_id}': async ({ caller, params, body, query, ifMatch }) => {
    if (wantsPreview(query)) return previewMove(caller, params.org_id, params.account_id, body.parent_id);
    // The moved account as it is now, for the delta (a read failure skips the delta, never the move); read only
    // once the caller is known to manage the organization and the account to be in it (the move's own 404s).
    const node = await getNode(caller.account_id, params.org_id, params.account_id);
    const before = node.node_type === 'account' ? await loadAccount(params.account_id).catch(() => null) : null;
    const moved = await moveAccount(caller.account_id, params.org_id, params.account_id, body, ifMatch);
    return ok({ ...moved, access_delta: await moveDelta(before, params.account_id) });
  },
  'DELETE /v1/organizations/{org_id}/accounts/{account_id}': async ({ caller, params }) => {
    await removeAccount(caller.account_id, params.org_id, params.account_id);
    return { status: 204 };
  },
  'GET /v1/organizations/{org_id}/nodes/{node_id}/children': async ({ caller, params, query }) => ok(await listChildren(caller.account_id, params.org_id, params.node_id, page(query))),
  'POST /v1/organizations/{org_id}/scp/enable': async ({ caller, params, ifMatch }) => withEtag(await enableScp(caller.account_id, params.org_id, ifMatch)),
  'POST /v1/organizations/{org_id}/scp/disable': async ({ caller, params, ifMatch }) => withEtag(await disableScp(caller.account_id, params.org_id, ifMatch)),
  'GET /v1/organizations/{org_id}/nodes/{node_id}/policies': async ({ caller, params }) => ok({ items: await listAttachments(caller.account_id, params.org_id, params.node_id) }),
  'PUT /v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}': async ({ caller, params, query, ifMatch }) => {
    if (wantsPreview(query)) return previewScpAttachment(caller, params.org_id, params.node_id, params.policy_id, true);
    await attachScp(caller.account_id, params.org_id, params.node_id, params.policy_id, ifMatch);
    const inverse = { kind: 'scp_detached', org_id: params.org_id, node_id: params.node_id, policy_id: params.policy_id } as const;
    return { status: 204, headers: deltaHeader(await deltaAfterWrite(accountsBelow(caller, params.org_id, params.node_id), inverse)) };
  },
  'DELETE /v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}': async ({ caller, params, query, ifMatch }) => {
    if (wantsPreview(query)) return previewScpAttachment(caller, params.org_id, params.node_id, params.policy_id, false);
    // The SCP the delta's inverse attaches again, read before (a missing policy is the detach's own answer).
    const policy = await defaultOf(caller, params.policy_id).catch(() => null);
    await detachScp(caller.account_id, params.org_id, params.node_id, params.policy_id, ifMatch);
    const delta: AccessDelta = policy
      ? await deltaAfterWrite(accountsBelow(caller, params.org_id, params.node_id), {
          kind: 'scp_attached',
          org_id: params.org_id,
          node_id: params.node_id,
          policy: { policy_id: params.policy_id, version: policy.version, document: policy.document },
        })
      : { skipped: true, reason: `policy ${params.policy_id} could not be read`, how: 'GET /v1/access/what-can for a principal of a member account' };
    return { status: 204, headers: deltaHeader(delta) };
  },
});
