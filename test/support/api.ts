/**
 * Calls the real HTTP functions in-process, the way API Gateway (HTTP API, payload 2.0) would: the route
 * key is the route's template (`GET /v1/policies/{policy_id}`), path parameters and the query string are
 * parsed from the URL, and the function is the one `ROUTES` names. Also: a table on DynamoDB Local per test file, with the
 * store pointed at it, and bearer tokens.
 */
import type { Context } from 'aws-lambda';
import { handler as accessUsage } from '../../functions/access-usage.js';
import { handler as analysis } from '../../functions/analysis.js';
import { handler as catalog } from '../../functions/catalog.js';
import { handler as decisions } from '../../functions/decisions.js';
import { handler as evaluate } from '../../functions/evaluate.js';
import { handler as explain } from '../../functions/explain.js';
import { handler as grants } from '../../functions/grants.js';
import { handler as imports } from '../../functions/imports.js';
import { handler as access } from '../../functions/access.js';
import { handler as openapi } from '../../functions/openapi.js';
import { handler as organizations } from '../../functions/organizations.js';
import { handler as policies } from '../../functions/policies.js';
import { handler as principals } from '../../functions/principals.js';
import type { HttpEvent, HttpResult } from '../../functions/shared/http.js';
import { ROUTES, type RouteSpec } from '../../functions/shared/openapi.js';
import { handler as validate } from '../../functions/validate.js';
import { startLocalDynamo, type LocalDynamo } from '../../infra/local/dynamo.js';
import { LOCAL_JWT_SECRET, mintToken } from '../../infra/local/token.js';
import { resetClient } from '../../store/client.js';
import { lambdaContext } from './events.js';

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export const HANDLERS: Readonly<Record<string, Handler>> = {
  evaluate,
  explain,
  validate,
  catalog,
  openapi,
  policies,
  principals,
  grants,
  organizations,
  decisions,
  analysis,
  imports,
  access,
  'access-usage': accessUsage,
};

/** `METHOD /template`, as API Gateway names a route. */
export const keyOf = (r: Pick<RouteSpec, 'method' | 'path'>): string => `${r.method.toUpperCase()} ${r.path}`;
export const ROUTE_KEYS: readonly string[] = ROUTES.map(keyOf);

export interface ApiReply {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body (undefined when empty). */
  json: any;
  /** The raw body. */
  text: string;
  /** The route key that served the request. */
  route: string;
}

/** The route of ROUTES a method and path go to (literal segments win over parameters), with its path parameters. */
export function matchRoute(method: string, path: string): { route: RouteSpec; params: Record<string, string> } | undefined {
  const segments = path.split('/').slice(1);
  let best: { route: RouteSpec; params: Record<string, string>; literals: number } | undefined;
  for (const route of ROUTES) {
    if (route.method !== method.toLowerCase()) continue;
    const parts = route.path.split('/').slice(1);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    let matches = true;
    parts.forEach((part, i) => {
      const seg = segments[i] as string;
      const m = /^\{([a-z_]+)\}$/.exec(part);
      if (m) {
        if (seg === '') matches = false;
        params[m[1] as string] = seg;
      } else if (part === seg) literals++;
      else matches = false;
    });
    if (matches && (!best || literals > best.literals)) best = { route, params, literals };
  }
  return best && { route: best.route, params: best.params };
}

let counter = 0;

/** Builds the API Gateway event for `method url` (url with an optional query string). `token` undefined: no Authorization header. */
export function apiEvent(token: string | undefined, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): { event: HttpEvent; route: RouteSpec } {
  const u = new URL(url, 'https://api.example.test');
  const found = matchRoute(method, u.pathname);
  if (!found) throw new Error(`no route in ROUTES for ${method} ${u.pathname}`);
  const requestId = `req-api-${++counter}`;
  const query: Record<string, string> = {};
  u.searchParams.forEach((v, k) => (query[k] = v));
  const key = keyOf(found.route);
  const event: HttpEvent = {
    version: '2.0',
    routeKey: key,
    rawPath: u.pathname,
    rawQueryString: u.search.replace(/^\?/, ''),
    headers: { host: 'api.example.test', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-1',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: method.toUpperCase(), path: u.pathname, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'vitest' },
      requestId,
      routeKey: key,
      stage: '$default',
      time: '22/Nov/2026:05:00:00 +0000',
      timeEpoch: 1795323600000,
    },
    isBase64Encoded: false,
  };
  if (Object.keys(found.params).length > 0) event.pathParameters = found.params;
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  if (body !== undefined) event.body = typeof body === 'string' ? body : JSON.stringify(body);
  return { event, route: found.route };
}

