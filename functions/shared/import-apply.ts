/**
 * The applier of a Huawei import plan (lib/import/huawei/plan.ts): writes it through the store's public
 * functions (store/index.ts) and nothing else, so it is unaffected by how the store keeps its items.
 *
 * Idempotent: each object is read first and written only when it differs (a principal's name, a policy's name,
 * a version whose document no stored version has, the default version, a missing membership, grant, OU,
 * account or SCP attachment). The same input twice writes nothing the second time; a changed document becomes
 * a new version of the same policy. The import adds and updates; it never deletes what the input lacks.
 *
 * Nothing is written unless the whole run can be: the plan's documents were validated before (a refused plan
 * never reaches this module), and `preflight` reads what a write could trip on (a policy id of another type, a
 * policy whose 5 versions are full, an organization managed by another account) before the first write.
 */
import { canonical, FULL_ACCESS, type ImportFinding, type ImportPlan, type ImportPolicy, type PrincipalKind } from '../../lib/import/huawei/plan.js';
import {
  addMember,
  attachScp,
  createAgency,
  createGrant,
  createGroup,
  createOrganization,
  createOu,
  createPolicy,
  createPolicyVersion,
  createUser,
  detachScp,
  enableScp,
  getAgency,
  getGroup,
  getNode,
  getOrganization,
  getPolicy,
  getUser,
  ID_PATTERN,
  inviteAccount,
  listAttachments,
  listChildren,
  listUserGroups,
  managedOrg,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  MAX_OU_DEPTH,
  MAX_POLICY_VERSIONS,
  MAX_SCPS_PER_NODE,
  moveAccount,
  setDefaultVersion,
  StoreError,
  type StoredPolicy,
  updateAgency,
  updateGroup,
  updatePolicy,
  updateUser,
  type PolicyWriteGuard,
} from '../../store/index.js';

export type ImportOutcome = 'created' | 'updated' | 'unchanged' | 'invited' | 'skipped';

export interface ImportChange {
  kind: 'policy' | 'version' | 'default_version' | 'user' | 'group' | 'agency' | 'membership' | 'grant' | 'organization' | 'ou' | 'account' | 'scp_attachment' | 'scp_detachment';
  id: string;
  outcome: ImportOutcome;
  detail?: string;
}

export interface ApplyResult {
  changes: ImportChange[];
  /** Counts by outcome. */
  summary: Record<ImportOutcome, number>;
  /** Huawei's ids of the organization's nodes, as stored (the root and OUs get the store's own ids). */
  node_ids: Record<string, string>;
  org_id?: string;
}

export interface ApplyOptions {
  /** Checks every SCP write (the policies function's guard: `org:write` and the management account). */
  guard?: PolicyWriteGuard;
  /** Called after each object is handled (a progress line). */
  onProgress?: (done: number, total: number) => void;
}

