/**
 * The decision at a glance (decision, reason, message, warnings, missing keys, the API resolution) and the
 * result views: the trace as a tree (layer, policy, statement, condition with policy and request values), the
 * engine's text rendering, and the raw JSON. Fields the page does not know yet (the engine grows) are listed
 * generically, so a new field is visible before the page learns to show it well.
 */
import { isErrorResponse, type ConditionTrace, type ExplainResponse, type LayerTrace, type StatementTrace } from '../../lib/types.js';
import { h } from './dom.js';
import type { Outcome, ResultView, StatementRef, ViewContext } from './views.js';

const KNOWN_FIELDS = new Set(['decision', 'reason', 'denied_by', 'results', 'missing_context_keys', 'message', 'catalog_version', 'decision_id', 'api', 'warnings', 'trace', 'text']);

const label = (s: string): string => s.replace(/_/g, ' ');
const json = (v: unknown): string => JSON.stringify(v);

/** The statements that decided: the explicit Deny, or the identity Allows that applied (none for an implicit deny). */
export function decidingStatements(r: ExplainResponse): Array<StatementRef & { kind: 'allow' | 'deny' }> {
  if (r.denied_by && r.denied_by.policy_id !== null && r.denied_by.statement !== null) {
    const d = r.denied_by;
    return [{ layer: d.layer, level: d.level, policy_id: d.policy_id as string, statement: d.statement as number, kind: 'deny' }];
  }
  if (r.decision !== 'allow') return [];
  const first = r.results[0];
  return (first?.matched ?? [])
    .filter((m) => m.effect === 'Allow' && m.layer === 'identity')
    .map((m) => ({ layer: m.layer, level: m.level, policy_id: m.policy_id, statement: m.statement, kind: 'allow' as const }));
}

/** The trace entry of a statement (its span, when the document was text). */
export function traceStatement(r: ExplainResponse, ref: StatementRef): StatementTrace | undefined {
  for (const t of r.trace) {
    for (const l of t.layers) {
      if (l.layer !== ref.layer || l.level !== ref.level) continue;
      const s = l.policies.find((p) => p.policy_id === ref.policy_id)?.statements.find((st) => st.statement === ref.statement);
      if (s) return s;
    }
  }
  return undefined;
}

/** The header: decision and reason, message, and what else the response says. */
export function renderDecision(outcome: Outcome): HTMLElement {
  const r = outcome.response;
  const source = outcome.source === 'local' ? `this page's engine, ${outcome.ms.toFixed(1)} ms` : `the service (stored policies), ${outcome.ms.toFixed(0)} ms`;
  if (isErrorResponse(r)) {
    const details = r.error.details;
    return h(
      'div',
      { class: 'decision decision-error', 'data-decision': 'error' },
      h('p', { class: 'verdict' }, h('span', { class: 'badge badge-error' }, 'Not evaluated'), ' ', h('code', {}, r.error.code)),
      h('p', { class: 'message' }, r.error.message),
      details === undefined ? null : h('pre', { class: 'details' }, JSON.stringify(details, null, 2)),
      h('p', { class: 'source' }, `From ${source}.`),
    );
  }
  const extra = Object.keys(r).filter((k) => !KNOWN_FIELDS.has(k));
  const results =
    r.results.length > 1
      ? h(
          'table',
          { class: 'results' },
          h('caption', {}, 'Per action'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Action'),
              h('th', { scope: 'col' }, 'Resource'),
              h('th', { scope: 'col' }, 'Decision'),
              h('th', { scope: 'col' }, 'Reason'),
              h('th', { scope: 'col' }, 'Required by'),
            ),
          ),
          h(
            'tbody',
            {},
            r.results.map((x) =>
              h(
                'tr',
                {},
                h('td', {}, h('code', {}, x.action)),
                h('td', {}, h('code', {}, x.resource)),
                h('td', { class: `d-${x.decision}` }, x.decision.toUpperCase()),
                h('td', {}, label(x.reason)),
                h('td', {}, x.required_by ?? ''),
              ),
            ),
          ),
        )
      : null;
  return h(
    'div',
    { class: `decision decision-${r.decision}`, 'data-decision': r.decision, 'data-reason': r.reason },
    h('p', { class: 'verdict' }, h('span', { class: `badge badge-${r.decision}` }, r.decision.toUpperCase()), ' ', h('span', { class: 'reason' }, label(r.reason))),
    h('p', { class: 'message' }, r.message),
    r.api
      ? h(
          'p',
          { class: 'api' },
          'API ',
          h('code', {}, `${r.api.method} ${r.api.template}`),
          ' needs ',
          ...r.api.required_actions.flatMap((a, i) => [i ? ', ' : '', h('code', {}, a)]),
          r.api.assumed.length ? ` (assumed, no hint given: ${r.api.assumed.join(', ')})` : '',
        )
      : null,
    r.missing_context_keys.length
      ? h(
          'p',
          { class: 'missing' },
          'Keys a statement needs that the request lacks (more context may change the answer): ',
          ...r.missing_context_keys.flatMap((k, i) => [i ? ', ' : '', h('code', {}, k)]),
        )
      : null,
    r.warnings.length
      ? h(
          'ul',
          { class: 'warnings', 'aria-label': 'Warnings' },
          r.warnings.map((w) => h('li', {}, w)),
        )
      : null,
    results,
    extra.length
      ? h(
          'dl',
          { class: 'extra' },
          extra.flatMap((k) => [h('dt', {}, label(k)), h('dd', {}, h('code', {}, json((r as unknown as Record<string, unknown>)[k])))]),
        )
      : null,
    h('p', { class: 'source' }, `From ${source}; catalog ${r.catalog_version}.`),
  );
}

