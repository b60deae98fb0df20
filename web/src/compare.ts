/**
 * The compare view: take the current policies as the baseline ("existing"), edit them, and see whether the
 * edit grants new access (checkNoNewAccess: PASS, FAIL or UNKNOWN), each new region with its action,
 * resources, condition, the statements that grant it and those that refused it before, and its witness
 * request (a click loads it into the request builder, which then evaluates to Allow); and the access the edit
 * takes away (diff's lost access), so a reviewer sees both directions. The baseline is in the share link.
 */
import { isErrorResponse, type ErrorResponse } from '../../lib/types.js';
import type { AnalysisAnswer, FindingView, ResultView as AnalysisResultView } from './analysis-protocol.js';
import { AnswerCache, conditionWords, markFirst, statementList, witnessBlock } from './analysis-ui.js';
import { h } from './dom.js';
import { policySet, type PlaygroundState, type PolicyTab } from './state.js';
import type { ResultView, ViewContext } from './views.js';

type CompareAnswer = Extract<AnalysisAnswer, { kind: 'compare' }>;

let shown: { ctx: ViewContext } | null = null;
const cache = new AnswerCache<CompareAnswer>('compare', () => {
  if (shown && shown.ctx.activeView() === 'compare') shown.ctx.redraw();
});

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const tabNames = (tabs: PolicyTab[]): string => tabs.map((t) => (t.type === 'scp' ? `${t.id} (SCP ${t.level || 'root'})` : t.id)).join(', ') || 'no policies';

/** Whether the baseline and the current tabs are the same policies (ids, kinds, levels and text). */
function sameTabs(a: PolicyTab[], b: PolicyTab[]): boolean {
  const key = (t: PolicyTab): string => JSON.stringify([t.id, t.type, t.type === 'scp' ? t.level || 'root' : '', t.text]);
  return a.length === b.length && a.every((t, i) => key(t) === key(b[i] as PolicyTab));
}

function region(f: FindingView, ctx: ViewContext): HTMLElement {
  const gained = f.kind === 'new_access';
  // New access: granted by the current policies (in the editors), refused by the baseline; lost access: the reverse.
  const [allowing, refusing] = gained ? ['current policies', 'baseline'] : ['baseline', 'current policies'];
  const refused = f.refused_by ? [...f.refused_by.denied_by.map((s) => ({ s })), ...f.refused_by.no_allow_in.map((l) => ({ text: l.text }))] : [];
  return h(
    'li',
    { class: `region region-${gained ? 'new' : 'lost'}`, 'data-action': f.action, 'data-kind': f.kind },
    h('p', { class: 'region-title' }, h('span', { class: `tag tag-${gained ? 'new' : 'lost'}` }, gained ? 'New' : 'Lost'), ' ', h('code', {}, f.action)),
    h(
      'dl',
      { class: 'region-facts' },
      h('dt', {}, 'Resources'),
      h('dd', {}, h('code', {}, f.resources_text)),
      h('dt', {}, 'When'),
      h('dd', {}, conditionWords(f.condition.text)),
      h('dt', {}, 'Principals'),
      h('dd', {}, f.principals_text),
      h('dt', {}, 'Granted by'),
      h('dd', { class: 'granted-by' }, `the ${allowing}: `, ...statementList(f.granted_by, ctx, gained, 'no identity Allow needed (the account itself)')),
      h('dt', {}, 'Refused by'),
      h(
        'dd',
        { class: 'refused-by' },
        `the ${refusing}: `,
        ...(refused.length === 0 ? ['-'] : refused.flatMap((r, i) => [i ? '; ' : '', 's' in r ? h('span', {}, 'Deny in ', ...statementList([r.s], ctx, !gained, '')) : r.text])),
      ),
      h('dt', {}, 'Witness'),
      h('dd', {}, witnessBlock(f.witness, ctx, `${gained ? 'newly allowed' : 'no longer allowed'} ${f.action}`)),
    ),
  );
}

function errorBlock(what: string, e: ErrorResponse): HTMLElement {
  return h(
    'div',
    { class: 'analysis-head analysis-error', 'data-result': 'error' },
    h('p', { class: 'verdict' }, h('span', { class: 'badge badge-error' }, 'Not analysed'), ' ', h('code', {}, e.error.code)),
    h('p', {}, `${what}: ${e.error.message}`),
  );
}

function unknownList(r: AnalysisResultView): HTMLElement | null {
  if (r.unknown_reasons.length === 0) return null;
  return h(
    'ul',
    { class: 'unknown-reasons', 'aria-label': 'Not decided' },
    r.unknown_reasons.map((u) => h('li', {}, h('code', {}, u.code), u.action ? ` ${u.action}: ` : ' ', u.message)),
  );
}

