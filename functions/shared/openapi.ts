/**
 * The OpenAPI 3.1 document of the HTTP API, generated from lib/schema/schemas.ts: the same schemas the
 * functions validate request bodies with. `ROUTES` is the one list of routes (a test checks serverless.yml
 * against it).
 */
import { catalog } from '../../lib/catalog/catalog.js';
import { SCHEMAS, type SchemaName } from '../../lib/schema/schemas.js';

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  function: string;
  summary: string;
  request?: SchemaName;
  /** Omitted: a free-form JSON object (stored entities) or no content. */
  response?: SchemaName;
  /** Public routes need no bearer token. */
  public?: boolean;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'post', path: '/v1/evaluate', function: 'evaluate', summary: 'Decide a request against identity policies and an SCP chain', request: 'EvaluateRequest', response: 'EvaluateResponse' },
  { method: 'post', path: '/v1/explain', function: 'explain', summary: 'Decide and explain: per-layer, per-statement trace and readable text', request: 'EvaluateRequest', response: 'ExplainResponse' },
  { method: 'post', path: '/v1/validate', function: 'validate', summary: 'Validate a policy document (identity 5.0/1.1 or SCP)', request: 'ValidateRequest', response: 'ValidateResponse' },
  { method: 'get', path: '/v1/decisions/{correlation_id}', function: 'decisions', summary: 'The stored result of a batch (SQS) evaluation of the caller account, by correlation id' },
  { method: 'get', path: '/v1/catalog', function: 'catalog', summary: 'The compiled IMS action catalog (cacheable)', response: 'Catalog', public: true },
  { method: 'get', path: '/v1/openapi.json', function: 'openapi', summary: 'This document', public: true },
  { method: 'post', path: '/v1/policies', function: 'policies', summary: 'Create a policy (identity 5.0/1.1 or SCP), validated on write', request: 'CreatePolicyBody' },
  { method: 'get', path: '/v1/policies', function: 'policies', summary: 'List policies (system policies included)' },
  { method: 'get', path: '/v1/policies/{policy_id}', function: 'policies', summary: 'Get a policy with its versions' },
  { method: 'patch', path: '/v1/policies/{policy_id}', function: 'policies', summary: 'Rename or describe a policy (If-Match)', request: 'UpdatePolicyBody' },
  { method: 'delete', path: '/v1/policies/{policy_id}', function: 'policies', summary: 'Delete a policy (409 while attached unless ?detach=true)' },
  { method: 'post', path: '/v1/policies/{policy_id}/versions', function: 'policies', summary: 'Add a version (at most 5; If-Match)', request: 'CreatePolicyVersionBody' },
  { method: 'get', path: '/v1/policies/{policy_id}/versions/{version_id}', function: 'policies', summary: 'Get one version' },
  { method: 'delete', path: '/v1/policies/{policy_id}/versions/{version_id}', function: 'policies', summary: 'Delete a version (not the default)' },
  { method: 'put', path: '/v1/policies/{policy_id}/default_version', function: 'policies', summary: 'Set the default version (If-Match)', request: 'SetDefaultVersionBody' },
  { method: 'post', path: '/v1/users', function: 'principals', summary: 'Create a user', request: 'CreateUserBody' },
  { method: 'get', path: '/v1/users', function: 'principals', summary: 'List users' },
  { method: 'get', path: '/v1/users/{user_id}', function: 'principals', summary: 'Get a user' },
  { method: 'delete', path: '/v1/users/{user_id}', function: 'principals', summary: 'Delete a user (and its memberships and grants)' },
  { method: 'get', path: '/v1/users/{user_id}/groups', function: 'principals', summary: "A user's groups" },
  { method: 'post', path: '/v1/groups', function: 'principals', summary: 'Create a user group', request: 'CreateGroupBody' },
  { method: 'get', path: '/v1/groups', function: 'principals', summary: 'List user groups' },
  { method: 'get', path: '/v1/groups/{group_id}', function: 'principals', summary: 'Get a user group' },
  { method: 'delete', path: '/v1/groups/{group_id}', function: 'principals', summary: 'Delete a user group (and its memberships and grants)' },
  { method: 'get', path: '/v1/groups/{group_id}/members', function: 'principals', summary: 'List the members of a group' },
  { method: 'put', path: '/v1/groups/{group_id}/members/{user_id}', function: 'principals', summary: 'Add a user to a group' },
  { method: 'delete', path: '/v1/groups/{group_id}/members/{user_id}', function: 'principals', summary: 'Remove a user from a group' },
  { method: 'post', path: '/v1/agencies', function: 'principals', summary: 'Create an agency', request: 'CreateAgencyBody' },
  { method: 'get', path: '/v1/agencies', function: 'principals', summary: 'List agencies' },
  { method: 'get', path: '/v1/agencies/{agency_id}', function: 'principals', summary: 'Get an agency' },
  { method: 'delete', path: '/v1/agencies/{agency_id}', function: 'principals', summary: 'Delete an agency (and its grants)' },
  { method: 'post', path: '/v1/grants', function: 'grants', summary: 'Attach a policy to a user, group or agency with a scope', request: 'CreateGrantBody' },
  { method: 'get', path: '/v1/grants', function: 'grants', summary: 'List grants (?principal_type&principal_id, ?policy_id)' },
  { method: 'get', path: '/v1/grants/{grant_id}', function: 'grants', summary: 'Get a grant' },
  { method: 'delete', path: '/v1/grants/{grant_id}', function: 'grants', summary: 'Delete a grant' },
  { method: 'post', path: '/v1/organizations', function: 'organizations', summary: 'Create an organization (the caller becomes its management account)' },
  { method: 'get', path: '/v1/organizations/{org_id}', function: 'organizations', summary: 'Get the organization' },
  { method: 'post', path: '/v1/organizations/{org_id}/ous', function: 'organizations', summary: 'Create an OU (at most 5 levels)', request: 'CreateOuBody' },
  { method: 'delete', path: '/v1/organizations/{org_id}/ous/{ou_id}', function: 'organizations', summary: 'Delete an empty OU' },
  { method: 'post', path: '/v1/organizations/{org_id}/accounts', function: 'organizations', summary: 'Invite an account (it joins when it accepts)', request: 'AddAccountBody' },
  { method: 'get', path: '/v1/invitations', function: 'organizations', summary: "The caller's pending invitations" },
  { method: 'post', path: '/v1/invitations/{org_id}/accept', function: 'organizations', summary: 'Accept an invitation: the caller joins the organization' },
  { method: 'delete', path: '/v1/invitations/{org_id}', function: 'organizations', summary: 'Decline an invitation' },
  { method: 'patch', path: '/v1/organizations/{org_id}/accounts/{account_id}', function: 'organizations', summary: 'Move a member account', request: 'MoveAccountBody' },
  { method: 'delete', path: '/v1/organizations/{org_id}/accounts/{account_id}', function: 'organizations', summary: 'Remove a member account' },
  { method: 'get', path: '/v1/organizations/{org_id}/nodes/{node_id}/children', function: 'organizations', summary: 'List the OUs and accounts under a node' },
  { method: 'post', path: '/v1/organizations/{org_id}/scp/enable', function: 'organizations', summary: 'Enable SCPs (attaches FullAccess to every node)' },
  { method: 'post', path: '/v1/organizations/{org_id}/scp/disable', function: 'organizations', summary: 'Disable SCPs (detaches all)' },
  { method: 'get', path: '/v1/organizations/{org_id}/nodes/{node_id}/policies', function: 'organizations', summary: 'SCPs attached to a node' },
  { method: 'put', path: '/v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}', function: 'organizations', summary: 'Attach an SCP to a node' },
  { method: 'delete', path: '/v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}', function: 'organizations', summary: 'Detach an SCP (409 for the last one)' },
];

