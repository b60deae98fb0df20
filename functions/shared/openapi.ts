/**
 * The OpenAPI 3.1 document of the HTTP API, generated from lib/schema/schemas.ts: the same schemas the
 * functions validate request bodies with. `ROUTES` is the one list of routes (a test checks serverless.yml
 * against it).
 */
import { catalog } from '../../lib/catalog/catalog.js';
import { SCHEMAS, type SchemaName } from '../../lib/schema/schemas.js';

export interface RouteSpec {
  method: 'get' | 'post';
  path: string;
  function: string;
  summary: string;
  request?: SchemaName;
  response: SchemaName;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'post', path: '/v1/evaluate', function: 'evaluate', summary: 'Decide a request against identity policies and an SCP chain', request: 'EvaluateRequest', response: 'EvaluateResponse' },
  { method: 'post', path: '/v1/explain', function: 'explain', summary: 'Decide and explain: per-layer, per-statement trace and readable text', request: 'EvaluateRequest', response: 'ExplainResponse' },
  { method: 'post', path: '/v1/validate', function: 'validate', summary: 'Validate a policy document (identity 5.0/1.1 or SCP)', request: 'ValidateRequest', response: 'ValidateResponse' },
  { method: 'get', path: '/v1/catalog', function: 'catalog', summary: 'The compiled IMS action catalog (cacheable)', response: 'Catalog' },
  { method: 'get', path: '/v1/openapi.json', function: 'openapi', summary: 'This document', response: 'Catalog' },
];

const json = (name: SchemaName): { 'application/json': { schema: { $ref: string } } } => ({ 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } });
const errorResponse = (description: string): { description: string; content: ReturnType<typeof json> } => ({ description, content: json('Error') });

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const op: Record<string, unknown> = {
      operationId: r.function,
      summary: r.summary,
      responses: {
        '200': r.function === 'openapi' ? { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } : { description: 'OK', content: json(r.response) },
        '400': errorResponse('Malformed JSON or a body that breaks the schema'),
        '500': errorResponse('A fault of the service (the body carries the request id)'),
      },
    };
    if (r.request) {
      const examples = SCHEMAS[r.request].examples ?? [];
      op.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: { $ref: `#/components/schemas/${r.request}` },
            examples: Object.fromEntries(examples.map((value, i) => [`example${i + 1}`, { value }])),
          },
        },
      };
      (op.responses as Record<string, unknown>)['413'] = errorResponse('Body larger than 64 KiB');
      (op.responses as Record<string, unknown>)['415'] = errorResponse('Body not sent as JSON');
      if (r.function !== 'validate') (op.responses as Record<string, unknown>)['422'] = errorResponse('Inline policies with validation errors (INVALID_POLICY, with the findings)');
    }
    if (r.function === 'catalog') (op.responses as Record<string, unknown>)['304'] = { description: 'Not modified (If-None-Match matched the ETag)' };
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ims-authz',
      version: '1',
      description: `Policy decision service for Huawei Cloud IMS permissions. Catalog ${catalog.version}.`,
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    paths,
    components: { schemas: SCHEMAS },
  };
}
