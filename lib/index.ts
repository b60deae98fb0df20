/**
 * ims-authz: a policy decision library for Huawei Cloud IMS permissions.
 * Evaluate and explain requests against identity policies (5.0 and 1.1) and Organizations SCPs, and
 * validate policy documents. Request and response shapes: ./types.ts.
 */
export { evaluate, explain, createEvaluator, compileInlinePolicies, MAX_POLICY_WARNINGS } from './engine/engine.js';
export type { Evaluator, EvaluatorOptions, PolicySetInput } from './engine/engine.js';
export { validate, analyzePolicy } from './validate/validate.js';
export { FINDING_CODES } from './validate/codes.js';
export type { FindingCode } from './validate/codes.js';
export { catalog, catalogVersion } from './catalog/catalog.js';
export * from './types.js';
