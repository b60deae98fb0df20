/**
 * A tour of the HTTP API: one call of every documented route, in an order that works on a fresh local
 * stack (`npm start`), in accounts of its own (acc-7 creates everything; acc-8 and acc-9 are invited into its
 * organization). scripts/api-docs.ts prints it as the curl lines of docs/http-api.md; test/api-docs.test.ts
 * runs it against the real functions and a real table (every step must answer its status) and fails when a
 * documented route has no step, so the page cannot miss a route or drift from the API.
 */
import type { RouteKey } from '../functions/shared/routes.js';
import { EXAMPLES } from '../lib/schema/examples.js';

/** Who calls: the shell variable holding the token, and the account it names. */
export const TOUR_TOKENS = { TOKEN: 'acc-7', MEMBER_TOKEN: 'acc-8', OTHER_TOKEN: 'acc-9' } as const;
export type TourToken = keyof typeof TOUR_TOKENS;

export interface TourStep {
  /** What the step shows, one sentence. */
  title: string;
  route: RouteKey;
  /** The path with the query string; `$VAR` are values captured by earlier steps. */
  path: string;
  /** Omitted: a public route, no token. */
  token?: TourToken;
  body?: unknown;
  headers?: Readonly<Record<string, string>>;
  /** `VAR=$(curl ... | jq -r FIELD)`: a field of the reply, kept for later steps (`.a.b` or `.items[0].id`). */
  capture?: { name: string; field: string };
  status: number;
}

