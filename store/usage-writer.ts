/**
 * The write-behind of the usage record (docs/unused-access.md, "Guarantees"): the `UsageRecorder` of the
 * decision path (lib/decision/usage.ts) over `recordUsage` (store/usage.ts).
 *
 *  - At most one write per principal, action and hour per process: a bounded memo (default 10,000 entries,
 *    least recently written go first) remembers the hour last written; a decision in the same hour writes
 *    nothing. The table's condition (the stored hour older) does the same across processes.
 *  - Never on the answer's path: `onAllowed` starts the write and returns; nothing awaits it but `settle`
 *    (the batch worker, before its Lambda freezes; the HTTP functions never wait).
 *  - Never a failed request: a failed write is counted and logged, its memo entry dropped (a later decision
 *    tries again). At most `maxPending` writes are in flight (default 64); beyond, a use is dropped and counted.
 *
 * `write` is asked for lazily (the first allowed by-reference decision loads it), so inline evaluations do
 * not load the table client at cold start.
 */
import type { UsagePrincipal, UsageRecorder } from '../lib/decision/usage.js';

export type UsageWrite = (accountId: string, principal: { type: UsagePrincipal['type']; id: string }, action: string, at: number) => Promise<boolean>;

export interface UsageWriterOptions {
  /** The write (default: store/usage.ts `recordUsage`, loaded on first use). */
  write?: () => Promise<UsageWrite>;
  /** Default 10,000 principal-action entries. */
  maxEntries?: number;
  /** Default 64 writes in flight. */
  maxPending?: number;
  /** Told of each failed write (the functions log it). */
  onError?: (err: unknown) => void;
}

export interface UsageStats {
  /** Writes started, and of them: written, held back by the table's condition, failed. */
  started: number;
  written: number;
  current: number;
  failed: number;
  /** Uses skipped: the memo had the hour, or too many writes were in flight. */
  memo_hits: number;
  dropped: number;
}

export interface UsageWriter extends UsageRecorder {
  /** Waits for the writes in flight, at most `timeoutMs`; resolves whether they all settled. Never rejects. */
  settle(timeoutMs: number): Promise<boolean>;
  readonly stats: UsageStats;
  /** Writes in flight. */
  pending(): number;
  /** Forgets the memo and the counters (tests). */
  clear(): void;
}

const HOUR_MS = 3_600_000;

export function createUsageWriter(options: UsageWriterOptions = {}): UsageWriter {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxPending = options.maxPending ?? 64;
  const load = options.write ?? (() => import('./usage.js').then((m) => m.recordUsage));
  let write: Promise<UsageWrite> | undefined;
  const memo = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const stats: UsageStats = { started: 0, written: 0, current: 0, failed: 0, memo_hits: 0, dropped: 0 };

  function failed(key: string, hour: number, err: unknown): void {
    stats.failed++;
    if (memo.get(key) === hour) memo.delete(key);
    try {
      options.onError?.(err);
    } catch {
      /* a logger that throws changes nothing */
    }
  }

  return {
    stats,
    onAllowed(principal, action, at) {
      const hour = Math.floor(at / HOUR_MS);
      const key = `${principal.account_id}|${principal.type}|${principal.id}|${action}`;
      const last = memo.get(key);
      if (last !== undefined && last >= hour) {
        stats.memo_hits++;
        return;
      }
      if (inFlight.size >= maxPending) {
        stats.dropped++;
        return;
      }
      memo.delete(key); // most recently written last
      memo.set(key, hour);
      while (memo.size > maxEntries) memo.delete(memo.keys().next().value as string);
      stats.started++;
      let p: Promise<void>;
      try {
        p = (write ??= load())
          .then((w) => w(principal.account_id, { type: principal.type, id: principal.id }, action, at))
          .then(
            (written) => void (written ? stats.written++ : stats.current++),
            (err: unknown) => failed(key, hour, err),
          );
      } catch (err) {
        failed(key, hour, err);
        return;
      }
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    },
    async settle(timeoutMs) {
      if (inFlight.size === 0) return true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)));
      const all = Promise.allSettled([...inFlight]).then(() => true);
      try {
        return await Promise.race([all, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    pending: () => inFlight.size,
    clear() {
      memo.clear();
      Object.assign(stats, { started: 0, written: 0, current: 0, failed: 0, memo_hits: 0, dropped: 0 });
    },
  };
}
