/**
 * Reads an evaluate/explain request (untrusted JSON) into what the engine evaluates: a list of
 * (catalog action, resource) items, the principal's layer rules, and the request context.
 * Bad input becomes an error response, never an exception.
 */
import { actionAt, actionsMatchingPattern, catalog, lookupAction, matchRoute, SHARED_IMAGE_MEMBER_ACTIONS } from '../catalog/catalog.js';
import { hasWildcard } from '../match/glob.js';
import { problemMessage, schemaChecker } from '../schema/check.js';
import { REQUEST_SCHEMAS } from '../schema/requests.js';
import type { ApiResolution, ContextValue, ErrorResponse, EvaluateRequest, JsonValue, Principal } from '../types.js';
import { suggest, suggestActionName } from '../validate/suggest.js';
import { normalizeUrn } from './compile.js';
import { CURRENT_TIME_KEY, normalizedKey, principalKeyOf, RequestContext, UnknownKeys } from './context.js';

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
  /**
   * The resource is (or, for a family, may be) another account's and the action is not one a member of a
   * shared image may perform: denied by the identity layer whatever the policies allow (docs/semantics.md,
   * "Cross-account requests"). Explicit Denies still apply as usual.
   */
  foreign: boolean;
  /** The request context as the item's action sees it (RequestContext.forAction). */
  context: RequestContext;
}

export interface ResolvedRequest {
  items: RequestItem[];
  principal: Principal;
  /** Management account or service-linked agency: SCPs do not apply. */
  scpExempt: boolean;
  /** `false` for the account itself: no identity Allow is needed. */
  identityNeedsAllow: boolean;
  context: RequestContext;
  /** The request's region (project), for project-scoped grants. */
  region?: string;
  api?: ApiResolution;
  warnings: string[];
}

