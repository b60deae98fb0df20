/**
 * Reference model of ims-authz: a deliberately simple interpreter over the raw policy JSON and the request,
 * written from docs/semantics.md and the Huawei IAM and Organizations pages it follows. No compilation, no indexes, and no code shared
 * with the engine (nothing from lib/match, lib/engine or lib/policy): it reads the IMS catalog only as data
 * (action names, aliases, resource types, enterprise-project support).
 *
 * It assumes the request and its policies are valid (the engine refuses the others), and computes what the
 * differential test compares: the decision, the reason, `denied_by`, per-result decisions, and the
 * condition keys relevant statements lacked.
 */
import catalog from '@ims-authz/catalog';
import type { CatalogAction } from '@ims-authz/catalog';
import type { ApiCall, ContextScalar, ContextValue, DeniedBy, EvaluateRequest, GrantScope, InlinePolicy, JsonValue, ScopedPolicy, ScpLevelInput } from '../../lib/types.js';
import { conditionHolds, readOperator, type RequestScalar, type WrittenOperator } from './conditions.js';
import { everyMemberMatched, globMatch, someMemberMatched } from './glob.js';

// ---------------------------------------------------------------------------------------------------------
// Reading policies
// ---------------------------------------------------------------------------------------------------------

interface Condition {
  operator: WrittenOperator;
  /** The key with its name lower-cased (tag keys keep their case). */
  key: string;
  values: string[];
}

interface Statement {
  index: number;
  sid: string | null;
  effect: 'Allow' | 'Deny';
  /** Action or NotAction patterns, lower-cased (action names are case-insensitive). */
  actions: string[];
  notAction: boolean;
  /** `any`: no Resource element (means `*`). */
  resourceMode: 'any' | 'list' | 'not';
  /** Resource or NotResource patterns, their service segment lower-cased. */
  resources: string[];
  conditions: Condition[];
}

interface Policy {
  id: string;
  scope: GrantScope | null;
  statements: Statement[];
}

type JsonObject = { [key: string]: JsonValue };

function asObject(v: JsonValue | undefined): JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
}

