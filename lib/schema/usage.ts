/**
 * The replies of unused access (docs/unused-access.md): `GET /v1/access/unused` and `GET /v1/access/suggest`.
 * Replies only (both routes take their input from the query string), for the OpenAPI document and the tests.
 */
import { ref, type SchemaSet } from './core.js';

const principal = {
  type: 'object',
  properties: { type: { enum: ['user', 'agency'] }, id: { type: 'string' }, name: { type: 'string' } },
  required: ['type', 'id'],
} as const;
const hour = { type: 'string', description: 'The start of the hour (UTC, ISO 8601) of the last decision that allowed the action.' } as const;
const window = {
  days: { type: 'integer', description: "The window in days: the query string's days (1 to 400, default 90)." },
  since: { type: 'string', description: 'Decisions from this instant on count as use (as_of minus days; ISO 8601).' },
  as_of: { type: 'string', description: 'The time of the report (ISO 8601).' },
} as const;
const used = { type: 'array', items: { type: 'object', properties: { action: { type: 'string' }, last_used: hour }, required: ['action', 'last_used'] } } as const;
const unused = {
  type: 'array',
  items: { type: 'object', properties: { action: { type: 'string' }, last_used: { anyOf: [hour, { type: 'null' }] } }, required: ['action', 'last_used'] },
  description: 'Granted actions no decision allowed within the window; last_used: the last one before it, null for none on record (400 days).',
} as const;
const principalUnused = {
  type: 'object',
  properties: { principal, granted: { type: 'integer', description: 'Catalog actions its identity Allow statements name.' }, used, unused },
  required: ['principal', 'granted', 'used', 'unused'],
} as const;

export const USAGE_RESPONSE_SCHEMAS = {
  UnusedAccessResponse: {
    type: 'object',
    description:
      "Each user's and agency's granted actions (named by an Allow statement of its grants or its groups'), split by whether a by-reference decision allowed them within the last `days` days.",
    properties: { ...window, principals: { type: 'array', items: principalUnused }, principals_omitted: { type: 'integer' } },
    required: ['days', 'since', 'as_of', 'principals'],
  },
  SuggestPolicyResponse: {
    type: 'object',
    description:
      'A least-privilege 5.0 identity policy (one document per grant scope) keeping every used action and dropping the unused, and the proof: checkNoNewAccess(current set, suggested). safe is true only when the proof is PASS.',
    properties: {
      ...window,
      principal,
      used,
      unused,
      policies: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            scope: ref('GrantScope'),
            document: ref('PolicyDocument'),
            from: { type: 'array', items: { type: 'object', properties: { policy_id: { type: 'string' }, version: { type: ['string', 'null'] }, grant_id: { type: ['string', 'null'] } } } },
          },
          required: ['scope', 'document', 'from'],
        },
      },
      kept: { type: 'array', items: { type: 'string' } },
      dropped: { type: 'array', items: { type: 'string' } },
      proof: { anyOf: [ref('AnalysisResponse'), { type: 'null' }] },
      proof_error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] },
      safe: { type: 'boolean' },
    },
    required: ['days', 'since', 'as_of', 'principal', 'used', 'unused', 'policies', 'kept', 'dropped', 'proof', 'safe'],
  },
} as const satisfies SchemaSet;
