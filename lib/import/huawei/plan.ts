/**
 * Import from Huawei's API outputs, the pure part: recognise each saved API response by its shape, and turn
 * the set into one plain import plan (policies with their versions and default version, principals,
 * memberships, grants, the organization's root, OUs and accounts, SCPs and their attachments), with every
 * document validated and findings per file. Nothing here reads a store or the network: the applier
 * (functions/shared/import-apply.ts) writes a plan through the store's public functions.
 *
 * Where each shape was looked up: docs/imports.md ("Recognised responses") and test/fixtures/huawei/README.md.
 *
 * Several of Huawei's responses do not name what they belong to (a policy's versions, the OUs under a parent,
 * the entities an SCP is attached to): the API takes it in the URL. A saved response names it by its path: a
 * directory or file-name part equal to the owner's id (`iam/policies/<policy_id>/versions.json`). An owner that
 * cannot be told is an error, never a guess: an OU placed under the wrong parent would escape its SCPs.
 */
import { analyzePolicy } from '../../validate/validate.js';
import { RECOGNISERS, type Fragment, type Owner, type Recognised } from './shapes.js';
import type { FileSummary, ImportFile, ImportFinding, ImportGrant, ImportPlan, ImportPolicy, ImportVersion, PlanResult, PrincipalKind } from './types.js';

export type * from './types.js';

/** The most files and the most items (policies, versions, principals, ...) one import takes (docs/limits.md). */
export const IMPORT_LIMITS = { files: 500, items: 500 } as const;

const finding = (file: string, code: string, message: string, extra: Partial<ImportFinding> = {}): ImportFinding => ({ file, code, severity: 'error', message, path: '', ...extra });

/** Reads the files and builds the plan. Never throws on bad input: everything wrong is a finding. */
export function buildPlan(files: readonly ImportFile[]): PlanResult {
  const summaries: FileSummary[] = [];
  const recognised: Array<{ summary: FileSummary; shape: Recognised }> = [];
  if (files.length > IMPORT_LIMITS.files) {
    const summary: FileSummary = { file: '(input)', items: 0, findings: [finding('(input)', 'IMPORT_TOO_LARGE', `${files.length} files: one import takes at most ${IMPORT_LIMITS.files}. Split it.`)] };
    return { plan: emptyPlan(), files: [summary], refused: true, foreign_actions: [], unknown_ims_actions: [] };
  }
  for (const f of files) {
    const summary: FileSummary = { file: f.name, items: 0, findings: [] };
    summaries.push(summary);
    let value = f.content;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value) as unknown;
      } catch (err) {
        summary.findings.push(finding(f.name, 'INVALID_JSON', `Not JSON: ${(err as Error).message}.`));
        continue;
      }
    }
    const shape = recognise(value);
    if (!shape) {
      summary.findings.push(
        finding(f.name, 'UNRECOGNISED_RESPONSE', 'Not a response of an API this import reads (docs/imports.md lists them): give the JSON body as the API or the official CLI/SDK returned it.'),
      );
      continue;
    }
    summary.api = shape.api;
    recognised.push({ summary, shape });
  }

  // Owners named by path: every id the input defines, by kind.
  const known = knownIds(recognised.map((r) => r.shape));
  const plan = emptyPlan();
  const policies = new Map<string, ImportPolicy>();
  let items = 0;
  for (const { summary, shape } of recognised) {
    const file = summary.file;
    let owner: string | undefined;
    if (shape.owner) {
      owner = ownerFromPath(file, known[shape.owner]);
      if (owner === undefined) {
        summary.findings.push(
          finding(
            file,
            'OWNER_NOT_NAMED',
            `${shape.api} does not say which ${OWNER_WORDS[shape.owner]} it belongs to: name the ${OWNER_WORDS[shape.owner]}'s id in the file's path (a directory or file-name part), e.g. ${OWNER_EXAMPLES[shape.owner]}, and include the response that defines it.`,
          ),
        );
        continue;
      }
    }
    const ownerKind: PrincipalKind = owner !== undefined && known.user.has(owner) ? 'user' : owner !== undefined && known.group.has(owner) ? 'group' : 'agency';
    const fragments = shape.fragments(owner as string, ownerKind);
    summary.items = fragments.length;
    items += fragments.length;
    for (const fr of fragments) addFragment(plan, policies, fr, file, summary);
  }
  if (items > IMPORT_LIMITS.items) {
    summaries.push({ file: '(input)', items: 0, findings: [finding('(input)', 'IMPORT_TOO_LARGE', `${items} items: one import takes at most ${IMPORT_LIMITS.items}. Split it.`)] });
  }
  plan.policies = [...policies.values()];
  const builtins = new Set(recognised.flatMap((r) => r.shape.builtins ?? []));
  for (const a of plan.scp_attachments) if (builtins.has(a.policy_id)) a.policy_id = FULL_ACCESS;
  checkReferences(plan, summaries);

  // Validate every document first: one error anywhere refuses the run.
  const foreign = new Set<string>();
  const unknownIms = new Set<string>();
  for (const p of plan.policies) {
    if (p.versions.length === 0) {
      summaryOf(summaries, p.file).findings.push(
        finding(p.file, 'NO_DOCUMENT', `Policy ${p.policy_id} (${p.name}) has no document in the input: add its versions (ListPolicyVersionsV5 or GetPolicyVersionV5) or its content (ShowPolicy).`, {
          policy_id: p.policy_id,
        }),
      );
      continue;
    }
    if (!p.versions.some((v) => v.is_default)) {
      summaryOf(summaries, p.file).findings.push(finding(p.file, 'NO_DEFAULT_VERSION', `Policy ${p.policy_id} has no default version in the input.`, { policy_id: p.policy_id }));
    }
    for (const v of p.versions) {
      const { findings } = analyzePolicy(v.document, { type: p.type });
      const doc = documentValue(v.document);
      for (const f of findings) {
        const action = f.path.startsWith('/Statement/') && f.path.includes('/Action') ? valueAt(doc, f.path) : undefined;
        if (f.code === 'FOREIGN_ACTION' && typeof action === 'string') foreign.add(action);
        if (f.code === 'UNKNOWN_ACTION' && typeof action === 'string') unknownIms.add(action);
        summaryOf(summaries, v.file).findings.push({ ...f, file: v.file, policy_id: p.policy_id, version_id: v.version_id });
      }
    }
  }
  const refused = summaries.some((s) => s.findings.some((f) => f.severity === 'error'));
  return { plan, files: summaries, refused, foreign_actions: [...foreign].sort(), unknown_ims_actions: [...unknownIms].sort() };
}

