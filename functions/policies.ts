/** Stored policies and their versions (owned by the caller's account; system policies are read-only). */
import type { PolicyDocument } from '../lib/types.js';
import {
  createPolicy,
  createPolicyVersion,
  deletePolicy,
  deletePolicyVersion,
  getPolicy,
  getPolicyVersion,
  listPolicies,
  setDefaultVersion,
  updatePolicy,
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
      const r = await createPolicy(input);
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
    handle: async ({ caller, params, body, ifMatch }) => withEtag(await updatePolicy(caller.account_id, params.policy_id as string, body as { name?: string; description?: string }, ifMatch)),
  },
  {
    key: 'DELETE /v1/policies/{policy_id}',
    scope: 'policies:write',
    handle: async ({ caller, params, query, ifMatch }) => {
      const options: { detach?: boolean; ifMatch?: string } = { detach: query.detach === 'true' };
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
      const r = await createPolicyVersion(caller.account_id, params.policy_id as string, input, ifMatch);
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
    handle: async ({ caller, params, ifMatch }) => withEtag(await deletePolicyVersion(caller.account_id, params.policy_id as string, params.version_id as string, ifMatch)),
  },
  {
    key: 'PUT /v1/policies/{policy_id}/default_version',
    scope: 'policies:write',
    body: 'SetDefaultVersionBody',
    handle: async ({ caller, params, body, ifMatch }) => withEtag(await setDefaultVersion(caller.account_id, params.policy_id as string, (body as { version_id: string }).version_id, ifMatch)),
  },
]);
