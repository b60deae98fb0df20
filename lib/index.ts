/**
 * ims-authz: a policy decision library for Huawei Cloud IMS permissions.
 * Evaluate and explain requests against identity policies (5.0 and 1.1) and Organizations SCPs, and
 * validate policy documents; analyse every request at once (lib/analysis: no new access, access not
 * granted, diff, summary). Request and response shapes: ./types.ts and ./analysis/types.ts.
 */
export { evaluate, explain, createEvaluator, compileInlinePolicies, MAX_POLICY_WARNINGS } from './engine/engine.js';
export type { Evaluator, EvaluatorOptions, PolicySetInput } from './engine/engine.js';
export { validate, analyzePolicy } from './validate/validate.js';
export { FINDING_CODES } from './validate/codes.js';
export type { FindingCode } from './validate/codes.js';
export { catalog, catalogVersion } from './catalog/catalog.js';
export * from './types.js';
export {
  checkNoNewAccess,
  checkAccessNotGranted,
  diff,
  summarize,
  policySetOf,
  renderAnalysis,
  renderSummary,
  analysisSarif,
  validationSarif,
  ANALYSIS_LIMITS,
} from './analysis/index.js';
export type * from './analysis/types.js';
export type { AccessQuestion, AnalysisSarifOptions, SarifLog } from './analysis/index.js';
