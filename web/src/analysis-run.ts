/**
 * The analysis jobs of the compare and summary views, answered with lib/analysis and put in words for the
 * page (analysis-protocol.ts). Runs in the analysis worker (analysis-worker.ts); a plain function, so tests
 * call it directly.
 */
import { checkNoNewAccess, diff, summarize } from '../../lib/analysis/index.js';
import { principalsText, resourcesText } from '../../lib/analysis/describe.js';
import { statementText } from '../../lib/analysis/render.js';
import type { AnalysisFinding, AnalysisResult, StatementRef, SummaryResult } from '../../lib/analysis/types.js';
import type { ErrorResponse } from '../../lib/types.js';
import type { AnalysisAnswer, AnalysisJob, FindingView, ResultView, StatementView, SummaryView } from './analysis-protocol.js';

const isError = (r: object): r is ErrorResponse => 'error' in r;

const statement = (s: StatementRef): StatementView => ({ ...s, text: statementText(s) });

function findingView(f: AnalysisFinding): FindingView {
  const { refused_by, granted_by, ...rest } = f;
  const out: FindingView = { ...rest, resources_text: resourcesText(f.resources), principals_text: principalsText(f.principals), granted_by: granted_by.map(statement) };
  if (refused_by) {
    out.refused_by = {
      denied_by: refused_by.denied_by.map(statement),
      no_allow_in: refused_by.no_allow_in.map((l) => ({ ...l, text: l.layer === 'scp' ? `no Allow at SCP level ${l.level}` : 'no identity Allow' })),
    };
    if (refused_by.denied_by_truncated) out.refused_by.denied_by_truncated = true;
  }
  return out;
}

function resultView(r: AnalysisResult | ErrorResponse): ResultView | ErrorResponse {
  return isError(r) ? r : { ...r, findings: r.findings.map(findingView) };
}

function summaryView(s: SummaryResult | ErrorResponse): SummaryView | ErrorResponse {
  if (isError(s)) return s;
  return {
    ...s,
    principals_text: principalsText(s.principals),
    groups: s.groups.map((g) => ({
      access_level: g.access_level,
      actions: g.actions.map((a) => {
        const { when, ...rest } = a;
        return when
          ? { ...rest, when: when.map((w) => ({ ...w, resources_text: resourcesText(w.resources), principals_text: principalsText(w.principals), granted_by: w.granted_by.map(statement) })) }
          : rest;
      }),
    })),
  };
}

export function answer(job: AnalysisJob): AnalysisAnswer {
  const t0 = performance.now();
  if (job.kind === 'summary') {
    const summary = summaryView(summarize(job.set));
    return { kind: 'summary', summary, ms: performance.now() - t0 };
  }
  const noNew = resultView(checkNoNewAccess(job.baseline, job.current));
  const both = resultView(diff(job.baseline, job.current));
  return { kind: 'compare', no_new_access: noNew, diff: both, ms: performance.now() - t0 };
}
