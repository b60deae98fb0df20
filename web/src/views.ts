/**
 * The result views under the decision: each a tab of the result panel. The page registers Trace, Text and JSON
 * (results.ts), Compare (compare.ts: no-new-access against a baseline, and lost access, with witnesses) and
 * Summary (summary.ts: every action always / conditional / never, by access level); the last two ask the
 * analysis worker (analysis-client.ts). Everything a view needs from the page goes through ViewContext, so no
 * view reaches into another's DOM or the editors.
 */
import type { EvaluateRequest, ExplainResult } from '../../lib/types.js';
import type { PlaygroundState, PolicyTab } from './state.js';

/** The last evaluation the page shows. */
export interface Outcome {
  /** `local`: the engine in this page on the tabs' policies; `service`: the service, by reference to stored policies. */
  source: 'local' | 'service';
  request: EvaluateRequest;
  response: ExplainResult;
  /** Milliseconds the evaluation took (engine call, or the HTTP round trip). */
  ms: number;
}

/** A statement of a policy, as decisions and traces name it. */
export interface StatementRef {
  layer: 'identity' | 'scp';
  level: string | null;
  policy_id: string;
  statement: number;
}

export interface ViewContext {
  state(): PlaygroundState;
  outcome(): Outcome | null;
  /** Loads a request into the request builder (policies untouched) and evaluates it: e.g. a compare witness. */
  loadRequest(request: EvaluateRequest): void;
  /** Replaces the policy tabs (e.g. restoring a compare baseline). */
  setTabs(tabs: PolicyTab[]): void;
  /** Sets the compare baseline (a copy of the tabs given), or removes it (null); the share link follows. */
  setBaseline(tabs: PolicyTab[] | null): void;
  /**
   * Switches to the statement's tab and selects it, when a tab holds that policy: the span given (an analysis
   * finding's statement carries its own), else the span the last evaluation's trace gives.
   */
  showStatement(ref: StatementRef, span?: { from: number; to: number }): void;
  /** The id of the result view in front (an answer that arrives late draws only if its view is still shown). */
  activeView(): string;
  /** Draws the view in front again (an analysis answer arrived), keeping the focus's place in the panel. */
  redraw(): void;
}

export interface ResultView {
  id: string;
  label: string;
  /** Draws the view into its panel: when shown, and after every evaluation while shown. */
  render(panel: HTMLElement, ctx: ViewContext): void;
}
