/**
 * The analysis worker: a module worker the page starts when the compare or summary view is first shown
 * (analysis-client.ts). Its own entry of the build (scripts/build-web.ts), so lib/analysis is not in the
 * page's first load, and the page stays responsive while an analysis runs (its work is bounded: docs/analysis.md).
 */
import type { AnswerMessage, JobMessage } from './analysis-protocol.js';
import { answer } from './analysis-run.js';

/** The worker's global scope, as far as this file uses it (the page's typecheck has the DOM's types, not the worker's). */
const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<JobMessage>) => void) | null; postMessage(message: AnswerMessage): void };

scope.onmessage = (e) => {
  const { id, job } = e.data;
  try {
    scope.postMessage({ id, answer: answer(job) });
  } catch (err) {
    scope.postMessage({ id, failure: err instanceof Error ? err.message : String(err) });
  }
};
