/**
 * The route table: every function of serverless.yml, what invokes it, and the HTTP routes each serves, as
 * data (no handlers). It is the one list the rest is derived from:
 *  - each HTTP function serves its own table (shared/router.ts, shared/service.ts): scope, body schema, and
 *    path parameters typed from the route key;
 *  - the OpenAPI document (shared/openapi.ts: `ROUTES`, the documented routes);
 *  - the build's list of bundles (scripts/build.ts);
 *  - the check of serverless.yml's functions and events (test/routes.test.ts reads `sls print`).
 *
 * Cold start: a function imports its own table (one object literal); `FUNCTIONS` and the other tables are
 * unused there and esbuild drops them, so no bundle carries another function's routes or handlers.
 */
import type { SchemaName } from '../../lib/schema/core.js';
import type { Scope } from './auth.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';
/** API Gateway's route key: `METHOD /path/{param}`. */
export type RouteKey = `${Method} /${string}`;

/**
 * Who may call a route: `public` (no token is read), `authenticated` (any valid token for this API), a scope
 * (a valid token with it), or `ims` (the IMS API authorizer decides before the function runs).
 */
export type RouteAuth = Scope | 'authenticated' | 'public' | 'ims';

/** A query parameter of a route: the OpenAPI document's `parameters` (in: query). */
export interface QueryParam {
  description: string;
  type: 'string' | 'boolean' | 'integer';
  enum?: readonly string[];
  required?: true;
}

/**
 * `?preview=true` on a write: nothing is written; the answer is the access each affected principal gains and
 * loses (docs/previews.md). A route without it refuses the parameter (shared/router.ts): asking a write that
 * has no preview for one must not perform the write.
 */
export const PREVIEW_QUERY = {
  preview: { type: 'boolean', description: 'true: write nothing, answer what the write would change: the access each affected principal gains and loses (docs/previews.md)' },
} as const satisfies Readonly<Record<string, QueryParam>>;

export interface RouteDef {
  auth: RouteAuth;
  /** One line for the OpenAPI document. */
  summary: string;
  /** The body's schema (lib/schema): validated before the handler runs, and the handler's `body` type. */
  request?: SchemaName;
  /** The reply's schema, for the OpenAPI document (omitted: a free-form JSON object or no content). */
  response?: SchemaName;
  /** The body's size limit in bytes (default 64 KiB: functions/shared/middlewares.ts). */
  bodyLimit?: number;
  /** Not part of the /v1 API's OpenAPI document (the playground page, the IMS demo backend). */
  documented?: false;
  /** The query parameters it reads, for the OpenAPI document; `preview` only where the route has a preview (`PREVIEW_QUERY`). */
  query?: Readonly<Record<string, QueryParam>>;
}

export type RouteTable = { readonly [K in RouteKey]?: RouteDef };

/** What invokes a function: HTTP routes, API Gateway's `$default` route, SQS, the table's stream, a schedule, or API Gateway (an authorizer). */
export type Trigger = 'http' | 'http-default' | 'sqs' | 'dynamodb-stream' | 'schedule' | 'authorizer';

export interface FunctionSpec {
  /** functions/<name>.ts, bundled to dist/functions/<name>.cjs; its serverless.yml key is the camel-cased name. */
  name: string;
  trigger: Trigger;
  routes?: RouteTable;
}

/** The names of a route key's path parameters: `GET /v1/policies/{policy_id}` -> `policy_id`. */
type ParamNames<S extends string> = S extends `${string}{${infer N}}${infer Rest}` ? N | ParamNames<Rest> : never;
/** A route's path parameters, typed from its key: `PathParams<'GET /v1/policies/{policy_id}'>` is `{ policy_id: string }`. */
export type PathParams<K extends string> = { readonly [N in ParamNames<K>]: string };

export const EVALUATE_ROUTES = {
  'POST /v1/evaluate': { auth: 'evaluate', request: 'EvaluateRequest', response: 'EvaluateResponse', summary: 'Decide a request against identity policies and an SCP chain' },
} as const satisfies RouteTable;

export const EXPLAIN_ROUTES = {
  'POST /v1/explain': { auth: 'evaluate', request: 'EvaluateRequest', response: 'ExplainResponse', summary: 'Decide and explain: per-layer, per-statement trace and readable text' },
} as const satisfies RouteTable;

export const VALIDATE_ROUTES = {
  'POST /v1/validate': { auth: 'authenticated', request: 'ValidateRequest', response: 'ValidateResponse', summary: 'Validate a policy document (identity 5.0/1.1 or SCP)' },
} as const satisfies RouteTable;

