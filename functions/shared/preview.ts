/**
 * `?preview=true` on the writes that can change a decision (docs/previews.md): nothing is written; the
 * answer is what the write would change, per affected principal (lib/access/preview.ts), with witnesses
 * by reference. A preview is refused as the write would be (the same 404, 409, 422 and 403), so a preview
 * that answers is one of a write that would be accepted now. Reads go through the storage module: the
 * affected accounts (two round trips each, store/account-reader.ts) and what the write names (the policy,
 * the organization's nodes).
 *
 * Which accounts a write affects: an identity policy, a grant or a membership, the caller's own account;
 * an SCP (attachment, new default version) every member account under the node, or in the organization,
 * read by the management account that makes the write.
 */
import {
  type AccessDeltaSummary,
  type AccountChange,
  applyChange,
  type CompareBudget,
  compareAccounts,
  noChange,
  type PreviewResult,
  previewChange,
  summarizeDelta,
} from '../../lib/access/preview.js';
import type { LoadedAccount } from '../../lib/decision/source.js';
import type { GrantScope } from '../../lib/types.js';
import { loadAccount } from '../../store/account-reader.js';
import {
  checkDocument,
  defaultVersion,
  getNode,
  getOrganization,
  getPolicy,
  listAttachments,
  listChildren,
  managedOrg,
  MAX_GROUPS_PER_USER,
  MAX_POLICY_VERSIONS,
  MAX_SCPS_PER_NODE,
  scopeKeyOf,
  StoreError,
  type StoredPolicy,
} from '../../store/index.js';
import type { Caller } from './auth.js';
import { HttpError, type Reply } from './http.js';
import { scpGuard } from './scp-guard.js';
import { ACCESS_LIMITS } from '../../lib/access/limits.js';

/** Whether the query asks for a preview (`preview=true`); any other value of `preview` is a 400. */
export function wantsPreview(query: Record<string, string>): boolean {
  const v = query.preview;
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw new HttpError(400, 'INVALID_REQUEST', '"preview" must be true or false.', { field: 'preview' });
}

/** Most member accounts a preview reads (beyond: a 400 that says to preview a narrower node). */
export const PREVIEW_MAX_ACCOUNTS = ACCESS_LIMITS.previewAccounts;

/** The time a preview may spend analysing (inside the function's timeout); beyond it the answer is UNKNOWN, skipped. */
export const PREVIEW_BUDGET_MS = ACCESS_LIMITS.answerMs;

/** A budget's clock: true once `ms` have passed since this call. */
export function expiresAfter(ms: number): () => boolean {
  const end = Date.now() + ms;
  return () => Date.now() > end;
}
const budget = (): CompareBudget => ({ expired: expiresAfter(PREVIEW_BUDGET_MS) });

function reply(write: string, result: (PreviewResult & { skipped?: string }) | { error: { code: string; message: string } }): Reply {
  if ('error' in result) throw new HttpError(400, result.error.code, result.error.message);
  return { status: 200, body: { preview: true, write, ...result } };
}

const notFound = (message: string): StoreError => new StoreError('NOT_FOUND', message);

async function own(caller: Caller): Promise<LoadedAccount[]> {
  return [await loadAccount(caller.account_id)];
}

/** A new version of a policy: a change only when it becomes the default. */
export async function previewPolicyVersion(caller: Caller, policyId: string, body: { document: unknown; set_as_default?: boolean }): Promise<Reply> {
  const write = `POST /v1/policies/${policyId}/versions`;
  const policy = await writablePolicy(caller, policyId);
  const { text, syntax } = checkDocument(body.document as string, policy.type, undefined);
  if (syntax !== policy.syntax) throw new StoreError('INVALID_INPUT', `Policy ${policyId} is a ${policy.syntax} policy: a new version must have "Version": "${policy.syntax}" (got ${syntax}).`);
  if (policy.versions.length >= MAX_POLICY_VERSIONS) throw new StoreError('CONFLICT', `Policy ${policyId} already has ${MAX_POLICY_VERSIONS} versions, the most it can keep.`);
  // A version that does not become the default changes no decision.
  if (!body.set_as_default) return reply(write, noChange());
  return policyDefault(caller, write, policy, '(new)', text);
}

