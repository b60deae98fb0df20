/**
 * Builds the policy playground page (web/) into dist/web: ES modules of the page's code, CodeMirror and the
 * engine (lib/ with the compiled catalog inlined), one stylesheet, all named by content hash, and index.html
 * pointing at them. Every file is also written precompressed (`.br`, `.gz`); the playground function
 * (functions/playground.ts) serves the encoding the browser accepts, from dist/web/manifest.json.
 *
 * Two entries, each bundled whole: `app` (web/src/main.ts, the page) and `analysis` (web/src/analysis-worker.ts,
 * the access analysis in a module worker the page starts when the compare or summary view is first shown;
 * index.html names it in a meta element). Not split into a shared chunk: esbuild's splitting keeps in a shared
 * module every export either entry uses, so the engine and validator parts only the analysis needs (about 14 KiB
 * brotli) would load with the page. Bundled whole, the worker carries its own copy of the engine and the
 * catalog (loaded on demand, once, then cached) and the page's first load holds no analysis code
 * (test/playground-web.test.ts checks it). The web code imports lib/ modules directly, not lib/index.ts,
 * which re-exports the analysis. The manifest lists the files of the first load (`page`) and those loaded
 * on demand (`lazy.analysis`): each list has its budget (bench/budgets.json, test/bundle-budget.test.ts).
 *
 * The library runs in the browser unchanged: its one Node built-in, `node:crypto` (randomUUID for decision
 * ids), is aliased to web/src/platform/crypto.ts, a browser implementation over `crypto.getRandomValues`
 * (available on plain-http origins too, unlike `crypto.randomUUID`). Any other `node:` import on the page's
 * path fails the build, so one cannot slip in unnoticed.
 *
 * Run by `npm run build` (scripts/build.ts); `tsx scripts/build-web.ts` builds the page alone.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');

/** URL path prefix of the hashed assets (the function's route `GET /playground/assets/{file}`). */
export const ASSET_PREFIX = 'playground/assets/';

/** One served file: its type, its bytes per encoding (relative paths under dist/web), its ETag. */
export interface ManifestFile {
  type: string;
  /** `immutable`: named by content hash, cached for a year; `revalidate`: the entry page (ETag, no-cache). */
  cache: 'immutable' | 'revalidate';
  etag: string;
  identity: { path: string; bytes: number };
  gzip: { path: string; bytes: number };
  br: { path: string; bytes: number };
}

export interface WebManifest {
  /** Keyed by the URL path below the site root, e.g. `playground/assets/app-ABC123.js`; the page is `index.html`. */
  files: Record<string, ManifestFile>;
  /** The files of the page's first load: index.html, its script with the chunks that script imports, its stylesheet. */
  page: string[];
  /** Files loaded on demand, by what loads them: `analysis`, the analysis worker and the chunks only it imports. */
  lazy: { analysis: string[] };
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** `node:crypto` -> the browser implementation; any other Node built-in is an error. */
export const browserPlatform: Plugin = {
  name: 'browser-platform',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (args.path === 'node:crypto') return { path: join(root, 'web', 'src', 'platform', 'crypto.ts') };
      return { errors: [{ text: `${args.path} (imported by ${args.importer}) is a Node built-in: the playground runs in the browser. Give it a browser implementation in web/src/platform/.` }] };
    });
  },
};

function writeEncoded(rel: string, bytes: Buffer, cache: ManifestFile['cache']): ManifestFile {
  const abs = join(out, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, bytes);
  const gz = gzipSync(bytes, { level: 9 });
  const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  writeFileSync(`${abs}.gz`, gz);
  writeFileSync(`${abs}.br`, br);
  const ext = rel.slice(rel.lastIndexOf('.'));
  return {
    type: TYPES[ext] ?? 'application/octet-stream',
    cache,
    etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`,
    identity: { path: rel, bytes: bytes.length },
    gzip: { path: `${rel}.gz`, bytes: gz.length },
    br: { path: `${rel}.br`, bytes: br.length },
  };
}

export async function buildWeb(): Promise<WebManifest> {
  rmSync(out, { recursive: true, force: true });
  const assets = join(out, ...ASSET_PREFIX.split('/').filter(Boolean));
  const result = await build({
    entryPoints: { app: join(root, 'web', 'src', 'main.ts'), analysis: join(root, 'web', 'src', 'analysis-worker.ts') },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16.4'],
    mainFields: ['browser', 'module', 'main'],
    entryNames: '[name]-[hash]',
    outdir: assets,
    write: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [browserPlatform],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const files: Record<string, ManifestFile> = {};
  for (const f of result.outputFiles) {
    const name = `${ASSET_PREFIX}${basename(f.path)}`;
    files[name] = writeEncoded(name, Buffer.from(f.contents), 'immutable');
  }
  // Each output's static imports (import statements), by served name; the entries by name.
  const imports = new Map<string, string[]>();
  const entries: Record<string, string> = {};
  let css: string | undefined;
  for (const [path, o] of Object.entries(result.metafile.outputs)) {
    const name = `${ASSET_PREFIX}${basename(path)}`;
    imports.set(
      name,
      o.imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => `${ASSET_PREFIX}${basename(i.path)}`),
    );
    if (o.entryPoint && path.endsWith('.js')) entries[basename(path).replace(/-[A-Z0-9]+\.js$/, '')] = name;
    if (path.endsWith('.css')) css = name;
  }
  const closure = (start: string): string[] => {
    const seen = new Set<string>();
    const walk = (n: string): void => {
      if (seen.has(n)) return;
      seen.add(n);
      for (const i of imports.get(n) ?? []) walk(i);
    };
    walk(start);
    return [...seen];
  };
  if (!entries.app || !entries.analysis || !css) throw new Error('the playground build did not produce the app and analysis scripts and one stylesheet');
  const appFiles = closure(entries.app);
  const analysisFiles = closure(entries.analysis).filter((n) => !appFiles.includes(n));
  const chunks = appFiles.filter((n) => n !== entries.app);
  const html = readFileSync(join(root, 'web', 'index.html'), 'utf8')
    .replace('%APP_JS%', entries.app)
    .replace('%APP_CSS%', css)
    .replace('%ANALYSIS_JS%', entries.analysis)
    .replace('%PRELOADS%', chunks.map((c) => `<link rel="modulepreload" href="${c}">`).join('\n'));
  files['index.html'] = writeEncoded('index.html', Buffer.from(html), 'revalidate');
  const manifest: WebManifest = { files, page: ['index.html', ...appFiles, css], lazy: { analysis: analysisFiles } };
  const listed = new Set([...manifest.page, ...manifest.lazy.analysis]);
  const stray = Object.keys(files).filter((n) => !listed.has(n));
  if (stray.length > 0) throw new Error(`the playground build wrote files neither the page nor the analysis loads: ${stray.join(', ')}`);
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** One line per file for the build output: raw, gzip and brotli sizes. */
export function describeManifest(m: WebManifest): string {
  const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  return Object.entries(m.files)
    .map(
      ([name, f]) =>
        `${`dist/web/${name}`.padEnd(52)} ${kib(f.identity.bytes).padStart(10)}  gzip ${kib(f.gzip.bytes).padStart(9)}  br ${kib(f.br.bytes).padStart(9)}${m.page.includes(name) ? '' : '  (on demand)'}`,
    )
    .join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(describeManifest(await buildWeb()));
}