function recognise(value: unknown): Recognised | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const r of RECOGNISERS) {
    const shape = r(value as Record<string, unknown>);
    if (shape) return shape;
  }
  return undefined;
}

const OWNER_WORDS: Record<Owner, string> = { policy: 'identity policy', scp: 'SCP', user: 'user', group: 'group', agency: 'agency', principal: 'user, group or agency', container: 'root or OU' };
const OWNER_EXAMPLES: Record<Owner, string> = {
  policy: 'iam/policies/<policy_id>/versions.json',
  scp: 'organizations/policies/<policy_id>/attached-entities.json',
  user: 'iam/users/<user_id>/attached-policies.json',
  group: 'iam/groups/<group_id>/users.json',
  agency: 'iam/agencies/<agency_id>/attached-policies.json',
  principal: 'iam/users/<user_id>/attached-policies.json',
  container: 'organizations/<parent_id>/organizational-units.json',
};

function knownIds(shapes: Recognised[]): Record<Owner, Set<string>> {
  const k: Record<Owner, Set<string>> = { policy: new Set(), scp: new Set(), user: new Set(), group: new Set(), agency: new Set(), principal: new Set(), container: new Set() };
  for (const s of shapes) {
    for (const [kind, ids] of Object.entries(s.defines ?? {}) as Array<[Owner, string[]]>) for (const id of ids) k[kind].add(id);
  }
  for (const kind of ['user', 'group', 'agency'] as const) for (const id of k[kind]) k.principal.add(id);
  return k;
}

/** The last part of the path (directory, or file name split at `.` and `_`) that is a known id of the owner's kind. */
export function ownerFromPath(file: string, ids: Set<string>): string | undefined {
  const segments = file.split(/[\\/]/);
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i] as string;
    if (ids.has(seg)) return seg;
    const parts = seg.split(/[._]/);
    for (let j = parts.length - 1; j >= 0; j--) if (ids.has(parts[j] as string)) return parts[j];
  }
  return undefined;
}

