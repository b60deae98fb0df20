/**
 * Grant items as references (internal): the transaction items that add or remove grants together with the
 * reference counts of what they refer to (the policy's and the principal's `ref_count`), shared by
 * store/grants.ts, store/principals.ts and store/policy-deletion.ts.
 */
import { DeleteTransaction } from 'dynamodb-toolbox/entity/actions/transactDelete';
import { UpdateTransaction } from 'dynamodb-toolbox/entity/actions/transactUpdate';
import { $add } from 'dynamodb-toolbox/entity/actions/update/symbols';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { GrantEntity, PolicyEntity, PrincipalEntity } from './entities.js';
import { accountPk, GRANT_SK_PREFIX, isSystemPolicyId, type PrincipalKind } from './keys.js';
import { PolicyTable } from './table.js';
import type { WriteItem } from './transact.js';

export interface GrantRef {
  grant_id: string;
  principal_type: PrincipalKind;
  principal_id: string;
  grant_hash: string;
  policy_id: string;
}

/** Grants of a policy, from the base table (strongly consistent; reads the account's grants with a filter). */
export async function grantsOfPolicy(accountId: string, policyId: string): Promise<GrantRef[]> {
  const { Items = [] } = await PolicyTable.build(QueryCommand)
    .entities(GrantEntity)
    .query({ partition: accountPk(accountId), range: { beginsWith: GRANT_SK_PREFIX } })
    .options({ consistent: true, maxPages: Infinity, filters: { Grant: { attr: 'policy_id', eq: policyId } } })
    .send();
  return Items;
}

/** `ADD ref_count delta` on a stored policy (it must exist), as a transaction item. */
export function policyRef(accountId: string, policyId: string, delta: number, condition?: { type: 'identity' | 'scp' }): WriteItem {
  return PolicyEntity.build(UpdateTransaction)
    .item({ account_id: accountId, policy_id: policyId, ref_count: $add(delta) })
    .options({
      condition: condition
        ? {
            and: [
              { attr: 'policy_id', exists: true },
              { attr: 'type', eq: condition.type },
            ],
          }
        : { attr: 'policy_id', exists: true },
    });
}

/** `ADD ref_count delta` on a principal (it must exist), as a transaction item. */
export function principalRef(accountId: string, kind: PrincipalKind, principalId: string, delta: number): WriteItem {
  return PrincipalEntity.build(UpdateTransaction)
    .item({ account_id: accountId, kind, principal_id: principalId, ref_count: $add(delta) })
    .options({ condition: { attr: 'principal_id', exists: true } });
}

export function grantDelete(accountId: string, g: GrantRef): WriteItem {
  return GrantEntity.build(DeleteTransaction).key({ account_id: accountId, principal_type: g.principal_type, principal_id: g.principal_id, grant_hash: g.grant_hash });
}

/**
 * The items that remove `grants`: each grant's delete, and one count update per policy and per principal
 * (a transaction touches an item once), except for the policy or principal `skip` names (the caller deletes
 * or updates that item itself in the same transaction).
 */
export function grantRemovals(accountId: string, grants: readonly GrantRef[], skip: { policy?: string; principal?: { type: PrincipalKind; id: string } } = {}): WriteItem[] {
  const policies = new Map<string, number>();
  const principals = new Map<string, { type: PrincipalKind; id: string; n: number }>();
  const items: WriteItem[] = [];
  for (const g of grants) {
    items.push(grantDelete(accountId, g));
    if (!isSystemPolicyId(g.policy_id) && g.policy_id !== skip.policy) policies.set(g.policy_id, (policies.get(g.policy_id) ?? 0) + 1);
    if (!(skip.principal && skip.principal.type === g.principal_type && skip.principal.id === g.principal_id)) {
      const k = `${g.principal_type}#${g.principal_id}`;
      const p = principals.get(k) ?? { type: g.principal_type, id: g.principal_id, n: 0 };
      p.n++;
      principals.set(k, p);
    }
  }
  for (const [policyId, n] of policies) items.push(policyRef(accountId, policyId, -n));
  for (const p of principals.values()) items.push(principalRef(accountId, p.type, p.id, -p.n));
  return items;
}