/** Sends one request to the function ROUTES names for it. */
export async function send(token: string | undefined, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
  const { event, route } = apiEvent(token, method, url, body, headers);
  const fn = HANDLERS[route.function];
  if (!fn) throw new Error(`no handler for function ${route.function}`);
  const r = await fn(event, lambdaContext);
  const text = r.body ?? '';
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) out[k.toLowerCase()] = String(v);
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.statusCode ?? 200, headers: out, json, text, route: keyOf(route) };
}

export interface Client {
  token: string;
  get(url: string, headers?: Record<string, string>): Promise<ApiReply>;
  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<ApiReply>;
  put(url: string, body?: unknown, headers?: Record<string, string>): Promise<ApiReply>;
  patch(url: string, body?: unknown, headers?: Record<string, string>): Promise<ApiReply>;
  del(url: string, headers?: Record<string, string>): Promise<ApiReply>;
}

/** A client for an account, with a token of every scope unless `scopes` is given. */
export async function client(account: string, scopes?: readonly string[]): Promise<Client> {
  const token = await mintToken(account, scopes, { secret: LOCAL_JWT_SECRET });
  return {
    token,
    get: (url, headers) => send(token, 'GET', url, undefined, headers),
    post: (url, body, headers) => send(token, 'POST', url, body, headers),
    put: (url, body, headers) => send(token, 'PUT', url, body, headers),
    patch: (url, body, headers) => send(token, 'PATCH', url, body, headers),
    del: (url, headers) => send(token, 'DELETE', url, undefined, headers),
  };
}

/** Encodes one path segment. */
export const seg = (s: string): string => encodeURIComponent(s);

/**
 * Starts a table on DynamoDB Local for this test file and points the store and the token check at it. Call from
 * beforeAll; `stop` from afterAll.
 */
export async function startLocalApi(name: string): Promise<{ db: LocalDynamo; stop: () => Promise<void> }> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AUTH_MODE = 'hs256';
  process.env.AUTH_JWT_SECRET = LOCAL_JWT_SECRET;
  const db = await startLocalDynamo({ port: 0, tableName: `${name}-${process.pid}` });
  process.env.DYNAMODB_ENDPOINT = db.endpoint;
  process.env.POLICY_TABLE = db.tableName;
  resetClient();
  return {
    db,
    stop: async () => {
      resetClient();
      await db.close();
    },
  };
}

/** Every page of a list route (`items`, `next_cursor`), following the cursor. */
export async function listAll(c: Client, url: string, limit?: number): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let cursor: string | null | undefined;
  let pages = 0;
  do {
    const u = new URL(url, 'https://api.example.test');
    if (limit !== undefined) u.searchParams.set('limit', String(limit));
    if (cursor) u.searchParams.set('cursor', cursor);
    const r = await c.get(`${u.pathname}${u.search}`);
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.text}`);
    items.push(...(r.json.items as any[]));
    cursor = r.json.next_cursor;
    pages++;
    if (pages > 100) throw new Error(`${url}: more than 100 pages`);
  } while (cursor);
  return { items, pages };
}

/** The management account invites an account into the organization (202) and the account accepts (201). */
export async function join(mgmt: Client, orgId: string, accountId: string, parentId: string): Promise<ApiReply> {
  const invite = await mgmt.post(`/v1/organizations/${orgId}/accounts`, { account_id: accountId, parent_id: parentId });
  if (invite.status !== 202) return invite;
  return (await client(accountId)).post(`/v1/invitations/${orgId}/accept`);
}
