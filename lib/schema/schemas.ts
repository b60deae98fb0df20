/**
 * Every JSON Schema of the public shapes, by name: the one definition the engine validates requests with,
 * the HTTP functions validate bodies with, and the OpenAPI document is generated from.
 */
import { registerSchemas } from './check.js';
import type { JsonSchema, SchemaName } from './core.js';
import { REQUEST_SCHEMAS } from './requests.js';
import { RESOURCE_SCHEMAS } from './resources.js';
import { RESPONSE_SCHEMAS } from './responses.js';

export type { JsonSchema, SchemaName } from './core.js';
export { LIMITS } from './core.js';

export const SCHEMAS = { ...REQUEST_SCHEMAS, ...RESPONSE_SCHEMAS, ...RESOURCE_SCHEMAS } as Record<SchemaName, JsonSchema>;

// Whoever imports every schema (the OpenAPI document, tests) can check against every schema.
registerSchemas(SCHEMAS);
