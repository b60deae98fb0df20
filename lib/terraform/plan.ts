/**
 * Checks the IAM and Organizations policy documents of a Terraform plan for the huaweicloud provider, as
 * `terraform show -json` prints it (a plan's `resource_changes`, or a state's `values`). Pure: the CLI
 * (`ims-authz check terraform`) reads the file and prints; docs/terraform.md is the reference.
 *
 * Resource types and attributes, from the provider's documentation (docs/resources/*.md of the
 * huaweicloud/terraform-provider-huaweicloud repository):
 *  - `huaweicloud_identityv5_policy`: `policy_document` (a 5.0 identity policy, JSON text);
 *  - `huaweicloud_identity_role`: `policy` (a 1.1 custom policy, JSON text), `type` AX or XA;
 *  - `huaweicloud_organizations_policy`: `content` (JSON text) when `type` is `service_control_policy`
 *    (tag policies are not checked);
 *  - attachments, listed with their targets: `huaweicloud_identityv5_policy_user_attach` (policy_id, user_id),
 *    `..._group_attach` (group_id), `..._agency_attach` (agency_id), `huaweicloud_identity_role_assignment`
 *    (role_id, group_id/user_id/agency_id, project_id/domain_id/enterprise_project_id),
 *    `huaweicloud_organizations_policy_attach` (policy_id, entity_id).
 */
import { analyzePolicy } from '../validate/validate.js';
import type { Finding, PolicyType } from '../types.js';

export type TerraformResourceKind = 'identity-policy' | 'custom-role' | 'scp' | 'attachment';

interface DocumentResource {
  kind: Exclude<TerraformResourceKind, 'attachment'>;
  attribute: string;
  type: PolicyType;
  /** Only when this attribute has this value (Organizations: SCPs, not tag policies). */
  when?: { attribute: string; value: string };
}

/** The provider's resource types that carry a policy document, and where. */
export const DOCUMENT_RESOURCES: Readonly<Record<string, DocumentResource>> = {
  huaweicloud_identityv5_policy: { kind: 'identity-policy', attribute: 'policy_document', type: 'identity' },
  huaweicloud_identity_role: { kind: 'custom-role', attribute: 'policy', type: 'identity' },
  huaweicloud_organizations_policy: { kind: 'scp', attribute: 'content', type: 'scp', when: { attribute: 'type', value: 'service_control_policy' } },
};

/** The provider's attachment resource types, and the attributes that say what is attached where. */
export const ATTACHMENT_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  huaweicloud_identityv5_policy_user_attach: ['policy_id', 'user_id'],
  huaweicloud_identityv5_policy_group_attach: ['policy_id', 'group_id'],
  huaweicloud_identityv5_policy_agency_attach: ['policy_id', 'agency_id'],
  huaweicloud_identity_role_assignment: ['role_id', 'user_id', 'group_id', 'agency_id', 'project_id', 'domain_id', 'enterprise_project_id'],
  huaweicloud_organizations_policy_attach: ['policy_id', 'entity_id'],
};

export interface TerraformFinding extends Finding {
  /** The resource's address, e.g. `module.iam.huaweicloud_identity_role.deployers`. */
  address: string;
  /** The attribute holding the document. */
  attribute?: string;
}

export interface TerraformResource {
  address: string;
  type: string;
  kind: TerraformResourceKind;
  /** Terraform's planned actions (`create`, `update`, `delete`, `no-op`, ...); absent for a state. */
  actions?: string[];
  /** Attachments: the planned attribute values that say what is attached where (unknown ones as `(known after apply)`). */
  targets?: Record<string, string>;
  /** False when its document is not in the plan (known only after apply): nothing was checked. */
  checked: boolean;
  valid: boolean;
}

/** A document's prior and planned text, for the access comparison (`--no-new-access`, see below). */
export interface DocumentChange {
  address: string;
  type: PolicyType;
  before: string | null;
  after: string;
}

