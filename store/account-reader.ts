/**
 * What the analysis of an account's stored access needs, read-only (the DynamoDB adapter of
 * `AccountSource`): every user (with its groups), group and agency of the account, every grant with its
 * policy's default version, and the account's organization path with its SCPs.
 *
 * Two round trips, strongly consistent, like a principal's load (store/evaluation-reader.ts, whose round
 * trip 2 this reuses):
 *  1. one Query of the account's authorization graph (`pk = ACCT#<acc>`, `begins_with(sk, '#')`): the
 *     `#ACCOUNT` item, the principals, the memberships and the grants (one more round trip per 1 MB page);
 *  2. in parallel: one BatchGetItem of the granted policies (100 keys per request, in parallel), the `#ORG`
 *     item and the nodes of the path; in an organization, one Query of the management account's SCPs.
 * The `#ACCOUNT` item is read in the first round trip, no later than the data it stamps.
 */
import type { AccountSource, LoadedAccount, LoadedPrincipal } from '../lib/decision/source.js';
import { checkId } from './common.js';
import { accountState, type GrantRow, loadedGrant, queryAll, readPoliciesAndPath } from './evaluation-reader.js';
import { ACCOUNT_SK, accountPk, ENTITY, ENTITY_ATTRIBUTE, GRAPH_PREFIX } from './keys.js';

export const dynamoAccountSource: AccountSource = { loadAccount: (accountId) => loadAccount(accountId) };

/** Every principal, membership and grant of the account, its policies' default versions, its SCP chain. */
export async function loadAccount(accountId: string): Promise<LoadedAccount> {
  checkId(accountId, 'account_id');
  const items = await queryAll(accountPk(accountId), GRAPH_PREFIX, [ENTITY.account, ENTITY.principal, ENTITY.membership, ENTITY.grant]);
  let account = accountState(undefined);
  const users = new Map<string, LoadedPrincipal & { groups: string[] }>();
  const groups: LoadedPrincipal[] = [];
  const agencies: LoadedPrincipal[] = [];
  const memberships: Array<{ user_id: string; group_id: string }> = [];
  const grantRows: GrantRow[] = [];
  for (const item of items) {
    const entity = item[ENTITY_ATTRIBUTE];
    if (entity === ENTITY.account && item.sk === ACCOUNT_SK) account = accountState(item);
    else if (entity === ENTITY.principal) {
      // A user or agency being deleted is gone, as for a principal's own load (store/evaluation-reader.ts).
      if (item.deleting === true && item.kind !== 'group') continue;
      const p: LoadedPrincipal = { id: item.principal_id as string };
      if (typeof item.name === 'string') p.name = item.name;
      if (item.kind === 'user') users.set(p.id, { ...p, groups: [] });
      else if (item.kind === 'group') groups.push(p);
      else if (item.kind === 'agency') agencies.push(p);
    } else if (entity === ENTITY.membership) memberships.push({ user_id: item.user_id as string, group_id: item.group_id as string });
    else if (entity === ENTITY.grant) grantRows.push(item as unknown as GrantRow);
  }
  const groupIds = new Set(groups.map((g) => g.id));
  for (const m of memberships) if (groupIds.has(m.group_id)) users.get(m.user_id)?.groups.push(m.group_id);
  for (const u of users.values()) u.groups.sort();

  const { resolve, organization, stamp } = await readPoliciesAndPath(accountId, account, [...new Set(grantRows.map((g) => g.policy_id))]);
  const grants = grantRows.map((g) => loadedGrant(resolve, accountId, g));
  return { account_id: accountId, stamp, users: [...users.values()], groups, agencies, grants, organization };
}
