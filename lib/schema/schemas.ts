/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the public request and response shapes. They are
 * the one definition the engine validates requests with, the HTTP functions validate bodies with, and the
 * OpenAPI document is generated from. References use `#/components/schemas/<Name>`.
 */

export type JsonSchema = {
  type?: SchemaType | SchemaType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  maxProperties?: number;
  enum?: ReadonlyArray<string | number | boolean | null>;
  const?: string | number | boolean | null;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  description?: string;
  examples?: unknown[];
  format?: string;
};
type SchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

export type SchemaName =
  | 'Principal'
  | 'PolicyDocument'
  | 'InlinePolicy'
  | 'ScpLevel'
  | 'ApiCall'
  | 'EvaluateRequest'
  | 'ValidateRequest'
  | 'Position'
  | 'Span'
  | 'Finding'
  | 'ValidateResponse'
  | 'DeniedBy'
  | 'MatchedStatement'
  | 'ActionResult'
  | 'ApiResolution'
  | 'EvaluateResponse'
  | 'ExplainResponse'
  | 'Catalog'
  | 'Error'
  | 'GrantScope'
  | 'CreatePolicyBody'
  | 'UpdatePolicyBody'
  | 'CreatePolicyVersionBody'
  | 'SetDefaultVersionBody'
  | 'CreateUserBody'
  | 'CreateGroupBody'
  | 'CreateAgencyBody'
  | 'CreateGrantBody'
  | 'CreateOuBody'
  | 'AddAccountBody'
  | 'MoveAccountBody'
  | 'BatchMessage';

const ref = (name: SchemaName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const str = (maxLength = 2048, description?: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength, ...(description ? { description } : {}) });

export const LIMITS = { actions: 100, resources: 100, contextKeys: 100, contextValues: 100, policies: 50, scpLevels: 7, scpPoliciesPerLevel: 10, string: 2048 };

const id = (description?: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 64, ...(description ? { description } : {}) });
const name = (): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 128 });
const description: JsonSchema = { type: 'string', maxLength: 1000 };

const contextScalar: JsonSchema = { anyOf: [{ type: 'string', maxLength: LIMITS.string }, { type: 'number' }, { type: 'boolean' }] };

