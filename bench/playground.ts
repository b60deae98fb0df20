/// <reference lib="dom" />
/**
 * `npm run bench:playground`: the playground page as a browser gets it from the local stack (serverless-offline
 * running the built `playground` bundle; `npm run build` first). Reports:
 *  - the page's transferred size: per file and in total, gzip and brotli, from dist/web/manifest.json, and what
 *    Chromium actually received (Resource Timing's encodedBodySize, and the encoding it was served);
 *  - the time from the start of navigation to the first decision on the page (the page marks
 *    `playground:first-decision` after its first evaluation is drawn): median, min and max of RUNS loads with
 *    the browser cache disabled (every byte fetched), and of RUNS loads with the cache (the hashed assets come
 *    from it, the page revalidates);
 *  - the engine's own time for that first decision (the page reports it);
 *  - the analysis views: from navigation start to the summary drawn (a link opening on the Summary view: the
 *    page draws its first decision, starts the analysis worker, which loads its file and answers) and to the
 *    comparison drawn (a link with a baseline), cache disabled, and the worker's own analysis time;
 *  - the size of what loads on demand (the analysis worker), beside the first load's.
 * Writes bench/results/playground.{json,md}. Wall-clock figures: reported, never gated (the size is gated by
 * test/bundle-budget.test.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/support/browser.js';
import { startLocalStack } from '../test/support/offline.js';
import { encodeState } from '../web/src/share.js';
import { defaultState, type PlaygroundState } from '../web/src/state.js';

const RUNS = Number(process.env.RUNS ?? 9);
const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(root, 'bench', 'results');

interface Load {
  first_decision_ms: number;
  engine_ms: number;
  transferred: Array<{ name: string; encoded: number; decoded: number }>;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const stats = (xs: number[]): { median: number; min: number; max: number } => ({ median: Math.round(median(xs)), min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)) });
const kib = (n: number): string => (n / 1024).toFixed(1);

async function main(): Promise<void> {
  type Encoded = { bytes: number };
  const manifest = JSON.parse(readFileSync(join(root, 'dist', 'web', 'manifest.json'), 'utf8')) as {
    files: Record<string, { identity: Encoded; gzip: Encoded; br: Encoded }>;
    page: string[];
    lazy: Record<string, string[]>;
  };
  const stack = await startLocalStack(['playground']);
  const chromium = await launchChromium();
  try {
    const page = await chromium.context.newPage();
    const cdp = await chromium.context.newCDPSession(page);
    let servedEncoding = '';
    page.on('response', (r) => {
      if (r.url().includes('/assets/app-') && r.status() === 200) void r.headerValue('content-encoding').then((v) => (servedEncoding = v ?? 'identity'));
    });
    const load = async (): Promise<Load> => {
      await page.goto(`${stack.base}/`, { waitUntil: 'load' });
      await page.waitForFunction(() => performance.getEntriesByName('playground:first-decision').length > 0, undefined, { timeout: 30_000 });
      return page.evaluate(() => {
        const mark = performance.getEntriesByName('playground:first-decision')[0] as PerformanceEntry;
        const source = document.querySelector('.decision .source')?.textContent ?? '';
        const engine = Number(/engine, ([\d.]+) ms/.exec(source)?.[1] ?? NaN);
        const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
        return { first_decision_ms: mark.startTime, engine_ms: engine, transferred: entries.map((e) => ({ name: new URL(e.name).pathname, encoded: e.encodedBodySize, decoded: e.decodedBodySize })) };
      });
    };
    /** A load of a link opening on an analysis view: ms from navigation start to its first answer drawn, and the worker's analysis time. */
    const loadView = async (hash: string, view: 'summary' | 'compare'): Promise<{ drawn_ms: number; analysis_ms: number }> => {
      await page.goto('about:blank'); // a link differing only in its fragment would not reload the page
      await page.goto(`${stack.base}/${hash}`, { waitUntil: 'load' });
      const mark = `playground:${view}-drawn`;
      await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, { timeout: 30_000 });
      return page.evaluate((m) => {
        const source = document.querySelector('.view-panel .source')?.textContent ?? '';
        return { drawn_ms: (performance.getEntriesByName(m)[0] as PerformanceEntry).startTime, analysis_ms: Number(/\(([\d.]+) ms/.exec(source)?.[1] ?? NaN) };
      }, mark);
    };
    const narrow = defaultState();
    narrow.tabs[0]!.text = narrow.tabs[0]!.text.replace('"ims:images:*"', '"ims:images:get*"');
    const summaryLink = await encodeState({ ...defaultState(), view: 'summary' } satisfies PlaygroundState);
    const compareLink = await encodeState({ ...defaultState(), baseline: narrow.tabs, view: 'compare' } satisfies PlaygroundState);

    await load(); // warms the function (its first request reads the files) and the stack
    await loadView(summaryLink, 'summary');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const cold: Load[] = [];
    for (let i = 0; i < RUNS; i++) cold.push(await load());
    const summaries: Array<{ drawn_ms: number; analysis_ms: number }> = [];
    for (let i = 0; i < RUNS; i++) summaries.push(await loadView(summaryLink, 'summary'));
    const compares: Array<{ drawn_ms: number; analysis_ms: number }> = [];
    for (let i = 0; i < RUNS; i++) compares.push(await loadView(compareLink, 'compare'));
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await load();
    const warm: Load[] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await load());

    const files = Object.entries(manifest.files).map(([name, f]) => ({ name, bytes: f.identity.bytes, gzip: f.gzip.bytes, br: f.br.bytes, first_load: manifest.page.includes(name) }));
    const sum = (list: typeof files) => list.reduce((t, f) => ({ bytes: t.bytes + f.bytes, gzip: t.gzip + f.gzip, br: t.br + f.br }), { bytes: 0, gzip: 0, br: 0 });
    const total = sum(files.filter((f) => f.first_load));
    const lazy = sum(files.filter((f) => !f.first_load));
    const received = cold[0]!.transferred.filter((t) => t.decoded > 0);
    const result = {
      date: new Date().toISOString(),
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; Node ${process.version}; Chromium headless (system)`,
      runs: RUNS,
      files,
      total,
      on_demand: lazy,
      served_encoding: servedEncoding,
      received: { files: received, encoded_total: received.reduce((n, t) => n + t.encoded, 0) },
      first_decision_ms: { cold_cache: stats(cold.map((l) => l.first_decision_ms)), warm_cache: stats(warm.map((l) => l.first_decision_ms)) },
      engine_first_decision_ms: stats(cold.map((l) => l.engine_ms)),
      summary_drawn_ms: { cold_cache: stats(summaries.map((l) => l.drawn_ms)), analysis: stats(summaries.map((l) => l.analysis_ms)) },
      compare_drawn_ms: { cold_cache: stats(compares.map((l) => l.drawn_ms)), analysis: stats(compares.map((l) => l.analysis_ms)) },
    };
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'playground.json'), `${JSON.stringify(result, null, 2)}\n`);
    const md = [
      `# Playground page (${result.date.slice(0, 10)}, ${result.machine})`,
      '',
      '| file | bytes | gzip | brotli |',
      '|---|---:|---:|---:|',
      ...files.map((f) => `| ${f.name}${f.first_load ? '' : ' (on demand)'} | ${kib(f.bytes)} KiB | ${kib(f.gzip)} KiB | ${kib(f.br)} KiB |`),
      `| **first load** | **${kib(total.bytes)} KiB** | **${kib(total.gzip)} KiB** | **${kib(total.br)} KiB** |`,
      `| on demand (analysis worker) | ${kib(lazy.bytes)} KiB | ${kib(lazy.gzip)} KiB | ${kib(lazy.br)} KiB |`,
      '',
      `Chromium received the assets as \`${servedEncoding}\`: ${kib(result.received.encoded_total)} KiB of bodies in all (http://127.0.0.1).`,
      '',
      `Time from navigation start to the first decision on the page, ${RUNS} loads each (median, min-max):`,
      `- browser cache disabled: ${result.first_decision_ms.cold_cache.median} ms (${result.first_decision_ms.cold_cache.min}-${result.first_decision_ms.cold_cache.max})`,
      `- with the cache (hashed assets cached, the page revalidated): ${result.first_decision_ms.warm_cache.median} ms (${result.first_decision_ms.warm_cache.min}-${result.first_decision_ms.warm_cache.max})`,
      `- of which the engine's first explain: ${result.engine_first_decision_ms.median} ms (${result.engine_first_decision_ms.min}-${result.engine_first_decision_ms.max})`,
      '',
      `Time from navigation start to an analysis view drawn (a link opening on it, cache disabled: the worker's file fetched), ${RUNS} loads each:`,
      `- the summary (every action of the default page): ${result.summary_drawn_ms.cold_cache.median} ms (${result.summary_drawn_ms.cold_cache.min}-${result.summary_drawn_ms.cold_cache.max}), of which the analysis ${result.summary_drawn_ms.analysis.median} ms`,
      `- the comparison (baseline get*, current *): ${result.compare_drawn_ms.cold_cache.median} ms (${result.compare_drawn_ms.cold_cache.min}-${result.compare_drawn_ms.cold_cache.max}), of which the analysis ${result.compare_drawn_ms.analysis.median} ms`,
      '',
    ].join('\n');
    writeFileSync(join(resultsDir, 'playground.md'), md);
    console.log(md);
  } finally {
    await chromium.close();
    await stack.stop();
  }
}

await main();
