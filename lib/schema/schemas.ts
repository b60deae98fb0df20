/**
 * Every JSON Schema of the public shapes, by name: the one definition the engine validates requests with,
 * the HTTP functions validate bodies with, the OpenAPI document is generated from, and lib/types.ts derives
 * the request types from.
 */
import { schemaChecker, type SchemaProblem } from './check.js';
import type { JsonSchema, SchemaName } from './core.js';
import { ANALYSIS_REQUEST_SCHEMAS, ANALYSIS_RESPONSE_SCHEMAS } from './analysis.js';
import { EXAMPLES } from './examples.js';
import { REQUEST_SCHEMAS } from './requests.js';
import { RESOURCE_SCHEMAS } from './resources.js';
import { RESPONSE_SCHEMAS } from './responses.js';
import { USAGE_RESPONSE_SCHEMAS } from './usage.js';

export type { JsonSchema, SchemaName } from './core.js';
export { LIMITS } from './core.js';

const ALL = { ...REQUEST_SCHEMAS, ...RESPONSE_SCHEMAS, ...RESOURCE_SCHEMAS, ...ANALYSIS_REQUEST_SCHEMAS, ...ANALYSIS_RESPONSE_SCHEMAS, ...USAGE_RESPONSE_SCHEMAS } as const;

/** Every schema, by name, as literal types (lib/types.ts derives types from them and resolves `$ref`s in them). */
export type Schemas = typeof ALL;

/** Every schema, with its examples (examples.ts): what the OpenAPI document publishes. */
export const SCHEMAS: Readonly<Record<SchemaName, JsonSchema>> = Object.fromEntries(
  (Object.entries(ALL) as Array<[SchemaName, JsonSchema]>).map(([name, schema]) => [name, EXAMPLES[name] ? { ...schema, examples: EXAMPLES[name] } : schema]),
) as Record<SchemaName, JsonSchema>;

const all = schemaChecker(SCHEMAS);

/**
 * Checks a value against any schema (the OpenAPI document's examples, tests): a checker built over every
 * schema. Functions build their own, over the schemas they use.
 */
export function checkSchema(name: SchemaName, value: unknown): SchemaProblem | null {
  return all.check(name, value);
}

// Each name is a schema and each schema has a name: the `SchemaName` list and the schema sets cannot drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type NamesMatchSchemas = Assert<Same<keyof Schemas, SchemaName>>;
