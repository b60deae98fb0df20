/**
 * dynamodb-toolbox entities of the policy table. Only the store's own modules import this file: callers
 * get plain types from store/policies.ts.
 *
 * Policy item (one item holds the policy and all its versions, at most 5; see the README key schema):
 *   pk `ACCT#<account>`, sk `POLICY#<policyId>`, gsi1pk `POLICIES#<account>`, gsi1sk `<type>#<name>`
 *   versions: { v1: { document, created_at }, ... }   documents as JSON text, exactly as submitted
 *   default_version: 'v1' ...                          the version the engine evaluates
 *   next_version: 2 ...                                version ids are never reused (Huawei numbers v1, v2, ...)
 *   revision: 1 ...                                    +1 on every write; the ETag, checked by conditional writes
 * Keeping the versions in the policy item makes every policy change a single conditional write (no
 * transaction, which dynalite lacks): 5 versions of at most 32 KiB of text stay far below the 400 KB item
 * limit.
 */
import { Entity } from 'dynamodb-toolbox/entity';
import { item } from 'dynamodb-toolbox/schema/item';
import { map } from 'dynamodb-toolbox/schema/map';
import { number } from 'dynamodb-toolbox/schema/number';
import { record } from 'dynamodb-toolbox/schema/record';
import { string } from 'dynamodb-toolbox/schema/string';
import { accountPk, policiesGsi1pk, policiesGsi1sk, policySk } from './keys.js';
import { PolicyTable } from './table.js';

const policySchema = item({
  account_id: string().key(),
  policy_id: string().key(),
  name: string(),
  type: string().enum('identity', 'scp'),
  /** The document syntax: `5.0` (IAM 5.0 identity policy or SCP) or `1.1` (IAM fine-grained policy). */
  syntax: string().enum('5.0', '1.1'),
  description: string().optional(),
  default_version: string(),
  next_version: number(),
  versions: record(string(), map({ document: string(), created_at: string() })),
  revision: number(),
  created_at: string(),
  updated_at: string(),
});

export const PolicyEntity = new Entity({
  name: 'Policy',
  table: PolicyTable,
  schema: policySchema.and((prev) => ({
    gsi1pk: string()
      .hidden()
      .link<typeof prev>(({ account_id }) => policiesGsi1pk(account_id)),
    gsi1sk: string()
      .hidden()
      .link<typeof prev>(({ type, name }) => policiesGsi1sk(type, name)),
  })),
  computeKey: ({ account_id, policy_id }) => ({ pk: accountPk(account_id), sk: policySk(policy_id) }),
  // Written by store/policies.ts (ISO 8601), so the returned policy and the stored item carry the same times.
  timestamps: false,
});
