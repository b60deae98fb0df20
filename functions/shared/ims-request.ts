/**
 * What the IMS API authorizer reads from an API Gateway (HTTP API, payload 2.0) REQUEST authorizer event:
 * the IMS call (method and path, the gateway prefix removed), the region, the API hints and the request
 * context. Pure functions over the event, so the cache-key reasoning below can be tested.
 *
 * Cache safety. API Gateway caches a simple response per tuple of identity-source values
 * (`IDENTITY_SOURCES`, the list serverless.yml gives the authorizer; a test checks they agree). An answer is
 * safe to cache only if it is a function of that tuple (and of the deployment's configuration and the stored
 * policies). The tuple holds the token (the principal), the method and the full path (the IMS API and its
 * image id) and the source IP (g:SourceIp). The optional `x-ims-*` headers cannot be identity sources:
 * API Gateway answers 401 without calling the authorizer when an identity source is missing. So when
 * caching is on (`IMS_AUTHORIZER_CACHE_TTL` > 0, the same value as `resultTtlInSeconds`) those headers are
 * not read at all: the region is the deployment's (`IMS_REGION`), the hints are absent (every conditional
 * requirement applies: fail closed) and there is no g:EnterpriseProjectId. With caching off (TTL 0) every
 * request reaches the authorizer, and the headers are read.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { matchRoute } from '../../lib/catalog/catalog.js';
import type { ApiHints, ContextValue } from '../../lib/types.js';

/** The authorizer's identity sources: API Gateway's cache key, in this order. */
export const IDENTITY_SOURCES = ['$request.header.Authorization', '$context.httpMethod', '$context.path', '$context.identity.sourceIp'] as const;

/** Optional request headers, read only when API Gateway does not cache the authorizer's answers. */
export const IMS_HEADERS = {
  region: 'x-ims-region',
  quickImportDisk: 'x-ims-quick-import-disk',
  enterpriseProject: 'x-ims-enterprise-project',
  enterpriseProjectId: 'x-ims-enterprise-project-id',
} as const;

export interface GatewayConfig {
  /** The deployment's IMS region (`IMS_REGION`); empty: none. */
  region: string;
  /** Path prefix of the gateway's IMS routes (`IMS_PATH_PREFIX`, e.g. `/ims`); empty: none. */
  pathPrefix: string;
  /** API Gateway's cache TTL for the authorizer (`IMS_AUTHORIZER_CACHE_TTL`); > 0: headers are not read. */
  cacheTtl: number;
}

export function gatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const ttl = Number(env.IMS_AUTHORIZER_CACHE_TTL ?? '0');
  const prefix = (env.IMS_PATH_PREFIX ?? '').trim().replace(/\/+$/, '');
  return {
    region: (env.IMS_REGION ?? '').trim(),
    pathPrefix: prefix === '' ? '' : prefix.startsWith('/') ? prefix : `/${prefix}`,
    // Anything but a plain non-negative number counts as "cached": the stricter reading.
    cacheTtl: Number.isFinite(ttl) && ttl >= 0 ? ttl : 1,
  };
}

/** Why a request could not be read; becomes the deny reason. */
export type ReadProblem = 'INVALID_EVENT' | 'REGION_UNKNOWN' | 'INVALID_REGION' | 'INVALID_PATH' | 'UNKNOWN_API' | 'INVALID_HEADER' | PathIdProblem;

export interface ImsRequest {
  method: string;
  /** The IMS path (prefix removed, segments decoded and checked). */
  path: string;
  region: string;
  hints: ApiHints;
  context: Record<string, ContextValue>;
  /** `header`, `config`: where the region came from. */
  regionFrom: 'header' | 'config';
}

export type ReadResult = { ok: true; request: ImsRequest } | { ok: false; problem: ReadProblem; message: string };

