/**
 * Load runs against the local stack with autocannon (programmatic): a fixed mix of requests, each answer
 * checked (status and decision), per-kind counts and latencies, and autocannon's own totals. Used by
 * test/e2e-load.test.ts (a few seconds) and bench/load.ts (`npm run load`, 30 s and the fault variants).
 *
 * The mix works on the seeded example data (infra/local/seed.ts, account acc-1): alice (group image-admins:
 * IMS FullAccess on all projects, "deny delete" on project cn-north-4) and bob (group viewers: IMS
 * ReadOnlyAccess on cn-north-4), inside the example organization (SCP chain of 4 levels).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon, { type Options, type Request, type Result } from 'autocannon';

export interface LoadKind {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** What a correct answer is: `null` when the answer is right, else what is wrong with it. */
  check: (status: number, body: string) => string | null;
  /** By reference (reads the store) or not: the fault runs tell them apart. */
  byReference?: boolean;
}

export interface KindStats {
  name: string;
  count: number;
  wrong: number;
  statuses: Record<string, number>;
  p50_ms: number;
  p99_ms: number;
}

export interface LoadReport {
  title: string;
  connections: number;
  duration_s: number;
  requests: number;
  requests_per_s: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Answers with the right status but a wrong body (decision, reason ...). */
  wrong: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number; average: number };
  throughput_bytes_per_s: number;
  kinds: KindStats[];
  /** The first few problems seen, for the report. */
  problems: string[];
}

const example = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../../examples/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** The decision of an evaluate answer, or what is wrong with it. */
export function expectDecision(decision: 'allow' | 'deny', reason: string): LoadKind['check'] {
  return (status, body) => {
    if (status !== 200) return `status ${status}: ${body.slice(0, 200)}`;
    try {
      const r = JSON.parse(body) as { decision?: unknown; reason?: unknown };
      return r.decision === decision && r.reason === reason ? null : `expected ${decision}/${reason}, got ${String(r.decision)}/${String(r.reason)}`;
    } catch {
      return `not JSON: ${body.slice(0, 200)}`;
    }
  };
}

const RESOURCE = 'ims:cn-north-4:acc-1:image:abc';

/** The mix: inline and by-reference evaluations with known answers, and the public catalog. */
export function standardMix(): LoadKind[] {
  const inline = example('requests/delete-image.json');
  const byRef = (user: string, action: string): Record<string, unknown> => ({ principal: { account_id: 'acc-1', user_id: user }, region: 'cn-north-4', action, resource: RESOURCE });
  return [
    { name: 'inline allow', method: 'POST', path: '/v1/evaluate', body: { ...inline, action: 'ims:images:get' }, check: expectDecision('allow', 'allowed') },
    { name: 'inline deny', method: 'POST', path: '/v1/evaluate', body: inline, check: expectDecision('deny', 'explicit_deny') },
    { name: 'by-ref alice get (allow)', method: 'POST', path: '/v1/evaluate', body: byRef('alice', 'ims:images:get'), check: expectDecision('allow', 'allowed'), byReference: true },
    {
      name: 'by-ref alice delete (explicit deny)',
      method: 'POST',
      path: '/v1/evaluate',
      body: byRef('alice', 'ims:images:deleteImage'),
      check: expectDecision('deny', 'explicit_deny'),
      byReference: true,
    },
    {
      name: 'by-ref bob delete (implicit deny)',
      method: 'POST',
      path: '/v1/evaluate',
      body: byRef('bob', 'ims:images:deleteImage'),
      check: expectDecision('deny', 'implicit_deny'),
      byReference: true,
    },
    {
      name: 'catalog',
      method: 'GET',
      path: '/v1/catalog',
      check: (status, body) => (status === 200 && body.includes('"version"') ? null : `status ${status}: ${body.slice(0, 200)}`),
    },
  ];
}

/**
 * serverless-offline starts one worker thread per concurrent invocation of a function, and each loads the
 * bundle and the SDK. 50 cold starts at once on 2 cores take longer than the functions' 10 s timeout
 * (offline then kills them, and nothing is answered), so the pools are grown first, in waves of `step`
 * more concurrent requests, each function up to its share of `connections` (the run spreads the
 * connections evenly over the mix) plus `step`. Returns the waves' wall times (ms).
 */
