/**
 * Reads an evaluate/explain request (untrusted JSON) into what the engine evaluates: a list of
 * (catalog action, resource) items, the principal's layer rules, and the request context.
 * Bad input becomes an error response, never an exception.
 */
import { actionAt, actionNamesLower, catalog, lookupAction, matchRoute } from '../catalog/catalog.js';
import { compileGlobLower, hasWildcard } from '../match/glob.js';
import type {
  ApiResolution,
  ContextValue,
  ErrorResponse,
  EvaluateRequest,
  InlinePolicy,
  JsonValue,
  Principal,
  PrincipalType,
  ScpLevelInput,
} from '../types.js';
import { suggest } from '../validate/suggest.js';
import { normalizeUrn } from './compile.js';
import { contextDefaults, RequestContext } from './context.js';

/**
 * What an item is requested on: `none` = an action without resource type (requested on `*`); `urn` = one
 * resource; `family` = every resource a star pattern designates (a resource omitted for an image-typed
 * action, or given with wildcards): an Allow must cover all of them, a Deny applies if it may hit one.
 */
export type ResourceKind = 'none' | 'urn' | 'family';

export interface RequestItem {
  actionIndex: number;
  /** Canonical action name. */
  action: string;
  /** As shown in the result: the URN, the family pattern, or `*`. */
  resource: string;
  kind: ResourceKind;
  /** URN or family pattern with a lower-cased service segment; `null` for `none`. */
  resourceNorm: string | null;
  requiredBy?: 'api' | 'dependency';
}

export interface ResolvedRequest {
  items: RequestItem[];
  principal: Principal;
  /** Management account or service-linked agency: SCPs do not apply. */
  scpExempt: boolean;
  /** `false` for the account itself: no identity Allow is needed. */
  identityNeedsAllow: boolean;
  context: RequestContext;
  api?: ApiResolution;
  warnings: string[];
}

/** Limits on request sizes (the HTTP layer enforces a 64 KiB body on top). */
export const REQUEST_LIMITS = { actions: 100, resources: 100, contextKeys: 100, contextValues: 100, policies: 50, scpLevels: 7, scpPoliciesPerLevel: 10, stringLength: 2048 };

const PRINCIPAL_TYPES: readonly PrincipalType[] = ['user', 'agency', 'account', 'service_linked_agency'];
const PRINCIPAL_STRING_FIELDS = ['account_id', 'user_id', 'user_name', 'agency', 'org_path'] as const;

