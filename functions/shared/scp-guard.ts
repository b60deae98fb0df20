/**
 * The SCP write guard (docs/security.md, "Scopes"): SCPs are the organization's, not the account's, so every
 * change of an SCP needs the `org:write` scope as well as the route's `policies:write`, and the caller must be
 * the management account of an organization. Used by the policies function and the import.
 */
import { managedOrg, type PolicyWriteGuard } from '../../store/index.js';
import type { Caller } from './auth.js';
import { HttpError } from './http.js';

/**
 * The guard of a write: identity policies pass; an SCP needs `org:write` and a caller that manages an
 * organization (one read of the account and its organization, at most once per request).
 */
export function scpGuard(caller: Caller): PolicyWriteGuard {
  let rights: Promise<void> | undefined;
  return (policy) => {
    if (policy.type !== 'scp') return undefined;
    return (rights ??= (async () => {
      if (!caller.scopes.has('org:write')) {
        throw new HttpError(403, 'FORBIDDEN', `${policy.policy_id} is an SCP: creating or changing an SCP needs the "org:write" scope too.`, {
          policy_id: policy.policy_id,
          required_scopes: ['policies:write', 'org:write'],
        });
      }
      if ((await managedOrg(caller.account_id)) === undefined) {
        throw new HttpError(403, 'FORBIDDEN', `${policy.policy_id} is an SCP: SCPs belong to an organization, and only its management account creates or changes them (this account manages none).`, {
          policy_id: policy.policy_id,
        });
      }
    })());
  };
}
