/**
 * Serves a function's routes (policies, principals, grants, organizations, decisions): its table in
 * shared/routes.ts says each route's scope and body schema, this file's handlers say what it does. The shared
 * middlewares do the rest; the router checks the scope, the body against its schema and the path parameters
 * the route key names, so each handler gets them typed: `params` from the key
 * (`GET /v1/policies/{policy_id}` gives `{ policy_id: string }`), `body` from the schema (lib/types.ts).
 * Store errors become structured 4xx replies; list routes read `limit`/`cursor` from the query string.
 */
import { schemaChecker, type SchemaChecker } from '../../lib/schema/check.js';
import type { SchemaName } from '../../lib/schema/core.js';
import { REQUEST_SCHEMAS } from '../../lib/schema/requests.js';
import { RESOURCE_SCHEMAS } from '../../lib/schema/resources.js';
import type { SchemaValues } from '../../lib/types.js';
import { callerOf, requireScope, type Caller, type Scope } from './auth.js';
import { asHttpError, header, HttpError, type HttpEvent, type Reply } from './http.js';
import { assertSchema, readJsonBody } from './middlewares.js';
import type { HttpHandler } from './public-service.js';
import type { PathParams, RouteKey, RouteDef } from './routes.js';
import { httpHandler } from './service.js';

/** The bodies a routed function may validate (the stored model's, and the documents they embed). */
const BODY_SCHEMAS = { ...REQUEST_SCHEMAS, ...RESOURCE_SCHEMAS };
const bodies = schemaChecker(BODY_SCHEMAS);
type BodySchema = keyof typeof BODY_SCHEMAS;

/** A route this router can serve: one scope, and a body schema its checker can check (by default the stored model's). */
export type RoutedSpec<N extends SchemaName = BodySchema> = RouteDef & { auth: Scope; request?: N };

export interface RouteInput<K extends string, B> {
  caller: Caller;
  params: PathParams<K>;
  query: Record<string, string>;
  body: B;
  /** The If-Match header (a revision or ETag), if any. */
  ifMatch: string | undefined;
}

type BodyOf<S> = S extends { request: infer N extends SchemaName } ? SchemaValues[N] : undefined;

/** One handler per route of the table, typed by it. */
export type Handlers<T> = { readonly [K in keyof T & string]: (input: RouteInput<K, BodyOf<T[K]>>) => Promise<Reply> };

interface Route {
  spec: RoutedSpec<SchemaName>;
  handle: (input: RouteInput<string, unknown>) => Promise<Reply>;
  /** The path parameters its key names (read on the route's first request). */
  params?: string[];
}

function routeKeyOf(event: HttpEvent): string {
  const rk = event.routeKey;
  if (rk && rk !== '$default') return rk;
  return `${event.requestContext?.http?.method ?? 'GET'} ${event.rawPath ?? '/'}`;
}

/**
 * A function serving `routes`. Its bodies are checked with `checker`: by default one over the stored model's
 * schemas; a function whose bodies have schemas of their own (the analysis) passes a checker over them, and
 * the types make every route's `request` one that checker knows.
 */
export function router<T extends { readonly [K in RouteKey]?: RoutedSpec }>(name: string, routes: T, handlers: Handlers<T>): HttpHandler;
export function router<N extends SchemaName, T extends { readonly [K in RouteKey]?: RoutedSpec<N> }>(name: string, routes: T, handlers: Handlers<T>, checker: SchemaChecker<N>): HttpHandler;
export function router(
  name: string,
  routes: { readonly [K in RouteKey]?: RoutedSpec<SchemaName> },
  handlers: Handlers<Record<string, RoutedSpec<SchemaName>>>,
  checker: SchemaChecker<SchemaName> = bodies as SchemaChecker<SchemaName>,
): HttpHandler {
  const table = new Map<string, Route>();
  for (const [key, spec] of Object.entries(routes) as Array<[string, RoutedSpec<SchemaName>]>) {
    table.set(key, { spec, handle: (handlers as unknown as Record<string, Route['handle']>)[key] as Route['handle'] });
  }
  return httpHandler({ name, auth: 'authenticated' }, async (event) => {
    const key = routeKeyOf(event);
    const route = table.get(key);
    if (!route) throw new HttpError(404, 'NOT_FOUND', `No route for ${key}.`);
    const caller = callerOf(event);
    requireScope(caller, route.spec.auth);
    const query: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
    // A preview asked of a route that has none would otherwise be the write itself: refused, nothing done.
    if (query.preview !== undefined && route.spec.query?.preview === undefined) {
      throw new HttpError(400, 'INVALID_REQUEST', `${key} has no preview: nothing was done. The writes with a preview are listed in docs/previews.md.`, { field: 'preview' });
    }
    // A route that declares its query parameters takes no other (a misspelt one is not silently ignored).
    if (route.spec.query) {
      const allowed = Object.keys(route.spec.query);
      for (const k of Object.keys(query)) {
        if (!allowed.includes(k)) throw new HttpError(400, 'INVALID_REQUEST', `Unknown query parameter "${k}"; this route takes ${allowed.join(', ')}.`, { field: k });
      }
    }
    let body: unknown;
    if (route.spec.request) {
      body = readJsonBody(event, route.spec.bodyLimit);
      assertSchema(checker, route.spec.request, body);
    }
    // Null-prototype records: a parameter named `__proto__` or `constructor` is just a key.
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(event.pathParameters ?? {})) if (v !== undefined) params[k] = decodeParam(k, v);
    // Every parameter the key names is there (API Gateway always sends them; an event that lacks one is refused
    // rather than handed to a handler whose type says it has it).
    for (const p of (route.params ??= [...key.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string))) {
      if (params[p] === undefined) throw new HttpError(400, 'INVALID_REQUEST', `The path parameter "${p}" is missing.`, { field: p });
    }
    try {
      return await route.handle({ caller, params, query, body, ifMatch: header(event, 'if-match') });
    } catch (err) {
      throw asHttpError(err);
    }
  });
}

/** A path parameter, percent-decoded; a malformed escape (`%`, `%zz`, a broken UTF-8 sequence) is a 400, not a URIError. */
function decodeParam(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new HttpError(400, 'INVALID_REQUEST', `The path parameter "${name}" is not valid percent-encoding.`, { field: name });
  }
}

export const ok = (body: unknown, status = 200, headers?: Record<string, string>): Reply => (headers ? { status, body, headers } : { status, body });

/** `limit` and `cursor` of a list route. */
export function page(query: Record<string, string>): { limit?: number; cursor?: string } {
  const out: { limit?: number; cursor?: string } = {};
  if (query.limit !== undefined) {
    // Decimal digits only: Number() would also read "1e1", "0x10", " 5" and "" (as 0).
    const n = /^[0-9]{1,3}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new HttpError(400, 'INVALID_REQUEST', '"limit" must be an integer from 1 to 100.', { field: 'limit' });
    out.limit = n;
  }
  if (query.cursor !== undefined) out.cursor = query.cursor;
  return out;
}

/** Replies with an entity and its ETag. */
export function withEtag<T extends { etag?: string }>(entity: T, status = 200): Reply {
  return entity.etag ? { status, body: entity, headers: { etag: entity.etag } } : { status, body: entity };
}
