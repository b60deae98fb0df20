/**
 * The playground's whole state: the policy tabs and the request builder's fields. It is plain JSON (the share
 * link carries it), and `toEvaluateRequest` turns it into the engine's EvaluateRequest (lib/types.ts), the same
 * shape the service takes. `fromEvaluateRequest` goes the other way: it loads any request into the builder
 * (a request from the service, a witness of the compare view).
 */
import { SYSTEM_POLICIES } from '../../lib/system-policies.js';
import type { ApiHints, ContextValue, EvaluateRequest, InlinePolicy, PolicyType, PrincipalType, ScpLevelInput } from '../../lib/types.js';
import { catalog } from '../../lib/catalog/catalog.js';
import { findAction, findApi, fillPath, fillUrn, keyInfo, parseUrn, pathParams } from './catalog-info.js';

export interface PolicyTab {
  /** The policy id the engine reports (`policy_id` in decisions and traces). */
  id: string;
  type: PolicyType;
  /** SCP tabs: the organization level (root, OU or account id) the SCP is attached to. */
  level?: string;
  text: string;
}

export interface PrincipalFields {
  type: PrincipalType;
  account_id: string;
  user_id: string;
  user_name: string;
  agency: string;
  org_path: string;
  management_account: boolean;
}

export interface ContextRow {
  key: string;
  /** As typed: converted by the key's catalog type (`toContextValue`). */
  value: string;
  enabled: boolean;
  /** Sent as null: the key removed, e.g. one IAM fills from the principal (an analysis witness may need it absent). */
  absent?: boolean;
}

export interface RequestFields {
  principal: PrincipalFields;
  mode: 'action' | 'api';
  action: string;
  /** `METHOD /path/template` of a catalog API. */
  api: string;
  api_params: Record<string, string>;
  hints: ApiHints;
  /** `urn`: the URN built from `resource_parts`; `omit`: no resource (every resource of the type). */
  resource_mode: 'urn' | 'omit';
  resource_parts: Record<string, string>;
  region: string;
  context: ContextRow[];
  /** Attach the system FullAccess SCP at every level that has an SCP tab (as enabling SCPs does). */
  scp_full_access: boolean;
}

export interface PlaygroundState {
  v: 1;
  tabs: PolicyTab[];
  active: number;
  request: RequestFields;
  /** The compare view's "existing" policies: the tabs as they were when the baseline was taken. */
  baseline?: PolicyTab[];
  /** The result view in front (`trace`, `compare`, `summary`, ...), so a link opens on what its author saw. */
  view?: string;
}

export const URN_TEMPLATE: string = catalog.resource_types[0]?.urn_template ?? 'ims:<region>:<account-id>:image:<image-id>';

export const TEMPLATES: Record<'5.0' | '1.1' | 'scp', string> = {
  '5.0': `{
  "Version": "5.0",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["ims:images:list"],
      "Resource": ["*"]
    }
  ]
}
`,
  '1.1': `{
  "Version": "1.1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["ims:images:list"]
    }
  ]
}
`,
  scp: `{
  "Version": "5.0",
  "Statement": [
    {
      "Effect": "Deny",
      "Action": ["ims:images:deleteImage"],
      "Resource": ["*"]
    }
  ]
}
`,
};

export function defaultState(): PlaygroundState {
  return {
    v: 1,
    tabs: [
      {
        id: 'image-admin',
        type: 'identity',
        text: `{
  "Version": "5.0",
  "Statement": [
    {
      "Sid": "ManageImagesInBeijing4",
      "Effect": "Allow",
      "Action": ["ims:images:*"],
      "Resource": ["ims:cn-north-4:acc-1:image:*"]
    },
    {
      "Sid": "ListEverywhere",
      "Effect": "Allow",
      "Action": ["ims:images:list"],
      "Resource": ["*"]
    }
  ]
}
`,
      },
      {
        id: 'no-unencrypted-copies',
        type: 'identity',
        text: `{
  "Version": "5.0",
  "Statement": [
    {
      "Sid": "NoUnencryptedCopies",
      "Effect": "Deny",
      "Action": ["ims:images:copyInRegion"],
      "Resource": ["*"],
      "Condition": { "Bool": { "ims:Encrypted": ["false"] } }
    }
  ]
}
`,
      },
    ],
    active: 0,
    request: {
      principal: { type: 'user', account_id: 'acc-1', user_id: '', user_name: 'alice', agency: '', org_path: '', management_account: false },
      mode: 'action',
      action: 'ims:images:copyInRegion',
      api: 'POST /v1/cloudimages/{image_id}/copy',
      api_params: { image_id: 'abc' },
      hints: {},
      resource_mode: 'urn',
      resource_parts: { region: 'cn-north-4', 'account-id': 'acc-1', 'image-id': 'abc' },
      region: 'cn-north-4',
      context: [{ key: 'ims:Encrypted', value: 'false', enabled: true }],
      scp_full_access: true,
    },
  };
}

/** A context value typed by the key's catalog type; free keys are strings (lists when comma-separated and multi-valued). */
export function toContextValue(key: string, text: string): ContextValue {
  const info = keyInfo(key);
  const t = text.trim();
  const one = (s: string): string | number | boolean => {
    if (info?.type === 'boolean' && (s === 'true' || s === 'false')) return s === 'true';
    if (info?.type === 'numeric' && s !== '' && Number.isFinite(Number(s))) return Number(s);
    return s;
  };
  if (info?.multi_valued) return t === '' ? [] : t.split(',').map((s) => one(s.trim()));
  return one(t);
}

