/**
 * A route table for functions that serve several routes of one resource (policies, principals, grants,
 * organizations): each route names its scope and body schema; the shared middlewares do the rest.
 * Store errors become structured 4xx replies; list routes read `limit`/`cursor` from the query string.
 */
import { registerSchemas } from '../../lib/schema/check.js';
import type { SchemaName } from '../../lib/schema/core.js';
import { RESOURCE_SCHEMAS } from '../../lib/schema/resources.js';
import { callerOf, requireScope, type Caller, type Scope } from './auth.js';
import { asHttpError, header, HttpError, type HttpEvent, type Reply } from './http.js';
import { assertSchema, readJsonBody } from './middlewares.js';
import { service } from './service.js';

export interface RouteInput {
  caller: Caller;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** The If-Match header (a revision or ETag), if any. */
  ifMatch: string | undefined;
}

export interface Route {
  /** API Gateway route key, e.g. `POST /v1/policies/{policy_id}/versions`. */
  key: string;
  scope: Scope;
  body?: SchemaName;
  handle: (input: RouteInput) => Promise<Reply>;
}

function routeKeyOf(event: HttpEvent): string {
  const rk = event.routeKey;
  if (rk && rk !== '$default') return rk;
  return `${event.requestContext?.http?.method ?? 'GET'} ${event.rawPath ?? '/'}`;
}

registerSchemas(RESOURCE_SCHEMAS);

export function router(name: string, routes: readonly Route[]): ReturnType<typeof service> {
  const table = new Map(routes.map((r) => [r.key, r]));
  return service({ name, auth: 'authenticated' }, async (event) => {
    const key = routeKeyOf(event);
    const route = table.get(key);
    if (!route) throw new HttpError(404, 'NOT_FOUND', `No route for ${key}.`);
    const caller = callerOf(event);
    requireScope(caller, route.scope);
    let body: unknown;
    if (route.body) {
      body = readJsonBody(event);
      assertSchema(route.body, body);
    }
    // Null-prototype records: a parameter named `__proto__` or `constructor` is just a key.
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(event.pathParameters ?? {})) if (v !== undefined) params[k] = decodeParam(k, v);
    const query: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
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
