/** Reply schemas: for the OpenAPI document and the tests that check replies against it. */
import { ref, type SchemaSet } from './core.js';

export const RESPONSE_SCHEMAS = {
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
      reason: { enum: ['allowed', 'explicit_deny', 'implicit_deny', 'context_required'] },
      denied_by: { anyOf: [ref('DeniedBy'), { type: 'null' }] },
      matched: { type: 'array', items: ref('MatchedStatement') },
      required_by: { enum: ['api', 'dependency'] },
      context_required_keys: { type: 'array', items: { type: 'string' } },
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
      reason: { enum: ['allowed', 'explicit_deny', 'implicit_deny', 'context_required'] },
      denied_by: { anyOf: [ref('DeniedBy'), { type: 'null' }] },
      results: { type: 'array', items: ref('ActionResult') },
      missing_context_keys: { type: 'array', items: { type: 'string' } },
      context_required_keys: { type: 'array', items: { type: 'string' }, description: 'With `unknown_context_keys`: the unknown keys a `context_required` answer depends on.' },
      message: { type: 'string' },
      catalog_version: { type: 'string' },
      decision_id: { type: 'string' },
      api: ref('ApiResolution'),
      warnings: {
        type: 'array',
        items: { type: 'string' },
        description:
          'The request\'s own warnings, then the warnings and security warnings validate reports for its inline policies (`policy "<id>"[ (SCP level <level>)] <path>: <CODE> (<severity>): <message>`), at most 10 of those plus one line counting the rest. Stored policies (by reference) add none: they were validated when written.',
      },
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
} as const satisfies SchemaSet;
