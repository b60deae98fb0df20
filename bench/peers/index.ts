/**
 * The two peers of issue 7, measured on policy sets equivalent to one of our benchmark workloads:
 * Cedar (@cedar-policy/cedar-wasm) and @cloud-copilot/iam-simulate (AGPL: a devDependency for this
 * benchmark only, never bundled or shipped). Each figure is warm, single thread, per decision; each peer
 * also reports how often its outcome (allow / explicit deny / implicit deny) equals ours on the same
 * requests (`agreement`, 1 = exact).
 *
 *   const peers = await measurePeers(WORKLOADS.realistic());
 *   if (!isPeerError(peers.cedar)) ratio = ours_p50 / peers.cedar.p50_us;
 *
 * By default each peer runs in a child process of its own (bench/peers/child.ts): the peers' memory
 * (Cedar's Wasm heap, iam-simulate's AWS catalog) stays out of the caller's peak RSS, and a crash of the
 * process cannot take the caller down. Node 20's V8 sometimes dies with "Fatal error ... unreachable code"
 * in the deoptimizer during long Cedar runs (nodejs/node#51555); such a child is retried once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEvaluator } from '../../lib/index.js';
import type { EvaluateRequest } from '../../lib/types.js';
import type { Workload } from '../workloads.js';
import { measureCedar, type CedarActionEncoding } from './cedar.js';
import type { Outcome, PeerResult } from './common.js';
import { measureIamSimulate } from './iam-simulate.js';

export { isPeerError, type PeerError, type PeerResult, type PeerTiming } from './common.js';

export type PeerName = 'cedar' | 'iam_simulate';

/** A type alias (not an interface) so that it is assignable to `Record<string, PeerResult>`. */
export type PeerResults = {
  cedar: PeerResult;
  iam_simulate: PeerResult;
};

export interface PeerOptions {
  /**
   * Requests timed for Cedar (the workload's first N). Default: all, except on workloads of 500 identity
   * statements or more, where it is 2,000 (about 5-10 ms a decision at 100 x 10: 10,000 would take 1.5 min).
   */
  cedarRequests?: number;
  /** How Cedar policies name their actions (default `groups`, see CedarActionEncoding). */
  cedarActions?: CedarActionEncoding;
  /**
   * Requests timed for iam-simulate (the workload's first N). Default: all, except on workloads of 500
   * identity statements or more, where it is 300 (about 35-40 ms a decision at 100 x 10: 10,000 would take
   * 6 minutes).
   */
  iamSimulateRequests?: number;
  /** Skip a peer (e.g. to time only one). */
  skip?: PeerName[];
  /** Run each peer in a child process (default true); false measures in this process. */
  isolate?: boolean;
}

/** Workloads at or above this many identity statements time the peers on a subset of their requests. */
export const LARGE_STATEMENTS = 500;
export const CEDAR_LARGE_SUBSET = 2000;
export const IAM_SIMULATE_LARGE_SUBSET = 300;

function statementCount(w: Workload): number {
  let n = 0;
  for (const p of w.policies) {
    const doc = typeof p.document === 'string' ? (JSON.parse(p.document) as Record<string, unknown>) : p.document;
    const st = doc.Statement;
    n += Array.isArray(st) ? st.length : 1;
  }
  return n;
}

/** Our own outcome on the workload's first `n` requests (reference for the peers' agreement). */
function ourOutcomes(w: Workload, n: number): Outcome[] {
  const pdp = createEvaluator({ policies: w.policies, scps: w.scps });
  if (pdp.error) throw new Error(`${w.name}: ${JSON.stringify(pdp.error)}`);
  return w.requests.slice(0, n).map((r: EvaluateRequest) => {
    const res = pdp.evaluate(r);
    if ('error' in res) throw new Error(`${w.name}: ${JSON.stringify(res.error)}`);
    return res.reason === 'allowed' ? 'allow' : res.reason;
  });
}

const failure = (e: unknown): PeerResult => ({ error: e instanceof Error ? e.message : String(e) });

/** What a child process is asked to measure (bench/peers/child.ts reads it as JSON on stdin). */
export interface PeerJob {
  peer: PeerName;
  workload: Workload;
  requests: number;
  cedarActions: CedarActionEncoding;
}

/** Measures one peer in this process; a failure is returned as `{ error }`. */
export async function measurePeerInProcess(job: PeerJob): Promise<PeerResult> {
  try {
    const expected = ourOutcomes(job.workload, job.requests);
    return job.peer === 'cedar' ? await measureCedar(job.workload, expected, job.requests, job.cedarActions) : await measureIamSimulate(job.workload, expected, job.requests);
  } catch (e) {
    return failure(e);
  }
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
/** tsx, resolved from here (not from the working directory) so the child can load TypeScript. */
const TSX = import.meta.resolve('tsx');

function runChild(job: PeerJob): Promise<{ result: PeerResult; crashed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', (e) => resolve({ result: failure(e), crashed: false }));
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) {
        try {
          resolve({ result: JSON.parse(last) as PeerResult, crashed: false });
          return;
        } catch {
          // fall through: report the output
        }
      }
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      const detail = stderr
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('npm warn'))
        .slice(0, 3)
        .join(' / ');
      resolve({ result: { error: `peer process ended with ${why}${detail ? `: ${detail}` : ''}` }, crashed: true });
    });
    child.stdin.end(JSON.stringify(job));
  });
}

async function measurePeer(job: PeerJob, isolate: boolean): Promise<PeerResult> {
  if (!isolate) return measurePeerInProcess(job);
  const first = await runChild(job);
  if (!first.crashed) return first.result;
  const second = await runChild(job);
  if (second.crashed || 'error' in second.result) return second.result;
  return { ...second.result, note: [second.result.note, `retried after: ${(first.result as { error: string }).error.slice(0, 200)}`].filter(Boolean).join('; ') };
}

/**
 * Measures both peers on `workload`, one after the other (never in parallel: each figure is single-thread).
 * A peer that fails (not installed, refuses the translation, errors or crashes mid-run) is reported as
 * `{ error }`, never thrown.
 */
export async function measurePeers(workload: Workload, options: PeerOptions = {}): Promise<PeerResults> {
  const total = workload.requests.length;
  const large = statementCount(workload) >= LARGE_STATEMENTS;
  const counts: Record<PeerName, number> = {
    cedar: Math.min(total, options.cedarRequests ?? (large ? CEDAR_LARGE_SUBSET : total)),
    iam_simulate: Math.min(total, options.iamSimulateRequests ?? (large ? IAM_SIMULATE_LARGE_SUBSET : total)),
  };
  const skip = new Set(options.skip ?? []);
  const out: PeerResults = { cedar: { error: 'skipped' }, iam_simulate: { error: 'skipped' } };
  for (const peer of ['cedar', 'iam_simulate'] as const) {
    if (skip.has(peer)) continue;
    out[peer] = await measurePeer({ peer, workload, requests: counts[peer], cedarActions: options.cedarActions ?? 'groups' }, options.isolate ?? true);
  }
  return out;
}
