/**
 * Deleting a policy: the one operation of a policy that reaches into other aggregates (its grants and its
 * SCP attachments), so it lives apart from the policy's own reads and writes (store/policies.ts).
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete';
import { type IfMatch, isConditionFailure, parseIfMatch, stale } from './common.js';
import { bumpForPolicy, bumpOrg, readAccount } from './counters.js';
import { PolicyEntity } from './entities.js';
import { conflict, StoreError } from './errors.js';
import { deleteGrantItems, grantsOfPolicy } from './grant-items.js';
import { readOrg, removeScp, scpTargetsOf } from './nodes.js';
import { checkIds, policyNotFound, type PolicyWriteGuard, readPolicyItem, refuseSystem } from './policy-items.js';

export interface DeletePolicyOptions {
  /** Remove the policy's grants and SCP attachments first (refused if that would leave a node without SCPs). */
  detach?: boolean;
  ifMatch?: IfMatch;
  guard?: PolicyWriteGuard;
}

export interface DeletePolicyResult {
  policy_id: string;
  /** Grants removed with `detach` (or racing creates swept after the delete). */
  detached_grants: string[];
  /** SCP attachments removed with `detach`. */
  detached_scps: Array<{ org_id: string; target_id: string }>;
}

/**
 * Deletes a policy. Refused (`CONFLICT`, with the grants and attachments in `details`) while it is granted
 * to a principal or attached as an SCP, unless `detach`: then its SCP attachments are removed first (all
 * refused, before anything changes, if one of them is the last SCP of its node), then its grants, then
 * the policy.
 *
 * Races with a concurrent `createGrant`/`attachScp` are closed from both sides: those write their
 * reference, then re-read the policy and undo if it is gone; this function deletes the policy, then sweeps
 * references created meanwhile (both with strongly consistent reads).
 */
export async function deletePolicy(accountId: string, policyId: string, options: DeletePolicyOptions = {}): Promise<DeletePolicyResult> {
  checkIds(accountId, policyId);
  refuseSystem(policyId, 'deleted');
  const expected = parseIfMatch(options.ifMatch);
  const current = await readPolicyItem(accountId, policyId);
  if (!current) throw policyNotFound(accountId, policyId);
  if (expected !== undefined && current.revision !== expected) throw stale(`Policy ${policyId}`, expected, current.revision);
  await options.guard?.(current);

  const grants = await grantsOfPolicy(accountId, policyId);
  const orgId = current.type === 'scp' ? await managedOrg(accountId) : undefined;
  const targets = orgId ? await scpTargetsOf(orgId, policyId) : [];
  const result: DeletePolicyResult = { policy_id: policyId, detached_grants: [], detached_scps: [] };
  const references = { grants: grants.map((g) => g.grant_id), scp_attachments: targets.map((t) => ({ org_id: orgId as string, target_id: t.node_id })) };
  if ((grants.length > 0 || targets.length > 0) && !options.detach) {
    throw conflict(`Policy ${policyId} is ${grants.length ? `granted ${grants.length} time(s)` : ''}${grants.length && targets.length ? ' and ' : ''}${targets.length ? `attached to ${targets.length} organization node(s)` : ''}: detach it first (or delete with detach).`, references);
  }
  if (options.detach && orgId) {
    const last = targets.filter((t) => (t.scps?.size ?? 0) <= 1).map((t) => t.node_id);
    if (last.length > 0) {
      throw conflict(`Policy ${policyId} is the only SCP of ${last.join(', ')}: detaching it would leave ${last.length === 1 ? 'that node' : 'those nodes'} without an SCP. Attach another SCP there first.`, { ...references, last_scp_of: last });
    }
    for (const t of targets) {
      // Conditional (not the last SCP): a concurrent detach can still make it the last; then this stops
      // with CONFLICT, and the attachments removed so far stay removed (the message says which).
      try {
        await removeScp(orgId, t.node_id, policyId);
      } catch (err) {
        if (err instanceof StoreError && err.code === 'NOT_FOUND') continue;
        if (err instanceof StoreError && result.detached_scps.length > 0) await bumpOrg(orgId);
        if (err instanceof StoreError) throw conflict(`${err.message} (detached so far: ${result.detached_scps.map((d) => d.target_id).join(', ') || 'none'}; nothing else changed)`, references);
        throw err;
      }
      result.detached_scps.push({ org_id: orgId, target_id: t.node_id });
    }
  }
  if (options.detach) {
    await deleteGrantItems(accountId, grants);
    result.detached_grants.push(...grants.map((g) => g.grant_id));
  }
  try {
    await PolicyEntity.build(DeleteItemCommand)
      .key({ account_id: accountId, policy_id: policyId })
      // The type read above (the guard's decision holds for it): a policy re-created meanwhile as another type stays.
      .options({ condition: { and: [expected === undefined ? { attr: 'policy_id', exists: true } : { attr: 'revision', eq: expected }, { attr: 'type', eq: current.type }] } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    const now = await readPolicyItem(accountId, policyId);
    if (!now) throw policyNotFound(accountId, policyId);
    throw stale(`Policy ${policyId}`, expected, now.revision);
  }
  // Sweep references created between the checks above and the delete (their creators also undo them).
  const late = await grantsOfPolicy(accountId, policyId);
  if (late.length > 0) {
    await deleteGrantItems(accountId, late);
    result.detached_grants.push(...late.map((g) => g.grant_id));
  }
  if (orgId) {
    for (const t of await scpTargetsOf(orgId, policyId)) {
      await removeScp(orgId, t.node_id, policyId).then(
        () => result.detached_scps.push({ org_id: orgId, target_id: t.node_id }),
        () => undefined, // the last SCP of its node: left for the attacher's own re-check; evaluation skips missing policies
      );
    }
  }
  await bumpForPolicy(accountId, current.type);
  if (orgId && result.detached_scps.length > 0) await bumpOrg(orgId);
  return result;
}

/** The organization `accountId` manages, if any (its SCPs can be attached there). */
export async function managedOrg(accountId: string): Promise<string | undefined> {
  const account = await readAccount(accountId);
  if (!account.manages_org) return undefined;
  const org = await readOrg(account.manages_org);
  return org && org.management_account_id === accountId ? org.org_id : undefined;
}