function addFragment(plan: ImportPlan, policies: Map<string, ImportPolicy>, fr: Fragment, file: string, summary: FileSummary): void {
  switch (fr.kind) {
    case 'policy': {
      const existing = policies.get(fr.policy.policy_id);
      if (!existing) {
        policies.set(fr.policy.policy_id, { ...fr.policy, versions: fr.policy.versions.map((v) => ({ ...v, file })), file });
        return;
      }
      if (existing.type !== fr.policy.type) {
        summary.findings.push(
          finding(file, 'CONFLICTING_POLICY', `${fr.policy.policy_id} is a ${existing.type} policy in ${existing.file} and a ${fr.policy.type} policy here.`, { policy_id: fr.policy.policy_id }),
        );
        return;
      }
      if (fr.policy.name) existing.name = fr.policy.name;
      if (fr.policy.description !== undefined) existing.description = fr.policy.description;
      if (fr.policy.role_type !== undefined) existing.role_type = fr.policy.role_type;
      for (const v of fr.policy.versions) mergeVersion(existing, { ...v, file }, summary);
      return;
    }
    case 'version': {
      const p = policies.get(fr.policy_id) ?? { policy_id: fr.policy_id, name: fr.policy_id, kind: 'identity-5.0' as const, type: 'identity' as const, versions: [], file };
      policies.set(fr.policy_id, p);
      mergeVersion(p, { ...fr.version, file }, summary);
      return;
    }
    case 'principal':
      if (!plan.principals.some((p) => p.kind === fr.principal.kind && p.id === fr.principal.id)) plan.principals.push({ ...fr.principal, file });
      return;
    case 'membership':
      if (!plan.memberships.some((m) => m.group_id === fr.group_id && m.user_id === fr.user_id)) plan.memberships.push({ group_id: fr.group_id, user_id: fr.user_id, file });
      return;
    case 'grant': {
      const key = JSON.stringify([fr.grant.policy_id, fr.grant.principal, fr.grant.scope]);
      if (!plan.grants.some((g) => JSON.stringify([g.policy_id, g.principal, g.scope]) === key)) plan.grants.push({ ...fr.grant, file });
      return;
    }
    case 'node': {
      const existing = plan.nodes.find((n) => n.id === fr.node.id);
      if (!existing) plan.nodes.push({ ...fr.node, file });
      else {
        if (fr.node.name !== undefined) existing.name = fr.node.name;
        if (fr.node.parent_id !== undefined) {
          if (existing.parent_id !== undefined && existing.parent_id !== fr.node.parent_id)
            summary.findings.push(finding(file, 'CONFLICTING_PARENT', `${fr.node.id} is under ${existing.parent_id} in ${existing.file} and under ${fr.node.parent_id} here.`));
          existing.parent_id = fr.node.parent_id;
        }
      }
      return;
    }
    case 'management':
      plan.management_account_id = fr.account_id;
      return;
    case 'attachment':
      if (!plan.scp_attachments.some((a) => a.policy_id === fr.policy_id && a.target_id === fr.target_id)) plan.scp_attachments.push({ policy_id: fr.policy_id, target_id: fr.target_id, file });
      return;
  }
}

function mergeVersion(p: ImportPolicy, v: ImportVersion, summary: FileSummary): void {
  const same = p.versions.find((x) => x.version_id === v.version_id);
  if (!same) {
    p.versions.push(v);
    return;
  }
  if (canonical(same.document) !== canonical(v.document)) {
    summary.findings.push(
      finding(v.file, 'CONFLICTING_VERSION', `Version ${v.version_id} of policy ${p.policy_id} has another document in ${same.file}.`, { policy_id: p.policy_id, version_id: v.version_id }),
    );
  }
  same.is_default ||= v.is_default;
}

