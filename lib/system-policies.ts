/**
 * Huawei's built-in (system) permissions that matter for IMS, read-only and present in every account.
 * Huawei does not publish their JSON; the documents below are presumed from what Huawei's IMS "Permissions"
 * page and Organizations' "Enabling or Disabling the SCP Type" page say of them, written as 1.1 / 5.0
 * documents:
 *  - IMS FullAccess: all IMS permissions -> Allow ims:*:*.
 *  - IMS ReadOnlyAccess: read-only IMS, the same pattern as IAM ReadOnlyAccess -> Allow ims:*:get*, ims:*:list*.
 *  - IMS Administrator: a 1.0 system role (all IMS operations; depends on Tenant Administrator in the same
 *    project). Roles are not policies; its effect on IMS is Allow ims:*:*, written here as a 1.1 document.
 *  - FullAccess (SCP): allow all permissions on all resources -> Allow * on *.
 */
import type { PolicyDocument, PolicyType } from './types.js';

export interface SystemPolicy {
  policy_id: string;
  name: string;
  type: PolicyType;
  kind: 'policy' | 'role';
  description: string;
  document: PolicyDocument;
}

export const SYSTEM_POLICIES: readonly SystemPolicy[] = [
  {
    policy_id: 'system:IMS-FullAccess',
    name: 'IMS FullAccess',
    type: 'identity',
    kind: 'policy',
    description: 'All IMS permissions (system policy; document presumed from the documentation).',
    document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] },
  },
  {
    policy_id: 'system:IMS-ReadOnlyAccess',
    name: 'IMS ReadOnlyAccess',
    type: 'identity',
    kind: 'policy',
    description: 'Read-only IMS permissions (system policy; document presumed, same pattern as IAM ReadOnlyAccess).',
    document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:get*', 'ims:*:list*'] }] },
  },
  {
    policy_id: 'system:IMS-Administrator',
    name: 'IMS Administrator',
    type: 'identity',
    kind: 'role',
    description: 'IMS administrator role (1.0 system role: all IMS operations; depends on Tenant Administrator). Evaluated as Allow ims:*:*.',
    document: { Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['ims:*:*'] }] },
  },
  {
    policy_id: 'system:FullAccess',
    name: 'FullAccess',
    type: 'scp',
    kind: 'policy',
    description: 'System SCP: allows all permissions on all resources. Attached to every node when SCPs are enabled.',
    document: { Version: '5.0', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] },
  },
];

export const SCP_FULL_ACCESS_ID = 'system:FullAccess';

export function systemPolicy(policyId: string): SystemPolicy | undefined {
  return SYSTEM_POLICIES.find((p) => p.policy_id === policyId);
}