export function requestError(code: string, message: string, details?: JsonValue): ErrorResponse {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function badField(field: string, expected: string, got: unknown): ErrorResponse {
  return requestError('INVALID_REQUEST', `"${field}" must be ${expected}, not ${kindOf(got)}.`, { field });
}

const KNOWN_FIELDS = new Set(['principal', 'action', 'actions', 'api', 'resource', 'resources', 'region', 'context', 'policies', 'scps']);

/** Checks the shape of a request; returns it typed, or an error. */
export function checkRequestShape(input: unknown): EvaluateRequest | ErrorResponse {
  if (!isPlainObject(input)) return requestError('INVALID_REQUEST', `The request must be a JSON object, not ${kindOf(input)}.`);
  const unknown = Object.keys(input).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length > 0) {
    return requestError('INVALID_REQUEST', `Unknown request field${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `"${k}"`).join(', ')}.`, {
      fields: unknown,
      suggestions: unknown.flatMap((k) => suggest(k, KNOWN_FIELDS, 1)),
    });
  }
  const modes = (['action', 'actions', 'api'] as const).filter((k) => input[k] !== undefined);
  if (modes.length !== 1) {
    return requestError('INVALID_REQUEST', modes.length === 0 ? 'The request needs one of "action", "actions" or "api".' : `Give exactly one of "action", "actions" or "api" (got ${modes.join(', ')}).`);
  }
  const str = (field: string, v: unknown): ErrorResponse | null => {
    if (typeof v !== 'string' || v.length === 0) return badField(field, 'a non-empty string', v);
    if (v.length > REQUEST_LIMITS.stringLength) return requestError('INVALID_REQUEST', `"${field}" is longer than ${REQUEST_LIMITS.stringLength} characters.`, { field });
    return null;
  };
  const strList = (field: string, v: unknown, max: number): ErrorResponse | null => {
    if (!Array.isArray(v) || v.length === 0) return badField(field, 'a non-empty array of strings', v);
    if (v.length > max) return requestError('INVALID_REQUEST', `"${field}" has ${v.length} entries; at most ${max} are allowed.`, { field });
    for (let i = 0; i < v.length; i++) {
      const e = str(`${field}[${i}]`, v[i]);
      if (e) return e;
    }
    return null;
  };
  let e: ErrorResponse | null = null;
  if (input.action !== undefined) e = str('action', input.action);
  if (!e && input.actions !== undefined) e = strList('actions', input.actions, REQUEST_LIMITS.actions);
  if (!e && input.api !== undefined) {
    const api = input.api;
    if (!isPlainObject(api)) e = badField('api', 'an object {method, path, hints?}', api);
    else {
      const extra = Object.keys(api).filter((k) => k !== 'method' && k !== 'path' && k !== 'hints');
      if (extra.length > 0) e = requestError('INVALID_REQUEST', `Unknown field "api.${extra[0]}".`, { field: `api.${extra[0]}` });
      e ??= str('api.method', api.method) ?? str('api.path', api.path);
      if (!e && api.hints !== undefined) {
        const h = api.hints;
        if (!isPlainObject(h)) e = badField('api.hints', 'an object', h);
        else {
          const extraH = Object.keys(h).filter((k) => k !== 'quick_import_disk' && k !== 'enterprise_project');
          if (extraH.length > 0) e = requestError('INVALID_REQUEST', `Unknown hint "api.hints.${extraH[0]}"; hints are quick_import_disk and enterprise_project.`, { field: `api.hints.${extraH[0]}` });
          else if (h.quick_import_disk !== undefined && h.quick_import_disk !== 'system' && h.quick_import_disk !== 'data') {
            e = requestError('INVALID_REQUEST', '"api.hints.quick_import_disk" must be "system" or "data".', { field: 'api.hints.quick_import_disk' });
          } else if (h.enterprise_project !== undefined && typeof h.enterprise_project !== 'boolean') {
            e = badField('api.hints.enterprise_project', 'a boolean', h.enterprise_project);
          }
        }
      }
    }
  }
  if (!e && input.resource !== undefined && input.resources !== undefined) e = requestError('INVALID_REQUEST', 'Give "resource" or "resources", not both.');
  if (!e && input.resource !== undefined) e = str('resource', input.resource);
  if (!e && input.resources !== undefined) e = strList('resources', input.resources, REQUEST_LIMITS.resources);
  if (!e && input.region !== undefined) e = str('region', input.region);
  if (!e && input.principal !== undefined) e = checkPrincipal(input.principal);
  if (!e && input.context !== undefined) e = checkContext(input.context);
  if (!e && input.policies !== undefined) e = checkPolicies('policies', input.policies, REQUEST_LIMITS.policies);
  if (!e && input.scps !== undefined) {
    const scps = input.scps;
    if (!Array.isArray(scps)) e = badField('scps', 'an array of {level, policies}', scps);
    else if (scps.length > REQUEST_LIMITS.scpLevels) e = requestError('INVALID_REQUEST', `"scps" has ${scps.length} levels; an organization path has at most ${REQUEST_LIMITS.scpLevels} (root, 5 OU levels, account).`);
    else {
      for (let i = 0; i < scps.length && !e; i++) {
        const lvl = scps[i] as unknown;
        if (!isPlainObject(lvl)) e = badField(`scps[${i}]`, 'an object {level, policies}', lvl);
        else {
          const extra = Object.keys(lvl).filter((k) => k !== 'level' && k !== 'policies');
          if (extra.length > 0) e = requestError('INVALID_REQUEST', `Unknown field "scps[${i}].${extra[0]}".`, { field: `scps[${i}].${extra[0]}` });
          e ??= str(`scps[${i}].level`, lvl.level) ?? checkPolicies(`scps[${i}].policies`, lvl.policies, REQUEST_LIMITS.scpPoliciesPerLevel, true);
        }
      }
    }
  }
  return e ?? (input as EvaluateRequest);
}

function checkPrincipal(p: unknown): ErrorResponse | null {
  if (!isPlainObject(p)) return badField('principal', 'an object', p);
  for (const k of Object.keys(p)) {
    if (k === 'type') {
      if (!PRINCIPAL_TYPES.includes(p.type as PrincipalType)) {
        return requestError('INVALID_REQUEST', `"principal.type" must be one of ${PRINCIPAL_TYPES.join(', ')}.`, { field: 'principal.type' });
      }
    } else if (k === 'management_account') {
      if (typeof p.management_account !== 'boolean') return badField('principal.management_account', 'a boolean', p.management_account);
    } else if ((PRINCIPAL_STRING_FIELDS as readonly string[]).includes(k)) {
      const v = p[k];
      if (typeof v !== 'string' || v.length > REQUEST_LIMITS.stringLength) return badField(`principal.${k}`, 'a string', v);
    } else {
      return requestError('INVALID_REQUEST', `Unknown field "principal.${k}".`, { field: `principal.${k}` });
    }
  }
  return null;
}

