/**
 * Size budgets of the function bundles (bench/budgets.json, KiB): every dist/functions/<name>.cjs that
 * `npm run build` writes must stay within its budget, and every bundle there must have one. Nothing is
 * skipped: a missing bundle fails, asking for the build.
 *
 * The playground page's budget (`page_kib`) is on what a browser transfers: the page and the files it loads
 * first, compressed as the playground function serves them (gzip and brotli), read from dist/web/manifest.json
 * after checking the manifest against the files themselves. What it loads on demand (the analysis worker) has
 * its own budget (`lazy_kib`); every built file is in exactly one of them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist', 'functions');
const {
  budgets_kib: budgets,
  page_kib: pageBudget,
  lazy_kib: lazyBudgets,
} = JSON.parse(readFileSync(join(root, 'bench', 'budgets.json'), 'utf8')) as {
  budgets_kib: Record<string, number>;
  page_kib: { gzip: number; br: number };
  lazy_kib: Record<string, { gzip: number; br: number }>;
};

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes)`;

describe('function bundle sizes (bench/budgets.json)', () => {
  it('has budgets', () => {
    expect(Object.keys(budgets).length).toBeGreaterThan(0);
    for (const [name, budget] of Object.entries(budgets)) expect(typeof budget === 'number' && budget > 0, `the budget of ${name} is not a positive number of KiB`).toBe(true);
  });

  it.each(Object.entries(budgets))('dist/functions/%s.cjs is within its budget', (name, budget) => {
    const file = join(dist, `${name}.cjs`);
    if (!existsSync(file)) throw new Error(`dist/functions/${name}.cjs is missing: run npm run build first (the bundle budgets check the built bundles).`);
    const size = statSync(file).size;
    if (size > budget * 1024) {
      throw new Error(`dist/functions/${name}.cjs is ${kib(size)}, over its budget of ${budget.toFixed(1)} KiB in bench/budgets.json (by ${kib(size - Math.floor(budget * 1024))}).`);
    }
  });

  it('every built function bundle has a budget', () => {
    if (!existsSync(dist)) throw new Error('dist/functions is missing: run npm run build first (the bundle budgets check the built bundles).');
    const unbudgeted = readdirSync(dist)
      .filter((f) => f.endsWith('.cjs'))
      .map((f) => f.slice(0, -'.cjs'.length))
      .filter((name) => budgets[name] === undefined);
    expect(unbudgeted, `bundles without a budget in bench/budgets.json: ${unbudgeted.join(', ')}`).toEqual([]);
  });
});

describe('playground page transferred size (bench/budgets.json page_kib)', () => {
  const web = join(root, 'dist', 'web');
  type Encoded = { path: string; bytes: number };
  type Manifest = { files: Record<string, { identity: Encoded; gzip: Encoded; br: Encoded }>; page: string[]; lazy: Record<string, string[]> };
  const manifest = (): Manifest => {
    const file = join(web, 'manifest.json');
    if (!existsSync(file)) throw new Error('dist/web/manifest.json is missing: run npm run build first (the page budget checks the built page).');
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  };

  it("the manifest tells the truth: sizes are the files', each encoding decodes to the plain file", () => {
    for (const [name, f] of Object.entries(manifest().files)) {
      const plain = readFileSync(join(web, f.identity.path));
      for (const e of [f.identity, f.gzip, f.br]) expect(statSync(join(web, e.path)).size, `${name} ${e.path}`).toBe(e.bytes);
      expect(gunzipSync(readFileSync(join(web, f.gzip.path))).equals(plain), `${name} gzip`).toBe(true);
      expect(brotliDecompressSync(readFileSync(join(web, f.br.path))).equals(plain), `${name} br`).toBe(true);
    }
  });

  it('the page loads only files of its first load; the analysis worker it names is loaded on demand; every file is budgeted once', () => {
    const m = manifest();
    const html = readFileSync(join(web, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((x) => x[1] as string).filter((u) => !u.startsWith('data:'));
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) expect(m.page, ref).toContain(ref);
    const worker = /<meta name="ims-analysis-worker" content="([^"]+)">/.exec(html)?.[1];
    expect(m.lazy.analysis).toEqual([worker]);
    expect(Object.keys(lazyBudgets).sort()).toEqual(Object.keys(m.lazy).sort());
    const listed = [...m.page, ...Object.values(m.lazy).flat()];
    expect([...listed].sort()).toEqual(Object.keys(m.files).sort());
    expect(new Set(listed).size, 'a file in two lists').toBe(listed.length);
  });

  it("the page's first load holds no analysis code; the analysis worker does", () => {
    // A message of lib/analysis/analyze.ts (string literals survive minification).
    const marker = 'rules out every principal';
    expect(readFileSync(join(root, 'lib', 'analysis', 'analyze.ts'), 'utf8')).toContain(marker);
    const m = manifest();
    const holds = (names: string[]): string[] => names.filter((n) => readFileSync(join(web, m.files[n]?.identity.path ?? n), 'utf8').includes(marker));
    expect(holds(m.page)).toEqual([]);
    expect(holds(m.lazy.analysis ?? [])).toHaveLength(1);
  });

  it.each(['gzip', 'br'] as const)('the page, its script and stylesheet, %s-compressed, are within the budget', (encoding) => {
    const m = manifest();
    const total = m.page.reduce((n, name) => n + (m.files[name]?.[encoding].bytes ?? Number.POSITIVE_INFINITY), 0);
    const budget = pageBudget[encoding];
    if (total > budget * 1024) throw new Error(`The playground page transfers ${kib(total)} with ${encoding}, over its budget of ${budget} KiB in bench/budgets.json (page_kib.${encoding}).`);
  });

  it.each(Object.keys(lazyBudgets).flatMap((name) => (['gzip', 'br'] as const).map((encoding) => [name, encoding] as const)))(
    'what the page loads on demand for %s, %s-compressed, is within its budget',
    (name, encoding) => {
      const m = manifest();
      const total = (m.lazy[name] ?? []).reduce((n, f) => n + (m.files[f]?.[encoding].bytes ?? Number.POSITIVE_INFINITY), 0);
      const budget = (lazyBudgets[name] as { gzip: number; br: number })[encoding];
      if (total > budget * 1024)
        throw new Error(`The playground's ${name} files transfer ${kib(total)} with ${encoding}, over their budget of ${budget} KiB in bench/budgets.json (lazy_kib.${name}.${encoding}).`);
    },
  );
});
