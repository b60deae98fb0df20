/**
 * Stored policies and their versions (owned by the caller's account; system policies are read-only).
 *
 * SCPs are the organization's, not the account's (docs/security.md, "Scopes"): every change of an SCP (create,
 * rename, new version, default version, version delete, delete, and with it detaching it everywhere)
 * needs the `org:write` scope as well as the route's `policies:write`, and the caller must be the
 * management account of an organization (an SCP takes effect only there: attachScp takes the management
 * account's SCPs). Reads keep `policies:read`. The store calls the guard with the policy it read, so an
 * identity policy's writes cost no extra read and the check holds for the type that is written.
 */
import { createPolicy, createPolicyVersion, deletePolicy, deletePolicyVersion, getPolicy, getPolicyVersion, listPolicies, setDefaultVersion, updatePolicy } from '../store/index.js';
import { HttpError } from './shared/http.js';
import { type AccessDelta, defaultOf, NO_DELTA, policyDefaultDelta, previewDefaultVersion, previewPolicyVersion, wantsPreview } from './shared/preview.js';
import { scpGuard } from './shared/scp-guard.js';
import { ok, page, router, withEtag } from './shared/router.js';
import { POLICIES_ROUTES } from './shared/routes.js';

const UNREAD = (policyId: string): AccessDelta => ({ skipped: true, reason: `policy ${policyId} could not be read before the write`, how: 'GET /v1/access/what-can for a principal' });

const notFound = (id: string): HttpError => new HttpError(404, 'NOT_FOUND', `No policy ${id} in this account.`);

export const handler = router('policies', POLICIES_ROUTES, {
  'POST /v1/policies': async ({ caller, body }) => {
    const input: Parameters<typeof createPolicy>[0] = { account_id: caller.account_id, name: body.name, type: body.type, document: body.document };
    if (body.policy_id) input.policy_id = body.policy_id;
    if (body.description !== undefined) input.description = body.description;
    const r = await createPolicy(input, scpGuard(caller));
    return { status: 201, body: r, headers: { etag: r.policy.etag, location: `/v1/policies/${r.policy.policy_id}` } };
  },
  'GET /v1/policies': async ({ caller, query }) => {
    const options: Parameters<typeof listPolicies>[1] = page(query);
    if (query.type !== undefined) {
      if (query.type !== 'identity' && query.type !== 'scp') throw new HttpError(400, 'INVALID_REQUEST', '"type" must be identity or scp.', { field: 'type' });
      options.type = query.type;
    }
    return ok(await listPolicies(caller.account_id, options));
  },
  'GET /v1/policies/{policy_id}': async ({ caller, params }) => {
    const p = await getPolicy(caller.account_id, params.policy_id);
    if (!p) throw notFound(params.policy_id);
    return withEtag(p);
  },
  'PATCH /v1/policies/{policy_id}': async ({ caller, params, body, ifMatch }) => withEtag(await updatePolicy(caller.account_id, params.policy_id, body, ifMatch, scpGuard(caller))),
  'DELETE /v1/policies/{policy_id}': async ({ caller, params, query, ifMatch }) => {
    const options: Parameters<typeof deletePolicy>[2] = { detach: query.detach === 'true', guard: scpGuard(caller) };
    if (ifMatch) options.ifMatch = ifMatch;
    await deletePolicy(caller.account_id, params.policy_id, options);
    return { status: 204 };
  },
  'POST /v1/policies/{policy_id}/versions': async ({ caller, params, body, query, ifMatch }) => {
    if (wantsPreview(query)) return previewPolicyVersion(caller, params.policy_id, body);
    const input: Parameters<typeof createPolicyVersion>[2] = { document: body.document };
    if (body.set_as_default !== undefined) input.set_as_default = body.set_as_default;
    // The default the new version replaces, read before (the delta's inverse restores it).
    const previous = body.set_as_default ? await defaultOf(caller, params.policy_id).catch(() => null) : null;
    const r = await createPolicyVersion(caller.account_id, params.policy_id, input, ifMatch, scpGuard(caller));
    const access_delta = !body.set_as_default ? NO_DELTA() : previous ? await policyDefaultDelta(caller, r.policy, previous) : UNREAD(params.policy_id);
    return { status: 201, body: { ...r, access_delta }, headers: { etag: r.policy.etag } };
  },
  'GET /v1/policies/{policy_id}/versions/{version_id}': async ({ caller, params }) => ok(await getPolicyVersion(caller.account_id, params.policy_id, params.version_id)),
  'DELETE /v1/policies/{policy_id}/versions/{version_id}': async ({ caller, params, ifMatch }) =>
    withEtag(await deletePolicyVersion(caller.account_id, params.policy_id, params.version_id, ifMatch, scpGuard(caller))),
  'PUT /v1/policies/{policy_id}/default_version': async ({ caller, params, body, query, ifMatch }) => {
    if (wantsPreview(query)) return previewDefaultVersion(caller, params.policy_id, body.version_id);
    const previous = await defaultOf(caller, params.policy_id).catch(() => null);
    const policy = await setDefaultVersion(caller.account_id, params.policy_id, body.version_id, ifMatch, scpGuard(caller));
    const access_delta = previous ? await policyDefaultDelta(caller, policy, previous) : UNREAD(params.policy_id);
    return withEtag({ ...policy, access_delta });
  },
});
