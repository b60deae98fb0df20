/**
 * What the compare and summary views draw alike: a statement as a link into its editor tab, a witness request
 * with the button that loads it into the request builder, a condition in words, and the asynchronous answer
 * cache both views use (an answer is drawn only while its inputs are still the page's).
 */
import type { EvaluateRequest } from '../../lib/types.js';
import { analyse } from './analysis-client.js';
import type { AnalysisAnswer, AnalysisJob, StatementView } from './analysis-protocol.js';
import { h } from './dom.js';
import type { ViewContext } from './views.js';

/** A statement of the current policies as a link that selects it in its tab; of the baseline, as text. */
export function statementItem(s: StatementView, ctx: ViewContext, inEditors: boolean): HTMLElement {
  if (!inEditors || !s.span) return h('span', { class: 'stmt-ref' }, s.text);
  const span = { from: s.span.start.offset, to: s.span.end.offset };
  return h('button', { type: 'button', class: 'link stmt-ref', onclick: () => ctx.showStatement({ layer: s.layer, level: s.level, policy_id: s.policy_id, statement: s.statement }, span) }, s.text);
}

export function statementList(list: StatementView[], ctx: ViewContext, inEditors: boolean, none: string): Array<Node | string> {
  if (list.length === 0) return [none];
  return list.flatMap((s, i) => [i ? '; ' : '', statementItem(s, ctx, inEditors)]);
}

/** The condition of a region in words (`none` is the analysis's word for "no condition"). */
export function conditionWords(text: string): string {
  return text === 'none' ? 'no condition' : text;
}

/** The witness request and a button that loads it into the request builder (which then evaluates it). */
export function witnessBlock(witness: EvaluateRequest, ctx: ViewContext, what: string): HTMLElement {
  return h(
    'div',
    { class: 'witness' },
    h('code', { class: 'witness-json' }, JSON.stringify(witness)),
    h('button', { type: 'button', class: 'load-witness', 'aria-label': `Load this request: ${what}`, onclick: () => ctx.loadRequest(witness) }, 'Load this request'),
  );
}

/**
 * The answer of a view's job when it is known; otherwise null, and the job starts (or waits: newest wins) and
 * `redraw` runs when its answer arrives if the job is still the one asked for.
 */
export class AnswerCache<A extends AnalysisAnswer> {
  private key = '';
  private answer: A | Error | null = null;
  private asked = '';

  constructor(
    private readonly kind: A['kind'],
    private readonly redraw: (answer: A | Error) => void,
  ) {}

  /** The answer for this job (null while it is computed), and the last answer, for a view to keep while it waits. */
  get(job: AnalysisJob): { now: A | Error | null; previous: A | Error | null } {
    const key = JSON.stringify(job);
    if (key === this.key) return { now: this.answer, previous: this.answer };
    if (key !== this.asked) {
      this.asked = key;
      analyse(job).then(
        (a) => a && a.kind === this.kind && this.settle(key, a as A),
        (err: unknown) => this.settle(key, err instanceof Error ? err : new Error(String(err))),
      );
    }
    return { now: null, previous: this.answer };
  }

  private settle(key: string, answer: A | Error): void {
    if (key !== this.asked) return;
    this.key = key;
    this.answer = answer;
    this.redraw(answer);
  }
}

/** The first time a view draws an answer: a performance mark and a data attribute (bench/playground.ts reads them). */
export function markFirst(name: 'compare' | 'summary'): void {
  const attr = `${name}Drawn`;
  if (document.documentElement.dataset[attr]) return;
  performance.mark(`playground:${name}-drawn`);
  document.documentElement.dataset[attr] = String(Math.round(performance.now()));
}
