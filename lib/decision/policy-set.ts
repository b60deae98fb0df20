/**
 * A stored principal's effective policy set as the engine and the analysis take it: its grants as scoped
 * identity policies (each with its source: version, grant, principal, scope), the SCP chain of its account's
 * organization path (empty when SCPs are disabled or the account is in no organization), and the stored
 * facts about the principal (type, ids, name, organization path, management account). The one conversion:
 * the decision path (lib/decision/account.ts) and the analysis of stored data (lib/access) both use it.
 */
import type { Principal, ScopedPolicy, ScpLevelInput } from '../types.js';
import type { LoadedPolicies } from './source.js';

export interface StoredPolicySet {
  policies: ScopedPolicy[];
  scps: ScpLevelInput[];
  principal: Principal;
}

export function policySetOfLoaded(accountId: string, loaded: Omit<LoadedPolicies, 'stamp'>): StoredPolicySet {
  const policies: ScopedPolicy[] = loaded.grants.map((g) => ({
    id: g.policy_id,
    document: g.document,
    scope: g.scope,
    source: { version: g.version, grant_id: g.grant_id, principal: g.principal, scope: g.scope },
  }));
  const org = loaded.organization;
  const scps: ScpLevelInput[] =
    org && org.scp_enabled
      ? org.levels.map((l) => ({ level: l.node_id, policies: l.policies.map((p): ScopedPolicy => ({ id: p.policy_id, document: p.document, source: { version: p.version } })) }))
      : [];
  const principal: Principal = { type: loaded.principal.type, account_id: accountId };
  if (loaded.principal.type === 'user') {
    principal.user_id = loaded.principal.id;
    if (loaded.principal.name) principal.user_name = loaded.principal.name;
  } else if (loaded.principal.type === 'agency') principal.agency = loaded.principal.id;
  if (org) {
    principal.org_path = org.org_path;
    principal.management_account = org.management_account_id === accountId;
  }
  return { policies, scps, principal };
}