function checkContext(c: unknown): ErrorResponse | null {
  if (!isPlainObject(c)) return badField('context', 'an object of condition key -> value', c);
  const keys = Object.keys(c);
  if (keys.length > REQUEST_LIMITS.contextKeys) return requestError('INVALID_REQUEST', `"context" has ${keys.length} keys; at most ${REQUEST_LIMITS.contextKeys}.`);
  const scalar = (v: unknown): boolean => (typeof v === 'string' && v.length <= REQUEST_LIMITS.stringLength) || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  for (const k of keys) {
    const v = c[k];
    if (k.length > 256) return requestError('INVALID_REQUEST', 'A context key is longer than 256 characters.');
    if (v === null || scalar(v)) continue;
    if (Array.isArray(v) && v.length <= REQUEST_LIMITS.contextValues && v.every(scalar)) continue;
    return requestError('INVALID_REQUEST', `"context.${k}" must be a string, number, boolean, null, or an array of those (at most ${REQUEST_LIMITS.contextValues}).`, {
      field: `context.${k}`,
    });
  }
  return null;
}

function checkPolicies(field: string, v: unknown, max: number, scp = false): ErrorResponse | null {
  if (!Array.isArray(v)) return badField(field, `an array of {id, document}`, v);
  if (v.length > max) return requestError('INVALID_REQUEST', `"${field}" has ${v.length} policies; at most ${max}.`, { field });
  const ids = new Set<string>();
  for (let i = 0; i < v.length; i++) {
    const p = v[i] as unknown;
    const at = `${field}[${i}]`;
    if (!isPlainObject(p)) return badField(at, 'an object {id, document}', p);
    const extra = Object.keys(p).filter((k) => k !== 'id' && k !== 'document');
    if (extra.length > 0) return requestError('INVALID_REQUEST', `Unknown field "${at}.${extra[0]}".`, { field: `${at}.${extra[0]}` });
    if (typeof p.id !== 'string' || p.id.length === 0 || p.id.length > 256) return badField(`${at}.id`, 'a non-empty string', p.id);
    if (!scp && ids.has(p.id)) return requestError('INVALID_REQUEST', `Policy id "${p.id}" is used twice in "${field}".`, { field: `${at}.id` });
    ids.add(p.id);
    if (!(typeof p.document === 'string' || isPlainObject(p.document))) return badField(`${at}.document`, 'a policy document (object) or its JSON text', p.document);
  }
  return null;
}

/** Catalog entries designated by an action name or wildcard pattern in a request. */
function resolveActionName(name: string): number[] | ErrorResponse {
  if (hasWildcard(name)) {
    const glob = compileGlobLower(name);
    const out: number[] = [];
    actionNamesLower().forEach((names, idx) => {
      if (actionAt(idx).kind === 'action' && names.some((n) => glob.test(n))) out.push(idx);
    });
    if (out.length === 0) return requestError('UNKNOWN_ACTION', `"${name}" matches no action of the catalog.`, { action: name });
    return out;
  }
  const hit = lookupAction(name);
  if (hit.length === 0) {
    const candidates = catalog.actions.flatMap((a) => [a.name, ...a.aliases]);
    const suggestions = suggest(name, candidates);
    return requestError('UNKNOWN_ACTION', `"${name}" is not an action of the catalog${suggestions.length ? `; did you mean ${suggestions.join(', ')}?` : '.'}`, {
      action: name,
      suggestions,
    });
  }
  return [...hit];
}

function checkResource(urn: string): ErrorResponse | null {
  if (/^\*+$/.test(urn)) return null;
  const parts = urn.split(':');
  if (parts.length < 5 || parts[0] === '' || parts[0]!.includes('*') || urn.includes('?')) {
    return requestError(
      'INVALID_RESOURCE',
      `"${urn}" is not a resource URN: write service:region:account-id:type:id, e.g. ims:cn-north-4:<account-id>:image:<image-id> ("*" may stand for any part except the service; "?" is not allowed).`,
      { resource: urn },
    );
  }
  return null;
}

function hasResourceType(idx: number): boolean {
  return actionAt(idx).resource_types.length > 0;
}

