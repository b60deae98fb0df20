/**
 * The summary view: every catalog action under the current policies, `always` (every request allowed),
 * `conditional` (the allowed resources and conditions in words, each alternative with a request that is
 * allowed) or `never`, grouped by access level. The access is written out and marked (✓, ~, ✕), not shown by
 * colour alone. For users and agencies outside the management account (summarize's default).
 */
import { isErrorResponse } from '../../lib/types.js';
import type { AnalysisAnswer, SummaryActionView } from './analysis-protocol.js';
import { AnswerCache, markFirst, statementList, witnessBlock } from './analysis-ui.js';
import { ACCESS_LEVELS, findAction } from './catalog-info.js';
import { h } from './dom.js';
import { policySet } from './state.js';
import type { ResultView, ViewContext } from './views.js';

type SummaryAnswer = Extract<AnalysisAnswer, { kind: 'summary' }>;

let shown: { ctx: ViewContext } | null = null;
const cache = new AnswerCache<SummaryAnswer>('summary', () => {
  if (shown && shown.ctx.activeView() === 'summary') shown.ctx.redraw();
});

const ACCESS_TEXT: Record<SummaryActionView['access'], { mark: string; text: string }> = {
  always: { mark: '✓', text: 'always' },
  conditional: { mark: '~', text: 'conditional' },
  never: { mark: '✕', text: 'never' },
  unknown: { mark: '?', text: 'unknown' },
};

const LEVEL_LABEL: Record<string, string> = Object.fromEntries(ACCESS_LEVELS.map((l) => [l.level ?? 'other', l.label]));

function accessCell(a: SummaryActionView): HTMLElement {
  const t = ACCESS_TEXT[a.access];
  return h('span', { class: `access access-${a.access}` }, h('span', { 'aria-hidden': 'true', class: 'access-mark' }, t.mark), ` ${t.text}`);
}

function whenCell(a: SummaryActionView, ctx: ViewContext): Array<HTMLElement | string> {
  if (a.access === 'always') return ['every request'];
  if (a.access === 'never') return ['no request'];
  if (a.access === 'unknown') return ['not decided exactly within the analysis limits (see below)'];
  return [
    h(
      'ul',
      { class: 'when-list' },
      (a.when ?? []).map((w) =>
        h(
          'li',
          {},
          'on ',
          h('code', {}, w.resources_text),
          w.condition.text === 'none' ? ', with no condition' : ` when ${w.condition.text}`,
          h('br', {}),
          h('small', { class: 'hint' }, 'granted by ', ...statementList(w.granted_by, ctx, true, 'no identity Allow needed')),
          witnessBlock(w.witness, ctx, `an allowed request for ${a.action}`),
        ),
      ),
    ),
  ];
}

function draw(a: SummaryAnswer | Error, ctx: ViewContext): HTMLElement[] {
  if (a instanceof Error) return [h('p', { class: 'analysis-error' }, a.message)];
  const s = a.summary;
  if (isErrorResponse(s)) {
    return [
      h(
        'div',
        { class: 'analysis-head analysis-error', 'data-result': 'error' },
        h('p', { class: 'verdict' }, h('span', { class: 'badge badge-error' }, 'Not analysed'), ' ', h('code', {}, s.error.code)),
        h('p', {}, s.error.message),
      ),
    ];
  }
  const counts = { always: 0, conditional: 0, never: 0, unknown: 0 };
  for (const g of s.groups) for (const x of g.actions) counts[x.access]++;
  const out: HTMLElement[] = [
    h(
      'div',
      { class: 'analysis-head' },
      h(
        'p',
        { class: 'summary-counts' },
        ...(['always', 'conditional', 'never', 'unknown'] as const)
          .filter((k) => k !== 'unknown' || counts.unknown > 0)
          .flatMap((k, i) => [
            i ? ', ' : '',
            h('span', { class: `access access-${k}` }, h('span', { 'aria-hidden': 'true', class: 'access-mark' }, ACCESS_TEXT[k].mark), ` ${counts[k]} ${ACCESS_TEXT[k].text}`),
          ]),
      ),
      h('p', { class: 'source' }, `Every action of the catalog, for ${s.principals_text}, under the current policies (${a.ms.toFixed(0)} ms in this page).`),
    ),
  ];
  for (const g of s.groups) {
    const id = `summary-${g.access_level}`;
    out.push(
      h(
        'table',
        { class: 'summary-table', id, 'data-level': g.access_level },
        h('caption', {}, LEVEL_LABEL[g.access_level] ?? g.access_level),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Action'), h('th', { scope: 'col' }, 'Access'), h('th', { scope: 'col' }, 'Allowed'))),
        h(
          'tbody',
          {},
          g.actions.map((x) =>
            h(
              'tr',
              { 'data-action': x.action, 'data-access': x.access },
              h('th', { scope: 'row' }, h('code', { title: findAction(x.action)?.description ?? '' }, x.action)),
              h('td', {}, accessCell(x)),
              h('td', {}, ...whenCell(x, ctx)),
            ),
          ),
        ),
      ),
    );
  }
  if (s.unknown_reasons.length)
    out.push(
      h(
        'ul',
        { class: 'unknown-reasons', 'aria-label': 'Not decided' },
        s.unknown_reasons.map((u) => h('li', {}, h('code', {}, u.code), u.action ? ` ${u.action}: ` : ' ', u.message)),
      ),
    );
  return out;
}

export const summaryView: ResultView = {
  id: 'summary',
  label: 'Summary',
  render(panel, ctx) {
    shown = { ctx };
    const { now, previous } = cache.get({ kind: 'summary', set: policySet(ctx.state()) });
    if (now) {
      panel.replaceChildren(...draw(now, ctx));
      if (!(now instanceof Error)) markFirst('summary');
      return;
    }
    panel.replaceChildren(h('p', { class: 'analysing', role: 'status' }, 'Analysing every action…'), ...(previous ? [h('div', { class: 'stale', inert: true }, ...draw(previous, ctx))] : []));
  },
};