/** References the input makes and does not define: grants of roles it lacks are skipped (warning); the rest is an error. */
function checkReferences(plan: ImportPlan, summaries: FileSummary[]): void {
  const has = (kind: PrincipalKind, id: string): boolean => plan.principals.some((p) => p.kind === kind && p.id === id);
  const policyIds = new Set(plan.policies.map((p) => p.policy_id));
  for (const m of plan.memberships) {
    if (!has('user', m.user_id))
      summaryOf(summaries, m.file).findings.push(
        finding(m.file, 'UNKNOWN_REFERENCE', `User ${m.user_id} is a member of group ${m.group_id} but no user list of the input has it (add KeystoneListUsers or ListUsersV5).`),
      );
    if (!has('group', m.group_id))
      summaryOf(summaries, m.file).findings.push(finding(m.file, 'UNKNOWN_REFERENCE', `Group ${m.group_id} is not in a group list of the input (add KeystoneListGroups or ListGroupsV5).`));
  }
  const grants: ImportGrant[] = [];
  for (const g of plan.grants) {
    if (!has(g.principal.type, g.principal.id)) {
      summaryOf(summaries, g.file).findings.push(
        finding(g.file, 'UNKNOWN_REFERENCE', `The ${g.principal.type} ${g.principal.id} a policy is granted to is not in the input.`, { policy_id: g.policy_id }),
      );
      continue;
    }
    if (!policyIds.has(g.policy_id)) {
      // A system role or system identity policy of Huawei: its document is not in the input, and leaving the
      // grant out can only take access away (system policies allow).
      summaryOf(summaries, g.file).findings.push(
        finding(g.file, 'GRANT_SKIPPED', `Policy ${g.policy_id} granted to ${g.principal.type} ${g.principal.id} is not in the input (a Huawei system policy or role?): the grant is not imported.`, {
          severity: 'warning',
          policy_id: g.policy_id,
        }),
      );
      continue;
    }
    grants.push(g);
  }
  plan.grants = grants;
  const nodeIds = new Set(plan.nodes.map((n) => n.id));
  for (const n of plan.nodes) {
    if (n.kind !== 'root' && n.parent_id === undefined)
      summaryOf(summaries, n.file).findings.push(finding(n.file, 'OWNER_NOT_NAMED', `The parent of ${n.id} is not known: save each listing under a directory named by its parent's id.`));
    else if (n.parent_id !== undefined && !nodeIds.has(n.parent_id))
      summaryOf(summaries, n.file).findings.push(finding(n.file, 'UNKNOWN_REFERENCE', `The parent ${n.parent_id} of ${n.id} is not in the input.`));
  }
  if (plan.nodes.filter((n) => n.kind === 'root').length > 1)
    summaryOf(summaries, plan.nodes[0]?.file ?? '(input)').findings.push(
      finding(plan.nodes[0]?.file ?? '(input)', 'CONFLICTING_PARENT', 'The input has more than one root: import one organization at a time.'),
    );
  for (const a of plan.scp_attachments) {
    const scp = plan.policies.find((p) => p.policy_id === a.policy_id);
    if (!scp && a.policy_id !== FULL_ACCESS)
      summaryOf(summaries, a.file).findings.push(
        finding(a.file, 'UNKNOWN_REFERENCE', `SCP ${a.policy_id} is attached to ${a.target_id} but its content is not in the input (add ShowPolicy): an SCP left out could only widen access.`, {
          policy_id: a.policy_id,
        }),
      );
    else if (scp && scp.type !== 'scp') summaryOf(summaries, a.file).findings.push(finding(a.file, 'CONFLICTING_POLICY', `${a.policy_id} is not an SCP.`, { policy_id: a.policy_id }));
    if (!nodeIds.has(a.target_id))
      summaryOf(summaries, a.file).findings.push(
        finding(a.file, 'UNKNOWN_REFERENCE', `SCP ${a.policy_id} is attached to ${a.target_id}, which no root, OU or account listing of the input has.`, { policy_id: a.policy_id }),
      );
  }
}

/** Huawei's built-in SCP (ListPolicies `is_builtin`): the import maps it to the store's `system:FullAccess`. */
export const FULL_ACCESS = 'system:FullAccess';

function summaryOf(summaries: FileSummary[], file: string): FileSummary {
  let s = summaries.find((x) => x.file === file);
  if (!s) summaries.push((s = { file, items: 0, findings: [] }));
  return s;
}

function emptyPlan(): ImportPlan {
  return { policies: [], principals: [], memberships: [], grants: [], nodes: [], scp_attachments: [] };
}

function documentValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function valueAt(doc: unknown, path: string): unknown {
  let v = doc;
  for (const t of path.split('/').slice(1)) {
    const key = t.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A document's JSON with keys sorted: two documents are the same version when these are equal. */
export function canonical(text: string): string {
  const v = documentValue(text);
  return v === undefined ? text : JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}
