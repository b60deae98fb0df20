/**
 * Policy validation: parse (text keeps spans), check structure, then check against the catalog.
 * Never throws for bad input: everything becomes findings.
 */
import { catalogVersion } from '../catalog/catalog.js';
import { parseJsonWithSource, type SourceMap } from '../json/source.js';
import type { ParsedPolicy } from '../policy/model.js';
import { parsePolicyDocument } from '../policy/parse.js';
import type { Finding, JsonValue, PolicyDocument, PolicyType, ScpRevision, ValidateOptions, ValidateResponse } from '../types.js';
import { checkPolicy } from './checks.js';
import { Reporter } from './reporter.js';

/** Document size limits in characters of the minified JSON (the "Notes and Constraints" pages of Huawei IAM, 6,144 per custom identity policy, and Organizations, 5,120 per SCP; README, "Limits"). */
export const SIZE_LIMITS: Record<PolicyType, number> = { identity: 6144, scp: 5120 };

export interface PolicyAnalysis {
  /** `null` when the document cannot be read at all. */
  policy: ParsedPolicy | null;
  findings: Finding[];
  valid: boolean;
}

const SEVERITY_ORDER = { error: 0, security_warning: 1, warning: 2, suggestion: 3 } as const;

export function analyzePolicy(input: string | PolicyDocument | JsonValue, options: ValidateOptions = {}): PolicyAnalysis {
  try {
    return analyze(input, options);
  } catch {
    // Only exotic objects get here (throwing getters, proxies): JSON input never does.
    const finding: Finding = { code: 'INVALID_DOCUMENT', severity: 'error', message: 'The document could not be read as JSON data.', path: '' };
    return { policy: null, findings: [finding], valid: false };
  }
}

function analyze(input: string | PolicyDocument | JsonValue, options: ValidateOptions): PolicyAnalysis {
  const type: PolicyType = options.type === 'scp' ? 'scp' : 'identity';
  const scpRevision: ScpRevision = options.scp_revision ?? '2025-12';
  let doc: JsonValue;
  let map: SourceMap | null = null;
  if (typeof input === 'string') {
    const parsed = parseJsonWithSource(input);
    if (!parsed.ok) {
      const { line, column, offset } = parsed.position;
      const finding: Finding = {
        code: 'JSON_SYNTAX_ERROR',
        severity: 'error',
        message: `${parsed.message} at line ${line} column ${column} (offset ${offset}).`,
        path: '',
        span: offset < input.length ? { start: parsed.position, end: { line, column: column + 1, offset: offset + 1 } } : { start: parsed.position, end: parsed.position },
      };
      return { policy: null, findings: [finding], valid: false };
    }
    doc = parsed.value;
    map = parsed.map;
  } else {
    doc = input;
  }
  const r = new Reporter(map);
  if (map) {
    for (const dup of map.duplicates) {
      r.report('DUPLICATE_KEY', dup, `"${decodeURIComponentSafe(dup.slice(dup.lastIndexOf('/') + 1))}" appears twice in the same object; only one can be meant.`, { atKey: true });
    }
  }
  const size = minifiedLength(doc);
  const limit = SIZE_LIMITS[type];
  if (size !== null && size > limit) {
    r.report('POLICY_SIZE_EXCEEDED', '', `The ${type === 'scp' ? 'SCP' : 'policy'} is ${size} characters (minified JSON); the limit is ${limit}.`);
  }
  const policy = parsePolicyDocument(doc, type, r);
  // Deep checks are skipped on documents far beyond the limit: they cannot be stored anyway.
  if (policy && size !== null && size <= 4 * limit) checkPolicy(policy, { type, scpRevision }, r);
  const findings = r.findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || comparePaths(a.path, b.path));
  const valid = !findings.some((f) => f.severity === 'error');
  return { policy, findings, valid };
}

export function validate(input: string | PolicyDocument, options: ValidateOptions = {}): ValidateResponse {
  const { findings, valid } = analyzePolicy(input, options);
  return { valid, findings, catalog_version: catalogVersion() };
}

/** Characters of the minified JSON; null when the value is not JSON data (then the parse reports it). */
function minifiedLength(doc: JsonValue): number | null {
  try {
    const text = JSON.stringify(doc) as string | undefined;
    return text === undefined ? null : text.length;
  } catch {
    return null;
  }
}

function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function decodeURIComponentSafe(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}
