/**
 * The key schema of the single policy table: one place for every pk/sk/gsi1 pattern.
 *
 * Table keys: `pk` (hash), `sk` (range); one global index `gsi1` (`gsi1pk`, `gsi1sk`, all attributes).
 * Ids are restricted to `[A-Za-z0-9_.:-]` (see `ID_PATTERN`), so `#` only ever separates key parts.
 *
 * | entity                  | pk               | sk                                              | gsi1pk                          | gsi1sk                         |
 * |-------------------------|------------------|-------------------------------------------------|---------------------------------|--------------------------------|
 * | policy (with versions)  | `ACCT#<account>` | `POLICY#<policyId>`                             | `POLICIES#<account>`            | `<type>#<name, lower-cased>`   |
 *
 * Planned for the next issue (same table, same index; the README's "Local stack and deployment" explains
 * the access patterns):
 *
 * | account change counter  | `ACCT#<account>` | `#ACCOUNT`                                      | -                               | -                              |
 * | policy name claim       | `ACCT#<account>` | `POLICYNAME#<type>#<name, lower-cased>`         | -                               | -                              |
 * | user                    | `ACCT#<account>` | `USER#<userId>`                                 | `USERNAME#<account>`            | `<name, lower-cased>`          |
 * | user group              | `ACCT#<account>` | `GROUP#<groupId>`                               | `GROUPNAME#<account>`           | `<name, lower-cased>`          |
 * | group membership        | `ACCT#<account>` | `USERGROUP#<userId>#<groupId>`                  | `MEMBERS#<account>#<groupId>`   | `<userId>`                     |
 * | agency                  | `ACCT#<account>` | `AGENCY#<agencyId>`                             | `AGENCYNAME#<account>`          | `<name, lower-cased>`          |
 * | grant                   | `ACCT#<account>` | `GRANT#<kind>#<principalId>#<policyId>#<scope>` | `GRANTS#<account>#<policyId>`   | `<kind>#<principalId>#<scope>` |
 * | account's organization  | `ACCT#<account>` | `#ORG`                                          | -                               | -                              |
 * | organization            | `ORG#<orgId>`    | `#ORG`                                          | -                               | -                              |
 * | root or OU              | `ORG#<orgId>`    | `NODE#<nodeId>`                                 | `CHILDREN#<orgId>#<parentId>`   | `NODE#<nodeId>`                |
 * | member account          | `ORG#<orgId>`    | `ACCOUNT#<account>`                             | `CHILDREN#<orgId>#<parentId>`   | `ACCOUNT#<account>`            |
 * | SCP attachment          | `ORG#<orgId>`    | `SCP#<targetId>#<policyId>`                     | `SCPTARGETS#<orgId>#<policyId>` | `<targetId>`                   |
 *
 * `<kind>` is `user`, `group` or `agency`; `<scope>` is `global`, `all_projects`, `project:<region>` or
 * `ep:<enterpriseProjectId>`. Prefix queries always end in `#` (`USERGROUP#alice#`), so `alice` never
 * matches `alice2`, and no prefix is a prefix of another entity's (`POLICY#` vs `POLICYNAME#`).
 */

/** Account ids, policy ids and other key parts: no `#`, no spaces, at most 64 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export const accountPk = (accountId: string): string => `ACCT#${accountId}`;

export const POLICY_SK_PREFIX = 'POLICY#';
export const policySk = (policyId: string): string => `${POLICY_SK_PREFIX}${policyId}`;
export const policiesGsi1pk = (accountId: string): string => `POLICIES#${accountId}`;
export const policiesGsi1sk = (type: string, name: string): string => `${type}#${name.toLowerCase()}`;