const NO_DELETE = { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:deleteImage'], Resource: ['*'] }] };
const READ_AND_LIST = { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:get', 'ims:images:list'], Resource: ['*'] }] };
const DENY_UNENCRYPTED_COPY = { Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:copyInRegion'], Resource: ['*'], Condition: { Bool: { 'ims:Encrypted': ['false'] } } }] };
const IMAGE = 'ims:cn-north-4:acc-7:image:3f1c2a9e-5b7d-4c1e-9a8f-0d2b6e4c7a15';

export const TOUR: readonly TourStep[] = [
  { title: 'The action catalog (public, cacheable: send its ETag back as If-None-Match for a 304)', route: 'GET /v1/catalog', path: '/v1/catalog', status: 200 },
  { title: 'This API as an OpenAPI 3.1 document (public)', route: 'GET /v1/openapi.json', path: '/v1/openapi.json', status: 200 },
  {
    title: 'Validate a policy given as text (findings carry positions)',
    route: 'POST /v1/validate',
    path: '/v1/validate',
    token: 'TOKEN',
    body: { policy: '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:dlete"],"Resource":["*"]}]}', type: 'identity' },
    status: 200,
  },
  {
    title: 'Decide a request with inline policies',
    route: 'POST /v1/evaluate',
    path: '/v1/evaluate',
    token: 'TOKEN',
    body: { principal: { account_id: 'acc-7', user_id: 'u-1', user_name: 'alice' }, action: 'ims:images:deleteImage', resource: IMAGE, policies: [{ id: 'read', document: READ_AND_LIST }] },
    status: 200,
  },
  {
    title: 'The same, explained (trace and text)',
    route: 'POST /v1/explain',
    path: '/v1/explain',
    token: 'TOKEN',
    body: { principal: { account_id: 'acc-7', user_id: 'u-1', user_name: 'alice' }, action: 'ims:images:get', resource: IMAGE, policies: [{ id: 'read', document: READ_AND_LIST }] },
    status: 200,
  },
  {
    title: 'Does a proposed policy set allow anything the existing one denies? (FAIL with witness requests)',
    route: 'POST /v1/checks/no-new-access',
    path: '/v1/checks/no-new-access',
    token: 'TOKEN',
    body: EXAMPLES.NoNewAccessRequest?.[0],
    status: 200,
  },
  {
    title: 'Is this access ever granted by the set?',
    route: 'POST /v1/checks/access-not-granted',
    path: '/v1/checks/access-not-granted',
    token: 'TOKEN',
    body: EXAMPLES.AccessNotGrantedRequest?.[0],
    status: 200,
  },
  { title: 'The access gained and lost between two sets', route: 'POST /v1/diff', path: '/v1/diff', token: 'TOKEN', body: EXAMPLES.DiffRequest?.[0], status: 200 },
  { title: 'Every action of a set: always, conditional or never', route: 'POST /v1/summary', path: '/v1/summary', token: 'TOKEN', body: EXAMPLES.SummaryRequest?.[0], status: 200 },
  {
    title: 'Store a policy (validated: 422 with the findings if it has errors)',
    route: 'POST /v1/policies',
    path: '/v1/policies',
    token: 'TOKEN',
    body: { policy_id: 'read-images', name: 'read images', type: 'identity', document: READ_AND_LIST },
    status: 201,
  },
  {
    title: 'Another one, to deny deletions',
    route: 'POST /v1/policies',
    path: '/v1/policies',
    token: 'TOKEN',
    body: { policy_id: 'no-delete', name: 'no delete', type: 'identity', document: NO_DELETE },
    status: 201,
  },
  { title: "List the account's policies (system policies first; ?limit and ?cursor page)", route: 'GET /v1/policies', path: '/v1/policies?limit=5', token: 'TOKEN', status: 200 },
  { title: 'A policy with its versions; the ETag header is its revision', route: 'GET /v1/policies/{policy_id}', path: '/v1/policies/read-images', token: 'TOKEN', status: 200 },
  {
    title: 'Describe it, only if nobody changed it since (If-Match)',
    route: 'PATCH /v1/policies/{policy_id}',
    path: '/v1/policies/read-images',
    token: 'TOKEN',
    headers: { 'If-Match': '"1"' },
    body: { description: 'read-only access to images' },
    status: 200,
  },
  {
    title: 'Add a version (at most 5)',
    route: 'POST /v1/policies/{policy_id}/versions',
    path: '/v1/policies/read-images/versions',
    token: 'TOKEN',
    body: { document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:get', 'ims:images:list', 'ims:images:getTags'], Resource: ['*'] }] } },
    capture: { name: 'VERSION', field: '.version.version_id' },
    status: 201,
  },
  { title: 'Read that version', route: 'GET /v1/policies/{policy_id}/versions/{version_id}', path: '/v1/policies/read-images/versions/$VERSION', token: 'TOKEN', status: 200 },
  {
    title: 'Make it the one evaluated',
    route: 'PUT /v1/policies/{policy_id}/default_version',
    path: '/v1/policies/read-images/default_version',
    token: 'TOKEN',
    body: { version_id: '$VERSION' },
    status: 200,
  },
  {
    title: 'Delete the first version (not the default any more)',
    route: 'DELETE /v1/policies/{policy_id}/versions/{version_id}',
    path: '/v1/policies/read-images/versions/v1',
    token: 'TOKEN',
    status: 200,
  },
  { title: 'A user', route: 'POST /v1/users', path: '/v1/users', token: 'TOKEN', body: { user_id: 'alice', name: 'alice' }, status: 201 },
  { title: 'The users', route: 'GET /v1/users', path: '/v1/users', token: 'TOKEN', status: 200 },
  { title: 'One user', route: 'GET /v1/users/{user_id}', path: '/v1/users/alice', token: 'TOKEN', status: 200 },
  { title: 'A user group', route: 'POST /v1/groups', path: '/v1/groups', token: 'TOKEN', body: { group_id: 'image-readers', name: 'image readers' }, status: 201 },
  { title: 'The groups', route: 'GET /v1/groups', path: '/v1/groups', token: 'TOKEN', status: 200 },
  { title: 'One group', route: 'GET /v1/groups/{group_id}', path: '/v1/groups/image-readers', token: 'TOKEN', status: 200 },
  { title: 'Put alice in it', route: 'PUT /v1/groups/{group_id}/members/{user_id}', path: '/v1/groups/image-readers/members/alice', token: 'TOKEN', status: 204 },
  { title: 'Its members', route: 'GET /v1/groups/{group_id}/members', path: '/v1/groups/image-readers/members', token: 'TOKEN', status: 200 },
  { title: "alice's groups", route: 'GET /v1/users/{user_id}/groups', path: '/v1/users/alice/groups', token: 'TOKEN', status: 200 },
  { title: 'An agency', route: 'POST /v1/agencies', path: '/v1/agencies', token: 'TOKEN', body: { agency_id: 'ops', name: 'ops' }, status: 201 },
  { title: 'The agencies', route: 'GET /v1/agencies', path: '/v1/agencies', token: 'TOKEN', status: 200 },
  { title: 'One agency', route: 'GET /v1/agencies/{agency_id}', path: '/v1/agencies/ops', token: 'TOKEN', status: 200 },
  {
    title: 'Grant the policy to the group, in every project of cn-north-4',
    route: 'POST /v1/grants',
    path: '/v1/grants',
    token: 'TOKEN',
    body: { policy_id: 'read-images', principal: { type: 'group', id: 'image-readers' }, scope: { type: 'project', project: 'cn-north-4' } },
    capture: { name: 'GRANT', field: '.grant_id' },
    status: 201,
  },
  { title: "The group's grants", route: 'GET /v1/grants', path: '/v1/grants?principal_type=group&principal_id=image-readers', token: 'TOKEN', status: 200 },
  { title: 'One grant', route: 'GET /v1/grants/{grant_id}', path: '/v1/grants/$GRANT', token: 'TOKEN', status: 200 },
  {
    title: "Decide by reference: alice's stored grants, in scope for the region",
    route: 'POST /v1/evaluate',
    path: '/v1/evaluate',
    token: 'TOKEN',
    body: { principal: { account_id: 'acc-7', user_id: 'alice' }, action: 'ims:images:list', region: 'cn-north-4' },
    status: 200,
  },
  {
    title: 'Who can read this image: each principal always, conditional or never, with the grants that decide it (docs/who-can.md)',
    route: 'GET /v1/access/who-can',
    path: `/v1/access/who-can?action=ims:images:get&resource=${IMAGE}`,
    token: 'TOKEN',
    status: 200,
  },
  {
    title: 'What alice can do, for every request and in each project her grants name',
    route: 'GET /v1/access/what-can',
    path: '/v1/access/what-can?principal_type=user&principal_id=alice',
    token: 'TOKEN',
    status: 200,
  },
  {
    title: 'Granted actions no by-reference decision allowed within 30 days, per user and agency (docs/unused-access.md)',
    route: 'GET /v1/access/unused',
    path: '/v1/access/unused?days=30',
    token: 'TOKEN',
    status: 200,
  },
  {
    title: "A least-privilege 5.0 policy for alice keeping what she used, proved to grant nothing new (safe: the proof's PASS)",
    route: 'GET /v1/access/suggest',
    path: '/v1/access/suggest?principal_type=user&principal_id=alice&days=30',
    token: 'TOKEN',
    status: 200,
  },
  {
    title: 'A batch result by correlation id (404 until a queue message with that id was decided)',
    route: 'GET /v1/decisions/{correlation_id}',
    path: '/v1/decisions/job-42-item-1',
    token: 'TOKEN',
    status: 404,
  },
  {
    title: 'An organization: acc-7 becomes its management account',
    route: 'POST /v1/organizations',
    path: '/v1/organizations',
    token: 'TOKEN',
    capture: { name: 'ORG', field: '.org_id' },
    status: 201,
  },
  { title: 'The organization (and its root id)', route: 'GET /v1/organizations/{org_id}', path: '/v1/organizations/$ORG', token: 'TOKEN', capture: { name: 'ROOT', field: '.root_id' }, status: 200 },
  {
    title: 'An OU under the root',
    route: 'POST /v1/organizations/{org_id}/ous',
    path: '/v1/organizations/$ORG/ous',
    token: 'TOKEN',
    body: { parent_id: '$ROOT', name: 'prod' },
    capture: { name: 'OU', field: '.node_id' },
    status: 201,
  },
  { title: 'Invite acc-8', route: 'POST /v1/organizations/{org_id}/accounts', path: '/v1/organizations/$ORG/accounts', token: 'TOKEN', body: { account_id: 'acc-8', parent_id: '$ROOT' }, status: 202 },
  { title: "acc-8's pending invitations", route: 'GET /v1/invitations', path: '/v1/invitations', token: 'MEMBER_TOKEN', status: 200 },
  { title: 'acc-8 accepts', route: 'POST /v1/invitations/{org_id}/accept', path: '/v1/invitations/$ORG/accept', token: 'MEMBER_TOKEN', status: 201 },
  {
    title: 'Move acc-8 into the OU',
    route: 'PATCH /v1/organizations/{org_id}/accounts/{account_id}',
    path: '/v1/organizations/$ORG/accounts/acc-8',
    token: 'TOKEN',
    body: { parent_id: '$OU' },
    status: 200,
  },
  { title: 'What is under the root', route: 'GET /v1/organizations/{org_id}/nodes/{node_id}/children', path: '/v1/organizations/$ORG/nodes/$ROOT/children', token: 'TOKEN', status: 200 },
  { title: 'Enable SCPs (FullAccess is attached to every node)', route: 'POST /v1/organizations/{org_id}/scp/enable', path: '/v1/organizations/$ORG/scp/enable', token: 'TOKEN', status: 200 },
  {
    title: 'An SCP (a management-account write: scopes policies:write and org:write)',
    route: 'POST /v1/policies',
    path: '/v1/policies',
    token: 'TOKEN',
    body: { policy_id: 'deny-unencrypted-copy', name: 'deny unencrypted copies', type: 'scp', document: DENY_UNENCRYPTED_COPY },
    status: 201,
  },
  {
    title: 'Attach it to the OU',
    route: 'PUT /v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}',
    path: '/v1/organizations/$ORG/nodes/$OU/policies/deny-unencrypted-copy',
    token: 'TOKEN',
    status: 204,
  },
  { title: "The OU's SCPs", route: 'GET /v1/organizations/{org_id}/nodes/{node_id}/policies', path: '/v1/organizations/$ORG/nodes/$OU/policies', token: 'TOKEN', status: 200 },
  {
    title: 'Detach it (the last SCP of a node cannot be: 409)',
    route: 'DELETE /v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}',
    path: '/v1/organizations/$ORG/nodes/$OU/policies/deny-unencrypted-copy',
    token: 'TOKEN',
    status: 204,
  },
  {
    title: 'Invite acc-9 ...',
    route: 'POST /v1/organizations/{org_id}/accounts',
    path: '/v1/organizations/$ORG/accounts',
    token: 'TOKEN',
    body: { account_id: 'acc-9', parent_id: '$ROOT' },
    status: 202,
  },
  { title: '... which declines', route: 'DELETE /v1/invitations/{org_id}', path: '/v1/invitations/$ORG', token: 'OTHER_TOKEN', status: 204 },
  { title: 'Remove acc-8 from the organization', route: 'DELETE /v1/organizations/{org_id}/accounts/{account_id}', path: '/v1/organizations/$ORG/accounts/acc-8', token: 'TOKEN', status: 204 },
  { title: 'Delete the OU, now empty', route: 'DELETE /v1/organizations/{org_id}/ous/{ou_id}', path: '/v1/organizations/$ORG/ous/$OU', token: 'TOKEN', status: 204 },
  { title: 'Disable SCPs', route: 'POST /v1/organizations/{org_id}/scp/disable', path: '/v1/organizations/$ORG/scp/disable', token: 'TOKEN', status: 200 },
  { title: 'Delete the grant', route: 'DELETE /v1/grants/{grant_id}', path: '/v1/grants/$GRANT', token: 'TOKEN', status: 204 },
  { title: 'Take alice out of the group', route: 'DELETE /v1/groups/{group_id}/members/{user_id}', path: '/v1/groups/image-readers/members/alice', token: 'TOKEN', status: 204 },
  { title: 'Delete the user', route: 'DELETE /v1/users/{user_id}', path: '/v1/users/alice', token: 'TOKEN', status: 204 },
  { title: 'Delete the group', route: 'DELETE /v1/groups/{group_id}', path: '/v1/groups/image-readers', token: 'TOKEN', status: 204 },
  { title: 'Delete the agency', route: 'DELETE /v1/agencies/{agency_id}', path: '/v1/agencies/ops', token: 'TOKEN', status: 204 },
  {
    title: 'Import saved Huawei API outputs (here a ListCustomPolicies response): validated first, refused whole on any error, idempotent (docs/imports.md)',
    route: 'POST /v1/imports',
    path: '/v1/imports',
    token: 'TOKEN',
    body: {
      files: [
        {
          name: 'iam/roles.json',
          content: {
            roles: [
              {
                id: 'f67224e84dc849ab954ce29fb4f47e31',
                name: 'custom_acc7_0',
                display_name: 'IMSImageListers',
                catalog: 'CUSTOMED',
                type: 'XA',
                policy: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:images:list'] }] },
              },
            ],
            total_number: 1,
          },
        },
      ],
    },
    status: 200,
  },
  {
    title: 'Delete a policy (?detach=true also removes its grants and attachments; without it, 409 while attached)',
    route: 'DELETE /v1/policies/{policy_id}',
    path: '/v1/policies/no-delete?detach=true',
    token: 'TOKEN',
    status: 204,
  },
];