const isCode = (err: unknown, code: string): boolean => err instanceof StoreError && err.code === code;
async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isCode(err, 'NOT_FOUND')) return undefined;
    throw err;
  }
}
/** The `Version` of a document's JSON text (the store's policy syntax), or undefined. */
function syntaxOf(text: string): string | undefined {
  try {
    const v = (JSON.parse(text) as { Version?: unknown }).Version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
const versionNumber = (id: string): number => Number(/^v(\d+)$/.exec(id)?.[1] ?? Number.MAX_SAFE_INTEGER);

/** The findings that would stop the run, read without writing: empty when it can go ahead. */
export async function preflight(account: string, plan: ImportPlan): Promise<ImportFinding[]> {
  const out: ImportFinding[] = [...checkLimits(plan)];
  for (const p of plan.policies) {
    const stored = await orUndefined(getPolicy(account, p.policy_id));
    if (!stored) continue;
    if (stored.system) {
      out.push({ file: p.file, code: 'READ_ONLY', severity: 'error', message: `${p.policy_id} is a system policy id.`, path: '', policy_id: p.policy_id });
      continue;
    }
    if (stored.type !== p.type) {
      out.push({
        file: p.file,
        code: 'CONFLICTING_POLICY',
        severity: 'error',
        message: `The account has ${p.policy_id} as ${stored.type === 'scp' ? 'an SCP' : 'an identity policy'}; the input has it as ${p.type === 'scp' ? 'an SCP' : 'an identity policy'}.`,
        path: '',
        policy_id: p.policy_id,
      });
      continue;
    }
    const docs = missingVersions(stored, p);
    const other = docs.find((v) => syntaxOf(v.document) !== stored.syntax);
    if (other) {
      out.push({
        file: other.file,
        code: 'CONFLICTING_POLICY',
        severity: 'error',
        message: `The account has ${p.policy_id} as a ${stored.syntax} policy; version ${other.version_id} of the input is ${syntaxOf(other.document) ?? 'of no known syntax'} (a policy keeps one syntax).`,
        path: '',
        policy_id: p.policy_id,
        version_id: other.version_id,
      });
      continue;
    }
    const missing = docs.length;
    if (stored.versions.length + missing > MAX_POLICY_VERSIONS) {
      out.push({
        file: p.file,
        code: 'TOO_MANY_VERSIONS',
        severity: 'error',
        message: `Policy ${p.policy_id} has ${stored.versions.length} versions and the input adds ${missing}: a policy keeps at most ${MAX_POLICY_VERSIONS}. Delete versions it no longer needs first.`,
        path: '',
        policy_id: p.policy_id,
      });
    }
  }
  return out;
}

/**
 * What the store would refuse in the middle of a run, found before it: ids, names and descriptions out of the
 * store's limits, grants of SCPs, OUs deeper than the store nests them, more SCPs on a node than it keeps.
 */
function checkLimits(plan: ImportPlan): ImportFinding[] {
  const out: ImportFinding[] = [];
  const bad = (file: string, code: string, message: string): void => void out.push({ file, code, severity: 'error', message, path: '' });
  // eslint-disable-next-line no-control-regex
  const text = (v: string | undefined, max: number, required: boolean): boolean =>
    v === undefined ? !required : !(v.length > max || (required && v.trim() === '') || /[\u0000-\u001f\u007f]/.test(v));
  const named = [
    ...plan.policies.map((p) => ({ what: 'policy', id: p.policy_id, name: p.name, description: p.description, file: p.file })),
    ...plan.principals.map((p) => ({ what: p.kind, id: p.id, name: p.name, description: p.description, file: p.file })),
    ...plan.nodes
      .filter((n) => n.kind !== 'root')
      .map((n) => ({ what: n.kind === 'ou' ? 'OU' : 'account', id: n.id, name: n.kind === 'ou' ? n.name : undefined, description: undefined, file: n.file })),
  ];
  for (const x of named) {
    if (!ID_PATTERN.test(x.id)) bad(x.file, 'INVALID_ID', `The ${x.what} id "${x.id.slice(0, 80)}" is not 1-64 characters from A-Z, a-z, 0-9, "_", ".", ":" and "-".`);
    if (!text(x.name, MAX_NAME_LENGTH, x.name !== undefined)) bad(x.file, 'INVALID_NAME', `The name of ${x.what} ${x.id} is not 1-${MAX_NAME_LENGTH} characters without control characters.`);
    if (!text(x.description, MAX_DESCRIPTION_LENGTH, false))
      bad(x.file, 'INVALID_DESCRIPTION', `The description of ${x.what} ${x.id} is over ${MAX_DESCRIPTION_LENGTH} characters or has control characters.`);
  }
  for (const g of plan.grants) {
    if (plan.policies.find((p) => p.policy_id === g.policy_id)?.type === 'scp')
      bad(g.file, 'CONFLICTING_POLICY', `${g.policy_id} is an SCP: it attaches to organization nodes, it is not granted to a ${g.principal.type}.`);
  }
  const depth = (id: string, seen = 0): number => {
    const n = plan.nodes.find((x) => x.id === id);
    return !n || n.kind === 'root' || n.parent_id === undefined || seen > MAX_OU_DEPTH + 1 ? 0 : 1 + depth(n.parent_id, seen + 1);
  };
  for (const n of plan.nodes) if (n.kind === 'ou' && depth(n.id) > MAX_OU_DEPTH) bad(n.file, 'TOO_DEEP', `OU ${n.id} is more than ${MAX_OU_DEPTH} levels below the root.`);
  const perNode = new Map<string, number>();
  for (const a of plan.scp_attachments) perNode.set(a.target_id, (perNode.get(a.target_id) ?? 0) + 1);
  for (const [node, count] of perNode) {
    const fullAccess = plan.scp_attachments.some((a) => a.target_id === node && a.policy_id === FULL_ACCESS) ? 0 : 1;
    if (count + fullAccess > MAX_SCPS_PER_NODE)
      bad(
        plan.scp_attachments.find((a) => a.target_id === node)?.file ?? '(input)',
        'TOO_MANY_SCPS',
        `${node} would have ${count + fullAccess} SCPs (with FullAccess); a node keeps at most ${MAX_SCPS_PER_NODE}.`,
      );
  }
  return out;
}

export async function applyPlan(account: string, plan: ImportPlan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const changes: ImportChange[] = [];
  const total = plan.principals.length + plan.policies.length + plan.memberships.length + plan.grants.length + plan.nodes.length + plan.scp_attachments.length;
  let done = 0;
  const record = (c: ImportChange): void => {
    changes.push(c);
  };
  const tick = (): void => options.onProgress?.(++done, total);

  // The organization first: SCP writes need the caller to manage one.
  const nodeIds: Record<string, string> = {};
  let orgId: string | undefined;
  if (plan.nodes.length > 0 || plan.policies.some((p) => p.type === 'scp')) {
    orgId = await managedOrg(account);
    if (!orgId) {
      orgId = (await createOrganization(account)).org_id;
      record({ kind: 'organization', id: orgId, outcome: 'created' });
    }
  }

  for (const p of plan.principals) {
    record(await applyPrincipal(account, p.kind, p.id, p.name, p.description));
    tick();
  }
  for (const p of plan.policies) {
    for (const c of await applyPolicy(account, p, options.guard)) record(c);
    tick();
  }
  for (const m of plan.memberships) {
    const groups = await listUserGroups(account, m.user_id);
    const id = `${m.group_id}/${m.user_id}`;
    if (groups.some((g) => g.group_id === m.group_id)) record({ kind: 'membership', id, outcome: 'unchanged' });
    else {
      await addMember(account, m.group_id, m.user_id);
      record({ kind: 'membership', id, outcome: 'created' });
    }
    tick();
  }
  for (const g of plan.grants) {
    try {
      const created = await createGrant(account, { policy_id: g.policy_id, principal: g.principal, scope: g.scope });
      record({ kind: 'grant', id: created.grant_id, outcome: 'created' });
    } catch (err) {
      if (!isCode(err, 'ALREADY_EXISTS')) throw err;
      record({ kind: 'grant', id: `${g.principal.type}:${g.principal.id}:${g.policy_id}`, outcome: 'unchanged' });
    }
    tick();
  }
  if (orgId) {
    for (const c of await applyOrganization(account, orgId, plan, nodeIds, tick)) record(c);
  }
  const summary: Record<ImportOutcome, number> = { created: 0, updated: 0, unchanged: 0, invited: 0, skipped: 0 };
  for (const c of changes) summary[c.outcome]++;
  return { changes, summary, node_ids: nodeIds, ...(orgId ? { org_id: orgId } : {}) };
}

async function applyPrincipal(account: string, kind: PrincipalKind, id: string, name: string, description: string | undefined): Promise<ImportChange> {
  const get = kind === 'user' ? getUser : kind === 'group' ? getGroup : getAgency;
  const current = await orUndefined<{ name: string; description?: string }>(get(account, id));
  if (!current) {
    if (kind === 'user') await createUser(account, { user_id: id, name });
    else if (kind === 'group') await createGroup(account, { group_id: id, name, ...(description ? { description } : {}) });
    else await createAgency(account, { agency_id: id, name, ...(description ? { description } : {}) });
    return { kind, id, outcome: 'created' };
  }
  const descChanged = kind !== 'user' && (current.description ?? '') !== (description ?? '');
  if (current.name === name && !descChanged) return { kind, id, outcome: 'unchanged' };
  if (kind === 'user') await updateUser(account, id, { name });
  else if (kind === 'group') await updateGroup(account, id, { name, ...(descChanged ? { description: description ?? null } : {}) });
  else await updateAgency(account, id, { name, ...(descChanged ? { description: description ?? null } : {}) });
  return { kind, id, outcome: 'updated' };
}

/** The imported versions whose document no stored version has, oldest first. */
function missingVersions(stored: StoredPolicy | undefined, p: ImportPolicy): ImportPolicy['versions'] {
  const have = new Set(stored?.versions.map((v) => canonical(v.document)) ?? []);
  const seen = new Set<string>();
  return [...p.versions]
    .sort((a, b) => versionNumber(a.version_id) - versionNumber(b.version_id))
    .filter((v) => {
      const c = canonical(v.document);
      if (have.has(c) || seen.has(c)) return false;
      seen.add(c);
      return true;
    });
}

async function applyPolicy(account: string, p: ImportPolicy, guard: PolicyWriteGuard | undefined): Promise<ImportChange[]> {
  const out: ImportChange[] = [];
  let stored = await orUndefined(getPolicy(account, p.policy_id));
  const missing = missingVersions(stored, p);
  if (!stored) {
    const first = missing.shift();
    if (!first) return out;
    const input: Parameters<typeof createPolicy>[0] = { account_id: account, policy_id: p.policy_id, name: p.name, type: p.type, document: first.document };
    if (p.description !== undefined) input.description = p.description;
    stored = (await createPolicy(input, guard)).policy;
    out.push({ kind: 'policy', id: p.policy_id, outcome: 'created', detail: p.kind });
  } else if (stored.name !== p.name || (stored.description ?? '') !== (p.description ?? '')) {
    stored = await updatePolicy(account, p.policy_id, { name: p.name, description: p.description ?? null }, undefined, guard);
    out.push({ kind: 'policy', id: p.policy_id, outcome: 'updated' });
  } else out.push({ kind: 'policy', id: p.policy_id, outcome: 'unchanged' });
  const wanted = p.versions.find((v) => v.is_default);
  for (const v of missing) {
    // The default is made so with its version: one write, and never a moment with the old default gone.
    const r = await createPolicyVersion(account, p.policy_id, { document: v.document, set_as_default: wanted !== undefined && canonical(v.document) === canonical(wanted.document) }, undefined, guard);
    stored = r.policy;
    out.push({ kind: 'version', id: `${p.policy_id}/${r.version.version_id}`, outcome: 'created', detail: `Huawei ${v.version_id}` });
  }
  const target = wanted && stored.versions.find((v) => canonical(v.document) === canonical(wanted.document));
  if (target && !target.is_default) {
    await setDefaultVersion(account, p.policy_id, target.version_id, undefined, guard);
    out.push({ kind: 'default_version', id: `${p.policy_id}/${target.version_id}`, outcome: 'updated', detail: `Huawei ${wanted?.version_id}` });
  }
  return out;
}

async function applyOrganization(account: string, orgId: string, plan: ImportPlan, nodeIds: Record<string, string>, tick: () => void): Promise<ImportChange[]> {
  const out: ImportChange[] = [];
  const org = await getOrganization(account, orgId);
  const management = plan.management_account_id ?? plan.nodes.find((n) => n.kind === 'account' && n.id === account)?.id;
  const joined = new Set<string>();
  // Parents before children: the root, then each level.
  const pending = [...plan.nodes];
  while (pending.length > 0) {
    const i = pending.findIndex((n) => n.kind === 'root' || (n.parent_id !== undefined && nodeIds[n.parent_id] !== undefined));
    if (i < 0) break;
    const n = pending.splice(i, 1)[0] as (typeof pending)[number];
    if (n.kind === 'root') {
      nodeIds[n.id] = org.root_id;
    } else if (n.kind === 'ou') {
      const parent = nodeIds[n.parent_id as string] as string;
      const existing = await findChild(account, orgId, parent, n.name ?? n.id);
      if (existing) {
        nodeIds[n.id] = existing;
        out.push({ kind: 'ou', id: existing, outcome: 'unchanged', ...(n.name !== undefined ? { detail: n.name } : {}) });
      } else {
        const ou = await createOu(account, orgId, { parent_id: parent, name: n.name ?? n.id });
        nodeIds[n.id] = ou.node_id;
        out.push({ kind: 'ou', id: ou.node_id, outcome: 'created', ...(n.name !== undefined ? { detail: n.name } : {}) });
      }
    } else {
      const parent = nodeIds[n.parent_id as string] as string;
      const id = n.id === management ? account : n.id;
      nodeIds[n.id] = id;
      const node = await orUndefined(getNode(account, orgId, id));
      if (node) {
        joined.add(id);
        if (node.parent_id === parent) out.push({ kind: 'account', id, outcome: 'unchanged' });
        else {
          await moveAccount(account, orgId, id, { parent_id: parent });
          out.push({ kind: 'account', id, outcome: 'updated', detail: `moved under ${parent}` });
        }
      } else {
        // An account joins only when it accepts (as in Huawei Organizations): the import invites it.
        try {
          await inviteAccount(account, orgId, { account_id: id, parent_id: parent });
          out.push({ kind: 'account', id, outcome: 'invited' });
        } catch (err) {
          if (!isCode(err, 'ALREADY_EXISTS')) throw err;
          out.push({ kind: 'account', id, outcome: 'unchanged', detail: 'invitation pending' });
        }
      }
    }
    tick();
  }
  if (plan.scp_attachments.length === 0) return out;
  if (!org.scp_enabled) {
    await enableScp(account, orgId);
    out.push({ kind: 'organization', id: orgId, outcome: 'updated', detail: 'SCPs enabled' });
  }
  for (const a of plan.scp_attachments) {
    const target = nodeIds[a.target_id];
    if (target === undefined || (plan.nodes.find((n) => n.id === a.target_id)?.kind === 'account' && !joined.has(target))) {
      out.push({ kind: 'scp_attachment', id: `${a.policy_id}@${a.target_id}`, outcome: 'skipped', detail: 'the account has not joined yet (invitation pending): attach again after it accepts' });
      tick();
      continue;
    }
    try {
      await attachScp(account, orgId, target, a.policy_id);
      out.push({ kind: 'scp_attachment', id: `${a.policy_id}@${target}`, outcome: 'created' });
    } catch (err) {
      if (!isCode(err, 'ALREADY_EXISTS')) throw err;
      out.push({ kind: 'scp_attachment', id: `${a.policy_id}@${target}`, outcome: 'unchanged' });
    }
    tick();
  }
  // Enabling SCPs attaches FullAccess everywhere; where the input says where FullAccess is attached, a node of
  // the input without it loses it, as in Huawei (a node without FullAccess allows nothing that is not allowed).
  if (plan.scp_attachments.some((a) => a.policy_id === FULL_ACCESS)) {
    for (const n of plan.nodes) {
      const target = nodeIds[n.id];
      if (target === undefined || (n.kind === 'account' && !joined.has(target))) continue;
      if (plan.scp_attachments.some((a) => a.policy_id === FULL_ACCESS && a.target_id === n.id)) continue;
      const attached = await listAttachments(account, orgId, target);
      if (!attached.some((x) => x.policy_id === FULL_ACCESS)) continue;
      try {
        await detachScp(account, orgId, target, FULL_ACCESS);
        out.push({ kind: 'scp_detachment', id: `${FULL_ACCESS}@${target}`, outcome: 'updated' });
      } catch (err) {
        // Its only SCP: a node keeps one while SCPs are enabled (the store's rule), so FullAccess stays.
        if (!isCode(err, 'CONFLICT')) throw err;
        out.push({ kind: 'scp_detachment', id: `${FULL_ACCESS}@${target}`, outcome: 'skipped', detail: 'the node has no other SCP: FullAccess stays' });
      }
    }
  }
  return out;
}

async function findChild(account: string, orgId: string, parent: string, name: string): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const page = await listChildren(account, orgId, parent, cursor === undefined ? { limit: 100 } : { limit: 100, cursor });
    const hit = page.items.find((c) => c.node_type === 'ou' && c.name === name);
    if (hit) return hit.node_id;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return undefined;
}