export function requestError(code: string, message: string, details?: JsonValue): ErrorResponse {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

const requests = schemaChecker(REQUEST_SCHEMAS);
const REQUEST_FIELDS = Object.keys(REQUEST_SCHEMAS.EvaluateRequest.properties);

/**
 * Checks a request against the EvaluateRequest schema (the same one the HTTP functions and the OpenAPI
 * document use) plus the rules a schema cannot say well; returns it typed, or an error.
 */
export function checkRequestShape(input: unknown): EvaluateRequest | ErrorResponse {
  const problem = requests.check('EvaluateRequest', input);
  if (problem) {
    const details: { [key: string]: JsonValue } = { field: problem.field };
    if (problem.message === 'is not a known field' && !problem.field.includes('.') && !problem.field.includes('[')) {
      details.suggestions = suggest(problem.field, REQUEST_FIELDS, 1);
    }
    return requestError('INVALID_REQUEST', problemMessage(problem), details);
  }
  const req = input as EvaluateRequest;
  const modes = (['action', 'actions', 'api'] as const).filter((k) => req[k] !== undefined);
  if (modes.length !== 1) {
    return requestError(
      'INVALID_REQUEST',
      modes.length === 0 ? 'The request needs one of "action", "actions" or "api".' : `Give exactly one of "action", "actions" or "api" (got ${modes.join(', ')}).`,
    );
  }
  if (req.resource !== undefined && req.resources !== undefined) return requestError('INVALID_REQUEST', 'Give "resource" or "resources", not both.');
  const ids = new Set<string>();
  for (const [i, p] of (req.policies ?? []).entries()) {
    if (ids.has(p.id)) return requestError('INVALID_REQUEST', `Policy id "${p.id}" is used twice in "policies".`, { field: `policies[${i}].id` });
    ids.add(p.id);
  }
  return req;
}

/** Catalog entries designated by an action name or wildcard pattern in a request. */
function resolveActionName(name: string): number[] | ErrorResponse {
  if (hasWildcard(name)) {
    const out = actionsMatchingPattern(name.toLowerCase()).filter((idx) => actionAt(idx).kind === 'action');
    if (out.length === 0) return requestError('UNKNOWN_ACTION', `"${name}" matches no action of the catalog.`, { action: name });
    return out;
  }
  const hit = lookupAction(name);
  if (hit.length === 0) {
    const suggestions = suggestActionName(name, { foreign: true });
    return requestError('UNKNOWN_ACTION', `"${name}" is not an action of the catalog${suggestions.length ? `; did you mean ${suggestions.join(', ')}?` : '.'}`, {
      action: name,
      suggestions,
    });
  }
  return [...hit];
}

function checkResource(urn: string): ErrorResponse | null {
  if (/^\*+$/.test(urn)) return null;
  // At least five ':'-separated segments, a literal service, no '?'.
  let colons = 0;
  for (let i = urn.indexOf(':'); i !== -1 && colons < 4; i = urn.indexOf(':', i + 1)) colons++;
  const service = urn.slice(0, Math.max(0, urn.indexOf(':')));
  if (colons < 4 || service === '' || service.includes('*') || urn.includes('?')) {
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

/** Milliseconds since the epoch: the time of evaluation (g:CurrentTime). Injectable for tests (`clock`). */
export type Clock = () => number;

/** Catalog indices of the actions a member of a shared image may perform, by status (built once per status). */
const memberSets = new Map<string, ReadonlySet<number>>();
function memberActions(status: keyof typeof SHARED_IMAGE_MEMBER_ACTIONS): ReadonlySet<number> {
  let set = memberSets.get(status);
  if (!set) memberSets.set(status, (set = new Set(SHARED_IMAGE_MEMBER_ACTIONS[status].flatMap((n) => [...lookupAction(n)]))));
  return set;
}

/**
 * Whether a resource URN (or pattern) names, or may name, an account other than `account`: its account
 * segment (the third) differs, or holds a wildcard that admits other accounts.
 */
function otherAccount(urn: string, account: string): boolean {
  const a = urn.indexOf(':', urn.indexOf(':') + 1) + 1;
  if (a === 0) return true;
  const end = urn.indexOf(':', a);
  return (end === -1 ? urn.length : end) - a !== account.length || !urn.startsWith(account, a);
}

/** ISO 8601 text of the time of evaluation (requests of one millisecond share it). */
let lastMs = NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function resolveRequest(req: EvaluateRequest, now: Clock = Date.now): ResolvedRequest | ErrorResponse {
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
  const accountOf = principal.account_id;
  const member = req.shared_image ? memberActions(req.shared_image.member_status) : null;
  const foreignAccounts: string[] = [];
  const push = (idx: number, kind: ResourceKind, resource: string, requiredBy?: 'api' | 'dependency'): void => {
    const foreign = kind !== 'none' && accountOf !== undefined && otherAccount(resource, accountOf) && (member === null || !member.has(idx));
    if (foreign) foreignAccounts.push(`${actionAt(idx).name} on ${resource}`);
    const item: RequestItem = {
      actionIndex: idx,
      action: actionAt(idx).name,
      resource,
      kind,
      resourceNorm: kind === 'none' ? null : normalizeUrn(resource),
      foreign,
      context: null as unknown as RequestContext,
    };
    if (requiredBy) item.requiredBy = requiredBy;
    items.push(item);
  };
  const ignoredResource: string[] = [];
  const onFamily: string[] = [];
  if (req.image_owner_account_id !== undefined && !req.api) {
    return requestError('INVALID_REQUEST', '"image_owner_account_id" goes with "api"; with "action" or "actions", the account is the one the resource URN names.', { field: 'image_owner_account_id' });
  }
  /** The account of the images an API path names: the owner the request gives, else the caller's. */
  const owner = req.image_owner_account_id ?? principal.account_id;
  /** Every image of the request's region and account (unknown parts: any). */
  const anyImage = (imageId?: string): string => `ims:${req.region ?? '*'}:${owner ?? '*'}:image:${imageId ?? '*'}`;
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
    for (const r of resources) {
      // A wildcard resource designates a family too (choice 6: the response carries a warning).
      if (r.includes('*') && !onFamily.includes(r)) onFamily.push(r);
      push(idx, r.includes('*') ? 'family' : 'urn', r, requiredBy);
    }
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
      if (req.region && owner) resources = [`ims:${req.region}:${owner}:image:${imageId}`];
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
      `No complete resource URN for an image-typed action: evaluated on every image of ${onFamily.join(', ')} (an Allow must cover them all; a Deny that may match one applies). Give a complete URN in "resource", or "region" and "principal.account_id".`,
    );
  }
  if (foreignAccounts.length > 0) {
    const status = req.shared_image?.member_status;
    warnings.push(
      `Cross-account: denied ${foreignAccounts.join(', ')}: not (surely) of the caller's account ${accountOf}; identity policies grant nothing there. ${status ? `A member (${status}) may only: ${SHARED_IMAGE_MEMBER_ACTIONS[status].join(', ')}.` : 'A shared image: say so in "shared_image".'}`,
    );
  }
  let unknown: UnknownKeys | null = null;
  if (req.unknown_context_keys !== undefined && req.unknown_context_keys.length > 0) {
    const u = readUnknownKeys(req.unknown_context_keys, req.context);
    if ('error' in u) return u;
    unknown = u;
  }
  const type = principal.type ?? 'user';
  const context = new RequestContext(req.context as Record<string, ContextValue> | undefined, principal, req.region, unknown, isoTime(now()));
  for (let i = 0; i < items.length; i++) items[i]!.context = context.forAction(items[i]!.actionIndex);
  const resolved: ResolvedRequest = {
    items,
    principal,
    scpExempt: principal.management_account === true || type === 'service_linked_agency',
    identityNeedsAllow: type !== 'account',
    context,
    warnings,
  };
  if (api) resolved.api = api;
  if (req.region !== undefined) resolved.region = req.region;
  return resolved;
}

/**
 * Reads `unknown_context_keys` (docs/semantics.md, "Unknown context keys"): names compare as condition keys
 * do (case-insensitive, tag keys case-sensitive); a `*` may only end an entry. A key given in `context` and
 * named exactly is a contradiction (400); a given key that only matches a pattern is known.
 */
function readUnknownKeys(list: readonly string[], context: EvaluateRequest['context']): UnknownKeys | ErrorResponse {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const principalNamed: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!;
    const star = entry.indexOf('*');
    if (star === -1) {
      exact.add(normalizedKey(entry));
      if (principalKeyOf(entry) !== null) principalNamed.push(entry);
    } else if (star === entry.length - 1) prefixes.push(normalizedKey(entry.slice(0, -1)));
    else return requestError('INVALID_REQUEST', `"${entry}": a "*" may only end an entry of "unknown_context_keys" ("g:ResourceTag/*", "*").`, { field: `unknown_context_keys[${i}]` });
  }
  if (exact.size > 0) {
    for (const key in context) {
      const n = normalizedKey(key);
      if (!exact.has(n)) continue;
      const i = list.findIndex((e) => !e.includes('*') && normalizedKey(e) === n);
      return requestError('INVALID_REQUEST', `"${list[i]}" is in "unknown_context_keys" and in "context" (as "${key}"): a key is known or not.`, { field: `unknown_context_keys[${i}]`, key });
    }
  }
  return new UnknownKeys(exact, prefixes, principalNamed);
}