function drawAnswer(a: CompareAnswer | Error, ctx: ViewContext): HTMLElement[] {
  if (a instanceof Error) return [h('p', { class: 'analysis-error' }, a.message)];
  const noNew = a.no_new_access;
  if (isErrorResponse(noNew)) return [errorBlock('The policies could not be compared', noNew)];
  const n = noNew.findings.length + (noNew.findings_omitted ?? 0);
  const verdict = {
    PASS: { badge: 'allow', text: 'No new access: every request the current policies allow, the baseline allows too.' },
    FAIL: { badge: 'deny', text: `New access: ${plural(n, 'region')} of requests the current policies allow and the baseline denies, each with a witness.` },
    UNKNOWN: { badge: 'error', text: 'Not decided exactly within the analysis limits (reasons below). This is not a PASS.' },
  }[noNew.result];
  const out: HTMLElement[] = [
    h(
      'div',
      { class: `analysis-head result-${noNew.result.toLowerCase()}`, 'data-result': noNew.result },
      h('p', { class: 'verdict' }, h('span', { class: `badge badge-${verdict.badge}` }, noNew.result), ' ', h('span', { class: 'reason' }, 'no new access')),
      h('p', { class: 'message' }, verdict.text),
      unknownList(noNew),
      h('p', { class: 'source' }, `Analysed every request in this page (${a.ms.toFixed(0)} ms, both directions).`),
    ),
  ];
  out.push(h('h3', { id: 'compare-new-h' }, `New access (${n})`));
  out.push(
    noNew.findings.length
      ? h(
          'ul',
          { class: 'regions', 'aria-labelledby': 'compare-new-h' },
          noNew.findings.map((f) => region(f, ctx)),
        )
      : h('p', { class: 'note' }, 'None.'),
  );
  if (noNew.findings_omitted) out.push(h('p', { class: 'note' }, `${plural(noNew.findings_omitted, 'more region')} not listed (the limit on findings).`));
  const d = a.diff;
  if (isErrorResponse(d)) return [...out, errorBlock('Lost access could not be analysed', d)];
  const lost = d.findings.filter((f) => f.kind === 'lost_access');
  out.push(h('h3', { id: 'compare-lost-h' }, `Lost access (${lost.length})`));
  if (lost.length)
    out.push(
      h(
        'ul',
        { class: 'regions', 'aria-labelledby': 'compare-lost-h' },
        lost.map((f) => region(f, ctx)),
      ),
    );
  else out.push(h('p', { class: 'note' }, d.unknown_reasons.length ? 'None found; parts were not decided (above).' : 'None: the current policies allow everything the baseline allows.'));
  return out;
}

function compareJob(s: PlaygroundState, baseline: PolicyTab[]): { kind: 'compare'; baseline: ReturnType<typeof policySet>; current: ReturnType<typeof policySet> } {
  return { kind: 'compare', baseline: policySet({ ...s, tabs: baseline }), current: policySet(s) };
}

export const compareView: ResultView = {
  id: 'compare',
  label: 'Compare',
  render(panel, ctx) {
    shown = { ctx };
    const s = ctx.state();
    const baseline = s.baseline;
    const take = h(
      'button',
      { type: 'button', class: 'take-baseline', onclick: () => ctx.setBaseline(s.tabs) },
      baseline ? 'Take the current policies as the new baseline' : 'Take the current policies as the baseline',
    );
    const tools = h(
      'div',
      { class: 'compare-tools' },
      take,
      baseline ? h('button', { type: 'button', onclick: () => ctx.setTabs(baseline) }, 'Put the baseline back in the editors') : null,
      baseline ? h('button', { type: 'button', onclick: () => ctx.setBaseline(null) }, 'Remove the baseline') : null,
    );
    if (!baseline) {
      panel.replaceChildren(
        tools,
        h(
          'p',
          { class: 'hint' },
          'Take the current policies as the baseline (the "existing" policies), then edit them: this view shows every request the edit newly allows (no-new-access), and every request it no longer allows, each with a witness request you can load into the request builder. The baseline is part of the share link.',
        ),
      );
      return;
    }
    const head = h(
      'p',
      { class: 'baseline-line' },
      `Baseline: ${plural(baseline.length, 'policy', 'policies')} (${tabNames(baseline)}).`,
      sameTabs(baseline, s.tabs) ? ' The current policies are the same: edit them to compare.' : '',
    );
    const { now, previous } = cache.get(compareJob(s, baseline));
    if (now) {
      panel.replaceChildren(tools, head, ...drawAnswer(now, ctx));
      if (!(now instanceof Error)) markFirst('compare');
      return;
    }
    const waiting = h('p', { class: 'analysing', role: 'status' }, 'Analysing every request…');
    panel.replaceChildren(tools, head, waiting, ...(previous ? [h('div', { class: 'stale', inert: true }, ...drawAnswer(previous, ctx))] : []));
  },
};
