/**
 * The revalidation sweep (`schedule: rate(1 day)`; serverless-offline runs the schedule itself): when the
 * catalog this function runs with differs from the one recorded in the sweep state (`#SWEEP` / `#SWEEP`),
 * every stored policy is revalidated against it (store/revalidation.ts), a Scan page at a time; then the
 * catalog version is recorded, and later runs do nothing (one GetItem) until the next catalog.
 *
 * Bounded per run: it stops before the function's time runs out (and after `maxPages` pages), saving the
 * Scan position in the sweep state; the next run continues from there. Idempotent: a policy already
 * revalidated under this catalog (its revision unchanged) is not written again, so a rerun, an overlapping
 * run or a restart from an older cursor only costs reads.
 */
import type { Context } from 'aws-lambda';
import { catalogVersion } from '../lib/catalog/catalog.js';
import { mapLimit } from '../lib/util/concurrency.js';
import { Logger } from '../lib/util/logger.js';
import { readSweepState, revalidatePolicy, scanPolicies, writeSweepState, type SweepState } from '../store/revalidation.js';

export interface SweepOptions {
  /** Items read per Scan page. */
  pageSize?: number;
  /** Pages per run at most. */
  maxPages?: number;
  /** Stop when less time than this is left (ms). */
  timeReserveMs?: number;
  /** The catalog version to sweep to (tests); default: the running catalog's. */
  catalogVersion?: () => string;
}

export interface SweepReport {
  status: 'up_to_date' | 'completed' | 'partial';
  catalog_version: string;
  /** Policies looked at in this run, and how many of them were written. */
  checked: number;
  written: number;
  newly_failing: Array<{ account_id: string; policy_id: string; error_versions: string[] }>;
  pages: number;
}

const CONCURRENCY = 4;

const logger = new Logger('revalidate-sweep');

export function createSweepHandler(options: SweepOptions = {}): (event?: unknown, context?: Context) => Promise<SweepReport> {
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? 500;
  const reserve = options.timeReserveMs ?? 5_000;
  return async (_event, context) => {
    const startedAt = Date.now();
    const cv = (options.catalogVersion ?? catalogVersion)();
    let state: SweepState = await readSweepState();
    const report: SweepReport = { status: 'up_to_date', catalog_version: cv, checked: 0, written: 0, newly_failing: [], pages: 0 };
    if (state.catalog_version === cv && state.in_progress === undefined) {
      log(report, state, startedAt);
      return report;
    }
    if (state.in_progress !== cv) {
      // A new catalog (or an unfinished sweep of an older one, which this one supersedes): from the start.
      state = { ...(state.catalog_version === undefined ? {} : { catalog_version: state.catalog_version }), in_progress: cv, checked: 0, started_at: new Date().toISOString() };
    }
    for (;;) {
      const timeLeft = context?.getRemainingTimeInMillis?.() ?? Infinity;
      if (report.pages >= maxPages || timeLeft < reserve) {
        report.status = 'partial';
        await writeSweepState(state);
        log(report, state, startedAt);
        return report;
      }
      const page = await scanPolicies({ limit: pageSize, cursor: state.cursor });
      report.pages++;
      const outcomes = await mapLimit(page.items, CONCURRENCY, (item) => revalidatePolicy(item, cv));
      outcomes.forEach((r, i) => {
        if (r.outcome !== 'written') return;
        const item = page.items[i]!;
        report.written++;
        if (r.revalidation.newly_failing) report.newly_failing.push({ account_id: item.account_id, policy_id: item.policy_id, error_versions: [...(r.revalidation.error_versions ?? [])] });
      });
      report.checked += page.items.length;
      state.checked += page.items.length;
      if (page.cursor === undefined) {
        const { in_progress: _done, cursor: _c, ...rest } = state;
        state = { ...rest, catalog_version: cv, completed_at: new Date().toISOString() };
        await writeSweepState(state);
        report.status = 'completed';
        log(report, state, startedAt);
        return report;
      }
      state.cursor = page.cursor;
      await writeSweepState(state);
    }
  };
}

function log(report: SweepReport, state: SweepState, startedAt: number): void {
  logger.info({ ...report, newly_failing: report.newly_failing.length, total_checked: state.checked, latency_ms: Date.now() - startedAt });
  for (const p of report.newly_failing) {
    logger.warn('stored policy no longer validates', { ...p, catalog_version: report.catalog_version });
  }
}

export const handler = createSweepHandler();