/** Another version becomes the default. */
export async function previewDefaultVersion(caller: Caller, policyId: string, versionId: string): Promise<Reply> {
  const write = `PUT /v1/policies/${policyId}/default_version`;
  const policy = await writablePolicy(caller, policyId);
  const version = policy.versions.find((v) => v.version_id === versionId);
  if (!version) throw notFound(`Policy ${policyId} has no version ${versionId}.`);
  return policyDefault(caller, write, policy, versionId, version.document);
}

async function writablePolicy(caller: Caller, policyId: string): Promise<StoredPolicy> {
  const policy = await getPolicy(caller.account_id, policyId);
  if (policy.system) throw new StoreError('READ_ONLY', `${policyId} is a system policy: it cannot be changed.`);
  await scpGuard(caller)(policy);
  return policy;
}

async function policyDefault(caller: Caller, write: string, policy: StoredPolicy, version: string, document: string): Promise<Reply> {
  const change: AccountChange = { kind: 'policy_default', owner_account: caller.account_id, policy_id: policy.policy_id, type: policy.type, version, document };
  if (policy.type === 'identity') return reply(write, previewChange(await own(caller), change, budget()));
  const org = await managedOrg(caller.account_id);
  if (!org) return reply(write, noChange());
  const root = (await getOrganization(caller.account_id, org)).root_id;
  return reply(write, previewChange(await accountsUnder(caller, org, root), change, budget()));
}

/** A grant of a policy to a user, group or agency of the caller's account. */
export async function previewGrant(caller: Caller, body: { policy_id: string; principal: { type: 'user' | 'group' | 'agency'; id: string }; scope: GrantScope }): Promise<Reply> {
  const [policy, accounts] = await Promise.all([getPolicy(caller.account_id, body.policy_id), own(caller)]);
  const account = accounts[0] as LoadedAccount;
  if (policy.type !== 'identity') throw new StoreError('INVALID_INPUT', `${body.policy_id} is an SCP: SCPs attach to organization nodes, not to principals.`);
  const { principal } = body;
  const holders = principal.type === 'user' ? account.users : principal.type === 'group' ? account.groups : account.agencies;
  if (!holders.some((h) => h.id === principal.id)) throw notFound(`Account ${caller.account_id} has no ${principal.type} ${principal.id}.`);
  // The write's own scope check and key (INVALID_INPUT for a project that is no id; the keys in any order are one scope).
  const scope = scopeKeyOf(body.scope);
  if (account.grants.some((g) => g.policy_id === body.policy_id && g.principal.type === principal.type && g.principal.id === principal.id && scopeKeyOf(g.scope) === scope)) {
    throw new StoreError('ALREADY_EXISTS', `${body.policy_id} is already granted to ${principal.type} ${principal.id} with this scope.`);
  }
  const v = defaultVersion(policy);
  const change: AccountChange = {
    kind: 'grant_added',
    grant: { grant_id: '(new)', principal: { type: principal.type, id: principal.id }, scope: body.scope, policy_id: body.policy_id, version: v.version_id, document: v.document },
  };
  return reply('POST /v1/grants', previewChange(accounts, change, budget()));
}

export async function previewGrantRemoval(caller: Caller, grantId: string): Promise<Reply> {
  const accounts = await own(caller);
  if (!(accounts[0] as LoadedAccount).grants.some((g) => g.grant_id === grantId)) throw notFound(`Account ${caller.account_id} has no grant ${grantId}.`);
  return reply(`DELETE /v1/grants/${grantId}`, previewChange(accounts, { kind: 'grant_removed', grant_id: grantId }, budget()));
}

