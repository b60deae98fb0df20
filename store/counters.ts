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
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { $add } from 'dynamodb-toolbox/entity/actions/update/symbols';
import { isConditionFailure } from './common.js';
import { AccountEntity, OrgEntity } from './entities.js';

export interface AccountState {
  counter: number;
  org_id?: string;
  manages_org?: string;
}

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

export async function readAccount(accountId: string): Promise<AccountState> {
  const { Item } = await AccountEntity.build(GetItemCommand).key({ account_id: accountId }).options({ consistent: true }).send();
  return accountState(Item);
}

function accountState(item: { counter?: number | undefined; org_id?: string | undefined; manages_org?: string | undefined } | undefined): AccountState {
  const state: AccountState = { counter: item?.counter ?? 0 };
  if (item?.org_id) state.org_id = item.org_id;
  if (item?.manages_org) state.manages_org = item.manages_org;
  return state;
}

export interface Stamp {
  stamp: string;
  account: AccountState;
  /** The organization's counter, when the account is in one and it exists. */
  org_counter?: number;
}

/** The account's change stamp: `<accountCounter>` or `<accountCounter>/<orgId>:<orgCounter>`. Two reads at most. */
export async function readStamp(accountId: string): Promise<Stamp> {
  const account = await readAccount(accountId);
  if (!account.org_id) return { stamp: `${account.counter}`, account };
  const { Item } = await OrgEntity.build(GetItemCommand).key({ org_id: account.org_id }).options({ consistent: true, attributes: ['counter'] }).send();
  if (!Item) return { stamp: `${account.counter}/${account.org_id}:-`, account };
  return { stamp: `${account.counter}/${account.org_id}:${Item.counter}`, account, org_counter: Item.counter };
}