const REGION_RE = /^[a-z]{2,}(-[a-z0-9]+){1,4}$/;
/** A path segment, decoded: unreserved characters only (no `/`, `\`, `%`, `:`, `*`, spaces, control characters). */
const SEGMENT_RE = /^[A-Za-z0-9_.~-]{1,128}$/;
const HEADER_VALUE_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_PATH = 1024;

/** A header of the event, case-insensitively. */
export function eventHeader(event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers'>, name: string): string | undefined {
  const h = event.headers;
  if (!h || typeof h !== 'object') return undefined;
  const lower = name.toLowerCase();
  for (const k of Object.keys(h)) if (k.toLowerCase() === lower) return typeof h[k] === 'string' ? h[k] : undefined;
  return undefined;
}

const fail = (problem: ReadProblem, message: string): ReadResult => ({ ok: false, problem, message });

/**
 * The IMS path of a gateway path: the stage (named stages only) and the prefix removed, every segment
 * decoded once and checked. Dot segments, encoded slashes and anything outside the unreserved characters
 * are refused, so the gateway, this authorizer and the backend cannot read one path as different APIs.
 */
export function imsPath(rawPath: string, prefix: string, stage?: string): { ok: true; path: string } | { ok: false; problem: ReadProblem; message: string } {
  let p = rawPath;
  if (p.length > MAX_PATH) return { ok: false, problem: 'INVALID_PATH', message: `The path is longer than ${MAX_PATH} characters.` };
  if (stage && stage !== '$default' && p.startsWith(`/${stage}/`)) p = p.slice(stage.length + 1);
  if (prefix) {
    if (p !== prefix && !p.startsWith(`${prefix}/`)) return { ok: false, problem: 'UNKNOWN_API', message: `The path is not under ${prefix}.` };
    p = p.slice(prefix.length);
  }
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (!p.startsWith('/') || p === '/') return { ok: false, problem: 'UNKNOWN_API', message: 'The path names no IMS API.' };
  const out: string[] = [];
  for (const raw of p.slice(1).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, problem: 'INVALID_PATH', message: 'The path has a malformed percent-encoding.' };
    }
    if (!SEGMENT_RE.test(seg) || seg === '.' || seg === '..')
      return { ok: false, problem: 'INVALID_PATH', message: 'A path segment is empty, a dot segment, or has characters outside A-Z a-z 0-9 _ . ~ -.' };
    out.push(seg);
  }
  return { ok: true, path: `/${out.join('/')}` };
}