function conditionRow(c: ConditionTrace): HTMLElement {
  const result = String(c.result);
  return h(
    'tr',
    { class: `cond cond-${result}` },
    h('td', {}, h('code', {}, c.operator)),
    h('td', {}, h('code', {}, c.key)),
    h('td', {}, h('code', {}, json(c.policy_values))),
    h('td', {}, c.request_values === null ? h('em', {}, 'absent') : h('code', {}, json(c.request_values))),
    h('td', { class: `r-${result}` }, result),
  );
}

function statementItem(s: StatementTrace, ref: StatementRef, ctx: ViewContext, canShow: boolean): HTMLElement {
  const name = `Statement ${s.statement}${s.sid ? ` "${s.sid}"` : ''}`;
  const verdict = s.applies ? 'applies' : s.not_evaluated ? 'not evaluated' : 'does not apply';
  const facts: Array<HTMLElement | null> = [
    h('li', {}, `Action ${s.action_matched ? 'matches' : 'does not match'}`, s.action_pattern ? [' (', h('code', {}, s.action_pattern), ')'] : ''),
    s.not_evaluated ? null : h('li', {}, `Resource ${s.resource_matched ? 'matches' : 'does not match'}`, s.resource_pattern ? [' (', h('code', {}, s.resource_pattern), ')'] : ''),
    s.scope_matched === undefined ? null : h('li', {}, `Grant scope ${s.scope_matched ? 'covers' : 'does not cover'} the request`),
  ];
  const conditions =
    s.conditions.length && !s.not_evaluated
      ? h(
          'table',
          { class: 'conditions' },
          h('caption', {}, `Conditions: ${s.conditions_matched ? 'met' : 'not met'}`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Operator', 'Key', 'Policy values', 'Request values', 'Result'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h('tbody', {}, s.conditions.map(conditionRow)),
        )
      : null;
  return h(
    'li',
    { class: `stmt stmt-${s.applies ? 'applies' : 'no'} effect-${s.effect.toLowerCase()}`, 'data-statement': `${ref.policy_id}#${s.statement}` },
    h(
      'details',
      { open: s.applies },
      h('summary', {}, h('span', { class: `effect effect-${s.effect.toLowerCase()}` }, s.effect), ' ', name, ' — ', h('strong', {}, verdict)),
      h('ul', { class: 'facts' }, facts),
      conditions,
      canShow && s.span ? h('button', { type: 'button', class: 'link', onclick: () => ctx.showStatement(ref) }, `Show statement ${s.statement} of ${ref.policy_id} in the editor`) : null,
    ),
  );
}

function layerItem(l: LayerTrace, ctx: ViewContext): HTMLElement {
  const title = l.layer === 'identity' ? 'Identity policies' : `SCPs at level ${l.level}`;
  const local = ctx.outcome()?.source === 'local';
  return h(
    'li',
    { class: `layer outcome-${l.outcome}` },
    h(
      'details',
      { open: true },
      h('summary', {}, title, ' — ', h('strong', {}, label(l.outcome))),
      l.note ? h('p', { class: 'note' }, l.note) : null,
      l.policies.length === 0 ? h('p', { class: 'note' }, 'No policies.') : null,
      h(
        'ul',
        {},
        l.policies.map((p) =>
          h(
            'li',
            { class: 'policy' },
            h(
              'details',
              { open: p.statements.some((s) => s.applies) },
              h('summary', {}, 'Policy ', h('code', {}, p.policy_id), p.source ? ` (version ${p.source.version}${p.source.grant_id ? `, grant ${p.source.grant_id}` : ''})` : ''),
              h(
                'ul',
                {},
                p.statements.map((s) => statementItem(s, { layer: l.layer, level: l.level, policy_id: p.policy_id, statement: s.statement }, ctx, local)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

export const traceView: ResultView = {
  id: 'trace',
  label: 'Trace',
  render(panel, ctx) {
    const o = ctx.outcome();
    if (!o || isErrorResponse(o.response)) {
      panel.replaceChildren(h('p', { class: 'note' }, o ? 'No trace: the request was not evaluated.' : 'No evaluation yet.'));
      return;
    }
    const r = o.response;
    panel.replaceChildren(
      h(
        'ul',
        { class: 'trace', 'aria-label': 'Evaluation trace' },
        r.trace.map((t) =>
          h(
            'li',
            { class: `result d-${t.decision}` },
            h(
              'details',
              { open: true },
              h('summary', {}, h('code', {}, t.action), ' on ', h('code', {}, t.resource), ': ', h('strong', {}, `${t.decision.toUpperCase()} (${label(t.reason)})`)),
              h(
                'ul',
                {},
                t.layers.map((l) => layerItem(l, ctx)),
              ),
            ),
          ),
        ),
      ),
    );
  },
};

export const textView: ResultView = {
  id: 'text',
  label: 'Text',
  render(panel, ctx) {
    const r = ctx.outcome()?.response;
    panel.replaceChildren(r && !isErrorResponse(r) ? h('pre', { class: 'text', tabindex: 0, 'aria-label': 'Explanation as text' }, r.text) : h('p', { class: 'note' }, 'No explanation.'));
  },
};

export const jsonView: ResultView = {
  id: 'json',
  label: 'JSON',
  render(panel, ctx) {
    const o = ctx.outcome();
    panel.replaceChildren(
      o
        ? h(
            'div',
            {},
            h('h3', {}, 'Request'),
            h('pre', { class: 'json', tabindex: 0, 'aria-label': 'Request as JSON' }, JSON.stringify(o.request, null, 2)),
            h('h3', {}, 'Response'),
            h('pre', { class: 'json', tabindex: 0, 'aria-label': 'Response as JSON' }, JSON.stringify(o.response, null, 2)),
          )
        : h('p', { class: 'note' }, 'No evaluation yet.'),
    );
  },
};