export async function previewMembership(caller: Caller, groupId: string, userId: string, add: boolean): Promise<Reply> {
  const accounts = await own(caller);
  const account = accounts[0] as LoadedAccount;
  const user = account.users.find((u) => u.id === userId);
  if (!user) throw notFound(`Account ${caller.account_id} has no user ${userId}.`);
  if (!account.groups.some((g) => g.id === groupId)) throw notFound(`Account ${caller.account_id} has no group ${groupId}.`);
  if (!add && !user.groups.includes(groupId)) throw notFound(`User ${userId} is not in group ${groupId}.`);
  if (add && !user.groups.includes(groupId) && user.groups.length >= MAX_GROUPS_PER_USER) {
    throw new StoreError('CONFLICT', `User ${userId} is already in ${MAX_GROUPS_PER_USER} groups, the most a user can join.`);
  }
  const write = `${add ? 'PUT' : 'DELETE'} /v1/groups/${groupId}/members/${userId}`;
  return reply(write, previewChange(accounts, { kind: add ? 'member_added' : 'member_removed', user_id: userId, group_id: groupId }, budget()));
}

/** An SCP attached to (or detached from) a root, OU or member account: every member account under it. */
export async function previewScpAttachment(caller: Caller, orgId: string, nodeId: string, policyId: string, attach: boolean): Promise<Reply> {
  const write = `${attach ? 'PUT' : 'DELETE'} /v1/organizations/${orgId}/nodes/${nodeId}/policies/${policyId}`;
  // The write's own checks: the caller manages the organization, the node exists (both 404 otherwise).
  const attached = (await listAttachments(caller.account_id, orgId, nodeId)).map((a) => a.policy_id);
  let change: AccountChange;
  if (attach) {
    if (!(await getOrganization(caller.account_id, orgId)).scp_enabled) throw new StoreError('CONFLICT', `SCPs are not enabled in organization ${orgId}: enable them first.`);
    if (attached.includes(policyId)) throw new StoreError('ALREADY_EXISTS', `${policyId} is already attached to ${nodeId}.`);
    if (attached.length >= MAX_SCPS_PER_NODE) throw new StoreError('CONFLICT', `${nodeId} already has ${MAX_SCPS_PER_NODE} SCPs, the most a node takes.`);
    const policy = await getPolicy(caller.account_id, policyId);
    if (policy.type !== 'scp') throw new StoreError('INVALID_INPUT', `${policyId} is an identity policy: only SCPs attach to organization nodes.`);
    const v = defaultVersion(policy);
    change = { kind: 'scp_attached', org_id: orgId, node_id: nodeId, policy: { policy_id: policyId, version: v.version_id, document: v.document } };
  } else {
    if (!attached.includes(policyId)) throw notFound(`${policyId} is not attached to ${nodeId}.`);
    if (attached.length === 1) throw new StoreError('CONFLICT', `${policyId} is the last SCP of ${nodeId}: a node keeps at least one (attach another first).`);
    change = { kind: 'scp_detached', org_id: orgId, node_id: nodeId, policy_id: policyId };
  }
  return reply(write, previewChange(await accountsUnder(caller, orgId, nodeId), change, budget()));
}

/**
 * Every member account under `nodeId` (itself when it is an account), read whole; at most `max`, checked after
 * every page of children. `deadline` (ms since the epoch): the listing stops there with `code` (the delta's
 * budget covers its reads: a tree of many OUs is one Query each).
 */
