/** Request schemas: what the engine (checkRequestShape) and the decision and validate functions check. */
import { contextScalar, LIMITS, ref, str, type SchemaSet } from './core.js';

export const REQUEST_SCHEMAS = {
  Principal: {
    type: 'object',
    description: 'Who is asking. All fields optional; `type` defaults to `user`.',
    properties: {
      type: { enum: ['user', 'agency', 'account', 'service_linked_agency'] },
      account_id: { type: 'string', maxLength: 256 },
      user_id: { type: 'string', maxLength: 256 },
      user_name: { type: 'string', maxLength: 256 },
      agency: { type: 'string', maxLength: 256 },
      session_name: { type: 'string', maxLength: 256, description: "An agency's session (g:PrincipalUrn)." },
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
      image_owner_account_id: str(256, "With `api`: the account owning the image of the path (default: the caller's)."),
      shared_image: {
        type: 'object',
        description: "The image of another account is shared with the caller's, with this status: its member actions are decided by the policies (docs/semantics.md).",
        properties: { member_status: { enum: ['pending', 'accepted', 'rejected'] } },
        required: ['member_status'],
        additionalProperties: false,
      },
      context: {
        type: 'object',
        maxProperties: LIMITS.contextKeys,
        additionalProperties: { anyOf: [contextScalar, { type: 'null' }, { type: 'array', items: contextScalar, maxItems: LIMITS.contextValues }] },
      },
      // Keys the caller cannot supply (docs/semantics.md, "Unknown context keys"); described in lib/types.ts.
      unknown_context_keys: { type: 'array', items: str(256), maxItems: LIMITS.contextKeys },
      policies: { type: 'array', items: ref('InlinePolicy'), maxItems: LIMITS.policies },
      scps: { type: 'array', items: ref('ScpLevel'), maxItems: LIMITS.scpLevels },
      max_staleness_ms: {
        type: 'integer',
        description: `By reference only: how old (ms, 0-${LIMITS.maxStalenessMs}) the principal's cached policy set may be without checking the account's change stamp (0 or absent: checked on every request).`,
      },
    },
    additionalProperties: false,
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
} as const satisfies SchemaSet;
