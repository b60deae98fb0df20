/**
 * Access analysis (docs/analysis.md): exact answers about every request at once (does this change grant
 * new access? is this access ever granted? what changes? what does this set allow?), each FAIL proved by
 * witness requests that `evaluate` decides as claimed, UNKNOWN (never PASS) where an exact answer is out
 * of reach.
 */
export { ANALYSIS_LIMITS, SET_LIMITS, accessRegions, checkAccessAlwaysGranted, checkAccessNotGranted, checkNoNewAccess, diff, policySetOf, summarize } from './analyze.js';
export type { AccessQuestion } from './analyze.js';
export { renderAnalysis, renderSummary } from './render.js';
export { analysisSarif, validationSarif, SARIF_SCHEMA } from './sarif.js';
export type { AnalysisSarifOptions, SarifLog, SarifResult } from './sarif.js';
export * from './types.js';
