/**
 * The access analysis's bodies and replies (docs/analysis.md): the policy set, the assumptions, one request
 * body per route, and the two reply shapes. Kept apart from requests.ts so that only the analysis function
 * bundles them; the schemas of a set's parts (InlinePolicy's document, ScpLevel, Principal, the evaluate
 * request's context, GrantScope) are the evaluate request's and the stored grants', by reference.
 */
import { LIMITS, ref, str, type SchemaSet } from './core.js';
import { REQUEST_SCHEMAS } from './requests.js';

const context = REQUEST_SCHEMAS.EvaluateRequest.properties.context;
const assume = { ...ref('Assume'), description: 'Facts that narrow the requests searched (principal fields, region, context values; null: absent).' } as const;

export const ANALYSIS_REQUEST_SCHEMAS = {
  AnalysisPolicy: {
    type: 'object',
    description: 'An identity policy of a set, with the scope of the grant that attaches it (default: global).',
    properties: { id: str(256), document: ref('PolicyDocument'), scope: ref('GrantScope') },
    required: ['id', 'document'],
    additionalProperties: false,
  },
  AnalysisPolicySet: {
    type: 'object',
    description: 'A policy set: identity policies, an SCP chain (outermost level first), and optionally the facts of the requests it is for (these narrow the space as `assume` does).',
    properties: {
      policies: { type: 'array', items: ref('AnalysisPolicy'), maxItems: LIMITS.policies },
      scps: { type: 'array', items: ref('ScpLevel'), maxItems: LIMITS.scpLevels },
      principal: ref('Principal'),
      region: str(64),
      context,
    },
    additionalProperties: false,
  },
  Assume: {
    type: 'object',
    properties: { principal: ref('Principal'), region: { anyOf: [str(64), { type: 'null' }] }, context },
    additionalProperties: false,
  },
  NoNewAccessRequest: {
    type: 'object',
    properties: { existing: ref('AnalysisPolicySet'), proposed: ref('AnalysisPolicySet'), assume },
    required: ['existing', 'proposed'],
    additionalProperties: false,
  },
  AccessNotGrantedRequest: {
    type: 'object',
    properties: {
      set: ref('AnalysisPolicySet'),
      actions: { type: 'array', items: str(256), minItems: 1, maxItems: LIMITS.actions, description: 'Action names or patterns (default: every catalog action).' },
      resources: { type: 'array', items: str(), minItems: 1, maxItems: LIMITS.resources, description: 'URNs or URN patterns (default: every resource).' },
      assume,
    },
    required: ['set'],
    additionalProperties: false,
  },
  DiffRequest: {
    type: 'object',
    properties: { a: ref('AnalysisPolicySet'), b: ref('AnalysisPolicySet'), assume },
    required: ['a', 'b'],
    additionalProperties: false,
  },
  SummaryRequest: {
    type: 'object',
    properties: { set: ref('AnalysisPolicySet'), assume },
    required: ['set'],
    additionalProperties: false,
  },
} as const satisfies SchemaSet;

const statementRef = {
  type: 'object',
  properties: {
    layer: { enum: ['identity', 'scp'] },
    level: { type: ['string', 'null'] },
    policy_id: { type: 'string' },
    statement: { type: 'integer' },
    sid: { type: ['string', 'null'] },
    effect: { enum: ['Allow', 'Deny'] },
    path: { type: 'string' },
    span: ref('Span'),
  },
  required: ['layer', 'level', 'policy_id', 'statement', 'sid', 'effect', 'path'],
} as const;
const resources = {
  type: 'array',
  items: { type: 'object', properties: { match: { type: 'array', items: { type: 'string' } }, except: { type: 'array', items: { type: 'string' } } }, required: ['match', 'except'] },
} as const;
const condition = { type: 'object', properties: { text: { type: 'string' }, all_of: { type: 'array', items: { type: 'object' } } }, required: ['text', 'all_of'] } as const;
const principals = { type: 'array', items: { enum: ['user_or_agency', 'account', 'scp_exempt', 'management_account'] } } as const;
const unknownReasons = {
  type: 'array',
  items: {
    type: 'object',
    properties: { code: { enum: ['WORK_LIMIT', 'UNDECIDED_VALUES', 'INTERNAL_MISMATCH', 'OUTSIDE_REQUEST_LIMITS'] }, message: { type: 'string' }, action: { type: 'string' }, key: { type: 'string' } },
    required: ['code', 'message'],
  },
} as const;
const stats = { type: 'object', description: 'Work done (groups of actions, outcome regions, engine decisions, diagram nodes, automaton steps).' } as const;

export const ANALYSIS_RESPONSE_SCHEMAS = {
  AnalysisResponse: {
    type: 'object',
    description: 'PASS (no such access), FAIL (findings, each a region with a witness request) or UNKNOWN (unknown_reasons say what could not be decided exactly).',
    properties: {
      result: { enum: ['PASS', 'FAIL', 'UNKNOWN'] },
      findings: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            kind: { enum: ['new_access', 'access_granted', 'lost_access', 'access_denied'] },
            action: { type: 'string' },
            resources,
            condition,
            principals,
            granted_by: { type: 'array', items: statementRef },
            refused_by: {
              type: 'object',
              properties: { denied_by: { type: 'array', items: statementRef }, no_allow_in: { type: 'array', items: { type: 'object' } } },
              required: ['denied_by', 'no_allow_in'],
            },
            witness: { ...ref('EvaluateRequest'), description: 'A full evaluate request: allowed with the allowing set, denied with the other.' },
          },
          required: ['kind', 'action', 'resources', 'condition', 'principals', 'granted_by', 'witness'],
        },
      },
      unknown_reasons: unknownReasons,
      catalog_version: { type: 'string' },
      findings_omitted: { type: 'integer' },
      stats,
    },
    required: ['result', 'findings', 'unknown_reasons', 'catalog_version', 'stats'],
  },
  SummaryResponse: {
    type: 'object',
    description: 'Every catalog action, by access level: always, conditional (with the regions and a witness each), never, or unknown.',
    properties: {
      groups: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            access_level: { enum: ['list', 'read', 'write', 'permission_management', 'tagging', 'other'] },
            actions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  action: { type: 'string' },
                  access: { enum: ['always', 'conditional', 'never', 'unknown'] },
                  when: { type: 'array', items: { type: 'object' } },
                  text: { type: 'string' },
                },
                required: ['action', 'access'],
              },
            },
          },
          required: ['access_level', 'actions'],
        },
      },
      principals,
      unknown_reasons: unknownReasons,
      catalog_version: { type: 'string' },
      stats,
    },
    required: ['groups', 'principals', 'unknown_reasons', 'catalog_version', 'stats'],
  },
} as const satisfies SchemaSet;
