/**
 * Change stamps for the evaluation cache.
 *
 * - Account counter: `ACCT#<acc>` / `#ACCOUNT` `counter`, `ADD 1` after every write that can change a
 *   decision of the account (policies and their versions, users, groups, memberships, agencies, grants,
 *   joining or leaving an organization).
 * - Organization counter: `ORG#<org>` / `#ORG` `counter`, `ADD 1` after every change of the tree (OUs,
 *   accounts, moves), of its attachments, of enable/disable, and of the management account's SCPs.
 *
 * The stamp of an account combines its counter, its organization and that organization's counter: two
 * strongly consistent GetItems (the org id is kept on `#ACCOUNT`, so no third read).
 *
 * Ordering: counters are bumped AFTER the data write (no transactions in dynalite, and a bump without the
 * write would only cost a cache miss). Between the data write and the bump, a request can still be served
 * from the cache entry of the previous stamp: a window of one write latency (milliseconds; the whole
 * window if the function crashes between the two writes, which the cache's 30 s expiry then bounds). The
 * loader reads the stamp BEFORE the data, so an entry is never stored under a stamp newer than its data.
 */
import { UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { $add } from 'dynamodb-toolbox/entity/actions/update/symbols';
import { isConditionFailure } from './common.js';
import { AccountEntity, OrgEntity } from './entities.js';
import { accountState, type AccountState } from './evaluation-reader.js';

// The reads of the account item and of the stamp are toolbox-free (the evaluation's loader uses them):
// store/evaluation-reader.ts.
export { readAccount, readStamp, type AccountState, type Stamp } from './evaluation-reader.js';

/** `ADD counter 1` on the account item (created on first use). Returns the account's state after it. */
export async function bumpAccount(accountId: string): Promise<AccountState> {
  const { Attributes } = await AccountEntity.build(UpdateItemCommand)
    .item({ account_id: accountId, counter: $add(1) })
    .options({ returnValues: 'ALL_NEW' })
    .send();
  return accountState(Attributes);
}

/** `ADD counter 1` on the organization item (never creates one). */
export async function bumpOrg(orgId: string): Promise<void> {
  try {
    await OrgEntity.build(UpdateItemCommand)
      .item({ org_id: orgId, counter: $add(1) })
      .options({ condition: { attr: 'org_id', exists: true } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
}

/**
 * After a write to a policy of `accountId`: bumps the account, and the organization it manages when the
 * policy is an SCP (its member accounts' decisions may depend on it).
 */
export async function bumpForPolicy(accountId: string, type: 'identity' | 'scp'): Promise<void> {
  const state = await bumpAccount(accountId);
  if (type === 'scp' && state.manages_org) await bumpOrg(state.manages_org);
}
