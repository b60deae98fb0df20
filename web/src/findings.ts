/**
 * Validator findings as editor diagnostics: the span's offsets (UTF-16, as CodeMirror counts), the severity,
 * the message with its code, and each "did you mean" suggestion as a fix that replaces the span.
 */
import type { Finding } from '../../lib/types.js';

export type DiagnosticSeverity = 'error' | 'warning' | 'info' | 'hint';

export interface Fix {
  label: string;
  from: number;
  to: number;
  insert: string;
}

export interface FindingMark {
  from: number;
  to: number;
  severity: DiagnosticSeverity;
  code: string;
  message: string;
  fixes: Fix[];
  finding: Finding;
}

const SEVERITY: Record<Finding['severity'], DiagnosticSeverity> = { error: 'error', security_warning: 'warning', warning: 'warning', suggestion: 'info' };

/**
 * Where a finding goes in a text of `length` characters: its span, clamped; a finding without a span (about the
 * whole document) marks the first character.
 */
export function markOf(f: Finding, text: string): FindingMark {
  const length = text.length;
  let from = Math.min(Math.max(f.span?.start.offset ?? 0, 0), length);
  let to = Math.min(Math.max(f.span?.end.offset ?? Math.min(1, length), from), length);
  if (!f.span) {
    from = 0;
    to = Math.min(1, length);
  }
  const spanned = text.slice(from, to);
  const quoted = spanned.length >= 2 && spanned.startsWith('"') && spanned.endsWith('"');
  const fixes = f.span ? (f.suggestions ?? []).map((s) => ({ label: `Replace with ${s}`, from, to, insert: quoted ? JSON.stringify(s) : s })) : [];
  return { from, to, severity: SEVERITY[f.severity], code: f.code, message: f.message, fixes, finding: f };
}

/** 1-based line and column of an offset (for the findings list). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}
