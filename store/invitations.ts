/**
 * Invitations into an organization (Huawei Organizations: an invited account joins only when it accepts):
 * kept under the invited account (`ACCT#<account>` / `INVITE#<org>`) until it accepts or declines.
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { checkId, isConditionFailure, nowIso } from './common.js';
import { readAccount } from './counters.js';
import { InvitationEntity } from './entities.js';
import { invalidInput, notFound, StoreError } from './errors.js';
import { accountPk, INVITATION_SK_PREFIX } from './keys.js';
import { addAccount, type AddAccountInput, type OrgNode, requireContainer, requireManagement } from './organizations.js';
import { PolicyTable } from './table.js';

export interface Invitation {
  org_id: string;
  account_id: string;
  parent_id: string;
  invited_by: string;
  created_at: string;
}

/**
 * Invites an account into the organization, under `parent_id` (Huawei Organizations: an account joins only
 * when it accepts). The invitation is kept under the invited account until it accepts or declines.
 */
export async function inviteAccount(caller: string, orgId: string, input: AddAccountInput): Promise<Invitation> {
  await requireManagement(caller, orgId);
  if (input === null || typeof input !== 'object') throw invalidInput('An invitation needs account_id and parent_id.');
  const accountId = checkId(input.account_id, 'account_id');
  const parentId = checkId(input.parent_id, 'parent_id');
  await requireContainer(orgId, parentId);
  if ((await readAccount(accountId)).org_id === orgId) throw new StoreError('ALREADY_EXISTS', `Account ${accountId} is already in organization ${orgId}.`);
  const invitation: Invitation = { org_id: orgId, account_id: accountId, parent_id: parentId, invited_by: caller, created_at: nowIso() };
  try {
    await InvitationEntity.build(PutItemCommand)
      .item(invitation)
      .options({ condition: { attr: 'org_id', exists: false } })
      .send();
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    throw new StoreError('ALREADY_EXISTS', `Account ${accountId} already has an invitation to ${orgId}.`);
  }
  return invitation;
}

/** The invitations waiting for an account. */
export async function listInvitations(accountId: string): Promise<Invitation[]> {
  checkId(accountId, 'account_id');
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(InvitationEntity)
    .query({ partition: accountPk(accountId), range: { beginsWith: INVITATION_SK_PREFIX } })
    .options({ consistent: true })
    .send();
  return Items.map((i) => ({ org_id: i.org_id, account_id: i.account_id, parent_id: i.parent_id, invited_by: i.invited_by, created_at: i.created_at }));
}

async function readInvitation(accountId: string, orgId: string): Promise<Invitation> {
  checkId(accountId, 'account_id');
  checkId(orgId, 'org_id');
  const { Item } = await InvitationEntity.build(GetItemCommand).key({ account_id: accountId, org_id: orgId }).options({ consistent: true }).send();
  if (!Item) throw notFound(`No invitation of ${accountId} to organization ${orgId}.`);
  return Item;
}

/** The invited account accepts: it joins the organization where it was invited (as the management account added it). */
export async function acceptInvitation(accountId: string, orgId: string): Promise<OrgNode> {
  const inv = await readInvitation(accountId, orgId);
  const node = await addAccount(inv.invited_by, orgId, { account_id: accountId, parent_id: inv.parent_id });
  await InvitationEntity.build(DeleteItemCommand).key({ account_id: accountId, org_id: orgId }).send();
  return node;
}

/** The invited account declines (or the invitation is withdrawn). */
export async function declineInvitation(accountId: string, orgId: string): Promise<void> {
  await readInvitation(accountId, orgId);
  await InvitationEntity.build(DeleteItemCommand).key({ account_id: accountId, org_id: orgId }).send();
}
