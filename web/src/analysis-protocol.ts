/**
 * What the page and the analysis worker (analysis-worker.ts) say to each other. Types only: the page imports
 * nothing of lib/analysis at run time, so the analysis code stays out of its first load (scripts/build-web.ts
 * splits it into the worker's files). The worker adds the texts the page shows (resources, principals,
 * statements), so the page needs none of the analysis's renderers either.
 */
import type { AnalysisFinding, AnalysisPolicySet, AnalysisResult, StatementRef, SummaryAction, SummaryResult } from '../../lib/analysis/types.js';
import type { ErrorResponse } from '../../lib/types.js';

export type AnalysisJob =
  /** The baseline ("existing") against the current policies: no-new-access, and the diff for lost access. */
  | { kind: 'compare'; baseline: AnalysisPolicySet; current: AnalysisPolicySet }
  /** Every catalog action always / conditional / never under the current policies. */
  | { kind: 'summary'; set: AnalysisPolicySet };

/** A statement with its words: `statement 0 "Sid" of policy-id (line 4)`. */
export type StatementView = StatementRef & { text: string };

/** A finding with the texts the page shows. */
export interface FindingView extends Omit<AnalysisFinding, 'granted_by' | 'refused_by'> {
  resources_text: string;
  principals_text: string;
  granted_by: StatementView[];
  refused_by?: { denied_by: StatementView[]; denied_by_truncated?: true; no_allow_in: Array<{ layer: 'identity' | 'scp'; level: string | null; text: string }> };
}

export type ResultView = Omit<AnalysisResult, 'findings'> & { findings: FindingView[] };

export type SummaryActionView = Omit<SummaryAction, 'when'> & {
  when?: Array<Omit<NonNullable<SummaryAction['when']>[number], 'granted_by'> & { resources_text: string; principals_text: string; granted_by: StatementView[] }>;
};
export type SummaryView = Omit<SummaryResult, 'groups'> & { groups: Array<{ access_level: SummaryResult['groups'][number]['access_level']; actions: SummaryActionView[] }>; principals_text: string };

export type AnalysisAnswer =
  | {
      kind: 'compare';
      /** checkNoNewAccess(baseline, current): the verdict and the new access. */
      no_new_access: ResultView | ErrorResponse;
      /** diff(baseline, current): its `lost_access` findings are the access the edit takes away. */
      diff: ResultView | ErrorResponse;
      /** Milliseconds of analysis in the worker. */
      ms: number;
    }
  | { kind: 'summary'; summary: SummaryView | ErrorResponse; ms: number };

export interface JobMessage {
  id: number;
  job: AnalysisJob;
}

export type AnswerMessage = { id: number; answer: AnalysisAnswer } | { id: number; failure: string };
