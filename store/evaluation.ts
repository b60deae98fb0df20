/**
 * What the evaluation of a stored principal reads: the change stamp and the principal's policy set. The one
 * implementation is store/evaluation-reader.ts (plain `@aws-sdk/lib-dynamodb` commands, no dynamodb-toolbox,
 * so the evaluation functions can load it without the toolbox); this module keeps the store's import path.
 */
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
