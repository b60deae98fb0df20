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
import type { PolicyDocument } from '../lib/types.js';
import type { Caller } from './shared/auth.js';
import {
  createPolicy,
  createPolicyVersion,
  deletePolicy,
  deletePolicyVersion,
  getPolicy,
  getPolicyVersion,
  listPolicies,
  managedOrg,
  setDefaultVersion,
  updatePolicy,
  type PolicyWriteGuard,
} from '../store/index.js';
import { HttpError } from './shared/http.js';
import { ok, page, router, withEtag } from './shared/router.js';

interface CreateBody {
  policy_id?: string;
  name: string;
  type: 'identity' | 'scp';
  document: PolicyDocument | string;
  description?: string;
}

const notFound = (id: string): HttpError => new HttpError(404, 'NOT_FOUND', `No policy ${id} in this account.`);

/**
 * The guard of a write: identity policies pass; an SCP needs `org:write` and a caller that manages an
 * organization (one read of the account and its organization, at most once per request).
 */
function scpGuard(caller: Caller): PolicyWriteGuard {
  let rights: Promise<void> | undefined;
  return (policy) => {
    if (policy.type !== 'scp') return undefined;
    return (rights ??= (async () => {
      if (!caller.scopes.has('org:write')) {
        throw new HttpError(403, 'FORBIDDEN', `${policy.policy_id} is an SCP: creating or changing an SCP needs the "org:write" scope too.`, { policy_id: policy.policy_id, required_scopes: ['policies:write', 'org:write'] });
      }
      if ((await managedOrg(caller.account_id)) === undefined) {
        throw new HttpError(403, 'FORBIDDEN', `${policy.policy_id} is an SCP: SCPs belong to an organization, and only its management account creates or changes them (this account manages none).`, { policy_id: policy.policy_id });
      }
    })());
  };
}

export const handler = router('policies', [
  {
    key: 'POST /v1/policies',
    scope: 'policies:write',
    body: 'CreatePolicyBody',
    handle: async ({ caller, body }) => {
      const b = body as CreateBody;
      const input: Parameters<typeof createPolicy>[0] = { account_id: caller.account_id, name: b.name, type: b.type, document: b.document };
      if (b.policy_id) input.policy_id = b.policy_id;
      if (b.description !== undefined) input.description = b.description;
      const r = await createPolicy(input, scpGuard(caller));
      return { status: 201, body: r, headers: { etag: r.policy.etag, location: `/v1/policies/${r.policy.policy_id}` } };
    },
  },
  {
    key: 'GET /v1/policies',
    scope: 'policies:read',
    handle: async ({ caller, query }) => {
      const options: Parameters<typeof listPolicies>[1] = page(query);
      if (query.type !== undefined) {
        if (query.type !== 'identity' && query.type !== 'scp') throw new HttpError(400, 'INVALID_REQUEST', '"type" must be identity or scp.', { field: 'type' });
        options.type = query.type;
      }
      return ok(await listPolicies(caller.account_id, options));
    },
  },
  {
    key: 'GET /v1/policies/{policy_id}',
    scope: 'policies:read',
    handle: async ({ caller, params }) => {
      const p = await getPolicy(caller.account_id, params.policy_id as string);
      if (!p) throw notFound(params.policy_id as string);
      return withEtag(p);
    },
  },
  {
    key: 'PATCH /v1/policies/{policy_id}',
    scope: 'policies:write',
    body: 'UpdatePolicyBody',
    handle: async ({ caller, params, body, ifMatch }) => withEtag(await updatePolicy(caller.account_id, params.policy_id as string, body as { name?: string; description?: string }, ifMatch, scpGuard(caller))),
  },
  {
    key: 'DELETE /v1/policies/{policy_id}',
    scope: 'policies:write',
    handle: async ({ caller, params, query, ifMatch }) => {
      const options: Parameters<typeof deletePolicy>[2] = { detach: query.detach === 'true', guard: scpGuard(caller) };
      if (ifMatch) options.ifMatch = ifMatch;
      await deletePolicy(caller.account_id, params.policy_id as string, options);
      return { status: 204 };
    },
  },
  {
    key: 'POST /v1/policies/{policy_id}/versions',
    scope: 'policies:write',
    body: 'CreatePolicyVersionBody',
    handle: async ({ caller, params, body, ifMatch }) => {
      const b = body as { document: PolicyDocument | string; set_as_default?: boolean };
      const input: { document: PolicyDocument | string; set_as_default?: boolean } = { document: b.document };
      if (b.set_as_default !== undefined) input.set_as_default = b.set_as_default;
      const r = await createPolicyVersion(caller.account_id, params.policy_id as string, input, ifMatch, scpGuard(caller));
      return { status: 201, body: r, headers: { etag: r.policy.etag } };
    },
  },
  {
    key: 'GET /v1/policies/{policy_id}/versions/{version_id}',
    scope: 'policies:read',
    handle: async ({ caller, params }) => ok(await getPolicyVersion(caller.account_id, params.policy_id as string, params.version_id as string)),
  },
  {
    key: 'DELETE /v1/policies/{policy_id}/versions/{version_id}',
    scope: 'policies:write',
    handle: async ({ caller, params, ifMatch }) => withEtag(await deletePolicyVersion(caller.account_id, params.policy_id as string, params.version_id as string, ifMatch, scpGuard(caller))),
  },
  {
    key: 'PUT /v1/policies/{policy_id}/default_version',
    scope: 'policies:write',
    body: 'SetDefaultVersionBody',
    handle: async ({ caller, params, body, ifMatch }) => withEtag(await setDefaultVersion(caller.account_id, params.policy_id as string, (body as { version_id: string }).version_id, ifMatch, scpGuard(caller))),
  },
]);
