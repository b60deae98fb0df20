/**
 * Change stamps for the evaluation cache.
 *
 * - Account counter: `ACCT#<acc>` / `#ACCOUNT` `counter`, `ADD 1` by every write that can change a decision
 *   of the account (policies and their versions, users, groups, memberships, agencies, grants, joining,
 *   moving in or leaving an organization).
 * - Organization counter: `ORG#<org>` / `#ORG` `counter`, `ADD 1` by every change of the tree (OUs,
 *   accounts, moves), of its attachments, of enable/disable, and of the management account's SCPs.
 *
 * The stamp of an account combines its counter, its organization and that organization's counter: one
 * BatchGetItem of both items when the organization is known (the warm path), else at most two reads.
 *
 * The bump is an item of the same transaction as the data it stamps (store/transact.ts): a request sees
 * the new data and the new stamp together, or neither. The reader still reads the stamp no later than the
 * data (store/evaluation-reader.ts), so an entry is never cached under a stamp newer than its data.
 */
import { UpdateTransaction } from 'dynamodb-toolbox/entity/actions/transactUpdate';
import { $add } from 'dynamodb-toolbox/entity/actions/update/symbols';
import { AccountEntity, OrgEntity } from './entities.js';
import { readAccount } from './evaluation-reader.js';
import type { WriteItem } from './transact.js';

// The reads of the account item and of the stamp are toolbox-free (the evaluation's loader uses them):
// store/evaluation-reader.ts.
export { readAccount, readStamp, type AccountState, type Stamp } from './evaluation-reader.js';

/** `ADD counter 1` on the account item (created on first use), as a transaction item. */
export function accountBump(accountId: string): WriteItem {
  return AccountEntity.build(UpdateTransaction).item({ account_id: accountId, counter: $add(1) });
}

/** `ADD counter 1` on the organization item (which must exist), as a transaction item. */
export function orgBump(orgId: string): WriteItem {
  return OrgEntity.build(UpdateTransaction)
    .item({ org_id: orgId, counter: $add(1) })
    .options({ condition: { attr: 'org_id', exists: true } });
}

/**
 * The bumps of a write to a policy of `accountId`: the account, and the organization it manages when the
 * policy is an SCP (its member accounts' decisions may depend on it). Reads the account for an SCP.
 */
export async function policyBumps(accountId: string, type: 'identity' | 'scp'): Promise<WriteItem[]> {
  if (type !== 'scp') return [accountBump(accountId)];
  const state = await readAccount(accountId);
  return state.manages_org ? [accountBump(accountId), orgBump(state.manages_org)] : [accountBump(accountId)];
}
