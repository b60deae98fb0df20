/**
 * Shared pieces of the JSON Schemas (2020-12, as OpenAPI 3.1 uses them): the schema type, the names, and
 * small builders. The schemas themselves are split by use (requests.ts: what the engine and the decision
 * functions validate; resources.ts: the stored model's bodies; responses.ts: replies, for OpenAPI and
 * tests; analysis.ts: the access analysis's bodies and replies) so that a function bundles only the schemas it checks. References use `#/components/schemas/<Name>`.
 *
 * The schema sets are `as const` literals: lib/types.ts derives the request types from them at compile time
 * (json-schema-to-ts, types only), so the builders below return literal types (`type: 'string'`, the exact
 * `$ref`), not the wide `JsonSchema`.
 */

export type JsonSchema = {
  readonly type?: SchemaType | readonly SchemaType[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly maxProperties?: number;
  readonly enum?: ReadonlyArray<string | number | boolean | null>;
  readonly const?: string | number | boolean | null;
  readonly oneOf?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly $ref?: string;
  readonly description?: string;
  readonly examples?: readonly unknown[];
  readonly format?: string;
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
  | 'BatchMessage'
  | 'AnalysisPolicy'
  | 'AnalysisPolicySet'
  | 'Assume'
  | 'NoNewAccessRequest'
  | 'AccessNotGrantedRequest'
  | 'DiffRequest'
  | 'SummaryRequest'
  | 'AnalysisResponse'
  | 'SummaryResponse'
  | 'ImportRequest'
  | 'UnusedAccessResponse'
  | 'SuggestPolicyResponse';

/** Schemas by name (a set a checker resolves `$ref`s in: lib/schema/check.ts). */
export type SchemaSet = { readonly [N in SchemaName]?: JsonSchema };

/** The `$ref` of a named schema. */
export type SchemaRef<N extends SchemaName> = `#/components/schemas/${N}`;

type Str = { readonly type: 'string'; readonly minLength: 1; readonly maxLength: number; readonly description?: string };

export const ref = <N extends SchemaName>(name: N): { readonly $ref: SchemaRef<N> } => ({ $ref: `#/components/schemas/${name}` });
export const str = (maxLength = 2048, description?: string): Str => ({ type: 'string', minLength: 1, maxLength, ...(description ? { description } : {}) });

export const LIMITS = { actions: 100, resources: 100, contextKeys: 100, contextValues: 100, policies: 50, scpLevels: 7, scpPoliciesPerLevel: 10, string: 2048, maxStalenessMs: 30_000 };

export const id = (description?: string): Str => ({ type: 'string', minLength: 1, maxLength: 64, ...(description ? { description } : {}) });
export const name = (): { readonly type: 'string'; readonly minLength: 1; readonly maxLength: 128 } => ({ type: 'string', minLength: 1, maxLength: 128 });
export const description = { type: 'string', maxLength: 1000 } as const satisfies JsonSchema;

export const contextScalar = { anyOf: [{ type: 'string', maxLength: LIMITS.string }, { type: 'number' }, { type: 'boolean' }] } as const satisfies JsonSchema;