/** A list element: a string or an array of strings. */
function asStrings(v: JsonValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

const TAG_PREFIXES = ['g:resourcetag/', 'g:requesttag/', 'g:principaltag/'];

/** The time of evaluation of the differential runs (the engine gets the same through its clock option). */
export const REFERENCE_NOW = Date.parse('2026-01-01T00:00:00Z');

/** Condition key names are case-insensitive, except the tag key after g:ResourceTag/ (and the like). */
export function normalizeKey(key: string): string {
  const lower = key.toLowerCase();
  const prefix = TAG_PREFIXES.find((p) => lower.startsWith(p));
  return prefix ? prefix + key.slice(prefix.length) : lower;
}

/** The catalog's value type of a condition key (tag keys by their prefix), when the catalog lists it. */
const KEY_TYPES = new Map(catalog.condition_keys.map((k) => [k.key.toLowerCase().replace('<tag-key>', ''), k.type as string]));
export function keyType(key: string): string | undefined {
  const k = normalizeKey(key);
  const prefix = TAG_PREFIXES.find((p) => k.startsWith(p));
  return KEY_TYPES.get(prefix ?? k);
}

/** The keys docs/semantics.md ("Identity keys") lists as derived from the principal (tag keys: any after the prefix). */
const PRINCIPAL_KEY_NAMES = [
  'g:userid',
  'g:username',
  'g:principalaccount',
  'g:principalorgpath',
  'g:principalurn',
  'g:principalid',
  'g:principaltype',
  'g:principalorgid',
  'g:principalorgmanagementaccountid',
  'g:principalisrootuser',
  'g:domainname',
];
function isPrincipalKey(key: string): boolean {
  const n = normalizeKey(key);
  return PRINCIPAL_KEY_NAMES.includes(n) || n.startsWith('g:principaltag/');
}

/** The service segment (before the first `:`) of a URN or URN pattern is compared case-insensitively. */
function lowerService(urn: string): string {
  const i = urn.indexOf(':');
  return i === -1 ? urn : urn.slice(0, i).toLowerCase() + urn.slice(i);
}

function readStatement(raw: JsonValue | undefined, index: number): Statement {
  const s = asObject(raw);
  const conditions: Condition[] = [];
  for (const [op, block] of Object.entries(asObject(s['Condition']))) {
    const operator = readOperator(op);
    if (!operator) throw new Error(`reference model: unknown operator ${op}`);
    for (const [key, values] of Object.entries(asObject(block))) conditions.push({ operator, key: normalizeKey(key), values: asStrings(values) });
  }
  const notAction = 'NotAction' in s;
  const resourceMode = 'Resource' in s ? 'list' : 'NotResource' in s ? 'not' : 'any';
  return {
    index,
    sid: typeof s['Sid'] === 'string' ? s['Sid'] : null,
    effect: s['Effect'] === 'Allow' ? 'Allow' : 'Deny',
    actions: asStrings(notAction ? s['NotAction'] : s['Action']).map((a) => a.toLowerCase()),
    notAction,
    resourceMode,
    resources: asStrings(resourceMode === 'list' ? s['Resource'] : s['NotResource']).map(lowerService),
    conditions,
  };
}

/** Policies read before (the requests of a generated set share them; reading is a pure function of the object). */
const read = new WeakMap<InlinePolicy | ScopedPolicy, Policy>();

function readPolicy(p: InlinePolicy | ScopedPolicy): Policy {
  let policy = read.get(p);
  if (!policy) read.set(p, (policy = readPolicyNow(p)));
  return policy;
}

function readPolicyNow(p: InlinePolicy | ScopedPolicy): Policy {
  const doc = asObject(typeof p.document === 'string' ? (JSON.parse(p.document) as JsonValue) : (p.document as JsonValue));
  const statements = Array.isArray(doc['Statement']) ? doc['Statement'] : [];
  return { id: p.id, scope: 'scope' in p && p.scope ? p.scope : null, statements: statements.map((s, i) => readStatement(s, i)) };
}

// ---------------------------------------------------------------------------------------------------------
// Reading the request
// ---------------------------------------------------------------------------------------------------------

/** What one result is requested on. */
type Target =
  | { kind: 'none' } // an action without resource type: requested on `*`
  | { kind: 'urn'; urn: string } // one resource
  | { kind: 'family'; pattern: string }; // every resource a pattern with `*` designates (choice 6)

interface Item {
  action: CatalogAction;
  /** As the result shows it. */
  resource: string;
  target: Target;
  /** In api mode: the API's own action, or a dependency. */
  requiredBy: 'api' | 'dependency' | undefined;
}

const hasWildcard = (s: string): boolean => s.includes('*') || s.includes('?');

/** An action's names, lower-cased (action names are case-insensitive): the canonical one and every alias. */
const lowerNames = new Map<CatalogAction, string[]>(catalog.actions.map((a) => [a, [a.name, ...a.aliases].map((n) => n.toLowerCase())]));
const namesOf = (a: CatalogAction): string[] => lowerNames.get(a)!;

/** Whether a (lower-cased) action pattern matches an action's name or one of its aliases (remembered: patterns recur). */
const patternAnswers = new Map<string, Map<CatalogAction, boolean>>();
function patternMatches(pattern: string, action: CatalogAction): boolean {
  let answers = patternAnswers.get(pattern);
  if (!answers) patternAnswers.set(pattern, (answers = new Map()));
  let answer = answers.get(action);
  if (answer === undefined) answers.set(action, (answer = namesOf(action).some((n) => globMatch(pattern, n))));
  return answer;
}

/** The catalog actions a request names (remembered: a pure function of the name). */
const named = new Map<string, CatalogAction[]>();
function actionsNamed(name: string): CatalogAction[] {
  let actions = named.get(name);
  if (!actions) named.set(name, (actions = actionsNamedNow(name)));
  return actions;
}

/** A pattern is expanded over the catalog's actions (not the dependency-only or foreign entries); a name is looked up. */
function actionsNamedNow(name: string): CatalogAction[] {
  const lower = name.toLowerCase();
  if (hasWildcard(name)) return catalog.actions.filter((a) => a.kind === 'action' && patternMatches(lower, a));
  return catalog.actions.filter((a) => namesOf(a).includes(lower));
}

/** An API call resolved through the catalog's API table (choice 7). */
interface ApiResolved {
  template: string;
  /** The API's own action first, then its dependencies, after the hints. */
  required: CatalogAction[];
  params: Record<string, string>;
}

/** Path segments decode their %-escapes (a malformed escape stays as written). */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Finds the API a call designates: same method (any case), same number of segments, every literal segment
 * equal and every `{param}` a non-empty segment; the query string and a trailing slash do not count. Of
 * several templates, the one with the most literal segments wins.
 */
const resolvedApis = new Map<string, ApiResolved | undefined>();
function resolveApi(call: ApiCall): ApiResolved | undefined {
  // Remembered: a pure function of the call.
  const key = JSON.stringify([call.method, call.path, call.hints?.quick_import_disk, call.hints?.enterprise_project]);
  if (!resolvedApis.has(key)) resolvedApis.set(key, resolveApiNow(call));
  return resolvedApis.get(key);
}

function resolveApiNow(call: ApiCall): ApiResolved | undefined {
  let path = call.path.split(/[?#]/)[0]!;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (!path.startsWith('/')) path = `/${path}`;
  const parts = path.split('/').slice(1);
  let best: { index: number; literals: number; params: Record<string, string> } | undefined;
  catalog.apis.forEach((api, index) => {
    if (api.method !== call.method.toUpperCase()) return;
    const segments = api.path.split('/').slice(1);
    if (segments.length !== parts.length) return;
    const params: Record<string, string> = {};
    let literals = 0;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const part = parts[i]!;
      if (/^\{.+\}$/.test(seg)) {
        if (part === '') return;
        params[seg.slice(1, -1)] = decodeSegment(part);
      } else if (seg === part) literals++;
      else return;
    }
    if (!best || literals > best.literals) best = { index, literals, params };
  });
  if (!best) return undefined;
  // Which catalog entries an API needs is catalog data: always, and per hint (an absent hint applies: fail closed).
  const needs = catalog.api_requirements[best.index]!;
  const hints = call.hints ?? {};
  const wanted = [...needs.always];
  for (const c of needs.conditional) {
    const given = c.condition.hint === 'quick_import_disk' ? hints.quick_import_disk : hints.enterprise_project;
    if ((given === undefined || given === c.condition.value) && !wanted.includes(c.action)) wanted.push(c.action);
  }
  return { template: catalog.apis[best.index]!.path, required: wanted.map((i) => catalog.actions[i]!), params: best.params };
}

function items(req: EvaluateRequest, api: ApiResolved | undefined): Item[] {
  const given = req.resources ?? (req.resource !== undefined ? [req.resource] : null);
  const actions: CatalogAction[] = [];
  let resources = given;
  // Omitted: every image of the request's region and account (unknown parts: any) ...
  // (In api mode the images are those of the owner the request names, else the caller's.)
  const owner = (api ? req.image_owner_account_id : undefined) ?? req.principal?.account_id;
  let family = `ims:${req.region ?? '*'}:${owner ?? '*'}:image:*`;
  if (api) {
    actions.push(...api.required);
    // ... or, in api mode, the image the path names: one URN when region and account are known.
    const imageId = api.params['image_id'];
    if (!resources && imageId !== undefined) {
      if (req.region && owner) resources = [`ims:${req.region}:${owner}:image:${imageId}`];
      else family = `ims:${req.region ?? '*'}:${owner ?? '*'}:image:${imageId}`;
    }
  } else {
    const names = req.actions ?? (req.action !== undefined ? [req.action] : []);
    for (const n of names) for (const a of actionsNamed(n)) if (!actions.includes(a)) actions.push(a);
  }
  const out: Item[] = [];
  for (const action of actions) {
    const requiredBy = api ? (action === api.required[0] ? 'api' : 'dependency') : undefined;
    if (action.resource_types.length === 0) {
      out.push({ action, resource: '*', target: { kind: 'none' }, requiredBy });
      continue;
    }
    for (const r of resources ?? [family]) {
      out.push({ action, resource: r, target: r.includes('*') ? { kind: 'family', pattern: lowerService(r) } : { kind: 'urn', urn: lowerService(r) }, requiredBy });
    }
  }
  return out;
}

type Context = Map<string, RequestScalar[]>;

/** The request context, completed from the principal and region (choice 2); `null` and `[]` mean absent (choice 3). */
function context(req: EvaluateRequest, now: number): Context {
  const ctx: Context = new Map();
  const p = req.principal ?? {};
  const type = p.type ?? 'user';
  // g:PrincipalUrn as the research gives it per principal type (user; agency session); none for the others.
  const urn =
    p.account_id === undefined
      ? undefined
      : type === 'user' && p.user_name
        ? `iam::${p.account_id}:user:${p.user_name}`
        : type === 'agency' && p.agency && p.session_name
          ? `sts::${p.account_id}:assumed-agency:${p.agency}/${p.session_name}`
          : undefined;
  const defaults: Array<[string, string | undefined]> = [
    ['g:UserId', p.user_id],
    ['g:UserName', p.user_name],
    ['g:PrincipalAccount', p.account_id],
    ['g:PrincipalOrgPath', p.org_path],
    ['g:PrincipalUrn', urn],
    ['g:PrincipalId', type === 'user' ? p.user_id : undefined],
    ['g:PrincipalOrgId', p.org_path?.split('/')[0]],
    ['g:PrincipalOrgManagementAccountId', p.management_account === true ? p.account_id : undefined],
    ['g:ProjectName', req.region],
    ['g:RequestedRegion', req.region],
    ['g:CurrentTime', new Date(now).toISOString()],
  ];
  for (const [key, value] of defaults) if (value) ctx.set(normalizeKey(key), [value]);
  for (const [key, value] of Object.entries(req.context ?? {}) as Array<[string, ContextValue]>) {
    const values: ContextScalar[] = value === null ? [] : Array.isArray(value) ? value : [value];
    if (values.length === 0) ctx.delete(normalizeKey(key));
    else ctx.set(normalizeKey(key), values);
  }
  return ctx;
}

// ---------------------------------------------------------------------------------------------------------
// Does a statement apply?
// ---------------------------------------------------------------------------------------------------------

/**
 * Keys the service provides (seed 001: the Condition Key column of Table 1) exist only for the actions whose
 * row lists them; every other key (caller, network, time) exists for every action. ims:TargetOrgPaths is
 * taken as listed on every sharing and member action (the catalog note TARGET_ORG_PATHS_ONLY_ON_SHARE).
 */
function serviceKey(key: string): string | null {
  if (key.startsWith('ims:') || key === 'g:enterpriseprojectid' || key === 'g:tagkeys') return key;
  for (const prefix of ['g:resourcetag/', 'g:requesttag/']) if (key.startsWith(prefix)) return prefix;
  return null;
}
const SHARING = ['ims:images:share', 'ims:images:addmember', 'ims:images:deletemember', 'ims:images:updatememberstatus'];
export function actionCarries(action: CatalogAction, key: string): boolean {
  const service = serviceKey(normalizeKey(key).toLowerCase());
  if (service === null) return true;
  if (service === 'ims:targetorgpaths' && SHARING.includes(action.name.toLowerCase())) return true;
  return action.condition_keys.some((k) => k.toLowerCase().replace('<tag-key>', '') === service);
}

/** The context one action sees: the keys it does not carry are absent. */
function contextFor(ctx: Context, action: CatalogAction): Context {
  const out: Context = new Map();
  for (const [k, v] of ctx) if (actionCarries(action, k)) out.set(k, v);
  return out;
}

/**
 * Image sharing (the IMS pages cited in docs/semantics.md): a member may answer the invitation at any
 * status; once it accepted, it may also read the image and replicate it in the region.
 */
const MEMBER_MAY: Record<string, string[]> = {
  pending: ['ims:images:updatememberstatus'],
  accepted: ['ims:images:updatememberstatus', 'ims:images:get', 'ims:images:copyinregion'],
  rejected: ['ims:images:updatememberstatus'],
};

/** Whether an item is on another account's resource (or may be: a wildcard account) and not one a member may perform. */
function crossAccount(item: Item, req: EvaluateRequest): boolean {
  const caller = req.principal?.account_id;
  if (caller === undefined || item.target.kind === 'none') return false;
  const account = item.resource.split(':')[2] ?? '';
  if (account === caller && !/^\*+$/.test(item.resource)) return false;
  const status = req.shared_image?.member_status;
  return !(status !== undefined && MEMBER_MAY[status]!.includes(item.action.name.toLowerCase()));
}

function actionMatches(st: Statement, action: CatalogAction): boolean {
  const hit = st.actions.some((pattern) => patternMatches(pattern, action));
  return st.notAction ? !hit : hit;
}

const onlyStars = (p: string): boolean => /^\*+$/.test(p);

/**
 * Resource / NotResource. One URN: glob match. An action without resource type is requested on `*`: a
 * Resource list applies only if it holds `*`, a NotResource list only if it does not. A family fails
 * closed: an Allow must admit every member, a Deny applies if it admits one.
 */
function resourceMatches(st: Statement, target: Target): boolean {
  if (st.resourceMode === 'any') return true;
  const patterns = st.resources;
  const listed = st.resourceMode === 'list';
  switch (target.kind) {
    case 'none': {
      const star = patterns.some(onlyStars);
      return listed ? star : !star;
    }
    case 'urn': {
      const hit = patterns.some((p) => globMatch(p, target.urn));
      return listed ? hit : !hit;
    }
    case 'family': {
      const f = target.pattern;
      if (st.effect === 'Allow') return listed ? everyMemberMatched(f, patterns) : !someMemberMatched(f, patterns);
      return listed ? someMemberMatched(f, patterns) : !everyMemberMatched(f, patterns);
    }
  }
}

/**
 * Grant scopes: a project grant applies in its region; an enterprise-project grant only to actions that
 * support enterprise projects and requests in that project. When the request does not say, an Allow does
 * not apply and a Deny does.
 */
function scopeAdmits(policy: Policy, st: Statement, action: CatalogAction, req: EvaluateRequest, ctx: Context): boolean {
  const scope = policy.scope;
  if (scope === null || scope.type === 'global' || scope.type === 'all_projects') return true;
  const unknown = st.effect === 'Deny';
  if (scope.type === 'project') return req.region === undefined ? unknown : req.region === scope.project;
  if (!action.enterprise_project) return false;
  const ep = ctx.get('g:enterpriseprojectid');
  if (ep === undefined) return unknown;
  return ep.some((v) => String(v) === scope.enterprise_project_id);
}

/**
 * Whether a statement applies to an item: action, grant scope, resource, then conditions. A statement whose
 * action, scope and resource match is relevant: the condition keys it names that the request lacks are
 * added to `missing`.
 */
function applies(p: Policy, st: Statement, item: Item, req: EvaluateRequest, ctx: Context, missing: Set<string>): boolean {
  if (!actionMatches(st, item.action) || !scopeAdmits(p, st, item.action, req, ctx) || !resourceMatches(st, item.target)) return false;
  for (const c of st.conditions) if (!ctx.has(c.key) && actionCarries(item.action, c.key)) missing.add(c.key);
  return st.conditions.every((c) => conditionHolds(c.operator, c.values, ctx.get(c.key), keyType(c.key)));
}

// ---------------------------------------------------------------------------------------------------------
// Deciding
// ---------------------------------------------------------------------------------------------------------

interface Layer {
  layer: 'identity' | 'scp';
  level: string | null;
  policies: Policy[];
}

export interface ModelResult {
  action: string;
  resource: string;
  decision: 'allow' | 'deny';
  reason: 'allowed' | 'explicit_deny' | 'implicit_deny';
  denied_by: DeniedBy | null;
  /** In api mode. */
  required_by?: 'api' | 'dependency';
  /** Keys of `context` (as written) the action does not carry. */
  ignored_context_keys?: string[];
}

export interface ModelResponse {
  decision: 'allow' | 'deny';
  reason: 'allowed' | 'explicit_deny' | 'implicit_deny';
  denied_by: DeniedBy | null;
  results: ModelResult[];
  /** Normalised key names (lower-case, tag keys keep their case), sorted. */
  missing_context_keys: string[];
  /** Keys of `context` (as written) some action does not carry, sorted. */
  ignored_context_keys: string[];
  /**
   * How many kinds of warning the response carries: resources given for actions without resource type
   * (evaluated on `*`; not said in api mode, whose dependencies often have none), and families of
   * resources (choice 6), and context keys derived from the principal (docs/semantics.md, "Identity keys":
   * a what-if in inline evaluation).
   */
  warnings: number;
  /** In api mode: the template the path matched and every action the call needs. */
  api?: { template: string; required_actions: string[] };
}

export interface PolicySet {
  policies?: ScopedPolicy[];
  scps?: ScpLevelInput[];
}

/**
 * Decides a request. `preset` stands for a policy set compiled once (createEvaluator): used when the
 * request carries no policies of its own.
 */
export function referenceEvaluate(req: EvaluateRequest, preset?: PolicySet, now: number = REFERENCE_NOW): ModelResponse {
  const inline = req.policies !== undefined || req.scps !== undefined;
  const set: PolicySet = inline || !preset ? { policies: req.policies ?? [], scps: req.scps ?? [] } : preset;
  const principal = req.principal ?? {};
  const type = principal.type ?? 'user';
  // SCPs apply unless the principal is the management account or a service-linked agency.
  const scpsApply = principal.management_account !== true && type !== 'service_linked_agency';
  // The account itself needs no identity Allow.
  const identityNeedsAllow = type !== 'account';

  const scpLayers: Layer[] = (set.scps ?? []).map((l) => ({ layer: 'scp', level: l.level, policies: l.policies.map(readPolicy) }));
  const identity: Layer = { layer: 'identity', level: null, policies: (set.policies ?? []).map(readPolicy) };
  // Choice 1 order: SCP levels outermost first, then the identity layer.
  const layers = [...(scpsApply ? scpLayers : []), identity];
  const whole = context(req, now);
  const missing = new Set<string>();

  /** The position of a denial in the choice-1 order (statement denials and implicit denials of a layer). */
  const order = (d: DeniedBy): number => {
    let n = 0;
    for (const layer of [...scpLayers, identity]) {
      if (layer.layer === d.layer && layer.level === d.level && d.policy_id === null) return n;
      n++;
      for (const p of layer.policies) {
        for (const st of p.statements) {
          if (layer.layer === d.layer && layer.level === d.level && p.id === d.policy_id && st.index === d.statement) return n;
          n++;
        }
      }
    }
    return n;
  };

  const api = req.api ? resolveApi(req.api) : undefined;
  if (req.api && !api) throw new Error('reference model: the request names no API of the catalog');
  const all = items(req, api);
  const given = req.resources !== undefined || req.resource !== undefined;
  const warnings =
    (given && !api && all.some((i) => i.target.kind === 'none') ? 1 : 0) +
    (all.some((i) => i.target.kind === 'family') ? 1 : 0) +
    (Object.keys(req.context ?? {}).some(isPrincipalKey) ? 1 : 0) +
    (all.some((i) => crossAccount(i, req)) ? 1 : 0);
  const ignored = new Set<string>();

  const results: ModelResult[] = all.map((item) => {
    // Each action sees the keys it carries; a given key it does not carry is ignored for it.
    const ctx = contextFor(whole, item.action);
    const dropped = Object.entries(req.context ?? {})
      .filter(([k, v]) => v !== null && !(Array.isArray(v) && v.length === 0) && !actionCarries(item.action, k))
      .map(([k]) => k);
    for (const k of dropped) ignored.add(k);
    let firstDeny: DeniedBy | null = null;
    let firstLayerWithoutAllow: DeniedBy | null = null;
    for (const layer of layers) {
      // Every Deny statement is looked at; the first one that applies (in choice-1 order) is named.
      for (const p of layer.policies) {
        for (const st of p.statements) {
          if (st.effect === 'Deny' && applies(p, st, item, req, ctx, missing)) {
            firstDeny ??= { layer: layer.layer, level: layer.level, policy_id: p.id, statement: st.index, sid: st.sid };
          }
        }
      }
      // Allow statements are looked at until one applies: after that, the layer's answer cannot change.
      let allowed = false;
      for (const p of layer.policies) {
        for (const st of p.statements) {
          if (st.effect === 'Allow' && applies(p, st, item, req, ctx, missing)) {
            allowed = true;
            break;
          }
        }
        if (allowed) break;
      }
      const needsAllow = layer.layer === 'scp' || identityNeedsAllow;
      // Another account's resource: nothing in the identity layer allows it (docs/semantics.md, "Cross-account requests").
      if ((!allowed && needsAllow) || (layer.layer === 'identity' && crossAccount(item, req))) {
        firstLayerWithoutAllow ??= { layer: layer.layer, level: layer.level, policy_id: null, statement: null, sid: null };
      }
    }
    const base = {
      action: item.action.name,
      resource: item.resource,
      ...(item.requiredBy ? { required_by: item.requiredBy } : {}),
      ...(dropped.length > 0 ? { ignored_context_keys: dropped } : {}),
    };
    if (firstDeny) return { ...base, decision: 'deny', reason: 'explicit_deny', denied_by: firstDeny };
    if (firstLayerWithoutAllow) return { ...base, decision: 'deny', reason: 'implicit_deny', denied_by: firstLayerWithoutAllow };
    return { ...base, decision: 'allow', reason: 'allowed', denied_by: null };
  });

  // The request: allowed only if every result is; otherwise the strongest reason (explicit, then SCP
  // implicit, then identity implicit), ties broken by the choice-1 order, then by result order.
  const strength = (r: ModelResult): number => (r.reason === 'explicit_deny' ? 3 : r.reason === 'allowed' ? 0 : r.denied_by?.layer === 'scp' ? 2 : 1);
  let deciding: ModelResult | undefined;
  for (const r of results) {
    if (r.decision !== 'deny') continue;
    if (!deciding || strength(r) > strength(deciding) || (strength(r) === strength(deciding) && order(r.denied_by!) < order(deciding.denied_by!))) deciding = r;
  }
  return {
    decision: deciding ? 'deny' : 'allow',
    reason: deciding ? deciding.reason : 'allowed',
    denied_by: deciding ? deciding.denied_by : null,
    results,
    missing_context_keys: [...missing].sort(),
    ignored_context_keys: [...ignored].sort(),
    warnings,
    ...(api ? { api: { template: api.template, required_actions: api.required.map((a) => a.name) } } : {}),
  };
}
