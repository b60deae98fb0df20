/**
 * SARIF 2.1.0 logs (the format CI systems and code-scanning views read) for analysis findings and for
 * validation findings, placed on the policy's lines with the spans the validator computes when a document
 * is given as text. The caller says which file each policy came from (`artifactOf`); findings of policies
 * given as objects get a logical location (policy id and JSON Pointer) instead of a line.
 */
import { catalogVersion } from '../catalog/catalog.js';
import type { Finding, Severity, Span, ValidateResponse } from '../types.js';
import { principalsText, resourcesText } from './describe.js';
import { statementText } from './render.js';
import type { AnalysisFinding, AnalysisResult, StatementRef } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export interface SarifLog {
  version: '2.1.0';
  $schema: string;
  runs: SarifRun[];
}

export interface SarifRun {
  tool: { driver: { name: string; version: string; informationUri?: string; rules: SarifRule[] } };
  results: SarifResult[];
  properties?: Record<string, unknown>;
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  defaultConfiguration: { level: SarifLevel };
}

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export interface SarifLocation {
  physicalLocation?: {
    artifactLocation: { uri: string };
    region?: { startLine: number; startColumn: number; endLine: number; endColumn: number; charOffset: number; charLength: number };
  };
  logicalLocations?: Array<{ fullyQualifiedName: string; kind: string }>;
  message?: { text: string };
}

export interface SarifResult {
  ruleId: string;
  level: SarifLevel;
  message: { text: string };
  locations: SarifLocation[];
  relatedLocations?: Array<SarifLocation & { id: number }>;
  properties?: Record<string, unknown>;
}

/** SARIF regions are 1-based, columns in UTF-16 code units (SARIF's default column kind), like our spans. */
function region(span: Span): NonNullable<NonNullable<SarifLocation['physicalLocation']>['region']> {
  return {
    startLine: span.start.line,
    startColumn: span.start.column + 1,
    endLine: span.end.line,
    endColumn: span.end.column + 1,
    charOffset: span.start.offset,
    charLength: span.end.offset - span.start.offset,
  };
}

function location(uri: string | undefined, logical: string, span: Span | undefined, text?: string): SarifLocation {
  const loc: SarifLocation = {};
  if (uri !== undefined) loc.physicalLocation = span ? { artifactLocation: { uri }, region: region(span) } : { artifactLocation: { uri } };
  loc.logicalLocations = [{ fullyQualifiedName: logical, kind: 'member' }];
  if (text) loc.message = { text };
  return loc;
}

const ANALYSIS_RULES: SarifRule[] = [
  { id: 'IMS_NEW_ACCESS', name: 'NewAccess', shortDescription: { text: 'The proposed policies allow requests the existing ones deny.' }, defaultConfiguration: { level: 'error' } },
  { id: 'IMS_ACCESS_GRANTED', name: 'AccessGranted', shortDescription: { text: 'The policies allow access that was asked not to be granted.' }, defaultConfiguration: { level: 'error' } },
  { id: 'IMS_LOST_ACCESS', name: 'LostAccess', shortDescription: { text: 'The new policies deny requests the old ones allowed.' }, defaultConfiguration: { level: 'warning' } },
  { id: 'IMS_ACCESS_DENIED', name: 'AccessDenied', shortDescription: { text: 'The policies deny access that was asked to be always granted.' }, defaultConfiguration: { level: 'error' } },
  { id: 'IMS_ANALYSIS_UNKNOWN', name: 'AnalysisUnknown', shortDescription: { text: 'Part of the analysis could not be decided exactly.' }, defaultConfiguration: { level: 'warning' } },
];
const RULE_OF = { new_access: 'IMS_NEW_ACCESS', access_granted: 'IMS_ACCESS_GRANTED', lost_access: 'IMS_LOST_ACCESS', access_denied: 'IMS_ACCESS_DENIED' } as const;

export interface AnalysisSarifOptions {
  /**
   * The file a statement's policy was read from (a URI relative to the repository root), or undefined.
   * `side`: the set that allows the finding's witness, or the set that refuses it.
   */
  artifactOf?: (ref: StatementRef, side: 'allowing' | 'refusing', finding: AnalysisFinding) => string | undefined;
  toolVersion?: string;
}

