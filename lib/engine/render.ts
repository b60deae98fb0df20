/** A readable rendering of an explain response: the answer first, then why, layer by layer. */
import { isIdlePolicyTrace } from './trace.js';
import type { ConditionTrace, EvaluateResponse, GrantScope, LayerTrace, PolicyTrace, ResultTrace, StatementTrace } from '../types.js';

function layerName(l: LayerTrace): string {
  return l.layer === 'scp' ? `SCP level ${l.level}` : 'identity policies';
}

function stmtName(p: PolicyTrace, s: StatementTrace): string {
  const origin = p.source
    ? ` ${p.source.version.startsWith('v') ? '' : 'v'}${p.source.version}${p.source.grant_id ? ` (grant ${p.source.grant_id}${p.source.scope ? `, scope ${scopeLabel(p.source.scope)}` : ''})` : ''}`
    : '';
  return `${p.policy_id}${origin} statement ${s.statement}${s.sid ? ` (Sid "${s.sid}")` : ''}`;
}

function scopeLabel(scope: GrantScope): string {
  if (scope.type === 'project') return `project ${scope.project}`;
  if (scope.type === 'enterprise_project') return `enterprise project ${scope.enterprise_project_id}`;
  return scope.type;
}

/** Condition traces are shared by the statements that carry the same condition: each line is made once per rendering. */
type LineCache = Map<ConditionTrace, string>;

function conditionLine(c: ConditionTrace, cache: LineCache): string {
  let line = cache.get(c);
  if (line === undefined) {
    const req = c.not_carried
      ? 'absent: the action does not carry this key (a value given is ignored)'
      : c.unknown
        ? 'unknown'
        : c.missing
          ? 'absent from the request'
          : `request has ${JSON.stringify(c.request_values)}`;
    line = `          ${c.result === 'unknown' ? '?    ' : c.result ? 'true ' : 'false'}  ${c.operator} ${c.key} ${JSON.stringify(c.policy_values)}: ${req}`;
    cache.set(c, line);
  }
  return line;
}

function whyNot(s: StatementTrace): string {
  if (s.scope_matched === false) return 'the grant scope does not cover this request';
  if (!s.action_matched) return s.action_pattern ? `action excluded by NotAction "${s.action_pattern}"` : 'action not listed';
  if (!s.resource_matched) return s.resource_pattern ? `resource excluded by NotResource "${s.resource_pattern}"` : 'resource not matched';
  const failed = s.conditions.filter((c) => c.result === false).map((c) => `${c.operator} ${c.key}${c.missing ? ' (key absent)' : ''}`);
  return `condition false: ${failed.join(', ')}`;
}

const VERDICTS: Readonly<Record<LayerTrace['outcome'], string>> = {
  allow: 'allows',
  deny: 'DENIES',
  no_match: 'no statement applies',
  skipped: 'skipped',
  unknown: 'depends on unknown keys',
};

/** What a statement that may apply is waiting for: its unknown conditions, or its grant scope. */
function mayApplyBecause(s: StatementTrace): string {
  const keys = s.conditions.filter((c) => c.result === 'unknown').map((c) => `${c.operator} ${c.key}`);
  if (s.scope_matched === 'unknown') keys.unshift('the enterprise project of its grant scope');
  return keys.join(', ');
}

function renderLayer(l: LayerTrace, out: string[], lines: LineCache): void {
  const verdict = VERDICTS[l.outcome];
  out.push(`  ${layerName(l)}: ${verdict}${l.note ? ` (${l.note})` : ''}`);
  for (const p of l.policies) {
    if (isIdlePolicyTrace(p)) continue;
    for (const s of p.statements) {
      if (s.applies) {
        const how = [`action "${s.action_pattern ?? '(NotAction)'}"`];
        if (s.resource_pattern) how.push(`resource "${s.resource_pattern}"`);
        if (s.conditions.length) how.push(`${s.conditions.length} condition${s.conditions.length > 1 ? 's' : ''} true`);
        out.push(`    ${s.effect === 'Deny' ? 'DENY ' : 'allow'} ${stmtName(p, s)}: ${how.join(', ')}`);
        for (const c of s.conditions) out.push(conditionLine(c, lines));
      } else if (s.may_apply) {
        out.push(`    ?     ${stmtName(p, s)} (${s.effect}) may apply, depending on ${mayApplyBecause(s)}`);
        for (const c of s.conditions) if (c.result === 'unknown') out.push(conditionLine(c, lines));
      } else if (s.action_matched && !s.not_evaluated) {
        out.push(`    -     ${stmtName(p, s)} (${s.effect}) does not apply: ${whyNot(s)}`);
        for (const c of s.conditions) if (c.result === false) out.push(conditionLine(c, lines));
      }
    }
  }
}

export function renderExplain(resp: EvaluateResponse, traces: readonly ResultTrace[]): string {
  const out: string[] = [];
  const lines: LineCache = new Map();
  out.push(`${resp.decision.toUpperCase()} (${resp.reason}): ${resp.message}`);
  if (resp.api) out.push(`API ${resp.api.method} ${resp.api.template} needs ${resp.api.required_actions.join(', ')}`);
  for (const t of traces) {
    out.push('');
    out.push(`${t.decision === 'allow' ? 'allow' : 'DENY '} ${t.action} on ${t.resource} (${t.reason})`);
    for (const l of t.layers) renderLayer(l, out, lines);
  }
  // Context required, missing keys and warnings (the request's, then its policies') form one block after the results.
  const required = resp.context_required_keys ?? [];
  const ignored = resp.results.filter((r) => r.ignored_context_keys !== undefined);
  if (required.length > 0 || resp.missing_context_keys.length > 0 || ignored.length > 0 || resp.warnings.length > 0) out.push('');
  if (required.length > 0) out.push(`Context required (the answer depends on these unknown keys): ${required.join(', ')}`);
  if (resp.missing_context_keys.length > 0) out.push(`Missing context keys (more context may change the answer): ${resp.missing_context_keys.join(', ')}`);
  for (const r of ignored) out.push(`Ignored context keys for ${r.action} (the action does not carry them): ${r.ignored_context_keys!.join(', ')}`);
  for (const w of resp.warnings) out.push(`Warning: ${w}`);
  out.push('', `catalog ${resp.catalog_version}, decision ${resp.decision_id}`);
  return out.join('\n');
}
