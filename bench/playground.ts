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
 *  - the engine's own time for that first decision (the page reports it).
 * Writes bench/results/playground.{json,md}. Wall-clock figures: reported, never gated (the size is gated by
 * test/bundle-budget.test.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/support/browser.js';
import { startLocalStack } from '../test/support/offline.js';

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
  const manifest = JSON.parse(readFileSync(join(root, 'dist', 'web', 'manifest.json'), 'utf8')) as { files: Record<string, { identity: Encoded; gzip: Encoded; br: Encoded }> };
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
    await load(); // warms the function (its first request reads the files) and the stack
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const cold: Load[] = [];
    for (let i = 0; i < RUNS; i++) cold.push(await load());
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await load();
    const warm: Load[] = [];
    for (let i = 0; i < RUNS; i++) warm.push(await load());

    const files = Object.entries(manifest.files).map(([name, f]) => ({ name, bytes: f.identity.bytes, gzip: f.gzip.bytes, br: f.br.bytes }));
    const total = files.reduce((t, f) => ({ bytes: t.bytes + f.bytes, gzip: t.gzip + f.gzip, br: t.br + f.br }), { bytes: 0, gzip: 0, br: 0 });
    const received = cold[0]!.transferred.filter((t) => t.decoded > 0);
    const result = {
      date: new Date().toISOString(),
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; Node ${process.version}; Chromium headless (system)`,
      runs: RUNS,
      files,
      total,
      served_encoding: servedEncoding,
      received: { files: received, encoded_total: received.reduce((n, t) => n + t.encoded, 0) },
      first_decision_ms: { cold_cache: stats(cold.map((l) => l.first_decision_ms)), warm_cache: stats(warm.map((l) => l.first_decision_ms)) },
      engine_first_decision_ms: stats(cold.map((l) => l.engine_ms)),
    };
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'playground.json'), `${JSON.stringify(result, null, 2)}\n`);
    const md = [
      `# Playground page (${result.date.slice(0, 10)}, ${result.machine})`,
      '',
      '| file | bytes | gzip | brotli |',
      '|---|---:|---:|---:|',
      ...files.map((f) => `| ${f.name} | ${kib(f.bytes)} KiB | ${kib(f.gzip)} KiB | ${kib(f.br)} KiB |`),
      `| **total** | **${kib(total.bytes)} KiB** | **${kib(total.gzip)} KiB** | **${kib(total.br)} KiB** |`,
      '',
      `Chromium received the assets as \`${servedEncoding}\`: ${kib(result.received.encoded_total)} KiB of bodies in all (http://127.0.0.1).`,
      '',
      `Time from navigation start to the first decision on the page, ${RUNS} loads each (median, min-max):`,
      `- browser cache disabled: ${result.first_decision_ms.cold_cache.median} ms (${result.first_decision_ms.cold_cache.min}-${result.first_decision_ms.cold_cache.max})`,
      `- with the cache (hashed assets cached, the page revalidated): ${result.first_decision_ms.warm_cache.median} ms (${result.first_decision_ms.warm_cache.min}-${result.first_decision_ms.warm_cache.max})`,
      `- of which the engine's first explain: ${result.engine_first_decision_ms.median} ms (${result.engine_first_decision_ms.min}-${result.engine_first_decision_ms.max})`,
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