/**
 * One result per finding, on the statement that makes the difference: for gained or granted access the
 * first allowing statement, for lost access the first refusing Deny (else the first statement that allowed
 * it before); the others are related locations. UNKNOWN reasons are results too.
 */
export function analysisSarif(result: AnalysisResult, options: AnalysisSarifOptions = {}): SarifLog {
  const artifactOf = options.artifactOf ?? (() => undefined);
  const results: SarifResult[] = result.findings.map((f) => {
    const refusing = f.refused_by?.denied_by ?? [];
    const primary: Array<{ ref: StatementRef; side: 'allowing' | 'refusing' }> =
      (f.kind === 'lost_access' || f.kind === 'access_denied') && refusing.length > 0
        ? [...refusing.map((ref) => ({ ref, side: 'refusing' as const })), ...f.granted_by.map((ref) => ({ ref, side: 'allowing' as const }))]
        : [...f.granted_by.map((ref) => ({ ref, side: 'allowing' as const })), ...refusing.map((ref) => ({ ref, side: 'refusing' as const }))];
    const at = (x: { ref: StatementRef; side: 'allowing' | 'refusing' }, text?: string): SarifLocation => location(artifactOf(x.ref, x.side, f), `${x.ref.policy_id}${x.ref.path}`, x.ref.span, text);
    const text = `${f.kind.replace('_', ' ')}: ${f.action} on ${resourcesText(f.resources)} when ${f.condition.text} (${principalsText(f.principals)}). Witness: ${JSON.stringify(f.witness)}`;
    const out: SarifResult = {
      ruleId: RULE_OF[f.kind],
      level: f.kind === 'lost_access' ? 'warning' : 'error',
      message: { text },
      locations: primary.length > 0 ? [at(primary[0]!)] : [location(undefined, f.action, undefined)],
      properties: { action: f.action, witness: f.witness, condition: f.condition.all_of, resources: f.resources, principals: f.principals },
    };
    if (primary.length > 1) out.relatedLocations = primary.slice(1).map((x, i) => ({ ...at(x, statementText(x.ref)), id: i + 1 }));
    return out;
  });
  for (const u of result.unknown_reasons) {
    results.push({
      ruleId: 'IMS_ANALYSIS_UNKNOWN',
      level: 'warning',
      message: { text: `${u.action ? `${u.action}: ` : ''}${u.message}` },
      locations: [location(undefined, u.action ?? 'analysis', undefined)],
    });
  }
  return {
    version: '2.1.0',
    $schema: SARIF_SCHEMA,
    runs: [
      {
        tool: { driver: { name: 'ims-authz', version: options.toolVersion ?? '0.1.0', rules: ANALYSIS_RULES } },
        results,
        properties: { result: result.result, catalog_version: result.catalog_version, ...(result.findings_omitted ? { findings_omitted: result.findings_omitted } : {}) },
      },
    ],
  };
}

const LEVEL_OF: Record<Severity, SarifLevel> = { error: 'error', security_warning: 'warning', warning: 'warning', suggestion: 'note' };

/** Validation findings of one document as SARIF (rules are the finding codes met). */
export function validationSarif(response: ValidateResponse, artifactUri: string, options: { toolVersion?: string } = {}): SarifLog {
  const rules = new Map<string, SarifRule>();
  const results = response.findings.map((f: Finding): SarifResult => {
    if (!rules.has(f.code)) rules.set(f.code, { id: f.code, name: f.code, shortDescription: { text: f.code.toLowerCase().replace(/_/g, ' ') }, defaultConfiguration: { level: LEVEL_OF[f.severity] } });
    const r: SarifResult = {
      ruleId: f.code,
      level: LEVEL_OF[f.severity],
      message: { text: f.suggestions && f.suggestions.length > 0 ? `${f.message} Did you mean: ${f.suggestions.join(', ')}?` : f.message },
      locations: [location(artifactUri, f.path === '' ? '/' : f.path, f.span)],
    };
    if (f.severity === 'security_warning') r.properties = { security: true };
    return r;
  });
  return {
    version: '2.1.0',
    $schema: SARIF_SCHEMA,
    runs: [
      {
        tool: { driver: { name: 'ims-authz', version: options.toolVersion ?? '0.1.0', rules: [...rules.values()] } },
        results,
        properties: { valid: response.valid, catalog_version: response.catalog_version || catalogVersion() },
      },
    ],
  };
}