/**
 * The keys derived from the principal (PRINCIPAL_KEYS) a request sets in `context` or names exactly in
 * `unknown_context_keys`, with where, in request order.
 */
const NO_KEYS: ReadonlyArray<{ field: string; key: string; entry: string }> = Object.freeze([]);
function principalKeysNamed(req: EvaluateRequest): ReadonlyArray<{ field: string; key: string; entry: string }> {
  let out: Array<{ field: string; key: string; entry: string }> | undefined;
  for (const key in req.context) {
    const entry = principalKeyOf(key);
    if (entry !== null) (out ??= []).push({ field: `context.${key}`, key, entry });
  }
  req.unknown_context_keys?.forEach((key, i) => {
    const entry = key.endsWith('*') ? null : principalKeyOf(key);
    if (entry !== null) (out ??= []).push({ field: `unknown_context_keys[${i}]`, key, entry });
  });
  return out ?? NO_KEYS;
}

/**
 * Inline evaluation: keys derived from the principal that the request sets (RequestContext.principalKeysSet)
 * are what-if overrides, said in one warning.
 */
export function principalKeysWarning(keys: readonly string[]): string {
  return `What-if: the request sets keys derived from the principal (${[...new Set(keys)].join(', ')}); evaluation of a stored principal refuses them.`;
}

/**
 * For evaluation by reference (a stored principal: the HTTP functions without inline policies, the batch
 * worker, the IMS authorizer): a request may not set a key derived from the principal in `context`, nor
 * name one in `unknown_context_keys`; the stored identity decides them. The error names the first such key.
 */
export function principalKeyError(req: EvaluateRequest): ErrorResponse | null {
  // g:CurrentTime is IAM's too: the time of evaluation, which a stored principal's request may not move.
  for (const key in req.context) {
    if (normalizedKey(key) === CURRENT_TIME_KEY) return timeKeyError(key, `context.${key}`);
  }
  const at = req.unknown_context_keys?.findIndex((k) => normalizedKey(k) === CURRENT_TIME_KEY) ?? -1;
  if (at !== -1) return timeKeyError(req.unknown_context_keys![at]!, `unknown_context_keys[${at}]`);
  const first = principalKeysNamed(req)[0];
  if (first === undefined) return null;
  const { field, key, entry } = first;
  return requestError(
    'INVALID_REQUEST',
    `"${key}" (${field}) is derived from the principal (${entry}): a stored principal's own identity decides it. Remove it (inline policies take it as a what-if).`,
    { field, key },
  );
}

function timeKeyError(key: string, field: string): ErrorResponse {
  return requestError('INVALID_REQUEST', `"${key}" (${field}) is filled by IAM with the time of evaluation for a stored principal. Remove it (inline policies take it as a what-if).`, { field, key });
}