export interface TerraformCheck {
  valid: boolean;
  resources: TerraformResource[];
  findings: TerraformFinding[];
  /** Every planned document with its prior text: the input of the no-new-access comparison. */
  changes: DocumentChange[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

interface PlannedResource {
  address: string;
  type: string;
  actions?: string[];
  before: Obj | null;
  after: Obj | null;
  unknown: Obj;
}

/** The managed resources of a plan (`resource_changes`) or a state (`values.root_module`, with child modules). */
function resourcesOf(json: Obj): PlannedResource[] | undefined {
  if (Array.isArray(json.resource_changes)) {
    return json.resource_changes
      .filter(isObj)
      .filter((r) => r.mode === undefined || r.mode === 'managed')
      .map((r) => {
        const change = isObj(r.change) ? r.change : {};
        return {
          address: String(r.address),
          type: String(r.type),
          actions: Array.isArray(change.actions) ? change.actions.map(String) : [],
          before: isObj(change.before) ? change.before : null,
          after: isObj(change.after) ? change.after : null,
          unknown: isObj(change.after_unknown) ? change.after_unknown : {},
        };
      });
  }
  const root = isObj(json.values) ? json.values.root_module : isObj(json.planned_values) ? json.planned_values.root_module : undefined;
  if (!isObj(root)) return undefined;
  const out: PlannedResource[] = [];
  const visit = (m: Obj): void => {
    for (const r of Array.isArray(m.resources) ? m.resources.filter(isObj) : []) {
      if (r.mode !== undefined && r.mode !== 'managed') continue;
      out.push({ address: String(r.address), type: String(r.type), before: null, after: isObj(r.values) ? r.values : null, unknown: {} });
    }
    for (const c of Array.isArray(m.child_modules) ? m.child_modules.filter(isObj) : []) visit(c);
  };
  visit(root);
  return out;
}

/** Checks a parsed `terraform show -json` document; `null` when it is not one. */
export function checkTerraformPlan(json: unknown): TerraformCheck | null {
  if (!isObj(json)) return null;
  // Terraform: "Reject any input which reports an unsupported major version" (0.x and 1.x are read).
  if (typeof json.format_version === 'string' && !/^[01]\./.test(json.format_version)) return null;
  const planned = resourcesOf(json);
  if (!planned) return null;
  const resources: TerraformResource[] = [];
  const findings: TerraformFinding[] = [];
  const changes: DocumentChange[] = [];
  for (const r of planned) {
    if (r.actions && r.actions.length > 0 && r.actions.every((a) => a === 'delete' || a === 'read')) continue;
    const doc = DOCUMENT_RESOURCES[r.type];
    const attach = ATTACHMENT_RESOURCES[r.type];
    if (attach) {
      const targets: Record<string, string> = {};
      for (const a of attach) {
        const v = r.after?.[a];
        if (typeof v === 'string' && v !== '') targets[a] = v;
        else if (r.unknown[a] === true) targets[a] = '(known after apply)';
      }
      resources.push({ address: r.address, type: r.type, kind: 'attachment', ...(r.actions ? { actions: r.actions } : {}), targets, checked: true, valid: true });
      continue;
    }
    if (!doc) continue;
    if (doc.when && r.after?.[doc.when.attribute] !== doc.when.value && r.unknown[doc.when.attribute] !== true) continue;
    const text = r.after?.[doc.attribute];
    const own: TerraformFinding[] = [];
    if (typeof text !== 'string') {
      // Computed from values the plan does not know: nothing to check before apply, and nothing known to pass.
      own.push({
        address: r.address,
        attribute: doc.attribute,
        code: r.unknown[doc.attribute] === true ? 'DOCUMENT_UNKNOWN' : 'DOCUMENT_MISSING',
        severity: 'warning',
        message:
          r.unknown[doc.attribute] === true
            ? `${r.address} (${doc.attribute}): known only after apply, so not checked here (check it with ims-authz validate once it is rendered).`
            : `${r.address}: ${doc.attribute} is not in the plan.`,
        path: '',
      });
    } else {
      for (const f of analyzePolicy(text, { type: doc.type }).findings) own.push({ ...f, address: r.address, attribute: doc.attribute, message: `${r.address} (${doc.attribute}): ${f.message}` });
      if (doc.kind === 'custom-role') {
        const roleType = r.after?.type;
        if (typeof roleType === 'string' && roleType !== 'AX' && roleType !== 'XA') {
          own.push({
            address: r.address,
            attribute: 'type',
            code: 'INVALID_ROLE_TYPE',
            severity: 'error',
            message: `${r.address}: type must be AX (global services) or XA (project-level services), not "${roleType}".`,
            path: '',
          });
        }
      }
      const before = r.before?.[doc.attribute];
      changes.push({ address: r.address, type: doc.type, before: typeof before === 'string' ? before : null, after: text });
    }
    findings.push(...own);
    resources.push({
      address: r.address,
      type: r.type,
      kind: doc.kind,
      ...(r.actions ? { actions: r.actions } : {}),
      checked: typeof text === 'string',
      valid: !own.some((f) => f.severity === 'error'),
    });
  }
  return { valid: resources.every((r) => r.valid), resources, findings, changes };
}

/** One line per finding, then one per resource: `address: severity CODE message`. */
export function renderTerraformText(r: TerraformCheck): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    const at = f.span ? ` (line ${f.span.start.line} column ${f.span.start.column + 1} of ${f.attribute})` : '';
    const fix = f.suggestions?.length ? ` Did you mean ${f.suggestions.slice(0, 3).join(', ')}?` : '';
    lines.push(`${f.severity} ${f.code} ${f.message}${at}${fix}`);
  }
  if (lines.length > 0) lines.push('');
  for (const res of r.resources) {
    const where = res.targets
      ? ` ${Object.entries(res.targets)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`
      : '';
    lines.push(`${!res.valid ? 'invalid' : res.checked ? 'ok     ' : 'unknown'} ${res.address} (${res.kind}${res.actions?.length ? `, ${res.actions.join('+')}` : ''})${where}`);
  }
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  lines.push('', `${r.resources.length} resource(s), ${errors} error(s), ${r.findings.length - errors} warning(s) or note(s)`);
  return lines.join('\n');
}

/**
 * SARIF 2.1.0 (code scanning): one result per finding, at the plan file, with the resource address as the
 * logical location (a plan has no source lines of the .tf files).
 */
export function toSarif(r: TerraformCheck, planUri: string, version: string): unknown {
  const rules = [...new Set(r.findings.map((f) => f.code))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'ims-authz', version, rules: rules.map((id) => ({ id, shortDescription: { text: id } })) } },
        results: r.findings.map((f) => ({
          ruleId: f.code,
          level: f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'note',
          message: { text: f.message },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: planUri } },
              logicalLocations: [{ fullyQualifiedName: `${f.address}${f.attribute ? `.${f.attribute}` : ''}${f.path}`, kind: 'resource' }],
            },
          ],
        })),
      },
    ],
  };
}
