/**
 * Every finding code the validator emits, with its severity. Codes are stable: tools may filter on them.
 * Names follow IAM Access Analyzer's issue codes where the meaning is the same.
 */
import type { Severity } from '../types.js';

export const FINDING_CODES = {
  // --- errors: the policy does not work as written (Huawei would refuse it, or a part of it never applies)
  JSON_SYNTAX_ERROR: 'error',
  DUPLICATE_KEY: 'error',
  INVALID_DOCUMENT: 'error',
  MISSING_VERSION: 'error',
  INVALID_VERSION: 'error',
  MISSING_STATEMENT: 'error',
  INVALID_POLICY_ELEMENT: 'error',
  DATA_TYPE_MISMATCH: 'error',
  MISSING_EFFECT: 'error',
  INVALID_EFFECT: 'error',
  MISSING_ACTION: 'error',
  UNSUPPORTED_ELEMENT_COMBINATION: 'error',
  UNSUPPORTED_PRINCIPAL: 'error',
  UNSUPPORTED_ELEMENT_IN_VERSION: 'error',
  INVALID_ACTION_FORMAT: 'error',
  UNKNOWN_ACTION: 'error',
  ACTION_MATCHES_NOTHING: 'error',
  V11_SERVICE_NOT_LOWERCASE: 'error',
  INVALID_URN: 'error',
  WILDCARD_IN_URN_SERVICE: 'error',
  UNKNOWN_RESOURCE_TYPE: 'error',
  INVALID_CONDITION_OPERATOR: 'error',
  NULL_WITH_IF_EXISTS: 'error',
  UNKNOWN_CONDITION_KEY: 'error',
  MISSING_TAG_KEY: 'error',
  DUPLICATE_CONDITION_KEY: 'error',
  INVALID_CONDITION_VALUE: 'error',
  POLICY_SIZE_EXCEEDED: 'error',
  TOO_MANY_STATEMENTS: 'error',
  TOO_MANY_ACTIONS: 'error',
  TOO_MANY_RESOURCES: 'error',
  RESOURCE_TOO_LONG: 'error',
  TOO_MANY_CONDITIONS: 'error',
  V11_RESOURCE_NOT_SUPPORTED: 'error',

  // --- security warnings: the policy grants more than it probably should
  ALLOW_WITH_NOT_ACTION: 'security_warning',
  ALLOW_WITH_NOT_RESOURCE: 'security_warning',
  ALLOW_ALL_WITHOUT_CONDITION: 'security_warning',
  SHARING_WITHOUT_ORG_PATH_CONDITION: 'security_warning',

  // --- warnings: works, but not as the writer probably meant, or outside what is documented
  RESOURCE_NOT_SUPPORTED_BY_ACTION: 'warning',
  CONDITION_KEY_NOT_SUPPORTED_BY_ACTION: 'warning',
  MULTI_VALUED_KEY_WITHOUT_QUALIFIER: 'warning',
  SINGLE_VALUED_KEY_WITH_QUALIFIER: 'warning',
  AWS_OPERATOR_NAME: 'warning',
  UNVERIFIED_OPERATOR: 'warning',
  UNVERIFIED_CONDITION_KEY: 'warning',
  CONDITION_TYPE_MISMATCH: 'warning',
  CONDITION_VALUE_NOT_STRING: 'warning',
  POLICY_VARIABLE_NOT_SUPPORTED: 'warning',
  STRING_INSTEAD_OF_ARRAY: 'warning',
  FOREIGN_ACTION: 'warning',
  FOREIGN_RESOURCE: 'warning',
  FOREIGN_CONDITION_KEY: 'warning',
  LEGACY_ACTION_NAME: 'warning',
  DUPLICATE_SID: 'warning',
  SCP_ALLOW_NOT_SUPPORTED: 'warning',
  SCP_NOT_ACTION_NOT_SUPPORTED: 'warning',
  SCP_NOT_RESOURCE_NOT_SUPPORTED: 'warning',
  SCP_ALLOW_WITH_NOT_ACTION: 'warning',
  SCP_ALLOW_WITH_CONDITION: 'warning',
  SCP_ALLOW_WITH_RESOURCE: 'warning',
  SCP_ACTION_WILDCARD_POSITION: 'warning',

  // --- suggestions: no effect on access
  REDUNDANT_ACTION: 'suggestion',
  REDUNDANT_RESOURCE: 'suggestion',
  REDUNDANT_CONDITION_VALUE: 'suggestion',
  EMPTY_POLICY: 'suggestion',
  EMPTY_ARRAY: 'suggestion',
  EMPTY_CONDITION: 'suggestion',
  EMPTY_SID: 'suggestion',
  STATEMENT_NEVER_APPLIES: 'suggestion',
} as const satisfies Record<string, Severity>;

export type FindingCode = keyof typeof FINDING_CODES;

export function severityOf(code: FindingCode): Severity {
  return FINDING_CODES[code];
}
