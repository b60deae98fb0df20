/**
 * The page's side of the analysis worker: started on first use from the URL index.html names
 * (`<meta name="ims-analysis-worker">`, filled in by the build with the worker's hashed file). Jobs of one kind
 * run one at a time, newest wins: while one runs, a newer job waits and replaces any job waiting before it
 * (that one's promise resolves to null), so typing never queues up analyses.
 */
import type { AnalysisAnswer, AnalysisJob, AnswerMessage, JobMessage } from './analysis-protocol.js';

let worker: Worker | null = null;
let nextJob = 0;
const inFlight = new Map<number, { resolve: (a: AnalysisAnswer | null) => void; reject: (e: Error) => void; kind: AnalysisJob['kind'] }>();
const waiting = new Map<AnalysisJob['kind'], { job: AnalysisJob; resolve: (a: AnalysisAnswer | null) => void; reject: (e: Error) => void }>();

function workerUrl(): string {
  const named = document.querySelector<HTMLMetaElement>('meta[name="ims-analysis-worker"]')?.content ?? '';
  if (!named || named.includes('%')) throw new Error('This page was built without its analysis worker (npm run build writes it).');
  return new URL(named, document.baseURI).href;
}

function start(): Worker {
  if (worker) return worker;
  const w = new Worker(workerUrl(), { type: 'module', name: 'ims-analysis' });
  w.onmessage = (e: MessageEvent<AnswerMessage>) => {
    const m = e.data;
    const pending = inFlight.get(m.id);
    if (!pending) return;
    inFlight.delete(m.id);
    if ('failure' in m) pending.reject(new Error(m.failure));
    else pending.resolve(m.answer);
    next(pending.kind);
  };
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    const failure = new Error(`The analysis worker failed${e.message ? `: ${e.message}` : ' to load'}.`);
    for (const p of inFlight.values()) p.reject(failure);
    for (const p of waiting.values()) p.reject(failure);
    inFlight.clear();
    waiting.clear();
    w.terminate();
    worker = null;
  };
  worker = w;
  return w;
}

function busy(kind: AnalysisJob['kind']): boolean {
  for (const p of inFlight.values()) if (p.kind === kind) return true;
  return false;
}

function send(job: AnalysisJob, resolve: (a: AnalysisAnswer | null) => void, reject: (e: Error) => void): void {
  const id = ++nextJob;
  inFlight.set(id, { resolve, reject, kind: job.kind });
  const message: JobMessage = { id, job };
  start().postMessage(message);
}

function next(kind: AnalysisJob['kind']): void {
  const w = waiting.get(kind);
  if (!w || busy(kind)) return;
  waiting.delete(kind);
  send(w.job, w.resolve, w.reject);
}

/** Runs a job in the worker: its answer, or null when a newer job of its kind replaced it before it started. */
export function analyse(job: AnalysisJob): Promise<AnalysisAnswer | null> {
  return new Promise((resolve, reject) => {
    try {
      start();
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (!busy(job.kind)) return send(job, resolve, reject);
    waiting.get(job.kind)?.resolve(null);
    waiting.set(job.kind, { job, resolve, reject });
  });
}
