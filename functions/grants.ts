/** Grants: a policy attached to a user, group or agency with a scope (global, all projects, project, enterprise project). */
import { createGrant, deleteGrant, getGrant, listGrants } from '../store/index.js';
import { HttpError } from './shared/http.js';
import { type AccessDelta, defaultOf, deltaAfterWrite, deltaHeader, ownAccount, previewGrant, previewGrantRemoval, wantsPreview } from './shared/preview.js';
import { ok, page, router } from './shared/router.js';
import { GRANTS_ROUTES } from './shared/routes.js';

type PrincipalKind = 'user' | 'group' | 'agency';

export const handler = router('grants', GRANTS_ROUTES, {
  'POST /v1/grants': async ({ caller, body, query }) => {
    if (wantsPreview(query)) return previewGrant(caller, body);
    const g = await createGrant(caller.account_id, body);
    const access_delta = await deltaAfterWrite(ownAccount(caller), { kind: 'grant_removed', grant_id: g.grant_id });
    return { status: 201, body: { ...g, access_delta }, headers: { location: `/v1/grants/${g.grant_id}` } };
  },
  'GET /v1/grants': async ({ caller, query }) => {
    const filter: { principal?: { type: PrincipalKind; id: string }; policy_id?: string } = {};
    if (query.principal_type !== undefined || query.principal_id !== undefined) {
      if (!['user', 'group', 'agency'].includes(query.principal_type ?? '') || !query.principal_id) {
        throw new HttpError(400, 'INVALID_REQUEST', 'Filter by principal with both principal_type (user, group, agency) and principal_id.', { field: 'principal_type' });
      }
      filter.principal = { type: query.principal_type as PrincipalKind, id: query.principal_id };
    }
    if (query.policy_id !== undefined) filter.policy_id = query.policy_id;
    return ok(await listGrants(caller.account_id, filter, page(query)));
  },
  'GET /v1/grants/{grant_id}': async ({ caller, params }) => ok(await getGrant(caller.account_id, params.grant_id)),
  'DELETE /v1/grants/{grant_id}': async ({ caller, params, query }) => {
    if (wantsPreview(query)) return previewGrantRemoval(caller, params.grant_id);
    // What the delta's inverse restores, read before the delete (a missing grant is the delete's own 404).
    const g = await getGrant(caller.account_id, params.grant_id);
    const policy = await defaultOf(caller, g.policy_id).catch(() => null);
    await deleteGrant(caller.account_id, params.grant_id);
    const delta: AccessDelta = policy
      ? await deltaAfterWrite(ownAccount(caller), {
          kind: 'grant_added',
          grant: { grant_id: g.grant_id, principal: g.principal, scope: g.scope, policy_id: g.policy_id, version: policy.version, document: policy.document },
        })
      : { skipped: true, reason: `policy ${g.policy_id} could not be read`, how: 'GET /v1/access/what-can for the principal' };
    return { status: 204, headers: deltaHeader(delta) };
  },
});
