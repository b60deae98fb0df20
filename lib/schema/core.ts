/**
 * Shared pieces of the JSON Schemas (2020-12, as OpenAPI 3.1 uses them): the schema type, the names, and
 * small builders. The schemas themselves are split by use (requests.ts: what the engine and the decision
 * functions validate; resources.ts: the stored model's bodies; responses.ts: replies, for OpenAPI and
 * tests) so that a function bundles only the schemas it checks. References use `#/components/schemas/<Name>`.
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
export type SchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

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

export const ref = (name: SchemaName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
export const str = (maxLength = 2048, description?: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength, ...(description ? { description } : {}) });

export const LIMITS = { actions: 100, resources: 100, contextKeys: 100, contextValues: 100, policies: 50, scpLevels: 7, scpPoliciesPerLevel: 10, string: 2048, maxStalenessMs: 30_000 };

export const id = (description?: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 64, ...(description ? { description } : {}) });
export const name = (): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 128 });
export const description: JsonSchema = { type: 'string', maxLength: 1000 };

export const contextScalar: JsonSchema = { anyOf: [{ type: 'string', maxLength: LIMITS.string }, { type: 'number' }, { type: 'boolean' }] };