export const ANALYSIS_ROUTES = {
  'POST /v1/checks/no-new-access': {
    auth: 'evaluate',
    request: 'NoNewAccessRequest',
    response: 'AnalysisResponse',
    summary: 'Does the proposed policy set allow any request the existing one denies? PASS, or FAIL with every new region and a witness request',
  },
  'POST /v1/checks/access-not-granted': {
    auth: 'evaluate',
    request: 'AccessNotGrantedRequest',
    response: 'AnalysisResponse',
    summary: 'Is any of the listed access (actions, resources) ever allowed by the set? PASS, or FAIL with the regions and witnesses',
  },
  'POST /v1/diff': { auth: 'evaluate', request: 'DiffRequest', response: 'AnalysisResponse', summary: 'Access gained and lost between two policy sets, each region with a witness' },
  'POST /v1/summary': { auth: 'evaluate', request: 'SummaryRequest', response: 'SummaryResponse', summary: 'Every catalog action by access level: always, conditional (when), never' },
} as const satisfies RouteTable;

export const DECISIONS_ROUTES = {
  'GET /v1/decisions/{correlation_id}': { auth: 'evaluate', summary: 'The stored result of a batch (SQS) evaluation of the caller account, by correlation id' },
} as const satisfies RouteTable;

export const CATALOG_ROUTES = {
  'GET /v1/catalog': { auth: 'public', response: 'Catalog', summary: 'The compiled IMS action catalog (cacheable)' },
} as const satisfies RouteTable;

export const OPENAPI_ROUTES = {
  'GET /v1/openapi.json': { auth: 'public', summary: 'This document' },
} as const satisfies RouteTable;

export const POLICIES_ROUTES = {
  'POST /v1/policies': { auth: 'policies:write', request: 'CreatePolicyBody', summary: 'Create a policy (identity 5.0/1.1 or SCP), validated on write' },
  'GET /v1/policies': { auth: 'policies:read', summary: 'List policies (system policies included)' },
  'GET /v1/policies/{policy_id}': { auth: 'policies:read', summary: 'Get a policy with its versions' },
  'PATCH /v1/policies/{policy_id}': { auth: 'policies:write', request: 'UpdatePolicyBody', summary: 'Rename or describe a policy (If-Match)' },
  'DELETE /v1/policies/{policy_id}': { auth: 'policies:write', summary: 'Delete a policy (409 while attached unless ?detach=true)' },
  'POST /v1/policies/{policy_id}/versions': { auth: 'policies:write', request: 'CreatePolicyVersionBody', summary: 'Add a version (at most 5; If-Match)', query: PREVIEW_QUERY },
  'GET /v1/policies/{policy_id}/versions/{version_id}': { auth: 'policies:read', summary: 'Get one version' },
  'DELETE /v1/policies/{policy_id}/versions/{version_id}': { auth: 'policies:write', summary: 'Delete a version (not the default)' },
  'PUT /v1/policies/{policy_id}/default_version': { auth: 'policies:write', request: 'SetDefaultVersionBody', summary: 'Set the default version (If-Match)', query: PREVIEW_QUERY },
} as const satisfies RouteTable;

export const PRINCIPALS_ROUTES = {
  'POST /v1/users': { auth: 'policies:write', request: 'CreateUserBody', summary: 'Create a user' },
  'GET /v1/users': { auth: 'policies:read', summary: 'List users' },
  'GET /v1/users/{user_id}': { auth: 'policies:read', summary: 'Get a user' },
  'DELETE /v1/users/{user_id}': { auth: 'policies:write', summary: 'Delete a user (and its memberships and grants)' },
  'GET /v1/users/{user_id}/groups': { auth: 'policies:read', summary: "A user's groups" },
  'POST /v1/groups': { auth: 'policies:write', request: 'CreateGroupBody', summary: 'Create a user group' },
  'GET /v1/groups': { auth: 'policies:read', summary: 'List user groups' },
  'GET /v1/groups/{group_id}': { auth: 'policies:read', summary: 'Get a user group' },
  'DELETE /v1/groups/{group_id}': { auth: 'policies:write', summary: 'Delete a user group (and its memberships and grants)' },
  'GET /v1/groups/{group_id}/members': { auth: 'policies:read', summary: 'List the members of a group' },
  'PUT /v1/groups/{group_id}/members/{user_id}': { auth: 'policies:write', summary: 'Add a user to a group', query: PREVIEW_QUERY },
  'DELETE /v1/groups/{group_id}/members/{user_id}': { auth: 'policies:write', summary: 'Remove a user from a group', query: PREVIEW_QUERY },
  'POST /v1/agencies': { auth: 'policies:write', request: 'CreateAgencyBody', summary: 'Create an agency' },
  'GET /v1/agencies': { auth: 'policies:read', summary: 'List agencies' },
  'GET /v1/agencies/{agency_id}': { auth: 'policies:read', summary: 'Get an agency' },
  'DELETE /v1/agencies/{agency_id}': { auth: 'policies:write', summary: 'Delete an agency (and its grants)' },
} as const satisfies RouteTable;