function contextText(value: ContextValue): string {
  if (value === null) return '';
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

/** The resource URN the builder shows (empty parts stay as `<placeholder>`). */
export function resourceUrn(r: RequestFields): string {
  return fillUrn(URN_TEMPLATE, r.resource_parts);
}

/** Whether the builder's action (or API's own action) has a resource type. */
export function hasResourceType(r: RequestFields): boolean {
  const name = r.mode === 'api' ? findApi(r.api)?.action : r.action;
  return (findAction(name ?? '')?.resource_types.length ?? 0) > 0;
}

/** The policies of the tabs as the engine takes them: identity policies, and SCPs grouped by level in tab order. */
export function policySet(state: PlaygroundState): { policies: InlinePolicy[]; scps: ScpLevelInput[] } {
  const policies: InlinePolicy[] = [];
  const levels = new Map<string, InlinePolicy[]>();
  for (const t of state.tabs) {
    if (t.type === 'identity') policies.push({ id: t.id, document: t.text });
    else {
      const level = t.level || 'root';
      const list = levels.get(level) ?? [];
      list.push({ id: t.id, document: t.text });
      levels.set(level, list);
    }
  }
  const full = SYSTEM_POLICIES.find((p) => p.type === 'scp' && p.name === 'FullAccess');
  const scps: ScpLevelInput[] = [...levels].map(([level, list]) => ({
    level,
    policies: state.request.scp_full_access && full && !list.some((p) => p.id === full.policy_id) ? [{ id: full.policy_id, document: full.document }, ...list] : list,
  }));
  return { policies, scps };
}

/** The request without policies (what the service evaluates by reference against stored ones). */
export function requestOnly(r: RequestFields): EvaluateRequest {
  const p = r.principal;
  const principal: EvaluateRequest['principal'] = { type: p.type };
  if (p.account_id) principal.account_id = p.account_id;
  if (p.user_id) principal.user_id = p.user_id;
  if (p.user_name) principal.user_name = p.user_name;
  if (p.type === 'agency' && p.agency) principal.agency = p.agency;
  if (p.org_path) principal.org_path = p.org_path;
  if (p.management_account) principal.management_account = true;
  const req: EvaluateRequest = { principal };
  if (r.mode === 'api') {
    const api = findApi(r.api);
    const template = api?.path ?? r.api.replace(/^\S+\s+/, '');
    const call: NonNullable<EvaluateRequest['api']> = { method: api?.method ?? r.api.split(' ')[0] ?? 'GET', path: fillPath(template, r.api_params) };
    const hints: ApiHints = {};
    if (r.hints.quick_import_disk) hints.quick_import_disk = r.hints.quick_import_disk;
    if (typeof r.hints.enterprise_project === 'boolean') hints.enterprise_project = r.hints.enterprise_project;
    if (Object.keys(hints).length > 0) call.hints = hints;
    req.api = call;
  } else {
    req.action = r.action;
    if (r.resource_mode === 'urn' && hasResourceType(r)) req.resource = resourceUrn(r);
  }
  if (r.region) req.region = r.region;
  const context: Record<string, ContextValue> = {};
  for (const row of r.context) if (row.enabled && row.key.trim()) context[row.key.trim()] = row.absent ? null : toContextValue(row.key.trim(), row.value);
  if (Object.keys(context).length > 0) req.context = context;
  return req;
}

/** The whole request the page evaluates: the builder's request with the tabs' policies inline. */
export function toEvaluateRequest(state: PlaygroundState): EvaluateRequest {
  const req = requestOnly(state.request);
  const { policies, scps } = policySet(state);
  req.policies = policies;
  if (scps.length > 0) req.scps = scps;
  return req;
}

/**
 * Loads a request into the builder fields (policies are not touched). Fields the builder cannot show are
 * dropped: `actions` (batch) keeps its first action, `resources` its first resource.
 */
export function fromEvaluateRequest(req: EvaluateRequest, base: RequestFields): RequestFields {
  const p = req.principal ?? {};
  const r: RequestFields = {
    ...base,
    principal: {
      type: p.type ?? 'user',
      account_id: p.account_id ?? '',
      user_id: p.user_id ?? '',
      user_name: p.user_name ?? '',
      agency: p.agency ?? '',
      org_path: p.org_path ?? '',
      management_account: p.management_account === true,
    },
    region: req.region ?? '',
    hints: {},
    context: Object.entries(req.context ?? {}).map(
      ([key, value]): ContextRow => (value === null ? { key, value: '', enabled: true, absent: true } : { key, value: contextText(value), enabled: true }),
    ),
  };
  if (req.api) {
    r.mode = 'api';
    const method = req.api.method.toUpperCase();
    const api = catalog.apis.find((a) => a.method === method && new RegExp(`^${a.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(req.api!.path.split('?')[0] as string));
    r.api = api ? `${api.method} ${api.path}` : `${method} ${req.api.path}`;
    r.api_params = {};
    if (api) {
      const names = pathParams(api.path);
      const values = new RegExp(`^${api.path.replace(/\{[^}]+\}/g, '([^/]+)')}$`).exec(req.api.path.split('?')[0] as string);
      names.forEach((n, i) => (r.api_params[n] = decodeURIComponent(values?.[i + 1] ?? '')));
    }
    r.hints = { ...req.api.hints };
  } else {
    r.mode = 'action';
    r.action = req.action ?? req.actions?.[0] ?? base.action;
    const resource = req.resource ?? req.resources?.[0];
    const parts = resource ? parseUrn(URN_TEMPLATE, resource) : null;
    r.resource_mode = parts ? 'urn' : 'omit';
    if (parts) r.resource_parts = parts;
  }
  return r;
}