export function resolveRequest(req: EvaluateRequest): ResolvedRequest | ErrorResponse {
  const principal: Principal = req.principal ?? {};
  const warnings: string[] = [];
  const explicit = req.resources ?? (req.resource !== undefined ? [req.resource] : null);
  if (explicit) {
    for (const urn of explicit) {
      const e = checkResource(urn);
      if (e) return e;
    }
  }
  const items: RequestItem[] = [];
  const push = (idx: number, kind: ResourceKind, resource: string, requiredBy?: 'api' | 'dependency'): void => {
    const item: RequestItem = { actionIndex: idx, action: actionAt(idx).name, resource, kind, resourceNorm: kind === 'none' ? null : normalizeUrn(resource) };
    if (requiredBy) item.requiredBy = requiredBy;
    items.push(item);
  };
  const ignoredResource: string[] = [];
  const onFamily: string[] = [];
  /** Every image of the request's region and account (unknown parts: any). */
  const anyImage = (imageId?: string): string => `ims:${req.region ?? '*'}:${principal.account_id ?? '*'}:image:${imageId ?? '*'}`;
  const pushAction = (idx: number, resources: readonly string[] | null, requiredBy?: 'api' | 'dependency', family?: string): void => {
    if (!hasResourceType(idx)) {
      if (resources && !req.api) ignoredResource.push(actionAt(idx).name);
      push(idx, 'none', '*', requiredBy);
      return;
    }
    if (!resources) {
      const pattern = family ?? anyImage();
      if (!onFamily.includes(pattern)) onFamily.push(pattern);
      push(idx, 'family', pattern, requiredBy);
      return;
    }
    for (const r of resources) push(idx, r.includes('*') ? 'family' : 'urn', r, requiredBy);
  };

  let api: ApiResolution | undefined;
  if (req.api) {
    const match = matchRoute(req.api.method, req.api.path);
    if (!match) {
      return requestError('UNKNOWN_API', `${req.api.method.toUpperCase()} ${req.api.path} matches no IMS API of the catalog.`, { method: req.api.method, path: req.api.path });
    }
    const spec = catalog.apis[match.api]!;
    const reqs = catalog.api_requirements[match.api]!;
    const hints = req.api.hints ?? {};
    const required: number[] = [...reqs.always];
    const assumed: string[] = [];
    for (const c of reqs.conditional) {
      const cond = c.condition;
      let applies: boolean;
      if (cond.hint === 'quick_import_disk') {
        applies = hints.quick_import_disk === undefined || hints.quick_import_disk === cond.value;
        if (hints.quick_import_disk === undefined) assumed.push(`${actionAt(c.action).name} (${cond.note}; no quick_import_disk hint)`);
      } else {
        applies = hints.enterprise_project === undefined || hints.enterprise_project === true;
        if (hints.enterprise_project === undefined) assumed.push(`${actionAt(c.action).name} (${cond.note}; no enterprise_project hint)`);
      }
      if (applies && !required.includes(c.action)) required.push(c.action);
    }
    const primary = reqs.always[0] as number;
    let resources: string[] | null = explicit;
    let family: string | undefined;
    const imageId = match.params['image_id'];
    if (!resources && imageId !== undefined) {
      if (req.region && principal.account_id) resources = [`ims:${req.region}:${principal.account_id}:image:${imageId}`];
      else family = anyImage(imageId.replace(/\*/g, ''));
    }
    for (const idx of required) pushAction(idx, resources, idx === primary ? 'api' : 'dependency', family);
    api = {
      method: req.api.method.toUpperCase(),
      path: req.api.path,
      template: spec.path,
      params: match.params,
      action: actionAt(primary).name,
      required_actions: required.map((i) => actionAt(i).name),
      assumed,
    };
  } else {
    const names = req.actions ?? [req.action as string];
    const seen = new Set<number>();
    for (const name of names) {
      const r = resolveActionName(name);
      if (!Array.isArray(r)) return r;
      for (const idx of r) {
        if (seen.has(idx)) continue;
        seen.add(idx);
        pushAction(idx, explicit);
      }
    }
  }

  if (ignoredResource.length > 0) {
    warnings.push(`${ignoredResource.join(', ')} ${ignoredResource.length === 1 ? 'has' : 'have'} no resource type: evaluated on "*", not on the given resource.`);
  }
  if (onFamily.length > 0) {
    warnings.push(
      `No complete resource URN for an image-typed action: evaluated on every image of ${onFamily.join(', ')} (an Allow must cover them all; a Deny that may match one applies). Give "resource", or "region" and "principal.account_id".`,
    );
  }
  const type = principal.type ?? 'user';
  const resolved: ResolvedRequest = {
    items,
    principal,
    scpExempt: principal.management_account === true || type === 'service_linked_agency',
    identityNeedsAllow: type !== 'account',
    context: new RequestContext(req.context as Record<string, ContextValue> | undefined, contextDefaults(principal, req.region)),
    warnings,
  };
  if (api) resolved.api = api;
  return resolved;
}

export type { InlinePolicy, ScpLevelInput };