export const GRANTS_ROUTES = {
  'POST /v1/grants': { auth: 'policies:write', request: 'CreateGrantBody', summary: 'Attach a policy to a user, group or agency with a scope', query: PREVIEW_QUERY },
  'GET /v1/grants': { auth: 'policies:read', summary: 'List grants (?principal_type&principal_id, ?policy_id)' },
  'GET /v1/grants/{grant_id}': { auth: 'policies:read', summary: 'Get a grant' },
  'DELETE /v1/grants/{grant_id}': { auth: 'policies:write', summary: 'Delete a grant', query: PREVIEW_QUERY },
} as const satisfies RouteTable;

export const ORGANIZATIONS_ROUTES = {
  'POST /v1/organizations': { auth: 'org:write', summary: 'Create an organization (the caller becomes its management account)' },
  'GET /v1/organizations/{org_id}': { auth: 'policies:read', summary: 'Get the organization' },
  'POST /v1/organizations/{org_id}/ous': { auth: 'org:write', request: 'CreateOuBody', summary: 'Create an OU (at most 5 levels)' },
  'DELETE /v1/organizations/{org_id}/ous/{ou_id}': { auth: 'org:write', summary: 'Delete an empty OU' },
  'POST /v1/organizations/{org_id}/accounts': { auth: 'org:write', request: 'AddAccountBody', summary: 'Invite an account (it joins when it accepts)' },
  'GET /v1/invitations': { auth: 'policies:read', summary: "The caller's pending invitations" },
  'POST /v1/invitations/{org_id}/accept': { auth: 'org:write', summary: 'Accept an invitation: the caller joins the organization' },
  'DELETE /v1/invitations/{org_id}': { auth: 'org:write', summary: 'Decline an invitation' },
  'PATCH /v1/organizations/{org_id}/accounts/{account_id}': { auth: 'org:write', request: 'MoveAccountBody', summary: 'Move a member account', query: PREVIEW_QUERY },
  'DELETE /v1/organizations/{org_id}/accounts/{account_id}': { auth: 'org:write', summary: 'Remove a member account' },
  'GET /v1/organizations/{org_id}/nodes/{node_id}/children': { auth: 'policies:read', summary: 'List the OUs and accounts under a node' },
  'POST /v1/organizations/{org_id}/scp/enable': { auth: 'org:write', summary: 'Enable SCPs (attaches FullAccess to every node)' },
  'POST /v1/organizations/{org_id}/scp/disable': { auth: 'org:write', summary: 'Disable SCPs (detaches all)' },
  'GET /v1/organizations/{org_id}/nodes/{node_id}/policies': { auth: 'policies:read', summary: 'SCPs attached to a node' },
  'PUT /v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}': { auth: 'org:write', summary: 'Attach an SCP to a node', query: PREVIEW_QUERY },
  'DELETE /v1/organizations/{org_id}/nodes/{node_id}/policies/{policy_id}': { auth: 'org:write', summary: 'Detach an SCP (409 for the last one)', query: PREVIEW_QUERY },
} as const satisfies RouteTable;

export const ACCESS_ROUTES = {
  'GET /v1/access/who-can': {
    auth: 'policies:read',
    query: {
      action: { type: 'string', required: true, description: 'One IMS action (a name or a legacy alias, no wildcard), e.g. ims:images:deleteImage' },
      resource: { type: 'string', description: 'A resource URN without wildcards; absent or * for an action without a resource type' },
      region: { type: 'string', description: "The request's region: a region name, none (requests without one) or any (every region); default: the resource URN's region" },
      context: { type: 'string', description: 'A JSON object of context values assumed (null: absent); every other key ranges over every value' },
      scope: { type: 'string', enum: ['account', 'organization'], description: 'organization (the management account only): the same question in every member account' },
    },
    summary:
      'Who in the caller account can perform an action on a resource (?action, ?resource, ?region, ?context): each principal always, conditional (with the condition) or never, with the grants, policies and versions that decide it and witnesses by reference',
  },
  'GET /v1/access/what-can': {
    auth: 'policies:read',
    query: {
      principal_type: { type: 'string', enum: ['user', 'agency', 'account'], required: true, description: 'The kind of principal' },
      principal_id: { type: 'string', description: 'The user or agency id (the account itself: none, or the caller account id)' },
    },
    summary:
      'What a principal can do (?principal_type=user|agency|account, ?principal_id): the summary of its effective set, for every request, each project and each enterprise project its grants name',
  },
} as const satisfies RouteTable;

