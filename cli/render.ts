/**
 * The readable (`--text`) renderings of the commands' results. Positions are 1-based `line:column`, as
 * editors and compilers print them (the JSON output keeps 0-based columns, the Access Analyzer convention).
 */
import type { CompiledCatalog } from '../lib/catalog/catalog.js';
import type { EvaluateResponse, Finding, ValidateResponse } from '../lib/types.js';

/** `line:column` (1-based) of a finding, or its JSON Pointer when it has no span. */
export function findingPlace(f: Finding): string {
  return f.span ? `${f.span.start.line}:${f.span.start.column + 1}` : f.path || '/';
}

export function renderFindings(r: ValidateResponse): string {
  const lines = [r.valid ? 'VALID' : 'INVALID'];
  const codeWidth = Math.max(36, ...r.findings.map((f) => f.code.length));
  for (const f of r.findings) {
    lines.push(`${f.severity.padEnd(16)} ${f.code.padEnd(codeWidth)} ${findingPlace(f).padEnd(10)} ${f.message}${f.suggestions ? ` Did you mean: ${f.suggestions.join(', ')}?` : ''}`);
  }
  lines.push(`catalog ${r.catalog_version}`);
  return lines.join('\n');
}

/** The decision, one line per (action, resource) result with what decided it, then the warnings. */
export function renderEvaluate(r: EvaluateResponse): string {
  const lines = [`${r.decision.toUpperCase()} (${r.reason}): ${r.message}`];
  for (const x of r.results) {
    const by = x.denied_by;
    const why = by
      ? by.policy_id
        ? `Deny in ${by.policy_id} statement ${by.statement}${by.sid ? ` (Sid "${by.sid}")` : ''}${by.level ? ` at SCP level ${by.level}` : ''}`
        : `no Allow in the ${by.layer === 'scp' ? `SCP level ${by.level}` : 'identity policies'}`
      : x.reason === 'allowed'
        ? `allowed by ${x.matched
            .filter((m) => m.effect === 'Allow')
            .map((m) => `${m.policy_id} statement ${m.statement}`)
            .join(', ')}`
        : '';
    const keys = x.context_required_keys?.length ? ` (decided by ${x.context_required_keys.join(', ')})` : '';
    lines.push(`  ${x.decision.padEnd(5)} ${x.action}  ${x.resource}  ${why}${keys}`);
  }
  if (r.missing_context_keys.length > 0) lines.push(`missing context keys: ${r.missing_context_keys.join(', ')}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push(`catalog ${r.catalog_version}`);
  return lines.join('\n');
}

/** One line per action of the catalog: name, access level, resource types (* = required), condition keys. */
export function renderCatalog(c: CompiledCatalog): string {
  const lines = [`IMS action catalog ${c.version}: ${c.actions.filter((a) => a.kind === 'action').length} actions, ${c.apis.length} APIs`];
  for (const a of c.actions) {
    if (a.kind !== 'action') continue;
    const resources = a.resource_types.map((t) => `${t.type}${t.required ? '*' : ''}`).join(',') || '-';
    lines.push(`${a.name.padEnd(40)} ${(a.access_level ?? '-').padEnd(22)} ${resources.padEnd(8)} ${a.condition_keys.join(', ') || '-'}`);
  }
  return lines.join('\n');
}
