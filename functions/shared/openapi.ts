/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route table (shared/routes.ts: every
 * documented route of every function) and lib/schema/schemas.ts (the same schemas the functions validate
 * request bodies with).
 */
import { catalog } from '../../lib/catalog/catalog.js';
import { SCHEMAS, type SchemaName } from '../../lib/schema/schemas.js';
import { FUNCTIONS, type RouteDef } from './routes.js';

/** A documented route, as the document and the tests read it. */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  function: string;
  summary: string;
  request?: SchemaName;
  /** Omitted: a free-form JSON object (stored entities) or no content. */
  response?: SchemaName;
  /** Public routes need no bearer token. */
  public?: boolean;
  /** Its query parameters (shared/routes.ts). */
  query?: RouteDef['query'];
}

/** The documented routes of every function (shared/routes.ts), in its order. */
export const ROUTES: readonly RouteSpec[] = FUNCTIONS.flatMap((f) =>
  (Object.entries(f.routes ?? {}) as Array<[string, RouteDef]>)
    .filter(([, r]) => r.documented !== false)
    .map(([key, r]) => {
      const [method, path] = key.split(' ') as [string, string];
      const spec: RouteSpec = { method: method.toLowerCase() as RouteSpec['method'], path, function: f.name, summary: r.summary };
      if (r.request) spec.request = r.request;
      if (r.response) spec.response = r.response;
      if (r.auth === 'public') spec.public = true;
      if (r.query) spec.query = r.query;
      return spec;
    }),
);

const json = (name: SchemaName): { 'application/json': { schema: { $ref: string } } } => ({ 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } });
const errorResponse = (description: string): { description: string; content: ReturnType<typeof json> } => ({ description, content: json('Error') });

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params: Array<Record<string, unknown>> = [...r.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    for (const [name, q] of Object.entries(r.query ?? {})) {
      params.push({ name, in: 'query', description: q.description, ...(q.required ? { required: true } : {}), schema: { type: q.type, ...(q.enum ? { enum: q.enum } : {}) } });
    }
    const op: Record<string, unknown> = {
      operationId: `${r.method}${r.path.replace(/\{[a-z_]+\}/g, 'By').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: r.summary,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(r.public ? { security: [] } : {}),
      responses: {
        '200': r.response ? { description: 'OK', content: json(r.response) } : { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
        '400': errorResponse('Malformed JSON or a body that breaks the schema'),
        ...(r.public
          ? {}
          : { '401': errorResponse('Missing, invalid or expired bearer token'), '403': errorResponse('The token lacks the scope'), '404': errorResponse('Not found in the caller account') }),
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
      if (r.function !== 'validate') (op.responses as Record<string, unknown>)['422'] = errorResponse('Policies with validation errors (INVALID_POLICY, with the findings)');
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
    security: [{ bearer: [] }],
    paths,
    components: { schemas: SCHEMAS, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