export const IMPORTS_ROUTES = {
  'POST /v1/imports': {
    auth: 'policies:write',
    request: 'ImportRequest',
    // 1 MiB, as a literal: an expression here keeps the table in every bundle (esbuild cannot drop it).
    bodyLimit: 1048576,
    summary:
      'Import Huawei IAM and Organizations API outputs (policies, versions, principals, grants, the organization, SCPs): validated first, refused whole on any error, idempotent; SCPs and the organization also need org:write',
  },
} as const satisfies RouteTable;

export const ACCESS_USAGE_ROUTES = {
  'GET /v1/access/unused': {
    auth: 'policies:read',
    query: {
      days: { type: 'integer', description: 'The window in days (its default and its most: docs/limits.md, docs/unused-access.md)' },
      principal_type: { type: 'string', enum: ['user', 'agency'], description: 'One principal only, with principal_id' },
      principal_id: { type: 'string', description: 'The user or agency id' },
    },
    response: 'UnusedAccessResponse',
    summary: 'Granted actions no by-reference decision allowed within ?days=N (default 90), per user and agency (?principal_type&principal_id for one)',
  },
  'GET /v1/access/suggest': {
    auth: 'policies:read',
    query: {
      principal_type: { type: 'string', enum: ['user', 'agency'], required: true, description: 'The kind of principal' },
      principal_id: { type: 'string', required: true, description: 'The user or agency id' },
      days: { type: 'integer', description: 'The window of use kept, in days (its default and its most: docs/limits.md, docs/unused-access.md)' },
    },
    response: 'SuggestPolicyResponse',
    summary: 'A least-privilege 5.0 policy for ?principal_type&principal_id keeping the actions used within ?days=N, proved with checkNoNewAccess',
  },
} as const satisfies RouteTable;

export const IMS_DEMO_ROUTES = {
  'ANY /ims/{proxy+}': { auth: 'ims', summary: 'The demo IMS-compatible backend behind the IMS API authorizer', documented: false },
} as const satisfies RouteTable;

export const PLAYGROUND_ROUTES = {
  'GET /': { auth: 'public', summary: 'The policy playground page', documented: false },
  'GET /playground': { auth: 'public', summary: 'The policy playground page', documented: false },
  'GET /playground/assets/{file}': { auth: 'public', summary: "The page's content-hashed script and stylesheet", documented: false },
} as const satisfies RouteTable;

/**
 * Every function, in the order of the OpenAPI document's paths (then the others). The build bundles each;
 * serverless.yml must declare each with these events (test/routes.test.ts).
 */
export const FUNCTIONS: readonly FunctionSpec[] = [
  { name: 'evaluate', trigger: 'http', routes: EVALUATE_ROUTES },
  { name: 'explain', trigger: 'http', routes: EXPLAIN_ROUTES },
  { name: 'validate', trigger: 'http', routes: VALIDATE_ROUTES },
  { name: 'analysis', trigger: 'http', routes: ANALYSIS_ROUTES },
  { name: 'decisions', trigger: 'http', routes: DECISIONS_ROUTES },
  { name: 'catalog', trigger: 'http', routes: CATALOG_ROUTES },
  { name: 'openapi', trigger: 'http', routes: OPENAPI_ROUTES },
  { name: 'policies', trigger: 'http', routes: POLICIES_ROUTES },
  { name: 'principals', trigger: 'http', routes: PRINCIPALS_ROUTES },
  { name: 'grants', trigger: 'http', routes: GRANTS_ROUTES },
  { name: 'organizations', trigger: 'http', routes: ORGANIZATIONS_ROUTES },
  { name: 'imports', trigger: 'http', routes: IMPORTS_ROUTES },
  { name: 'access', trigger: 'http', routes: ACCESS_ROUTES },
  { name: 'access-usage', trigger: 'http', routes: ACCESS_USAGE_ROUTES },
  { name: 'not-found', trigger: 'http-default' },
  { name: 'authorizer', trigger: 'authorizer' },
  { name: 'ims-demo', trigger: 'http', routes: IMS_DEMO_ROUTES },
  { name: 'batch', trigger: 'sqs' },
  { name: 'revalidate-stream', trigger: 'dynamodb-stream' },
  { name: 'revalidate-sweep', trigger: 'schedule' },
  { name: 'playground', trigger: 'http', routes: PLAYGROUND_ROUTES },
];