export async function accountsUnder(
  caller: Caller,
  orgId: string,
  nodeId: string,
  {
    max = PREVIEW_MAX_ACCOUNTS,
    code = 'PREVIEW_TOO_LARGE',
    deadline = Date.now() + ACCESS_LIMITS.treeReadMs,
    narrower = 'preview the change on a narrower OU',
  }: { max?: number; code?: string; deadline?: number; narrower?: string } = {},
): Promise<LoadedAccount[]> {
  const ids: string[] = [];
  const queue = (await getNode(caller.account_id, orgId, nodeId)).node_type === 'account' ? [] : [nodeId];
  if (queue.length === 0) ids.push(nodeId);
  while (queue.length > 0) {
    const parent = queue.shift() as string;
    let cursor: string | null = null;
    do {
      const page = await listChildren(caller.account_id, orgId, parent, cursor === null ? { limit: 100 } : { limit: 100, cursor });
      for (const n of page.items) (n.node_type === 'account' ? ids : queue).push(n.node_id);
      cursor = page.next_cursor;
      if (ids.length > max) {
        throw new HttpError(400, code, `More than ${max} member accounts are under ${nodeId}: ${narrower}.`, { limit: max });
      }
      if (Date.now() > deadline) throw new HttpError(400, code, `The organization's tree under ${nodeId} could not be listed within the budget: ${narrower}.`);
    } while (cursor);
  }
  const out: LoadedAccount[] = [];
  for (let i = 0; i < ids.length; i += 8) out.push(...(await Promise.all(ids.slice(i, i + 8).map((id) => loadAccount(id)))));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The delta a write made, in its answer

/** The time a write's answer may spend on its delta (reads and analysis), and the work it may do. */
export const DELTA_BUDGET = { ms: ACCESS_LIMITS.deltaMs, accounts: ACCESS_LIMITS.deltaAccounts, analyses: ACCESS_LIMITS.deltaAnalyses } as const;

export type AccessDelta = AccessDeltaSummary | { skipped: true; reason: string; how: string };

/**
 * After a write: the affected accounts read from the table (`after`), `before` the inverse change applied to
 * them, compared within DELTA_BUDGET. Never fails the write: a read or budget problem is `skipped`, with the
 * reason and how to ask (a preview of the reverse write, or who-can/what-can).
 */
export async function deltaAfterWrite(accounts: () => Promise<LoadedAccount[]>, inverse: AccountChange): Promise<AccessDelta> {
  const expired = expiresAfter(DELTA_BUDGET.ms);
  const how = 'GET /v1/access/what-can for a principal, or preview the reverse write with ?preview=true';
  try {
    const after = await accounts();
    const result = compareAccounts(
      after.map((a) => ({ before: applyChange(a, inverse), after: a })),
      { maxAnalyses: DELTA_BUDGET.analyses, expired },
    );
    if ('error' in result) return { skipped: true, reason: result.error.message, how };
    if (result.skipped) return { skipped: true, reason: result.skipped, how };
    return summarizeDelta(result);
  } catch (err) {
    const reason = err instanceof HttpError && err.code === 'DELTA_TOO_LARGE' ? err.message : 'the accounts could not be read after the write';
    return { skipped: true, reason, how };
  }
}

/** The caller's account, after the write. */
export const ownAccount = (caller: Caller) => (): Promise<LoadedAccount[]> => own(caller);

/** The member accounts under a node (or the organization), after the write; more than DELTA_BUDGET.accounts: skipped. */
export const accountsBelow = (caller: Caller, orgId: string, nodeId: string | null) => async (): Promise<LoadedAccount[]> => {
  const deadline = Date.now() + DELTA_BUDGET.ms;
  const node = nodeId ?? (await getOrganization(caller.account_id, orgId)).root_id;
  return accountsUnder(caller, orgId, node, { max: DELTA_BUDGET.accounts, code: 'DELTA_TOO_LARGE', deadline, narrower: 'preview the change to see its effect' });
};

/** A compact form of the delta for a write answered without a body (204): the `access-delta` header. */
export function deltaHeader(delta: AccessDelta): Record<string, string> {
  const compact = 'skipped' in delta ? { skipped: true, reason: delta.reason } : { result: delta.result, principals_changed: delta.principals_changed, gained: delta.gained, lost: delta.lost };
  return { 'access-delta': JSON.stringify(compact) };
}

/** An SCP's or identity policy's default version as a change's document (what the inverse of a removal restores). */
export async function defaultOf(caller: Caller, policyId: string): Promise<{ version: string; document: string; type: 'identity' | 'scp' }> {
  const p = await getPolicy(caller.account_id, policyId);
  const v = defaultVersion(p);
  return { version: v.version_id, document: v.document, type: p.type };
}

/** The delta of a policy's new default version: `previous` is the default it replaced. */
export async function policyDefaultDelta(caller: Caller, policy: { policy_id: string; type: 'identity' | 'scp' }, previous: { version: string; document: string }): Promise<AccessDelta> {
  const inverse: AccountChange = { kind: 'policy_default', owner_account: caller.account_id, policy_id: policy.policy_id, type: policy.type, ...previous };
  if (policy.type === 'identity') return deltaAfterWrite(ownAccount(caller), inverse);
  const org = await managedOrg(caller.account_id).catch(() => undefined);
  if (!org) return summarizeDelta(noChange());
  return deltaAfterWrite(accountsBelow(caller, org, null), inverse);
}

/** No decision changed (a version that is not the default). */
export const NO_DELTA = (): AccessDelta => summarizeDelta(noChange());

/**
 * Moving a member account under another root or OU: the account's principals, with the SCP chain of the new
 * path (each node's SCPs at their default versions, read through the store).
 */
export async function previewMove(caller: Caller, orgId: string, accountId: string, parentId: string): Promise<Reply> {
  const write = `PATCH /v1/organizations/${orgId}/accounts/${accountId}`;
  const [org, node, parent] = await Promise.all([getOrganization(caller.account_id, orgId), getNode(caller.account_id, orgId, accountId), getNode(caller.account_id, orgId, parentId)]);
  if (node.node_type !== 'account') throw notFound(`Organization ${orgId} has no account ${accountId}.`);
  if (parent.node_type === 'account') throw new StoreError('INVALID_INPUT', `${parentId} is an account: an account moves under the root or an OU.`);
  if (node.parent_id === parentId) return reply(write, noChange());
  // The new path: the parent's ancestors (at most the OU depth), the parent, the account.
  const chain = [parent];
  for (let n = parent; n.parent_id !== null && chain.length <= 8; ) {
    n = await getNode(caller.account_id, orgId, n.parent_id);
    chain.unshift(n);
  }
  chain.push(node);
  const levels = await Promise.all(
    chain.map(async (n) => {
      const ids = org.scp_enabled ? (await listAttachments(caller.account_id, orgId, n.node_id)).map((a) => a.policy_id) : [];
      const policies = await Promise.all(ids.map(async (id) => ({ policy_id: id, ...(await defaultOf(caller, id)) })));
      return { node_id: n.node_id, node_type: n.node_type, policies: policies.map(({ policy_id, version, document }) => ({ policy_id, version, document })) };
    }),
  );
  const change: AccountChange = { kind: 'path_changed', org_id: orgId, org_path: [orgId, ...chain.map((n) => n.node_id)].join('/'), levels };
  return reply(write, previewChange([await loadAccount(accountId)], change, budget()));
}

/** A move's delta: the moved account read before and after the write, compared (no inverse needed). */
export async function moveDelta(before: LoadedAccount | null, accountId: string): Promise<AccessDelta> {
  const how = 'GET /v1/access/who-can?scope=organization, or preview the reverse move with ?preview=true';
  if (!before) return { skipped: true, reason: 'the account could not be read before the move', how };
  const expired = expiresAfter(DELTA_BUDGET.ms);
  try {
    const r = compareAccounts([{ before, after: await loadAccount(accountId) }], { maxAnalyses: DELTA_BUDGET.analyses, expired });
    if ('error' in r) return { skipped: true, reason: r.error.message, how };
    if (r.skipped) return { skipped: true, reason: r.skipped, how };
    return summarizeDelta(r);
  } catch {
    return { skipped: true, reason: 'the account could not be read after the move', how };
  }
}