/** Reads the IMS call from an authorizer event. Never throws. */
export function readImsRequest(event: APIGatewayRequestAuthorizerEventV2, config: GatewayConfig): ReadResult {
  const rc = event.requestContext as Partial<APIGatewayRequestAuthorizerEventV2['requestContext']> | undefined;
  const method = rc?.http?.method;
  if (typeof method !== 'string' || !/^[A-Za-z]{3,10}$/.test(method)) return fail('INVALID_EVENT', 'The event has no requestContext.http.method.');
  const rawPath = typeof event.rawPath === 'string' ? event.rawPath : rc?.http?.path;
  if (typeof rawPath !== 'string') return fail('INVALID_EVENT', 'The event has no rawPath.');
  const headersRead = config.cacheTtl === 0;

  let region = config.region;
  let regionFrom: ImsRequest['regionFrom'] = 'config';
  if (headersRead) {
    const h = eventHeader(event, IMS_HEADERS.region)?.trim();
    // The deployment's region is a fact of the backend behind the gateway: a caller cannot name another one
    // (it would choose which project-scoped grants apply). The header decides only where none is configured.
    if (h && config.region && h !== config.region) {
      return fail('INVALID_HEADER', `${IMS_HEADERS.region} names ${JSON.stringify(h.slice(0, 64))}, but this API is the region ${config.region} (IMS_REGION): drop the header or send that region.`);
    }
    if (h && !config.region) {
      region = h;
      regionFrom = 'header';
    }
  }
  if (!region) return fail('REGION_UNKNOWN', `No region: send ${IMS_HEADERS.region} (not read while answers are cached) or configure IMS_REGION.`);
  if (!REGION_RE.test(region)) return fail('INVALID_REGION', 'The region is not a region name (e.g. cn-north-4).');

  const path = imsPath(rawPath, config.pathPrefix, typeof rc?.stage === 'string' ? rc.stage : undefined);
  if (!path.ok) return path;
  const ids = checkPathIds(method, path.path);
  if (ids) return ids;

  const hints: ApiHints = {};
  const context: Record<string, ContextValue> = {};
  const sourceIp = rc?.http?.sourceIp;
  if (typeof sourceIp === 'string' && sourceIp.length > 0 && sourceIp.length <= 64) context['g:SourceIp'] = sourceIp;
  if (headersRead) {
    const disk = eventHeader(event, IMS_HEADERS.quickImportDisk)?.trim().toLowerCase();
    if (disk !== undefined && disk !== '') {
      if (disk !== 'system' && disk !== 'data') return fail('INVALID_HEADER', `${IMS_HEADERS.quickImportDisk} must be "system" or "data".`);
      hints.quick_import_disk = disk;
    }
    const ep = eventHeader(event, IMS_HEADERS.enterpriseProject)?.trim().toLowerCase();
    if (ep !== undefined && ep !== '') {
      if (ep !== 'true' && ep !== 'false') return fail('INVALID_HEADER', `${IMS_HEADERS.enterpriseProject} must be "true" or "false".`);
      hints.enterprise_project = ep === 'true';
    }
    const epId = eventHeader(event, IMS_HEADERS.enterpriseProjectId)?.trim();
    if (epId !== undefined && epId !== '') {
      if (!HEADER_VALUE_RE.test(epId)) return fail('INVALID_HEADER', `${IMS_HEADERS.enterpriseProjectId} is not an enterprise project id.`);
      context['g:EnterpriseProjectId'] = epId;
    }
  }
  return { ok: true, request: { method: method.toUpperCase(), path: path.path, region, hints, context, regionFrom } };
}

/** Why a path's id is not one IMS issues; the deny reason. */
export type PathIdProblem = 'INVALID_IMAGE_ID' | 'INVALID_MEMBER_ID' | 'INVALID_PROJECT_ID';

/**
 * The ids IMS issues, in the one spelling it issues them (IMS API reference: an image id is a UUID, e.g.
 * `d164b5df-1bc3-4c3f-893e-3e471fd16e64`; an image member id is the member's project id, and a project id
 * is 32 hexadecimal digits, e.g. `edc89b490d7d4392898e19b2deb34797`; both lowercase). Anything else
 * (`SECRET`, `secret.`, `secret~`, an uppercase UUID) names no image IMS could have: the URN the engine
 * builds from it would escape a Deny written for the real spelling, so it is refused, not normalised:
 * whether the backend would read it as another spelling of a real id is its business, not this decision's.
 */
export const PATH_ID_FORMATS: Readonly<Record<string, { re: RegExp; problem: PathIdProblem; what: string }>> = {
  image_id: { re: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, problem: 'INVALID_IMAGE_ID', what: 'a lowercase UUID' },
  member_id: { re: /^[0-9a-f]{32}$/, problem: 'INVALID_MEMBER_ID', what: 'a project id (32 lowercase hex digits)' },
  project_id: { re: /^[0-9a-f]{32}$/, problem: 'INVALID_PROJECT_ID', what: 'a project id (32 lowercase hex digits)' },
};

/** The first id of an IMS path (matched against the catalog's API table) that IMS never issues, or null. */
export function checkPathIds(method: string, path: string): { ok: false; problem: PathIdProblem; message: string } | null {
  const match = matchRoute(method, path);
  if (!match) return null; // not an IMS API: the catalog lookup refuses it (UNKNOWN_API)
  for (const [name, value] of Object.entries(match.params)) {
    const format = PATH_ID_FORMATS[name];
    if (format && !format.re.test(value)) return { ok: false, problem: format.problem, message: `${name} is not ${format.what}.` };
  }
  return null;
}
