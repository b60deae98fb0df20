/**
 * Readable renderings of analysis answers (what `ims-authz check ... --format text` prints): one block per
 * finding with its region, why it is allowed and refused, and its witness; the summary as a table by access
 * level.
 */
import { conditionText, principalsText, resourcesText } from './describe.js';
import type { AnalysisFinding, AnalysisResult, StatementRef, SummaryResult } from './types.js';

const KIND_TEXT = { new_access: 'new access', access_granted: 'access granted', lost_access: 'lost access', access_denied: 'access denied' } as const;

export function statementText(s: StatementRef): string {
  const where = s.layer === 'scp' ? `SCP level ${s.level} policy ${s.policy_id}` : `policy ${s.policy_id}`;
  const line = s.span ? ` (line ${s.span.start.line})` : '';
  return `${where} statement ${s.statement}${s.sid ? ` "${s.sid}"` : ''}${line}`;
}

function findingText(f: AnalysisFinding, sides: { allowing: string; refusing: string }): string[] {
  const lines = [`${KIND_TEXT[f.kind]}: ${f.action}`];
  lines.push(`  resources:  ${resourcesText(f.resources)}`);
  lines.push(`  when:       ${f.condition.text}`);
  lines.push(`  principals: ${principalsText(f.principals)}`);
  if (f.kind !== 'access_denied')
    lines.push(`  allowed by ${sides.allowing}: ${f.granted_by.length === 0 ? 'no identity Allow needed (the account itself)' : f.granted_by.map(statementText).join('; ')}`);
  if (f.refused_by) {
    const parts = [
      ...f.refused_by.denied_by.map((s) => `Deny in ${statementText(s)}`),
      ...f.refused_by.no_allow_in.map((l) => (l.layer === 'scp' ? `no Allow at SCP level ${l.level}` : 'no identity Allow')),
    ];
    lines.push(`  refused by ${sides.refusing}: ${parts.join('; ')}`);
  }
  lines.push(`  witness:    ${JSON.stringify(f.witness)}`);
  return lines;
}

/** An analysis answer as text. `sides` names the two sets (default: proposed / existing). */
export function renderAnalysis(r: AnalysisResult, sides: { gained?: [string, string]; lost?: [string, string] } = {}): string {
  const gained = sides.gained ?? ['proposed', 'existing'];
  const lost = sides.lost ?? ['existing', 'proposed'];
  const n = r.findings.length + (r.findings_omitted ?? 0);
  const head =
    r.result === 'PASS'
      ? 'PASS: no request is in the difference asked about.'
      : r.result === 'FAIL'
        ? `FAIL: ${n} region${n === 1 ? '' : 's'} found, each with a witness request.`
        : 'UNKNOWN: the answer could not be decided exactly (reasons below); this is not a PASS.';
  const lines = [head];
  for (const f of r.findings) {
    lines.push('');
    const [allowing, refusing] = f.kind === 'lost_access' ? lost : gained;
    const single = f.kind === 'access_granted' || f.kind === 'access_denied';
    lines.push(...findingText(f, { allowing: single ? 'the set' : allowing, refusing: single ? 'the set' : refusing }));
  }
  if (r.findings_omitted) lines.push('', `(${r.findings_omitted} more region${r.findings_omitted === 1 ? '' : 's'} not listed: the limit on findings was reached.)`);
  if (r.unknown_reasons.length > 0) {
    lines.push('', 'Not decided:');
    for (const u of r.unknown_reasons) lines.push(`  - [${u.code}]${u.action ? ` ${u.action}:` : ''} ${u.message}`);
  }
  lines.push('', `catalog ${r.catalog_version}`);
  return lines.join('\n');
}

/** A summary as text: for each access level, each action with always / conditional (and when) / never. */
export function renderSummary(s: SummaryResult): string {
  const lines = [`Summary for ${principalsText(s.principals)}:`];
  for (const g of s.groups) {
    lines.push('', g.access_level.replace('_', ' '));
    for (const a of g.actions) {
      lines.push(`  ${a.access.padEnd(12)} ${a.action}`);
      for (const w of a.when ?? []) lines.push(`               on ${resourcesText(w.resources)} when ${w.condition.text}`);
    }
  }
  if (s.unknown_reasons.length > 0) {
    lines.push('', 'Not decided:');
    for (const u of s.unknown_reasons) lines.push(`  - [${u.code}]${u.action ? ` ${u.action}:` : ''} ${u.message}`);
  }
  lines.push('', `catalog ${s.catalog_version}`);
  return lines.join('\n');
}

export { conditionText };
