/**
 * Collects findings and attaches the source span of the value (or, for element-name findings, of the key)
 * when the document was given as text.
 *
 * The reply is bounded (docs/limits.md): at most MAX_FINDINGS findings and MAX_FINDING_CHARS characters of
 * their messages, paths and suggestions are kept for errors, and as many again for the other severities
 * (so an invalid document always lists errors); the rest are counted and summed up by one
 * FINDINGS_TRUNCATED finding. A document of 24 KiB could otherwise list thousands of findings whose
 * paths repeat a long key: megabytes of reply. The optional work of the checks (suggestions, redundancy)
 * draws on a per-document step budget (`optional`), so it is bounded too.
 */
import type { SourceMap } from '../json/source.js';
import type { Finding, Severity, Span } from '../types.js';
import { type FindingCode, severityOf } from './codes.js';

export interface ReportOptions {
  /** Point at the member's key rather than its value (unknown elements, misplaced elements). */
  atKey?: boolean;
  suggestions?: string[];
}

/** Findings kept per bucket (errors; the other severities). */
export const MAX_FINDINGS = 300;
/** Characters of messages, paths and suggestions kept per bucket (at least one finding is always kept). */
export const MAX_FINDING_CHARS = 200_000;
/** Steps of optional work (suggestions, redundancy between patterns) per document: per character of it, at most the cap. */
export const OPTIONAL_WORK = 400_000;
export const OPTIONAL_WORK_PER_CHAR = 32;

interface Bucket {
  count: number;
  chars: number;
}

export class Reporter {
  readonly findings: Finding[] = [];
  private readonly kept: Record<'error' | 'other', Bucket> = { error: { count: 0, chars: 0 }, other: { count: 0, chars: 0 } };
  private readonly dropped: Partial<Record<Severity, number>> = {};
  /** Steps left for optional work (suggestions, redundancy); checks take from it and skip that work at 0. */
  optional = OPTIONAL_WORK;

  constructor(private readonly map: SourceMap | null) {}

  report(code: FindingCode, path: string, message: string, options: ReportOptions = {}): void {
    const severity = severityOf(code);
    const bucket = this.kept[severity === 'error' ? 'error' : 'other'];
    const suggestions = options.suggestions && options.suggestions.length > 0 ? options.suggestions : undefined;
    const chars = message.length + path.length + (suggestions ? suggestions.reduce((n, s) => n + s.length, 0) : 0);
    if (bucket.count > 0 && (bucket.count >= MAX_FINDINGS || bucket.chars + chars > MAX_FINDING_CHARS)) {
      this.dropped[severity] = (this.dropped[severity] ?? 0) + 1;
      return;
    }
    bucket.count++;
    bucket.chars += chars;
    const finding: Finding = { code, severity, message, path };
    const span = this.spanOf(path, options.atKey === true);
    if (span) finding.span = span;
    if (suggestions) finding.suggestions = suggestions;
    this.findings.push(finding);
  }

  /** Whether findings of this severity are no longer kept (callers skip making them). */
  full(severity: Severity): boolean {
    const bucket = this.kept[severity === 'error' ? 'error' : 'other'];
    return bucket.count >= MAX_FINDINGS || bucket.chars >= MAX_FINDING_CHARS;
  }

  /** Takes `steps` from the optional-work budget; false (and nothing taken) when they are not left. */
  afford(steps: number): boolean {
    if (steps > this.optional) {
      this.optional = 0;
      return false;
    }
    this.optional -= steps;
    return true;
  }

  /** The FINDINGS_TRUNCATED finding, once every check has reported (null if nothing was dropped). */
  truncation(): Finding | null {
    const parts = (['error', 'security_warning', 'warning', 'suggestion'] as const)
      .filter((s) => (this.dropped[s] ?? 0) > 0)
      .map((s) => `${this.dropped[s]} ${s.replace('_', ' ')}${this.dropped[s] === 1 ? '' : 's'}`);
    if (parts.length === 0) return null;
    return {
      code: 'FINDINGS_TRUNCATED',
      severity: severityOf('FINDINGS_TRUNCATED'),
      message: `More findings than a reply lists (${MAX_FINDINGS} and ${MAX_FINDING_CHARS} characters per kind): ${parts.join(', ')} not listed. Fix the ones above and validate again.`,
      path: '',
    };
  }

  spanOf(path: string, atKey = false): Span | undefined {
    if (!this.map) return undefined;
    return (atKey ? this.map.keySpan(path) : undefined) ?? this.map.valueSpan(path) ?? this.map.keySpan(path);
  }

  hasErrors(): boolean {
    return this.findings.some((f) => f.severity === 'error');
  }
}
