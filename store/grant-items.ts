/**
 * The grant items of one policy (internal): what the policy deletion and the principal deletions sweep.
 * Kept apart from store/grants.ts, which reads principals (store/principals.ts uses these helpers too).
 */
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { mapLimit } from '../lib/util/concurrency.js';
import { GrantEntity } from './entities.js';
import { accountPk, GRANT_SK_PREFIX } from './keys.js';
import { PolicyTable } from './table.js';

/** Grants of a policy, from the base table (strongly consistent; reads the account's grants with a filter). */
export async function grantsOfPolicy(accountId: string, policyId: string): Promise<Array<{ grant_id: string; principal_type: 'user' | 'group' | 'agency'; principal_id: string; grant_hash: string }>> {
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(GrantEntity)
    .query({ partition: accountPk(accountId), range: { beginsWith: GRANT_SK_PREFIX } })
    .options({ consistent: true, maxPages: Infinity, filters: { Grant: { attr: 'policy_id', eq: policyId } } })
    .send();
  return Items;
}

export async function deleteGrantItems(accountId: string, grants: ReadonlyArray<{ principal_type: 'user' | 'group' | 'agency'; principal_id: string; grant_hash: string }>): Promise<void> {
  await mapLimit(grants, 8, (g) =>
    GrantEntity.build(DeleteItemCommand).key({ account_id: accountId, principal_type: g.principal_type, principal_id: g.principal_id, grant_hash: g.grant_hash }).send(),
  );
}