export async function warmUp(base: string, kinds: LoadKind[], token: string, connections: number, step = 10): Promise<number[]> {
  // One request kind per function (path), a by-reference one if any, so the workers load the store client too.
  const perPath = new Map<string, { kind: LoadKind; target: number }>();
  for (const kind of kinds) {
    const share = kinds.filter((k) => k.path === kind.path).length / kinds.length;
    const target = Math.min(connections, Math.ceil(share * connections) + step);
    const seen = perPath.get(kind.path);
    if (!seen || (kind.byReference && !seen.kind.byReference)) perPath.set(kind.path, { kind, target });
  }
  const times: number[] = [];
  for (let k = step; k < connections + step; k += step) {
    const started = performance.now();
    for (const { kind, target } of perPath.values()) {
      if (k - step >= target) continue;
      await Promise.all(
        Array.from({ length: Math.min(k, target) }, async () => {
          const res = await fetch(`${base}${kind.path}`, {
            method: kind.method,
            headers: { authorization: `Bearer ${token}`, ...(kind.body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(kind.body === undefined ? {} : { body: JSON.stringify(kind.body) }),
          });
          await res.arrayBuffer();
        }),
      );
    }
    times.push(Math.round(performance.now() - started));
  }
  return times;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const round = (n: number): number => Math.round(n * 100) / 100;

export interface RunOptions {
  title: string;
  connections: number;
  /** Seconds. */
  duration: number;
  token: string;
  /** Seconds before a request counts as timed out (autocannon's default is 10). */
  timeout?: number;
  /** Called with every answer (the fault runs classify them by time). */
  onAnswer?: (kind: LoadKind, status: number, body: string, startedAt: number, endedAt: number) => void;
}

/** Runs the mix against `base` (`http://127.0.0.1:<port>`); every connection loops over the kinds in order. */
export async function runLoad(base: string, kinds: LoadKind[], options: RunOptions): Promise<LoadReport> {
  const latencies = kinds.map(() => [] as number[]);
  const stats: KindStats[] = kinds.map((k) => ({ name: k.name, count: 0, wrong: 0, statuses: {}, p50_ms: 0, p99_ms: 0 }));
  const problems: string[] = [];
  const requests: Request[] = kinds.map((kind, i) => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
    const body = kind.body === undefined ? undefined : JSON.stringify(kind.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const key = `t${i}`;
    return {
      method: kind.method,
      path: kind.path,
      headers,
      ...(body === undefined ? {} : { body }),
      setupRequest: (request, context) => {
        context[key] = performance.now();
        return request;
      },
      onResponse: (status, text, context) => {
        const now = performance.now();
        const started = typeof context[key] === 'number' ? (context[key] as number) : now;
        const s = stats[i] as KindStats;
        s.count++;
        s.statuses[status] = (s.statuses[status] ?? 0) + 1;
        (latencies[i] as number[]).push(now - started);
        const problem = kind.check(status, text);
        if (problem) {
          s.wrong++;
          if (problems.length < 10) problems.push(`${kind.name}: ${problem}`);
        }
        options.onAnswer?.(kind, status, text, started, now);
      },
    };
  });
  // Each connection starts at another kind of the mix, so the kinds (and functions) share the connections
  // evenly from the first second on.
  let clients = 0;
  const settings: Options = {
    url: base,
    connections: options.connections,
    duration: options.duration,
    timeout: options.timeout ?? 10,
    requests,
    title: options.title,
    setupClient: (client) => {
      const offset = clients++ % requests.length;
      client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
    },
  };
  const raw = (await autocannon(settings)) as Result | (Omit<Result, 'latency'> & { latency?: undefined });
  // Off the main thread (a vitest worker) autocannon leaves its histograms encoded: aggregate them here.
  const result: Result = raw.latency === undefined ? autocannon.aggregateResult([raw], { url: base, connections: options.connections, title: options.title }) : raw;
  stats.forEach((s, i) => {
    const sorted = (latencies[i] as number[]).sort((a, b) => a - b);
    s.p50_ms = round(percentile(sorted, 50));
    s.p99_ms = round(percentile(sorted, 99));
  });
  const total = stats.reduce((n, s) => n + s.count, 0);
  return {
    title: options.title,
    connections: options.connections,
    duration_s: round(result.duration),
    requests: total,
    requests_per_s: round(total / result.duration),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    wrong: stats.reduce((n, s) => n + s.wrong, 0),
    latency_ms: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, average: round(result.latency.average) },
    throughput_bytes_per_s: Math.round(result.throughput.average),
    kinds: stats,
    problems,
  };
}

/** The report as Markdown lines (bench/results/load.md). */
export function reportMarkdown(r: LoadReport): string[] {
  const lines = [
    `### ${r.title}`,
    '',
    `${r.connections} connections, ${r.duration_s} s: ${r.requests} requests (${r.requests_per_s}/s), ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx, ${r.wrong} wrong answers; ` +
      `latency p50 ${r.latency_ms.p50} ms, p90 ${r.latency_ms.p90} ms, p99 ${r.latency_ms.p99} ms, max ${r.latency_ms.max} ms; ${Math.round(r.throughput_bytes_per_s / 1024)} KiB/s.`,
    '',
    '| request | answers | wrong | statuses | p50 ms | p99 ms |',
    '|---|---|---|---|---|---|',
    ...r.kinds.map(
      (k) =>
        `| ${k.name} | ${k.count} | ${k.wrong} | ${Object.entries(k.statuses)
          .map(([s, n]) => `${s}: ${n}`)
          .join(', ')} | ${k.p50_ms} | ${k.p99_ms} |`,
    ),
  ];
  if (r.problems.length) lines.push('', 'Problems seen (first 10):', '', ...r.problems.map((p) => `- ${p}`));
  return lines;
}

export interface FaultWindowReport {
  load: LoadReport;
  /** performance.now() times of the fault's start and end. */
  window: { down: number; up: number };
  /** Per phase (before / during: started after the fault began and ended before it ended / after / straddling): status counts by reference and inline. */
  phases: Record<'before' | 'during' | 'after' | 'straddling', { by_reference: Record<string, number>; inline: Record<string, number> }>;
  /** Answers that break the rules: a wrong decision, an error other than 503 STORE_UNAVAILABLE, or (by reference, during) anything but 503. */
  violations: string[];
  /** By-reference latency during the fault, ms (p50 / p99 / max). */
  during_by_reference_ms: { p50: number; p99: number; max: number };
}

/**
 * A load run with a fault from `at` to `at + seconds` (seconds into the run): `begin` and `end` switch it.
 * The rules checked on every answer: inline evaluations are always right; by reference an answer is right
 * or 503 STORE_UNAVAILABLE, and while the fault lasts (`strict`: an outage, not just a slow store) it is
 * always the 503: nothing is decided from data that could not be read.
 */
export async function runWithFault(
  base: string,
  kinds: LoadKind[],
  options: Omit<RunOptions, 'onAnswer'> & { at: number; seconds: number; begin: () => Promise<void>; end: () => Promise<void>; strict: boolean },
): Promise<FaultWindowReport> {
  const seen: Array<{ kind: LoadKind; status: number; body: string; started: number; ended: number }> = [];
  const window = { down: Number.POSITIVE_INFINITY, up: Number.POSITIVE_INFINITY };
  const toggles = (async () => {
    await new Promise((r) => setTimeout(r, options.at * 1000));
    await options.begin();
    window.down = performance.now();
    await new Promise((r) => setTimeout(r, options.seconds * 1000));
    await options.end();
    window.up = performance.now();
  })();
  const load = await runLoad(base, kinds, { ...options, onAnswer: (kind, status, body, started, ended) => seen.push({ kind, status, body, started, ended }) });
  await toggles;
  const empty = (): { by_reference: Record<string, number>; inline: Record<string, number> } => ({ by_reference: {}, inline: {} });
  const phases: FaultWindowReport['phases'] = { before: empty(), during: empty(), after: empty(), straddling: empty() };
  const violations: string[] = [];
  const duringByRef: number[] = [];
  for (const s of seen) {
    const phase = s.ended < window.down ? 'before' : s.started > window.up ? 'after' : s.started > window.down && s.ended < window.up ? 'during' : 'straddling';
    const bucket = phases[phase][s.kind.byReference ? 'by_reference' : 'inline'];
    bucket[s.status] = (bucket[s.status] ?? 0) + 1;
    const unavailable = s.status === 503 && s.body.includes('"STORE_UNAVAILABLE"');
    if (s.kind.byReference && phase === 'during') duringByRef.push(s.ended - s.started);
    let problem: string | null;
    if (s.kind.byReference && unavailable) problem = null;
    else if (s.kind.byReference && phase === 'during' && options.strict) problem = `answered ${s.status} while the store was down`;
    else problem = s.kind.check(s.status, s.body);
    if (problem && violations.length < 20) violations.push(`${s.kind.name} (${phase}): ${problem}`);
  }
  duringByRef.sort((a, b) => a - b);
  return {
    load,
    window,
    phases,
    violations,
    during_by_reference_ms: { p50: round(percentile(duringByRef, 50)), p99: round(percentile(duringByRef, 99)), max: round(duringByRef[duringByRef.length - 1] ?? 0) },
  };
}
