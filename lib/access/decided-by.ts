/**
 * The stored facts behind a statement the analysis names: for an identity statement, the grants that attach
 * its policy to the principal (grant id, the user or group holding it, scope, version); for an SCP
 * statement, the level and the policy's version. What who-can and the previews answer with ("which grant,
 * policy and version decide it").
 */
import type { StatementRef } from '../analysis/types.js';
import type { StoredPolicySet } from '../decision/policy-set.js';
import type { GrantScope, ScopedPolicy } from '../types.js';

export interface DecidingStatement {
  layer: 'identity' | 'scp';
  /** The SCP level (node id); null for the identity layer. */
  level: string | null;
  effect: 'Allow' | 'Deny';
  policy_id: string;
  version: string | null;
  statement: number;
  sid: string | null;
  /** For an identity statement: the grants attaching the policy (the holder is the principal or one of its groups). */
  grants?: Array<{ grant_id: string; holder: { type: string; id: string }; scope: GrantScope }>;
}

export function decidingStatement(principal: { set: StoredPolicySet; policyIds: ReadonlyMap<string, string> }, ref: StatementRef): DecidingStatement {
  const set = principal.set;
  // The analysis names a policy granted twice by an id of its own (lib/access/sets.ts): the policy's id here.
  const policyId = ref.layer === 'identity' ? (principal.policyIds.get(ref.policy_id) ?? ref.policy_id) : ref.policy_id;
  const out: DecidingStatement = {
    layer: ref.layer,
    level: ref.level,
    effect: ref.effect,
    policy_id: policyId,
    version: null,
    statement: ref.statement,
    sid: ref.sid,
  };
  if (ref.layer === 'identity') {
    const grants: NonNullable<DecidingStatement['grants']> = [];
    for (const p of set.policies) {
      if (p.id !== policyId) continue;
      const s = p.source;
      if (!s) continue;
      out.version = s.version;
      if (s.grant_id && s.principal) grants.push({ grant_id: s.grant_id, holder: s.principal, scope: s.scope ?? { type: 'global' } });
    }
    out.grants = grants;
  } else {
    const level = set.scps.find((l) => l.level === ref.level);
    const p = level?.policies.find((x) => x.id === ref.policy_id) as ScopedPolicy | undefined;
    out.version = p?.source?.version ?? null;
  }
  return out;
}
