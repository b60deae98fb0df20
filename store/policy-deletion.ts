/**
 * Deleting a policy: the one operation of a policy that reaches into other aggregates (its grants and its
 * SCP attachments), so it lives apart from the policy's own reads and writes (store/policies.ts).
 */
import { DeleteTransaction } from 'dynamodb-toolbox/entity/actions/transactDelete';
import { UpdateTransaction } from 'dynamodb-toolbox/entity/actions/transactUpdate';
import { $add } from 'dynamodb-toolbox/entity/actions/update/symbols';
import { type IfMatch, parseIfMatch, stale } from './common.js';
import { policyBumps, readAccount } from './counters.js';
import { PolicyEntity } from './entities.js';
import { conflict } from './errors.js';
import { type GrantRef, grantRemovals, grantsOfPolicy } from './grant-items.js';
import { type NodeItem, readOrg, scpRemoval, scpTargetsOf } from './nodes.js';
import { checkIds, policyNotFound, type PolicyWriteGuard, readPolicyItem, refuseSystem } from './policy-items.js';
import { MAX_TRANSACTION_ITEMS, transact, TransactionRefused, type WriteItem } from './transact.js';

export interface DeletePolicyOptions {
  /** Remove the policy's grants and SCP attachments too (refused if that would leave a node without SCPs). */
  detach?: boolean;
  ifMatch?: IfMatch;
  guard?: PolicyWriteGuard;
}

export interface DeletePolicyResult {
  policy_id: string;
  /** Grants removed with `detach`. */
  detached_grants: string[];
  /** SCP attachments removed with `detach`. */
  detached_scps: Array<{ org_id: string; target_id: string }>;
}

/**
 * Deletes a policy. Refused (`CONFLICT`, with the grants and attachments in `details`) while it is granted
 * to a principal or attached as an SCP, unless `detach`: then its grants and attachments go in the same
 * transaction as the policy (refused, with nothing changed, if one of them is the last SCP of its node).
 * The delete is conditioned on the policy's reference count (`ref_count`, moved by every grant and
 * attachment in the transaction that writes it) being exactly the references removed, so a grant or an
 * attachment created concurrently either comes first (and is removed, or refuses the delete) or is refused.
 * A policy with more references than one transaction holds loses them in several transactions, each
 * consistent, the policy last.
 */
export async function deletePolicy(accountId: string, policyId: string, options: DeletePolicyOptions = {}): Promise<DeletePolicyResult> {
  checkIds(accountId, policyId);
  refuseSystem(policyId, 'deleted');
  const expected = parseIfMatch(options.ifMatch);
  const result: DeletePolicyResult = { policy_id: policyId, detached_grants: [], detached_scps: [] };
  for (let attempt = 1; ; attempt++) {
    const current = await readPolicyItem(accountId, policyId);
    if (!current) throw policyNotFound(accountId, policyId);
    if (expected !== undefined && current.revision !== expected) throw stale(`Policy ${policyId}`, expected, current.revision);
    await options.guard?.(current);

    const grants = await grantsOfPolicy(accountId, policyId);
    const orgId = current.type === 'scp' ? await managedOrg(accountId) : undefined;
    const targets = orgId ? await scpTargetsOf(orgId, policyId) : [];
    const references = { grants: grants.map((g) => g.grant_id), scp_attachments: targets.map((t) => ({ org_id: orgId as string, target_id: t.node_id })) };
    if ((grants.length > 0 || targets.length > 0) && !options.detach) {
      throw conflict(
        `Policy ${policyId} is ${grants.length ? `granted ${grants.length} time(s)` : ''}${grants.length && targets.length ? ' and ' : ''}${targets.length ? `attached to ${targets.length} organization node(s)` : ''}: detach it first (or delete with detach).`,
        references,
      );
    }
    const last = targets.filter((t) => (t.scps?.size ?? 0) <= 1).map((t) => t.node_id);
    if (last.length > 0) {
      throw conflict(
        `Policy ${policyId} is the only SCP of ${last.join(', ')}: detaching it would leave ${last.length === 1 ? 'that node' : 'those nodes'} without an SCP. Attach another SCP there first.`,
        { ...references, last_scp_of: last },
      );
    }
    const bumps = await policyBumps(accountId, current.type);
    // Per reference at most 2 items (a grant and its principal's count), plus the policy and the bumps.
    const room = Math.floor((MAX_TRANSACTION_ITEMS - 1 - bumps.length) / 2);
    const refs: Array<{ grant: GrantRef } | { node: NodeItem }> = [...targets.map((node) => ({ node })), ...grants.map((grant) => ({ grant }))];
    const part = refs.slice(0, room);
    const removals = (): WriteItem[] => [
      ...part.flatMap((r) => ('node' in r ? [scpRemoval(orgId as string, r.node, policyId)] : [])),
      ...grantRemovals(
        accountId,
        part.flatMap((r) => ('grant' in r ? [r.grant] : [])),
        { policy: policyId },
      ),
    ];
    const key = { account_id: accountId, policy_id: policyId };
    try {
      if (part.length === refs.length) {
        await transact([
          PolicyEntity.build(DeleteTransaction)
            .key(key)
            // The type read above (the guard's decision holds for it); its revision; no reference beyond those removed here.
            .options({
              condition: {
                and: [
                  { attr: 'revision', eq: current.revision },
                  { attr: 'type', eq: current.type },
                  {
                    or: [
                      { attr: 'ref_count', exists: false },
                      { attr: 'ref_count', eq: refs.length },
                    ],
                  },
                ],
              },
            }),
          ...bumps,
          ...removals(),
        ]);
      } else {
        await transact([
          PolicyEntity.build(UpdateTransaction)
            .item({ ...key, ref_count: $add(-part.length) })
            .options({
              condition: {
                and: [
                  { attr: 'revision', eq: current.revision },
                  { attr: 'type', eq: current.type },
                ],
              },
            }),
          ...bumps,
          ...removals(),
        ]);
      }
    } catch (err) {
      if (!(err instanceof TransactionRefused) || attempt >= 30) throw err;
      // Something changed since the reads (a grant, an attachment, the policy, a node's SCPs): read again.
      continue;
    }
    for (const r of part) {
      if ('grant' in r) result.detached_grants.push(r.grant.grant_id);
      else result.detached_scps.push({ org_id: orgId as string, target_id: r.node.node_id });
    }
    if (part.length === refs.length) return result;
  }
}

/** The organization `accountId` manages, if any (its SCPs can be attached there). */
export async function managedOrg(accountId: string): Promise<string | undefined> {
  const account = await readAccount(accountId);
  if (!account.manages_org) return undefined;
  const org = await readOrg(account.manages_org);
  return org && org.management_account_id === accountId ? org.org_id : undefined;
}
