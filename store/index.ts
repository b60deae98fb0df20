/**
 * The store's public API (what the functions import): plain types in and out, nothing of DynamoDB.
 * Every function takes the caller's account id first; everything account-owned lives under its
 * `ACCT#<account>` partition, so a caller can never address another account's items.
 */
export { StoreError, type StoreErrorCode } from './errors.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page, type PageOptions, type IfMatch } from './common.js';
export { ID_PATTERN, type PrincipalKind } from './keys.js';
export {
  createPolicy,
  getPolicy,
  listPolicies,
  updatePolicy,
  defaultVersion,
  MAX_DOCUMENT_TEXT,
  MAX_NAME_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  SYSTEM_POLICY_PREFIX,
  type PolicySyntax,
  type PolicyVersionRecord,
  type StoredPolicy,
  type PolicySummary,
  type CreatePolicyInput,
  type CreatePolicyResult,
  type ListPoliciesOptions,
  type PolicyPage,
  type UpdatePolicyInput,
  type PolicyRevalidation,
  type PolicyWriteGuard,
} from './policies.js';
export {
  getPolicyVersion,
  createPolicyVersion,
  deletePolicyVersion,
  setDefaultVersion,
  MAX_POLICY_VERSIONS,
  type CreatePolicyVersionInput,
  type CreatePolicyVersionResult,
} from './policy-versions.js';
export { checkDocument } from './policy-items.js';
export { deletePolicy, managedOrg, type DeletePolicyOptions, type DeletePolicyResult } from './policy-deletion.js';
export {
  createUser,
  getUser,
  listUsers,
  updateUser,
  deleteUser,
  createGroup,
  getGroup,
  listGroups,
  updateGroup,
  deleteGroup,
  addMember,
  removeMember,
  listGroupMembers,
  listUserGroups,
  createAgency,
  getAgency,
  listAgencies,
  updateAgency,
  deleteAgency,
  MAX_GROUPS_PER_USER,
  type User,
  type Group,
  type Agency,
  type Membership,
  type CreateUserInput,
  type CreateGroupInput,
  type CreateAgencyInput,
  type UpdatePrincipalInput,
} from './principals.js';
export { createGrant, getGrant, deleteGrant, listGrants, scopeKeyOf, type Grant, type GrantScope, type GrantPrincipal, type CreateGrantInput, type GrantFilter } from './grants.js';
export {
  createOrganization,
  getOrganization,
  getNode,
  createOu,
  deleteOu,
  addAccount,
  moveAccount,
  removeAccount,
  listChildren,
  MAX_OU_DEPTH,
  type Organization,
  type OrgNode,
  type CreateOuInput,
  type AddAccountInput,
} from './organizations.js';
export { inviteAccount, listInvitations, acceptInvitation, declineInvitation, type Invitation } from './invitations.js';
export { enableScp, disableScp, attachScp, detachScp, listAttachments, MAX_SCPS_PER_NODE, type ScpAttachment } from './scp-attachments.js';
export {
  changeStamp,
  loadPrincipalPolicies,
  SYSTEM_POLICY_VERSION,
  type PrincipalSelector,
  type LoadedPolicies,
  type LoadedGrant,
  type LoadedScp,
  type LoadedLevel,
  type LoadedOrganization,
} from './evaluation-reader.js';
// The batch results (./decisions.js) and the revalidation (./revalidation.js) are imported directly by the
// functions that use them (batch, decisions, revalidate-stream, revalidate-sweep): re-exported here they
// would ride along in every HTTP bundle (the Scan command alone is 5 KiB). Their types are re-exported.
export type { StoredDecision, DecisionOutcome, DecisionError, PutDecisionInput } from './decisions.js';
export type { RevalidationTarget, RevalidationOutcome, PolicyScanPage, SweepState } from './revalidation.js';