const json = (name: SchemaName): { 'application/json': { schema: { $ref: string } } } => ({ 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } });
const errorResponse = (description: string): { description: string; content: ReturnType<typeof json> } => ({ description, content: json('Error') });

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const op: Record<string, unknown> = {
      operationId: `${r.method}${r.path.replace(/\{[a-z_]+\}/g, 'By').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: r.summary,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(r.public ? { security: [] } : {}),
      responses: {
        '200': r.response ? { description: 'OK', content: json(r.response) } : { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
        '400': errorResponse('Malformed JSON or a body that breaks the schema'),
        ...(r.public ? {} : { '401': errorResponse('Missing, invalid or expired bearer token'), '403': errorResponse('The token lacks the scope'), '404': errorResponse('Not found in the caller account') }),
        '500': errorResponse('A fault of the service (the body carries the request id)'),
      },
    };
    if (r.request) {
      const examples = SCHEMAS[r.request].examples ?? [];
      op.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: { $ref: `#/components/schemas/${r.request}` },
            examples: Object.fromEntries(examples.map((value, i) => [`example${i + 1}`, { value }])),
          },
        },
      };
      (op.responses as Record<string, unknown>)['413'] = errorResponse('Body larger than 64 KiB');
      (op.responses as Record<string, unknown>)['415'] = errorResponse('Body not sent as JSON');
      if (r.function !== 'validate') (op.responses as Record<string, unknown>)['422'] = errorResponse('Policies with validation errors (INVALID_POLICY, with the findings)');
    }
    if (r.function === 'catalog') (op.responses as Record<string, unknown>)['304'] = { description: 'Not modified (If-None-Match matched the ETag)' };
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ims-authz',
      version: '1',
      description: `Policy decision service for Huawei Cloud IMS permissions. Catalog ${catalog.version}.`,
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    security: [{ bearer: [] }],
    paths,
    components: { schemas: SCHEMAS, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
