/**
 * Collects findings and attaches the source span of the value (or, for element-name findings, of the key)
 * when the document was given as text.
 */
import type { SourceMap } from '../json/source.js';
import type { Finding, Span } from '../types.js';
import { type FindingCode, severityOf } from './codes.js';

export interface ReportOptions {
  /** Point at the member's key rather than its value (unknown elements, misplaced elements). */
  atKey?: boolean;
  suggestions?: string[];
}

export class Reporter {
  readonly findings: Finding[] = [];
  constructor(private readonly map: SourceMap | null) {}

  report(code: FindingCode, path: string, message: string, options: ReportOptions = {}): void {
    const finding: Finding = { code, severity: severityOf(code), message, path };
    const span = this.spanOf(path, options.atKey === true);
    if (span) finding.span = span;
    if (options.suggestions && options.suggestions.length > 0) finding.suggestions = options.suggestions;
    this.findings.push(finding);
  }

  spanOf(path: string, atKey = false): Span | undefined {
    if (!this.map) return undefined;
    return (atKey ? this.map.keys.get(path) : undefined) ?? this.map.values.get(path) ?? this.map.keys.get(path);
  }

  hasErrors(): boolean {
    return this.findings.some((f) => f.severity === 'error');
  }
}
