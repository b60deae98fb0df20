/** Bodies of the stored-model routes (policies, principals, grants, organizations) and the batch message. */
import { description, id, name, ref, str, type SchemaSet } from './core.js';

export const RESOURCE_SCHEMAS = {
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
  },
  CreateOuBody: { type: 'object', properties: { parent_id: id(), name: name() }, required: ['parent_id', 'name'], additionalProperties: false },
  AddAccountBody: { type: 'object', properties: { account_id: id(), parent_id: id() }, required: ['account_id', 'parent_id'], additionalProperties: false },
  MoveAccountBody: { type: 'object', properties: { parent_id: id() }, required: ['parent_id'], additionalProperties: false },
  ImportRequest: {
    type: 'object',
    description:
      'Saved responses of Huawei IAM and Organizations APIs (docs/imports.md): each file its path (which names the owner of a response that does not name it, e.g. iam/policies/<policy_id>/versions.json) and its JSON body, as a value or as text. `dry_run`: validate and compare with the store, write nothing.',
    properties: {
      source: { const: 'huawei' },
      files: {
        type: 'array',
        minItems: 1,
        maxItems: 500,
        items: { type: 'object', properties: { name: str(1024), content: {} }, required: ['name', 'content'], additionalProperties: false },
      },
      dry_run: { type: 'boolean' },
    },
    required: ['files'],
    additionalProperties: false,
  },
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
  },
} as const satisfies SchemaSet;