export const SCHEMAS: Record<SchemaName, JsonSchema> = {
  Principal: {
    type: 'object',
    description: 'Who is asking. All fields optional; `type` defaults to `user`.',
    properties: {
      type: { enum: ['user', 'agency', 'account', 'service_linked_agency'] },
      account_id: { type: 'string', maxLength: 256 },
      user_id: { type: 'string', maxLength: 256 },
      user_name: { type: 'string', maxLength: 256 },
      agency: { type: 'string', maxLength: 256 },
      org_path: { type: 'string', maxLength: 1024, description: '<org-id>/<root-id>/(<ou-id>/)*<account-id>' },
      management_account: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  PolicyDocument: {
    description: 'A policy document (5.0 identity policy, 1.1 fine-grained policy, or 5.0 SCP), or its JSON text (text keeps source spans).',
    anyOf: [{ type: 'object' }, { type: 'string', maxLength: 65536 }],
  },
  InlinePolicy: {
    type: 'object',
    properties: { id: str(256), document: ref('PolicyDocument') },
    required: ['id', 'document'],
    additionalProperties: false,
  },
  ScpLevel: {
    type: 'object',
    description: 'One level of the organization path (root, OU or account) with the SCPs attached to it.',
    properties: { level: str(256), policies: { type: 'array', items: ref('InlinePolicy'), maxItems: LIMITS.scpPoliciesPerLevel } },
    required: ['level', 'policies'],
    additionalProperties: false,
  },
  ApiCall: {
    type: 'object',
    properties: {
      method: str(16),
      path: str(),
      hints: {
        type: 'object',
        properties: { quick_import_disk: { enum: ['system', 'data'] }, enterprise_project: { type: 'boolean' } },
        additionalProperties: false,
      },
    },
    required: ['method', 'path'],
    additionalProperties: false,
  },
  EvaluateRequest: {
    type: 'object',
    description: 'Exactly one of `action`, `actions`, `api`; at most one of `resource`, `resources`.',
    properties: {
      principal: ref('Principal'),
      action: str(256),
      actions: { type: 'array', items: str(256), minItems: 1, maxItems: LIMITS.actions },
      api: ref('ApiCall'),
      resource: str(),
      resources: { type: 'array', items: str(), minItems: 1, maxItems: LIMITS.resources },
      region: str(64),
      context: {
        type: 'object',
        maxProperties: LIMITS.contextKeys,
        additionalProperties: { anyOf: [contextScalar, { type: 'null' }, { type: 'array', items: contextScalar, maxItems: LIMITS.contextValues }] },
      },
      policies: { type: 'array', items: ref('InlinePolicy'), maxItems: LIMITS.policies },
      scps: { type: 'array', items: ref('ScpLevel'), maxItems: LIMITS.scpLevels },
    },
    additionalProperties: false,
    examples: [
      {
        principal: { account_id: 'acc-1', user_name: 'alice' },
        action: 'ims:images:deleteImage',
        resource: 'ims:cn-north-4:acc-1:image:abc',
        policies: [
          { id: 'IMS FullAccess', document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] } },
          { id: 'no-delete', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } },
        ],
      },
      {
        principal: { account_id: 'acc-1', user_name: 'alice' },
        api: { method: 'POST', path: '/v1/cloudimages/abc/copy', hints: { enterprise_project: false } },
        region: 'cn-north-4',
        context: { 'ims:Encrypted': true },
        policies: [{ id: 'copy', document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['ims:images:copyInRegion'], Resource: ['ims:*:acc-1:image:*'] }] } }],
      },
    ],
  },
  ValidateRequest: {
    type: 'object',
    properties: {
      policy: ref('PolicyDocument'),
      type: { enum: ['identity', 'scp'] },
      scp_revision: { enum: ['2024', '2025-07', '2025-12'] },
    },
    required: ['policy'],
    additionalProperties: false,
    examples: [{ policy: '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["ims:images:dlete"]}]}', type: 'identity' }],
  },
  Position: {
    type: 'object',
    properties: { line: { type: 'integer' }, column: { type: 'integer' }, offset: { type: 'integer' } },
    required: ['line', 'column', 'offset'],
  },
  Span: { type: 'object', properties: { start: ref('Position'), end: ref('Position') }, required: ['start', 'end'] },
  Finding: {
    type: 'object',
    properties: {
      code: { type: 'string' },
      severity: { enum: ['error', 'security_warning', 'warning', 'suggestion'] },
      message: { type: 'string' },
      path: { type: 'string', description: 'JSON Pointer into the document' },
      span: ref('Span'),
      suggestions: { type: 'array', items: { type: 'string' } },
    },
    required: ['code', 'severity', 'message', 'path'],
  },
  ValidateResponse: {
    type: 'object',
    properties: { valid: { type: 'boolean' }, findings: { type: 'array', items: ref('Finding') }, catalog_version: { type: 'string' } },
    required: ['valid', 'findings', 'catalog_version'],
  },
  DeniedBy: {
    type: 'object',
    properties: {
      layer: { enum: ['identity', 'scp'] },
      level: { type: ['string', 'null'] },
      policy_id: { type: ['string', 'null'] },
      statement: { type: ['integer', 'null'] },
      sid: { type: ['string', 'null'] },
    },
    required: ['layer', 'level', 'policy_id', 'statement', 'sid'],
  },
  MatchedStatement: {
    type: 'object',
    properties: {
      layer: { enum: ['identity', 'scp'] },
      level: { type: ['string', 'null'] },
      policy_id: { type: 'string' },
      statement: { type: 'integer' },
      sid: { type: ['string', 'null'] },
      effect: { enum: ['Allow', 'Deny'] },
    },
    required: ['layer', 'level', 'policy_id', 'statement', 'sid', 'effect'],
  },
  ActionResult: {
    type: 'object',
    properties: {
      action: { type: 'string' },
      resource: { type: 'string' },
      decision: { enum: ['allow', 'deny'] },
      reason: { enum: ['allowed', 'explicit_deny', 'implicit_deny'] },
      denied_by: { anyOf: [ref('DeniedBy'), { type: 'null' }] },
      matched: { type: 'array', items: ref('MatchedStatement') },
      required_by: { enum: ['api', 'dependency'] },
    },
    required: ['action', 'resource', 'decision', 'reason', 'denied_by', 'matched'],
  },
  ApiResolution: {
    type: 'object',
    properties: {
      method: { type: 'string' },
      path: { type: 'string' },
      template: { type: 'string' },
      params: { type: 'object', additionalProperties: { type: 'string' } },
      action: { type: 'string' },
      required_actions: { type: 'array', items: { type: 'string' } },
      assumed: { type: 'array', items: { type: 'string' } },
    },
    required: ['method', 'path', 'template', 'params', 'action', 'required_actions', 'assumed'],
  },
  EvaluateResponse: {
    type: 'object',
    properties: {
      decision: { enum: ['allow', 'deny'] },
      reason: { enum: ['allowed', 'explicit_deny', 'implicit_deny'] },
      denied_by: { anyOf: [ref('DeniedBy'), { type: 'null' }] },
      results: { type: 'array', items: ref('ActionResult') },
      missing_context_keys: { type: 'array', items: { type: 'string' } },
      message: { type: 'string' },
      catalog_version: { type: 'string' },
      decision_id: { type: 'string' },
      api: ref('ApiResolution'),
      warnings: { type: 'array', items: { type: 'string' } },
    },
    required: ['decision', 'reason', 'denied_by', 'results', 'missing_context_keys', 'message', 'catalog_version', 'decision_id', 'warnings'],
  },
  ExplainResponse: {
    allOf: [
      ref('EvaluateResponse'),
      {
        type: 'object',
        properties: {
          trace: { type: 'array', items: { type: 'object', description: 'Per result: layers -> policies -> statements with action/resource/condition matches.' } },
          text: { type: 'string' },
        },
        required: ['trace', 'text'],
      },
    ],
  },
  Catalog: {
    type: 'object',
    description: 'The compiled IMS action catalog.',
    properties: { version: { type: 'string' }, service: { const: 'ims' }, actions: { type: 'array' }, apis: { type: 'array' } },
    required: ['version', 'service', 'actions', 'apis'],
  },
  GrantScope: {
    description: 'Where the grant takes effect.',
    anyOf: [
      { type: 'object', properties: { type: { enum: ['global', 'all_projects'] } }, required: ['type'], additionalProperties: false },
      { type: 'object', properties: { type: { const: 'project' }, project: str(64, 'region project, e.g. cn-north-4') }, required: ['type', 'project'], additionalProperties: false },
      {
        type: 'object',
        properties: { type: { const: 'enterprise_project' }, enterprise_project_id: str(64) },
        required: ['type', 'enterprise_project_id'],
        additionalProperties: false,
      },
    ],
  },
  CreatePolicyBody: {
    type: 'object',
    properties: { policy_id: id('chosen by the caller, or generated'), name: name(), type: { enum: ['identity', 'scp'] }, document: ref('PolicyDocument'), description },
    required: ['name', 'type', 'document'],
    additionalProperties: false,
    examples: [{ name: 'no-delete', type: 'identity', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } }],
  },
  UpdatePolicyBody: { type: 'object', properties: { name: name(), description }, additionalProperties: false },
  CreatePolicyVersionBody: {
    type: 'object',
    properties: { document: ref('PolicyDocument'), set_as_default: { type: 'boolean' } },
    required: ['document'],
    additionalProperties: false,
  },
  SetDefaultVersionBody: { type: 'object', properties: { version_id: str(16) }, required: ['version_id'], additionalProperties: false },
  CreateUserBody: { type: 'object', properties: { user_id: id(), name: name() }, required: ['user_id', 'name'], additionalProperties: false },
  CreateGroupBody: { type: 'object', properties: { group_id: id(), name: name(), description }, required: ['group_id', 'name'], additionalProperties: false },
  CreateAgencyBody: { type: 'object', properties: { agency_id: id(), name: name(), description }, required: ['agency_id', 'name'], additionalProperties: false },
  CreateGrantBody: {
    type: 'object',
    properties: {
      policy_id: str(128),
      principal: {
        type: 'object',
        properties: { type: { enum: ['user', 'group', 'agency'] }, id: id() },
        required: ['type', 'id'],
        additionalProperties: false,
      },
      scope: ref('GrantScope'),
    },
    required: ['policy_id', 'principal', 'scope'],
    additionalProperties: false,
    examples: [{ policy_id: 'system:IMS-ReadOnlyAccess', principal: { type: 'group', id: 'viewers' }, scope: { type: 'project', project: 'cn-north-4' } }],
  },
  CreateOuBody: { type: 'object', properties: { parent_id: id(), name: name() }, required: ['parent_id', 'name'], additionalProperties: false },
  AddAccountBody: { type: 'object', properties: { account_id: id(), parent_id: id() }, required: ['account_id', 'parent_id'], additionalProperties: false },
  MoveAccountBody: { type: 'object', properties: { parent_id: id() }, required: ['parent_id'], additionalProperties: false },
  BatchMessage: {
    type: 'object',
    description:
      'The body of one message of the batch queue (SQS): an evaluate request, by reference or with inline policies, and the account its result belongs to. The result is stored under `correlation_id` (GET /v1/decisions/{correlation_id}); ids are 1-64 characters of A-Z, a-z, 0-9, "_", ".", ":", "-".',
    properties: {
      correlation_id: id('Chosen by the producer; the same id twice stores one result (the first).'),
      account_id: id('The tenant the result belongs to; by-reference requests evaluate its principals.'),
      request: ref('EvaluateRequest'),
    },
    required: ['correlation_id', 'account_id', 'request'],
    additionalProperties: false,
    examples: [
      { correlation_id: 'job-42-item-1', account_id: 'acc-1', request: { principal: { user_id: 'alice' }, action: 'ims:images:list', region: 'cn-north-4' } },
      {
        correlation_id: 'job-42-item-2',
        account_id: 'acc-1',
        request: { action: 'ims:images:delete', resource: 'ims:cn-north-4:acc-1:image:abc', policies: [{ id: 'no-delete', document: { Version: '1.1', Statement: [{ Effect: 'Deny', Action: ['ims:images:delete'] }] } }] },
      },
    ],
  },
  Error: {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: { code: { type: 'string' }, message: { type: 'string' }, details: {}, request_id: { type: 'string' } },
        required: ['code', 'message'],
      },
    },
    required: ['error'],
  },
};
